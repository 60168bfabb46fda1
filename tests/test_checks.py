"""The shared argument checks: accepted values, and the error type and message for each
kind of bad input."""

import numpy as np
import pytest

from rnnlib._checks import (
    as_finite_float,
    as_positive_float,
    check_float_dtype,
    check_nonnegative_int,
    check_positive_int,
    load_arrays,
)


def test_check_positive_int():
    assert check_positive_int("n", 3) == 3 and type(check_positive_int("n", 3)) is int
    assert check_positive_int("n", np.int64(7)) == 7
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        check_positive_int("n", 0)
    with pytest.raises(ValueError, match="n must be a positive integer, got -2"):
        check_positive_int("n", -2)
    for bad in (2.0, "3", True, None):
        with pytest.raises(TypeError, match="n must be a positive integer, got"):
            check_positive_int("n", bad)


def test_check_nonnegative_int():
    assert check_nonnegative_int("k", 0) == 0
    assert type(check_nonnegative_int("k", np.int32(4))) is int
    with pytest.raises(ValueError, match="k must be a non-negative integer, got -1"):
        check_nonnegative_int("k", -1)
    with pytest.raises(TypeError, match="k must be a non-negative integer, got float 1.5"):
        check_nonnegative_int("k", 1.5)
    with pytest.raises(TypeError, match="k must be a non-negative integer, got bool"):
        check_nonnegative_int("k", False)


def test_as_finite_float():
    for value, expected in ((2, 2.0), (np.float32(0.5), 0.5), (np.int64(-3), -3.0),
                            (np.array(1.25), 1.25)):
        out = as_finite_float("b", value)
        assert type(out) is float and out == expected
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="b must be finite"):
            as_finite_float("b", bad)
    for bad in ("1.0", None, True, 1 + 2j, np.ones(2)):
        with pytest.raises(TypeError, match="b must be a real number, got"):
            as_finite_float("b", bad)


def test_as_positive_float():
    assert as_positive_float("lr", 3) == 3.0 and type(as_positive_float("lr", 3)) is float
    assert as_positive_float("lr", np.float32(0.5)) == 0.5
    for bad in (0, -1.5, np.nan, np.inf):
        with pytest.raises(ValueError, match="lr must be a positive finite number, got"):
            as_positive_float("lr", bad)
    for bad in ("0.1", None, False):
        with pytest.raises(TypeError, match="lr must be a real number, got"):
            as_positive_float("lr", bad)


def test_check_float_dtype():
    assert check_float_dtype("dtype", np.float32) == np.dtype(np.float32)
    assert check_float_dtype("dtype", "float64") == np.dtype(np.float64)
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype, got int64"):
        check_float_dtype("dtype", np.int64)
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype, got complex128"):
        check_float_dtype("dtype", np.complex128)
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype, got 'nope'"):
        check_float_dtype("dtype", "nope")


def test_load_arrays_checks_values_after_the_cast_to_the_parameters_dtype():
    """1e39 is finite in float64 but overflows float32: a clear error, nothing loaded."""
    params = {"w": np.zeros(2, np.float32)}
    with pytest.raises(ValueError, match=r"state_dict\['w'\] contains 1 NaN or infinite"):
        load_arrays(params, {"w": np.array([1.0, 1e39])})
    assert np.all(params["w"] == 0)
