"""Gradient flow through time: how much of dh_T reaches each earlier step.

For a recurrence  s_t = F(x_t, s_{t-1})  (s = h for the vanilla RNN and the GRU,
s = (h, C) for the LSTM) the gradient of anything at the last step T with respect to
the state at step t goes through the Jacobian

    J(T, t) = d s_T / d s_t = prod_{k=T}^{t+1} d s_k / d s_{k-1}.

For the vanilla RNN  h_k = f(z_k),  z_k = W_ih x_k + b + W_hh h_{k-1},  each factor is
diag(f'(z_k)) W_hh (claims C14, C19: a recurrent net is a very deep net): its norm
shrinks or grows geometrically with T - t. For the LSTM the cell-state path alone gives
dC_k/dC_{k-1} = diag(f_k) (the forget gate): no weight matrix, no squashing (claim C22,
the constant error carousel), so along it  dC_T/dC_t = diag(f_{t+1} * ... * f_T).

Indexing: ``x`` has T steps; ``s_0`` is the initial state and ``s_t`` (t = 1..T) the
state after consuming ``x[t-1]`` (the lecture's h_{-1} is our s_0). Every result has
T + 1 entries, for t = 0..T, with J(T, T) = I.

How it is computed (:func:`gradient_flow`): the single input sequence is copied across a
batch of N = (state size) rows and run forward through the cell; then the cell's own
``backward`` is walked back from step T starting with ``d_state = identity rows``
(row k = e_k). Because backward computes vector-Jacobian products, row k of the
returned d_state at step t is row k of J(T, t), i.e. d s_T[k] / d s_t. So the whole
Jacobian comes out of one backward sweep, exactly (no finite differences), for any cell
that follows the cell protocol

    cell.forward(x_t, state) -> (new_state, cache)
    cell.backward(d_new_state, cache) -> (dx_t, d_state)   # adds into cell.grads

A layer of :mod:`rnnlib.layers` is walked through one of its cells, chosen with
``layer=`` and ``direction=`` (default 0, 0): that cell's own recurrence, along the input
it receives in the stacked forward pass (for ``layer > 0``, the outputs of the layers
below it, computed here from the same ``x`` and initial state), held fixed. For the
reverse direction (``direction=1``) time runs in its processing order: s_0 is its initial
state, s_t its state after consuming x[T-1], ..., x[T-t], and s_T its final state (the one
PyTorch returns for it). The parameter gradients that backward accumulates as a side
effect are restored afterwards, and the layer's cached forward pass is not touched, so the
model is left as it was found.

Norms: ``norm="spectral"`` (default) is the largest singular value, ||J||_2 =
max_{|v|=1} |J^T v| = the largest factor by which any upstream gradient at step T can
be amplified on its way to step t; ``norm="fro"`` is the Frobenius norm
sqrt(sum J_kj^2) (= sqrt of the sum over the T-step units of their squared gradient
norms w.r.t. s_t).

:func:`vanilla_jacobians` builds the same products for the vanilla RNN from first
principles (explicit diag(f'(z)) W_hh products), as a cross-check, along the forward
states of :func:`vanilla_states`.
:func:`forget_gates` and :func:`forget_gate_product` give the carousel factor
prod_{k=t+1}^T f_k per unit (LSTM).
"""

from dataclasses import dataclass

import numpy as np

from . import activations
from ._checks import as_float_array

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


def _as_tuple(state):
    return tuple(state) if isinstance(state, tuple | list) else (state,)


def _pack(parts):
    """A list of state parts in the cell's form: one array h, or a tuple (h, c)."""
    return tuple(parts) if len(parts) > 1 else parts[0]


def _check_cell(model):
    """``model`` itself if it follows the cell protocol, else a TypeError."""
    if not all(hasattr(model, a) for a in ("forward", "backward", "grads", "params")):
        raise TypeError(
            f"model must be a recurrent cell (forward(x_t, state) -> (state, cache), "
            f"backward(d_state, cache) -> (dx_t, d_state), params, grads) or a layer "
            f"of rnnlib.layers, got {type(model).__name__}")
    return model


def _check_index(name, value, count, what):
    if not isinstance(value, int | np.integer) or isinstance(value, bool) \
            or not 0 <= value < count:
        raise ValueError(f"{name} must be an integer in [0, {count - 1}] ({what}), "
                         f"got {value!r}")
    return int(value)


def _resolve(model, x, state, layer=0, direction=0):
    """The cell to walk, its input sequence (T, D) in its processing order and its initial
    state (a tuple of (H,) vectors).

    A cell is walked along ``x`` itself (``layer`` and ``direction`` must be 0). For a layer
    of :mod:`rnnlib.layers`, the cell ``cells[layer, direction]`` is walked along the input it
    gets in the layer's forward pass: ``x`` for layer 0, else the outputs of the layer below
    (both directions concatenated), computed here by running the lower cells (the layer's
    cached forward pass is not used or changed); reversed in time for ``direction=1``."""
    cells = getattr(model, "cells", None)
    if cells is None:
        cell = _check_cell(model)
        if (layer, direction) != (0, 0):
            raise ValueError(f"layer and direction choose a cell of a layer of rnnlib.layers; "
                             f"model is a cell ({type(model).__name__}): leave them at 0, got "
                             f"layer={layer!r}, direction={direction!r}")
        return cell, _sequence(x, cell), _initial_state(cell, state, _state_parts(cell))
    layer = _check_index("layer", layer, model.num_layers,
                         f"the layer has num_layers={model.num_layers}")
    direction = _check_index("direction", direction, model.num_directions,
                             f"the layer has bidirectional={model.bidirectional}")
    if model.num_layers == 1 and model.num_directions == 1:
        cell = cells[0, 0]
        return cell, _sequence(x, cell), _initial_state(cell, state, _state_parts(cell))
    dirs = model.num_directions
    states = _layer_states(model, state)
    inputs = _sequence(x, cells[0, 0])
    for lower in range(layer):  # the outputs of each layer below, in time order
        outs = []
        for d in range(dirs):
            xs = inputs if d == 0 else inputs[::-1]
            h = _run_cell(cells[lower, d], xs, tuple(p[lower * dirs + d] for p in states))
            outs.append(h if d == 0 else h[::-1])
        inputs = np.concatenate(outs, axis=1)
    k = layer * dirs + direction
    return (cells[layer, direction], inputs if direction == 0 else inputs[::-1].copy(),
            tuple(p[k] for p in states))


def _layer_states(model, state):
    """A layer's initial state for one sequence as a tuple of (L * dirs, H) arrays, from
    None (zeros) or what the layer's forward takes for a batch of one: (L * dirs, 1, H), or
    (h0, c0) of those for the LSTM ((L * dirs, H) is accepted too)."""
    cell = model.cells[0, 0]
    parts = _state_parts(cell)
    shape = (model.num_layers * model.num_directions, model.hidden_size)
    dtype = _param_dtype(cell)
    if state is None:
        return tuple(np.zeros(shape, dtype=dtype) for _ in range(parts))
    given = _as_tuple(state)
    if len(given) != parts:
        raise TypeError(f"state must be {'(h0, c0)' if parts == 2 else 'one array h0'} for "
                        f"this layer, got {len(given)} arrays")
    out = []
    for k, part in enumerate(given):
        arr = np.asarray(part)
        if arr.ndim == 3 and arr.shape[1] == 1:  # (L * dirs, B=1, H) as the layer takes it
            arr = arr[:, 0]
        out.append(as_float_array(f"state[{k}]", arr, shape=shape, dtype=dtype))
    return tuple(out)


def _run_cell(cell, xs, s0):
    """The hidden states h_1..h_T (T, H) of a cell run over one sequence xs (T, D)."""
    state = _pack([p[None] for p in s0])
    hs = []
    for x_t in xs:
        state, _ = cell.forward(x_t[None], state, cache=False)
        hs.append(_as_tuple(state)[0][0])
    return np.array(hs)


def _hidden_size(cell):
    size = getattr(cell, "hidden_size", None)
    if size is None:
        raise TypeError(f"{type(cell).__name__} has no hidden_size; pass state explicitly")
    return int(size)


def _sequence(x, cell):
    """x as (T, D) float array (a (T, 1, D) batch of one is accepted)."""
    arr = np.asarray(x)
    if arr.ndim == 3:
        if arr.shape[1] != 1:
            raise ValueError(f"x must be one sequence, shape (T, D) or (T, 1, D), got {arr.shape}")
        arr = arr[:, 0, :]
    dtype = _param_dtype(cell)
    arr = as_float_array("x", arr, ndim=2, dtype=dtype)
    if arr.shape[0] < 1:
        raise ValueError(f"x must have at least one time step, got shape {arr.shape}")
    return arr


def _param_dtype(cell):
    params = getattr(cell, "params", None) or {}
    for value in params.values():
        return value.dtype
    return np.float64


def _initial_state(cell, state, n_parts):
    """The initial state as a tuple of (H,) vectors (``n_parts`` zero vectors if None)."""
    dtype = _param_dtype(cell)
    if state is None:
        return tuple(np.zeros(_hidden_size(cell), dtype=dtype) for _ in range(n_parts))
    parts = []
    for k, part in enumerate(_as_tuple(state)):
        arr = np.asarray(part)
        if arr.ndim == 3 and arr.shape[:2] == (1, 1):  # (layers*dirs=1, B=1, H) as a layer
            arr = arr[0, 0]
        elif arr.ndim == 2 and arr.shape[0] == 1:
            arr = arr[0]
        parts.append(as_float_array(f"state[{k}]", arr, ndim=1, dtype=dtype))
    return tuple(parts)


def _state_parts(cell):
    """How many arrays make up this cell's state (2 for an LSTM, 1 otherwise)."""
    return int(getattr(cell, "state_parts", 1))


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
    cell, xs, s0 = _resolve(model, x, state, layer, direction)
    sizes = [p.shape[0] for p in s0]
    n = sum(sizes)
    T = xs.shape[0]
    dtype = xs.dtype

    # Forward with the one sequence copied across a batch of n rows.
    batch_state = _pack([np.tile(p, (n, 1)) for p in s0])
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
        d = _pack(d)
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
    parts = _as_tuple(d)
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


def vanilla_states(weight_ih, weight_hh, bias, x, h0=None, activation="tanh"):
    """The vanilla RNN's forward states h_0..h_T along one input sequence: (T+1, H).

    h_k = f(z_k),  z_k = W_ih x_k + W_hh h_{k-1} + b,   k = 1..T.

    weight_ih (H, D), weight_hh (H, H), bias (H,) (PyTorch's bias_ih + bias_hh),
    x (T, D), h0 (H,) (zeros if None); ``activation`` a name from
    :mod:`rnnlib.activations`.
    """
    return _vanilla_forward(weight_ih, weight_hh, bias, x, h0, activation)[0]


def _vanilla_forward(weight_ih, weight_hh, bias, x, h0, activation):
    """(states (T+1, H), pre-activations z (T, H), the activation, W_hh), checked."""
    w_hh = as_float_array("weight_hh", weight_hh, ndim=2)
    hidden = w_hh.shape[0]
    if w_hh.shape != (hidden, hidden):
        raise ValueError(f"weight_hh must be square (H, H), got shape {w_hh.shape}")
    w_ih = as_float_array("weight_ih", weight_ih, ndim=2, shape=(hidden, None))
    b = as_float_array("bias", bias, shape=(hidden,))
    xs = as_float_array("x", x, ndim=2, shape=(None, w_ih.shape[1]))
    h = np.zeros(hidden) if h0 is None else as_float_array("h0", h0, shape=(hidden,))
    act = activations.get(activation)
    states, pre = [h], []
    for x_t in xs:
        z = w_ih @ x_t + w_hh @ h + b
        h = act.f(z)
        pre.append(z)
        states.append(h)
    return np.array(states), np.array(pre).reshape(len(pre), hidden), act, w_hh


def vanilla_jacobians(weight_ih, weight_hh, bias, x, h0=None, activation="tanh"):
    """d h_T / d h_t for the vanilla RNN, from first principles.

    h_k = f(z_k),  z_k = W_ih x_k + W_hh h_{k-1} + b,   k = 1..T   (:func:`vanilla_states`),
    d h_T / d h_t = diag(f'(z_T)) W_hh  diag(f'(z_{T-1})) W_hh ... diag(f'(z_{t+1})) W_hh.

    weight_ih (H, D), weight_hh (H, H), bias (H,) (PyTorch's bias_ih + bias_hh),
    x (T, D), h0 (H,) (zeros if None). Returns (T+1, H, H) for t = 0..T.
    """
    states, pre, act, w_hh = _vanilla_forward(weight_ih, weight_hh, bias, x, h0, activation)
    T, hidden = pre.shape
    jac = np.empty((T + 1, hidden, hidden))
    jac[T] = np.eye(hidden)
    for t in range(T - 1, -1, -1):
        # d h_{t+1} / d h_t = diag(f'(z_{t+1})) W_hh
        jac[t] = jac[t + 1] @ (act.df(pre[t], states[t + 1])[:, None] * w_hh)
    return jac


def forget_gates(model, x, state=None, *, layer=0, direction=0):
    """The LSTM's forget gates f_k, k = 1..T, along one input sequence: (T, H).

    f_k = sigmoid(W_if x_k + b_if + W_hf h_{k-1} + b_hf [+ P_f C_{k-1}]), computed here
    explicitly from the parameters in PyTorch's layout (gate order i, f, g, o: rows H:2H of
    ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``), plus the cell's forget peephole
    term P_f C (``cell.peephole_term("f", C)``, zero without peepholes); the states come
    from the cell's forward.
    model : an LSTM cell or LSTM layer; x (T, D); state (h0, c0); layer, direction: which
    cell of a stacked or bidirectional layer (as in :func:`gradient_flow`).
    """
    cell = model.cells[0, 0] if hasattr(model, "cells") else model
    if _state_parts(cell) != 2:
        raise TypeError(f"forget gates need an LSTM (state (h, c)), got {type(cell).__name__}")
    cell, xs, (h0, c0) = _resolve(model, x, state, layer, direction)
    p = cell.params
    hidden = h0.shape[0]
    rows = slice(hidden, 2 * hidden)
    w_if, w_hf = p["weight_ih"][rows], p["weight_hh"][rows]
    b_f = p["bias_ih"][rows] + p["bias_hh"][rows]
    st = (h0[None], c0[None])
    gates = np.empty((xs.shape[0], hidden), dtype=xs.dtype)
    for k, x_k in enumerate(xs):
        z_f = w_if @ x_k + w_hf @ st[0][0] + b_f + cell.peephole_term("f", st[1])[0]
        gates[k] = activations.sigmoid(z_f)
        st, _ = cell.forward(x_k[None], st, cache=False)
    return gates


def forget_gate_product(model, x, state=None, *, layer=0, direction=0):
    """The constant error carousel's gain, per unit: (T+1, H) with

        P[t] = f_{t+1} * f_{t+2} * ... * f_T     (P[T] = 1),

    the diagonal of d C_T / d C_t along the cell-state path alone (claim C22). It equals
    the full d C_T / d C_t when the other paths (through h and the gates) are switched
    off, e.g. with W_hh = 0 and no peepholes. Arguments as :func:`forget_gates`."""
    gates = forget_gates(model, x, state, layer=layer, direction=direction)
    T, hidden = gates.shape
    prod = np.ones((T + 1, hidden), dtype=gates.dtype)
    for t in range(T - 1, -1, -1):
        prod[t] = prod[t + 1] * gates[t]  # gates[t] = f_{t+1}
    return prod
