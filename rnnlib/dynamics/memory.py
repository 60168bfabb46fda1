"""How long a recurrence remembers its first input (claims C9, C10).

Definition. Run the recurrence twice from the same start h(-1) = h0 with the same later
inputs (zeros): once with x(0) = x0 and once with the baseline x(0) = x_ref (default 0,
"no input"; pass x_ref = x0 + delta for a perturbation). The *effect* of x(0) at time t is

    e(t) = ||h(t; x0) - h(t; x_ref)||.

The memory length is the first t from which e stays below ``tol`` up to the horizon:
0 means x(0) had no effect at all (e(0) < tol), "forgotten at once". If e exceeds
``blowup`` or overflows, the recurrence "blew up"; if e is still >= tol at the horizon,
x(0) is "still remembered" (as in a bistable, latching map).

For a linear recurrence e(t) = ||W^t C (x0 - x_ref)||: the impulse response.
"""

from dataclasses import dataclass

import numpy as np

from .._checks import as_finite_float, as_real_array, check_nonnegative_int
from .simulate import impulse_response, response_norms


@dataclass(frozen=True)
class Memory:
    """length: steps until x(0) is forgotten (None unless status == "forgot");
    status: "forgot", "blew up" or "still remembers"; effect: e(t), t = 0..horizon-1."""

    length: int | None
    status: str
    effect: np.ndarray


def time_to_forget(effect, tol=1e-3):
    """The first t from which effect[t] stays below ``tol`` to the end of the array
    (0 if it is below tol throughout), or None if the last entry is still >= tol.

    effect: (T,) the size of the effect of x(0) at each time, e.g. e(t) or |h(t)|.
    """
    effect = as_real_array("effect", effect, ndim=1, finite=False)
    tol = as_finite_float("tol", tol)
    if tol <= 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    if effect.size == 0:
        raise ValueError("effect must hold at least one value")
    above = np.nonzero(~(effect < tol))[0]  # NaN counts as not forgotten
    if above.size and above[-1] == effect.size - 1:
        return None
    return int(above[-1] + 1) if above.size else 0


def memory_length(W, C, x0, *, x_ref=None, b=0.0, activation="tanh", h0=None, tol=1e-3,
                  horizon=1000, blowup=1e6):
    """The memory of x(0) = x0 in h(t) = f(W h(t-1) + C x(t) + b) (module docstring)."""
    horizon = check_nonnegative_int("horizon", horizon)
    tol, blowup = as_finite_float("tol", tol), as_finite_float("blowup", blowup)
    if tol <= 0 or blowup <= tol:
        raise ValueError(f"need 0 < tol < blowup, got tol={tol}, blowup={blowup}")
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    if x_ref is None:
        x_ref = 0.0 if np.ndim(W) == 0 else np.zeros(np.shape(x0))
    elif np.ndim(W) == 0:  # checked here so that an error names x_ref, not x0
        x_ref = as_finite_float("x_ref", x_ref)
    else:
        x_ref = as_real_array("x_ref", x_ref, ndim=1)
    run = dict(b=b, activation=activation, h0=h0)
    h_in = impulse_response(W, C, x0, horizon, **run)
    h_ref = impulse_response(W, C, x_ref, horizon, **run)
    with np.errstate(invalid="ignore", over="ignore"):
        effect = response_norms(h_in - h_ref)
        blew = (~np.isfinite(h_in)).any() or (~np.isfinite(h_ref)).any() or np.any(
            effect[np.isfinite(effect)] > blowup)
    if blew:
        return Memory(None, "blew up", effect)
    length = time_to_forget(effect, tol)
    if length is None:
        return Memory(None, "still remembers", effect)
    return Memory(length, "forgot", effect)
