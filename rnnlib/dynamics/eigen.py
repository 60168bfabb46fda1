"""The eigen-analysis of the linear recursion h(t) = W h(t-1) + C x(t) (claims C4, C5, C7).

With W = U Lambda U^{-1} (W u_i = lambda_i u_i), any vector x' = C x(0) is
x' = sum_i a_i u_i, and

    W^t x' = sum_i a_i lambda_i^t u_i.

For large t the term with the largest |lambda_i| *among those with a_i != 0* dominates,
so ||W^t x'|| grows or shrinks like |lambda_m|^t: the predicted growth rate per step is
log |lambda_m| (natural log). If x' has no component along the top eigenvector the
second largest eigenvalue takes over, and so on.
"""

import numpy as np

from .._checks import as_real_array, check_positive_int
from .matrices import _square


def eigen_coefficients(W, x):
    """Eigenvalues, coefficients and eigenvectors of x along W's eigenvectors.

    Returns ``(lam, a, U)``: lam (n,) complex, sorted by decreasing |lambda|;
    U (n, n) complex with unit-norm columns u_i; a (n,) complex with x = U @ a.
    For real x the coefficients of a conjugate pair are conjugates.
    """
    W = _square("W", W)
    x = as_real_array("x", x, shape=(W.shape[0],))
    lam, U = np.linalg.eig(W)
    order = np.argsort(-np.abs(lam), kind="stable")
    lam, U = lam[order], U[:, order]
    a = np.linalg.solve(U, x.astype(complex))
    return lam, a, U


def predicted_growth_rate(W, x, *, rtol=1e-8):
    """log |lambda_m|, where lambda_m is the largest-modulus eigenvalue whose coefficient
    satisfies |a_m| > rtol * ||x|| (the eigen-directions present in x)."""
    lam, a, U = eigen_coefficients(W, x)
    scale = max(float(np.linalg.norm(x)), 1e-300)
    present = np.abs(a) > rtol * scale
    if not np.any(present):
        raise ValueError("x is zero: no eigen-direction is present")
    with np.errstate(divide="ignore"):  # a zero eigenvalue: the response dies, rate -inf
        return float(np.log(np.abs(lam[present][0])))


def remove_top_modes(W, x, *, count=1):
    """x with its components along the ``count`` largest eigenvalue moduli removed
    (a conjugate pair counts as one modulus), returned as a real vector.

    The result has no component along those eigenvectors, up to round-off: ~1e-16 of it
    remains and, if |lambda_top| > |lambda_next|, it grows back after enough steps.
    """
    count = check_positive_int("count", count)
    lam, a, U = eigen_coefficients(W, x)
    moduli = np.abs(lam)
    distinct = []
    for m in moduli:
        if not distinct or m < distinct[-1] * (1 - 1e-9):
            distinct.append(m)
    if count >= len(distinct):
        raise ValueError(f"count must be below the number of distinct |eigenvalues| "
                         f"({len(distinct)}), got {count}")
    keep = moduli < distinct[count - 1] * (1 - 1e-9)
    return np.real(U @ np.where(keep, a, 0))


def fitted_growth_rate(norms, *, start=0):
    """Least-squares slope of log(norms[t]) against t for t >= start: the measured growth
    rate per step (natural log), to compare with :func:`predicted_growth_rate`."""
    norms = as_real_array("norms", norms, ndim=1)
    if np.any(norms <= 0):
        raise ValueError("norms must be positive to take their logarithm")
    t = np.arange(norms.size)[start:]
    if t.size < 2:
        raise ValueError(f"need at least 2 norms from start={start}, got {t.size}")
    slope, _ = np.polyfit(t, np.log(norms[start:]), 1)
    return float(slope)
