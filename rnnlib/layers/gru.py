"""The GRU sequence layer, as ``torch.nn.GRU`` or the lecture's GRU."""

import numpy as np

from ..cells import GRUCell
from ._base import RecurrentLayer


class GRU(RecurrentLayer):
    """GRU layers, as ``torch.nn.GRU`` with ``variant="pytorch"`` (default), or the lecture's
    GRU with ``variant="lecture"`` (see :class:`rnnlib.cells.GRUCell`; its parameters have
    names of their own, as their rows and meaning differ from PyTorch's: ``weight_x_l{l}``
    (3H, D_l), ``weight_h_l{l}`` (3H, H), rows stacked z, r, h~, and one ``bias_l{l}``
    (3H,); so a PyTorch GRU's state_dict cannot be loaded into it). ``update_bias`` is added
    to the update gate's bias at initialisation (see :class:`rnnlib.cells.GRUCell`: > 0
    favours keeping the old state for "pytorch", < 0 for "lecture"). Internals per step:
    "reset", "update", "new", "h", "pre_reset", "pre_update", "pre_new".
    """

    def __init__(self, input_size, hidden_size, num_layers=1, *, bidirectional=False,
                 variant="pytorch", update_bias=0.0, rng=None, dtype=np.float64,
                 max_param_bytes=None):
        super().__init__(input_size, hidden_size, num_layers, bidirectional=bidirectional,
                         rng=rng, dtype=dtype, variant=variant, update_bias=update_bias,
                         max_param_bytes=max_param_bytes)
        self.variant = variant
        self.update_bias = self.cells[0, 0].update_bias

    def _repr_options(self):
        return (("variant", repr(self.variant)), ("update_bias", f"{self.update_bias:g}"))

    _cell_class = GRUCell  # its param_count sizes the layer before any cell is made

    @staticmethod
    def _make_cell(input_size, hidden_size, **kwargs):
        return GRUCell(input_size, hidden_size, **kwargs)
