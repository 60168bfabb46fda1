"""Tests of the LSTM/GRU notebook's experiment modules (rnnlib.experiments.*)."""

import numpy as np
import pytest

from rnnlib.cells import GRUCell, LSTMCell, RNNCell
from rnnlib.experiments import lstm_gates
from rnnlib.experiments.gradchecks import check_cell, check_model
from rnnlib.experiments.gru_conventions import lecture_from_pytorch, open_reset
from rnnlib.experiments.lstm_network import LectureLSTMNetwork
from rnnlib.experiments.memory import (
    forget_at_marks,
    gate_saturation,
    lstm_gradient_norm,
    make_layer,
    shifted_batch,
    train_first_symbol,
    train_last_marked,
    train_shifted,
    untrained_gains,
)
from rnnlib.losses import softmax_cross_entropy
from rnnlib.tasks.memory import last_marked


# ----------------------------------------------------------------- lstm_gates
@pytest.mark.parametrize("peephole", [None, "diagonal", "full"])
def test_gate_by_gate_step_equals_cell(peephole):
    rng = np.random.default_rng(0)
    cell = LSTMCell(3, 5, peephole=peephole, forget_bias=1.0, rng=1)
    x, h, c = rng.normal(size=(4, 3)), rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    (h1, c1), _ = cell.forward(x, (h, c))
    out = lstm_gates.lstm_step(cell, x, h, c)
    assert np.allclose(out["h"], h1, rtol=0, atol=1e-13)
    assert np.allclose(out["c"], c1, rtol=0, atol=1e-13)
    assert all(np.all((out[g] > 0) & (out[g] < 1)) for g in ("f", "i", "o"))


def test_gate_parameters_rows():
    cell = LSTMCell(3, 5, rng=0)
    W_x, W_h, b = lstm_gates.gate_parameters(cell, "f")
    assert W_x.shape == (5, 3) and W_h.shape == (5, 5) and b.shape == (5,)
    assert np.array_equal(W_h, cell.params["weight_hh"][5:10])


# ----------------------------------------------------------------- gradchecks
@pytest.mark.parametrize("cell", [LSTMCell(3, 4, rng=0), LSTMCell(3, 4, peephole="full", rng=0),
                                  GRUCell(3, 4, rng=0), GRUCell(3, 4, variant="lecture", rng=0),
                                  RNNCell(3, 4, rng=0)], ids=repr)
def test_check_cell_passes(cell):
    errors = check_cell(cell, rng=1)
    assert {"x", "h_prev"} <= set(errors) and set(cell.params) <= set(errors)
    assert max(errors.values()) < 1e-7


def test_check_cell_detects_a_wrong_backward():
    cell = LSTMCell(3, 4, rng=0)
    original = cell.step_backward

    def wrong(d, cache):  # drop the gradient through the forget gate's bias path
        dz, d_state = original(d, cache)
        dz[:, 4:8] *= 0.5
        return dz, d_state

    cell.step_backward = wrong
    assert max(check_cell(cell, rng=1).values()) > 1e-3


# ----------------------------------------------------------------- lecture network
def test_lecture_network_equals_layers_and_passes_gradcheck():
    net = LectureLSTMNetwork(3, 4, 2, 5, rng=0)
    x = np.random.default_rng(1).normal(size=(6, 2, 3))
    target = np.random.default_rng(2).integers(0, 5, size=(6, 2))
    model = net.as_sequence_model()
    z1, z2 = net.forward(x), model.forward(x)
    assert z1.shape == (6, 2, 5) and np.allclose(z1, z2, rtol=0, atol=1e-13)
    dx1 = net.backward(softmax_cross_entropy(z1, target)[1])
    dx2 = model.backward(softmax_cross_entropy(z2, target)[1])
    assert np.allclose(dx1, dx2, rtol=0, atol=1e-14)
    for l in range(2):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            assert np.allclose(net.grads[f"l{l + 1}.{name}"], model.grads[f"rnn.{name}_l{l}"],
                               rtol=0, atol=1e-14)
    assert np.allclose(net.grads["W_o"], model.grads["head.weight"], rtol=0, atol=1e-14)
    assert max(check_model(net, x, rng=3).values()) < 1e-7


def test_lecture_network_backward_overwrites_grads():
    net = LectureLSTMNetwork(3, 4, 1, 2, rng=0)
    x = np.random.default_rng(1).normal(size=(4, 2, 3))
    d = np.random.default_rng(2).normal(size=(4, 2, 2))
    net.forward(x)
    net.backward(d)
    first = {k: g.copy() for k, g in net.grads.items()}
    net.backward(d)
    assert all(np.array_equal(first[k], net.grads[k]) for k in first)


def test_lecture_network_bad_input():
    net = LectureLSTMNetwork(3, 4, 1, 2, rng=0)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        net.backward(np.zeros((2, 1, 2)))
    with pytest.raises(ValueError, match=r"x must have shape \('any', 'any', 3\)"):
        net.forward(np.zeros((2, 1, 4)))
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        net.forward(np.zeros((2, 1, 3), dtype=int))
    with pytest.raises(ValueError, match="num_layers must be a positive integer"):
        LectureLSTMNetwork(3, 4, 0, 2)
    net.forward(np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="dz_o must have shape"):
        net.backward(np.zeros((2, 1, 3)))


# ----------------------------------------------------------------- GRU conventions
def test_gru_conventions_agree_only_with_the_reset_open():
    torch_cell = GRUCell(5, 4, rng=4)
    lecture = lecture_from_pytorch(torch_cell)
    x = np.random.default_rng(5).normal(size=(3, 5))
    h = np.random.default_rng(6).normal(size=(3, 4))
    assert not np.allclose(torch_cell.forward(x, h)[0], lecture.forward(x, h)[0], atol=1e-3)
    open_reset(torch_cell)
    open_reset(lecture)
    assert np.allclose(torch_cell.forward(x, h)[0], lecture.forward(x, h)[0], rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match="variant 'pytorch'"):
        lecture_from_pytorch(lecture)


# ----------------------------------------------------------------- memory experiments
def test_make_layer_kinds_and_memory_bias():
    lstm = make_layer("lstm", 3, 4, forget_bias=5.0, rng=0)
    gru = make_layer("gru", 3, 4, forget_bias=5.0, rng=0)
    assert np.all(lstm.params["bias_ih_l0"][4:8] > 4)  # forget gate rows
    assert np.all(gru.params["bias_ih_l0"][4:8] > 4)  # PyTorch's z rows (keep the old state)
    assert make_layer("rnn", 3, 4).hidden_size == 4
    with pytest.raises(ValueError, match="kind must be one of"):
        make_layer("transformer", 3, 4)


def test_train_first_symbol_short_gap():
    run = train_first_symbol("lstm", 2, steps=150, seed=0, n_test=100)
    assert run.accuracy >= 0.95  # a gap of 2 is easy (chance 1/3)
    assert 20 <= len(run.history["loss"]) <= 150
    assert run.history["loss"][-1] < run.history["loss"][0]


def test_shifted_batch_targets_and_mask():
    x, target, mask = shifted_batch(5, 8, 2, 3, np.random.default_rng(0))
    assert x.shape == (8, 5, 3) and target.shape == mask.shape == (8, 5)
    assert mask[:6].all() and not mask[6:].any()
    assert np.array_equal(target[:6], x[2:].argmax(-1))


def test_train_shifted_bad_model():
    with pytest.raises(ValueError, match="unidirectional"):
        train_shifted(1, model="lecture", bidirectional=True, steps=1)
    with pytest.raises(ValueError, match="model must be"):
        train_shifted(1, model="gru", steps=1)


def test_lstm_gradient_norm_explodes_with_large_recurrent_weights():
    short, long_ = lstm_gradient_norm(10, 20.0), lstm_gradient_norm(40, 20.0)
    assert long_ > 100 * short
    assert lstm_gradient_norm(40, 1.0) < 10 * lstm_gradient_norm(10, 1.0)


def test_gate_saturation_and_forget_at_marks_on_an_untrained_lstm():
    run = train_last_marked(steps=1, n_test=10)
    x, _, marks = last_marked(20, 12, rng=0)
    assert 0.0 <= gate_saturation(run.model, x) <= 1.0
    unit, f_marked, f_held, forget = forget_at_marks(run.model, x, marks)
    assert forget.shape == (12, 20, 16) and 0 <= unit < 16
    assert 0 < f_marked < 1 and 0 < f_held < 1


def test_untrained_gains_carousel_survives_only_with_open_forget_gates():
    lag, open_, rnn = untrained_gains(5.0, gap=30)
    _, half, _ = untrained_gains(0.0, gap=30)
    T = 30 + 2  # first symbol, 30 distractors, query
    assert lag[0] == T and lag[-1] == 0 and open_.shape == (T + 1, 16) and rnn.shape == (T + 1,)
    np.testing.assert_array_equal(open_[-1], 1.0)  # lag 0: the empty product
    assert open_[0].min() > 0.5  # sigma(5)^32 ~ 0.8
    assert half[0].max() < 1e-5 and rnn[0] < 1e-5  # gates near 1/2: vanishes like the RNN


def _marked_model(hidden=4):
    """An untrained last-marked model whose weights are all zero (every gate 1/2)."""
    run = train_last_marked(steps=1, n_test=10, hidden=hidden)
    for p in run.model.params.values():
        p[...] = 0.0
    return run.model


def test_gate_saturation_counts_gates_within_1e3_of_0_or_1():
    model = _marked_model()
    x, _, _ = last_marked(5, 12, rng=0)
    assert gate_saturation(model, x) == 0.0  # every gate exactly 1/2
    model.params["rnn.bias_ih_l0"][...] = 50.0  # every gate sigma(50) = 1
    assert gate_saturation(model, x) == 1.0


def test_forget_at_marks_finds_the_unit_whose_forget_gate_the_mark_closes():
    model = _marked_model(hidden=4)
    H, mark_channel = 4, 3  # 3 symbols, then the mark
    model.params["rnn.weight_ih_l0"][H + 2, mark_channel] = -20.0  # forget row of unit 2
    x, _, marks = last_marked(50, 20, rng=1)
    unit, f_marked, f_held, forget = forget_at_marks(model, x, marks)
    assert unit == 2 and f_marked < 1e-8 and abs(f_held - 0.5) < 1e-12
    np.testing.assert_allclose(forget[~marks][:, 2], 0.5)


def test_forget_at_marks_reports_a_given_unit():
    model = _marked_model(hidden=4)
    H, mark_channel = 4, 3
    model.params["rnn.weight_ih_l0"][H + 2, mark_channel] = -20.0  # unit 2 closes at marks
    x, _, marks = last_marked(50, 20, rng=1)
    unit, f_marked, f_held, _ = forget_at_marks(model, x, marks, unit=0)
    assert unit == 0 and abs(f_marked - 0.5) < 1e-12 and abs(f_held - 0.5) < 1e-12
    assert forget_at_marks(model, x, marks, unit=2)[:3] == forget_at_marks(model, x, marks)[:3]


@pytest.mark.parametrize("peephole", [None, "diagonal", "full"])
def test_cell_state_influence_candidate_never_sees_c_prev(peephole):
    rng = np.random.default_rng(4)
    cell = LSTMCell(5, 4, peephole=peephole, rng=2)
    x, h, c = rng.normal(size=(3, 5)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    moved = lstm_gates.cell_state_influence(cell, x, h, c)
    assert set(moved) == {"input", "forget", "cell", "output"}
    assert moved["cell"] == 0.0
    if peephole is None:
        assert max(moved.values()) == 0.0
    else:
        assert min(moved["input"], moved["forget"], moved["output"]) > 1e-3


def test_cell_state_influence_detects_a_candidate_that_sees_c_prev():
    # A cell whose candidate did read C_{t-1} must be caught: patch the step to add C_{t-1}.
    cell = LSTMCell(5, 4, peephole="full", rng=2)
    step = cell.step

    def leaky_step(xp, state):
        xp = xp.copy()
        xp[:, 8:12] += state[1]  # z_c += C_{t-1}
        return step(xp, state)

    cell.step = leaky_step
    rng = np.random.default_rng(4)
    x, h, c = rng.normal(size=(3, 5)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    assert abs(lstm_gates.cell_state_influence(cell, x, h, c)["cell"] - 1.0) < 1e-12
