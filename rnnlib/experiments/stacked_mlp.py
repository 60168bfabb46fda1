"""K independent MLPs [D, H, O] (tanh hidden layer, one logit per output bit) trained as
one stack: the same arithmetic as K separate runs of
:func:`rnnlib.experiments.arithmetic.train_mlp` (through :func:`rnnlib.train.fit`), without
K times the per-step bookkeeping. Notebook 05 trains one MLP per training-set size.

Network k on its batch X_k (B_k, D), targets Y_k (B_k, O) of 0/1:

    A_k = tanh(X_k W1[k]^T + b1[k])      (B_k, H)
    Z_k = A_k W2[k]^T + b2[k]            (B_k, O)   logits
    L[k] = mean over B_k x O of BCE(sigmoid(Z_k), Y_k)

Networks may have batches of different sizes: the rows of all batches are stacked into one
(sum B_k, .) array, so the elementwise work (tanh, its derivative, the loss) is one NumPy
call for all networks and only the small matrix products are done network by network.
Params are stacked over a leading K axis with PyTorch's per-layer shapes: W1 (K, H, D),
b1 (K, H), W2 (K, O, H), b2 (K, O).
"""

import numpy as np

from rnnlib import activations
from rnnlib._checks import as_float_array, as_generator, check_positive_int
from rnnlib.dense import MLP

KEYS = ("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias")


def loss_and_grads(params, xs, ys):
    """Per-network mean BCE (K,) and each network's gradients (keys and shapes of
    ``params``), for lists of K batches xs[k] (B_k, D), ys[k] (B_k, O)."""
    w1, b1, w2, b2 = (params[k] for k in KEYS)
    H, O = w1.shape[1], w2.shape[1]
    ends = np.cumsum([len(xk) for xk in xs])
    rows = [slice(e - len(xk), e) for e, xk in zip(ends, xs, strict=True)]
    R = int(ends[-1])
    z = np.empty((R, H))
    for k, r in enumerate(rows):
        np.matmul(xs[k], w1[k].T, out=z[r])
        z[r] += b1[k]
    a = np.tanh(z)
    logits = np.empty((R, O))
    for k, r in enumerate(rows):
        np.matmul(a[r], w2[k].T, out=logits[r])
        logits[r] += b2[k]
    y = np.concatenate(ys)
    share = np.repeat([1.0 / (len(xk) * O) for xk in xs], [len(xk) for xk in xs])[:, None]
    per = np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
    loss = np.add.reduceat((per * share).sum(axis=1), ends - [len(xk) for xk in xs])
    dz2 = (activations.sigmoid(logits) - y) * share                      # (R, O)
    da = np.empty((R, H))
    for k, r in enumerate(rows):
        np.matmul(dz2[r], w2[k], out=da[r])
    dz1 = da * (1 - a * a)                                                # (R, H)
    grads = {key: np.empty_like(params[key]) for key in KEYS}
    for k, r in enumerate(rows):
        grads["layers.1.weight"][k] = dz2[r].T @ a[r]
        grads["layers.1.bias"][k] = dz2[r].sum(axis=0)
        grads["layers.0.weight"][k] = dz1[r].T @ xs[k]
        grads["layers.0.bias"][k] = dz1[r].sum(axis=0)
    return loss, grads


def train(xs, ys, seeds, *, hidden=128, steps=400, lr=0.01, batch_size=None):
    """Train one MLP([D, hidden, O], "tanh") per training set xs[k] (N_k, D), ys[k]
    (N_k, O), exactly as :func:`rnnlib.experiments.arithmetic.train_mlp` would on the
    flattened view (each network initialised from its own ``seeds[k]``, int or Generator,
    then its own random minibatches of ``batch_size`` from it, or its whole set if that is
    no larger; Adam(lr), sigmoid BCE), but as one stack. Returns a list of ``(mlp,
    history)``: an :class:`rnnlib.dense.MLP` with the trained weights and {"step", "loss",
    "grad_norm"} as :func:`rnnlib.train.fit` gives."""
    hidden, steps = check_positive_int("hidden", hidden), check_positive_int("steps", steps)
    if len(xs) != len(ys) or len(xs) != len(seeds) or not xs:
        raise ValueError(f"xs, ys and seeds must name the same number (>= 1) of networks, "
                         f"got {len(xs)}, {len(ys)} and {len(seeds)}")
    xs = [as_float_array(f"xs[{k}]", x, ndim=2) for k, x in enumerate(xs)]
    ys = [as_float_array(f"ys[{k}]", y, shape=(len(x), None)) for k, (x, y) in
          enumerate(zip(xs, ys, strict=True))]
    if len({(x.shape[1], y.shape[1]) for x, y in zip(xs, ys, strict=True)}) > 1:
        raise ValueError("every training set must have the same input and output widths, "
                         f"got {[(x.shape[1], y.shape[1]) for x, y in zip(xs, ys, strict=True)]}")
    rngs = [as_generator(s) for s in seeds]
    mlps = [MLP([xs[0].shape[1], hidden, ys[0].shape[1]], "tanh", rng=rng) for rng in rngs]
    params = {key: np.stack([m.params[key] for m in mlps]) for key in KEYS}
    moments = {key: (np.zeros_like(p), np.zeros_like(p)) for key, p in params.items()}
    histories = [{"step": [], "loss": [], "grad_norm": []} for _ in mlps]
    K = len(mlps)
    b1, b2, eps = 0.9, 0.999, 1e-8  # Adam's defaults, as rnnlib.optim.Adam
    for step in range(1, steps + 1):
        xb, yb = [], []
        for x, y, rng in zip(xs, ys, rngs, strict=True):
            if batch_size is None or batch_size >= len(x):
                xb.append(x), yb.append(y)
            else:
                i = rng.choice(len(x), size=batch_size, replace=False)
                xb.append(x[i]), yb.append(y[i])
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss, grads = loss_and_grads(params, xb, yb)
        norm = np.sqrt(sum(np.sum(g.reshape(K, -1) ** 2, axis=1) for g in grads.values()))
        if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(norm))):
            bad = np.flatnonzero(~(np.isfinite(loss) & np.isfinite(norm))).tolist()
            raise FloatingPointError(f"training diverged at step {step} (networks {bad}): "
                                     "non-finite loss or gradient; lower the learning rate")
        for key, p in params.items():
            g = grads[key]
            m, v = moments[key]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + eps)
        for i, hist in enumerate(histories):
            hist["step"].append(step)
            hist["loss"].append(float(loss[i]))
            hist["grad_norm"].append(float(norm[i]))
    for i, mlp in enumerate(mlps):
        for key in KEYS:
            mlp.params[key][...] = params[key][i]
    return list(zip(mlps, histories, strict=True))
