"""Notebook 05's experiments (addition and parity, claims C29-C31), each a plain function
of its settings and a seed.

* :func:`split`, :func:`sequences`, :func:`mlp_view`: the task's data, by task name;
* :func:`train_rnn` trains a one-layer RNN + Dense readout (a
  :class:`rnnlib.train.SequenceModel`) on the sequence view of a task, by BPTT on the
  per-step binary cross-entropy with Adam (claim C31); :func:`train_rnn_restarts` keeps
  the best of several initialisations (:func:`restarts_on_sets`: on several training
  sets at once);
* :func:`train_mlp` trains an :class:`rnnlib.dense.MLP` on the flattened (MLP) view;
* :func:`score_rnn`, :func:`rnn_exact`, :func:`mlp_exact`: how many problems a net gets
  exactly right (every output bit), and by what margin;
* :func:`data_efficiency` trains both on nested training sets of growing size and scores
  them on the same held-out problems (C29, C30); :func:`generalisation` tests RNNs trained
  on short inputs on long ones; :func:`compare` is one RNN-vs-MLP run (the explorers').
"""

import numpy as np

from rnnlib import losses
from rnnlib._checks import (
    as_float_array,
    as_generator,
    check_nonnegative_int,
    check_positive_int,
)
from rnnlib.dense import MLP, Dense
from rnnlib.layers import RNN
from rnnlib.optim import Adam
from rnnlib.tasks import arithmetic as ar
from rnnlib.train import SequenceModel, fit, predict

from . import stacked, stacked_mlp

TASKS = ("addition", "parity")


def _check_task(task):
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; known tasks: {', '.join(TASKS)}")
    return task


# ------------------------------------------------------------------ data
def split(task, n_train, n_test, n_bits, rng=None):
    """Distinct training and held-out problems in the sequence view:
    ``((x_train, y_train), (x_test, y_test))``, y (T, B)."""
    make = ar.addition_split if _check_task(task) == "addition" else ar.parity_split
    return make(n_train, n_test, n_bits, rng)


def sequences(task, batch, n_bits, rng=None):
    """Random problems (sequence view) of ``n_bits`` bits: x (T, B, D), y (T, B)."""
    make = ar.addition_sequences if _check_task(task) == "addition" else ar.parity_sequences
    return make(batch, n_bits, rng)


def mlp_view(task, x, y):
    """The flattened view of sequence data (see :mod:`rnnlib.tasks.arithmetic`)."""
    view = ar.addition_mlp_view if _check_task(task) == "addition" else ar.parity_mlp_view
    return view(x, y)


def _sequence_data(x, y):
    """x (T, B, D) and y (T, B) as float arrays, or a clear error."""
    x = as_float_array("x", x, ndim=3)
    y = as_float_array("y", y, shape=x.shape[:2])
    return x, y


def _batches(inputs, targets, batch_size, batch_axis):
    """Full batch (a list with one batch), or a function rng -> a random minibatch."""
    n = inputs.shape[batch_axis]
    if batch_size is None or batch_size >= n:
        return [(inputs, targets)]

    def draw(rng):
        idx = rng.choice(n, size=batch_size, replace=False)
        return inputs.take(idx, axis=batch_axis), targets.take(idx, axis=batch_axis)

    return draw


# ------------------------------------------------------------------ training
# The settings the notebook uses (chosen so that every seed tried succeeded; see notebook 05).
RNN_SETTINGS = {
    "addition": dict(hidden=8, nonlinearity="tanh", steps=400, lr=0.03, batch_size=256),
    "parity": dict(hidden=16, nonlinearity="tanh", steps=600, lr=0.03, batch_size=32),
}
MLP_SETTINGS = {
    "addition": dict(hidden=128, steps=1000, lr=0.01, batch_size=256),
    "parity": dict(hidden=128, steps=1000, lr=0.01, batch_size=None),
}


def train_rnn(task, x, y, *, hidden=8, nonlinearity="tanh", steps=400, lr=0.03,
              batch_size=None, clip_norm=1.0, seed=0):
    """Train RNN(D, hidden) + Dense(hidden, 1) on sequences x (T, B, D), targets y (T, B)
    by backpropagation through time (claim C31): per-step sigmoid BCE (the divergence
    between the output sequence and the target sequence), Adam(lr), gradients clipped to
    global norm ``clip_norm``, ``steps`` steps on the full batch or on random minibatches
    of ``batch_size``. ``seed``: int or Generator (initialisation, then minibatches).
    Returns ``(model, history)`` (history as :func:`rnnlib.train.fit`)."""
    _check_task(task)
    x, y = _sequence_data(x, y)
    rng = as_generator(seed)
    rnn = RNN(x.shape[2], check_positive_int("hidden", hidden), nonlinearity=nonlinearity,
              rng=rng)
    model = SequenceModel(rnn, Dense(hidden, 1, rng=rng), output="all")
    history = fit(model, losses.sigmoid_binary_cross_entropy,
                  _batches(x, y[..., None], batch_size, 1), Adam(lr),
                  steps=check_positive_int("steps", steps), clip_norm=clip_norm, rng=rng)
    return model, history


def train_rnns(task, x, y, seeds, *, hidden=8, nonlinearity="tanh", steps=400, lr=0.03,
               batch_size=None, clip_norm=1.0):
    """:func:`train_rnn` once per seed (int or Generator), all at once: the networks are
    trained as one stack (:func:`rnnlib.experiments.stacked.train`, the same arithmetic up
    to rounding, one batched matmul per step for all). Returns a list of (model, history)."""
    _check_task(task)
    return stacked.train(x, y, seeds, hidden=hidden, nonlinearity=nonlinearity, steps=steps,
                         lr=lr, batch_size=batch_size, clip_norm=clip_norm)


def train_rnn_restarts(task, x, y, *, restarts=3, seed=0, **kwargs):
    """Train ``restarts`` RNNs (:func:`train_rnn`, keyword arguments passed on) from
    different random initialisations and keep the one with the lowest loss on the training
    set: the standard remedy when gradient descent sometimes gets stuck. Initialisation k
    uses the generator ``default_rng([seed, k])``; the restarts are trained as one stack
    (:func:`train_rnns`).
    Returns ``(best model, its history, training loss of each restart)``."""
    return restarts_on_sets(task, [(x, y)], [seed], restarts=restarts, **kwargs)[0]


def restarts_on_sets(task, sets, seeds, *, restarts=3, **kwargs):
    """:func:`train_rnn_restarts` on each training set ``sets[i]`` = (x (T, N_i, D), y (T,
    N_i)) with its seed ``seeds[i]``, all restarts of all sets trained as one stack
    (:func:`rnnlib.experiments.stacked.train`; sets may differ in size N_i). Returns one
    ``(best model, its history, training loss of each restart)`` per set."""
    _check_task(task)
    sets = [_sequence_data(x, y) for x, y in sets]
    seeds = [check_nonnegative_int("seed", s) for s in seeds]  # restart k: default_rng([s, k])
    if len(seeds) != len(sets):
        raise ValueError(f"give one seed per training set: {len(sets)} sets, {len(seeds)} seeds")
    restarts = check_positive_int("restarts", restarts)
    runs = stacked.train([x for x, _ in sets for _ in range(restarts)],
                         [y for _, y in sets for _ in range(restarts)],
                         [np.random.default_rng([s, k]) for s in seeds for k in range(restarts)],
                         **kwargs)
    out = []
    for i, (x, y) in enumerate(sets):
        mine = runs[i * restarts:(i + 1) * restarts]
        train_losses = [training_loss(model, x, y) for model, _ in mine]
        best = int(np.argmin(train_losses))
        out.append((mine[best][0], mine[best][1], train_losses))
    return out


def training_loss(model, x, y):
    """Mean per-step binary cross-entropy of a sequence model on x (T, B, D), y (T, B)."""
    return losses.sigmoid_binary_cross_entropy(predict(model, x), y[..., None])[0]


def train_mlp(task, x, y, *, hidden=128, steps=400, lr=0.01, batch_size=None, seed=0):
    """Train MLP([2N or N, hidden, N+1 or 1], tanh) on the flattened view of sequences
    x, y (sigmoid BCE on each output bit, Adam(lr)). Returns ``(mlp, history)``."""
    X, Y = mlp_view(task, x, y)
    rng = as_generator(seed)
    mlp = MLP([X.shape[1], check_positive_int("hidden", hidden), Y.shape[1]], "tanh", rng=rng)
    history = fit(mlp, losses.sigmoid_binary_cross_entropy, _batches(X, Y, batch_size, 0),
                  Adam(lr), steps=check_positive_int("steps", steps), rng=rng)
    return mlp, history


# ------------------------------------------------------------------ scoring
def rnn_bits(model, x):
    """Predicted bits (T, B) of a sequence model with one logit per step."""
    return ar.bits_from_logits(predict(model, x)[..., 0])


def rnn_exact(model, task, n_bits, n=1000, rng=None, final_only=False):
    """Solve ``n`` fresh random problems of ``n_bits`` bits: returns
    ``(exactly right, smallest |logit|)``. A problem counts if every output bit is right
    (final_only: only the last one, the parity of the whole string). The smallest |logit|
    is the margin by which the decisions are made."""
    x, y = sequences(task, check_positive_int("n", n), n_bits, rng)
    return score_rnn(model, x, y, final_only=final_only)


def score_rnn(model, x, y, final_only=False):
    """``(exactly right, smallest |logit|)`` of a sequence model on x (T, B, D), y (T, B)
    (see :func:`rnn_exact`), from one forward pass in inference mode
    (:func:`rnnlib.train.predict`: nothing is cached for backward)."""
    x, y = _sequence_data(x, y)
    logits = predict(model, x)[..., 0]
    if final_only:
        logits, y = logits[-1:], y[-1:]
    return ar.exact_count(ar.bits_from_logits(logits), y), float(np.min(np.abs(logits)))


def mlp_exact(mlp, task, x, y):
    """How many problems (sequence view x, y) the MLP gets exactly right, every output bit."""
    X, Y = mlp_view(task, x, y)
    return ar.exact_count(ar.bits_from_logits(mlp.forward(X)), Y, time_axis=1)


def data_efficiency(task, sizes, n_bits, *, n_test=1000, seed=0, restarts=1, rnn=None,
                    mlp=None):
    """Train an RNN and an MLP on the first n of one pool of distinct problems, for each
    n in ``sizes``, and score both on the same ``n_test`` held-out problems.

    restarts: RNN restarts per size (:func:`train_rnn_restarts`);
    rnn, mlp: keyword arguments for :func:`train_rnn` / :func:`train_mlp` (default
    ``RNN_SETTINGS[task]`` / ``MLP_SETTINGS[task]``).
    Returns {"sizes": [...], "rnn": [exact on held-out], "mlp": [...], "mlp_train": [exact
    on its own training set], "n_test": n_test}; for parity, "exact" is the parity of the
    whole string (the MLP's only output)."""
    sizes = [check_positive_int("sizes[i]", n) for n in sizes]
    rnn = RNN_SETTINGS[_check_task(task)] if rnn is None else rnn
    mlp = MLP_SETTINGS[task] if mlp is None else mlp
    (xp, yp), (xt, yt) = split(task, max(sizes), n_test, n_bits, rng=seed)
    sets = [(xp[:, :n], yp[:, :n]) for n in sizes]
    out = {"sizes": sizes, "rnn": [], "mlp": [], "mlp_train": [], "n_test": n_test}
    # every size's RNN restarts as one stack, every size's MLP as another (the same runs
    # as train_rnn_restarts and train_mlp size by size, see stacked and stacked_mlp)
    best = restarts_on_sets(task, sets, [seed] * len(sizes), restarts=restarts, **rnn)
    views = [mlp_view(task, x, y) for x, y in sets]
    mlps = stacked_mlp.train([X for X, _ in views], [Y for _, Y in views], [seed] * len(sizes),
                             **mlp)
    for (x, y), (model, _, _), (net, _) in zip(sets, best, mlps, strict=True):
        out["rnn"].append(score_rnn(model, xt, yt, final_only=task == "parity")[0])
        out["mlp"].append(mlp_exact(net, task, xt, yt))
        out["mlp_train"].append(mlp_exact(net, task, x, y))
    return out


def generalisation(task, n_bits, n_train, long_bits, seeds, *, n_long=100, data_seed=0,
                   **kwargs):
    """Train one RNN per seed (:func:`train_rnn`; default ``RNN_SETTINGS[task]``) on the
    same ``n_train`` problems of ``n_bits`` bits, drawn with ``data_seed``, and test each on
    ``n_long`` fresh problems of ``long_bits`` bits. ``data_seed`` may also be a list of
    seeds: every seed is then trained on each of these training sets. All runs are trained
    as one stack (:func:`rnnlib.experiments.stacked.train`). Returns a list of dicts, one
    per run (data seed by data seed, then seed by seed): "seed", "data_seed", "train_loss",
    "exact" (every output bit right, out of n_long) and "margin" (smallest |logit|)."""
    seeds = [check_nonnegative_int("seeds[...]", s) for s in seeds]  # rng=seed + 1 below
    many = np.ndim(data_seed) == 1
    data_seeds = [check_nonnegative_int("data_seed", d)
                  for d in (data_seed if many else [data_seed])]
    sets = [split(task, n_train, 1, n_bits, rng=d)[0] for d in data_seeds]
    settings = {**RNN_SETTINGS[_check_task(task)], **kwargs}
    runs = [(d, s, x, y) for d, (x, y) in zip(data_seeds, sets, strict=True) for s in seeds]
    xs = np.stack([_sequence_data(x, y)[0] for _, _, x, y in runs])
    ys = np.stack([_sequence_data(x, y)[1] for _, _, x, y in runs])
    trained = stacked.train(xs, ys, [s for _, s, _, _ in runs], **settings)
    rows = []
    for (d, seed, x, y), (model, _) in zip(runs, trained, strict=True):
        exact, margin = rnn_exact(model, task, long_bits, n=n_long, rng=seed + 1)
        rows.append({"seed": seed, "data_seed": d, "train_loss": training_loss(model, x, y),
                     "exact": exact, "margin": margin})
    return rows


def compare(task="addition", n_bits=8, n_train=128, *, hidden=None, nonlinearity="tanh",
            rnn_steps=None, mlp_steps=None, long_bits=100, n_long=100, seed=0):
    """One RNN-vs-MLP run: train an RNN by BPTT (claim C31) and an MLP on the same
    ``n_train`` distinct problems of ``n_bits`` bits (other settings from RNN_SETTINGS /
    MLP_SETTINGS; ``hidden``, ``rnn_steps``, ``mlp_steps`` override them), score both on
    held-out problems and the RNN on ``n_long`` problems of ``long_bits`` bits.

    The held-out set has 200 problems, or a quarter of all possible inputs when there are
    fewer; ``n_train`` is reduced if fewer distinct problems remain. For parity the
    held-out score is the parity of the whole string (the MLP's only output); the long
    problems count only if every step's running parity is right.
    Returns a dict: "n_train", "n_test", "rnn_history", "mlp_history", "rnn_held",
    "mlp_held", "rnn_long" (counts), "rnn_settings", "mlp_settings".
    """
    _check_task(task)
    n_bits, n_train = check_positive_int("n_bits", n_bits), check_positive_int("n_train", n_train)
    width = 2 * n_bits if task == "addition" else n_bits
    total = 2**width if width <= 20 else None
    n_test = 200 if total is None else max(1, min(200, total // 4))
    if total is not None:
        n_train = max(1, min(n_train, total - n_test))
    seed = check_nonnegative_int("seed", seed)  # an int: the long test uses rng=seed + 1
    (x, y), (xt, yt) = split(task, n_train, n_test, n_bits, rng=seed)
    rs = {**RNN_SETTINGS[task], "nonlinearity": nonlinearity}
    ms = dict(MLP_SETTINGS[task])
    for settings, key, value in ((rs, "hidden", hidden), (rs, "steps", rnn_steps),
                                 (ms, "steps", mlp_steps)):
        if value is not None:
            settings[key] = value
    model, rnn_history = train_rnn(task, x, y, seed=seed, **rs)
    mlp, mlp_history = train_mlp(task, x, y, seed=seed, **ms)
    return {"n_train": n_train, "n_test": n_test, "rnn_history": rnn_history,
            "mlp_history": mlp_history,
            "rnn_held": score_rnn(model, xt, yt, final_only=task == "parity")[0],
            "mlp_held": mlp_exact(mlp, task, xt, yt),
            "rnn_long": rnn_exact(model, task, long_bits, n=n_long, rng=seed + 1)[0],
            "rnn_settings": rs, "mlp_settings": ms}
