"""Fixed points of the scalar recurrence h(t) = f(w h(t-1) + c x + b) with a constant input x
(x = 0 after an impulse), and their stability (claim C8).

A fixed point h* solves g(h) = f(w h + u) - h = 0 with u = c x + b. It is stable
(nearby states converge to it) when the map's slope there is below 1 in size:

    |w f'(w h* + u)| < 1.

For sigmoid and tanh every fixed point lies in the activation's range ((0, 1), (-1, 1)):
we scan g on a fine grid over that range, keep the sign changes (and exact zeros) and
refine each one by bisection. For identity and ReLU, g is piecewise linear and the fixed
points are found in closed form. For other activations (ELU) the grid covers ``interval``.
A fixed point where g only touches zero (a tangency, at a bifurcation) may be missed.
"""

from dataclasses import dataclass

import numpy as np

from .. import activations
from .._checks import as_finite_float, as_real_array, check_nonnegative_int
from .simulate import impulse_response

_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


@dataclass(frozen=True)
class FixedPoint:
    """A fixed point h of h = f(w h + u), the map's slope w f'(w h + u) there, and whether
    it is (linearly) stable, |slope| < 1. At |slope| = 1 (e.g. tanh, w = 1, u = 0) the
    linear test is inconclusive: ``stable`` is False, though states may still creep in."""

    h: float
    slope: float
    stable: bool


def _bisect(g, lo, hi, iters=200):
    """A root of g in [lo, hi], given g(lo) and g(hi) of opposite signs (or one is 0)."""
    glo = g(lo)
    if glo == 0:
        return lo
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        gm = g(mid)
        if gm == 0:
            return mid
        if (gm > 0) == (glo > 0):
            lo, glo = mid, gm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _slope(act, w, h, u):
    z = np.array(w * h + u)
    return float(w * act.df(z, act.f(z)))


def fixed_points(w, c=0.0, x=0.0, b=0.0, *, activation="sigmoid", interval=(-10.0, 10.0),
                 grid=20001):
    """All fixed points of h = f(w h + c x + b), sorted, as :class:`FixedPoint` objects.

    Raises ValueError when every point of a half-line is fixed (identity or ReLU with
    w = 1 and c x + b = 0).
    """
    act = activations.get(activation)
    w = as_finite_float("w", w)
    u = as_finite_float("c", c) * as_finite_float("x", x) + as_finite_float("b", b)
    grid = check_nonnegative_int("grid", grid)
    if grid < 3:
        raise ValueError(f"grid must be at least 3, got {grid}")
    if act.name == "identity":
        if w == 1:
            if u == 0:
                raise ValueError("every h is a fixed point (identity, w = 1, c x + b = 0)")
            roots = []
        else:
            roots = [u / (1 - w)]
    elif act.name == "relu":
        roots = []
        if u <= 0:
            roots.append(0.0)  # f(w 0 + u) = max(u, 0) = 0
        if w == 1 and u == 0:
            raise ValueError("every h >= 0 is a fixed point (relu, w = 1, c x + b = 0)")
        if w != 1 and u / (1 - w) > 0:
            roots.append(u / (1 - w))  # on the linear branch w h + u > 0
    else:
        lo, hi = _RANGES.get(act.name, interval)
        if not lo < hi:
            raise ValueError(f"interval must be (low, high) with low < high, got {interval}")

        def g(h):
            return float(act.f(np.array(w * h + u))) - h

        hs = np.linspace(lo, hi, grid)
        gs = act.f(w * hs + u) - hs
        sign = np.sign(gs)
        roots = [float(h) for h in hs[sign == 0]]  # exact zeros on the grid
        changes = np.nonzero(sign[:-1] * sign[1:] < 0)[0]  # g(h_i), g(h_i+1) of opposite sign
        roots += [_bisect(g, float(hs[i]), float(hs[i + 1])) for i in changes]
    points = []
    for h in sorted(roots):
        s = _slope(act, w, h, u)
        points.append(FixedPoint(float(h), s, abs(s) < 1))
    return points


def stable_fixed_point_counts(ws, bs, *, activation="sigmoid", grid=2001):
    """The number of (linearly) stable fixed points of h = f(w h + b) for every pair of a
    grid: counts[i, j] for b = bs[i], w = ws[j] (rows b, columns w, as ``pcolormesh``
    wants them). 2 marks a bistable map (the final value depends on the start), 1 a
    single attracting state, 0 no linearly stable point (e.g. a pitchfork, slope 1)."""
    ws = as_real_array("ws", ws, ndim=1)
    bs = as_real_array("bs", bs, ndim=1)
    counts = np.zeros((bs.size, ws.size), dtype=int)
    for i, b in enumerate(bs):
        for j, w in enumerate(ws):
            points = fixed_points(float(w), b=float(b), activation=activation, grid=grid)
            counts[i, j] = sum(p.stable for p in points)
    return counts


def final_value(w, c=0.0, x0=0.0, b=0.0, *, activation="sigmoid", h0=0.0, steps=2000):
    """h(steps - 1) after one input x(0) = x0 (x(t) = 0 afterwards), from h(-1) = h0."""
    w, c = as_finite_float("w", w), as_finite_float("c", c)  # named as here, not W and C
    return float(impulse_response(w, c, x0, steps, b=b, activation=activation, h0=h0)[-1])
