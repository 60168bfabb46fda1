"""The LSTM's constant error carousel: forget gates f_k and their products
f_{t+1} ... f_T along one input sequence (claim C22)."""

import numpy as np

from .. import activations
from .inputs import resolve, state_parts_of


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
    if state_parts_of(cell) != 2:
        raise TypeError(f"forget gates need an LSTM (state (h, c)), got {type(cell).__name__}")
    cell, xs, (h0, c0) = resolve(model, x, state, layer, direction)
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
