"""rnnlib.deepgrad: chain product, repeated products, the per-neuron gradient experiment."""

import numpy as np
import pytest

from rnnlib import activations, deepgrad, losses, timegrad
from rnnlib.dense import MLP
from rnnlib.gradcheck import check_gradients


def _small(activation, init="pytorch", seed=0, sizes=(6, 5, 4, 3)):
    rng = np.random.default_rng(seed)
    mlp = MLP(list(sizes), activation, init=init, rng=seed)
    x = rng.standard_normal((4, sizes[0]))
    y = rng.integers(0, sizes[-1], size=4)
    return mlp, x, y


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "elu"])
def test_chain_product_equals_backward(activation):
    """grad D . J_N ... J_{k+1} (built as explicit matrices) is what backward computes."""
    mlp, x, y = _small(activation)
    logits = mlp.forward(x)
    _, d_logits = losses.softmax_cross_entropy(logits, y)
    n = 2
    jacs = deepgrad.layer_jacobians(mlp, n)
    assert [j.shape for j in jacs] == [(5, 6), (4, 5), (3, 4)]
    dx = mlp.backward(d_logits)
    for k in range(len(jacs)):
        from_backward = mlp.deltas[k][n] @ mlp.layers[k].params["weight"]  # dDiv/da_k
        chain = deepgrad.chain_gradient(d_logits[n], jacs, k)
        np.testing.assert_allclose(chain, from_backward, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(deepgrad.chain_gradient(d_logits[n], jacs, 0), dx[n],
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(deepgrad.chain_gradient(d_logits[n], jacs, 3), d_logits[n])


def test_layer_jacobians_index_must_be_an_integer():
    mlp = MLP([3, 4, 2], rng=0)
    mlp.forward(np.ones((2, 3)))
    with pytest.raises(TypeError, match="n must be a non-negative integer, got float"):
        deepgrad.layer_jacobians(mlp, 0.5)
    with pytest.raises(TypeError, match="n must be a non-negative integer, got bool"):
        deepgrad.layer_jacobians(mlp, True)
    with pytest.raises(ValueError, match=r"n must index an instance .*\(0\.\.1\), got 2"):
        deepgrad.layer_jacobians(mlp, 2)


def test_one_layer_jacobian_is_that_of_the_list():
    mlp, x, _ = _small("tanh")
    mlp.forward(x)
    jacs = deepgrad.layer_jacobians(mlp, 1)
    for k in (1, 2, 3):
        np.testing.assert_array_equal(deepgrad.layer_jacobian(mlp, k, 1), jacs[k - 1])
    with pytest.raises(ValueError, match=r"k must be a layer 1\.\.3, got 4"):
        deepgrad.layer_jacobian(mlp, 4)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        deepgrad.layer_jacobian(mlp, 0)


@pytest.mark.parametrize("shape", [(7, 7), (3, 8), (9, 2)])
def test_sigma_max_is_the_largest_singular_value(shape):
    w = np.random.default_rng(3).standard_normal(shape)
    assert deepgrad.sigma_max(w) == pytest.approx(np.linalg.norm(w, 2), rel=1e-12)
    assert deepgrad.sigma_max(np.zeros(shape)) == 0.0
    with pytest.raises(ValueError, match="w must have 2 dimensions"):
        deepgrad.sigma_max(np.ones(3))


def test_chain_gradient_bad_arguments():
    jacs = [np.ones((4, 3)), np.ones((2, 4))]  # J_1: 3 -> 4, J_2: 4 -> 2 outputs
    np.testing.assert_array_equal(deepgrad.chain_gradient(np.ones(2), jacs, 0), [8, 8, 8])
    with pytest.raises(ValueError, match=r"grad_d must have shape \(2,\)"):
        deepgrad.chain_gradient(np.ones(3), jacs, 0)
    with pytest.raises(TypeError, match="k must be a non-negative integer"):
        deepgrad.chain_gradient(np.ones(2), jacs, 1.5)
    with pytest.raises(ValueError, match=r"k must be in 0\.\.2, got 3"):
        deepgrad.chain_gradient(np.ones(2), jacs, 3)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "elu"])
def test_chain_product_gradcheck(activation):
    """The chain product is the gradient of the loss w.r.t. the input (finite differences)."""
    mlp, x, y = _small(activation, seed=3)
    x1 = x[1:2].copy()
    y1 = y[1:2]
    logits = mlp.forward(x1)
    _, d_logits = losses.softmax_cross_entropy(logits, y1)
    chain = deepgrad.chain_gradient(d_logits[0], deepgrad.layer_jacobians(mlp, 0), 0)

    def loss():
        return losses.softmax_cross_entropy(mlp.forward(x1), y1)[0]

    errs = check_gradients(loss, {"x": x1}, {"x": chain[None]})
    assert errs["x"] < 1e-7, errs


def test_chain_errors():
    mlp, x, y = _small("tanh")
    with pytest.raises(RuntimeError, match="forward"):
        deepgrad.layer_jacobians(mlp)
    mlp.forward(x)
    jacs = deepgrad.layer_jacobians(mlp)
    with pytest.raises(ValueError, match=r"n must index an instance .* \(0..3\), got 4"):
        deepgrad.layer_jacobians(mlp, 4)
    mlp.forward(x[0])
    with pytest.raises(ValueError, match="needs a 2-d forward batch"):
        deepgrad.layer_jacobians(mlp)
    mlp.forward(x)
    with pytest.raises(ValueError, match="k must be in 0..3"):
        deepgrad.chain_gradient(np.ones(3), jacs, 4)
    with pytest.raises(TypeError, match="grad_d must be a floating-point array"):
        deepgrad.chain_gradient(np.ones(3, dtype=int), jacs, 1)
    mlp.backward(np.ones((4, 3)))
    with pytest.raises(RuntimeError, match="not yet backward"):
        deepgrad.layer_jacobians(mlp)


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_backward_gains_are_rms_singular_values(activation):
    mlp, x, y = _small(activation, sizes=(6, 5, 5, 5, 3))
    mlp.forward(x)
    zs = [z.copy() for z in mlp.preactivations]
    gains = deepgrad.backward_gains(mlp)
    assert gains.shape == (2,)
    for j, k in enumerate((1, 2)):
        w = mlp.layers[k].params["weight"]
        ms = []
        for n in range(x.shape[0]):
            d = mlp.activation.df(zs[k - 1][n], mlp.activations[k][n])
            sv = np.linalg.svd(w * d[None, :], compute_uv=False)  # W_k diag(f'(z_{k-1}))
            ms.append(np.sum(sv**2) / w.shape[0])
        assert gains[j] == pytest.approx(np.sqrt(np.mean(ms)), rel=1e-12)
    mlp.backward(np.ones((4, 3)))
    with pytest.raises(RuntimeError, match="not yet backward"):
        deepgrad.backward_gains(mlp)


def test_backward_gains_predict_the_decline():
    """For wide layers the product of the gains predicts how much ||delta|| shrinks."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(40, 50))
    y = np.arange(40) % 10
    res = deepgrad.neuron_gradients(x, y, "tanh", hidden=6, width=256, rng=2)
    predicted = -np.sum(np.log10(res.gains))
    measured = np.median(res.delta_log10[5]) - np.median(res.delta_log10[0])
    assert predicted > 1 and abs(predicted - measured) < 0.2 * predicted


def test_linear_products_are_matrix_powers():
    w = timegrad.recurrent_weights(6, 1.3, rng=1)
    assert np.linalg.norm(w, 2) == pytest.approx(1.3, rel=1e-12)
    v = np.random.default_rng(2).standard_normal(6)
    norms = deepgrad.repeated_product_norms(w, v, 5, "identity")
    expected = [np.linalg.norm(v @ np.linalg.matrix_power(w, k)) for k in range(6)]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "elu"])
def test_nonlinear_products_by_hand(activation):
    """norms[k] = ||v J_S ... J_{S-k+1}||, the J_j = diag(f'(z_j)) W built here explicitly
    from the forward run h_j = f(W h_{j-1}) that the docstring describes."""
    w = timegrad.recurrent_weights(6, 1.4, rng=7)
    rng = np.random.default_rng(8)
    v, h0 = rng.standard_normal(6), rng.standard_normal(6)
    act = activations.get(activation)
    h = h0
    steps = 7
    jacobians = []
    for _ in range(steps):
        z = w @ h
        h = act.f(z)
        jacobians.append(act.df(z, h)[:, None] * w)
    expected, row = [np.linalg.norm(v)], v
    for jac in reversed(jacobians):  # J_S first
        row = row @ jac
        expected.append(np.linalg.norm(row))
    norms = deepgrad.repeated_product_norms(w, v, steps, activation, h=h0)
    np.testing.assert_allclose(norms, expected, rtol=1e-12)


@pytest.mark.parametrize(("activation", "gamma"), [("tanh", 1.0), ("sigmoid", 0.25),
                                                   ("relu", 1.0)])
def test_product_bound_and_top_singular_direction(activation, gamma):
    """||v J_k ... J_1|| <= (gamma sigma_max)^k ||v||; for the identity the top left
    singular vector is stretched by exactly sigma_max in one step."""
    w = timegrad.recurrent_weights(8, 1.5, rng=4)
    v = np.random.default_rng(5).standard_normal(8)
    norms = deepgrad.repeated_product_norms(w, v, 12, activation)
    bound = (gamma * 1.5) ** np.arange(13) * np.linalg.norm(v)
    assert np.all(norms <= bound * (1 + 1e-12))
    u = np.linalg.svd(w)[0][:, 0]
    assert deepgrad.repeated_product_norms(w, u, 1)[1] == pytest.approx(1.5, rel=1e-12)


def test_repeated_product_errors():
    with pytest.raises(ValueError, match="w must be square"):
        deepgrad.repeated_product_norms(np.ones((2, 3)), np.ones(2), 3)
    with pytest.raises(ValueError, match=r"v must have shape \(2,\)"):
        deepgrad.repeated_product_norms(np.eye(2), np.ones(3), 3)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        deepgrad.repeated_product_norms(np.eye(2), np.ones(2), 0)
    with pytest.raises(ValueError, match="unknown activation"):
        deepgrad.repeated_product_norms(np.eye(2), np.ones(2), 2, "swish")


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "elu"])
def test_backward_by_layer_equals_mlp_backward(activation):
    """The layer-by-layer walk gives MLP.backward's deltas and weight-gradient row norms,
    from the output layer down, and releases the forward caches as it goes."""
    mlp, x, y = _small(activation, sizes=(6, 5, 5, 4, 3))
    _, d = losses.softmax_cross_entropy(mlp.forward(x), y)
    inputs = [a.copy() for a in mlp.activations[:-1]]
    walked = list(deepgrad.backward_by_layer(mlp, d))
    assert [k for k, *_ in walked] == [3, 2, 1, 0]
    assert all(z is None for z in mlp.preactivations)
    ref, _, _ = _small(activation, sizes=(6, 5, 5, 4, 3))
    ref.forward(x)
    ref.backward(d)
    for k, delta, a_in, row_norms in walked:
        np.testing.assert_allclose(delta, ref.deltas[k], rtol=1e-12, atol=1e-300)
        np.testing.assert_array_equal(a_in, inputs[k])
        np.testing.assert_allclose(row_norms, ref.neuron_grad_norms(k), rtol=1e-12,
                                   atol=1e-300)
    with pytest.raises(RuntimeError, match="call mlp.forward"):
        next(deepgrad.backward_by_layer(mlp, d))
    mlp.forward(x)
    with pytest.raises(ValueError, match=r"dy must have shape \(4, 3\)"):
        next(deepgrad.backward_by_layer(mlp, d[:, :2]))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, size=(12, 20))
    y = np.arange(12) % 10
    return x, y


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_neuron_gradients_match_direct_computation(data, activation):
    x, y = data
    res = deepgrad.neuron_gradients(x, y, activation, "he", hidden=3, width=16, rng=5,
                                    n_examples=2)
    assert res.sizes == (20, 16, 16, 16, 10) and res.n_layers == 4
    np.testing.assert_array_equal(res.layers, [1, 2, 3, 4])
    # Same seed, same network: the batch gradients from the MLP itself.
    mlp = MLP(res.sizes, activation, init="he", rng=5)
    loss, d = losses.softmax_cross_entropy(mlp.forward(x), y)
    assert res.loss == pytest.approx(loss, rel=1e-12)
    mlp.backward(d)
    per_instance = []
    for k in range(4):
        w_norm = np.linalg.norm(mlp.layers[k].grads["weight"], axis=1)
        shown = np.nan_to_num(10.0 ** res.batch_log10[k], nan=0.0)  # NaN marks exact 0
        np.testing.assert_allclose(shown, w_norm, rtol=1e-10)
        assert res.batch_zero[k] == pytest.approx(np.mean(w_norm == 0))
        per_instance.append(mlp.neuron_grad_norms(k, per_instance=True) * len(y))
    # Per instance: the gradient of that instance's own loss, from a backward on it alone.
    for n in range(2):
        one = MLP(res.sizes, activation, init="he", rng=5)
        _, d1 = losses.softmax_cross_entropy(one.forward(x[n:n + 1]), y[n:n + 1])
        one.backward(d1)
        for k in range(4):
            own = np.linalg.norm(one.layers[k].grads["weight"], axis=1)
            shown = np.nan_to_num(10.0 ** res.instance_examples[k][n], nan=0.0)
            np.testing.assert_allclose(shown, own, rtol=1e-10, atol=1e-300)
            np.testing.assert_allclose(10.0 ** res.delta_log10[k, n],
                                       np.linalg.norm(one.deltas[k][0]), rtol=1e-10)
    # Quantiles and the counts above the median, from all per-instance norms.
    for k in range(4):
        g = per_instance[k]
        logs = np.log10(g[g > 0])
        np.testing.assert_allclose(res.instance_quantiles[k],
                                   np.quantile(logs, deepgrad.QUANTILES), rtol=1e-10)
        assert res.instance_zero[k] == pytest.approx(np.mean(g == 0))
        for dec in deepgrad.OUTLIER_DECADES:
            expected = np.count_nonzero(logs > np.median(logs) + dec) / g.size
            assert res.above(dec)[k] == pytest.approx(expected)


def test_relu_zeros_are_nan_and_counted(data):
    x, y = data
    res = deepgrad.neuron_gradients(x, y, "relu", hidden=2, width=16, rng=0)
    assert 0.2 < res.instance_zero[0] < 0.8  # about half the units are off per image
    assert res.instance_zero[-1] == 0.0      # the output layer has no ReLU
    assert np.isnan(res.instance_examples[0]).any()
    assert np.isfinite(res.quantile(0.5)).all()
    sig = deepgrad.neuron_gradients(x, y, "sigmoid", hidden=2, width=16, rng=0)
    assert sig.instance_zero.max() == 0.0 and not np.isnan(sig.batch_log10[0]).any()


def test_sigmoid_gradients_shrink_with_depth(data):
    """A deep sigmoid net at initialisation: each layer back loses at least a factor of
    about 4 (sigma' <= 1/4), so 8 layers back lose several decades."""
    x, y = data
    res = deepgrad.neuron_gradients(x, y, "sigmoid", hidden=8, width=32, rng=1)
    med = res.batch_median()
    assert np.all(np.diff(med[:-1]) > 0)  # grows towards the output
    assert deepgrad.decades_lost(med, 8, 1) > 3
    # layers_back: the first layer, walking back from the last hidden one, 1000x below it
    hit = deepgrad.first_layer_below(med, res.n_layers - 1, 3.0)
    assert hit is not None and res.layers_back("batch", decades=3.0) == hit[1]
    assert res.layers_back("batch", decades=1e6) is None


def test_sweep_keys(data):
    x, y = data
    res = deepgrad.sweep(x, y, ("tanh", "elu"), ("pytorch", "glorot"), hidden=1, width=4)
    assert set(res) == {("tanh", "pytorch"), ("elu", "pytorch"), ("tanh", "glorot"),
                        ("elu", "glorot")}
    assert res[("elu", "glorot")].init == "glorot"


def test_summaries():
    values = np.array([-9.0, -6.0, -5.5, -3.0, -1.0])
    assert deepgrad.decades_lost(values, 4, 1) == 6.0
    assert deepgrad.first_layer_below(values, 4, 2.0) == (3, 1)
    assert deepgrad.first_layer_below(values, 4, 5.0) == (1, 3)
    assert deepgrad.first_layer_below(values, 4, 7.0) is None


def test_result_accessors_reject_unknown(data):
    x, y = data
    res = deepgrad.neuron_gradients(x, y, "tanh", hidden=1, width=4)
    with pytest.raises(ValueError, match="q must be one of"):
        res.quantile(0.3)
    with pytest.raises(ValueError, match="decades must be one of"):
        res.above(4.0)


def test_neuron_gradients_bad_input(data):
    x, y = data
    with pytest.raises(ValueError, match="y must be integer labels of shape"):
        deepgrad.neuron_gradients(x, y[:-1], "tanh", hidden=1, width=4)
    with pytest.raises(ValueError, match="y must be integer labels"):
        deepgrad.neuron_gradients(x, y.astype(float), "tanh", hidden=1, width=4)
    with pytest.raises(ValueError, match=r"labels in 0..9"):
        deepgrad.neuron_gradients(x, y + 5, "tanh", hidden=1, width=4)
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        deepgrad.neuron_gradients(x.astype(int), y, "tanh", hidden=1, width=4)
    with pytest.raises(ValueError, match="x must have 2 dimensions"):
        deepgrad.neuron_gradients(x[0], y, "tanh", hidden=1, width=4)
    with pytest.raises(ValueError, match="hidden must be a positive integer"):
        deepgrad.neuron_gradients(x, y, "tanh", hidden=0, width=4)
    with pytest.raises(ValueError, match="unknown activation"):
        deepgrad.neuron_gradients(x, y, "swish", hidden=1, width=4)
    with pytest.raises(ValueError, match="unknown init"):
        deepgrad.neuron_gradients(x, y, "tanh", "lecun", hidden=1, width=4)


def test_medians_and_decay_summaries(data):
    x, y = data
    res = deepgrad.neuron_gradients(x, y, "sigmoid", hidden=5, width=32, rng=1)
    np.testing.assert_array_equal(res.median("batch"), res.batch_median())
    np.testing.assert_array_equal(res.median("instances"), res.quantile(0.5))
    assert res.decades_lost("batch") == deepgrad.decades_lost(res.batch_median(), 5, 1)
    assert res.decades_lost("instances") > 1      # sigmoid: vanishing over 4 layers
    predicted, measured = res.delta_decay()
    assert predicted == pytest.approx(-np.sum(np.log10(res.gains)))
    assert measured == pytest.approx(np.median(res.delta_log10[4]) - np.median(res.delta_log10[0]))
    assert measured > 1
    with pytest.raises(ValueError, match="view must be one of"):
        res.median("neurons")
