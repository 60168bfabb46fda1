"""Exercises of notebook 01: recurrent matrices with chosen eigenvalues, and predicting
blow-up or vanishing of h(t) = W h(t-1) from the spectrum.

``check_eigen_matrix(fn)``: ``fn(eigenvalues) -> W``, a REAL (n, n) matrix whose
eigenvalues are the given n numbers (complex ones in conjugate pairs r e^{+-i theta}; a
pair becomes the real 2x2 block r [[cos theta, -sin theta], [sin theta, cos theta]]).

``check_growth_prediction(fn)``: ``fn(W, x) -> (behaviour, rate)`` for the recursion
h(t) = W h(t-1), h(0) = x: ``rate`` = log |lambda_m| per step (natural log), lambda_m the
largest-modulus eigenvalue whose eigen-direction is present in x (|a_m| > 1e-8 ||x||, with
x = sum_i a_i u_i); ``behaviour`` is "blow-up" (rate > 0), "vanish" (rate < 0) or
"bounded" (rate = 0). The checker simulates ||h(t)|| over 300 steps and compares.
"""

import numpy as np

from ..dynamics import (
    fitted_growth_rate,
    largest_singular_value,
    matrix_with_eigenvalues,
    polar_eigenvalues,
    predicted_growth_rate,
)
from .verdict import StudentError, as_array, call, rel, run

EIGEN_CASES = [
    np.array([0.5, 0.9, -1.2]),
    np.concatenate([polar_eigenvalues([0.95], [0.6]), [0.3]]),
    np.concatenate([polar_eigenvalues([1.1, 0.7], [2.0, 0.25])]),
    np.array([1.0, 0.0, -0.5, 2.0]),
]


def _sorted(lam):
    lam = np.asarray(lam, dtype=complex)
    return lam[np.lexsort((np.round(lam.imag, 8), np.round(lam.real, 8)))]


def _spectrum_distance(W, lam):
    got = _sorted(np.linalg.eigvals(W))
    want = _sorted(lam)
    return float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-12))


def check_eigen_matrix(fn):
    """Check ``fn(eigenvalues) -> W`` (module docstring) on four spectra with real
    eigenvalues, conjugate pairs, a zero and a negative one."""
    def body():
        items = []
        for lam in EIGEN_CASES:
            name = f"eigenvalues {np.round(lam, 3).tolist()}"
            out = call(fn, lam.copy())
            n = lam.size
            if out is None:
                raise StudentError(f"wrong shape: expected ({n}, {n}), got None")
            W = np.asarray(out)
            if W.shape != (n, n):
                raise StudentError(f"wrong shape: expected ({n}, {n}), got {W.shape}")
            if np.iscomplexobj(W):
                if np.max(np.abs(W.imag), initial=0) > 1e-12:
                    items.append((name, False, None, "W must be real: put each conjugate "
                                  "pair r e^{+-i theta} in a 2x2 block r [[cos, -sin], "
                                  "[sin, cos]] instead of complex numbers on the diagonal"))
                    continue
                W = W.real
            W = as_array("W", W, (n, n))
            if not np.all(np.isfinite(W)):
                items.append((name, False, None, "W has NaN or infinite entries"))
                continue
            err = _spectrum_distance(W, lam)
            hint = None
            if err > 1e-6:
                if _spectrum_distance(W, np.abs(lam)) < 1e-6:
                    hint = "the eigenvalues are the moduli |lambda|: the angles are lost"
                elif _spectrum_distance(W, lam.conj() * 0 + lam.real) < 1e-6:
                    hint = "only the real parts of the eigenvalues are kept"
                elif np.iscomplexobj(lam) and _spectrum_distance(
                        W, np.where(lam.imag != 0, lam.real + 1j * np.sign(lam.imag)
                                    * np.sin(np.angle(lam)), lam)) < 1e-6:
                    hint = "the 2x2 block needs r cos(theta) and r sin(theta)"
            items.append((name, err < 1e-6, err, hint))
        return items
    return run("matrix with given eigenvalues", body)


def _growth_cases():
    rng = np.random.default_rng(3)
    cases = []
    W1 = matrix_with_eigenvalues([1.1, 0.5, -0.3], rng=rng)
    cases.append(("|lambda| = 1.1, 0.5, 0.3", W1, rng.standard_normal(3)))
    W2 = matrix_with_eigenvalues([0.9, -0.5, 0.2], rng=rng)
    cases.append(("|lambda| = 0.9, 0.5, 0.2", W2, rng.standard_normal(3)))
    W3 = matrix_with_eigenvalues([-1.2, 0.8, 0.1], rng=rng)
    cases.append(("lambda = -1.2, 0.8, 0.1", W3, rng.standard_normal(3)))
    W4 = matrix_with_eigenvalues(np.concatenate([polar_eigenvalues([0.95], [0.5]), [0.3]]),
                                 rng=rng)
    cases.append(("0.95 e^{+-0.5i}, 0.3", W4, rng.standard_normal(3)))
    # lower triangular: the plane x_1 = 0 is invariant and lacks the top eigenvector, so
    # x in it has no top mode, exactly (no round-off regrows it)
    W5 = np.array([[1.3, 0.0, 0.0], [0.4, 0.7, 0.0], [-0.2, 0.5, 0.2]])
    cases.append(("1.3, 0.7, 0.2, x without the top mode", W5, np.array([0.0, 1.0, -2.0])))
    W6 = matrix_with_eigenvalues([0.9, 0.8, 0.5], skew=4.0, rng=rng)
    cases.append(("non-normal, |lambda| < 1, sigma_max > 1", W6, rng.standard_normal(3)))
    return cases


BEHAVIOURS = {"blow-up": ("blow-up", "blowup", "blow up", "blows up", "explode", "explodes",
                          "grow", "grows"),
              "vanish": ("vanish", "vanishes", "decay", "decays", "shrink", "shrinks"),
              "bounded": ("bounded", "constant", "stable", "neither")}


def _behaviour(value):
    if not isinstance(value, str):
        return None
    v = value.strip().lower()
    return next((k for k, words in BEHAVIOURS.items() if v in words), None)


def _simulated_rate(W, x, steps=300):
    h, norms = np.array(x, dtype=float), []
    for _ in range(steps):
        h = W @ h
        n = np.linalg.norm(h)
        norms.append(n)
        h = h / n  # renormalise: the growth is the product of the per-step norms
    logs = np.cumsum(np.log(norms))
    return fitted_growth_rate(np.exp(logs[100:] - logs[100]), start=0)


def check_growth_prediction(fn):
    """Check ``fn(W, x) -> (behaviour, rate)`` (module docstring) on six recursions,
    against the eigenvalues and a 300-step simulation."""
    def body():
        items = []
        for name, W, x in _growth_cases():
            out = call(fn, W.copy(), x.copy())
            if not isinstance(out, tuple | list) or len(out) != 2:
                raise StudentError("wrong type: expected a tuple (behaviour, rate), got "
                                   + ("None" if out is None else type(out).__name__))
            want = predicted_growth_rate(W, x)
            simulated = _simulated_rate(W, x)
            assert abs(simulated - want) < 1e-3, (name, simulated, want)  # the checker's own
            beh = _behaviour(out[0])
            want_beh = "blow-up" if want > 1e-9 else "vanish" if want < -1e-9 else "bounded"
            try:
                rate = float(out[1])
            except (TypeError, ValueError):
                raise StudentError(f"wrong type: rate must be a number, got "
                                   f"{type(out[1]).__name__}") from None
            err = abs(rate - want) / max(abs(want), 1e-12)
            hint = None
            if err > 1e-6:
                lam = np.linalg.eigvals(W)
                top = float(np.max(np.abs(lam)))
                alternatives = [
                    (want / np.log(10), "that is log10: use the natural log, np.log"),
                    (np.exp(want), "that is |lambda_m| itself; the rate is log |lambda_m|"),
                    (np.log(top), "x has no component along the top eigenvector: the "
                                  "largest eigenvalue PRESENT in x dominates"),
                    (np.log(largest_singular_value(W)),
                     "that is the log of the largest singular value; the long-run rate "
                     "is set by the eigenvalues"),
                    (np.log(abs(np.max(lam.real))) if np.max(lam.real) > 0 else np.nan,
                     "the largest eigenvalue by real part is not the largest by modulus"),
                ]
                hint = next((h for v, h in alternatives
                             if np.isfinite(v) and abs(rate - v) <= 1e-6 * max(abs(v), 1e-12)),
                            None)
            items.append((f"{name}: rate (simulated {simulated:.3g})", err < 1e-6,
                          rel(np.array(rate), np.array(want)), hint))
            beh_hint = None if beh else (f"behaviour must be one of 'blow-up', 'vanish', "
                                         f"'bounded', got {out[0]!r}")
            items.append((f"{name}: behaviour", beh == want_beh, None,
                          beh_hint or (f"the simulation says {want_beh}"
                                       if beh != want_beh else None)))
        return items
    return run("growth prediction from the spectrum", body)
