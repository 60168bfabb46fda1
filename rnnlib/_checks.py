"""Input validation shared by every module: clear errors that name the argument,
say what was expected and what was given."""

import numpy as np


def as_float_array(name, x, *, ndim=None, shape=None, dtype=None, finite=True):
    """Return ``x`` as a floating-point ndarray, or raise a clear error.

    name  : the argument's name, used in the message.
    ndim  : required number of dimensions (int), or None.
    shape : required shape; ``None`` entries match any size.
    dtype : if given, the array is converted to this floating dtype.
    finite: reject NaN and infinity.
    """
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array, got dtype {arr.dtype}")
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
    values = {k: as_float_array(f"{name}[{k!r}]", state[k], shape=p.shape)
              for k, p in params.items()}
    for k, value in values.items():
        params[k][...] = value


def check_positive_int(name, value):
    """Raise unless ``value`` is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def as_generator(rng):
    """A ``numpy.random.Generator`` from a seed (int), a Generator, or ``None`` (seed 0)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError("rng must be an int seed or a numpy.random.Generator, "
                    f"got {type(rng).__name__}")
