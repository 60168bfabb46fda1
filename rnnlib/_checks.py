"""Input validation shared by every module: clear errors that name the argument,
say what was expected and what was given."""

import numbers

import numpy as np

MAX_PARAM_BYTES = 2 * 2**30  # default limit of a layer's or cell's parameters (+ gradients)


def as_float_array(name, x, *, ndim=None, shape=None, dtype=None, finite=True, ints=False):
    """Return ``x`` as a floating-point ndarray, or raise a clear error.

    name  : the argument's name, used in the message.
    ints  : convert integer arrays (and lists of ints) to float64 (or ``dtype``) instead of
            refusing them; bool, complex, object and string arrays are refused either way.
    ndim  : required number of dimensions (int), or None.
    shape : required shape; ``None`` entries match any size.
    dtype : if given, the array is converted to this floating dtype.
    finite: reject NaN and infinity.
    """
    arr = np.asarray(x)
    is_int = np.issubdtype(arr.dtype, np.integer)
    if ints and is_int:
        arr = arr.astype(np.float64 if dtype is None else dtype)
    if not np.issubdtype(arr.dtype, np.floating):
        hint = f" (cast with {name}.astype(float))" if is_int else ""
        raise TypeError(f"{name} must be a floating-point array, got dtype {arr.dtype}{hint}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if shape is not None:
        expected = tuple(shape)
        if len(expected) != arr.ndim or any(
            e is not None and e != g for e, g in zip(expected, arr.shape, strict=True)
        ):
            shown = tuple("any" if e is None else e for e in expected)
            raise ValueError(f"{name} must have shape {shown}, got {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s)")
    return arr


def as_real_array(name, x, **kwargs):
    """:func:`as_float_array` for teaching functions: what a student types (a list, an
    integer array) is converted to float; bool, complex, object and strings are refused."""
    return as_float_array(name, x, ints=True, **kwargs)


def check_param_memory(what, n_values, dtype, max_bytes=None):
    """Refuse (ValueError) parameters whose ``n_values`` values, with their gradients,
    would need more than ``max_bytes`` (default :data:`MAX_PARAM_BYTES`, 2 GiB), before
    anything is allocated (instead of NumPy's MemoryError after trying)."""
    limit = MAX_PARAM_BYTES if max_bytes is None else as_positive_float("max_param_bytes",
                                                                        max_bytes)
    need = 2 * int(n_values) * np.dtype(dtype).itemsize  # parameters + gradients
    if need > limit:
        raise ValueError(f"{what} would need at least {need / 2**30:.3g} GiB: {n_values:,} "
                         f"weights of {np.dtype(dtype).itemsize} bytes, and as many gradients; "
                         f"that is more than max_param_bytes = {limit / 2**30:.3g} GiB. Use "
                         "smaller sizes or pass a larger max_param_bytes")


def load_arrays(params, state, name="state_dict"):
    """Copy ``state[k]`` into ``params[k]`` IN PLACE for every key (``load_state_dict``).

    Keys must match exactly (KeyError listing the missing and unexpected ones) and each
    value must be a finite float array of the parameter's shape; every value is checked
    before any is copied, so a failed load leaves the parameters unchanged.
    """
    missing = sorted(set(params) - set(state))
    unexpected = sorted(set(state) - set(params))
    if missing or unexpected:
        raise KeyError(f"{name} keys do not match: missing {missing}, unexpected {unexpected}")
    # converted to the parameter's dtype BEFORE the finite check: 1e39 is finite in float64
    # but overflows to inf in float32
    with np.errstate(over="ignore"):  # an overflow is reported as an error just below
        values = {k: as_float_array(f"{name}[{k!r}]", state[k], shape=p.shape, dtype=p.dtype)
                  for k, p in params.items()}
    for k, value in values.items():
        params[k][...] = value


def _check_int_type(name, value, expected):
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}")


def check_positive_int(name, value):
    """``value`` as an int >= 1: TypeError unless an integer (bool rejected), ValueError
    if it is < 1."""
    _check_int_type(name, value, "a positive integer")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_nonnegative_int(name, value):
    """``value`` as an int >= 0: TypeError unless an integer (bool rejected), ValueError
    if it is negative."""
    _check_int_type(name, value, "a non-negative integer")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _as_real(name, value):
    """A real scalar (Python or NumPy int or float, or a 0-d real array; not bool) as a
    Python float, or a TypeError naming ``name``."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def as_finite_float(name, value):
    """A real finite scalar (Python or NumPy int or float, or a 0-d real array; not bool)
    as a Python float: TypeError for another type, ValueError for NaN or infinity."""
    value = _as_real(name, value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def as_positive_float(name, value):
    """A real finite scalar > 0 as a Python float: TypeError for a non-real type (as
    :func:`as_finite_float`), ValueError for NaN, infinity, zero or a negative value."""
    value = _as_real(name, value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def check_float_dtype(name, dtype):
    """``dtype`` as a NumPy floating dtype (float16/32/64...), or a TypeError naming
    ``name``."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{name} must be a floating-point dtype, got {dtype!r}") from err
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"{name} must be a floating-point dtype, got {dt}")
    return dt


def as_generator(rng):
    """A ``numpy.random.Generator`` from a seed (int), a Generator, or ``None`` (seed 0)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng must be a non-negative int seed or a "
                             f"numpy.random.Generator, got {int(rng)}")
        return np.random.default_rng(int(rng))
    raise TypeError("rng must be an int seed or a numpy.random.Generator, "
                    f"got {type(rng).__name__}")
