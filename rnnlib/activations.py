"""Activation functions and their derivatives, in one registry by name.

Each activation is an :class:`Activation` with ``f(z)`` and ``df(z, a)``: the
derivative with respect to the pre-activation ``z``, given ``a = f(z)`` too so that
sigmoid and tanh reuse their output (sigma' = a (1 - a), tanh' = 1 - a**2).
Derivatives are elementwise: the Jacobian of ``f`` is ``diag(df(z, a))``
(the lecture's "matrix whose diagonal entries are the derivatives of the activation").

    >>> act = get("tanh")
    >>> a = act.f(z); da_dz = act.df(z, a)
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import as_positive_float


@dataclass(frozen=True)
class Activation:
    """An elementwise activation ``f`` with derivative ``df(z, a)`` and the bound ``gamma``
    on its derivative (sup |f'|), the gamma of Pascanu et al.'s vanishing condition."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray, np.ndarray], np.ndarray]
    gamma: float
    bounded: bool

    def __call__(self, z):
        return self.f(z)


def sigmoid(z):
    """The logistic function sigma(z) = 1 / (1 + exp(-z)), computed as

        sigma(z) = (1 + tanh(z / 2)) / 2,

    which never overflows (tanh is bounded) and keeps the dtype of a floating ``z`` (float32
    stays float32; integer input gives float64). It is the ONE sigmoid of rnnlib (the
    LSTM/GRU gates and the BCE loss use it). Accuracy is absolute, about 1e-16 in float64:
    values below ~1e-17 (z < -39) round to 0, which no gate or gradient notices.
    """
    a = np.tanh(np.asarray(z) * 0.5)
    a *= 0.5  # in place: no temporaries beyond the result (numpy scalars just rebind)
    a += 0.5
    return a


def _identity(z):
    return np.asarray(z) * 1


def _relu(z):
    return np.maximum(z, 0)


def _make_elu(alpha):
    def f(z):
        z = np.asarray(z)
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))

    def df(z, a):
        return np.where(z > 0, 1.0, a + alpha).astype(np.result_type(z, 1.0), copy=False)

    return f, df


def _build(name, alpha):
    if name == "identity":
        return Activation(name, _identity, lambda z, a: np.ones_like(z), 1.0, False)
    if name == "sigmoid":
        return Activation(name, sigmoid, lambda z, a: a * (1 - a), 0.25, True)
    if name == "tanh":
        return Activation(name, np.tanh, lambda z, a: 1 - a * a, 1.0, True)
    if name == "relu":
        # Subgradient 0 at z = 0, as PyTorch.
        return Activation(name, _relu, lambda z, a: (z > 0).astype(np.result_type(z, 1.0)),
                          1.0, False)
    f, df = _make_elu(alpha)
    return Activation(f"elu(alpha={alpha:g})" if alpha != 1.0 else "elu", f, df,
                      max(1.0, alpha), False)


NAMES = ("identity", "sigmoid", "tanh", "relu", "elu")


def get(name, *, alpha=1.0):
    """The activation called ``name`` (one of :data:`NAMES`); ``alpha`` is ELU's parameter.

    An :class:`Activation` passed in is returned unchanged, so functions can take either.
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str) or name.lower() not in NAMES:
        raise ValueError(f"unknown activation {name!r}; known activations: {', '.join(NAMES)}")
    return _build(name.lower(), as_positive_float("alpha", alpha))
