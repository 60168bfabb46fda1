"""The vanilla RNN's states and Jacobians d h_T / d h_t from first principles: the explicit
products diag(f'(z_T)) W_hh ... diag(f'(z_{t+1})) W_hh (a cross-check of the backward walk)."""

import numpy as np

from .. import activations
from .._checks import as_float_array


def vanilla_states(weight_ih, weight_hh, bias, x, h0=None, activation="tanh"):
    """The vanilla RNN's forward states h_0..h_T along one input sequence: (T+1, H).

    h_k = f(z_k),  z_k = W_ih x_k + W_hh h_{k-1} + b,   k = 1..T.

    weight_ih (H, D), weight_hh (H, H), bias (H,) (PyTorch's bias_ih + bias_hh),
    x (T, D), h0 (H,) (zeros if None); ``activation`` a name from
    :mod:`rnnlib.activations`.
    """
    return _vanilla_forward(weight_ih, weight_hh, bias, x, h0, activation)[0]


def _vanilla_forward(weight_ih, weight_hh, bias, x, h0, activation):
    """(states (T+1, H), pre-activations z (T, H), the activation, W_hh), checked."""
    w_hh = as_float_array("weight_hh", weight_hh, ndim=2)
    hidden = w_hh.shape[0]
    if w_hh.shape != (hidden, hidden):
        raise ValueError(f"weight_hh must be square (H, H), got shape {w_hh.shape}")
    w_ih = as_float_array("weight_ih", weight_ih, ndim=2, shape=(hidden, None))
    b = as_float_array("bias", bias, shape=(hidden,))
    xs = as_float_array("x", x, ndim=2, shape=(None, w_ih.shape[1]))
    h = np.zeros(hidden) if h0 is None else as_float_array("h0", h0, shape=(hidden,))
    act = activations.get(activation)
    states, pre = [h], []
    for x_t in xs:
        z = w_ih @ x_t + w_hh @ h + b
        h = act.f(z)
        pre.append(z)
        states.append(h)
    return np.array(states), np.array(pre).reshape(len(pre), hidden), act, w_hh


def vanilla_jacobians(weight_ih, weight_hh, bias, x, h0=None, activation="tanh"):
    """d h_T / d h_t for the vanilla RNN, from first principles.

    h_k = f(z_k),  z_k = W_ih x_k + W_hh h_{k-1} + b,   k = 1..T   (:func:`vanilla_states`),
    d h_T / d h_t = diag(f'(z_T)) W_hh  diag(f'(z_{T-1})) W_hh ... diag(f'(z_{t+1})) W_hh.

    weight_ih (H, D), weight_hh (H, H), bias (H,) (PyTorch's bias_ih + bias_hh),
    x (T, D), h0 (H,) (zeros if None). Returns (T+1, H, H) for t = 0..T.
    """
    states, pre, act, w_hh = _vanilla_forward(weight_ih, weight_hh, bias, x, h0, activation)
    T, hidden = pre.shape
    jac = np.empty((T + 1, hidden, hidden))
    jac[T] = np.eye(hidden)
    for t in range(T - 1, -1, -1):
        # d h_{t+1} / d h_t = diag(f'(z_{t+1})) W_hh
        jac[t] = jac[t + 1] @ (act.df(pre[t], states[t + 1])[:, None] * w_hh)
    return jac
