"""Long-term memory experiments for the LSTM/GRU notebook (claims C21, C22, C26, C27).

- :func:`train_first_symbol`, :func:`gap_sweep`: RNN vs LSTM vs GRU on "remember the first
  symbol" across a gap of distractors (C21);
- :func:`untrained_gains`: the carousel's product of forget gates against the RNN's
  product of Jacobians, in untrained networks (C22);
- :func:`train_shifted`: name the symbol ``shift`` steps away at every step, with a
  unidirectional or bidirectional LSTM, or the lecture's L-layer network (C27, C28);
- :func:`lstm_gradient_norm`, :func:`gate_saturation`: exploding gradients with large
  recurrent weights, and the saturated gates of a network that stepped off a cliff (C26;
  the clipping sweep is :mod:`rnnlib.experiments.clipping`);
- :func:`train_last_marked`, :func:`forget_at_marks`: what a trained forget gate does.

Every run is seeded (``seed``; held-out data from ``default_rng([seed, 1])``) and small
enough to finish in about a second in NumPy.
"""

from dataclasses import dataclass, field

import numpy as np

from rnnlib import layers
from rnnlib.dense import Dense
from rnnlib.experiments.lstm_network import LectureLSTMNetwork
from rnnlib.flow import forget_gate_product, gradient_flow
from rnnlib.losses import softmax_cross_entropy
from rnnlib.optim import Adam, global_norm
from rnnlib.tasks.memory import first_symbol, last_marked, shifted_symbol
from rnnlib.train import SequenceModel, accuracy, fit, predict

KINDS = ("rnn", "lstm", "gru")


def make_layer(kind, input_size, hidden_size, *, num_layers=1, bidirectional=False,
               forget_bias=0.0, rng=None):
    """A recurrent layer of the given ``kind``: "rnn" (tanh), "lstm" (with ``forget_bias``
    added to the forget gate's bias) or "gru" (PyTorch's variant, ``forget_bias`` added to
    its update gate's bias: ``update_bias``, the share of the old state kept)."""
    common = dict(num_layers=num_layers, bidirectional=bidirectional, rng=rng)
    if kind == "rnn":
        return layers.RNN(input_size, hidden_size, **common)
    if kind == "lstm":
        return layers.LSTM(input_size, hidden_size, forget_bias=forget_bias, **common)
    if kind == "gru":  # PyTorch's z_t is the fraction of the old state kept
        return layers.GRU(input_size, hidden_size, update_bias=forget_bias, **common)
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


def untrained_gains(forget_bias, recurrent_scale=1.0, *, gap=40, hidden=16, seed=0):
    """The backward gains of an untrained LSTM and an untrained tanh RNN (both ``hidden``
    units, PyTorch's initialisation, recurrent weights times ``recurrent_scale``, the LSTM's
    forget-gate bias raised by ``forget_bias``) along one first-symbol sequence with
    ``gap`` distractors (claim C22).

    Returns ``(lag, carousel, rnn)``: the lags T - t (T+1,), the carousel gain
    f_{t+1} ... f_T of every unit (T+1, H) (:func:`rnnlib.flow.forget_gate_product`) and
    the RNN's ||dh_T/dh_t|| (T+1,) (:func:`rnnlib.flow.gradient_flow`)."""
    x, _ = first_symbol(1, gap, n_symbols=3, n_distractors=4, rng=seed)
    x = x[:, 0]
    lstm = layers.LSTM(x.shape[1], hidden, forget_bias=forget_bias, rng=seed)
    rnn = layers.RNN(x.shape[1], hidden, rng=seed)
    for layer in (lstm, rnn):
        layer.params["weight_hh_l0"][...] *= recurrent_scale
    carousel = forget_gate_product(lstm, x)
    lag = carousel.shape[0] - 1 - np.arange(carousel.shape[0])
    return lag, carousel, gradient_flow(rnn, x).h_norms


def shifted_batch(batch, length, shift, n_symbols, rng):
    """A :func:`rnnlib.tasks.memory.shifted_symbol` batch for :func:`rnnlib.train.fit`:
    (x, target (T, B), mask (T, B)), the target defined where ``mask`` is True."""
    x, y, steps = shifted_symbol(batch, length, shift, n_symbols=n_symbols, rng=rng)
    target = np.zeros(x.shape[:2], dtype=np.int64)
    mask = np.zeros(x.shape[:2], dtype=bool)
    target[steps], mask[steps] = y, True
    return x, target, mask


@dataclass
class ShiftRun:
    """One training run on :func:`rnnlib.tasks.memory.shifted_symbol`."""

    shift: int
    bidirectional: bool
    accuracy: float  # per step, on a held-out batch
    history: dict
    model: object


def train_shifted(shift, *, bidirectional=False, model="lstm", hidden=12, length=12, steps=300,
                  batch=32, lr=0.02, n_symbols=4, num_layers=1, seed=0, n_test=300):
    """Train a recurrent layer (+ Dense at every step) to output, at each step t, the symbol
    at step t + ``shift``. ``model`` is "lstm", or "lecture" for the lecture's own network
    (:class:`rnnlib.experiments.lstm_network.LectureLSTMNetwork`, unidirectional).
    Returns a :class:`ShiftRun` with the per-step accuracy on ``n_test`` fresh sequences."""
    gen = np.random.default_rng(seed)
    if model == "lecture":
        if bidirectional:
            raise ValueError("the lecture's LSTM network is unidirectional")
        net = LectureLSTMNetwork(n_symbols, hidden, num_layers, n_symbols, rng=gen)
    elif model == "lstm":
        rnn = layers.LSTM(n_symbols, hidden, num_layers, bidirectional=bidirectional, rng=gen)
        net = SequenceModel(rnn, Dense(hidden * rnn.num_directions, n_symbols, rng=gen),
                            output="all")
    else:
        raise ValueError(f"model must be 'lstm' or 'lecture', got {model!r}")
    history = fit(net, "cross_entropy",
                  lambda r: shifted_batch(batch, length, shift, n_symbols, r),
                  Adam(lr), steps=steps, clip_norm=1.0, rng=gen)
    x, target, mask = shifted_batch(n_test, length, shift, n_symbols,
                                    np.random.default_rng([seed, 1]))
    return ShiftRun(shift, bidirectional, accuracy(predict(net, x), target, mask), history, net)


def scaled_lstm_model(scale, hidden, n_symbols, gen):
    """LSTM(n_symbols, hidden) with ``weight_hh`` x ``scale`` and a Dense read-out at every
    step, both initialised from ``gen`` (C26: large recurrent weights)."""
    rnn = layers.LSTM(n_symbols, hidden, rng=gen)
    rnn.params["weight_hh_l0"][...] *= scale  # large recurrent weights
    return SequenceModel(rnn, Dense(hidden, n_symbols, rng=gen), output="all")


def lstm_gradient_norm(length, scale, *, hidden=16, n_symbols=4, batch=32, seed=0):
    """Global norm of the loss gradient (all parameters) of a fresh LSTM whose recurrent
    weights ``weight_hh`` are multiplied by ``scale``, on one batch of the delay-1 task
    (:func:`shifted_batch` with shift -1) of the given ``length`` (claim C26)."""
    gen = np.random.default_rng(seed)
    model = scaled_lstm_model(scale, hidden, n_symbols, gen)
    x, target, mask = shifted_batch(batch, length, -1, n_symbols, gen)
    _, dy = softmax_cross_entropy(model.forward(x), target, mask)
    model.backward(dy)
    return global_norm(model.grads)


def gate_saturation(model, x):
    """Fraction of the LSTM's sigmoid gate values (input, forget, output; all steps, units
    and sequences of ``x``) within 1e-3 of 0 or 1: saturated gates pass no gradient."""
    predict(model, x)
    inside = model.recurrent.internals[0, 0]
    values = np.concatenate([inside[g].ravel() for g in ("input", "forget", "output")])
    return float(np.mean((values < 1e-3) | (values > 1 - 1e-3)))


@dataclass
class MarkedRun:
    """One training run on :func:`rnnlib.tasks.memory.last_marked`."""

    accuracy: float
    history: dict
    model: SequenceModel
    task: dict
    settings: dict = field(default_factory=dict)  # train_last_marked's arguments, all of them


def train_last_marked(*, length=30, n_marks=3, n_symbols=3, hidden=16, steps=400, batch=32,
                      lr=0.01, forget_bias=2.0, seed=0, n_test=300):
    """Train an LSTM (+ Dense at the last step) to name the most recently marked symbol.
    Returns a :class:`MarkedRun` with the accuracy on ``n_test`` fresh sequences."""
    gen = np.random.default_rng(seed)
    task = dict(n_symbols=n_symbols, n_marks=n_marks)
    rnn = layers.LSTM(n_symbols + 1, hidden, forget_bias=forget_bias, rng=gen)
    model = SequenceModel(rnn, Dense(hidden, n_symbols, rng=gen), output="last")
    history = fit(model, "cross_entropy", lambda r: last_marked(batch, length, rng=r, **task)[:2],
                  Adam(lr), steps=steps, clip_norm=1.0, rng=gen)
    x, y, _ = last_marked(n_test, length, rng=np.random.default_rng([seed, 1]), **task)
    settings = dict(length=length, n_marks=n_marks, n_symbols=n_symbols, hidden=hidden,
                    steps=steps, batch=batch, lr=lr, forget_bias=forget_bias, seed=seed,
                    n_test=n_test)
    return MarkedRun(accuracy(predict(model, x), y), history, model, task, settings)


def forget_at_marks(model, x, marks, unit=None):
    """Forget gates of a trained LSTM around the marks of :func:`last_marked`.

    Runs ``model`` on ``x``; for each unit takes the mean forget gate at the marked steps
    (f_t at a mark decides how much of the OLD memory C_{t-1} survives) and at the
    unmarked steps after the first mark (while a symbol is held). Returns
    (unit, f_marked, f_held, forget) for the unit with the largest difference (or for the
    given ``unit``, e.g. one picked on another batch), and the forget gates (T, B, H)."""
    predict(model, x)
    forget = model.recurrent.internals[0, 0]["forget"]
    holding = (np.cumsum(marks, axis=0) > 0) & ~marks
    f_marked, f_held = forget[marks].mean(axis=0), forget[holding].mean(axis=0)
    unit = int(np.argmax(f_held - f_marked)) if unit is None else int(unit)
    return unit, float(f_marked[unit]), float(f_held[unit]), forget
