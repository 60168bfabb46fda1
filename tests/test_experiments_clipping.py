"""The stack of independent LSTMs (rnnlib.experiments.stacked_lstm) against finite
differences and against separate networks, and the clipping sweep
(rnnlib.experiments.clipping) against separate runs of train.fit."""

import numpy as np
import pytest

from rnnlib import layers
from rnnlib.dense import Dense
from rnnlib.experiments import stacked_lstm
from rnnlib.experiments.clipping import clipping_sweep, initial_model
from rnnlib.experiments.memory import shifted_batch
from rnnlib.gradcheck import check_gradients
from rnnlib.losses import softmax_cross_entropy
from rnnlib.optim import SGD
from rnnlib.train import SequenceModel, fit


def random_stack(rng, K=3, T=5, B=4, D=3, H=2, C=3):
    params = {"weight_ih": rng.normal(size=(K, 4 * H, D)),
              "weight_hh": rng.normal(size=(K, 4 * H, H)),
              "bias_ih": rng.normal(size=(K, 4 * H)), "bias_hh": rng.normal(size=(K, 4 * H)),
              "weight": rng.normal(size=(K, C, H)), "bias": rng.normal(size=(K, C))}
    params = {k: 0.7 * v for k, v in params.items()}
    x = rng.normal(size=(K, T, B, D))
    target = rng.integers(0, C, size=(K, T, B))
    mask = rng.random((K, T, B)) < 0.7  # each network averages over its own masked steps
    return params, x, target, mask


def test_each_networks_gradient_matches_finite_differences():
    params, x, target, mask = random_stack(np.random.default_rng(0))
    weights = np.array([0.3, -1.2, 2.0])  # sum_k w_k L_k: the networks must not mix
    _, grads = stacked_lstm.loss_and_grads(params, x, target, mask)
    weighted = {k: g * weights.reshape(3, *[1] * (g.ndim - 1)) for k, g in grads.items()}
    errors = check_gradients(
        lambda: float(weights @ stacked_lstm.loss_and_grads(params, x, target, mask)[0]),
        params, weighted)
    assert max(errors.values()) < 1e-7, errors


def test_the_stack_computes_what_each_network_computes_alone():
    models = [initial_model(seed, scale=3.0)[0] for seed in range(3)]
    batches = [shifted_batch(6, 7, -1, 4, np.random.default_rng(s)) for s in range(3)]
    x, target, mask = (np.stack(parts) for parts in zip(*batches, strict=True))
    params = stacked_lstm.stack_params(models)
    logits, _ = stacked_lstm.forward(params, x)
    loss, grads = stacked_lstm.loss_and_grads(params, x, target, mask)
    for k, (model, (xk, tk, mk)) in enumerate(zip(models, batches, strict=True)):
        alone = model.forward(xk)
        np.testing.assert_allclose(logits[k], alone, rtol=1e-12, atol=1e-14)
        loss_k, dy = softmax_cross_entropy(alone, tk, mk)
        model.backward(dy)
        assert loss[k] == pytest.approx(loss_k, rel=1e-13)
        for key, model_key in zip(stacked_lstm.KEYS, stacked_lstm.MODEL_KEYS, strict=True):
            np.testing.assert_allclose(grads[key][k], model.grads[model_key], rtol=1e-10,
                                       atol=1e-15, err_msg=key)
    norms = stacked_lstm.network_norms(grads)
    assert norms.shape == (3,) and np.all(norms > 0)


def test_each_run_of_the_sweep_is_the_run_fit_would_do():
    settings = dict(scale=2.0, hidden=4)
    sweep = clipping_sweep([0, 3], clip_norm=0.02, steps=6, check_every=100, lr=0.5,
                           n_test=8, length=9, **settings)
    for clip_norm, runs in ((None, sweep["plain"]), (0.02, sweep["clipped"])):
        for run in runs:
            assert run.clip_norm == clip_norm and run.solved_at is None
            assert run.diverged_at is None
            if clip_norm is not None:  # clipping acts at every one of these steps
                assert min(run.history["grad_norm"]) > clip_norm
            model, gen = initial_model(run.seed, **settings)
            history = fit(model, "cross_entropy", lambda r: shifted_batch(32, 9, -1, 4, r),
                          SGD(0.5), steps=6, clip_norm=clip_norm, rng=gen)
            np.testing.assert_allclose(run.history["loss"], history["loss"], rtol=1e-11)
            np.testing.assert_allclose(run.history["grad_norm"], history["grad_norm"],
                                       rtol=1e-10)
            assert run.history["step"] == history["step"] == list(range(1, 7))
            for key, value in model.params.items():
                np.testing.assert_allclose(run.model.params[key], value, rtol=1e-10,
                                           atol=1e-13, err_msg=key)


def test_runs_that_stop_early_leave_the_others_as_they_would_be_alone():
    """Runs leave the stack at different steps (success at a check); every run must be
    exactly what it is when swept alone."""
    settings = dict(steps=40, check_every=5, target=0.5, n_test=32, length=9, hidden=4,
                    lr=3.0, scale=2.0, clip_norm=0.5)
    together = clipping_sweep([0, 1, 2, 3], **settings)
    stops = {run.solved_at for run in together["plain"]}
    assert len(stops) >= 3  # runs leave at different steps, one never
    for group in ("plain", "clipped"):
        for run in together[group]:
            alone = clipping_sweep([run.seed], **settings)[group][0]
            assert run.solved_at == alone.solved_at and run.accuracy == alone.accuracy
            assert run.history == alone.history
            for key, value in alone.model.params.items():
                np.testing.assert_array_equal(run.model.params[key], value, err_msg=key)


def test_a_run_stops_at_its_first_success():
    sweep = clipping_sweep([0], steps=30, check_every=5, target=0.0, n_test=8, length=9)
    for run in (*sweep["plain"], *sweep["clipped"]):
        assert run.solved and run.solved_at == 5 and run.history["step"] == [1, 2, 3, 4, 5]
        assert 0.0 <= run.accuracy <= 1.0


def test_a_diverging_run_is_recorded_and_stops():
    sweep = clipping_sweep([0], lr=1e308, steps=10, check_every=100, n_test=8, length=9)
    run = sweep["plain"][0]
    assert run.diverged_at is not None and not run.solved
    assert len(run.history["loss"]) == run.diverged_at
    assert not np.isfinite(run.history["loss"][-1] + run.history["grad_norm"][-1])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="seeds must name at least one seed"):
        clipping_sweep([])
    with pytest.raises(ValueError, match="clip_norm must be a positive finite number, got 0"):
        clipping_sweep([0], clip_norm=0)
    with pytest.raises(ValueError, match="check_every must be"):
        clipping_sweep([0], check_every=0)
    with pytest.raises(ValueError, match="length must be at least 2"):
        clipping_sweep([0], length=1)
    deep = initial_model(0)[0]
    with pytest.raises(ValueError, match=r"models\[1\] must be SequenceModel"):
        stacked_lstm.stack_params([deep, SequenceModel(layers.LSTM(4, 8, num_layers=2, rng=0),
                                                       Dense(8, 4, rng=0))])
