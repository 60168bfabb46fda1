"""A sequence model container and the one training loop every notebook uses.

Training minimises the divergence between the outputs and the targets by gradient descent
and backpropagation (through time, for recurrent models; claim C31). One step is

    y = model.forward(x[, lengths])          # forward pass, caches what backward needs
    L, dL/dy = loss_fn(y, target, mask)      # a function of rnnlib.losses
    model.backward(dL/dy[, truncate])        # fills model.grads
    clip the gradients (optional), optimizer.step(model.params, model.grads)

Any object with ``params``, ``grads``, ``forward`` and ``backward`` can be trained: a
:class:`SequenceModel`, an :class:`rnnlib.dense.MLP`, a :class:`rnnlib.dense.Dense`.
:func:`predict` and :func:`evaluate` run ``forward(..., cache=False)`` (inference: nothing
is kept for backward, so scoring long sequences costs no per-step memory).

A *batch* is a tuple ``(x, target)``, ``(x, target, mask)`` or ``(x, target, mask, lengths)``:
``mask`` goes to the loss (None: every entry counts), ``lengths`` (B,) to ``model.forward``.
With lengths and per-step outputs, also give ``mask = lengths_to_mask(lengths, T)`` so
that the padded steps are not scored.
"""

import inspect

import numpy as np

from . import losses
from ._checks import (
    as_float_array,
    as_generator,
    as_positive_float,
    check_nonnegative_int,
    check_positive_int,
    load_arrays,
)
from .optim import clip_grad_norm, clip_grad_value, global_norm


class TrainingDiverged(RuntimeError):
    """The loss, the model output, the gradients or the parameters became NaN or infinite,
    or the loss grew to more than ``fit``'s ``diverge_factor`` times its best value so far.

    ``step`` is the step at which it happened, ``history`` the history up to the step before.
    """

    def __init__(self, message, step, history):
        super().__init__(message)
        self.step, self.history = step, history


class SequenceModel:
    """A recurrent layer followed by a head applied to its outputs.

    recurrent : an ``rnnlib.layers`` RNN, LSTM or GRU, x (T, B, D) -> outputs (T, B, H*dirs).
    head      : a Dense (or MLP) on H*dirs features, e.g. ``Dense(H * dirs, C)`` (checked
                here: ValueError if its input size is not H*dirs).
    output    : "all"  -> the head at every step: logits (T, B, C);
                "last" -> the head on one feature vector per sequence: logits (B, C).
        For "last" the feature vector of sequence b is its top layer's output at its own
        last step t = lengths[b] - 1 (T - 1 without lengths); for a bidirectional layer it
        is [forward output at t = lengths[b] - 1, reverse output at t = 0], i.e. the final
        states of both directions of the top layer, as PyTorch users write
        ``torch.cat((h_n[-2], h_n[-1]), dim=1)``.

    ``params``/``grads`` hold the parts' own arrays, keyed "rnn.<name>" and "head.<name>"
    (e.g. "rnn.weight_ih_l0", "head.weight").
    """

    def __init__(self, recurrent, head, *, output="all"):
        if output not in ("all", "last"):
            raise ValueError(f"output must be 'all' or 'last', got {output!r}")
        features = _output_features(recurrent)
        head_in = _input_features(head)
        if None not in (features, head_in) and features != head_in:  # when both are known
            raise ValueError(f"head must take the recurrent layer's {features} output features "
                             f"(hidden_size x directions), but it takes {head_in}: "
                             f"use e.g. Dense({features}, ...)")
        self.recurrent, self.head, self.output = recurrent, head, output
        self.parts = {"rnn": recurrent, "head": head}
        self._last = None

    def __repr__(self):
        return f"SequenceModel({self.recurrent!r}, {self.head!r}, output={self.output!r})"

    @property
    def params(self):
        return {f"{p}.{k}": v for p, part in self.parts.items() for k, v in part.params.items()}

    @property
    def grads(self):
        return {f"{p}.{k}": v for p, part in self.parts.items() for k, v in part.grads.items()}

    def forward(self, x, lengths=None, *, cache=True):
        """x (T, B, D) -> logits (T, B, C) for output="all", (B, C) for output="last".
        ``cache=False`` (inference) keeps nothing for backward (see the layers' forward)."""
        infer = {} if cache else {"cache": False}  # parts without the option still work
        outputs, _ = self.recurrent.forward(x, lengths=lengths, **infer)
        if self.output == "all":
            return self.head.forward(outputs, **infer)
        T, B, F = outputs.shape
        last = np.full(B, T - 1) if lengths is None else np.asarray(lengths).astype(np.intp) - 1
        features = outputs[last, np.arange(B)]
        if getattr(self.recurrent, "bidirectional", False):
            H = F // 2
            features[:, H:] = outputs[0, :, H:]  # the reverse direction ends at t = 0
        self._last = (outputs.shape, last)
        return self.head.forward(features, **infer)

    def backward(self, dlogits, truncate=None):
        """dL/dlogits -> dL/dx (T, B, D); fills ``grads``. ``truncate`` goes to the
        recurrent layer's backward (truncated BPTT over that many steps)."""
        d_features = self.head.backward(dlogits)
        if self.output == "all":
            d_outputs = d_features
        else:
            shape, last = self._last
            B, F = shape[1], shape[2]
            d_outputs = np.zeros(shape, dtype=d_features.dtype)
            if getattr(self.recurrent, "bidirectional", False):
                H = F // 2
                d_outputs[last, np.arange(B), :H] = d_features[:, :H]
                d_outputs[0, :, H:] = d_features[:, H:]
            else:
                d_outputs[last, np.arange(B)] = d_features
        dx, _ = self.recurrent.backward(d_outputs, truncate=truncate)
        return dx

    def zero_grad(self):
        for part in self.parts.values():
            part.zero_grad()

    def state_dict(self):
        """Copies of all parameters, keyed as ``params``."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state):
        """Load parameters saved by :meth:`state_dict` (same keys) into the parts, in place."""
        load_arrays(self.params, state)  # ``params`` holds the parts' own arrays


def _output_features(recurrent):
    """H * num_directions of a recurrent layer of :mod:`rnnlib.layers`, else None."""
    H = getattr(recurrent, "hidden_size", None)
    return None if H is None else H * getattr(recurrent, "num_directions", 1)


def _input_features(head):
    """The input size of a :class:`Dense` (in_features) or an :class:`MLP` (sizes[0]),
    else None."""
    if getattr(head, "in_features", None) is not None:
        return head.in_features
    sizes = getattr(head, "sizes", None)
    return sizes[0] if sizes else None


def lengths_to_mask(lengths, T):
    """(T, B) bool mask, True at the steps t < lengths[b] of each sequence; lengths (B,)
    integers in [1, T] (as the recurrent layers take them)."""
    T = check_positive_int("T", T)
    lengths = np.asarray(lengths)
    whole = np.issubdtype(lengths.dtype, np.integer) or (
        np.issubdtype(lengths.dtype, np.floating) and np.all(lengths == np.round(lengths)))
    if lengths.ndim != 1 or not whole:
        raise TypeError(f"lengths must be a 1-D array of whole numbers (one per sequence), got "
                        f"dtype {lengths.dtype} and shape {lengths.shape}")
    if np.any(lengths < 1) or np.any(lengths > T):
        raise ValueError(f"lengths must lie in [1, T] = [1, {T}], got min {lengths.min()} and "
                         f"max {lengths.max()}")
    return np.arange(T)[:, None] < lengths[None, :]


def _unpack(batch):
    if not isinstance(batch, tuple | list) or not 2 <= len(batch) <= 4:
        raise TypeError("a batch must be a tuple (x, target), (x, target, mask) or "
                        f"(x, target, mask, lengths), got {type(batch).__name__}"
                        + (f" of length {len(batch)}" if isinstance(batch, tuple | list) else ""))
    x, target, mask, lengths = (*batch, None, None)[:4]
    return x, target, mask, lengths


def _stream(batches, steps, epochs, rng):
    """Yield the batches of the run: ``steps`` calls of a batch function, or ``epochs``
    passes (or ``steps`` batches) over an iterable."""
    if isinstance(batches, tuple) and batches and isinstance(batches[0], np.ndarray):
        raise TypeError("batches must be a function rng -> batch or an iterable of batches; "
                        "for full-batch training pass a list with one batch: [(x, target)]")
    if steps is not None and epochs is not None:
        raise ValueError("give steps or epochs, not both")
    steps = None if steps is None else check_positive_int("steps", steps)
    if callable(batches):
        if steps is None:
            raise ValueError("a batch function rng -> batch needs steps=..., not epochs")
        gen = as_generator(rng)
        for _ in range(steps):
            yield batches(gen)
        return
    epochs = (1 if steps is None and epochs is None else
              None if epochs is None else check_positive_int("epochs", epochs))
    count, epoch = 0, 0
    while epochs is None or epoch < epochs:
        n = 0
        for batch in batches:
            yield batch
            count, n = count + 1, n + 1
            if count == steps:
                return
        if n == 0:
            raise ValueError(f"batches ran out after {count} batches (an iterator can be used "
                             "once: pass a list, or a function rng -> batch)")
        epoch += 1


DIVERGENCE_FACTOR = 1e6  # fit's default: a loss this many times its best so far has diverged


def _nonfinite_param(params):
    """The name of the first parameter holding a NaN or infinity, or None."""
    return next((k for k, p in params.items() if not np.all(np.isfinite(p))), None)


def _diverged(step, what, history, became="became NaN or infinite"):
    return TrainingDiverged(
        f"training diverged at step {step}: {what} {became}. Clip the "
        "gradients (e.g. clip_norm=1.0, Pascanu et al. 2013) or lower the learning rate.",
        step, history)


def fit(model, loss_fn, batches, optimizer, *, steps=None, epochs=None, clip_norm=None,
        clip_value=None, log_every=None, callback=None, truncate=None, rng=None,
        diverge_factor=DIVERGENCE_FACTOR):
    """Train ``model`` in place and return its history.

    loss_fn   : a loss of :mod:`rnnlib.losses` (or its name: "cross_entropy", "bce", "mse").
    batches   : a function ``rng -> batch`` (needs ``steps``; called with a Generator made
                from ``rng``), or an iterable of batches (``epochs`` passes, default 1, or
                ``steps`` batches, cycling over it).
    optimizer : an optimiser object with ``step(params, grads)``, e.g.
                ``rnnlib.optim.Adam(lr=1e-2)`` (not a name: it needs its settings).
    clip_norm : rescale the gradients to global norm <= clip_norm (before the step);
    clip_value: clip each gradient entry to [-clip_value, clip_value].
    log_every : print "step s: loss ..., grad norm ..." (3 significant figures) every
                ``log_every`` steps.
    callback  : ``callback(step, model, history)``, called after each step; a true return
                value stops training.
    truncate  : truncated BPTT, passed as ``model.backward(dy, truncate=truncate)``.
    diverge_factor: training has diverged when the loss exceeds this factor times its best
                (lowest, > 0) value so far (default 1e6; None: only a non-finite loss counts).
    Returns {"step": [...], "loss": [...], "grad_norm": [...]}, one entry per step, with
    the loss before the step's update and the gradients' global norm before clipping.
    Raises :class:`TrainingDiverged` naming the step when anything becomes non-finite or
    the loss explodes (``diverge_factor``); ValueError naming the parameter if one holds a
    NaN or infinity before a step (e.g. written into it in place), checked once per step.
    """
    if isinstance(optimizer, type) or not callable(getattr(optimizer, "step", None)):
        raise TypeError("optimizer must be an optimizer object with a method "
                        "step(params, grads), e.g. rnnlib.optim.Adam(lr=1e-2), got "
                        f"{type(optimizer).__name__} {optimizer!r}")
    loss_fn = losses.get(loss_fn)
    if log_every is not None:  # 0 (like None): no logging
        log_every = check_nonnegative_int("log_every", log_every)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function callback(step, model, history) or None, "
                        f"got {type(callback).__name__} {callback!r}")
    if diverge_factor is not None:
        diverge_factor = as_positive_float("diverge_factor", diverge_factor)
    history = {"step": [], "loss": [], "grad_norm": []}
    best = np.inf
    for step, batch in enumerate(_stream(batches, steps, epochs, rng), start=1):
        x, target, mask, lengths = _unpack(batch)
        bad = _nonfinite_param(model.params)  # one pass over the parameters per step
        if bad is not None:
            raise ValueError(f"parameter {bad!r} contains NaN or infinite values before step "
                             f"{step} (was it written in place?); reload or re-initialise it")
        # Overflow is expected when training diverges: it is detected below, not warned.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            y = model.forward(x) if lengths is None else model.forward(x, lengths=lengths)
            if not np.all(np.isfinite(y)):
                raise _diverged(step, "the model output", history)
            loss, dy = loss_fn(y, target, mask)
            if not np.isfinite(loss):
                raise _diverged(step, "the loss", history)
            if diverge_factor is not None and 0 < best and loss > diverge_factor * best:
                raise _diverged(step, f"the loss ({float(loss):.3g})", history,
                                f"grew to more than {diverge_factor:.3g} times its best value "
                                f"so far ({best:.3g})")
            best = min(best, float(loss))
            if truncate is None:
                model.backward(dy)
            else:
                model.backward(dy, truncate=truncate)
            grads = model.grads
            norm = global_norm(grads)
            if not np.isfinite(norm):
                raise _diverged(step, "the gradient", history)
            if clip_value is not None:
                clip_grad_value(grads, clip_value)
            if clip_norm is not None:
                clip_grad_norm(grads, clip_norm)
            params = model.params
            optimizer.step(params, grads)
            bad = _nonfinite_param(params)
            if bad is not None:
                raise _diverged(step, f"the parameter {bad!r} (after the update)", history)
        history["step"].append(step)
        history["loss"].append(float(loss))
        history["grad_norm"].append(norm)
        if log_every and step % log_every == 0:
            print(f"step {step}: loss {loss:.3g}, grad norm {norm:.3g}")
        if callback is not None and callback(step, model, history):
            break
    return history


def _accepts_cache(model):
    try:
        return "cache" in inspect.signature(model.forward).parameters
    except (TypeError, ValueError):  # a forward without a readable signature
        return False


def predict(model, x, lengths=None):
    """The model's output for x: a forward pass in inference mode (``cache=False`` if the
    model's forward takes it, so nothing is kept for backward; recurrent layers still give
    their ``internals`` afterwards). ``lengths`` is passed only if given."""
    kwargs = {} if lengths is None else {"lengths": lengths}
    if _accepts_cache(model):
        kwargs["cache"] = False
    return model.forward(x, **kwargs)


def accuracy(logits, target, mask=None, *, per="element", batch_axis=None):
    """Fraction of correct predictions.

    Integer targets of shape logits.shape[:-1]: the prediction is argmax over the classes.
    0/1 targets of the logits' shape: the prediction is logits > 0 (sigmoid > 1/2), right
    when it agrees with target > 0.5 (targets in [0, 1], as binary cross-entropy takes).
    per="element": over the valid entries (``mask``, as in the losses).
    per="sequence": fraction of sequences with EVERY valid entry right; the sequence index
    is ``batch_axis`` (default 1 for time-major (T, B, ...) targets, 0 for 1-D targets;
    pass batch_axis=0 for the MLP view (B, N)).
    A mask that selects no entry raises ValueError (the accuracy of nothing is undefined).
    """
    logits = np.asarray(logits)
    logits = as_float_array("logits", logits.astype(np.float64) if np.issubdtype(
        logits.dtype, np.integer) else logits)
    target = np.asarray(target)
    if np.issubdtype(target.dtype, np.integer) and target.shape == logits.shape[:-1]:
        right = np.argmax(logits, axis=-1) == target
        classes = logits.shape[-1]
    elif target.shape == logits.shape:
        right = (logits > 0) == (target > 0.5)
        classes = None
    else:
        raise ValueError(f"target must be class indices of shape {logits.shape[:-1]} or 0/1 "
                         f"values of shape {logits.shape}, got {target.dtype} {target.shape}")
    valid = np.ones(right.shape, bool)
    if mask is not None:
        m = losses.as_mask(mask, right.shape, "target")  # 0/1 values, a leading shape
        valid = np.broadcast_to(m.reshape(m.shape + (1,) * (right.ndim - m.ndim)) > 0,
                                right.shape)
    if classes is not None:
        bad = valid & ((target < 0) | (target >= classes))
        if bad.any():
            raise ValueError(f"target class indices must lie in [0, {classes - 1}] (logits "
                             f"have {classes} classes), got {np.unique(target[bad])[:5].tolist()}")
    elif np.any(valid & ~((target >= 0) & (target <= 1))):
        raise ValueError("binary targets must lie in [0, 1] (0/1, or probabilities, which count "
                         "as 1 above 0.5) at the valid entries")
    if per == "element":
        return float(np.count_nonzero(right & valid) / np.count_nonzero(valid))
    if per != "sequence":
        raise ValueError(f"per must be 'element' or 'sequence', got {per!r}")
    axis = (1 if right.ndim >= 2 else 0) if batch_axis is None else batch_axis
    others = tuple(a for a in range(right.ndim) if a != axis % right.ndim)
    return float(np.mean(np.all(right | ~valid, axis=others)))


def evaluate(model, loss_fn, batch, *, batch_axis=None):
    """{"loss": L, "accuracy": per element, "sequence_accuracy": per sequence} on one batch
    (accuracies only for cross-entropy and binary cross-entropy; ``batch_axis`` as in
    :func:`accuracy`)."""
    x, target, mask, lengths = _unpack(batch)
    loss_fn = losses.get(loss_fn)
    y = predict(model, x, lengths)
    result = {"loss": loss_fn(y, target, mask)[0]}
    if loss_fn in (losses.softmax_cross_entropy, losses.sigmoid_binary_cross_entropy):
        result["accuracy"] = accuracy(y, target, mask)
        result["sequence_accuracy"] = accuracy(y, target, mask, per="sequence",
                                               batch_axis=batch_axis)
    return result
