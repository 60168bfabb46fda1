"""Explorers of the LSTM/GRU notebook (04): long-term memory (claim C21), the constant
error carousel (C22), and the gates of a trained LSTM. Each ``draw_*`` function draws on
the figure it is given; each ``*_explorer`` returns the :class:`rnnlib.widgets.Explorer`."""

import inspect

import numpy as np

from rnnlib.experiments import memory
from rnnlib.experiments.memory import (
    KINDS,
    train_first_symbol,
    train_last_marked,
    untrained_gains,
)
from rnnlib.tasks.memory import last_marked
from rnnlib.train import predict
from rnnlib.widgets import (
    Choice,
    Explorer,
    Refresh,
    Slider,
    autoscale,
    refresh_keeping,
    tight_layout,
)


def draw_memory_run(fig, gap=20, kind="lstm", seed=0, steps=400):
    """Train ``kind`` on "remember the first symbol" across ``gap`` distractors; plot the
    training loss and report the held-out accuracy (claim C21)."""
    run = train_first_symbol(kind, int(gap), seed=int(seed), steps=int(steps))
    ax = fig.subplots()
    ax.semilogy(run.history["step"], run.history["loss"], lw=1)
    ax.axhline(np.log(run.task["n_symbols"]), color="0.6", ls="--", lw=1,
               label="chance (log K)")
    ax.set(xlabel="training step", ylabel="cross-entropy",
           title=f"{kind.upper()}, gap {gap}: held-out accuracy {run.accuracy:.2f} "
                 f"(chance {1 / run.task['n_symbols']:.2f})")
    ax.legend(loc="lower left")


def memory_explorer(**fixed):
    """Pick a gap and a network, click Run: a training run of a few seconds."""
    return Explorer(draw_memory_run,
                    {"gap": Slider(1, 60, 1, 20), "kind": Choice(KINDS, "lstm"),
                     "seed": Slider(0, 9, 1, 0)},
                    figsize=(8, 3.2), button="Run", fixed=fixed)


def draw_carousel(fig, forget_bias=2.0, recurrent_scale=1.0, gap=40, seed=0, hidden=16):
    """Untrained LSTM vs vanilla RNN on one first-symbol sequence: the carousel gain
    prod f_k per unit and the RNN's ||dh_T/dh_t||, against the lag T - t (claim C22;
    :func:`rnnlib.experiments.memory.untrained_gains`, ``hidden`` units each). Returns the
    explorer's ``refresh``: new curves on the same axes, which are drawn once."""
    ax = fig.subplots()
    units = ax.semilogy(np.zeros((0, hidden)), color="tab:orange", lw=0.6, alpha=0.5)
    largest = ax.semilogy([], [], color="tab:orange", lw=2,
                          label=r"LSTM: $f_{t+1}\cdots f_T$ (thin: each unit; thick: largest)")[0]
    rnn_gain = ax.semilogy([], [], color="tab:blue", lw=2,
                           label=r"RNN: $\|\partial h_T / \partial h_t\|$")[0]
    ax.set(xlabel="lag T - t", ylabel="gradient gain", ylim=(1e-12, 1e4))
    legend = ax.legend(loc="upper right", fontsize=8)

    def show(forget_bias, recurrent_scale):
        lag, prod, rnn_norms = untrained_gains(forget_bias, recurrent_scale, gap=int(gap),
                                               hidden=hidden, seed=int(seed))
        for line, gains in zip(units, prod.T, strict=True):
            line.set_data(lag, gains)
        largest.set_data(lag, prod.max(axis=1))
        rnn_gain.set_data(lag, rnn_norms)
        ax.set_title(f"untrained, forget bias {forget_bias:.1f}, "
                     f"recurrent weights x {recurrent_scale:.2g}")

    show(forget_bias, recurrent_scale)
    autoscale(ax)  # the lags: the x-axis, which a move keeps
    ax.set_ylim(1e-12, 1e4)
    tight_layout(fig)
    # the axes are drawn once; a move draws the curves, then what covers them (the
    # spines, the legend), and the title
    # (another gap, seed or size: other lags or units, drawn anew)
    return Refresh(refresh_keeping(show, gap=gap, seed=seed, hidden=hidden),
                   moving=(*units, largest, rnn_gain, *ax.spines.values(), legend, ax.title))


def carousel_explorer():
    """Forget-gate bias and recurrent weight scale of untrained networks."""
    return Explorer(draw_carousel,
                    {"forget_bias": Slider(-2.0, 8.0, 0.5, 2.0),
                     "recurrent_scale": Slider(0.0, 4.0, 0.25, 1.0)},
                    figsize=(8, 3.4))


def draw_marked_gates(fig, gate="forget", length=30, n_marks=3, seed=0, steps=400,
                      trained=()):
    """Train an LSTM on "name the last marked symbol" and show one gate of every unit over
    time for one fresh sequence, the marks dotted. ``trained``: runs of
    :func:`~rnnlib.experiments.memory.train_last_marked` the notebook already has; one
    trained with exactly these settings is shown instead of training it again."""
    wanted = dict(length=int(length), n_marks=int(n_marks), seed=int(seed), steps=int(steps))
    defaults = {name: p.default for name, p in
                inspect.signature(memory.train_last_marked).parameters.items()}
    same = [r for r in trained if r.settings == {**defaults, **wanted}]
    run = same[0] if same else train_last_marked(**wanted)
    x, y, marks = last_marked(1, int(length), rng=np.random.default_rng([int(seed), 2]),
                              **run.task)
    predict(run.model, x)
    values = run.model.recurrent.internals[0, 0][gate][:, 0]  # (T, H)
    ax = fig.subplots()
    im = ax.imshow(values.T, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax, label=f"{gate} gate")
    for t in np.flatnonzero(marks[:, 0]):
        ax.axvline(t, color="w", ls=":", lw=1.2)
    ax.set(xlabel="t (dotted: marks)", ylabel="unit",
           title=f"{gate} gates; answer {y[0]}; held-out accuracy {run.accuracy:.2f}")


def gates_explorer(**fixed):
    """Pick a gate, the sequence length and the number of marks, click Run (a few seconds).
    ``fixed``: e.g. ``trained=[run]``, a run the notebook has trained (see
    :func:`draw_marked_gates`)."""
    return Explorer(draw_marked_gates,
                    {"gate": Choice(("forget", "input", "output")),
                     "length": Slider(10, 60, 5, 30), "n_marks": Slider(1, 5, 1, 3),
                     "seed": Slider(0, 9, 1, 0)},
                    figsize=(8, 3.4), button="Run", fixed=fixed)
