"""K independent LSTM + Dense networks, a softmax cross-entropy at every masked step, as one
stack (notebook 04's clipping sweep over seeds): one batched matmul per time step for all K
networks instead of K small ones. The same equations as :class:`rnnlib.cells.LSTMCell`
(no peepholes) and :class:`rnnlib.dense.Dense`, network k = 0..K-1:

    z_t  = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh      (B, 4H) = [z_i | z_f | z_c | z_o]
    i, f, o = sigma(z_i), sigma(z_f), sigma(z_o);   C~ = tanh(z_c)
    C_t  = f * C_{t-1} + i * C~;   h_t = o * tanh(C_t)     (the constant error carousel)
    y_t  = h_t W^T + b                                     (B, C) logits
    L[k] = mean over the masked (t, b) of -log softmax(y_t)[target]

Shapes: x (K, T, B, D), target and mask (K, T, B); params stacked over a leading K axis with
PyTorch's per-network shapes: weight_ih (K, 4H, D), weight_hh (K, 4H, H), bias_ih / bias_hh
(K, 4H), weight (K, C, H), bias (K, C). Zero initial state. The networks never mix: network
k's gradient is that of its own loss L[k].
"""

import numpy as np

from rnnlib.activations import sigmoid
from rnnlib.losses import log_softmax

KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight", "bias")
MODEL_KEYS = ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
              "head.weight", "head.bias")


def stack_params(models):
    """Stack the parameters of K SequenceModel(layers.LSTM(D, H), Dense(H, C)) (one layer,
    no peepholes, a logit at every step) into the stack's dict (copies)."""
    if not models:
        raise ValueError("models must hold at least one model, got none")
    for i, m in enumerate(models):
        if set(m.params) != set(MODEL_KEYS) or getattr(m, "output", "all") != "all":
            raise ValueError(
                f"models[{i}] must be SequenceModel(layers.LSTM(D, H), Dense(H, C), "
                f"output='all') with one layer, one direction and no peepholes; it has "
                f"parameters {sorted(m.params)} and output={getattr(m, 'output', None)!r}")
    return {k: np.stack([m.params[mk] for m in models])
            for k, mk in zip(KEYS, MODEL_KEYS, strict=True)}


def forward(params, x, *, keep=True):
    """Logits (K, T, B, C) and, with ``keep``, the cache for :func:`backward`."""
    w_hh = params["weight_hh"]
    K, H4, H = w_hh.shape
    T, B = x.shape[1:3]
    xp = np.matmul(x, params["weight_ih"].transpose(0, 2, 1)[:, None])   # (K, T, B, 4H)
    xp += (params["bias_ih"] + params["bias_hh"])[:, None, None]
    gates = np.empty((T, K, B, H4)) if keep else None  # i, f, C~, o after activation
    cs, hs = np.empty((T + 1, K, B, H)), np.empty((T + 1, K, B, H))
    cs[0] = hs[0] = 0.0  # index t + 1 holds step t; index 0 the zero initial state
    w_hh_t = w_hh.transpose(0, 2, 1)
    for t in range(T):
        z = xp[:, t] + np.matmul(hs[t], w_hh_t)
        a = sigmoid(z)
        a[..., 2 * H:3 * H] = np.tanh(z[..., 2 * H:3 * H])  # the candidate C~ is a tanh
        i, f, c_tilde, o = (a[..., q * H:(q + 1) * H] for q in range(4))
        cs[t + 1] = f * cs[t] + i * c_tilde
        hs[t + 1] = o * np.tanh(cs[t + 1])
        if keep:
            gates[t] = a
    out = hs[1:].transpose(1, 0, 2, 3)                                    # (K, T, B, H)
    logits = np.matmul(out, params["weight"].transpose(0, 2, 1)[:, None])
    logits += params["bias"][:, None, None]
    return logits, ((x, gates, cs, hs, out) if keep else None)


def cross_entropy(logits, target, mask):
    """Each network's mean cross-entropy over its masked steps, (K,), and dL[k]/dlogits."""
    log_p = log_softmax(logits)
    count = np.maximum(mask.sum(axis=(1, 2)), 1).astype(float)             # (K,)
    nll = -np.take_along_axis(log_p, target[..., None], axis=-1)[..., 0]
    loss = np.where(mask, nll, 0.0).sum(axis=(1, 2)) / count
    d = np.exp(log_p)
    np.put_along_axis(d, target[..., None], np.take_along_axis(d, target[..., None], -1) - 1,
                      axis=-1)
    d *= (mask / count[:, None, None])[..., None]
    return loss, d


def backward(params, cache, dlogits):
    """The gradients of sum_k L[k] (each network's own, since they never mix), keyed as
    params, given dL/dlogits (K, T, B, C): backpropagation through time, step by step the
    inverse of forward (as LSTMCell.step_backward)."""
    x, gates, cs, hs, out = cache
    w_hh = params["weight_hh"]
    K, H4, H = w_hh.shape
    T, B, D = x.shape[1:]
    grads = {"weight": np.matmul(dlogits.reshape(K, T * B, -1).transpose(0, 2, 1),
                                 out.reshape(K, T * B, H)),
             "bias": dlogits.sum(axis=(1, 2))}
    d_out = np.matmul(dlogits, params["weight"][:, None])                  # (K, T, B, H)
    dz = np.empty((T, K, B, H4))
    dh, dc = np.zeros((K, B, H)), np.zeros((K, B, H))
    for t in range(T - 1, -1, -1):
        a = gates[t]
        i, f, c_tilde, o = (a[..., q * H:(q + 1) * H] for q in range(4))
        dh = dh + d_out[:, t]
        tanh_c = np.tanh(cs[t + 1])
        dc = dc + dh * o * (1 - tanh_c * tanh_c)           # invert h = o tanh(C)
        dz[t, ..., 3 * H:] = dh * tanh_c * o * (1 - o)     # invert o = sigma(z_o)
        dz[t, ..., 2 * H:3 * H] = dc * i * (1 - c_tilde * c_tilde)   # C~ = tanh(z_c)
        dz[t, ..., :H] = dc * c_tilde * i * (1 - i)        # i = sigma(z_i)
        dz[t, ..., H:2 * H] = dc * cs[t] * f * (1 - f)     # f = sigma(z_f)
        dc = dc * f                                        # dC_{t-1} along the carousel
        dh = np.matmul(dz[t], w_hh)                        # dh_{t-1} through W_hh
    dz_k = dz.transpose(1, 0, 2, 3).reshape(K, T * B, H4).transpose(0, 2, 1)  # (K, 4H, T*B)
    h_prev = hs[:-1].transpose(1, 0, 2, 3).reshape(K, T * B, H)
    db = dz.sum(axis=(0, 2))
    grads.update(weight_ih=np.matmul(dz_k, x.reshape(K, T * B, D)),
                 weight_hh=np.matmul(dz_k, h_prev), bias_ih=db, bias_hh=db.copy())
    return {k: grads[k] for k in KEYS}


def loss_and_grads(params, x, target, mask):
    """Each network's loss (K,) and the gradients (keyed as params) of one batch."""
    logits, cache = forward(params, x)
    loss, dlogits = cross_entropy(logits, target, mask)
    return loss, backward(params, cache, dlogits)


def network_norms(grads):
    """Each network's global gradient norm over all its parameters, (K,)."""
    K = grads["weight"].shape[0]
    return np.sqrt(sum(np.sum(g.reshape(K, -1) ** 2, axis=1) for g in grads.values()))
