"""Exercises with checks that say what is wrong.

Each ``check_*`` takes the student's function and returns a :class:`Verdict`: ``.passed``,
``.score`` (fraction of items right), ``.items`` (name, ok, rel_error, hint) and a few
printable lines naming the wrong term and, where the mistake is known, what it looks like.
A stub raising NotImplementedError, a wrong shape or any exception gives one line, never a
traceback. The reference solutions are in :mod:`rnnlib.exercises.solutions`.
"""

from .arithmetic import check_adder_weights, check_parity_weights
from .fixedpoints import check_bistable_range, check_sigmoid_fixed_points
from .gradients import check_chain_gradient, check_clip_grad_norm
from .gru import check_gru_backward, check_gru_forward, gru_cache, gru_template
from .lstm import check_lstm_backward, check_lstm_forward, lstm_cache, lstm_template
from .network import check_lstm_network_backward, lstm_network_forward
from .recurrence import check_eigen_matrix, check_growth_prediction
from .verdict import Verdict

__all__ = ["Verdict", "check_gru_backward", "check_gru_forward", "gru_cache", "gru_template",
           "check_lstm_backward", "check_lstm_forward", "lstm_cache",
           "lstm_template",
           "check_lstm_network_backward", "lstm_network_forward", "check_eigen_matrix",
           "check_growth_prediction", "check_sigmoid_fixed_points", "check_bistable_range",
           "check_chain_gradient", "check_clip_grad_norm",
           "check_parity_weights", "check_adder_weights"]
