import numpy as np
import pytest

from rnnlib import layers
from rnnlib.dense import MLP
from rnnlib.experiments.gradchecks import check_model


@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(3, 4, rng=0),
    lambda: layers.LSTM(3, 4, num_layers=2, bidirectional=True, rng=0),
    lambda: layers.GRU(3, 4, variant="lecture", rng=0),
    lambda: layers.RNN(3, 4, rng=0),
], ids=["lstm", "lstm_2_bidirectional", "gru_lecture", "rnn"])
def test_check_model_on_sequence_layers(make):
    """Sequence layers return tuples from forward and backward; the first items are used."""
    layer = make()
    x = np.random.default_rng(1).normal(size=(5, 2, 3))
    errors = check_model(layer, x, rng=2)
    assert set(errors) == set(layer.params) | {"x"}
    assert max(errors.values()) < 1e-7


def test_check_model_detects_a_wrong_sequence_backward():
    layer = layers.LSTM(3, 4, rng=0)
    original = layer.backward

    def wrong(d_outputs):
        dx, d_init = original(d_outputs)
        layer.grads["weight_hh_l0"][0, 0] += 1.0
        return 1.01 * dx, d_init

    layer.backward = wrong
    errors = check_model(layer, np.random.default_rng(1).normal(size=(5, 2, 3)), rng=2)
    assert errors["weight_hh_l0"] > 1e-3 and errors["x"] > 1e-3
    assert errors["weight_ih_l0"] < 1e-7


def test_check_model_on_a_model_returning_arrays():
    mlp = MLP([3, 4, 2], "tanh", rng=0)
    errors = check_model(mlp, np.random.default_rng(1).normal(size=(5, 3)), rng=2)
    assert set(errors) == set(mlp.params) | {"x"}
    assert max(errors.values()) < 1e-7
