"""Which cell :mod:`rnnlib.flow` walks, along which input sequence, from which state.

A cell is walked along the given sequence. A layer of :mod:`rnnlib.layers` is walked through
its cell ``cells[layer, direction]``, along the input that cell gets in the layer's forward
pass (for ``layer > 0`` the outputs of the layers below, computed here by running their
cells; reversed in time for the reverse direction), from its entry of the initial state.
"""

import numpy as np

from .._checks import as_float_array, check_nonnegative_int


def as_tuple(state):
    return tuple(state) if isinstance(state, tuple | list) else (state,)


def pack(parts):
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
    """``value`` as an int in [0, count): TypeError unless an integer, else ValueError."""
    value = check_nonnegative_int(name, value)
    if value >= count:
        raise ValueError(f"{name} must be an integer in [0, {count - 1}] ({what}), "
                         f"got {value!r}")
    return value


def resolve(model, x, state, layer=0, direction=0):
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
        return cell, _sequence(x, cell), _initial_state(cell, state, state_parts_of(cell))
    layer = _check_index("layer", layer, model.num_layers,
                         f"the layer has num_layers={model.num_layers}")
    direction = _check_index("direction", direction, model.num_directions,
                             f"the layer has bidirectional={model.bidirectional}")
    if model.num_layers == 1 and model.num_directions == 1:
        cell = cells[0, 0]
        return cell, _sequence(x, cell), _initial_state(cell, state, state_parts_of(cell))
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
    parts = state_parts_of(cell)
    shape = (model.num_layers * model.num_directions, model.hidden_size)
    dtype = _param_dtype(cell)
    if state is None:
        return tuple(np.zeros(shape, dtype=dtype) for _ in range(parts))
    given = as_tuple(state)
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
    state = pack([p[None] for p in s0])
    hs = []
    for x_t in xs:
        state, _ = cell.forward(x_t[None], state, cache=False)
        hs.append(as_tuple(state)[0][0])
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
    for k, part in enumerate(as_tuple(state)):
        arr = np.asarray(part)
        if arr.ndim == 3 and arr.shape[:2] == (1, 1):  # (layers*dirs=1, B=1, H) as a layer
            arr = arr[0, 0]
        elif arr.ndim == 2 and arr.shape[0] == 1:
            arr = arr[0]
        parts.append(as_float_array(f"state[{k}]", arr, ndim=1, dtype=dtype))
    return tuple(parts)


def state_parts_of(cell):
    """How many arrays make up this cell's state (2 for an LSTM, 1 otherwise)."""
    return int(getattr(cell, "state_parts", 1))
