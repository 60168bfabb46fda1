"""Notebook 05 (addition and parity, claims C29-C31): the experiments and the explorers.

Experiments, each a plain function of its settings and a seed:

* :func:`train_rnn` trains a one-layer RNN + Dense readout (a
  :class:`rnnlib.train.SequenceModel`) on the sequence view of a task, by BPTT on the
  per-step binary cross-entropy with Adam (claim C31);
* :func:`train_mlp` trains an :class:`rnnlib.dense.MLP` on the flattened (MLP) view;
* :func:`rnn_exact` counts the fresh random problems of any length a sequence model
  solves exactly; :func:`mlp_exact` the same for an MLP on held-out problems;
* :func:`data_efficiency` trains both on nested training sets of growing size and scores
  them on the same held-out problems.

Explorers (``button="Run"``: each click trains from scratch, a second or so):
:func:`addition_explorer` and :func:`parity_explorer`.
"""

import numpy as np

from rnnlib import losses
from rnnlib._checks import as_generator, check_positive_int
from rnnlib.dense import MLP, Dense
from rnnlib.layers import RNN
from rnnlib.optim import Adam
from rnnlib.tasks import arithmetic as ar
from rnnlib.train import SequenceModel, fit
from rnnlib.widgets import Choice, Explorer, Slider

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
    rng = as_generator(seed)
    rnn = RNN(x.shape[2], check_positive_int("hidden", hidden), nonlinearity=nonlinearity,
              rng=rng)
    model = SequenceModel(rnn, Dense(hidden, 1, rng=rng), output="all")
    history = fit(model, losses.sigmoid_binary_cross_entropy,
                  _batches(x, y[..., None], batch_size, 1), Adam(lr),
                  steps=check_positive_int("steps", steps), clip_norm=clip_norm, rng=rng)
    return model, history


def train_rnn_restarts(task, x, y, *, restarts=3, seed=0, **kwargs):
    """Train ``restarts`` RNNs (:func:`train_rnn`, keyword arguments passed on) from
    different random initialisations and keep the one with the lowest loss on the training
    set: the standard remedy when gradient descent sometimes gets stuck. Initialisation k
    uses the generator ``default_rng([seed, k])``.
    Returns ``(best model, its history, training loss of each restart)``."""
    runs, train_losses = [], []
    for k in range(check_positive_int("restarts", restarts)):
        model, history = train_rnn(task, x, y, seed=np.random.default_rng([seed, k]),
                                   **kwargs)
        runs.append((model, history))
        train_losses.append(training_loss(model, x, y))
    best = int(np.argmin(train_losses))
    return runs[best][0], runs[best][1], train_losses


def training_loss(model, x, y):
    """Mean per-step binary cross-entropy of a sequence model on x (T, B, D), y (T, B)."""
    return losses.sigmoid_binary_cross_entropy(model.forward(x), y[..., None])[0]


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
    return ar.bits_from_logits(model.forward(x)[..., 0])


def rnn_exact(model, task, n_bits, n=1000, rng=None, final_only=False):
    """Solve ``n`` fresh random problems of ``n_bits`` bits: returns
    ``(exactly right, smallest |logit|)``. A problem counts if every output bit is right
    (final_only: only the last one, the parity of the whole string). The smallest |logit|
    is the margin by which the decisions are made."""
    x, y = sequences(task, check_positive_int("n", n), n_bits, rng)
    return score_rnn(model, x, y, final_only=final_only)


def score_rnn(model, x, y, final_only=False, chunk=100):
    """``(exactly right, smallest |logit|)`` of a sequence model on x, y (see rnn_exact),
    run ``chunk`` sequences at a time to bound the memory the forward pass caches."""
    exact, margin = 0, np.inf
    for i in range(0, x.shape[1], check_positive_int("chunk", chunk)):
        logits = model.forward(x[:, i:i + chunk])[..., 0]
        target = y[:, i:i + chunk]
        if final_only:
            logits, target = logits[-1:], target[-1:]
        exact += ar.exact_count(ar.bits_from_logits(logits), target)
        margin = min(margin, float(np.min(np.abs(logits))))
    return exact, margin


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
    out = {"sizes": sizes, "rnn": [], "mlp": [], "mlp_train": [], "n_test": n_test}
    for n in sizes:
        model, _, _ = train_rnn_restarts(task, xp[:, :n], yp[:, :n], restarts=restarts,
                                         seed=seed, **rnn)
        out["rnn"].append(score_rnn(model, xt, yt, final_only=task == "parity")[0])
        net, _ = train_mlp(task, xp[:, :n], yp[:, :n], seed=seed, **mlp)
        out["mlp"].append(mlp_exact(net, task, xt, yt))
        out["mlp_train"].append(mlp_exact(net, task, xp[:, :n], yp[:, :n]))
    return out


def generalisation(task, n_bits, n_train, long_bits, seeds, *, n_long=100, data_seed=0,
                   **kwargs):
    """Train one RNN per seed (:func:`train_rnn`; default ``RNN_SETTINGS[task]``) on the
    same ``n_train`` problems of ``n_bits`` bits and test each on ``n_long`` fresh problems
    of ``long_bits`` bits. Returns a list of dicts, one per seed: "seed", "train_loss",
    "exact" (every output bit right, out of n_long) and "margin" (smallest |logit|)."""
    (x, y), _ = split(task, n_train, 1, n_bits, rng=data_seed)
    settings = {**RNN_SETTINGS[_check_task(task)], **kwargs}
    rows = []
    for seed in seeds:
        model, _ = train_rnn(task, x, y, seed=seed, **settings)
        exact, margin = rnn_exact(model, task, long_bits, n=n_long, rng=seed + 1)
        rows.append({"seed": seed, "train_loss": training_loss(model, x, y),
                     "exact": exact, "margin": margin})
    return rows


# ------------------------------------------------------------------ explorers
def draw_training_run(fig, task="addition", n_bits=8, n_train=128, hidden=8,
                      nonlinearity="tanh", rnn_steps=None, mlp_steps=None, long_bits=100,
                      seed=0):
    """Train an RNN by BPTT (claim C31) and an MLP on the same ``n_train`` problems of
    ``n_bits`` bits (other settings from RNN_SETTINGS / MLP_SETTINGS); plot both loss
    curves, and the fraction of held-out problems each gets exactly right, and the RNN's
    on ``long_bits``-bit problems (which the MLP cannot take)."""
    n_bits, n_train, hidden = int(n_bits), int(n_train), int(hidden)
    width = 2 * n_bits if task == "addition" else n_bits
    total = 2**width if width <= 20 else None
    n_test = 200 if total is None else max(1, min(200, total // 4))
    if total is not None:
        n_train = min(n_train, total - n_test)
    (x, y), (xt, yt) = split(task, n_train, n_test, n_bits, rng=seed)
    rs = {**RNN_SETTINGS[task], "hidden": hidden, "nonlinearity": nonlinearity}
    ms = dict(MLP_SETTINGS[task])
    if rnn_steps is not None:
        rs["steps"] = rnn_steps
    if mlp_steps is not None:
        ms["steps"] = mlp_steps
    model, hist = train_rnn(task, x, y, seed=seed, **rs)
    mlp, mhist = train_mlp(task, x, y, seed=seed, **ms)
    final = task == "parity"
    rnn_held = score_rnn(model, xt, yt, final_only=final)[0]
    mlp_held = mlp_exact(mlp, task, xt, yt)
    long_ok = rnn_exact(model, task, long_bits, n=100, rng=seed + 1)[0]
    ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    ax.semilogy(hist["step"], hist["loss"], lw=0.8,
                label=f"RNN, H={hidden} {nonlinearity}: BPTT")
    ax.semilogy(mhist["step"], mhist["loss"], lw=0.8, label=f"MLP, {ms['hidden']} tanh units")
    ax.set(xlabel="Adam step", ylabel="training loss (BCE)",
           title=f"{task}: {n_train} training problems of {n_bits} bits")
    ax.legend(fontsize=8)
    labels = [f"RNN\n{n_bits} bits", f"MLP\n{n_bits} bits", f"RNN\n{long_bits} bits",
              f"MLP\n{long_bits} bits"]
    values = [100 * rnn_held / n_test, 100 * mlp_held / n_test, long_ok, 0]
    bars = bx.bar(labels, values, color=["C0", "C1", "C0", "0.8"])
    bx.bar_label(bars, labels=[f"{rnn_held}/{n_test}", f"{mlp_held}/{n_test}",
                               f"{long_ok}/100", "cannot take\nthe input"], fontsize=8)
    bx.set(ylim=(0, 118), ylabel="% exactly right (unseen)",
           title="parity of the whole string" if final else "every bit of the sum right")
    fig.tight_layout()


def addition_explorer(**fixed):
    """Addition: N, training-set size, hidden size and nonlinearity; "Run" trains both
    nets from scratch (a few seconds). ``fixed``: e.g. rnn_steps=, mlp_steps=, seed=."""
    return Explorer(draw_training_run,
                    {"n_bits": Slider(3, 16, 1, 8, "N (bits)"),
                     "n_train": Slider(8, 1024, 8, 128, "training examples"),
                     "hidden": Slider(2, 32, 1, 8, "RNN hidden units"),
                     "nonlinearity": Choice(("tanh", "relu"), "tanh", "RNN units")},
                    figsize=(10, 3.8), button="Run", fixed={"task": "addition", **fixed})


def parity_explorer(**fixed):
    """Parity: N, training-set size, hidden size and nonlinearity; "Run" trains both
    nets from scratch (a few seconds). ``fixed``: e.g. rnn_steps=, mlp_steps=, seed=."""
    return Explorer(draw_training_run,
                    {"n_bits": Slider(4, 20, 1, 10, "N (bits)"),
                     "n_train": Slider(8, 1024, 8, 128, "training examples"),
                     "hidden": Slider(2, 32, 1, 16, "RNN hidden units"),
                     "nonlinearity": Choice(("tanh", "relu"), "tanh", "RNN units")},
                    figsize=(10, 3.8), button="Run", fixed={"task": "parity", **fixed})
