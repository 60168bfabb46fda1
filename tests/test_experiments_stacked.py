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


def test_each_network_can_have_its_own_training_set():
    sets = [ex.split("parity", 16, 1, 5, rng=d)[0] for d in (0, 1)]
    xs, ys = np.stack([x for x, _ in sets]), np.stack([y for _, y in sets])
    settings = dict(hidden=4, steps=30, lr=0.03, batch_size=8)
    runs = stacked.train(xs, ys, [3, 3], **settings)
    for (x, y), (model, history) in zip(sets, runs, strict=True):
        alone, alone_history = ex.train_rnn("parity", x, y, seed=3, **settings)
        for k, w in alone.params.items():
            np.testing.assert_allclose(model.params[k], w, rtol=1e-9, atol=1e-12, err_msg=k)
        np.testing.assert_allclose(history["loss"], alone_history["loss"], rtol=1e-10)
    assert not np.allclose(runs[0][0].params["head.weight"], runs[1][0].params["head.weight"])
    with pytest.raises(ValueError, match="x holds 2 training sets .* names 3 networks"):
        stacked.train(xs, ys, [0, 1, 2], **settings)
    with pytest.raises(ValueError, match=r"x must be \(T, N, D\) or"):
        stacked.train(xs[0, 0], ys[0, 0], [0], **settings)


def test_generalisation_over_several_training_sets_is_each_one_alone():
    kwargs = dict(steps=20, hidden=4)
    both = ex.generalisation("parity", 6, 16, 30, [0, 1], n_long=5, data_seed=[0, 2], **kwargs)
    alone = [r for d in (0, 2)
             for r in ex.generalisation("parity", 6, 16, 30, [0, 1], n_long=5, data_seed=d,
                                        **kwargs)]
    assert [(r["data_seed"], r["seed"]) for r in both] == [(0, 0), (0, 1), (2, 0), (2, 1)]
    for a, b in zip(both, alone, strict=True):
        assert (a["seed"], a["data_seed"], a["exact"]) == (b["seed"], b["data_seed"], b["exact"])
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-9)
        assert a["margin"] == pytest.approx(b["margin"], rel=1e-6)


def test_weighted_losses_match_finite_differences_and_ignore_padding():
    params, x, y = random_stack(np.random.default_rng(4), B=4)
    w = np.array([[0.25] * 4, [0.5, 0.5, 0, 0], [1 / 3] * 3 + [0]])  # 4, 2 and 3 sequences
    weights = np.random.default_rng(5).normal(size=3)
    _, grads = stacked.loss_and_grads(params, x, y, weights=w)
    weighted = {k: g * weights.reshape(3, *[1] * (g.ndim - 1)) for k, g in grads.items()}
    errors = check_gradients(
        lambda: float(weights @ stacked.loss_and_grads(params, x, y, weights=w)[0]),
        params, weighted)
    assert max(errors.values()) < 1e-7, errors
    # network 1 on its first 2 sequences alone: what the padding sequences hold is ignored
    one = {k: v[1:2] for k, v in params.items()}
    alone = stacked.loss_and_grads(one, x[1:2, :, :2], y[1:2, :, :2])
    padded = stacked.loss_and_grads(params, x, y, weights=w)
    assert padded[0][1] == pytest.approx(alone[0][0], rel=1e-13)
    for k in params:
        np.testing.assert_allclose(padded[1][k][1], alone[1][k][0], rtol=1e-12, atol=1e-15)


def test_training_sets_of_different_sizes_train_as_separate_runs_do():
    (x, y), _ = ex.split("parity", 40, 1, 6, rng=0)
    sizes, settings = (6, 12, 40), dict(hidden=4, steps=25, lr=0.03, batch_size=10)
    runs = stacked.train([x[:, :n] for n in sizes], [y[:, :n] for n in sizes], [2, 2, 2],
                         **settings)  # 6: whole set; 12 and 40: minibatches of 10
    for n, (model, history) in zip(sizes, runs, strict=True):
        alone, alone_history = ex.train_rnn("parity", x[:, :n], y[:, :n], seed=2, **settings)
        for k, w in alone.params.items():
            np.testing.assert_allclose(model.params[k], w, rtol=1e-9, atol=1e-12, err_msg=k)
        np.testing.assert_allclose(history["loss"], alone_history["loss"], rtol=1e-10)
    with pytest.raises(ValueError, match="same length T and width D"):
        stacked.train([x, x[:4]], [y, y[:4]], [0, 1], **settings)
    with pytest.raises(ValueError, match="y must be a list"):
        stacked.train([x, x], y, [0, 1], **settings)


def test_restarts_on_several_sets_are_each_sets_restarts():
    sets = [ex.split("parity", n, 1, 5, rng=d)[0] for d, n in ((0, 12), (1, 20))]
    settings = dict(hidden=4, steps=20, lr=0.03, batch_size=8)
    both = ex.restarts_on_sets("parity", sets, [0, 1], restarts=2, **settings)
    for (x, y), seed, (best, history, losses) in zip(sets, [0, 1], both, strict=True):
        alone, alone_history, alone_losses = ex.train_rnn_restarts(
            "parity", x, y, restarts=2, seed=seed, **settings)
        np.testing.assert_allclose(losses, alone_losses, rtol=1e-10)
        np.testing.assert_allclose(history["loss"], alone_history["loss"], rtol=1e-10)
        for k, w in alone.params.items():
            np.testing.assert_allclose(best.params[k], w, rtol=1e-9, atol=1e-12, err_msg=k)
    with pytest.raises(ValueError, match="one seed per training set: 2 sets, 1 seeds"):
        ex.restarts_on_sets("parity", sets, [0], restarts=2, **settings)
