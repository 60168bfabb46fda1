"""Exercises with checks that say what is wrong.

Each ``check_*`` takes the student's function and returns a :class:`Verdict`: ``.passed``,
``.score`` (fraction of items right), ``.items`` (name, ok, rel_error, hint) and a few
printable lines naming the wrong term and, where the mistake is known, what it looks like.
A stub raising NotImplementedError, a wrong shape or any exception gives one line, never a
traceback. The reference solutions are in :mod:`rnnlib.exercises.solutions`.
"""

from .gru import check_gru_backward, check_gru_forward, gru_cache, gru_template
from .lstm import check_lstm_backward, check_lstm_forward, lstm_cache, lstm_template
from .network import check_lstm_network_backward, lstm_network_forward
from .verdict import Verdict

__all__ = ["Verdict", "check_gru_backward", "check_gru_forward", "gru_cache", "gru_template",
           "check_lstm_backward", "check_lstm_forward", "lstm_cache",
           "lstm_template",
           "check_lstm_network_backward", "lstm_network_forward"]
