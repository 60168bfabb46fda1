"""Long-term memory experiments for the LSTM/GRU notebook (claims C21, C22, C26, C27).

Every run is seeded and small enough to finish in about a second in NumPy.
"""

from dataclasses import dataclass

import numpy as np

from rnnlib import layers
from rnnlib.dense import Dense
from rnnlib.optim import Adam
from rnnlib.tasks.memory import first_symbol
from rnnlib.train import SequenceModel, accuracy, fit, predict

KINDS = ("rnn", "lstm", "gru")


def make_layer(kind, input_size, hidden_size, *, num_layers=1, bidirectional=False,
               forget_bias=0.0, rng=None):
    """A recurrent layer of the given ``kind``: "rnn" (tanh), "lstm" (with ``forget_bias``
    added to the forget gate's bias) or "gru" (PyTorch's variant)."""
    common = dict(num_layers=num_layers, bidirectional=bidirectional, rng=rng)
    if kind == "rnn":
        return layers.RNN(input_size, hidden_size, **common)
    if kind == "lstm":
        return layers.LSTM(input_size, hidden_size, forget_bias=forget_bias, **common)
    if kind == "gru":
        layer = layers.GRU(input_size, hidden_size, **common)
        for (_, _), cell in layer.cells.items():  # z_t = fraction of the old state kept
            cell.params["bias_ih"][hidden_size:2 * hidden_size] += forget_bias
        return layer
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


@dataclass
class MemoryRun:
    """One training run on :func:`rnnlib.tasks.memory.first_symbol`."""

    kind: str
    gap: int
    accuracy: float  # on a held-out batch
    history: dict  # from rnnlib.train.fit
    model: SequenceModel
    task: dict  # first_symbol's keyword arguments (n_symbols, n_distractors)


def train_first_symbol(kind, gap, *, hidden=16, steps=400, batch=32, lr=0.01, clip_norm=1.0,
                       n_symbols=3, n_distractors=4, forget_bias=5.0, seed=0, n_test=500,
                       stop_loss=0.005):
    """Train a ``kind`` layer + Dense readout at the last step to name the first symbol
    after ``gap`` distractors (Adam, gradient norm clipped at ``clip_norm``).

    ``forget_bias`` is added to the LSTM's forget-gate bias and to the GRU's update-gate
    bias (PyTorch's z_t, the fraction of the old state kept): gates that start near
    sigma(5) = 0.993 keep the memory, and let the gradient reach step 0, from the start.
    Training stops early once the mean loss of the last 20 steps is below ``stop_loss``.
    Returns a :class:`MemoryRun` with the accuracy on ``n_test`` fresh sequences.
    """
    gen = np.random.default_rng(seed)
    task = dict(n_symbols=n_symbols, n_distractors=n_distractors)
    rnn = make_layer(kind, n_symbols + n_distractors + 1, hidden, forget_bias=forget_bias,
                     rng=gen)
    model = SequenceModel(rnn, Dense(hidden, n_symbols, rng=gen), output="last")
    history = fit(model, "cross_entropy", lambda r: first_symbol(batch, gap, rng=r, **task),
                  Adam(lr), steps=steps, clip_norm=clip_norm, rng=gen,
                  callback=lambda step, _, h: step >= 20 and np.mean(h["loss"][-20:]) < stop_loss)
    x, y = first_symbol(n_test, gap, rng=np.random.default_rng([seed, 1]), **task)
    return MemoryRun(kind, gap, accuracy(predict(model, x), y), history, model, task)


def gap_sweep(gaps, kinds=KINDS, *, seed=0, **kwargs):
    """:func:`train_first_symbol` for every kind at every gap: {(kind, gap): MemoryRun}."""
    return {(kind, gap): train_first_symbol(kind, gap, seed=seed, **kwargs)
            for kind in kinds for gap in gaps}
