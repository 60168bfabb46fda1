"""Gradient checking by centred finite differences.

For every entry theta_k of every array checked,

    g_fd[k] = (L(theta + eps e_k) - L(theta - eps e_k)) / (2 eps),

and the report for an array is the relative error

    max|g - g_fd| / max(max|g|, max|g_fd|, 1e-12),

which is inf when either gradient holds a NaN or an infinity (so that ``error < tol`` fails,
and ``max`` over several reports cannot skip it as it would skip a NaN); a loss that is not
finite at a perturbed point raises ValueError.

Only float64 arrays are accepted: in float32 a perturbation of 1e-6 is below the resolution
of the values. In float64 with eps = 1e-6 a correct backward pass gives errors around 1e-9
or below; the unit tests require < 1e-7.
"""

import numpy as np

from ._checks import as_positive_float


def numerical_gradient(loss, array, eps=1e-6):
    """Centred-difference gradient of ``loss()`` (a scalar function of no arguments that
    reads ``array``) with respect to ``array``, which is perturbed in place and restored."""
    eps = as_positive_float("eps", eps)
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        raise TypeError("array must be a float64 (floating point) ndarray: eps="
                        f"{eps:g} is lost in lower precision; got {getattr(array, 'dtype', array)}")
    grad = np.zeros(array.shape, dtype=np.float64)
    flat = array.reshape(-1)  # a view: perturbing it perturbs ``array``
    if not np.shares_memory(flat, array):
        raise ValueError("array must be contiguous so that it can be perturbed in place")
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + eps
        plus = float(loss())
        flat[k] = saved - eps
        minus = float(loss())
        flat[k] = saved
        if not (np.isfinite(plus) and np.isfinite(minus)):
            raise ValueError(f"the loss is not finite ({plus}, {minus}) when entry {k} of the "
                             f"array is moved by +-{eps:g}: no finite difference")
        grad.reshape(-1)[k] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic, numeric):
    """max|g - g_fd| / max(max|g|, max|g_fd|, 1e-12); inf if either is not finite."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(f"gradient shapes differ: analytic {analytic.shape}, "
                         f"numeric {numeric.shape}")
    if not (np.all(np.isfinite(analytic)) and np.all(np.isfinite(numeric))):
        return float("inf")
    scale = max(np.max(np.abs(analytic), initial=0.0), np.max(np.abs(numeric), initial=0.0),
                1e-12)
    return float(np.max(np.abs(analytic - numeric), initial=0.0) / scale)


def check_gradients(loss, arrays, analytic, eps=1e-6):
    """Compare analytic gradients with centred finite differences.

    loss     : function of no arguments returning the scalar loss; it must read the
               arrays in ``arrays`` (which are perturbed in place and restored).
    arrays   : dict name -> float64 array (parameters and/or inputs).
    analytic : dict name -> the analytic gradient of ``loss`` w.r.t. that array.
    Returns a dict name -> relative error (see the module docstring).
    """
    missing = set(arrays) - set(analytic)
    if missing:
        raise KeyError(f"no analytic gradient for {sorted(missing)}")
    return {name: relative_error(analytic[name], numerical_gradient(loss, arr, eps))
            for name, arr in arrays.items()}
