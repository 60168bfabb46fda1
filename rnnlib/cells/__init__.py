"""Recurrent cells: one time step, forward and backward, vectorised over the batch.

Every cell has ``forward(x, state) -> (new_state, cache)`` and
``backward(d_new_state, cache) -> (dx, d_state)`` (which ADDS into ``cell.grads``;
``zero_grad()`` resets), ``params``/``grads`` dicts with PyTorch's names and layouts.
"""

from ._base import RecurrentCell
from .gru import GRUCell
from .lstm import LSTMCell
from .rnn import RNNCell

__all__ = ["RecurrentCell", "RNNCell", "LSTMCell", "GRUCell"]
