import numpy as np
import pytest

from rnnlib.gradcheck import check_gradients, numerical_gradient, relative_error


def test_numerical_gradient_of_a_known_function():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    b = rng.standard_normal(4)

    def loss():
        return np.sum(np.sin(a) @ b)

    g = numerical_gradient(loss, a)
    assert relative_error(np.cos(a) * b, g) < 1e-9
    before = a.copy()
    numerical_gradient(loss, a)
    np.testing.assert_array_equal(a, before)  # restored after perturbation


def test_check_gradients_flags_a_wrong_gradient():
    x = np.linspace(-1, 1, 5)
    errs = check_gradients(lambda: np.sum(x**3), {"x": x}, {"x": 3 * x**2})
    assert errs["x"] < 1e-8
    errs = check_gradients(lambda: np.sum(x**3), {"x": x}, {"x": 2 * x**2})
    assert errs["x"] > 0.1


def test_errors():
    with pytest.raises(KeyError, match="no analytic gradient"):
        check_gradients(lambda: 0.0, {"x": np.zeros(2)}, {})
    with pytest.raises(TypeError, match="floating point"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=int))
    with pytest.raises(TypeError, match="float64.*got float32"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda: 0.0, np.zeros((3, 4))[:, :2])
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.zeros(2), np.zeros(3))


def test_a_non_finite_gradient_fails_the_check_even_after_a_good_one():
    """max() over several reports must not skip it, as it would skip a NaN."""
    assert relative_error(np.array([np.nan, 1.0]), np.array([1.0, 1.0])) == np.inf
    assert relative_error(np.array([1.0]), np.array([np.inf])) == np.inf
    a, b = np.array([1.0, 2.0]), np.array([3.0])
    errors = check_gradients(lambda: float(np.sum(a**2) + b[0] ** 2), {"a": a, "b": b},
                             {"a": 2 * a, "b": np.array([np.nan])})
    assert errors["a"] < 1e-7 and errors["b"] == np.inf
    assert not max(errors.values()) < 1e-7


def test_a_non_finite_loss_or_a_bad_eps_is_an_error():
    a = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="the loss is not finite"):
        numerical_gradient(lambda: np.nan, a)
    for eps in (0.0, -1e-6):
        with pytest.raises(ValueError, match="eps must be a positive finite number"):
            numerical_gradient(lambda: float(np.sum(a)), a, eps)
