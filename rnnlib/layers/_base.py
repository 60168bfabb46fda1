"""The machinery shared by the sequence layers RNN, LSTM and GRU: stacks of recurrent
cells unrolled over time, with backpropagation through time (BPTT), mirroring
``torch.nn.RNN``/``LSTM``/``GRU``.

Shapes (time-major, as PyTorch): x (T, B, D) -> outputs (T, B, H * num_directions);
states (num_layers * num_directions, B, H), entry ``layer * num_directions + direction``
(layer0-forward, layer0-reverse, layer1-forward, ...); the LSTM's state is the tuple (h, c).

Memory: ``forward(..., cache=False)`` (inference) keeps no per-step values; the default
keeps what backward and ``internals`` need, O(T * B * H * gates) per layer and direction.

Speed: each direction of each layer projects its whole input sequence with ONE matmul
before the time loop, and in the backward pass the input weights' gradient and dx are one
matmul each after the loop; only the recurrent products stay inside the loop.

Variable lengths (PyTorch's packed-sequence meaning): ``lengths`` (B,) integers in [1, T].
Outputs past a sequence's end are zero; its final state is the state after its own last step
(t = length - 1); the reverse direction of a sequence starts at its own last step and runs to
t = 0. The reverse direction is computed as a forward pass over each sequence reversed in
place (x[len-1], ..., x[0], then the padding), so both directions share one loop.
"""

import numpy as np

from .._checks import (
    as_float_array,
    as_generator,
    check_float_dtype,
    check_param_memory,
    check_positive_int,
    load_arrays,
)

INFERENCE_BLOCK = 64  # time steps projected per matmul in inference (forward(cache=False))


class RecurrentLayer:
    """Base of :class:`RNN`, :class:`LSTM`, :class:`GRU` (subclasses give ``_make_cell``).

    Attributes: ``input_size``, ``hidden_size``, ``num_layers``, ``bidirectional``,
    ``num_directions``, ``dtype``; ``cells`` {(layer, direction): cell} (direction 1 is the
    reverse one); ``params``/``grads`` {name: array} (PyTorch's names where PyTorch has the
    parameter: peepholes and the lecture GRU's weights have their own), the cells' own arrays under
    the names ``{cell name}_l{layer}`` and ``{cell name}_l{layer}_reverse`` (so an optimiser
    updating ``params[name]`` in place updates the cells); ``internals`` after a forward.

    Methods: ``forward(x, state=None, lengths=None) -> (outputs, final_state)``,
    ``backward(d_outputs, d_final_state=None, truncate=None) -> (dx, d_initial_state)``
    (overwrites ``grads``), ``zero_grad()``, ``state_dict()``, ``load_state_dict(d)``.
    Cells are created layer by layer, forward direction first, all from one generator
    (``rng``: a seed or a ``numpy.random.Generator``).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, *, bidirectional=False,
                 rng=None, dtype=np.float64, max_param_bytes=None, **cell_kwargs):
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.num_layers = check_positive_int("num_layers", num_layers)
        if not isinstance(bidirectional, bool | np.bool_):
            raise TypeError(f"bidirectional must be True or False, got {bidirectional!r}")
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if self.bidirectional else 1
        H, dirs = self.hidden_size, self.num_directions
        count = dirs * (self._cell_class.param_count(self.input_size, H) +  # before allocating
                        (self.num_layers - 1) * self._cell_class.param_count(H * dirs, H))
        check_param_memory(f"{type(self).__name__}({self.input_size}, {H}, num_layers="
                           f"{self.num_layers}, bidirectional={self.bidirectional})", count,
                           check_float_dtype("dtype", dtype), max_param_bytes)
        gen = as_generator(rng)
        self.cells = {}
        self.params = {}
        self.grads = {}
        for layer in range(self.num_layers):
            size = self.input_size if layer == 0 else self.hidden_size * self.num_directions
            for direction in range(self.num_directions):
                cell = self._make_cell(size, self.hidden_size, rng=gen, dtype=dtype,
                                       max_param_bytes=max_param_bytes, **cell_kwargs)
                self.cells[layer, direction] = cell
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                for name in cell.params:  # the SAME array objects as the cell's
                    self.params[name + suffix] = cell.params[name]
                    self.grads[name + suffix] = cell.grads[name]
        self.dtype = self.cells[0, 0].dtype
        self.state_parts = self.cells[0, 0].state_parts
        self._cache = None

    # -- parameters ---------------------------------------------------------------------
    def zero_grad(self):
        """Reset every gradient to zero in place."""
        for cell in self.cells.values():
            cell.zero_grad()

    def state_dict(self):
        """Copies of the parameters under their names (as ``params``)."""
        return {name: value.copy() for name, value in self.params.items()}

    def load_state_dict(self, state_dict):
        """Copy values IN PLACE into the parameters (keys and shapes must match exactly)."""
        load_arrays(self.params, state_dict)

    # -- input checks ---------------------------------------------------------------------
    def _state_shape(self, batch_size):
        return (self.num_layers * self.num_directions, batch_size, self.hidden_size)

    def _check_states(self, name, state, batch_size):
        """A state as a tuple of state_parts arrays (L*dirs, B, H); None -> None entries."""
        shape = self._state_shape(batch_size)
        if state is None:
            return (None,) * self.state_parts
        if self.state_parts == 1:
            if isinstance(state, tuple | list):
                raise TypeError(f"{name} must be one array h of shape {shape}, "
                                f"got a {type(state).__name__} of {len(state)} items")
            return (as_float_array(name, state, shape=shape, dtype=self.dtype),)
        if not isinstance(state, tuple | list) or len(state) != 2:
            raise TypeError(f"{name} must be a tuple (h, c) of two arrays of shape {shape}, "
                            f"got {type(state).__name__}")
        return tuple(None if s is None else
                     as_float_array(f"{name}[{k}]", s, shape=shape, dtype=self.dtype)
                     for k, s in enumerate(state))

    def _check_lengths(self, lengths, T, B):
        if lengths is None:
            return None
        arr = np.asarray(lengths)
        if not (np.issubdtype(arr.dtype, np.integer) or
                (np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)))):
            raise TypeError(f"lengths must be integers, got dtype {arr.dtype}")
        if arr.shape != (B,):
            raise ValueError(f"lengths must have shape ({B},) (one per sequence), "
                             f"got {arr.shape}")
        if np.any(arr < 1) or np.any(arr > T):  # before the cast: inf or 1e30 would wrap
            raise ValueError(f"lengths must lie in [1, T] = [1, {T}], got min {arr.min()} "
                             f"and max {arr.max()}")
        arr = arr.astype(np.intp)
        return None if np.all(arr == T) else arr

    def _pack(self, state):
        """The cell-level state from a tuple of parts."""
        return state[0] if self.state_parts == 1 else tuple(state)

    def _unpack(self, state):
        return (state,) if self.state_parts == 1 else tuple(state)

    # -- forward --------------------------------------------------------------------------
    def forward(self, x, state=None, lengths=None, *, cache=True):
        """Run the layers over the sequence.

        x       : (T, B, D) float array (converted to the layer's dtype), T >= 1, B >= 1.
        state   : initial state, shaped as the final state: h_0 (num_layers * num_directions,
                  B, H), or (h_0, c_0) for the LSTM (None, or a None entry: zeros).
        lengths : (B,) ints in [1, T], any order, or None (all T).
        cache   : True (default) keeps every step's values for :meth:`backward` and
                  :attr:`internals`; False (inference: prediction, evaluation) keeps none of
                  them, so memory does not grow with T (``backward`` then raises, and
                  ``internals`` recomputes them with one more forward pass over the same
                  ``x``, which is referenced, not copied: do not modify it in between).
        Returns ``(outputs, final_state)``: outputs (T, B, H * num_directions), zero past each
        sequence's end; final_state h_n (num_layers * num_directions, B, H), or (h_n, c_n).
        """
        x = as_float_array("x", x, ndim=3, shape=(None, None, self.input_size),
                           dtype=self.dtype)
        T, B, _ = x.shape
        if T == 0:
            raise ValueError(f"x must have at least one time step: shape (T, B, D) with T >= 1, "
                             f"got {x.shape}")
        if B == 0:
            raise ValueError(f"x must have at least one sequence: shape (T, B, D) with B >= 1, "
                             f"got {x.shape}")
        init = self._check_states("state", state, B)
        lengths = self._check_lengths(lengths, T, B)
        outputs, finals, self._cache = self._forward(x, init, lengths, keep=cache)
        if not cache:  # enough to recompute the internals on demand, nothing per step
            self._cache = {"x": x, "init": init, "lengths": lengths, "steps": None,
                           "params": self.state_dict()}
        return outputs, self._pack(finals)

    def _forward(self, x, init, lengths, keep):
        """The forward pass on checked inputs: (outputs, final state parts, cache or None)."""
        T, B, _ = x.shape
        order, mask = self._time_order(T, B, lengths)
        finals = [np.empty(self._state_shape(B), dtype=self.dtype)
                  for _ in range(self.state_parts)]
        layer_input = x
        caches = {}
        for layer in range(self.num_layers):
            outs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                cell = self.cells[layer, direction]
                s0 = tuple(np.zeros((B, self.hidden_size), dtype=self.dtype) if s is None
                           else s[k] for s in init)
                xs = layer_input if direction == 0 else _reorder(layer_input, order)
                out, final, steps = self._run(cell, xs, s0, mask, keep)
                for p in range(self.state_parts):
                    finals[p][k] = final[p]
                outs.append(out if direction == 0 else _reorder(out, order))
                if keep:
                    caches[layer, direction] = (xs, steps)
            layer_input = outs[0] if len(outs) == 1 else np.concatenate(outs, axis=-1)
        if mask is not None:
            layer_input = layer_input * mask
        cache = ({"T": T, "B": B, "lengths": lengths, "order": order, "mask": mask,
                  "steps": caches} if keep else None)
        return layer_input, finals, cache

    def _time_order(self, T, B, lengths):
        """The reverse direction's time index per (step, sequence) and the validity mask."""
        if lengths is None:
            return np.arange(T)[::-1], None
        t = np.arange(T)[:, None]
        order = np.where(t < lengths, lengths - 1 - t, t)  # an involution on each column
        mask = (t < lengths)[:, :, None].astype(self.dtype)  # (T, B, 1)
        return order, mask

    def _run(self, cell, xs, s0, mask, keep=True):
        """One direction: all steps, in processing order. Steps past a sequence's end leave
        its state unchanged, so the final state is the state after its own last step.
        Returns (outputs, final state parts, the steps' caches, or None if not ``keep``).

        The input projection is one matmul for all T steps when training (backward needs
        it whole anyway); in inference (not ``keep``) it is made block by block of
        ``INFERENCE_BLOCK`` steps, so that no (T, B, G*H) array is allocated."""
        T = xs.shape[0]
        block = T if keep else INFERENCE_BLOCK
        out = np.empty((T, xs.shape[1], cell.hidden_size), dtype=self.dtype)
        state = s0
        steps = []
        for start in range(0, T, block):
            xp = cell.project_input(xs[start:start + block])  # (block, B, G*H)
            for t in range(start, min(start + block, T)):
                new, cache = cell.step(xp[t - start], self._pack(state))
                new = self._unpack(new)
                if mask is not None:
                    new = tuple(np.where(mask[t] > 0, n, s)
                                for n, s in zip(new, state, strict=True))
                out[t] = new[0]
                if keep:
                    steps.append(cache)
                state = new
        return out, state, (steps if keep else None)

    # -- internals for plotting --------------------------------------------------------------
    @property
    def internals(self):
        """After a forward: ``{(layer, direction): {name: (T, B, H) array}}`` in time order
        (entries past a sequence's end are zero); names are the cell's (see its
        ``internals``), e.g. "h", "pre" for the RNN."""
        if self._cache is None:
            raise RuntimeError("internals are available after a forward pass")
        c = self._cache
        if c["steps"] is None:  # forward ran with cache=False: recompute (not kept)
            if any(not np.array_equal(v, self.params[k]) for k, v in c["params"].items()):
                raise RuntimeError("the parameters changed since the forward(cache=False); "
                                   "run forward again to see the internals")
            c = self._forward(c["x"], c["init"], c["lengths"], keep=True)[2]
        result = {}
        for (layer, direction), (_, steps) in c["steps"].items():
            values = self.cells[layer, direction].internals(steps)
            for name, v in values.items():
                if direction == 1:
                    v = _reorder(v, c["order"])
                if c["mask"] is not None:
                    v = v * c["mask"]
                values[name] = v
            result[layer, direction] = values
        return result

    # -- backward -------------------------------------------------------------------------
    def backward(self, d_outputs, d_final_state=None, truncate=None):
        """Backpropagation through time; OVERWRITES ``self.grads``.

        d_outputs     : dL/d(outputs) (T, B, H * num_directions).
        d_final_state : dL/d(final state), shaped as the final state (None: zero).
        truncate      : None for full BPTT, or k >= 1: the gradient of the TRUNCATED objective
            in which, in every layer and direction, the output (and final state) after step t
            is computed from the state entering step t-k+1 held constant: the loss at output t
            flows into steps t, t-1, ..., t-k+1 only (counted along the direction's own
            processing order and the sequence's own steps), and into the initial state only
            if t - k + 1 <= 0. Between layers gradients flow at the same time step as usual.
            k >= T gives full BPTT.
        Returns ``(dx, d_initial_state)``: dL/dx (T, B, D) and dL/d(initial state) shaped as
        the state.
        """
        if self._cache is None:
            raise RuntimeError("backward called before forward")
        if self._cache["steps"] is None:
            raise RuntimeError("backward needs a forward with cache=True; the last forward "
                               "ran with cache=False (inference) and kept nothing for it")
        c = self._cache
        T, B = c["T"], c["B"]
        H, dirs = self.hidden_size, self.num_directions
        d_out = as_float_array("d_outputs", d_outputs, shape=(T, B, H * dirs), dtype=self.dtype)
        d_fin = self._check_states("d_final_state", d_final_state, B)
        if truncate is not None:
            truncate = check_positive_int("truncate", truncate)
        lengths, order, mask = c["lengths"], c["order"], c["mask"]
        last = np.full(B, T - 1) if lengths is None else lengths - 1
        self.zero_grad()
        d_init = [np.zeros(self._state_shape(B), dtype=self.dtype)
                  for _ in range(self.state_parts)]
        if mask is not None:
            d_out = d_out * mask
        for layer in reversed(range(self.num_layers)):
            d_in = None
            for direction in range(dirs):
                k = layer * dirs + direction
                cell = self.cells[layer, direction]
                xs, steps = c["steps"][layer, direction]
                dh = d_out[..., direction * H:(direction + 1) * H]
                dh = dh if direction == 0 else _reorder(dh, order)
                # Sources of gradient per step, per state part: the output at each step,
                # and dL/d(final state) injected at each sequence's own last step.
                # (None: no gradient arrives at that part of the state, e.g. c without
                # d_final_state.)
                src = [dh.copy()] + [None] * (self.state_parts - 1)
                for p, df in enumerate(d_fin):
                    if df is not None:
                        if src[p] is None:
                            src[p] = np.zeros_like(dh)
                        src[p][last, np.arange(B)] += df[k]
                dxp, ds0 = self._run_backward(cell, steps, src, truncate)
                cell.weight_hh_backward(dxp, steps)
                for p in range(self.state_parts):
                    d_init[p][k] = ds0[p]
                dx = cell.project_input_backward(dxp, xs)
                dx = dx if direction == 0 else _reorder(dx, order)
                d_in = dx if d_in is None else d_in + dx
            d_out = d_in
        return d_out, self._pack(d_init)

    def _run_backward(self, cell, steps, src, truncate):
        """BPTT over one direction in processing order. Returns dL/d(projection) (T, B, G*H)
        and dL/d(initial state) as a tuple of parts."""
        T = len(steps)
        dxp = None
        if truncate is None or truncate >= T:
            d = tuple(np.zeros_like(src[0][0]) for _ in src)
            for t in reversed(range(T)):
                d = tuple(dp if s is None else dp + s[t] for dp, s in zip(d, src, strict=True))
                g, d = cell.step_backward(self._pack(d), steps[t], weight_grads=False)
                d = self._unpack(d)
                if dxp is None:
                    dxp = np.empty((T,) + g.shape, dtype=self.dtype)
                dxp[t] = g
            return dxp, d
        # Truncated: each source (the gradient arriving at step t) runs back over at most
        # `truncate` steps on its own; the backward is linear in it, so the sum is the
        # gradient of the truncated objective.
        zero = np.zeros_like(src[0][0])
        d_init = tuple(zero for _ in src)
        for t in range(T):
            d = tuple(zero if s is None else s[t] for s in src)
            low = max(0, t - truncate + 1)
            for u in range(t, low - 1, -1):
                g, d = cell.step_backward(self._pack(d), steps[u], weight_grads=False)
                d = self._unpack(d)
                if dxp is None:
                    dxp = np.zeros((T,) + g.shape, dtype=self.dtype)
                dxp[u] += g
            if low == 0:
                d_init = tuple(a + b for a, b in zip(d_init, d, strict=True))
        return dxp, d_init

    def __repr__(self):
        extras = "".join(f", {k}={v}" for k, v in self._repr_options())
        return (f"{type(self).__name__}({self.input_size}, {self.hidden_size}, "
                f"num_layers={self.num_layers}, bidirectional={self.bidirectional}"
                f"{extras}, dtype={self.dtype.name})")

    def _repr_options(self):
        """(name, shown value) pairs of the layer type's own options, for ``repr``."""
        return ()


def _reorder(a, order):
    """a (T, B, ...) with each column b re-indexed in time by order[:, b] (or order (T,))."""
    if order.ndim == 1:
        return a[order]
    return a[order, np.arange(a.shape[1])]
