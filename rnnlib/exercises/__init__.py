"""Exercises with checks that say what is wrong.

Each ``check_*`` takes the student's function and returns a :class:`Verdict`: ``.passed``,
``.score`` (fraction of items right), ``.items`` (name, ok, rel_error, hint), ``.as_dict()``
and a few printable lines naming the wrong term and, where the mistake is known, what it
looks like. A stub raising NotImplementedError, a wrong shape or any exception gives one
line, never a traceback. The reference solutions are in :mod:`rnnlib.exercises.solutions`.

=====================================  =====================================================
check                                  the student's function (details: the module docstring)
=====================================  =====================================================
``check_lstm_forward(fn, peepholes)``  ``fn(x, h_prev, C_prev, params) -> (h, C)``  (.lstm)
``check_lstm_backward(fn, peepholes)`` ``fn(dh, dC, cache, params) -> grads``  (.lstm)
``check_gru_forward(fn)``              ``fn(x, h_prev, params) -> h``  (.gru)
``check_gru_backward(fn)``             ``fn(dh, cache, params) -> grads``  (.gru)
``check_lstm_network_backward(fn)``    ``fn(dz_o, caches, params, cell_backward) -> grads``
                                       (.network)
``check_eigen_matrix(fn)``             ``fn(eigenvalues) -> W``  (.recurrence)
``check_growth_prediction(fn)``        ``fn(W, x) -> (behaviour, rate)``  (.recurrence)
``check_sigmoid_fixed_points(fn)``     ``fn(w, b) -> fixed points``  (.fixedpoints)
``check_bistable_range(fn)``           ``fn(w) -> (b_low, b_high) or None``  (.fixedpoints)
``check_chain_gradient(fn)``           ``fn(weights, biases, x, grad_y) -> (jacobians,
                                       grad_x)``  (.gradients)
``check_clip_grad_norm(fn)``           ``fn(grads, threshold) -> clipped``  (.gradients)
``check_parity_weights(fn)``           ``fn() -> weights``  (.arithmetic)
``check_adder_weights(fn)``            ``fn() -> weights``  (.arithmetic)
=====================================  =====================================================

``lstm_template()``/``gru_template()`` give the functions' skeletons; ``lstm_cache``,
``gru_cache`` and ``lstm_network_forward`` the forward passes whose caches the backward
exercises receive.
"""

from . import solutions
from .arithmetic import check_adder_weights, check_parity_weights
from .fixedpoints import check_bistable_range, check_sigmoid_fixed_points
from .gradients import check_chain_gradient, check_clip_grad_norm
from .gru import check_gru_backward, check_gru_forward, gru_cache, gru_template
from .lstm import check_lstm_backward, check_lstm_forward, lstm_cache, lstm_template
from .network import check_lstm_network_backward, lstm_network_forward
from .recurrence import check_eigen_matrix, check_growth_prediction
from .verdict import Verdict

__all__ = [
    "Verdict", "solutions",
    "check_lstm_forward", "check_lstm_backward", "lstm_cache", "lstm_template",
    "check_gru_forward", "check_gru_backward", "gru_cache", "gru_template",
    "check_lstm_network_backward", "lstm_network_forward",
    "check_eigen_matrix", "check_growth_prediction",
    "check_sigmoid_fixed_points", "check_bistable_range",
    "check_chain_gradient", "check_clip_grad_norm",
    "check_parity_weights", "check_adder_weights",
]
