"""Small argument checks shared by the dynamics modules."""

import numbers

import numpy as np


def as_real(name, value):
    """A finite real number (int or float, not bool) as a Python float, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def as_nonneg_int(name, value):
    """An integer >= 0, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)
