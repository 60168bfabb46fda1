import numpy as np
import pytest

from rnnlib import activations
from rnnlib.dense import MLP, Dense
from rnnlib.gradcheck import check_gradients


def _check_layer(layer, x, rng):
    """Gradcheck params and input of ``layer`` for L = sum(R * layer(x))."""
    y = layer.forward(x)
    r = rng.standard_normal(y.shape)
    dx = layer.backward(r)
    analytic = {**{k: g.copy() for k, g in layer.grads.items()}, "x": dx}
    arrays = {**layer.params, "x": x}
    errs = check_gradients(lambda: np.sum(r * layer.forward(x)), arrays, analytic)
    return errs


@pytest.mark.parametrize("init", ["pytorch", "glorot", "he"])
def test_dense_gradcheck_each_init_with_leading_dims(init):
    rng = np.random.default_rng(1)
    layer = Dense(4, 3, init=init, rng=2)
    x = rng.standard_normal((5, 2, 4))  # (T, B, in)
    errs = _check_layer(layer, x, rng)
    assert max(errs.values()) < 1e-7, errs
    assert set(layer.grads) == {"weight", "bias"}


def test_dense_matches_formula_and_overwrites_grads():
    rng = np.random.default_rng(0)
    layer = Dense(3, 2, rng=0)
    x = rng.standard_normal((4, 3))
    y = layer.forward(x)
    np.testing.assert_allclose(y, x @ layer.params["weight"].T + layer.params["bias"])
    dy = rng.standard_normal((4, 2))
    grads_obj = layer.grads["weight"]
    layer.backward(dy)
    layer.backward(dy)  # a second call overwrites, it does not accumulate
    np.testing.assert_allclose(layer.grads["weight"], dy.T @ x)
    np.testing.assert_allclose(layer.grads["bias"], dy.sum(0))
    assert layer.grads["weight"] is grads_obj  # written in place


def test_dense_1d_input():
    layer = Dense(3, 2, rng=0)
    x = np.array([1.0, -2.0, 0.5])
    y = layer.forward(x)
    assert y.shape == (2,)
    dx = layer.backward(np.ones(2))
    np.testing.assert_allclose(dx, layer.params["weight"].sum(0))
    np.testing.assert_allclose(layer.grads["weight"], np.outer(np.ones(2), x))


def test_inits_have_documented_distributions():
    n_in, n_out = 400, 300
    w, b = Dense(n_in, n_out, init="pytorch", rng=0).params.values()
    k = 1 / np.sqrt(n_in)
    assert np.abs(w).max() <= k and np.abs(b).max() <= k
    assert np.abs(w).max() > 0.99 * k and np.abs(b).max() > 0.95 * k
    assert abs(w.var() - k**2 / 3) < 0.03 * k**2 / 3  # var of U(-k, k)
    w, b = Dense(n_in, n_out, init="glorot", rng=0).params.values()
    a = np.sqrt(6 / (n_in + n_out))
    assert np.abs(w).max() <= a and np.abs(w).max() > 0.99 * a and not b.any()
    w, b = Dense(n_in, n_out, init="he", rng=0).params.values()
    assert abs(w.std() - np.sqrt(2 / n_in)) < 0.01 * np.sqrt(2 / n_in) and not b.any()
    assert abs(w.mean()) < 0.01 * np.sqrt(2 / n_in)


def test_seeding_is_reproducible_and_dtype_respected():
    a = Dense(5, 4, rng=3)
    b = Dense(5, 4, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.params["weight"], b.params["weight"])
    assert not np.array_equal(a.params["weight"], Dense(5, 4, rng=4).params["weight"])
    c = Dense(5, 4, rng=3, dtype=np.float32)
    assert c.params["weight"].dtype == np.float32
    assert c.forward(np.ones((2, 5))).dtype == np.float32


@pytest.mark.parametrize(("activation", "output_activation"),
                         [("relu", "tanh"), ("tanh", "tanh"), ("elu", "tanh"),
                          ("sigmoid", "tanh"), ("relu", "sigmoid"), ("elu", "identity")])
def test_mlp_gradcheck_depth_3(activation, output_activation):
    rng = np.random.default_rng(5)
    mlp = MLP([4, 6, 5, 3], activation, rng=6, output_activation=output_activation)
    x = rng.standard_normal((7, 4))
    y = mlp.forward(x)
    r = rng.standard_normal(y.shape)
    dx = mlp.backward(r)
    analytic = {**{k: g.copy() for k, g in mlp.grads.items()}, "x": dx}
    errs = check_gradients(lambda: np.sum(r * mlp.forward(x)), {**mlp.params, "x": x},
                           analytic)
    assert max(errs.values()) < 1e-7, errs
    assert len(errs) == 7  # 3 weights, 3 biases, x


def test_mlp_keys_caches_and_deltas():
    rng = np.random.default_rng(0)
    mlp = MLP([3, 4, 2], "tanh", rng=0)
    assert list(mlp.params) == ["layers.0.weight", "layers.0.bias", "layers.1.weight",
                                "layers.1.bias"]
    assert mlp.params["layers.1.weight"] is mlp.layers[1].params["weight"]
    x = rng.standard_normal((5, 3))
    y = mlp.forward(x)
    z0 = mlp.preactivations[0].copy()
    np.testing.assert_allclose(mlp.activations[1], np.tanh(z0))
    np.testing.assert_array_equal(mlp.activations[0], x)
    np.testing.assert_array_equal(mlp.activations[2], y)  # identity output
    dy = rng.standard_normal(y.shape)
    mlp.backward(dy)
    np.testing.assert_allclose(mlp.deltas[1], dy)
    d0 = (dy @ mlp.params["layers.1.weight"]) * (1 - np.tanh(z0) ** 2)
    np.testing.assert_allclose(mlp.deltas[0], d0)
    np.testing.assert_allclose(mlp.grads["layers.0.weight"], d0.T @ x)
    assert mlp.preactivations == [None, None]  # freed by backward
    # per-neuron gradient norms: batch and per instance
    np.testing.assert_allclose(mlp.neuron_grad_norms(0),
                               np.linalg.norm(d0.T @ x, axis=1))
    np.testing.assert_array_equal(mlp.neuron_grad_norms(-2), mlp.neuron_grad_norms(0))
    per = mlp.neuron_grad_norms(0, per_instance=True)
    assert per.shape == (5, 4)
    n, j = 2, 3
    np.testing.assert_allclose(per[n, j], np.linalg.norm(d0[n, j] * x[n]))


def test_mlp_float64_keeps_tiny_values():
    mlp = MLP([2, 3, 1], "sigmoid", rng=0)
    mlp.forward(np.ones((1, 2)))
    dx = mlp.backward(np.full((1, 1), 1e-300))
    assert np.all(np.abs(dx) > 0) and np.all(np.abs(dx) < 1e-299)
    assert mlp.deltas[0].dtype == np.float64


def test_mlp_with_an_activation_returning_its_input():
    # an identity whose f returns z itself: a_{k+1} IS z_k, so backward must not reuse z
    same = activations.Activation("same", lambda z: z, lambda z, a: np.ones_like(z), 1.0, False)
    mlp = MLP([2, 3, 2], same, rng=0)
    x = np.array([[1.0, -2.0]])
    y = mlp.forward(x)
    a1 = mlp.activations[1].copy()  # the hidden activation IS z_0 here
    mlp.backward(np.full_like(y, 0.5))
    np.testing.assert_array_equal(mlp.activations[1], a1)  # not overwritten by delta_0
    w1 = mlp.params["layers.1.weight"]
    np.testing.assert_allclose(mlp.grads["layers.0.weight"], (np.full((1, 2), 0.5) @ w1).T @ x)


def test_mlp_state_dict_roundtrip():
    a, b = MLP([3, 4, 2], rng=0), MLP([3, 4, 2], rng=1)
    b.load_state_dict(a.state_dict())
    x = np.ones((2, 3))
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    with pytest.raises(KeyError, match="do not match"):
        b.load_state_dict({"layers.0.weight": np.zeros((4, 3))})
    state = a.state_dict()
    state["layers.0.weight"] = np.zeros((3, 4))
    with pytest.raises(ValueError, match="layers.0.weight"):
        b.load_state_dict(state)


def test_bad_inputs():
    with pytest.raises(ValueError, match="unknown init 'lecun'.*pytorch, glorot, he"):
        Dense(3, 2, init="lecun")
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        Dense(0, 2)
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype"):
        Dense(3, 2, dtype=np.int64)
    with pytest.raises(TypeError, match="rng must be"):
        Dense(3, 2, rng="seed")
    layer = Dense(3, 2)
    with pytest.raises(RuntimeError, match="call forward before backward"):
        layer.backward(np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 3\), got \(2, 4\)"):
        layer.forward(np.ones((2, 4)))
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        layer.forward(np.ones((2, 3), dtype=int))
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        layer.forward(np.array([[1.0, np.nan, 0.0]]))
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="dy must have shape"):
        layer.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP([3, 2], "swish")
    with pytest.raises(ValueError, match="at least an input and an output"):
        MLP([3])
    with pytest.raises(ValueError, match=r"sizes\[1\] must be a positive integer"):
        MLP([3, 0, 2])
    mlp = MLP([3, 4, 2])
    with pytest.raises(RuntimeError, match="call forward before backward"):
        mlp.backward(np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 3\)"):
        mlp.forward(np.ones((1, 2)))
    mlp.forward(np.ones((1, 3)))
    with pytest.raises(ValueError, match="dy must have shape"):
        mlp.backward(np.ones((2, 2)))
    with pytest.raises(RuntimeError, match="call forward and backward"):
        mlp.neuron_grad_norms(0)
    with pytest.raises(ValueError, match=r"k must be a layer index in -2\.\.1, got 2"):
        mlp.neuron_grad_norms(2)
    with pytest.raises(TypeError, match="k must be an integer layer index"):
        mlp.neuron_grad_norms(0.5)
    mlp.backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="call forward again"):
        mlp.backward(np.ones((1, 2)))


def test_backward_rejects_non_finite_dy():
    layer = Dense(3, 2, rng=0)
    layer.forward(np.ones((4, 3)))
    dy = np.ones((4, 2))
    dy[1, 0] = np.inf
    with pytest.raises(ValueError, match="dy contains 1 NaN or infinite"):
        layer.backward(dy)
    assert not np.any(layer.grads["weight"])  # untouched
    mlp = MLP([3, 4, 2], "tanh", rng=0)
    mlp.forward(np.ones((4, 3)))
    dy[2, 1] = np.nan
    with pytest.raises(ValueError, match="dy contains 2 NaN or infinite"):
        mlp.backward(dy)
    assert mlp.preactivations[-1] is not None  # nothing freed: a valid backward still runs
    mlp.backward(np.ones((4, 2)))
    assert np.any(mlp.grads["layers.0.weight"])


def test_float32_dense_backward_keeps_float32_for_a_float64_dy():
    layer = Dense(3, 2, rng=0, dtype=np.float32)
    layer.forward(np.ones((4, 3), np.float32))
    dx = layer.backward(np.ones((4, 2)))  # float64 upstream gradient
    assert dx.dtype == np.float32 and layer.grads["weight"].dtype == np.float32
