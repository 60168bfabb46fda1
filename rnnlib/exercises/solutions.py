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


# -- GRU (the lecture's convention) ----------------------------------------------------------
def gru_forward(x, h_prev, params):
    """One GRU step, h_t = (1 - z_t) h_{t-1} + z_t h~_t, reset before the product."""
    p = params
    hx = np.concatenate([h_prev, x], axis=1)
    z = _sigmoid(hx @ p["W_z"].T + p["b_z"])
    r = _sigmoid(hx @ p["W_r"].T + p["b_r"])
    h_tilde = np.tanh(np.concatenate([r * h_prev, x], axis=1) @ p["W"].T + p["b"])
    return (1 - z) * h_prev + z * h_tilde


def gru_backward(dh, cache, params):
    """Backward of :func:`gru_forward` on the cache of :func:`rnnlib.exercises.gru_cache`."""
    p, c = params, cache
    h_prev, z, r, h_tilde = c["h_prev"], c["z"], c["r"], c["h_tilde"]
    H = dh.shape[1]
    dh_prev = dh * (1 - z)                        # invert h = (1 - z) h_prev + z h~
    da = dh * z * (1 - h_tilde ** 2)              # ... and h~ = tanh(a)
    dz = dh * (h_tilde - h_prev) * z * (1 - z)    # ... and z = sigma(.)
    drhx = da @ p["W"]                            # invert a = [r h_prev, x] W^T + b
    dx = drhx[:, H:]
    dh_prev = dh_prev + drhx[:, :H] * r
    dr = drhx[:, :H] * h_prev * r * (1 - r)       # invert r = sigma(.)
    dhx = dz @ p["W_z"] + dr @ p["W_r"]
    return {"dx": dx + dhx[:, H:], "dh_prev": dh_prev + dhx[:, :H],
            "dW_z": dz.T @ c["hx"], "dW_r": dr.T @ c["hx"], "dW": da.T @ c["rhx"],
            "db_z": dz.sum(axis=0), "db_r": dr.sum(axis=0), "db": da.sum(axis=0)}


# -- the lecture's L-layer LSTM network: the backward loop ----------------------------------
def lstm_network_backward(dz_o, caches, params, cell_backward):
    """The lecture's "LSTM network backward", its slips fixed (see
    :mod:`rnnlib.exercises.network`)."""
    layers = params["layers"]
    grads = {"dW_o": np.zeros_like(params["W_o"]), "db_o": np.zeros_like(params["b_o"]),
             "layers": [{"d" + k: np.zeros_like(v) for k, v in p.items()} for p in layers]}
    zeros = np.zeros_like(caches[0][0]["h"])
    d_next = [(zeros, zeros) for _ in layers]      # dh(t+1, l), dC(t+1, l)
    dx = [None] * len(caches)
    for t in reversed(range(len(caches))):
        grads["dW_o"] += dz_o[t].T @ caches[t][-1]["h"]
        grads["db_o"] += dz_o[t].sum(axis=0)
        d_above = dz_o[t] @ params["W_o"]           # dh(t, L)
        for l in reversed(range(len(layers))):
            dh_next, dC_next = d_next[l]
            g = cell_backward(dh_next + d_above, dC_next, caches[t][l], layers[l])
            d_next[l] = (g["dh_prev"], g["dC_prev"])
            d_above = g["dx"]                       # dx(t, l) goes to the layer below
            for k in grads["layers"][l]:
                grads["layers"][l][k] += g[k]
        dx[t] = d_above
    grads["dx"] = np.stack(dx)
    return grads


# -- notebook 01 ------------------------------------------------------------------------------
def eigen_matrix(eigenvalues):
    """A real matrix with the given eigenvalues: a block-diagonal B (real ones on the
    diagonal, each conjugate pair r e^{+-i theta} as r [[cos, -sin], [sin, cos]]), rotated by
    a fixed orthogonal Q: W = Q B Q^T."""
    lam = np.asarray(eigenvalues, dtype=complex)
    n = lam.size
    B = np.zeros((n, n))
    i, used = 0, np.zeros(n, dtype=bool)
    for k, z in enumerate(lam):
        if used[k]:
            continue
        used[k] = True
        if abs(z.imag) < 1e-12:
            B[i, i] = z.real
            i += 1
            continue
        partner = next(j for j in range(n) if not used[j] and abs(lam[j] - z.conjugate()) < 1e-9)
        used[partner] = True
        B[i:i + 2, i:i + 2] = [[z.real, -abs(z.imag)], [abs(z.imag), z.real]]
        i += 2
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))
    return Q @ B @ Q.T


def growth_prediction(W, x):
    """(behaviour, log |lambda_m|): lambda_m the largest eigenvalue present in x."""
    lam, U = np.linalg.eig(W)
    a = np.linalg.solve(U, np.asarray(x, dtype=complex))
    present = np.abs(a) > 1e-8 * np.linalg.norm(x)
    rate = float(np.log(np.max(np.abs(lam[present]))))
    return ("blow-up" if rate > 0 else "vanish" if rate < 0 else "bounded"), rate


# -- notebook 02 ------------------------------------------------------------------------------
def sigmoid_fixed_points(w, b):
    """Every root of g(h) = sigma(w h + b) - h in (0, 1): sign changes on a grid, refined by
    bisection."""
    def g(h):
        return _sigmoid(w * h + b) - h

    hs = np.linspace(0.0, 1.0, 4001)
    gs = g(hs)
    roots = []
    for k in np.nonzero(np.sign(gs[:-1]) * np.sign(gs[1:]) <= 0)[0]:
        lo, hi = hs[k], hs[k + 1]
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if np.sign(g(mid)) == np.sign(g(lo)) else (lo, mid)
        if not roots or abs(0.5 * (lo + hi) - roots[-1]) > 1e-9:
            roots.append(0.5 * (lo + hi))
    return np.array(roots)


def bistable_range(w):
    """(b_low, b_high) where h = sigma(w h + b) has two stable fixed points; None for
    w <= 4. The ends are where a fixed point is tangent: w h (1 - h) = 1."""
    if w <= 4:
        return None
    s = np.sqrt(1 - 4 / w)
    ends = [np.log(h / (1 - h)) - w * h for h in ((1 + s) / 2, (1 - s) / 2)]
    return min(ends), max(ends)


# -- notebook 03 ------------------------------------------------------------------------------
def chain_gradient(weights, biases, x, grad_y):
    """([J_1, ..., J_N], grad_y J_N ... J_1) for a_k = tanh(W_k a_{k-1} + b_k)."""
    a, jacobians = x, []
    for W, b in zip(weights, biases, strict=True):
        a = np.tanh(W @ a + b)
        jacobians.append((1 - a ** 2)[:, None] * W)     # diag(tanh'(z_k)) W_k
    g = grad_y
    for J in reversed(jacobians):
        g = g @ J
    return jacobians, g


def clip_grad_norm(grads, threshold):
    """Pascanu et al. 2013, Algorithm 1, on all the gradients together (a new dict)."""
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    scale = threshold / norm if norm >= threshold else 1.0
    return {k: g * scale for k, g in grads.items()}


# -- notebook 05 ------------------------------------------------------------------------------
def parity_weights():
    """Two ReLU units hold n_t = x_t + p_{t-1} as relu(n_t), relu(n_t - 1); the parity is
    p_t = relu(n_t) - 2 relu(n_t - 1) (as :func:`rnnlib.handbuilt.parity`)."""
    return {"W_ih": [[1.0], [1.0]], "W_hh": [[1.0, -2.0], [1.0, -2.0]], "b": [0.0, -1.0],
            "w_out": [1.0, -2.0], "b_out": 0.0, "activation": "relu"}


def adder_weights():
    """Three ReLU units hold n_t = a_t + b_t + c_{t-1} as relu(n_t - j), j = 0, 1, 2; the
    carry is r_1 - r_2, the sum bit r_0 - 2 r_1 + 2 r_2 (as :func:`rnnlib.handbuilt.adder`)."""
    return {"W_ih": [[1.0, 1.0]] * 3, "W_hh": [[0.0, 1.0, -1.0]] * 3, "b": [0.0, -1.0, -2.0],
            "w_out": [1.0, -2.0, 2.0], "b_out": 0.0, "activation": "relu"}
