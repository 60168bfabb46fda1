"""Exercises of notebook 02: the fixed points of the sigmoid recurrence
h(t) = sigma(w h(t-1) + b) (constant input folded into b), and where it is bistable.

``check_sigmoid_fixed_points(fn)``: ``fn(w, b) -> array`` of ALL fixed points h* =
sigma(w h* + b), stable and unstable, sorted increasingly (to 1e-6).

``check_bistable_range(fn)``: ``fn(w) -> (b_low, b_high)``, the open interval of biases for
which the map has two stable fixed points, or None when there is none (w <= 4). The ends
are the tangencies sigma' (w h + b) w = 1, i.e. h(1 - h) = 1/w,
h_+- = (1 +- sqrt(1 - 4/w)) / 2, b = log(h / (1 - h)) - w h.
"""

import numpy as np

from ..dynamics import fixed_points, stable_fixed_point_counts
from .verdict import StudentError, call, run

FP_CASES = [(2.0, 0.0), (6.0, -3.0), (8.0, -3.0), (8.0, -5.0), (10.0, -2.0), (5.0, -2.5),
            (-6.0, 3.0)]
RANGE_CASES = [3.0, 4.0, 5.0, 6.0, 10.0, 16.0]


def _points(w, b):
    return np.array([p.h for p in fixed_points(w, b=b, activation="sigmoid")])


def check_sigmoid_fixed_points(fn):
    """Check ``fn(w, b) -> sorted fixed points`` (module docstring) on seven maps, with
    one and three fixed points."""
    def body():
        items = []
        for w, b in FP_CASES:
            want = _points(w, b)
            out = call(fn, w, b)
            name = f"w={w:g}, b={b:g}"
            if out is None:
                raise StudentError(f"wrong shape: expected an array of {want.size} fixed "
                                   "point(s), got None")
            try:
                got = np.sort(np.atleast_1d(np.asarray(out, dtype=float)).ravel())
            except (TypeError, ValueError):
                raise StudentError(f"wrong type: expected an array of numbers, got "
                                   f"{type(out).__name__}") from None
            if got.shape == want.shape:
                err = float(np.max(np.abs(got - want)))
                ok = err < 1e-6
                hint = None if ok else ("not fixed points: check sigma(w h + b) - h = 0 "
                                        "at each")
                items.append((name, ok, err, hint))
                continue
            stable = np.array([p.h for p in fixed_points(w, b=b) if p.stable])
            if got.shape == stable.shape and np.allclose(got, stable, atol=1e-6):
                hint = ("only the stable fixed points: the unstable one between them is a "
                        "fixed point too")
            elif got.size > want.size:
                hint = "more points than there are: merge duplicates found on a grid"
            else:
                hint = (f"expected {want.size} fixed point(s), got {got.size} (scan "
                        "g(h) = sigma(w h + b) - h over (0, 1) for EVERY sign change)")
            items.append((name, False, None, hint))
        return items
    return run("fixed points of h = sigma(w h + b)", body)


def bistable_range(w):
    """The reference answer: (b_low, b_high) or None."""
    if w <= 4:
        return None
    s = np.sqrt(1 - 4 / w)
    ends = [np.log(h / (1 - h)) - w * h for h in ((1 + s) / 2, (1 - s) / 2)]
    return float(min(ends)), float(max(ends))


def check_bistable_range(fn):
    """Check ``fn(w) -> (b_low, b_high) or None`` (module docstring) for six weights,
    against the tangency formula and a count of stable fixed points just inside/outside."""
    def body():
        items = []
        outs = [call(fn, w) for w in RANGE_CASES]
        if all(out is None for out in outs):
            raise StudentError("wrong shape: expected (b_low, b_high) for w > 4, got None "
                               "for every w (did you forget to return it?)")
        for w, out in zip(RANGE_CASES, outs, strict=True):
            want = bistable_range(w)
            name = f"w={w:g}"
            if want is None:
                items.append((name, out is None, None, None if out is None else
                              "for w <= 4 the map has one fixed point: return None"))
                continue
            lo, hi = want
            counts = stable_fixed_point_counts([w], [lo - 1e-3, lo + 1e-3, hi - 1e-3,
                                                     hi + 1e-3])[:, 0]
            assert counts.tolist() == [1, 2, 2, 1], counts  # the checker's own check
            if out is None:
                items.append((name, False, None, f"w = {w:g} > 4 is bistable for some b: "
                              "expected (b_low, b_high), got None"))
                continue
            try:
                got = np.sort(np.asarray(out, dtype=float).ravel())
            except (TypeError, ValueError):
                raise StudentError(f"wrong type: expected (b_low, b_high), got "
                                   f"{type(out).__name__}") from None
            if got.shape != (2,):
                raise StudentError(f"wrong shape: expected (b_low, b_high), got "
                                   f"{got.size} numbers")
            err = float(np.max(np.abs(got - want)) / max(abs(lo), abs(hi)))
            hint = None
            if err > 1e-6:
                mid, half = (lo + hi) / 2, (hi - lo) / 2
                if np.allclose(got, [-half, half], rtol=1e-6):
                    hint = (f"the interval is centred on b = -w/2 = {mid:.3g} (where h = 1/2 "
                            "is a fixed point), not on 0")
                else:
                    hint = ("use the tangency: h(1 - h) = 1/w, then b = log(h/(1-h)) - w h "
                            "at both roots h")
            items.append((name, err < 1e-6, err, hint))
        return items
    return run("bistable range of h = sigma(w h + b)", body)
