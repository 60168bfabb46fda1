import numpy as np
import pytest

from rnnlib.dense import MLP, Dense
from rnnlib.gradcheck import check_gradients
from rnnlib.layers import GRU, LSTM, RNN
from rnnlib.losses import mean_squared_error, softmax_cross_entropy
from rnnlib.optim import SGD, Adam
from rnnlib.train import (
    SequenceModel,
    TrainingDiverged,
    accuracy,
    evaluate,
    fit,
    lengths_to_mask,
    predict,
)

T, B, D, H, C = 5, 3, 2, 4, 3
LENGTHS = np.array([5, 2, 3])


def _model(output, bidirectional=False, num_layers=1):
    dirs = 2 if bidirectional else 1
    rnn = RNN(D, H, num_layers, bidirectional=bidirectional, rng=0)
    return SequenceModel(rnn, Dense(H * dirs, C, rng=1), output=output)


def _gradcheck_model(model, x, target, mask, lengths, eps=1e-6):
    def loss():
        return softmax_cross_entropy(model.forward(x, lengths=lengths), target, mask)[0]

    _, dlogits = softmax_cross_entropy(model.forward(x, lengths=lengths), target, mask)
    dx = model.backward(dlogits)
    analytic = {**{k: g.copy() for k, g in model.grads.items()}, "x": dx}
    errs = check_gradients(loss, {**model.params, "x": x}, analytic, eps=eps)
    return max(errs.values())


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_sequence_model_all_gradcheck(bidirectional, lengths):
    rng = np.random.default_rng(2)
    model = _model("all", bidirectional)
    x = rng.standard_normal((T, B, D))
    target = rng.integers(0, C, size=(T, B))
    mask = None if lengths is None else lengths_to_mask(lengths, T)
    assert _gradcheck_model(model, x, target, mask, lengths) < 1e-7


@pytest.mark.parametrize(("bidirectional", "num_layers"), [(False, 1), (True, 1), (True, 2)])
@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_sequence_model_last_gradcheck(bidirectional, num_layers, lengths):
    rng = np.random.default_rng(3)
    model = _model("last", bidirectional, num_layers)
    x = rng.standard_normal((T, B, D))
    target = rng.integers(0, C, size=B)
    assert _gradcheck_model(model, x, target, None, lengths) < 1e-7


@pytest.mark.parametrize("output", ["all", "last"])
@pytest.mark.parametrize("head", ["dense", "mlp"])
def test_sequence_model_with_lstm_gradcheck(output, head):
    rng = np.random.default_rng(8)
    head_layer = Dense(2 * H, C, rng=1) if head == "dense" else MLP([2 * H, 3, C], "tanh", rng=1)
    model = SequenceModel(LSTM(D, H, bidirectional=True, rng=0), head_layer, output=output)
    assert "rnn.weight_hh_l0_reverse" in model.params
    assert ("head.weight" if head == "dense" else "head.layers.1.bias") in model.params
    x = rng.standard_normal((T, B, D))
    if output == "all":
        target, mask = rng.integers(0, C, size=(T, B)), lengths_to_mask(LENGTHS, T)
    else:
        target, mask = rng.integers(0, C, size=B), None
    # With the tanh MLP head the LSTM's gradients are ~1e-3 while the loss is ~1: the
    # finite differences are then round-off dominated at eps=1e-6 (error ~2e-7, falling
    # tenfold at eps=1e-5), so that case uses eps=1e-5.
    eps = 1e-6 if head == "dense" else 1e-5
    assert _gradcheck_model(model, x, target, mask, LENGTHS, eps) < 1e-7


@pytest.mark.parametrize("output", ["all", "last"])
def test_sequence_model_with_gru_gradcheck(output):
    rng = np.random.default_rng(9)
    model = SequenceModel(GRU(D, H, num_layers=2, rng=0), Dense(H, C, rng=1), output=output)
    x = rng.standard_normal((T, B, D))
    if output == "all":
        target, mask = rng.integers(0, C, size=(T, B)), lengths_to_mask(LENGTHS, T)
    else:
        target, mask = rng.integers(0, C, size=B), None
    assert _gradcheck_model(model, x, target, mask, LENGTHS) < 1e-7


@pytest.mark.parametrize("bidirectional", [False, True])
def test_last_output_is_the_final_state_of_each_direction(bidirectional):
    dirs = 2 if bidirectional else 1
    rnn = RNN(D, H, bidirectional=bidirectional, rng=0)
    head = Dense(H * dirs, H * dirs)
    head.params["weight"][...] = np.eye(H * dirs)
    head.params["bias"][...] = 0
    model = SequenceModel(rnn, head, output="last")
    x = np.random.default_rng(4).standard_normal((T, B, D))
    features = model.forward(x, lengths=LENGTHS)
    _, h_n = RNN(D, H, bidirectional=bidirectional, rng=0).forward(x, lengths=LENGTHS)
    # PyTorch idiom: torch.cat((h_n[-2], h_n[-1]), dim=1) for the top layer's two directions
    expected = np.concatenate([h_n[-2], h_n[-1]], axis=1) if bidirectional else h_n[-1]
    np.testing.assert_allclose(features, expected)


def test_sequence_model_keys_state_dict_and_truncate():
    model = _model("all")
    assert "rnn.weight_ih_l0" in model.params and "head.weight" in model.params
    assert model.params["rnn.weight_hh_l0"] is model.recurrent.params["weight_hh_l0"]
    assert set(model.grads) == set(model.params)
    other = _model("all")
    for v in other.params.values():
        v[...] = 0
    other.load_state_dict(model.state_dict())
    x = np.random.default_rng(5).standard_normal((T, B, D))
    np.testing.assert_array_equal(other.forward(x), model.forward(x))
    with pytest.raises(KeyError, match=r"missing \['rnn.weight_hh_l0'\]"):
        other.load_state_dict({k: v for k, v in model.state_dict().items()
                               if k != "rnn.weight_hh_l0"})
    # truncate is passed on to the recurrent layer's backward
    d = np.random.default_rng(6).standard_normal((T, B, C))
    model.forward(x)
    model.backward(d, truncate=1)
    truncated = model.grads["rnn.weight_hh_l0"].copy()
    d_out = model.head.backward(d)
    model.recurrent.backward(d_out, truncate=1)
    np.testing.assert_allclose(truncated, model.recurrent.grads["weight_hh_l0"])
    model.backward(d)
    assert not np.allclose(truncated, model.grads["rnn.weight_hh_l0"])
    with pytest.raises(ValueError, match="output must be 'all' or 'last'"):
        SequenceModel(model.recurrent, model.head, output="first")


def _delay_batch(rng, T=8, B=16):
    """Output at step t the input bit of step t - 1 (0 at t = 0)."""
    bits = rng.integers(0, 2, size=(T, B))
    y = np.zeros((T, B, 1))
    y[1:, :, 0] = bits[:-1]
    return bits[:, :, None].astype(float), y


def test_fit_learns_a_delay_with_an_rnn():
    model = SequenceModel(RNN(1, 8, rng=0), Dense(8, 1, rng=1))
    history = fit(model, "bce", _delay_batch, Adam(0.05), steps=60, rng=0)
    assert history["step"] == list(range(1, 61))
    assert len(history["loss"]) == len(history["grad_norm"]) == 60
    assert history["loss"][0] > 0.6  # chance level is log 2 = 0.69
    assert np.mean(history["loss"][-5:]) < 0.05
    result = evaluate(model, "bce", _delay_batch(np.random.default_rng(1)))
    assert result["accuracy"] == 1.0 and result["sequence_accuracy"] == 1.0
    # seeded: the same run gives the same history
    again = fit(SequenceModel(RNN(1, 8, rng=0), Dense(8, 1, rng=1)), "bce", _delay_batch,
                Adam(0.05), steps=60, rng=0)
    assert again["loss"] == history["loss"]


def test_fit_with_lengths_and_last_output():
    def batch(rng):
        x = rng.standard_normal((6, 32, 1))
        lengths = rng.integers(1, 7, size=32)
        total = (x[..., 0] * lengths_to_mask(lengths, 6)).sum(0)
        return x, (total > 0).astype(np.int64), None, lengths

    model = SequenceModel(RNN(1, 8, rng=0), Dense(8, 2, rng=1), output="last")
    history = fit(model, softmax_cross_entropy, batch, Adam(0.03), steps=100, rng=0)
    assert history["loss"][0] > 0.6
    assert np.mean(history["loss"][-10:]) < 0.3
    assert evaluate(model, "cross_entropy", batch(np.random.default_rng(7)))["accuracy"] > 0.85


def test_fit_trains_an_mlp_over_epochs_of_a_list():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)  # XOR of the signs
    batches = [(x[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16)]
    model = MLP([2, 16, 2], "tanh", rng=1)
    history = fit(model, "cross_entropy", batches, Adam(0.05), epochs=50)
    assert len(history["loss"]) == 200
    assert np.mean(history["loss"][:4]) > 0.6 and np.mean(history["loss"][-4:]) < 0.1
    assert accuracy(predict(model, x), y) > 0.95
    h = fit(model, "cross_entropy", batches, Adam(0.05), steps=6)  # cycles over the list
    assert h["step"] == [1, 2, 3, 4, 5, 6]


def test_fit_clipping_log_and_callback(capsys):
    model = MLP([3, 2], "identity", rng=0)
    x, y = np.ones((4, 3)) * 10, np.zeros((4, 2))
    before = model.state_dict()
    _, dy = mean_squared_error(model.forward(x), y)
    model.backward(dy)
    g = {k: v.copy() for k, v in model.grads.items()}
    norm = np.sqrt(sum(np.sum(v**2) for v in g.values()))
    assert norm > 1
    h = fit(model, "mse", [(x, y)], SGD(lr=0.1), clip_norm=1.0)
    assert h["grad_norm"][0] == pytest.approx(norm)  # recorded before clipping
    for k in g:  # the step used the gradient rescaled to norm 1
        np.testing.assert_allclose(model.params[k], before[k] - 0.1 * g[k] / norm)
    model.load_state_dict(before)
    fit(model, "mse", [(x, y)], SGD(lr=0.1), clip_value=0.5)
    for k in g:
        np.testing.assert_allclose(model.params[k], before[k] - 0.1 * np.clip(g[k], -0.5, 0.5))
    capsys.readouterr()
    seen = []
    h = fit(model, "mse", [(x, y)], SGD(lr=1e-3), steps=10, log_every=4,
            callback=lambda step, m, hist: seen.append(step) or step == 9)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].startswith("step 4: loss ") and "grad norm" in out[0]
    assert out[1].startswith("step 8: loss ")
    assert seen == list(range(1, 10)) and len(h["loss"]) == 9  # stopped by the callback


def test_divergence_raises_a_clear_error():
    model = SequenceModel(RNN(1, 8, nonlinearity="relu", rng=0), Dense(8, 1, rng=1))
    with pytest.raises(TrainingDiverged, match=r"diverged at step \d+: .*clip_norm") as info:
        fit(model, "mse", lambda rng: (rng.standard_normal((20, 4, 1)) * 100,
                                       np.zeros((20, 4, 1))), SGD(lr=1e6), steps=50)
    err = info.value
    assert err.step >= 2 and len(err.history["loss"]) == err.step - 1
    assert isinstance(err, RuntimeError)
    # finite gradients, but a step so large that the parameters overflow at step 1
    mlp = MLP([2, 2], "identity", rng=0)
    with pytest.raises(TrainingDiverged,
                       match=r"step 1: the parameter 'layers.0.weight' \(after the update\)"):
        fit(mlp, "mse", [(np.ones((3, 2)) * 10, np.zeros((3, 2)))], SGD(lr=1e308))


def test_a_loss_that_explodes_but_stays_finite_is_divergence():
    # SGD(1e300): losses 0.70, 1.9e299, ... are finite, but grow far beyond the best so far
    def run(**kwargs):
        model = SequenceModel(RNN(1, 8, rng=0), Dense(8, 1, rng=1))
        return fit(model, "bce", _delay_batch, SGD(lr=1e300), steps=5, **kwargs)
    with pytest.raises(TrainingDiverged, match=r"step 2: the loss \(.*\) grew to more than 1e\+06 "
                       r"times its best value so far \(0\.\d+\).*clip_norm") as info:
        run()
    assert info.value.step == 2 and len(info.value.history["loss"]) == 1
    h = run(diverge_factor=None)  # with the check off, the exploded run returns normally
    assert len(h["loss"]) == 5 and min(h["loss"][1:]) > 1e6 * h["loss"][0]
    with pytest.raises(ValueError, match="diverge_factor must be a positive finite number"):
        run(diverge_factor=0)


def test_ordinary_training_is_not_stopped_by_the_growth_check():
    model = SequenceModel(RNN(1, 8, rng=0), Dense(8, 1, rng=1))
    h = fit(model, "bce", _delay_batch, Adam(lr=1e-2), steps=30, rng=0)
    assert len(h["loss"]) == 30 and np.all(np.isfinite(h["loss"]))


def test_a_nan_written_into_a_parameter_is_named_before_the_step():
    model = SequenceModel(RNN(1, 8, rng=0), Dense(8, 1, rng=1))
    model.recurrent.params["weight_hh_l0"][0, 0] = np.nan  # in place, as a student might
    with pytest.raises(ValueError, match=r"parameter 'rnn.weight_hh_l0' contains NaN or infinite "
                       r"values before step 1"):
        fit(model, "bce", _delay_batch, SGD(lr=0.1), steps=2)


def test_sequence_model_checks_the_head_fits_the_recurrent_layer():
    with pytest.raises(ValueError, match=r"head must take the recurrent layer's 8 output "
                       r"features .* but it takes 5: use e.g. Dense\(8, ...\)"):
        SequenceModel(RNN(1, 8, rng=0), Dense(5, 1, rng=1))
    with pytest.raises(ValueError, match="recurrent layer's 16 output features"):
        SequenceModel(LSTM(1, 8, bidirectional=True, rng=0), Dense(8, 1, rng=1))
    with pytest.raises(ValueError, match="but it takes 4"):
        SequenceModel(GRU(1, 8, rng=0), MLP([4, 3, 1], "tanh", rng=1))
    SequenceModel(LSTM(1, 8, bidirectional=True, rng=0), MLP([16, 3, 1], "tanh", rng=1))


def test_accuracy():
    logits = np.array([[[2.0, 0.0], [0.0, 1.0]], [[0.0, 3.0], [1.0, 0.0]]])  # (T=2, B=2, 2)
    target = np.array([[0, 1], [1, 1]])
    assert accuracy(logits, target) == 0.75
    assert accuracy(logits, target, per="sequence") == 0.5  # sequence 1 has an error at t=1
    assert accuracy(logits, target, mask=np.array([[1, 1], [1, 0]]), per="sequence") == 1.0
    z = np.array([[1.0, -1.0, 2.0], [-3.0, 1.0, 1.0]])  # MLP view (B=2, N=3), 0/1 targets
    bits = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    assert accuracy(z, bits) == pytest.approx(5 / 6)
    assert accuracy(z, bits, per="sequence", batch_axis=0) == 0.5
    with pytest.raises(ValueError, match="target must be class indices"):
        accuracy(z, np.zeros(5))
    with pytest.raises(ValueError, match="per must be"):
        accuracy(z, bits, per="batch")


@pytest.mark.parametrize("per", ["element", "sequence"])
def test_accuracy_with_an_all_zero_mask_raises(per):
    logits = np.zeros((2, 3, 4))
    target = np.zeros((2, 3), np.int64)
    for mask in (np.zeros((2, 3)), np.zeros((2, 3), bool)):
        with pytest.raises(ValueError, match=r"mask selects no entries"):
            accuracy(logits, target, mask, per=per)
    one = np.zeros((2, 3))
    one[1, 2] = 1
    assert accuracy(logits, target, one, per=per) == 1.0


def test_lengths_to_mask():
    np.testing.assert_array_equal(lengths_to_mask([2, 3, 1], 3),
                                  [[1, 1, 1], [1, 1, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, T\] = \[1, 4\]"):
        lengths_to_mask([5, -1], 4)
    with pytest.raises(TypeError, match="lengths must be a 1-D array of whole numbers"):
        lengths_to_mask([1.5, 2.0], 4)
    np.testing.assert_array_equal(lengths_to_mask(np.array([2.0, 1.0]), 2), [[1, 1], [1, 0]])
    with pytest.raises(TypeError, match="T must be a positive integer"):
        lengths_to_mask([1, 2], 4.0)


def test_fit_passes_truncate_to_the_model():
    """One fit step with truncate=2 = forward, loss, backward(truncate=2), SGD step by hand;
    and it differs from the step without truncation."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((T, B, D))
    target = rng.integers(0, C, (T, B))
    start = _model("all").state_dict()
    updated = {}
    for truncate in (2, None):
        model = _model("all")
        fit(model, "cross_entropy", [(x, target)], SGD(lr=0.5), truncate=truncate)
        updated[truncate] = model.state_dict()
    by_hand = _model("all")
    _, dlogits = softmax_cross_entropy(by_hand.forward(x), target)
    by_hand.backward(dlogits, truncate=2)
    for k, v in start.items():
        np.testing.assert_allclose(updated[2][k], v - 0.5 * by_hand.grads[k], rtol=1e-12,
                                   atol=1e-15)
    assert not np.allclose(updated[2]["rnn.weight_hh_l0"], updated[None]["rnn.weight_hh_l0"])


@pytest.mark.parametrize("make", [lambda: Dense(D, C, rng=0), lambda: MLP([D, 4, C], rng=0),
                                  lambda: _model("all")])
def test_zero_grad_zeros_every_gradient_in_place(make):
    model = make()
    x = np.random.default_rng(9).standard_normal((T, B, D))
    out = model.forward(x)
    model.backward(np.ones_like(out))
    arrays = dict(model.grads)
    assert all(np.any(g) for g in arrays.values())
    model.zero_grad()
    for k, g in model.grads.items():
        assert g is arrays[k] and not np.any(g)


def test_accuracy_rejects_nonsense():
    logits, target = np.zeros((2, 3, 4)), np.zeros((2, 3), np.int64)
    with pytest.raises(ValueError, match="logits contains 24 NaN"):
        accuracy(np.full((2, 3, 4), np.nan), target)
    with pytest.raises(ValueError, match=r"target class indices must lie in \[0, 3\].*\[5\]"):
        accuracy(logits, np.full((2, 3), 5))
    with pytest.raises(ValueError, match="mask must contain only 0/1"):
        accuracy(logits, target, np.array([[1, 7, 1], [1, 1, np.nan]]))
    with pytest.raises(ValueError, match=r"mask must have the shape of target \(2, 3\)"):
        accuracy(logits, target, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"binary targets must lie in \[0, 1\]"):
        accuracy(np.zeros((2, 3)), np.full((2, 3), 2.0))
    # probabilities count as 1 above 0.5, as before; integer logits are fine
    assert accuracy(np.array([[1.0, -1.0]]), np.array([[0.9, 0.2]])) == 1.0
    assert accuracy(np.array([[2, 0, 0]]), np.array([0])) == 1.0
    # a class index out of range is fine where the mask excludes it (padding)
    padded = np.array([[0, 0, 0], [0, 0, -100]])
    assert accuracy(logits, padded, np.array([[1, 1, 1], [1, 1, 0]])) == 1.0


def test_fit_checks_callback_and_log_every_before_any_step():
    model = MLP([2, 2], rng=0)
    before = {k: v.copy() for k, v in model.params.items()}
    batch = [(np.ones((4, 2)), np.zeros(4, np.int64))]
    with pytest.raises(TypeError, match="callback must be a function"):
        fit(model, "cross_entropy", batch, SGD(lr=0.1), callback=5)
    for bad, err in ((-1, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(err, match="log_every must be a non-negative integer"):
            fit(model, "cross_entropy", batch, SGD(lr=0.1), log_every=bad)
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])


def test_bad_batches_and_options():
    model = MLP([2, 2], rng=0)
    x, y = np.zeros((4, 2)), np.zeros(4, np.int64)
    opt = SGD(lr=0.1)
    with pytest.raises(TypeError, match=r"full-batch training pass a list with one batch"):
        fit(model, "cross_entropy", (x, y), opt)
    with pytest.raises(ValueError, match="needs steps"):
        fit(model, "cross_entropy", lambda rng: (x, y), opt, epochs=2)
    with pytest.raises(ValueError, match="steps or epochs, not both"):
        fit(model, "cross_entropy", [(x, y)], opt, steps=2, epochs=2)
    with pytest.raises(ValueError, match="ran out after 1 batches"):
        fit(model, "cross_entropy", iter([(x, y)]), opt, epochs=2)
    with pytest.raises(TypeError, match=r"a batch must be a tuple \(x, target\)"):
        fit(model, "cross_entropy", [(x,)], opt)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        fit(model, "cross_entropy", lambda rng: (x, y), opt, steps=0)
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        fit(model, "l1", [(x, y)], opt)
    before = model.state_dict()
    for bad, shown in (("adam", "str 'adam'"), (Adam, "type <class"), (None, "NoneType None")):
        with pytest.raises(TypeError, match=r"optimizer must be an optimizer object with a "
                                            r"method step\(params, grads\), e\.g\. "
                                            r"rnnlib\.optim\.Adam\(lr=1e-2\), got " + shown):
            fit(model, "cross_entropy", [(x, y)], bad)
    assert all(np.array_equal(model.params[k], v) for k, v in before.items())
    with pytest.raises(ValueError, match="lengths must have shape"):
        fit(_model("all"), "cross_entropy",
            [(np.zeros((T, B, D)), np.zeros((T, B), np.int64), None, np.array([1, 2]))], opt)


@pytest.mark.parametrize("output", ["all", "last"])
def test_predict_and_evaluate_keep_nothing_for_backward(output):
    model = _model(output, bidirectional=True)
    x = np.random.default_rng(0).normal(size=(T, B, D))
    y = model.forward(x, lengths=LENGTHS)
    np.testing.assert_array_equal(predict(model, x, LENGTHS), y)
    assert model.recurrent._cache["steps"] is None and model.head._x is None
    with pytest.raises(RuntimeError, match="cache=True"):
        model.backward(np.ones_like(y))
    target = np.zeros(y.shape[:-1], np.int64)
    result = evaluate(model, "cross_entropy", (x, target, None, LENGTHS))
    assert result["loss"] == pytest.approx(softmax_cross_entropy(y, target)[0], rel=1e-12)
    assert model.recurrent._cache["steps"] is None
    assert model.recurrent.internals[0, 0]["h"].shape == (T, B, H)  # still available


def test_predict_mlp_and_a_model_without_the_cache_option():
    mlp = MLP([2, 3, 2], rng=0)
    x = np.random.default_rng(0).normal(size=(4, 2))
    y = mlp.forward(x)
    np.testing.assert_array_equal(predict(mlp, x), y)
    assert mlp.activations == [] and mlp.preactivations == []
    with pytest.raises(RuntimeError, match="call forward before backward"):
        mlp.backward(np.ones((4, 2)))

    class Plain:  # a user model whose forward has no cache option
        def forward(self, x):
            return 2 * x

    np.testing.assert_array_equal(predict(Plain(), x), 2 * x)


class _BadGradients:
    """A model whose gradient is infinite while its output and loss are finite."""

    def __init__(self):
        self.params = {"w": np.ones(2)}
        self.grads = {"w": np.zeros(2)}

    def forward(self, x):
        return x * self.params["w"]

    def backward(self, dy):
        self.grads["w"][...] = np.inf
        return dy


def test_divergence_names_the_step_and_what_became_non_finite():
    batch = [(np.ones((3, 2)), np.zeros((3, 2)))]
    with pytest.raises(TrainingDiverged, match=r"step 1: the gradient became NaN or infinite"
                                               r".*Clip the gradients"):
        fit(_BadGradients(), "mse", batch, SGD(lr=0.1))
    for clip in ({"clip_norm": 1.0}, {"clip_value": 1.0}):  # checked before any clipping
        with pytest.raises(TrainingDiverged, match=r"step 1: the gradient became NaN"):
            fit(_BadGradients(), "mse", batch, SGD(lr=0.1), **clip)
    mlp = MLP([2, 2], "identity", rng=0)
    mlp.params["layers.0.weight"][...] = 1.0  # 1e308 + 1e308 overflows
    with pytest.raises(TrainingDiverged, match=r"step 1: the model output"):
        fit(mlp, "mse", [(np.full((3, 2), 1e308), np.zeros((3, 2)))], SGD(lr=0.1))
    with pytest.raises(TrainingDiverged, match=r"step 1: the loss"):
        fit(MLP([2, 2], "identity", rng=0), "mse", [(np.full((3, 2), 1e200), np.zeros((3, 2)))],
            SGD(lr=0.1))


def test_float32_training_end_to_end():
    rnn = LSTM(D, H, bidirectional=True, rng=0, dtype=np.float32)
    model = SequenceModel(rnn, Dense(2 * H, C, rng=1, dtype=np.float32), output="last")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, B, D)).astype(np.float32)
    target = np.array([0, 1, 2])
    history = fit(model, "cross_entropy", [(x, target, None, LENGTHS)], Adam(lr=0.05), steps=20)
    assert all(v.dtype == np.float32 for v in (*model.params.values(), *model.grads.values()))
    assert predict(model, x, LENGTHS).dtype == np.float32
    assert history["loss"][-1] < 0.5 * history["loss"][0]
