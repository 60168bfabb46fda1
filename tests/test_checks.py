"""The shared argument checks: accepted values, and the error type and message for each
kind of bad input."""

import numpy as np
import pytest

from rnnlib._checks import (
    as_finite_float,
    as_float_array,
    as_generator,
    as_positive_float,
    as_real_array,
    check_float_dtype,
    check_nonnegative_int,
    check_param_memory,
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


def test_as_real_array_converts_what_a_student_types_and_refuses_the_rest():
    for value in ([1, 2], np.array([1, 2], dtype=np.int8), np.array([1, 2], dtype=np.uint64)):
        out = as_real_array("x", value)
        assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0]
    assert as_real_array("x", [1, 2], dtype=np.float32).dtype == np.float32
    assert as_real_array("x", [0.5]).tolist() == [0.5]
    for bad, dtype in [([True, False], "bool"), ([1j], "complex128"), (["1"], "<U1"),
                       (np.array([1, None], dtype=object), "object")]:
        with pytest.raises(TypeError, match=f"^x must be a floating-point array, got dtype "
                           f"{dtype}$"):
            as_real_array("x", bad)
    # the strict form (layers, cells) keeps refusing integers, and says how to cast
    with pytest.raises(TypeError, match=r"x must be a floating-point array, got dtype int\d+ "
                       r"\(cast with x.astype\(float\)\)"):
        as_float_array("x", [1, 2])


def test_check_param_memory():
    check_param_memory("Thing", 2**27, np.float64)  # 2 * 8 * 2**27 bytes = exactly 2 GiB
    with pytest.raises(ValueError, match=r"^Thing would need at least 2 GiB: 134,217,729 weights "
                       r"of 8 bytes, and as many gradients; that is more than max_param_bytes = "
                       r"2 GiB"):
        check_param_memory("Thing", 2**27 + 1, np.float64)
    check_param_memory("Thing", 2**27 + 1, np.float32)  # 4 bytes each: half the size
    with pytest.raises(ValueError, match="max_param_bytes = 1.49e-08 GiB"):
        check_param_memory("Thing", 2, np.float64, max_bytes=16)
    check_param_memory("Thing", 1, np.float64, max_bytes=16)


def test_as_generator_seeds():
    assert as_generator(3).integers(100) == np.random.default_rng(3).integers(100)
    with pytest.raises(ValueError, match="^rng must be a non-negative int seed or a "
                       "numpy.random.Generator, got -1$"):
        as_generator(-1)
    with pytest.raises(ValueError, match="got -2"):
        as_generator(np.int64(-2))
    for bad in (1.5, True, "0"):
        with pytest.raises(TypeError, match="rng must be an int seed or a numpy.random.Generator"):
            as_generator(bad)
