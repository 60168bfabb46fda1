"""Simulating recurrences and time-delay nets on a given input sequence.

Recurrent net (the lecture's h(t) = f(W h(t-1) + C x(t) + b), with h(-1) = h0):

    scalar: w, c, b real numbers,   x (T,)    -> h (T,)
    vector: W (H, H), C (H, D),     x (T, D)  -> h (T, H);  b (H,) or a number; h0 (H,)
    batch : W (H, H), C (H, D),     x (T, B, D) -> h (T, B, H) (time-major, as PyTorch);
            h0 (H,) shared or (B, H)

Time-delay net (feed-forward in time, a 1-D convolution):

    y(t) = f(sum_{k=0}^{K} w_k x(t-k) + b),  x(t) = 0 for t < 0.

``activation`` is any name known to :func:`rnnlib.activations.get`. A recurrence that
blows up overflows to inf (and then NaN) without a warning: that is what is shown.
"""

import numpy as np

from .. import activations
from .._checks import as_finite_float, as_real_array, check_nonnegative_int


def _system(W, C, x, b, h0):
    """Check and reshape to the vector form; return (W, C, x, b, h0, scalar)."""
    if np.ndim(W) == 0:
        w = as_finite_float("W", W)
        c = as_finite_float("C", C)
        x = as_real_array("x", x, ndim=1)
        h0 = 0.0 if h0 is None else as_finite_float("h0", h0)
        return (np.array([[w]]), np.array([[c]]), x[:, None],
                np.array([as_finite_float("b", b)]), np.array([h0]), True)
    W = as_real_array("W", W, ndim=2)
    H = W.shape[0]
    if W.shape != (H, H):
        raise ValueError(f"W must be square, got shape {W.shape}")
    C = as_real_array("C", C, ndim=2)
    if C.shape[0] != H:
        raise ValueError(f"C must have shape ({H}, D) to match W, got {C.shape}")
    x = as_real_array("x", x)
    if x.ndim not in (2, 3) or x.shape[-1] != C.shape[1]:
        raise ValueError(f"x must have shape (T, {C.shape[1]}) or (T, B, {C.shape[1]}), "
                         f"got {x.shape}")
    b = (np.full(H, as_finite_float("b", b)) if np.ndim(b) == 0
         else as_real_array("b", b, shape=(H,)))
    if h0 is None:
        h0 = np.zeros(x.shape[1:-1] + (H,))
    elif x.ndim == 3 and np.ndim(h0) == 2:
        h0 = as_real_array("h0", h0, shape=(x.shape[1], H))
    else:
        h0 = np.broadcast_to(as_real_array("h0", h0, shape=(H,)), x.shape[1:-1] + (H,))
    return W, C, x, b, h0, False


def simulate(W, C, x, *, b=0.0, activation="identity", h0=None, dtype=np.float64):
    """h(t) = f(W h(t-1) + C x(t) + b) for t = 0..T-1 from h(-1) = h0 (default 0).

    Scalar system when W is a number (returns (T,)), vector system otherwise (returns
    (T, H), or (T, B, H) for a batch of inputs x (T, B, D)). Computed in ``dtype``.
    """
    act = activations.get(activation)
    W, C, x, b, h, scalar = _system(W, C, x, b, h0)
    W, h = W.astype(dtype), h.astype(dtype)
    out = np.empty(x.shape[:-1] + (W.shape[0],), dtype=dtype)
    drive = (x @ C.T + b).astype(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(x.shape[0]):
            h = act.f(h @ W.T + drive[t])
            out[t] = h
    return out[:, 0] if scalar else out


def impulse_response(W, C, x0, steps, *, b=0.0, activation="identity", h0=None):
    """The response to one input x(0) = x0 at t = 0 (x(t) = 0 afterwards), ``steps`` long.

    For the linear system with h0 = 0 and b = 0 this is h_0(t) = W^t C x(0).
    x0: a number (scalar system) or a (D,) vector.
    """
    steps = check_nonnegative_int("steps", steps)
    if np.ndim(W) == 0:
        x = np.zeros(steps)
        if steps:
            x[0] = as_finite_float("x0", x0)
    else:
        x0 = as_real_array("x0", x0, ndim=1)
        x = np.zeros((steps, x0.size))
        if steps:
            x[0] = x0
    return simulate(W, C, x, b=b, activation=activation, h0=h0)


def unrolled_linear(W, C, x, k, *, h0=None):
    """The lecture's unrolled linear recursion (identity activations, b = 0) at time k:

        h_k = W^{k+1} h_{-1} + W^k C x_0 + W^{k-1} C x_1 + ... + C x_k.

    W (H, H), C (H, D), x (T, D) with 0 <= k < T, h0 = h_{-1} (H,) (default 0).
    Computed from matrix powers, independently of :func:`simulate`, so the two can be
    compared. Returns h_k (H,).
    """
    if np.ndim(W) == 0:
        raise ValueError("unrolled_linear needs a matrix W (H, H); wrap a scalar as [[w]]")
    W, C, x, _, h0, _ = _system(W, C, x, 0.0, h0)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (T, D) (one sequence), got {x.shape}")
    k = check_nonnegative_int("k", k)
    if k >= x.shape[0]:
        raise ValueError(f"k must be below the sequence length {x.shape[0]}, got {k}")
    power = np.linalg.matrix_power
    return power(W, k + 1) @ h0 + sum(power(W, k - t) @ C @ x[t] for t in range(k + 1))


def single_input_responses(W, C, x, *, h0=None, b=0.0, activation="identity"):
    """The runs that superposition adds up: one with the initial state alone (all inputs
    zero), and one per time t with the input x(t) alone (zero initial state, other inputs
    zero). Returns (T + 1, T, H): [H_k(h_{-1}), H_k(x_0), H_k(x_1), ...] for k = 0..T-1.

    For the linear system (identity, b = 0) their sum over the first axis equals
    ``simulate(W, C, x, h0=h0)`` (claim C3); with a nonlinear activation it does not.
    """
    if np.ndim(W) == 0:
        raise ValueError("single_input_responses needs a matrix W (H, H); wrap a scalar as [[w]]")
    x = as_real_array("x", x, ndim=2)
    run = dict(b=b, activation=activation)
    zeros = np.zeros_like(x)
    parts = [simulate(W, C, zeros, h0=h0, **run)]
    for t in range(x.shape[0]):
        only_t = zeros.copy()
        only_t[t] = x[t]
        parts.append(simulate(W, C, only_t, **run))
    return np.stack(parts)


def response_norms(h):
    """||h(t)|| for each t: |h(t)| for a scalar trajectory (T,), the 2-norm along the last
    axis for a vector trajectory (T, H)."""
    h = as_real_array("h", h, finite=False)
    if h.ndim == 1:
        return np.abs(h)
    if h.ndim == 2:
        return np.linalg.norm(h, axis=1)
    raise ValueError(f"h must have 1 or 2 dimensions, got shape {h.shape}")


def time_delay(weights, x, *, b=0.0, activation="tanh"):
    """Time-delay (convolutional) net y(t) = f(sum_k w_k x(t-k) + b), x(t<0) = 0.

    weights: (K+1,) taps for a scalar input x (T,) -> y (T,), or (K+1, H, D) matrices for
    x (T, D) -> y (T, H). No recurrence: y(t) depends on the last K+1 inputs only.
    """
    act = activations.get(activation)
    weights = as_real_array("weights", weights)
    if weights.ndim == 1:
        x = as_real_array("x", x, ndim=1)
        z = np.convolve(x, weights)[: x.size] + as_finite_float("b", b)
        return act.f(z)
    if weights.ndim != 3:
        raise ValueError(f"weights must have shape (K+1,) or (K+1, H, D), got {weights.shape}")
    x = as_real_array("x", x, shape=(None, weights.shape[2]))
    H = weights.shape[1]
    b = as_finite_float("b", b) if np.ndim(b) == 0 else as_real_array("b", b, shape=(H,))
    z = np.zeros((x.shape[0], H)) + b
    for k in range(min(weights.shape[0], x.shape[0])):  # taps beyond T see only x(t<0) = 0
        z[k:] += x[: x.shape[0] - k] @ weights[k].T
    return act.f(z)
