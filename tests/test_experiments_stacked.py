"""The stack of independent RNNs (rnnlib.experiments.stacked): its gradients against finite
differences, and its training against separate runs of train_rnn (through train.fit)."""

import numpy as np
import pytest

from rnnlib.experiments import arithmetic as ex
from rnnlib.experiments import stacked
from rnnlib.gradcheck import check_gradients


def random_stack(rng, K=3, T=5, B=4, D=2, H=3):
    params = {"weight_ih": rng.normal(size=(K, H, D)), "weight_hh": rng.normal(size=(K, H, H)),
              "bias_ih": rng.normal(size=(K, H)), "bias_hh": rng.normal(size=(K, H)),
              "weight": rng.normal(size=(K, 1, H)), "bias": rng.normal(size=(K, 1))}
    x = rng.integers(0, 2, size=(K, T, B, D)).astype(float)
    y = rng.integers(0, 2, size=(K, T, B)).astype(float)
    return params, x, y


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_each_networks_gradient_matches_finite_differences(activation):
    params, x, y = random_stack(np.random.default_rng(1))
    weights = np.random.default_rng(2).normal(size=3)  # sum_k w_k L_k: networks must not mix
    _, grads = stacked.loss_and_grads(params, x, y, activation)
    weighted = {k: g * weights.reshape(3, *[1] * (g.ndim - 1)) for k, g in grads.items()}
    errors = check_gradients(
        lambda: float(weights @ stacked.loss_and_grads(params, x, y, activation)[0]),
        params, weighted)
    assert max(errors.values()) < 1e-7, errors


def test_a_shared_input_gives_the_same_as_copies_of_it():
    params, x, y = random_stack(np.random.default_rng(3))
    x1 = x[:1]
    shared = stacked.loss_and_grads(params, x1, y)
    copied = stacked.loss_and_grads(params, np.repeat(x1, 3, axis=0), y)
    np.testing.assert_allclose(shared[0], copied[0], rtol=1e-13)
    for k in params:
        np.testing.assert_allclose(shared[1][k], copied[1][k], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("task, n_bits, batch_size", [("addition", 4, None), ("parity", 6, 8)])
def test_the_stack_trains_as_separate_runs_do(task, n_bits, batch_size):
    (x, y), _ = ex.split(task, 32, 1, n_bits, rng=0)
    settings = dict(hidden=5, steps=40, lr=0.03, batch_size=batch_size)
    runs = stacked.train(x, y, [0, 1, np.random.default_rng([7, 2])], **settings)
    for seed, (model, history) in zip([0, 1, np.random.default_rng([7, 2])], runs, strict=True):
        alone, alone_history = ex.train_rnn(task, x, y, seed=seed, **settings)
        for k, w in alone.params.items():
            np.testing.assert_allclose(model.params[k], w, rtol=1e-9, atol=1e-12, err_msg=k)
        np.testing.assert_allclose(history["loss"], alone_history["loss"], rtol=1e-10)
        np.testing.assert_allclose(history["grad_norm"], alone_history["grad_norm"], rtol=1e-9)
        assert history["step"] == alone_history["step"]


def test_the_stack_needs_a_seed():
    (x, y), _ = ex.split("parity", 8, 1, 4, rng=0)
    with pytest.raises(ValueError, match="seeds must name at least one seed"):
        stacked.train(x, y, [])
