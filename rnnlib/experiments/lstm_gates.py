"""The LSTM step written gate by gate, one lecture equation per function (claim C23).

These functions read the parameters of an :class:`rnnlib.cells.LSTMCell` (PyTorch's layout:
rows of ``weight_ih`` (4H, D), ``weight_hh`` (4H, H), ``bias_ih`` + ``bias_hh`` (4H,)
stacked i, f, C~, o), so that :func:`lstm_step` can be compared with the cell's own
(vectorised) ``forward``. The lecture writes W_f . [C_{t-1}, h_{t-1}, x_t]; here that
product is split into W_fx x_t + W_fh h_{t-1} + P_f C_{t-1}, the last the cell's own
:meth:`~rnnlib.cells.LSTMCell.peephole_term` (zero without peepholes).
Shapes: x (B, D), h and C (B, H).
"""

import numpy as np

from rnnlib.activations import sigmoid

GATES = {"i": 0, "f": 1, "c": 2, "o": 3}  # PyTorch's order: input, forget, cell (g), output


def gate_parameters(cell, gate):
    """(W_x (H, D), W_h (H, H), b (H,)) of ``gate`` in "i", "f", "c", "o"."""
    H, p = cell.hidden_size, cell.params
    rows = slice(GATES[gate] * H, (GATES[gate] + 1) * H)
    return p["weight_ih"][rows], p["weight_hh"][rows], p["bias_ih"][rows] + p["bias_hh"][rows]


def forget_gate(cell, x, h_prev, c_prev):
    """f_t = sigma(W_f . [C_{t-1}, h_{t-1}, x_t] + b_f)"""
    W_x, W_h, b = gate_parameters(cell, "f")
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + cell.peephole_term("f", c_prev) + b)


def input_gate(cell, x, h_prev, c_prev):
    """i_t = sigma(W_i . [C_{t-1}, h_{t-1}, x_t] + b_i)"""
    W_x, W_h, b = gate_parameters(cell, "i")
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + cell.peephole_term("i", c_prev) + b)


def candidate(cell, x, h_prev):
    """C~_t = tanh(W_C . [h_{t-1}, x_t] + b_C)"""
    W_x, W_h, b = gate_parameters(cell, "c")
    return np.tanh(x @ W_x.T + h_prev @ W_h.T + b)


def cell_update(f, c_prev, i, c_tilde):
    """C_t = f_t * C_{t-1} + i_t * C~_t"""
    return f * c_prev + i * c_tilde


def output_gate(cell, x, h_prev, c):
    """o_t = sigma(W_o . [C_t, h_{t-1}, x_t] + b_o)   (the NEW cell state C_t)"""
    W_x, W_h, b = gate_parameters(cell, "o")
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + cell.peephole_term("o", c) + b)


def hidden_output(o, c):
    """h_t = o_t * tanh(C_t)"""
    return o * np.tanh(c)


def lstm_step(cell, x, h_prev, c_prev):
    """One step, equation by equation; returns a dict with f, i, c_tilde, c, o, h."""
    f = forget_gate(cell, x, h_prev, c_prev)
    i = input_gate(cell, x, h_prev, c_prev)
    c_tilde = candidate(cell, x, h_prev)
    c = cell_update(f, c_prev, i, c_tilde)
    o = output_gate(cell, x, h_prev, c)
    return {"f": f, "i": i, "c_tilde": c_tilde, "c": c, "o": o, "h": hidden_output(o, c)}


def cell_state_influence(cell, x, h_prev, c_prev, delta=1.0):
    """How much each gate's pre-activation moves when C_{t-1} is changed by ``delta``.

    Runs one step of ``cell`` (its own vectorised forward, not the functions above) from
    (h_{t-1}, C_{t-1}) and from (h_{t-1}, C_{t-1} + delta) and returns
    {"input", "forget", "cell", "output": max |z(C_{t-1} + delta) - z(C_{t-1})|}, the
    pre-activations z as stored in the step's cache (peephole terms included). The forward
    equations feed C_{t-1} into z_i and z_f only (with peepholes), into z_o through the new
    C_t, and never into the candidate's z_c: its entry is exactly 0.
    """
    moved = {}
    runs = []
    for c in (c_prev, c_prev + delta):
        _, (_, step_cache) = cell.forward(x, (h_prev, c))
        runs.append(cell.internals([step_cache]))
    for name in cell.gate_names:
        moved[name] = float(np.max(np.abs(runs[1]["pre_" + name] - runs[0]["pre_" + name])))
    return moved
