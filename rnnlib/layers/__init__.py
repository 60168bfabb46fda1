"""Sequence layers RNN, LSTM and GRU: recurrent cells unrolled over time, with
backpropagation through time (full or truncated), mirroring ``torch.nn.RNN``/``LSTM``/``GRU``.

    >>> layer = LSTM(input_size=4, hidden_size=3, num_layers=2, bidirectional=True, rng=0)
    >>> outputs, (h_n, c_n) = layer.forward(x, state=None, lengths=None)   # x (T, B, 4)
    >>> dx, (dh_0, dc_0) = layer.backward(d_outputs, d_final_state=None, truncate=None)
    >>> layer.params["weight_hh_l1_reverse"], layer.grads["weight_hh_l1_reverse"]
    >>> layer.internals[0, 1]["forget"]      # (T, B, 3) forget gates, layer 0, reverse
    >>> outputs, _ = layer.forward(x, cache=False)   # inference: nothing kept for backward

See :class:`RecurrentLayer` (in ``_base``) for shapes, lengths, truncation and internals.
"""

from ._base import RecurrentLayer
from .gru import GRU
from .lstm import LSTM
from .rnn import RNN

__all__ = ["RecurrentLayer", "RNN", "LSTM", "GRU"]
