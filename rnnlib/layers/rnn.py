"""The Elman RNN sequence layer, as ``torch.nn.RNN``."""

import numpy as np

from ..cells import RNNCell
from ._base import RecurrentLayer


class RNN(RecurrentLayer):
    """Elman RNN layers, as ``torch.nn.RNN``: h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).

    ``nonlinearity`` (PyTorch's name) or ``activation``: "tanh" (default), "relu", or any
    activation registered in :mod:`rnnlib.activations`. Parameters per layer ``l``:
    ``weight_ih_l{l}`` (H, D_l), ``weight_hh_l{l}`` (H, H), ``bias_ih_l{l}``, ``bias_hh_l{l}``
    (H,), with ``_reverse`` appended for the reverse direction. Internals per step: "h",
    "pre" (the pre-activation z_t).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, *, bidirectional=False,
                 nonlinearity=None, activation=None, rng=None, dtype=np.float64,
                 max_param_bytes=None):
        if nonlinearity is not None and activation is not None and nonlinearity != activation:
            raise ValueError(f"give nonlinearity or activation, not both: got "
                             f"nonlinearity={nonlinearity!r}, activation={activation!r}")
        act = nonlinearity if nonlinearity is not None else activation
        super().__init__(input_size, hidden_size, num_layers, bidirectional=bidirectional,
                         rng=rng, dtype=dtype, activation="tanh" if act is None else act,
                         max_param_bytes=max_param_bytes)
        self.activation = self.cells[0, 0].activation

    def _repr_options(self):
        return (("nonlinearity", repr(self.activation.name)),)

    _cell_class = RNNCell  # its param_count sizes the layer before any cell is made

    @staticmethod
    def _make_cell(input_size, hidden_size, **kwargs):
        return RNNCell(input_size, hidden_size, **kwargs)
