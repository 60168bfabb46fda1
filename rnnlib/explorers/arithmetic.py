"""Explorers of the addition and parity notebook (05, claims C29-C31).

Each click on "Run" trains an RNN by BPTT and an MLP from scratch on the same examples
(:func:`rnnlib.experiments.arithmetic.compare`, a few seconds) and draws both loss curves
and how many unseen problems each gets exactly right.
"""

from rnnlib.experiments.arithmetic import compare
from rnnlib.widgets import Choice, Explorer, Slider


def draw_training_run(fig, task="addition", n_bits=8, n_train=128, hidden=8,
                      nonlinearity="tanh", rnn_steps=None, mlp_steps=None, long_bits=100,
                      seed=0):
    """Plot one :func:`~rnnlib.experiments.arithmetic.compare` run: the training
    divergence of both nets against the Adam step (left) and the share of unseen problems
    each gets exactly right, with the RNN's on ``long_bits``-bit problems (right; the MLP
    cannot take them)."""
    run = compare(task, int(n_bits), int(n_train), hidden=int(hidden),
                  nonlinearity=nonlinearity, rnn_steps=rnn_steps, mlp_steps=mlp_steps,
                  long_bits=long_bits, seed=seed)
    n_test, hist, mhist = run["n_test"], run["rnn_history"], run["mlp_history"]
    ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    ax.semilogy(hist["step"], hist["loss"], lw=0.8,
                label=f"RNN, {int(hidden)} {nonlinearity} units: BPTT")
    ax.semilogy(mhist["step"], mhist["loss"], lw=0.8,
                label=f"MLP, {run['mlp_settings']['hidden']} tanh units")
    ax.set(xlabel="Adam step", ylabel="training divergence (BCE)",
           title=f"{task}: {run['n_train']} training problems of {int(n_bits)} bits")
    ax.legend(fontsize=8)
    long_rnn = (f"RNN\n{long_bits} bits,\nevery step" if task == "parity" else
                f"RNN\n{long_bits} bits")  # the running parity right at every step
    labels = [f"RNN\n{int(n_bits)} bits", f"MLP\n{int(n_bits)} bits", long_rnn,
              f"MLP\n{long_bits} bits"]
    values = [100 * run["rnn_held"] / n_test, 100 * run["mlp_held"] / n_test,
              run["rnn_long"], 0]
    bars = bx.bar(labels, values, color=["C0", "C1", "C0", "0.8"])
    bx.bar_label(bars, labels=[f"{run['rnn_held']}/{n_test}", f"{run['mlp_held']}/{n_test}",
                               f"{run['rnn_long']}/100", "cannot take\nthe input"],
                 fontsize=8)
    whole = "parity of the whole string" if task == "parity" else "every bit of the sum"
    bx.set(ylim=(0, 118), ylabel="% of unseen problems exactly right",
           title=f"unseen problems ({whole})")
    fig.tight_layout()


def _explorer(task, bits, hidden, fixed):
    return Explorer(draw_training_run,
                    {"n_bits": Slider(*bits, 1, 8 if task == "addition" else 10, "N (bits)"),
                     "n_train": Slider(8, 1024, 8, 128, "training examples"),
                     "hidden": Slider(2, 32, 1, hidden, "RNN hidden units"),
                     "nonlinearity": Choice(("tanh", "relu"), "tanh", "RNN units")},
                    figsize=(10, 3.8), button="Run", fixed={"task": task, **fixed})


def addition_explorer(**fixed):
    """Addition: N (3..16), training-set size, RNN hidden size and nonlinearity; "Run"
    trains both nets from scratch. ``fixed``: e.g. rnn_steps=, mlp_steps=, seed=."""
    return _explorer("addition", (3, 16), 8, fixed)


def parity_explorer(**fixed):
    """Parity: N (4..20), training-set size, RNN hidden size and nonlinearity; "Run"
    trains both nets from scratch. ``fixed``: e.g. rnn_steps=, mlp_steps=, seed=."""
    return _explorer("parity", (4, 20), 16, fixed)
