"""The two GRU conventions side by side (claim C25).

PyTorch/cuDNN (``GRUCell(variant="pytorch")``, rows r, z, n):
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),   h' = (1 - z) * n + z * h
the lecture (``GRUCell(variant="lecture")``, rows z, r, h~):
    h~ = tanh(W_x x + W_h (r * h) + b),              h' = (1 - z) * h + z * h~

They are different functions: the reset acts after the matrix product in one and before it
in the other, which agree only when the reset gate is fully open (r = 1), and z is the share
of the OLD state in one and of the NEW candidate in the other. :func:`lecture_from_pytorch`
builds the lecture cell that equals a PyTorch cell in that case: same candidate weights,
z negated (sigma(-a) = 1 - sigma(a)), the biases b_in + b_hn merged.
"""

import numpy as np

from rnnlib.cells import GRUCell


def lecture_from_pytorch(cell):
    """A ``variant="lecture"`` GRUCell with the weights of the PyTorch-variant ``cell``
    rearranged (``weight_ih``, ``weight_hh`` -> ``weight_x``, ``weight_h``; rows r, z, n ->
    z, r, h~; z negated; biases merged). It computes the same
    step as ``cell`` whenever both reset gates are 1."""
    if cell.variant != "pytorch":
        raise ValueError(f"cell must be a GRUCell with variant 'pytorch', got {cell.variant!r}")
    H, p = cell.hidden_size, cell.params
    lecture = GRUCell(cell.input_size, H, variant="lecture", dtype=cell.dtype)
    r, z, n = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    for name, torch_name in (("weight_x", "weight_ih"), ("weight_h", "weight_hh")):
        w = p[torch_name]
        lecture.params[name][...] = np.concatenate([-w[z], w[r], w[n]])
    b = p["bias_ih"] + p["bias_hh"]
    lecture.params["bias"][...] = np.concatenate([-b[z], b[r], b[n]])
    return lecture


def open_reset(cell, bias=50.0):
    """Set the reset gate's bias of a GRUCell (either variant) to ``bias`` in place, so that
    r = sigma(... + bias) = 1 to machine precision for moderate inputs."""
    H = cell.hidden_size
    if cell.variant == "pytorch":
        cell.params["bias_ih"][:H] = bias
        cell.params["bias_hh"][:H] = 0.0
    else:
        cell.params["bias"][H:2 * H] = bias
    return cell
