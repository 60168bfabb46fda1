"""K independent RNN + Dense readout networks trained as one stack (notebook 05's seeds and
restarts): the same arithmetic as K separate runs of :func:`rnnlib.train.fit`, with one
batched matmul per time step for all K networks instead of K small ones.

Network k (k = 0..K-1), one layer, zero initial state, a logit per step (the lecture's
h(t) = f(W_h h(t-1) + W_x x(t) + b), then o(t) = W_o h(t) + b_o):

    z_t[k] = x_t[k] W_ih[k]^T + b_ih[k] + h_{t-1}[k] W_hh[k]^T + b_hh[k]    (B, H)
    h_t[k] = f(z_t[k]);   o_t[k] = h_t[k] W_o[k]^T + b_o[k]                   (B, 1)
    L[k]   = mean over t, b of BCE(sigmoid(o_t[k]), y_t[k])

Networks may train on sets of different sizes (e.g. notebook 05's growing training sets):
each step's batch is then padded to the largest, and padded sequences get weight 0 in the
loss, so each network's loss is the mean over its own sequences only.

Shapes: x (K, T, B, D) (or (1, T, B, D), shared), params stacked over a leading K axis with
PyTorch's per-network shapes: weight_ih (K, H, D), weight_hh (K, H, H), bias_ih / bias_hh
(K, H), weight (K, 1, H), bias (K, 1). Each network has its own loss, its own gradient
clipping (global norm of its own gradients) and Adam; the stack never mixes networks.
"""

import numpy as np

from rnnlib import activations
from rnnlib._checks import as_float_array, as_generator, check_positive_int
from rnnlib.dense import Dense
from rnnlib.layers import RNN
from rnnlib.train import SequenceModel

KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight", "bias")
_MODEL_KEYS = ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
               "head.weight", "head.bias")


def loss_and_grads(params, x, y, activation="tanh", weights=None):
    """Per-network mean BCE (K,) and the gradients of each network's loss w.r.t. its own
    parameters (same keys and shapes as ``params``), for x (K or 1, T, B, D), y (K or 1,
    T, B) of 0/1 targets. ``weights`` (K, B), optional: sequence b's share of network k's
    loss, L[k] = sum over t, b of weights[k, b] BCE_tb / T (None: 1 / B each, the mean)."""
    act = activations.get(activation)
    w_ih, w_hh, w_o = params["weight_ih"], params["weight_hh"], params["weight"]
    K, H = w_hh.shape[:2]
    T, B = x.shape[1:3]
    xp = np.matmul(x, w_ih.transpose(0, 2, 1)[:, None])            # (K, T, B, H)
    xp += (params["bias_ih"] + params["bias_hh"])[:, None, None]
    zs, hs = np.empty_like(xp), np.empty_like(xp)
    h = np.zeros((K, B, H))
    w_hh_t = w_hh.transpose(0, 2, 1)
    for t in range(T):
        zs[:, t] = xp[:, t] + np.matmul(h, w_hh_t)
        h = hs[:, t] = act.f(zs[:, t])
    logits = np.matmul(hs, w_o.transpose(0, 2, 1)[:, None])[..., 0] + params["bias"][:, None]
    per = np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
    if weights is None:
        loss = per.mean(axis=(1, 2))
        dl = (activations.sigmoid(logits) - y) / (T * B)         # (K, T, B)
    else:
        w = weights[:, None, :] / T                              # (K, 1, B)
        loss = (per * w).sum(axis=(1, 2))
        dl = (activations.sigmoid(logits) - y) * w
    dh_out = dl[..., None] * w_o[:, None]                               # (K, T, B, H)
    dzs = np.empty_like(zs)
    dh = np.zeros((K, B, H))
    for t in range(T - 1, -1, -1):
        dh = dh + dh_out[:, t]
        dzs[:, t] = dh * act.df(zs[:, t], hs[:, t])
        dh = np.matmul(dzs[:, t], w_hh)
    h_prev = np.concatenate([np.zeros((K, 1, B, H)), hs[:, :-1]], axis=1)
    dz2 = dzs.reshape(K, T * B, H).transpose(0, 2, 1)                   # (K, H, T*B)
    xb = np.broadcast_to(x, (K, *x.shape[1:])).reshape(K, T * B, -1)
    db = dzs.sum(axis=(1, 2))
    grads = {"weight_ih": np.matmul(dz2, xb),
             "weight_hh": np.matmul(dz2, h_prev.reshape(K, T * B, H)),
             "bias_ih": db, "bias_hh": db.copy(),
             "weight": np.matmul(dl.reshape(K, 1, T * B), hs.reshape(K, T * B, H)),
             "bias": dl.sum(axis=(1, 2))[:, None]}
    return loss, grads


def _training_sets(x, y, n_networks):
    """One (x (T, N_k, D), y (T, N_k)) per network (or a single one, shared by all) from
    x (T, N, D), x (K, T, N, D) or a list of K arrays (T, N_k, D), and y alike."""
    if isinstance(x, list | tuple):
        if not isinstance(y, list | tuple) or len(y) != len(x):
            raise ValueError("x is a list of training sets: y must be a list of as many "
                             f"target arrays, got {type(y).__name__}")
        sets = [(as_float_array(f"x[{k}]", xk, ndim=3), yk) for k, (xk, yk) in
                enumerate(zip(x, y, strict=True))]
        sets = [(xk, as_float_array(f"y[{k}]", yk, shape=xk.shape[:-1]))
                for k, (xk, yk) in enumerate(sets)]
        if len({xk.shape[::2] for xk, _ in sets}) > 1:
            raise ValueError("every training set in x must have the same length T and "
                             f"width D, got shapes {[xk.shape for xk, _ in sets]}")
    else:
        x = as_float_array("x", x)
        if x.ndim not in (3, 4):
            raise ValueError(f"x must be (T, N, D) or, one training set per network, "
                             f"(K, T, N, D), got shape {x.shape}")
        y = as_float_array("y", y, shape=x.shape[:-1])
        sets = [(x, y)] if x.ndim == 3 else list(zip(x, y, strict=True))
    if len(sets) not in (1, n_networks):
        raise ValueError(f"x holds {len(sets)} training sets (its first axis) but seeds "
                         f"names {n_networks} networks: give one set per seed")
    return sets


def _batch(sets, rngs, batch_size):
    """This step's batch of every network, (K, T, B, D), (K, T, B), and weights (K, B),
    or None when every network has a full batch of the same size: network k takes its
    whole set if it has at most ``batch_size`` sequences (or batch_size is None), else
    ``batch_size`` drawn without replacement by its own generator (as rnnlib.train.fit
    draws them); shorter batches are padded with weight-0 sequences."""
    picked = []
    for k, rng in enumerate(rngs):
        xk, yk = sets[k if len(sets) > 1 else 0]
        n = xk.shape[1]
        if batch_size is None or batch_size >= n:
            picked.append((xk, yk))
        else:
            i = rng.choice(n, size=batch_size, replace=False)
            picked.append((xk[:, i], yk[:, i]))
    sizes = [xk.shape[1] for xk, _ in picked]
    if all(xk is picked[0][0] for xk, _ in picked):  # one whole set, shared by all
        return picked[0][0][None], picked[0][1][None], None
    if len(set(sizes)) == 1:
        return (np.stack([xk for xk, _ in picked]), np.stack([yk for _, yk in picked]), None)
    T, B, D = picked[0][0].shape[0], max(sizes), picked[0][0].shape[2]
    xb, yb, w = np.zeros((len(picked), T, B, D)), np.zeros((len(picked), T, B)), np.zeros(
        (len(picked), B))
    for k, ((xk, yk), n) in enumerate(zip(picked, sizes, strict=True)):
        xb[k, :, :n], yb[k, :, :n], w[k, :n] = xk, yk, 1.0 / n
    return xb, yb, w


def train(x, y, seeds, *, hidden=8, nonlinearity="tanh", steps=400, lr=0.03,
          batch_size=None, clip_norm=1.0):
    """Train one RNN(D, hidden) + Dense(hidden, 1) per seed on sequences x (T, N, D),
    targets y (T, N), exactly as K calls of :func:`rnnlib.experiments.arithmetic.train_rnn`
    would (each network initialised from its own ``seed`` (int or Generator), then its own
    random minibatches of ``batch_size`` from it, Adam(lr), its own gradients clipped to
    global norm ``clip_norm``), but as one stack. Each network may have its own training
    set: x (K, T, N, D), y (K, T, N), network k on x[k], y[k], or, of different sizes
    N_k, lists of K arrays x[k] (T, N_k, D), y[k] (T, N_k).
    Returns a list of ``(model, history)``,
    one per seed: a :class:`rnnlib.train.SequenceModel` holding the trained weights and
    {"step", "loss", "grad_norm"} as :func:`rnnlib.train.fit` gives."""
    hidden, steps = check_positive_int("hidden", hidden), check_positive_int("steps", steps)
    rngs = [as_generator(s) for s in seeds]
    if not rngs:
        raise ValueError("seeds must name at least one seed, got none")
    sets = _training_sets(x, y, len(rngs))
    models = []
    for rng in rngs:
        rnn = RNN(sets[0][0].shape[2], hidden, nonlinearity=nonlinearity, rng=rng)
        models.append(SequenceModel(rnn, Dense(hidden, 1, rng=rng), output="all"))
    params = {k: np.stack([m.params[mk] for m in models])
              for k, mk in zip(KEYS, _MODEL_KEYS, strict=True)}
    moments = {k: (np.zeros_like(p), np.zeros_like(p)) for k, p in params.items()}
    K = len(models)
    histories = [{"step": [], "loss": [], "grad_norm": []} for _ in models]
    b1, b2, eps = 0.9, 0.999, 1e-8  # Adam's defaults, as rnnlib.optim.Adam
    for step in range(1, steps + 1):
        xb, yb, weights = _batch(sets, rngs, batch_size)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss, grads = loss_and_grads(params, xb, yb, nonlinearity, weights)
        norm = np.sqrt(sum(np.sum(g.reshape(K, -1) ** 2, axis=1) for g in grads.values()))
        if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(norm))):
            bad = np.flatnonzero(~(np.isfinite(loss) & np.isfinite(norm))).tolist()
            raise FloatingPointError(f"training diverged at step {step} (networks {bad}): "
                                     "non-finite loss or gradient; lower the learning rate")
        scale = np.where(norm > clip_norm, clip_norm / norm, 1.0) if clip_norm else np.ones(K)
        for k, p in params.items():
            g = grads[k] * scale.reshape(K, *[1] * (p.ndim - 1))
            m, v = moments[k]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + eps)
        for i, hist in enumerate(histories):
            hist["step"].append(step)
            hist["loss"].append(float(loss[i]))
            hist["grad_norm"].append(float(norm[i]))
    for i, model in enumerate(models):
        for k, mk in zip(KEYS, _MODEL_KEYS, strict=True):
            model.params[mk][...] = params[k][i]
    return list(zip(models, histories, strict=True))
