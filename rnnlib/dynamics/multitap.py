"""Multi-tap linear recursions (claim C13) and their stability tests (claim C12).

    h(t) = sum_{k=1}^{K} w_k h(t-k) + c x(t)

has the characteristic polynomial P(z) = z^K - w_1 z^{K-1} - ... - w_K. With distinct
roots r_i its impulse response is a sum of K geometric "modes",

    h(t) = sum_i A_i r_i^t,

so each tap adds a mode to the memory, and the modes' rates are the roots, not the taps
(two taps of 0.5 and 0.45 give a root near 0.97: a long memory). The recursion is stable
iff every |r_i| < 1: the discrete-time pole test. The Jury test decides the same thing
from the coefficients alone, without finding roots: the discrete analogue of Routh's
criterion. For K = 2 the stable region is the triangle |w_2| < 1, |w_1| < 1 - w_2.
"""

import numpy as np

from .._checks import as_finite_float, as_generator, as_real_array, check_nonnegative_int


def _taps(w):
    w = as_real_array("w", w, ndim=1)
    if w.size == 0:
        raise ValueError("w must hold at least one tap")
    return w


def simulate_multitap(w, c, x, *, h_init=None):
    """h(t) for t = 0..T-1; w (K,) taps, c a number, x (T,); h_init (K,) holds
    h(-1), ..., h(-K) (default zeros)."""
    w = _taps(w)
    c = as_finite_float("c", c)
    x = as_real_array("x", x, ndim=1)
    K = w.size
    past = np.zeros(K) if h_init is None else as_real_array("h_init", h_init, shape=(K,))
    past = past.copy()  # past[k-1] = h(t-k)
    out = np.empty(x.size)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(x.size):
            h = w @ past + c * x[t]
            past = np.concatenate(([h], past[:-1]))
            out[t] = h
    return out


def multitap_impulse_response(w, c, steps):
    """The response to x(0) = 1 (x(t) = 0 afterwards) from a zero past."""
    steps = check_nonnegative_int("steps", steps)
    x = np.zeros(steps)
    if steps:
        x[0] = 1.0
    return simulate_multitap(w, c, x)


def characteristic_polynomial(w):
    """Coefficients of P(z) = z^K - w_1 z^{K-1} - ... - w_K, highest power first."""
    return np.concatenate(([1.0], -_taps(w)))


def characteristic_roots(w):
    """The K roots of P(z) (np.roots), sorted by decreasing modulus."""
    r = np.roots(characteristic_polynomial(w))
    return r[np.argsort(-np.abs(r), kind="stable")]


def stable_by_roots(w):
    """True iff every characteristic root lies strictly inside the unit circle."""
    return bool(np.max(np.abs(characteristic_roots(w))) < 1)


def modes(w, c=1.0):
    """Roots r_i and amplitudes A_i with impulse response h(t) = sum_i A_i r_i^t
    (fitted exactly to h(0..K-1)); needs distinct roots."""
    r = characteristic_roots(w)
    K = r.size
    h = multitap_impulse_response(w, c, K)
    V = np.vander(r, K, increasing=True).T  # V[t, i] = r_i^t
    if np.linalg.cond(V) > 1e10:
        raise ValueError(f"repeated characteristic roots {r}: the modes are not geometric")
    return r, np.linalg.solve(V, h.astype(complex))


def jury_table(coefficients):
    """The Jury stability table of P(z) = a_0 z^n + a_1 z^{n-1} + ... + a_n (highest first),
    as in Ogata, *Discrete-Time Control Systems*: rows 1, 2 are a_n..a_0 and a_0..a_n;
    each next pair is b_k = det [[a_n, a_{n-1-k}], [a_0, a_{k+1}]] listed as b_{n-1}..b_0
    and reversed, and so on down to rows of 3 entries. P is scaled so that a_0 > 0.
    Returns a list of 1-D arrays (the rows)."""
    a = _poly(coefficients)
    n = a.size - 1
    row = a[::-1].copy()  # a_n, ..., a_0
    rows = [row, row[::-1]]
    while row.size > 3:
        m = row.size - 1
        # next[i] = det [[row[0], row[m - i]], [row[m], row[i]]]
        row = np.array([row[0] * row[i] - row[m] * row[m - i] for i in range(m)])
        rows += [row, row[::-1]]
    return rows if n >= 2 else rows[:2]


def jury_conditions(coefficients):
    """The Jury test's conditions as (statement, holds) pairs."""
    a = _poly(coefficients)
    n = a.size - 1
    P1 = np.polyval(a, 1.0)
    Pm1 = np.polyval(a, -1.0)
    conds = [("P(1) > 0", bool(P1 > 0)),
             (f"(-1)^{n} P(-1) > 0", bool((-1) ** n * Pm1 > 0)),
             ("|a_n| < a_0", bool(abs(a[-1]) < a[0]))]
    rows = jury_table(a)
    for j in range(2, len(rows), 2):
        r = rows[j]
        conds.append((f"row {j + 1}: |first| > |last|", bool(abs(r[0]) > abs(r[-1]))))
    return conds


def jury_stable(coefficients):
    """True iff all roots of P(z) lie strictly inside the unit circle, by the Jury test."""
    return all(ok for _, ok in jury_conditions(coefficients))


def random_polynomial(rng, degree, *, near_unit_circle=False, radii=(0.1, 1.5)):
    """A real monic polynomial of the given degree built from random roots, and the roots.

    Roots: some conjugate pairs r e^{+-i theta} and some real +-r, with r uniform in
    ``radii``; with ``near_unit_circle`` one root modulus is set to 1 +- 1e-6, the hard
    case for a stability test. Returns (coefficients (degree + 1,) highest first, roots).
    For testing the Jury test against the roots."""
    rng = as_generator(rng)
    degree = check_nonnegative_int("degree", degree)
    if degree < 1:
        raise ValueError(f"degree must be at least 1, got {degree}")
    lo, hi = as_finite_float("radii[0]", radii[0]), as_finite_float("radii[1]", radii[1])
    if not 0 <= lo < hi:
        raise ValueError(f"radii must be (low, high) with 0 <= low < high, got {radii}")
    n_pairs = int(rng.integers(0, degree // 2 + 1))
    r = rng.uniform(lo, hi, degree - n_pairs)
    if near_unit_circle:
        r[rng.integers(r.size)] = 1 + rng.choice([-1e-6, 1e-6])
    angles = rng.uniform(0.05, np.pi - 0.05, n_pairs)
    roots = list(r[n_pairs:] * rng.choice([-1, 1], degree - 2 * n_pairs))
    for ri, a in zip(r[:n_pairs], angles, strict=True):
        roots += [ri * np.exp(1j * a), ri * np.exp(-1j * a)]
    roots = np.array(roots, dtype=complex)
    return np.real(np.poly(roots)), roots


def in_k2_triangle(w1, w2):
    """The K = 2 stability region: |w2| < 1 and |w1| < 1 - w2."""
    w1, w2 = as_finite_float("w1", w1), as_finite_float("w2", w2)
    return bool(abs(w2) < 1 and abs(w1) < 1 - w2)


K2_TRIANGLE = np.array([[-2.0, -1.0], [2.0, -1.0], [0.0, 1.0]])
"""Vertices (w1, w2) of the K = 2 stability triangle. Inside it, the roots are complex
above the parabola w2 = -w1^2 / 4 and real below it."""


def _poly(coefficients):
    a = as_real_array("coefficients", coefficients, ndim=1)
    if a.size < 2:
        raise ValueError(f"coefficients must describe a polynomial of degree >= 1, got {a}")
    if a[0] == 0:
        raise ValueError("the leading coefficient a_0 must be non-zero")
    return a if a[0] > 0 else -a
