"""Gradients through time: a recurrent net is a very deep net.

Unrolled over T steps, the vanilla RNN  h_t = f(z_t),  z_t = W h_{t-1} + U x_t + b,
is a T-layer network that reuses one weight matrix, and (claim C19)

    d h_T / d h_t = prod_{k=T}^{t+1} diag(f'(z_k)) W.

Each factor has norm at most gamma * sigma_max(W) (gamma = sup|f'|), so

    || d h_T / d h_t || <= (gamma * sigma_max)^(T - t)                    (bound)

and the gradient is sure to vanish when sigma_max < 1 / gamma (Pascanu, Mikolov and
Bengio 2013, "On the difficulty of training recurrent neural networks", section 2.1;
gamma = 1 for tanh, 1/4 for the sigmoid). :func:`forgetting` shows the forward pass
forgetting its state (claim C20).

Split of work: :mod:`rnnlib.flow` is the general tool (d s_T / d s_t for any cell or
recurrent layer, and the explicit vanilla-RNN products); this module holds
notebook 03's experiments on top of it: recurrent matrices with a chosen largest singular
value (:func:`recurrent_weights`), a random unrolled RNN (:func:`unrolled_rnn`), the norms
of its products (:func:`jacobian_norms`, computed by :func:`rnnlib.flow.vanilla_jacobians`)
against Pascanu et al.'s bound (:func:`pascanu_bound`), forgetting, and the cliff.

The opposite problem, exploding gradients, is shown on a one-unit network of the kind
Pascanu et al. use to draw the "cliff" in the error surface,

    h_t = w sigmoid(h_{t-1}) + b,   h_0 = 0.5,   E(w, b) = (h_T - target)^2,

with its gradient by backpropagation through time (:func:`cliff_loss_and_grad`) and
gradient descent with and without norm clipping (:func:`descend`; their Algorithm 1,
``rnnlib.optim.clip_grad_norm``).
"""

from dataclasses import dataclass

import numpy as np

from rnnlib import activations, flow, optim
from rnnlib._checks import as_float_array, as_generator, check_positive_int

KINDS = ("random", "orthogonal", "nonnormal")
NONNORMAL_EIGENVALUE = 0.9


def recurrent_weights(hidden, sigma_max, kind="random", rng=None):
    """An (H, H) matrix with largest singular value ``sigma_max``.

    kind="random"    : Gaussian entries, rescaled (its spectral radius is about
                       sigma_max / 2: the eigenvalues are smaller than the top singular value).
    kind="orthogonal": sigma_max * Q with Q orthogonal: every singular value and every
                       |eigenvalue| equals sigma_max.
    kind="nonnormal" : Q (lam I + c N) Q^T with N strictly upper triangular (Gaussian), Q
                       orthogonal, lam = min(sigma_max, 0.9) and c >= 0 chosen so that the
                       largest singular value is sigma_max: every eigenvalue equals lam,
                       below 1 however large sigma_max is.
    """
    hidden = check_positive_int("hidden", hidden)
    sigma_max = _nonnegative("sigma_max", sigma_max)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    rng = as_generator(rng)
    g = rng.standard_normal((hidden, hidden))
    if kind == "orthogonal":
        q, r = np.linalg.qr(g)
        return sigma_max * q * np.sign(np.diag(r))
    if kind == "nonnormal":
        q, _ = np.linalg.qr(rng.standard_normal((hidden, hidden)))
        lam = min(float(sigma_max), NONNORMAL_EIGENVALUE)
        upper = np.triu(g, 1)
        c = _scale_for_norm(lam * np.eye(hidden), upper, sigma_max)
        return q @ (lam * np.eye(hidden) + c * upper) @ q.T
    return g * (sigma_max / np.linalg.norm(g, 2))


def _nonnegative(name, value):
    """``value`` as a float, or ValueError naming ``name`` unless it is finite and >= 0."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}") from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def _finite(name, values):
    """``values`` as a float64 array, or ValueError naming ``name`` if any is NaN or inf."""
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must be finite, got {values!r}")
    return values


def _scale_for_norm(a, n, target):
    """c >= 0 with ||a + c n||_2 = target, by bisection (the norm is convex in c and
    smallest at c = 0 when a is a multiple of I and n is nilpotent)."""
    lo, hi = 0.0, 1.0
    if np.linalg.norm(a, 2) >= target or not np.any(n):
        return 0.0
    while np.linalg.norm(a + hi * n, 2) < target:
        hi *= 2
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.linalg.norm(a + mid * n, 2) < target else (lo, mid)
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class UnrolledRNN:
    """A vanilla RNN and one input sequence: weight_ih (H, D), weight_hh (H, H),
    bias (H,), x (T, D), h0 (H,)."""

    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias: np.ndarray
    x: np.ndarray
    h0: np.ndarray

    @property
    def steps(self):
        return self.x.shape[0]


def unrolled_rnn(sigma_max, *, hidden=32, inputs=4, steps=60, kind="random",
                 input_scale=1.0, rng=0):
    """A random :class:`UnrolledRNN`: W_hh from :func:`recurrent_weights`, W_ih with
    N(0, 1/D) entries, zero bias, inputs x_t ~ N(0, input_scale^2), h0 ~ U(-1, 1)."""
    rng = as_generator(rng)
    hidden = check_positive_int("hidden", hidden)
    inputs = check_positive_int("inputs", inputs)
    input_scale = _nonnegative("input_scale", input_scale)
    steps = check_positive_int("steps", steps)
    w_hh = recurrent_weights(hidden, sigma_max, kind, rng)
    w_ih = rng.standard_normal((hidden, inputs)) / np.sqrt(inputs)
    x = input_scale * rng.standard_normal((steps, inputs))
    h0 = rng.uniform(-1, 1, size=hidden)
    return UnrolledRNN(w_ih, w_hh, np.zeros(hidden), x, h0)


def jacobian_norms(rnn, activation="tanh"):
    """(T+1,) spectral norms ||d h_T / d h_t|| for t = 0..T (entry T is 1: the identity)."""
    jac = flow.vanilla_jacobians(rnn.weight_ih, rnn.weight_hh, rnn.bias, rnn.x, rnn.h0,
                                 activation)
    return flow.matrix_norms(jac, "spectral")


def pascanu_bound(sigma_max, activation, lags):
    """(gamma * sigma_max)^lags, the bound on ||d h_T / d h_t|| at lag T - t >= 0
    (gamma = sup|f'| of ``activation``). Returns an array shaped like ``lags``."""
    gamma = activations.get(activation).gamma
    sigma_max = _nonnegative("sigma_max", sigma_max)
    lags = _finite("lags", lags)
    if np.any(lags < 0):
        raise ValueError(f"lags must be >= 0 (steps back from T), got min {lags.min()}")
    return (gamma * sigma_max) ** lags


def states(rnn, activation="tanh", h0=None):
    """(T+1, H) the states h_0..h_T of the forward pass (h_0 = ``h0`` or rnn.h0), by
    :func:`rnnlib.flow.vanilla_states`."""
    h = rnn.h0 if h0 is None else as_float_array("h0", h0, shape=rnn.h0.shape)
    return flow.vanilla_states(rnn.weight_ih, rnn.weight_hh, rnn.bias, rnn.x, h, activation)


def forgetting(rnn, activation="tanh", other_h0=None, rng=1):
    """How fast the forward pass forgets its initial state (claim C20).

    Runs the same inputs from two initial states, rnn.h0 and ``other_h0`` (default: a
    fresh draw from U(-1, 1)), and returns (T+1,) ||h_t - h'_t|| / ||h_0 - h'_0||.
    """
    if other_h0 is None:
        other_h0 = as_generator(rng).uniform(-1, 1, size=rnn.h0.shape)
    a = states(rnn, activation)
    b = states(rnn, activation, other_h0)
    dist = np.linalg.norm(a - b, axis=1)
    if dist[0] == 0:
        raise ValueError("other_h0 must differ from rnn.h0 (the two runs would coincide)")
    return dist / dist[0]


# --- exploding gradients: the cliff, and clipping -------------------------------------

def cliff_forward(w, b, steps=50, h0=0.5):
    """h_T of h_t = w sigmoid(h_{t-1}) + b, elementwise over arrays w, b (broadcast)."""
    steps = check_positive_int("steps", steps)
    w, b = _finite("w", w), _finite("b", b)
    h = np.full(np.broadcast(w, b).shape, float(_finite("h0", h0)))
    for _ in range(steps):
        h = w * activations.sigmoid(h) + b
    return h


def cliff_loss_and_grad(w, b, steps=50, h0=0.5, target=0.7):
    """E = (h_T - target)^2 and (dE/dw, dE/db) by backpropagation through time,

        g_T = 2 (h_T - target),   dE/dw = sum_t g_t s(h_{t-1}),   dE/db = sum_t g_t,
        g_{t-1} = g_t w s'(h_{t-1}),

    elementwise over arrays w, b. Returns (E, dE/dw, dE/db) as arrays."""
    steps = check_positive_int("steps", steps)
    w, b = np.broadcast_arrays(_finite("w", w), _finite("b", b))
    target = float(_finite("target", target))
    hs = [np.full(w.shape, float(_finite("h0", h0)))]
    for _ in range(steps):
        hs.append(w * activations.sigmoid(hs[-1]) + b)
    g = 2 * (hs[-1] - target)
    loss = (hs[-1] - target) ** 2
    dw, db = np.zeros(w.shape), np.zeros(w.shape)
    for t in range(steps, 0, -1):
        s = activations.sigmoid(hs[t - 1])
        dw += g * s
        db += g
        g = g * w * s * (1 - s)
    return loss, dw, db


def descend(w0, b0, lr, iterations, *, clip=None, steps=50, h0=0.5, target=0.7):
    """Gradient descent on (w, b) for :func:`cliff_loss_and_grad`, with Pascanu et al.'s
    norm clipping when ``clip`` is given (the gradient g is rescaled to clip * g / ||g||
    when ||g|| > clip, by :func:`rnnlib.optim.clip_grad_norm`).

    Returns a dict: "path" (iterations + 1, 2) the (w, b) visited, "loss" (iterations + 1,),
    "grad_norm" (iterations,) the norm of each gradient before clipping and "step"
    (iterations,) the length of each step taken.
    """
    iterations = check_positive_int("iterations", iterations)
    params = {"w": np.array(float(w0)), "b": np.array(float(b0))}
    sgd = optim.SGD(lr)
    path, loss, norms = [(float(w0), float(b0))], [], []
    for _ in range(iterations):
        e, dw, db = cliff_loss_and_grad(params["w"], params["b"], steps, h0, target)
        loss.append(float(e))
        grads = {"w": np.array(dw, dtype=np.float64), "b": np.array(db, dtype=np.float64)}
        norms.append(optim.global_norm(grads) if clip is None
                     else optim.clip_grad_norm(grads, clip))
        sgd.step(params, grads)
        path.append((float(params["w"]), float(params["b"])))
    loss.append(float(cliff_loss_and_grad(params["w"], params["b"], steps, h0, target)[0]))
    path = np.array(path)
    return {"path": path, "loss": np.array(loss), "grad_norm": np.array(norms),
            "step": np.linalg.norm(np.diff(path, axis=0), axis=1)}
