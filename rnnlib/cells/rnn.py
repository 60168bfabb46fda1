"""The simple (Elman) recurrent cell, as ``torch.nn.RNNCell`` (with any registered
activation, not only tanh and ReLU).

Forward, one step (the lecture's h(t) = f(W_h h(t-1) + W_x x(t) + b)):

    z_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh        x_t (B, D), h (B, H), z_t (B, H)
    h_t = f(z_t)

Backward, given dL/dh_t (which already sums the gradient from the output at t and from
step t+1):

    dz_t      = dL/dh_t * f'(z_t)                      (the diagonal activation Jacobian)
    dh_{t-1}  = dz_t W_hh          dW_hh += dz_t^T h_{t-1}      db_hh += sum_b dz_t
    dx_t      = dz_t W_ih          dW_ih += dz_t^T x_t          db_ih += sum_b dz_t

Parameters (PyTorch names and shapes): ``weight_ih`` (H, D), ``weight_hh`` (H, H),
``bias_ih`` (H,), ``bias_hh`` (H,), each drawn from U(-1/sqrt(H), 1/sqrt(H)).
"""

import numpy as np

from .. import activations
from ._base import RecurrentCell, stack_caches


class RNNCell(RecurrentCell):
    """h' = f(W_ih x + b_ih + W_hh h + b_hh), f any activation of :mod:`rnnlib.activations`.

    >>> cell = RNNCell(4, 3, rng=0)
    >>> h1, cache = cell.forward(x, h0)          # x (B, 4), h0 (B, 3) or None
    >>> dx, dh0 = cell.backward(dh1, cache)      # adds into cell.grads
    """

    state_parts = 1

    def __init__(self, input_size, hidden_size, *, activation="tanh", rng=None,
                 dtype=np.float64, max_param_bytes=None):
        super().__init__(input_size, hidden_size, rng=rng, dtype=dtype,
                         max_param_bytes=max_param_bytes)
        self.activation = activations.get(activation)
        H, D = self.hidden_size, self.input_size
        self._add_param("weight_ih", (H, D))
        self._add_param("weight_hh", (H, H))
        self._add_param("bias_ih", (H,))
        self._add_param("bias_hh", (H,))

    def step(self, xp, h_prev):
        """z = xp + W_hh h_prev;  h = f(z). Returns (h, cache)."""
        z = xp + h_prev @ self.params["weight_hh"].T
        h = self.activation.f(z)
        return h, (h_prev, z, h)

    def step_backward(self, dh, cache, *, weight_grads=True):
        """dz = dh * f'(z); dh_prev = dz W_hh; dW_hh += dz^T h_prev (unless ``weight_grads``
        is False: see ``weight_hh_backward``). Returns (dz, dh_prev): dz is also the
        gradient w.r.t. the input projection."""
        h_prev, z, h = cache
        dz = dh * self.activation.df(z, h)
        if weight_grads:
            self.grads["weight_hh"] += dz.T @ h_prev
        return dz, dz @ self.params["weight_hh"]

    def internals(self, caches):
        """Per-step values stacked over time: "h" (T, B, H) and "pre" (z_t, T, B, H)."""
        return {"h": stack_caches(caches, 2), "pre": stack_caches(caches, 1)}

    def __repr__(self):
        return super().__repr__()[:-1] + f", activation={self.activation.name!r})"
