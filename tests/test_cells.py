"""Recurrent cells: gradient checks of every parameter, the input and the state, and input
validation."""

import numpy as np
import pytest

from rnnlib.cells import RNNCell
from rnnlib.gradcheck import check_gradients

B, D, H = 3, 4, 3
TOL = 1e-7


def _random_state(cell, rng):
    parts = [rng.normal(size=(B, H)) for _ in range(cell.state_parts)]
    return parts[0] if cell.state_parts == 1 else tuple(parts)


def _as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def _gradcheck_cell(cell, seed=0):
    """Loss = sum(h' * R) (+ sum(c' * Rc)); check every parameter, x and the state."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(B, D))
    state = _random_state(cell, rng)
    weights = [rng.normal(size=(B, H)) for _ in range(cell.state_parts)]

    def loss():
        new, _ = cell.forward(x, state)
        return sum(np.sum(s * w) for s, w in zip(_as_tuple(new), weights, strict=True))

    cell.zero_grad()
    _, cache = cell.forward(x, state)
    d_new = weights[0] if cell.state_parts == 1 else tuple(weights)
    dx, d_state = cell.backward(d_new, cache)
    arrays = dict(cell.params, x=x)
    analytic = dict(cell.grads, x=dx)
    for k, (s, ds) in enumerate(zip(_as_tuple(state), _as_tuple(d_state), strict=True)):
        arrays[f"state{k}"] = s
        analytic[f"state{k}"] = ds
    errors = check_gradients(loss, arrays, analytic)
    assert max(errors.values()) < TOL, errors
    return errors


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "elu", "identity"])
def test_rnn_cell_gradcheck(activation):
    errors = _gradcheck_cell(RNNCell(D, H, activation=activation, rng=1))
    assert set(errors) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "x", "state0"}


def test_rnn_cell_forward_equation():
    cell = RNNCell(D, H, activation="tanh", rng=2)
    rng = np.random.default_rng(3)
    x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    p = cell.params
    expected = np.tanh(x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"])
    new, _ = cell.forward(x, h)
    np.testing.assert_allclose(new, expected, rtol=1e-12, atol=1e-14)


def test_rnn_cell_init_pytorch_range_and_seed():
    a, b = RNNCell(D, 16, rng=5), RNNCell(D, 16, rng=5)
    for name, value in a.params.items():
        assert np.all(np.abs(value) <= 1 / np.sqrt(16)), name
        np.testing.assert_array_equal(value, b.params[name])
    assert a.params["weight_ih"].shape == (16, D)
    assert a.params["weight_hh"].shape == (16, 16)
    assert a.params["bias_ih"].shape == a.params["bias_hh"].shape == (16,)


def test_cell_backward_adds_and_zero_grad_resets():
    cell = RNNCell(D, H, rng=0)
    rng = np.random.default_rng(0)
    x, h, dh = (rng.normal(size=(B, n)) for n in (D, H, H))
    cell.zero_grad()
    _, cache = cell.forward(x, h)
    cell.backward(dh, cache)
    once = {k: v.copy() for k, v in cell.grads.items()}
    grads_before = {k: id(v) for k, v in cell.grads.items()}
    cell.backward(dh, cache)
    for k in once:
        np.testing.assert_allclose(cell.grads[k], 2 * once[k], rtol=1e-12)
    cell.zero_grad()
    assert all(not np.any(v) for v in cell.grads.values())
    assert {k: id(v) for k, v in cell.grads.items()} == grads_before


def test_cell_none_state_is_zeros():
    cell = RNNCell(D, H, rng=0)
    x = np.random.default_rng(0).normal(size=(B, D))
    a, _ = cell.forward(x, None)
    b, _ = cell.forward(x, np.zeros((B, H)))
    np.testing.assert_array_equal(a, b)


def test_cell_float32_stays_float32():
    cell = RNNCell(D, H, rng=0, dtype=np.float32)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, D)).astype(np.float32)
    h, cache = cell.forward(x, None)
    dx, dh = cell.backward(np.ones((B, H), np.float32), cache)
    assert h.dtype == dx.dtype == dh.dtype == np.float32
    assert all(v.dtype == np.float32 for v in cell.params.values())
    assert all(v.dtype == np.float32 for v in cell.grads.values())


@pytest.mark.parametrize("make", [lambda: RNNCell(D, H, rng=0)])
def test_cell_bad_inputs(make):
    cell = make()
    x = np.zeros((B, D))
    with pytest.raises(ValueError, match=r"x must have 2 dimensions"):
        cell.forward(np.zeros((1, B, D)))
    with pytest.raises(ValueError, match=r"x must have shape \('any', 4\), got \(3, 5\)"):
        cell.forward(np.zeros((B, D + 1)))
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        cell.forward(np.zeros((B, D), dtype=int))
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        bad = x.copy()
        bad[0, 0] = np.nan
        cell.forward(bad)
    with pytest.raises(ValueError, match="x contains 1 NaN or infinite"):
        bad = x.copy()
        bad[1, 1] = np.inf
        cell.forward(bad)
    with pytest.raises((ValueError, TypeError), match="state"):
        cell.forward(x, np.zeros((B + 1, H)) if cell.state_parts == 1 else
                     (np.zeros((B, H)), np.zeros((B, H + 1))))
    _, cache = cell.forward(x)
    with pytest.raises((ValueError, TypeError), match="d_new_state"):
        cell.backward(np.zeros((B, H + 1)), cache)


def test_cell_bad_constructor_arguments():
    with pytest.raises(ValueError, match="unknown activation 'softsign'"):
        RNNCell(D, H, activation="softsign")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        RNNCell(D, 0)
    with pytest.raises(ValueError, match="input_size must be a positive integer"):
        RNNCell(2.5, H)
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype"):
        RNNCell(D, H, dtype=np.int32)
    with pytest.raises(TypeError, match="rng must be an int seed"):
        RNNCell(D, H, rng="seed")


def test_rnn_cell_state_must_be_single_array():
    cell = RNNCell(D, H, rng=0)
    with pytest.raises(TypeError, match="state must be one array h"):
        cell.forward(np.zeros((B, D)), (np.zeros((B, H)), np.zeros((B, H))))
