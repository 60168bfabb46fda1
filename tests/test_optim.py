import numpy as np
import pytest

from rnnlib.dense import Dense
from rnnlib.optim import SGD, Adam, clip_grad_norm, clip_grad_value, global_norm


def test_sgd_plain_and_in_place():
    layer = Dense(3, 2, rng=0)
    w = layer.params["weight"]
    before = w.copy()
    layer.grads["weight"][...] = 1.0
    layer.grads["bias"][...] = -2.0
    b_before = layer.params["bias"].copy()
    SGD(lr=0.1).step(layer.params, layer.grads)
    assert layer.params["weight"] is w  # the layer's own array was updated
    np.testing.assert_allclose(w, before - 0.1)
    np.testing.assert_allclose(layer.params["bias"], b_before + 0.2)


def test_sgd_momentum_matches_formula():
    p = {"w": np.array([1.0, -1.0])}
    gs = [np.array([1.0, 2.0]), np.array([-3.0, 0.5]), np.array([0.25, 0.25])]
    opt = SGD(lr=0.5, momentum=0.9)
    for g in gs:
        opt.step(p, {"w": g.copy()})
    v1 = gs[0]
    v2 = 0.9 * v1 + gs[1]
    v3 = 0.9 * v2 + gs[2]
    np.testing.assert_allclose(p["w"], np.array([1.0, -1.0]) - 0.5 * (v1 + v2 + v3))


def test_adam_two_steps_by_hand():
    # scalar theta = 1, gradients 0.5 then -0.2, lr 0.1, betas (0.9, 0.999), eps 1e-8
    p = {"w": np.array([1.0])}
    opt = Adam(lr=0.1)
    opt.step(p, {"w": np.array([0.5])})
    # m = 0.05, v = 0.00025; m_hat = 0.5, v_hat = 0.25 -> step 0.1 * 0.5 / (0.5 + 1e-8)
    assert p["w"][0] == pytest.approx(1 - 0.1 * 0.5 / (0.5 + 1e-8), abs=1e-15)
    opt.step(p, {"w": np.array([-0.2])})
    # m = 0.045 - 0.02 = 0.025, v = 0.00024975 + 0.00004 = 0.00028975
    # m_hat = 0.025 / 0.19, v_hat = 0.00028975 / 0.001999; m > 0 still, so theta decreases
    step2 = 0.1 * (0.025 / 0.19) / (np.sqrt(0.00028975 / 0.001999) + 1e-8)
    assert p["w"][0] == pytest.approx(1 - 0.1 * 0.5 / (0.5 + 1e-8) - step2, abs=1e-12)
    assert step2 == pytest.approx(0.03456, abs=1e-5)


def test_adam_state_per_key_and_minimises_a_quadratic():
    rng = np.random.default_rng(0)
    target = rng.standard_normal(5)
    p = {"a": np.zeros(5), "b": np.zeros((2, 2))}
    opt = Adam(lr=0.05)
    for _ in range(500):
        opt.step(p, {"a": 2 * (p["a"] - target), "b": 2 * p["b"] - 1.0})
    np.testing.assert_allclose(p["a"], target, atol=1e-3)
    np.testing.assert_allclose(p["b"], 0.5, atol=1e-3)
    assert opt.state["a"][0] == 500 and set(opt.state) == {"a", "b"}


def test_global_norm():
    g = {"a": np.array([3.0]), "b": np.array([[4.0, 0.0]])}
    assert global_norm(g) == pytest.approx(5.0)
    assert global_norm({"a": np.array([3e200, 4e200])}) == pytest.approx(5e200)  # no overflow
    assert global_norm({"a": np.zeros(3)}) == 0.0
    assert global_norm({"a": np.array([1.0, np.inf])}) == np.inf
    assert np.isnan(global_norm({"a": np.array([1.0, np.nan])}))


def test_clip_grad_norm_keeps_direction():
    rng = np.random.default_rng(1)
    g = {"a": rng.standard_normal((3, 4)) * 10, "b": rng.standard_normal(4) * 10}
    before = {k: v.copy() for k, v in g.items()}
    a_obj = g["a"]
    total = clip_grad_norm(g, 1.0)
    assert total == pytest.approx(global_norm(before))
    assert total > 1.0
    assert global_norm(g) == pytest.approx(1.0)
    assert g["a"] is a_obj
    for k in g:  # same direction: every entry scaled by the same positive factor
        np.testing.assert_allclose(g[k], before[k] / total)
    small = {"a": np.array([0.3, 0.4])}
    assert clip_grad_norm(small, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(small["a"], [0.3, 0.4])  # under the threshold: untouched


def test_global_norm_sees_a_nan_after_zeros_and_clipping_refuses_it():
    grads = {"a": np.zeros(3), "b": np.array([np.nan, 1.0])}
    assert np.isnan(global_norm(grads))
    assert global_norm({"a": np.zeros(2), "b": np.array([np.inf, 1.0])}) == np.inf
    with pytest.raises(FloatingPointError, match=r"NaN or infinite values in grads \['b'\]"):
        clip_grad_norm(grads, 1.0)
    assert global_norm({"a": np.zeros(3)}) == 0.0


def test_clip_grad_value():
    g = {"a": np.array([-5.0, 0.5, 3.0])}
    clip_grad_value(g, 1.0)
    np.testing.assert_array_equal(g["a"], [-1.0, 0.5, 1.0])
    for bad in (np.nan, np.inf):
        g = {"a": np.array([-5.0, 0.5]), "b": np.array([bad, 3.0])}
        with pytest.raises(FloatingPointError, match=r"NaN or infinite values in grads \['b'\]"):
            clip_grad_value(g, 1.0)
        np.testing.assert_array_equal(g["a"], [-5.0, 0.5])  # untouched


def test_bad_inputs():
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        SGD(lr=-1.0)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        SGD(lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\), got 1.0"):
        Adam(betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="eps must be a positive finite number, got 0.0"):
        Adam(eps=0.0)
    opt = SGD(lr=0.1)
    with pytest.raises(KeyError, match=r"only in params: \['b'\]"):
        opt.step({"a": np.zeros(2), "b": np.zeros(2)}, {"a": np.zeros(2)})
    with pytest.raises(ValueError, match=r"grads\['a'\] has shape \(3,\)"):
        opt.step({"a": np.zeros(2)}, {"a": np.zeros(3)})
    with pytest.raises(TypeError, match=r"params\['a'\] must be a floating-point ndarray"):
        opt.step({"a": [0.0, 0.0]}, {"a": np.zeros(2)})
    for bad in (np.nan, np.inf):
        for optimizer in (opt, Adam()):
            p = np.zeros(2)
            with pytest.raises(ValueError, match=r"grads\['a'\] contains NaN or infinite"):
                optimizer.step({"a": p}, {"a": np.array([0.0, bad])})
            assert not np.any(p)  # left untouched
    with pytest.raises(TypeError, match=r"grads\['a'\] must be a floating-point array"):
        opt.step({"a": np.zeros(2)}, {"a": np.zeros(2, int)})
    with pytest.raises(ValueError, match="max_norm must be a positive finite number"):
        clip_grad_norm({"a": np.zeros(2)}, 0)
    with pytest.raises(ValueError, match="clip must be a positive finite number"):
        clip_grad_value({"a": np.zeros(2)}, -1)


def test_float32_parameters_stay_float32():
    for opt in (SGD(lr=0.1, momentum=0.9), Adam(lr=0.1)):
        p = {"w": np.ones(3, np.float32)}
        for _ in range(2):
            opt.step(p, {"w": np.full(3, 0.5, np.float32)})
        assert p["w"].dtype == np.float32 and np.all(p["w"] < 1)
    g = {"w": np.full(4, 3.0, np.float32)}
    assert clip_grad_norm(g, 1.0) == pytest.approx(6.0)
    assert g["w"].dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(g["w"]), 1.0, rtol=1e-6)


def test_adam_betas_must_be_a_pair_in_the_unit_interval():
    with pytest.raises(ValueError, match=r"betas must be a pair \(beta1, beta2\) of numbers "
                                         r"in \[0, 1\), got tuple \(0.9,\)"):
        Adam(betas=(0.9,))
    with pytest.raises(ValueError, match=r"betas must be a pair .*got list \[0.9, 0.99, 0.5\]"):
        Adam(betas=[0.9, 0.99, 0.5])
    with pytest.raises(TypeError, match=r"betas must be a pair .*got float 0.9"):
        Adam(betas=0.9)
    with pytest.raises(ValueError, match=r"betas\[0\] must be in \[0, 1\), got -0.1"):
        Adam(betas=(-0.1, 0.999))
    with pytest.raises(ValueError, match=r"betas\[0\] must be finite, got nan"):
        Adam(betas=(np.nan, 0.999))
    with pytest.raises(TypeError, match=r"betas\[1\] must be a real number, got str"):
        Adam(betas=(0.9, "0.999"))
    with pytest.raises(TypeError, match=r"momentum must be a real number, got str"):
        SGD(lr=0.1, momentum="0.9")
    assert Adam(betas=[0, 0.5]).betas == (0.0, 0.5)


@pytest.mark.parametrize("make", [lambda: SGD(lr=0.1, momentum=0.9), lambda: Adam(lr=0.1)])
@pytest.mark.parametrize("shape", [(2, 3), (3, 2)])
def test_optimizer_reused_on_another_models_parameters(make, shape):
    """Same key, another array (a rebuilt model; same shape or not): an error, nothing
    updated; the stale state (momentum, Adam's moments and step count) is never applied."""
    opt = make()
    w = np.ones((2, 3))
    for _ in range(3):
        opt.step({"w": w}, {"w": np.ones((2, 3))})
    p = {"w": np.ones(shape), "b": np.ones(4)}
    g = {"w": np.ones(shape), "b": np.ones(4)}
    with pytest.raises(ValueError, match=r"params\['w'\] is not the array this optimizer has "
                                         r"been updating.*create a new optimizer"):
        opt.step(p, g)
    assert np.all(p["w"] == 1) and np.all(p["b"] == 1)  # nothing updated
    opt.step({"w": w}, {"w": np.ones((2, 3))})  # its own model still works
    make().step(p, g)  # and a new optimizer for the new model
    assert np.all(p["w"] < 1)


def test_adam_on_a_rebuilt_model_would_have_stepped_the_wrong_way():
    """Why the check exists: 50 steps with gradient +1, then a new model with gradient -1.
    A fresh Adam moves the new weight by +lr; the old one's moments would move it by about
    -0.08 (shown on its own array, reset to 0, which the check lets through)."""
    old = Adam(lr=0.1)
    w = np.zeros(2)
    for _ in range(50):
        old.step({"w": w}, {"w": np.ones(2)})
    new_w = np.zeros(2)
    with pytest.raises(ValueError, match="not the array"):
        old.step({"w": new_w}, {"w": -np.ones(2)})
    Adam(lr=0.1).step({"w": new_w}, {"w": -np.ones(2)})
    np.testing.assert_allclose(new_w, 0.1)
    w[...] = 0
    old.step({"w": w}, {"w": -np.ones(2)})
    np.testing.assert_allclose(w, -0.0799, atol=5e-4)


@pytest.mark.parametrize("make", [lambda: SGD(lr=0.1, momentum=0.9), lambda: Adam(lr=0.1)])
def test_parameters_given_as_fresh_views_of_one_buffer_are_the_same_parameters(make):
    """A model whose params are new view objects at each call (of the same memory) trains."""
    buf = np.ones(8)
    opt = make()
    for _ in range(3):
        params = {"w": buf[:6].reshape(3, 2), "b": buf[6:]}
        opt.step(params, {"w": np.ones((3, 2)), "b": np.ones(2)})
    assert np.all(buf < 1)
    with pytest.raises(ValueError, match="not the array"):  # other memory, same shapes
        opt.step({"w": buf[2:8].reshape(3, 2), "b": buf[6:]},
                 {"w": np.ones((3, 2)), "b": np.ones(2)})


def test_sgd_without_momentum_keeps_no_state_to_conflict():
    opt = SGD(lr=0.1)
    opt.step({"w": np.ones(2)}, {"w": np.ones(2)})
    p = {"w": np.ones(3)}
    opt.step(p, {"w": np.ones(3)})
    np.testing.assert_allclose(p["w"], 0.9)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_clip_grad_norm_rejects_non_finite_gradients(bad):
    grads = {"a": np.array([1.0, 2.0]), "b": np.array([bad, 0.0])}
    with pytest.raises(FloatingPointError, match=r"global norm is (nan|inf).*in grads \['b'\]"):
        clip_grad_norm(grads, 1.0)
    np.testing.assert_array_equal(grads["a"], [1.0, 2.0])  # untouched
