"""Optimisers and gradient clipping over dicts of arrays (name -> array).

Optimisers update the parameter arrays IN PLACE, so a layer whose ``params`` dict holds
its own arrays is updated by ``optimizer.step(layer.params, layer.grads)``. State
(momentum, Adam moments) is kept per key. The update rules are PyTorch's:

SGD with momentum mu (``torch.optim.SGD``, dampening 0):
    v <- mu v + g   (v = g at the first step),   theta <- theta - lr v.
Adam (Kingma & Ba 2015; ``torch.optim.Adam``), step t = 1, 2, ...:
    m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
    theta <- theta - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).

``step`` checks its input first: the same keys and shapes, float arrays, finite gradients
(a NaN gradient would silently turn every updated parameter into NaN), and, for a key the
optimiser has already updated, the same array object (an optimiser belongs to one model:
use a new one for a new model). Nothing is updated unless every check passes.

Clipping (Pascanu, Mikolov & Bengio 2013, Algorithm 1): with g all gradients together and
||g|| their global Euclidean norm, if ||g|| > max_norm then g <- (max_norm / ||g||) g:
the direction is kept, only the step length is bounded. Non-finite gradients have no
direction to keep: :func:`clip_grad_norm` raises FloatingPointError for them (``fit``
checks the norm first and raises ``TrainingDiverged``).
"""

import numpy as np

from ._checks import as_finite_float, as_positive_float


def _check_pair(params, grads):
    if set(params) != set(grads):
        raise KeyError(f"params and grads must have the same keys; only in params: "
                       f"{sorted(set(params) - set(grads))}, only in grads: "
                       f"{sorted(set(grads) - set(params))}")
    for k, p in params.items():
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
            raise TypeError(f"params[{k!r}] must be a floating-point ndarray (updated in "
                            f"place), got {type(p).__name__}")
        if np.shape(grads[k]) != p.shape:
            raise ValueError(f"grads[{k!r}] has shape {np.shape(grads[k])}, "
                             f"params[{k!r}] has shape {p.shape}")
        g = np.asarray(grads[k])
        if not np.issubdtype(g.dtype, np.floating):
            raise TypeError(f"grads[{k!r}] must be a floating-point array, got dtype {g.dtype}")
        if not np.all(np.isfinite(g)):
            raise ValueError(f"grads[{k!r}] contains NaN or infinite values: the step would "
                             "destroy the parameters (clip the gradients or lower lr)")


def _memory(a):
    """Where an array's values live: (address, shape, strides, dtype). Two views of the same
    values compare equal, as do two ``params`` dicts built afresh around the same arrays."""
    return (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str)


def _check_owner(params, owner):
    """An optimiser keeps per-parameter state for the arrays it first updated (``owner``:
    key -> that array, kept alive so that its memory cannot be reused): the same key must
    bring the same memory, not another model's (e.g. a model rebuilt in a notebook cell
    while the optimiser cell was not re-run, which would otherwise start with the old
    model's momentum or Adam moments)."""
    for k, p in params.items():
        if k in owner and _memory(owner[k]) != _memory(p):
            raise ValueError(f"params[{k!r}] is not the array this optimizer has been updating "
                             "(its state belongs to another model's parameters): create a new "
                             "optimizer for the new model")


def _remember(params, owner):
    for k, p in params.items():
        owner.setdefault(k, p)


def _unit_interval(name, value):
    """A real number in [0, 1), or a clear TypeError/ValueError naming ``name``."""
    value = as_finite_float(name, value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


class SGD:
    """Stochastic gradient descent, optionally with (heavy-ball) momentum."""

    def __init__(self, lr, momentum=0.0):
        self.lr = as_positive_float("lr", lr)
        self.momentum = _unit_interval("momentum", momentum)
        self.velocity = {}
        self._owner = {}

    def step(self, params, grads):
        """Update every ``params[k]`` in place using ``grads[k]``."""
        _check_pair(params, grads)
        if self.momentum:  # plain SGD keeps no state: any parameters will do
            _check_owner(params, self._owner)
            _remember(params, self._owner)
        for k, p in params.items():
            g = grads[k]
            if self.momentum:
                v = self.velocity.get(k)
                v = np.array(g, dtype=p.dtype) if v is None else self.momentum * v + g
                self.velocity[k] = v
                g = v
            p -= self.lr * g


class Adam:
    """Adam with PyTorch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8)."""

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.lr = as_positive_float("lr", lr)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            shown = f"{type(betas).__name__} {betas!r}"
            raise (ValueError if isinstance(betas, tuple | list) else TypeError)(
                f"betas must be a pair (beta1, beta2) of numbers in [0, 1), got {shown}")
        b1, b2 = (_unit_interval(f"betas[{i}]", b) for i, b in enumerate(betas))
        self.betas, self.eps = (b1, b2), as_positive_float("eps", eps)
        self.state = {}  # key -> (t, m, v)
        self._owner = {}

    def step(self, params, grads):
        """Update every ``params[k]`` in place using ``grads[k]``."""
        _check_pair(params, grads)
        _check_owner(params, self._owner)
        _remember(params, self._owner)
        b1, b2 = self.betas
        for k, p in params.items():
            g = grads[k]
            t, m, v = self.state.get(k, (0, np.zeros_like(p), np.zeros_like(p)))
            t += 1
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            self.state[k] = (t, m, v)
            p -= self.lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + self.eps)


def global_norm(grads):
    """sqrt(sum over all arrays of sum g^2), computed without overflow; NaN if any entry is
    NaN, else inf if any is infinite."""
    arrays = [np.asarray(g) for g in grads.values()]
    if any(np.isnan(g).any() for g in arrays):
        return float("nan")
    scale = max((float(np.max(np.abs(g), initial=0.0)) for g in arrays), default=0.0)
    if scale == 0.0 or not np.isfinite(scale):
        return scale
    return scale * float(np.sqrt(sum(np.sum((g / scale) ** 2) for g in arrays)))


def clip_grad_norm(grads, max_norm):
    """Rescale all grads in place so that their global norm is at most ``max_norm``.

    Returns the global norm before clipping (as ``torch.nn.utils.clip_grad_norm_``).
    Raises FloatingPointError, leaving the gradients untouched, if any gradient is NaN or
    infinite (as PyTorch's ``error_if_nonfinite=True``): rescaling cannot repair them.
    """
    as_positive_float("max_norm", max_norm)
    total = global_norm(grads)
    if not np.isfinite(total):
        bad = sorted(k for k, g in grads.items() if not np.all(np.isfinite(g)))
        raise FloatingPointError(
            f"clip_grad_norm: the gradients' global norm is {total} (NaN or infinite values "
            f"in grads {bad}); clipping cannot rescale them: lower the learning rate or "
            "check the model")
    if total > max_norm:
        for g in grads.values():
            g *= max_norm / total
    return total


def clip_grad_value(grads, clip):
    """Clip every gradient entry to [-clip, clip] in place (direction may change). Raises
    FloatingPointError, leaving the gradients untouched, if any is NaN or infinite: clipping
    would hide a NaN (it stays NaN) or turn an overflow into a plausible +-clip."""
    as_positive_float("clip", clip)
    bad = sorted(k for k, g in grads.items() if not np.all(np.isfinite(g)))
    if bad:
        raise FloatingPointError(f"clip_grad_value: NaN or infinite values in grads {bad}; "
                                 "clipping cannot repair them: lower the learning rate or "
                                 "check the model")
    for g in grads.values():
        np.clip(g, -clip, clip, out=g)
