"""Reference solutions of the exercises (used by the tests and the solution notebooks).

Signatures and parameter names are those of the checkers' docstrings
(:mod:`rnnlib.exercises.lstm`, :mod:`rnnlib.exercises.gru`, ...).
"""

import numpy as np


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# -- LSTM (lecture notation, hx = [h_{t-1}, x_t]) --------------------------------------------
def lstm_forward(x, h_prev, C_prev, params):
    """One LSTM step: (h_t, C_t). Peepholes W_fc, W_ic, W_oc are used when in params."""
    p = params
    hx = np.concatenate([h_prev, x], axis=1)
    z_f = hx @ p["W_f"].T + p["b_f"]
    z_i = hx @ p["W_i"].T + p["b_i"]
    if "W_fc" in p:
        z_f = z_f + C_prev @ p["W_fc"].T
        z_i = z_i + C_prev @ p["W_ic"].T
    f, i = _sigmoid(z_f), _sigmoid(z_i)
    C_tilde = np.tanh(hx @ p["W_c"].T + p["b_c"])
    C = f * C_prev + i * C_tilde
    z_o = hx @ p["W_o"].T + p["b_o"]
    if "W_oc" in p:
        z_o = z_o + C @ p["W_oc"].T
    o = _sigmoid(z_o)
    return o * np.tanh(C), C


def lstm_backward(dh, dC, cache, params):
    """The lecture's LSTM_cell.backward (without its W_cc term), on the cache of
    :func:`rnnlib.exercises.lstm_cache`."""
    p, c = params, cache
    f, i, C_tilde, o, C, C_prev, hx = (c["f"], c["i"], c["C_tilde"], c["o"], c["C"],
                                       c["C_prev"], c["hx"])
    H = dh.shape[1]
    tanh_C = np.tanh(C)
    do = dh * tanh_C
    dC = dC + dh * o * (1 - tanh_C ** 2)          # invert h = o tanh(C)
    dz_o = do * o * (1 - o)
    grads = {}
    if "W_oc" in p:
        dC = dC + dz_o @ p["W_oc"]
        grads["dW_oc"] = dz_o.T @ C
    dC_prev = dC * f                                # invert C = f C_prev + i C~
    dz_c = dC * i * (1 - C_tilde ** 2)
    dz_i = dC * C_tilde * i * (1 - i)
    dz_f = dC * C_prev * f * (1 - f)
    if "W_fc" in p:
        dC_prev = dC_prev + dz_i @ p["W_ic"] + dz_f @ p["W_fc"]
        grads["dW_ic"] = dz_i.T @ C_prev
        grads["dW_fc"] = dz_f.T @ C_prev
    dz = {"f": dz_f, "i": dz_i, "c": dz_c, "o": dz_o}
    dhx = sum(dz[g] @ p[f"W_{g}"] for g in "fico")
    out = {"dx": dhx[:, H:], "dh_prev": dhx[:, :H], "dC_prev": dC_prev}
    for g in "fico":
        out[f"dW_{g}"] = dz[g].T @ hx
        out[f"db_{g}"] = dz[g].sum(axis=0)
    return out | grads
