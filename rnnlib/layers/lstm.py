"""The LSTM sequence layer, as ``torch.nn.LSTM``, with optional peepholes."""

import numpy as np

from ..cells import LSTMCell
from ._base import RecurrentLayer


class LSTM(RecurrentLayer):
    """LSTM layers, as ``torch.nn.LSTM`` (see :class:`rnnlib.cells.LSTMCell` for the
    equations); the state is the tuple (h, c), each (num_layers * num_directions, B, H).

    ``peephole``: None, "diagonal" (params ``peephole_i_l{l}``, ``peephole_f_l{l}``,
    ``peephole_o_l{l}``, (H,)) or "full" (``weight_ic_l{l}``, ``weight_fc_l{l}``,
    ``weight_oc_l{l}``, (H, H)); ``forget_bias`` is added to the forget-gate part of
    ``bias_ih_l{l}`` at initialisation. Internals per step: "input", "forget", "cell"
    (candidate C~), "output", "c", "h", "pre_input", "pre_forget", "pre_cell", "pre_output".
    """

    def __init__(self, input_size, hidden_size, num_layers=1, *, bidirectional=False,
                 peephole=None, forget_bias=0.0, rng=None, dtype=np.float64,
                 max_param_bytes=None):
        super().__init__(input_size, hidden_size, num_layers, bidirectional=bidirectional,
                         rng=rng, dtype=dtype, peephole=peephole, forget_bias=forget_bias,
                         max_param_bytes=max_param_bytes)
        self.peephole = peephole
        self.forget_bias = self.cells[0, 0].forget_bias

    def _repr_options(self):
        return (("peephole", repr(self.peephole)), ("forget_bias", f"{self.forget_bias:g}"))

    _cell_class = LSTMCell  # its param_count sizes the layer before any cell is made

    @staticmethod
    def _make_cell(input_size, hidden_size, **kwargs):
        return LSTMCell(input_size, hidden_size, **kwargs)
