"""The stack of independent MLPs (rnnlib.experiments.stacked_mlp): its gradients against
finite differences, and its training against separate runs of train_mlp (through fit)."""

import numpy as np
import pytest

from rnnlib.experiments import arithmetic as ex
from rnnlib.experiments import stacked_mlp
from rnnlib.gradcheck import check_gradients


def test_each_networks_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    K, D, H, O = 3, 4, 5, 2
    shapes = {"layers.0.weight": (K, H, D), "layers.0.bias": (K, H),
              "layers.1.weight": (K, O, H), "layers.1.bias": (K, O)}
    params = {k: rng.normal(size=shape) for k, shape in shapes.items()}
    xs = [rng.normal(size=(n, D)) for n in (3, 1, 6)]  # batches of different sizes
    ys = [rng.integers(0, 2, size=(n, O)).astype(float) for n in (3, 1, 6)]
    weights = rng.normal(size=K)  # sum_k w_k L_k: networks must not mix
    _, grads = stacked_mlp.loss_and_grads(params, xs, ys)
    weighted = {k: g * weights.reshape(K, *[1] * (g.ndim - 1)) for k, g in grads.items()}
    errors = check_gradients(
        lambda: float(weights @ stacked_mlp.loss_and_grads(params, xs, ys)[0]), params, weighted)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("task, n_bits, batch_size", [("parity", 6, None), ("addition", 4, 16)])
def test_the_stack_trains_as_separate_runs_do(task, n_bits, batch_size):
    sizes = (8, 30, 60)  # with batch 16: one whole set, then minibatches
    (x, y), _ = ex.split(task, max(sizes), 1, n_bits, rng=0)
    views = [ex.mlp_view(task, x[:, :n], y[:, :n]) for n in sizes]
    settings = dict(hidden=7, steps=40, lr=0.01, batch_size=batch_size)
    seeds = [0, 0, np.random.default_rng(5)]
    runs = stacked_mlp.train([X for X, _ in views], [Y for _, Y in views], seeds, **settings)
    for n, seed, (mlp, history) in zip(sizes, [0, 0, np.random.default_rng(5)], runs,
                                       strict=True):
        alone, alone_history = ex.train_mlp(task, x[:, :n], y[:, :n], seed=seed, **settings)
        for k, w in alone.params.items():
            np.testing.assert_allclose(mlp.params[k], w, rtol=1e-10, atol=1e-13, err_msg=k)
        np.testing.assert_allclose(history["loss"], alone_history["loss"], rtol=1e-10)
        np.testing.assert_allclose(history["grad_norm"], alone_history["grad_norm"], rtol=1e-9)
        assert history["step"] == alone_history["step"]


def test_bad_stacks_are_rejected_clearly():
    x, y = np.zeros((4, 3)), np.zeros((4, 1))
    with pytest.raises(ValueError, match="same number .* got 2, 2 and 1"):
        stacked_mlp.train([x, x], [y, y], [0])
    with pytest.raises(ValueError, match="same input and output widths"):
        stacked_mlp.train([x, np.zeros((4, 2))], [y, y], [0, 1])
    with pytest.raises(ValueError, match=r"ys\[1\]"):
        stacked_mlp.train([x, x], [y, np.zeros((5, 1))], [0, 1])
