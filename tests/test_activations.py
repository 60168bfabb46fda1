"""Activations: values, derivatives against finite differences, the overflow-free and
dtype-preserving sigmoid, and the registry's errors."""

import warnings

import numpy as np
import pytest

from rnnlib import activations
from rnnlib.activations import NAMES, get, sigmoid

Z = np.linspace(-4, 4, 17) + 0.05  # avoids the kinks of relu/elu at 0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_derivative_matches_centred_differences(name, alpha):
    act = get(name, alpha=alpha)
    eps = 1e-6
    numeric = (act.f(Z + eps) - act.f(Z - eps)) / (2 * eps)
    np.testing.assert_allclose(act.df(Z, act.f(Z)), numeric, rtol=1e-7, atol=1e-9)


def test_values():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(get("identity").f(z), z)
    np.testing.assert_allclose(get("sigmoid").f(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(get("tanh").f(z), np.tanh(z), rtol=0)
    np.testing.assert_array_equal(get("relu").f(z), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(get("elu", alpha=2.0).f(z), np.where(z > 0, z, 2 * np.expm1(z)))
    assert get("relu").df(np.array([0.0]), np.array([0.0]))[0] == 0  # PyTorch's choice


def test_sigmoid_no_overflow_and_saturates():
    z = np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow RuntimeWarning would fail the test
        a = sigmoid(z)
    assert np.all(np.isfinite(a)) and np.all((a >= 0) & (a <= 1))
    np.testing.assert_array_equal(a[[0, 1, 3, 5, 6]], [0, 0, 0.5, 1, 1])
    np.testing.assert_allclose(sigmoid(z[2:5]), 1 / (1 + np.exp(-z[2:5])), rtol=0, atol=1e-16)


def test_sigmoid_keeps_float32_and_accepts_scalars_and_ints():
    z32 = np.linspace(-50, 50, 11, dtype=np.float32)
    assert sigmoid(z32).dtype == np.float32
    assert get("sigmoid").df(z32, sigmoid(z32)).dtype == np.float32
    assert sigmoid(np.array([1, 2])).dtype == np.float64
    assert sigmoid(0.0) == 0.5 and isinstance(float(sigmoid(3)), float)


def test_one_sigmoid_in_rnnlib():
    """The gates and the BCE loss use activations.sigmoid, not copies of it."""
    from rnnlib import losses
    from rnnlib.cells import gru, lstm
    assert lstm.sigmoid is gru.sigmoid is losses.sigmoid is activations.sigmoid


def test_gamma_and_bounded():
    assert [get(n).gamma for n in NAMES] == [1.0, 0.25, 1.0, 1.0, 1.0]
    assert get("elu", alpha=3.0).gamma == 3.0 and get("elu", alpha=3.0).name == "elu(alpha=3)"
    assert [get(n).bounded for n in NAMES] == [False, True, True, False, False]


def test_registry_errors_and_passthrough():
    with pytest.raises(ValueError, match="unknown activation 'softsign'; known activations: "
                                         "identity, sigmoid, tanh, relu, elu"):
        get("softsign")
    with pytest.raises(ValueError, match="unknown activation 3"):
        get(3)
    with pytest.raises(ValueError, match="alpha must be a positive finite number, got -1"):
        get("elu", alpha=-1)
    act = get("TANH")
    assert act.name == "tanh" and get(act) is act


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name):
    act = get(name, alpha=0.5)
    z = np.linspace(-3, 3, 7, dtype=np.float32)
    a = act.f(z)
    assert a.dtype == np.float32 and act.df(z, a).dtype == np.float32
