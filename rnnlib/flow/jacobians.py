"""Jacobians d s_T / d s_t from one backward sweep, and their norms (see :mod:`rnnlib.flow`)."""

from dataclasses import dataclass

import numpy as np

from .inputs import as_tuple, pack, resolve

NORMS = ("spectral", "fro")


@dataclass
class GradientFlow:
    """Result of :func:`gradient_flow`.

    h_norms   : (T+1,) ||d h_T / d h_t|| for t = 0..T.
    c_norms   : (T+1,) ||d C_T / d C_t|| (LSTM only, else None).
    jacobians : dict of (T+1, n, m) arrays: ``"hh"`` = d h_T/d h_t and, for the LSTM,
                ``"hc"`` = d h_T/d C_t, ``"ch"`` = d C_T/d h_t, ``"cc"`` = d C_T/d C_t;
                entry [t, k, j] = d (s_T)_k / d (s_t)_j.
    norm      : which matrix norm ("spectral" or "fro").
    """

    h_norms: np.ndarray
    c_norms: np.ndarray | None
    jacobians: dict
    norm: str

    @property
    def steps(self):
        """t = 0..T, the x-axis of a gradient-flow plot."""
        return np.arange(self.h_norms.shape[0])


def matrix_norms(mats, norm="spectral"):
    """Norm of each matrix in a stack (..., n, m): spectral (largest singular value) or
    Frobenius."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    mats = np.asarray(mats)
    if norm == "fro":
        return np.sqrt(np.sum(mats * mats, axis=(-2, -1)))
    return np.linalg.norm(mats, ord=2, axis=(-2, -1))


def _snapshot(grads):
    return {k: np.array(v, copy=True) for k, v in grads.items()}


def _restore(cell, saved):
    for k, v in saved.items():
        if k in cell.grads and cell.grads[k].shape == v.shape:
            cell.grads[k][...] = v
        else:
            cell.grads[k] = v


def state_jacobians(model, x, state=None, *, layer=0, direction=0):
    """All Jacobians d s_T / d s_t for t = 0..T, from one backward sweep.

    model : a cell, or an RNN/LSTM/GRU layer of :mod:`rnnlib.layers`.
    x     : one input sequence, (T, D) (or (T, 1, D)).
    state : initial state (h0, or (h0, c0) for the LSTM); zeros if None. For a cell or a
            one-layer unidirectional layer each part is (H,) or (1, H) (or (1, 1, H) as a
            layer takes it); for a stacked or bidirectional layer, (L * dirs, 1, H) as the
            layer takes it (or (L * dirs, H)).
    layer, direction : which cell of a layer to walk (see the module docstring).
    Returns (J, parts): J is a list over t = 0..T of block matrices [[d a_T/d b_t]] as a
    nested list J[t][a][b] of (n_a, n_b) arrays, parts the number of state arrays.
    """
    cell, xs, s0 = resolve(model, x, state, layer, direction)
    sizes = [p.shape[0] for p in s0]
    n = sum(sizes)
    T = xs.shape[0]
    dtype = xs.dtype

    # Forward with the one sequence copied across a batch of n rows.
    batch_state = pack([np.tile(p, (n, 1)) for p in s0])
    caches = []
    saved = _snapshot(cell.grads)
    try:
        for t in range(T):
            batch_state, cache = cell.forward(np.tile(xs[t], (n, 1)), batch_state)
            caches.append(cache)
        # Seeds: part a, unit k -> row (offset_a + k) has e_k in part a, zeros elsewhere.
        offsets = np.cumsum([0] + sizes)
        d = [np.zeros((n, m), dtype=dtype) for m in sizes]
        for a, m in enumerate(sizes):
            d[a][offsets[a]:offsets[a + 1]] = np.eye(m, dtype=dtype)
        d = pack(d)
        jac = [None] * (T + 1)
        jac[T] = _blocks(d, offsets)
        for t in range(T - 1, -1, -1):
            _, d = cell.backward(d, caches[t])
            jac[t] = _blocks(d, offsets)
    finally:
        _restore(cell, saved)
    return jac, len(s0)


def _blocks(d, offsets):
    """Split the d_state rows into blocks J[a][b] = d part_a(T) / d part_b(t)."""
    parts = as_tuple(d)
    return [[np.array(parts[b][offsets[a]:offsets[a + 1]]) for b in range(len(parts))]
            for a in range(len(offsets) - 1)]


def gradient_flow(model, x, state=None, *, norm="spectral", layer=0, direction=0):
    """Norms of d h_T / d h_t (and, for the LSTM, d C_T / d C_t) for t = 0..T.

    model : a cell, or an RNN/LSTM/GRU layer of :mod:`rnnlib.layers`.
    x     : one input sequence (T, D) (or (T, 1, D)).
    state : initial state, zeros if None (see :func:`state_jacobians`).
    norm  : "spectral" (largest singular value, default) or "fro" (Frobenius).
    layer, direction : for a stacked or bidirectional layer, the cell whose recurrence is
            walked (default: layer 0, forward); see the module docstring.
    Returns a :class:`GradientFlow`; the model's ``grads`` are left unchanged.
    """
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    jac, parts = state_jacobians(model, x, state, layer=layer, direction=direction)
    stack = {"hh": np.stack([j[0][0] for j in jac])}
    if parts == 2:
        stack["hc"] = np.stack([j[0][1] for j in jac])
        stack["ch"] = np.stack([j[1][0] for j in jac])
        stack["cc"] = np.stack([j[1][1] for j in jac])
    c_norms = matrix_norms(stack["cc"], norm) if parts == 2 else None
    return GradientFlow(matrix_norms(stack["hh"], norm), c_norms, stack, norm)
