"""Loss functions (the lecture's divergence "Div") with their gradients.

Every loss is ``loss(y, target, mask=None) -> (value, d_y)``: the mean loss over the
valid entries (a Python float) and its gradient with respect to ``y`` (same shape as y).
Inputs may be a sequence (T, B, ...) scored at every time step, or a batch (B, ...).

``mask`` (bool or 0/1, optional) marks the valid entries, e.g. the time steps inside each
sequence's length; masked-out entries contribute nothing to the value or to d_y, and may
hold any target (padding: any integer for the cross-entropy, any value, NaN included, for
the elementwise losses). An all-False mask is an error, and so are empty inputs.

- :func:`softmax_cross_entropy`: logits (..., C), integer targets (...); the mean is over
  the valid positions (t, b), each position being one C-way decision:
      L = (1/N) sum_valid -log softmax(logits)[target],   dL/dlogits = (softmax - onehot)/N.
- :func:`sigmoid_binary_cross_entropy`: logits and targets in [0, 1] of the same shape;
  the mean is over the valid elements (each output unit counts once):
      l = -t log sigma(z) - (1 - t) log(1 - sigma(z)) = max(z, 0) - z t + log(1 + e^{-|z|}),
      dl/dz = sigma(z) - t.
- :func:`mean_squared_error`: L = (1/N) sum_valid (y - t)^2 over valid elements (as
  PyTorch's MSELoss, no factor 1/2), dL/dy = 2 (y - t) / N.

For the elementwise losses the mask has the target's shape or a leading part of it
(e.g. (T, B) for (T, B, K) targets, marking whole time steps); N counts valid elements.
"""

import numpy as np

from ._checks import as_float_array
from .activations import sigmoid


def log_softmax(logits, axis=-1):
    """log softmax along ``axis``, computed stably: z - max(z) - log sum exp(z - max(z))."""
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(logits, axis=-1):
    """Softmax along ``axis`` (stable)."""
    return np.exp(log_softmax(np.asarray(logits), axis))


def as_mask(mask, shape, name_of_shape):
    """Mask as a float 0/1 array of ``shape`` or a leading part of it, and its count."""
    if mask is None:
        return None
    m = np.asarray(mask)
    if not (m.dtype == bool or np.issubdtype(m.dtype, np.number)):
        raise TypeError(f"mask must be a bool or 0/1 array, got dtype {m.dtype}")
    if m.shape != tuple(shape[:m.ndim]):
        raise ValueError(f"mask must have the shape of {name_of_shape} {tuple(shape)} "
                         f"(or a leading part of it), got {m.shape}")
    if m.dtype != bool and not np.all((m == 0) | (m == 1)):
        raise ValueError("mask must contain only 0/1 (or True/False) values")
    m = m.astype(np.float64)
    if not m.any():
        raise ValueError("mask selects no entries: the mean over valid entries is undefined")
    return m


def _expand(m, ndim):
    """Append trailing axes to a leading-shape mask so that it broadcasts."""
    return m.reshape(m.shape + (1,) * (ndim - m.ndim))


def _masked_mean(values, m):
    """(mean of ``values`` over valid entries, weights w with sum(w * values) = mean)."""
    if values.size == 0:
        raise ValueError(f"the loss has no entries to average (inputs of shape {values.shape})")
    if m is None:
        return float(np.mean(values)), np.full(values.shape, 1.0 / values.size)
    w = np.broadcast_to(_expand(m, values.ndim), values.shape)
    w = w / np.sum(w)
    return float(np.sum(w * values)), w


def softmax_cross_entropy(logits, target, mask=None):
    """Mean cross-entropy of softmax(logits) against integer class targets.

    logits (..., C) float; target (...) integer in [0, C) at the valid positions;
    mask (...) optional. Returns (mean over valid positions, dL/dlogits (..., C)).
    """
    logits = as_float_array("logits", logits)
    if logits.ndim < 1:
        raise ValueError("logits must have at least one dimension (classes last)")
    n_classes = logits.shape[-1]
    target = np.asarray(target)
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(f"target must be an integer array of class indices, got dtype "
                        f"{target.dtype}")
    if target.shape != logits.shape[:-1]:
        raise ValueError(f"target must have shape {logits.shape[:-1]} (logits without the "
                         f"class axis), got {target.shape}")
    m = as_mask(mask, target.shape, "target")
    if m is not None and m.shape != target.shape:
        raise ValueError(f"mask must have shape {target.shape}, got {m.shape}")
    valid = np.ones(target.shape, bool) if m is None else m.astype(bool)
    bad = valid & ((target < 0) | (target >= n_classes))
    if bad.any():
        raise ValueError(f"target class indices must lie in [0, {n_classes - 1}] "
                         f"(logits have {n_classes} classes), got values "
                         f"{np.unique(target[bad])[:5].tolist()}")
    safe = np.where(valid, target, 0)  # padded positions may hold any value
    log_p = log_softmax(logits)
    nll = -np.take_along_axis(log_p, safe[..., None], axis=-1)[..., 0]
    value, w = _masked_mean(nll, m)
    d = np.exp(log_p)
    np.put_along_axis(d, safe[..., None], np.take_along_axis(d, safe[..., None], -1) - 1,
                      axis=-1)
    return value, (d * w[..., None]).astype(logits.dtype, copy=False)


def _as_target(target, shape, m):
    """Float targets of ``shape``, checked (finite) at the valid entries of the mask m only;
    masked-out entries may hold anything (padding, even NaN) and are returned as 0."""
    target = np.asarray(target)
    if target.dtype == bool or np.issubdtype(target.dtype, np.integer):
        target = target.astype(np.float64)
    target = as_float_array("target", target, shape=shape, finite=m is None)
    if m is None:
        return target
    valid = np.broadcast_to(_expand(m, target.ndim), target.shape) > 0
    if not np.all(np.isfinite(target[valid])):
        bad = int(np.count_nonzero(~np.isfinite(target[valid])))
        raise ValueError(f"target contains {bad} NaN or infinite value(s) at valid (unmasked) "
                         "entries")
    return np.where(valid, target, 0.0)


def sigmoid_binary_cross_entropy(logits, target, mask=None):
    """Mean binary cross-entropy of sigmoid(logits) against targets in [0, 1].

    logits, target: same shape (targets may be bool/int 0/1 or probabilities);
    mask: that shape or a leading part of it. Returns (mean over valid elements, d_logits).
    """
    logits = as_float_array("logits", logits)
    m = as_mask(mask, logits.shape, "logits")
    target = _as_target(target, logits.shape, m)
    if np.any((target < 0) | (target > 1)):
        raise ValueError("target must lie in [0, 1] for binary cross-entropy (at the valid "
                         f"entries), got values in [{target.min():.3g}, {target.max():.3g}]")
    per = np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
    value, w = _masked_mean(per, m)
    return value, ((sigmoid(logits) - target) * w).astype(logits.dtype, copy=False)


def mean_squared_error(y, target, mask=None):
    """Mean of (y - target)^2 over valid elements; returns (value, dL/dy = 2 (y - t) w)."""
    y = as_float_array("y", y)
    m = as_mask(mask, y.shape, "y")
    target = _as_target(target, y.shape, m)
    diff = y - target
    value, w = _masked_mean(diff * diff, m)
    return value, (2 * diff * w).astype(y.dtype, copy=False)


LOSSES = {"cross_entropy": softmax_cross_entropy, "bce": sigmoid_binary_cross_entropy,
          "mse": mean_squared_error}


def get(name):
    """A loss by name (``cross_entropy``, ``bce``, ``mse``) or a callable, returned as is."""
    if callable(name):
        return name
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; known losses: {', '.join(LOSSES)}")
    return LOSSES[name]
