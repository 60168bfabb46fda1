"""Recurrent cells: one time step, forward and backward, vectorised over the batch.

    RNNCell(input_size, hidden_size, *, activation="tanh", rng=None, dtype=np.float64)
    LSTMCell(input_size, hidden_size, *, peephole=None | "diagonal" | "full",
             forget_bias=0.0, rng=None, dtype=np.float64)
    GRUCell(input_size, hidden_size, *, variant="pytorch" | "lecture", update_bias=0.0,
            rng=None, dtype=np.float64)

Every cell has ``forward(x, state=None, *, cache=True) -> (new_state, cache)`` (cache None
with ``cache=False``: inference) and
``backward(d_new_state, cache) -> (dx, d_state)``, which ADDS the parameter gradients into
``cell.grads`` (``zero_grad()`` resets them in place); x is (B, D), the state h (B, H), or
the tuple (h, c) for the LSTM. ``params``/``grads`` are dicts with PyTorch's names and
gate-stacked layouts where PyTorch has the parameter; the LSTM's peepholes and the lecture
GRU's ``weight_x``, ``weight_h``, ``bias`` have names of their own (see each module).
For sequences, a step splits into ``project_input`` (for all time steps in one matmul)
and ``step``; the backward into ``step_backward`` and ``project_input_backward`` (see
:mod:`rnnlib.cells._base`).
"""

from ._base import RecurrentCell
from .gru import GRUCell
from .lstm import LSTMCell
from .rnn import RNNCell

__all__ = ["RecurrentCell", "RNNCell", "LSTMCell", "GRUCell"]
