"""Gradient checks the notebooks run, phrased as outcomes (claims C24, C25, C28).

Each function compares a hand-written backward pass with centred finite differences
(:func:`rnnlib.gradcheck.check_gradients`, float64) and returns the relative error per
checked array; the notebooks print whether the largest is below 1e-7.
"""

import numpy as np

from rnnlib._checks import as_generator
from rnnlib.gradcheck import check_gradients


def check_cell(cell, *, batch=3, rng=None):
    """Check one step of a recurrent cell (RNN, LSTM, GRU) against finite differences.

    The scalar checked is L = sum(a * h') (+ sum(b * C') for the LSTM) with fixed random
    weights a, b, so that every output gets a different gradient. Checked: every parameter,
    the input x and the previous state. Returns {name: relative error}.
    """
    gen = as_generator(rng)
    H, D = cell.hidden_size, cell.input_size
    x = gen.normal(size=(batch, D))
    parts = [gen.normal(size=(batch, H)) for _ in range(cell.state_parts)]
    weights = [gen.normal(size=(batch, H)) for _ in range(cell.state_parts)]

    def state():
        return parts[0] if cell.state_parts == 1 else tuple(parts)

    def loss():
        new, _ = cell.forward(x, state())
        new = (new,) if cell.state_parts == 1 else new
        return sum(np.sum(w * s) for w, s in zip(weights, new, strict=True))

    new, cache = cell.forward(x, state())
    cell.zero_grad()
    d_new = weights[0] if cell.state_parts == 1 else tuple(weights)
    dx, d_state = cell.backward(d_new, cache)
    d_state = (d_state,) if cell.state_parts == 1 else d_state
    analytic = {k: g.copy() for k, g in cell.grads.items()}
    analytic["x"] = dx
    arrays = {**cell.params, "x": x}
    for k, (p, d) in enumerate(zip(parts, d_state, strict=True)):
        name = "h_prev" if k == 0 else "c_prev"
        arrays[name], analytic[name] = p, d
    return check_gradients(loss, arrays, analytic)


def _first(result):
    """The first item of a tuple result (a sequence layer's (outputs, final_state) or
    (dx, d_initial_state)), or the result itself."""
    return result[0] if isinstance(result, tuple) else result


def check_model(model, x, *, wrt_input=True, rng=None):
    """Check a model's backward pass (``params``/``grads``/``forward``/``backward``) on the
    scalar L = sum(a * y), y = model.forward(x), with fixed random weights a of y's shape
    (a linear functional, so the check is of the model, not of a loss, and the value stays
    small enough for finite differences to keep their digits).
    For a sequence layer (:mod:`rnnlib.layers`), whose forward returns (outputs, final_state)
    and backward (dx, d_initial_state), y is the outputs and dx the first item (the final
    state is not in L; the initial state is zero and not checked).
    Returns {name: relative error} for every parameter (and the input x)."""
    x = np.array(x, dtype=np.float64)
    a = as_generator(rng).normal(size=_first(model.forward(x)).shape)

    def loss():
        return np.sum(a * _first(model.forward(x)))

    model.forward(x)
    dx = _first(model.backward(a))
    analytic = {k: g.copy() for k, g in model.grads.items()}
    arrays = dict(model.params)
    if wrt_input:
        arrays["x"], analytic["x"] = x, dx
    return check_gradients(loss, arrays, analytic)
