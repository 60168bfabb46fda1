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
