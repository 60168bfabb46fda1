"""What every recurrent cell shares: sizes, dtype, PyTorch-style initialisation,
the ``params``/``grads`` dicts, input checks, and the split of one step into

    1. ``project_input(x)``: the part of the gate pre-activations that does not depend on
       the state, ``x @ W_ih.T + biases`` (for a whole sequence (T, B, D) in ONE matmul);
    2. ``step(xp, state)``: the recurrence proper, given that projection;

and the backward in the reverse order (``step_backward`` then ``project_input_backward``).
``forward``/``backward`` for a single time step are these two glued together; the sequence
layers (:mod:`rnnlib.layers`) call the pieces so that the input matmuls run once per sequence.
"""

import numpy as np

from .._checks import (
    as_float_array,
    as_generator,
    check_float_dtype,
    check_param_memory,
    check_positive_int,
)


class RecurrentCell:
    """Base class. Subclasses set ``state_parts`` (1: the state is ``h``; 2: ``(h, c)``)
    and implement ``step``, ``step_backward`` and ``internals``; the input projection
    ``W_ih x + b_ih + b_hh`` given here is overridden where it differs (the GRU)."""

    state_parts = 1
    blocks = 1  # gate blocks stacked in the weights: (blocks * H, D) and (blocks * H, H)

    def __init__(self, input_size, hidden_size, *, rng=None, dtype=np.float64,
                 max_param_bytes=None):
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.dtype = check_float_dtype("dtype", dtype)
        check_param_memory(f"{type(self).__name__}({self.input_size}, {self.hidden_size})",
                           self.param_count(self.input_size, self.hidden_size), self.dtype,
                           max_param_bytes)
        self._rng = as_generator(rng)
        self.params = {}
        self.grads = {}

    # -- parameters ---------------------------------------------------------------------
    @classmethod
    def param_count(cls, input_size, hidden_size):
        """The number of values in the weights W_ih and W_hh (biases and peepholes not
        counted): the parameters' size, checked against ``max_param_bytes`` before any is
        allocated."""
        return cls.blocks * hidden_size * (input_size + hidden_size)

    def _add_param(self, name, shape):
        """A parameter drawn from U(-1/sqrt(H), 1/sqrt(H)) as PyTorch does, and its zero grad."""
        bound = 1.0 / np.sqrt(self.hidden_size)
        self.params[name] = self._rng.uniform(-bound, bound, size=shape).astype(self.dtype)
        self.grads[name] = np.zeros(shape, dtype=self.dtype)

    def zero_grad(self):
        """Reset every gradient to zero IN PLACE (the arrays stay the same objects)."""
        for g in self.grads.values():
            g.fill(0)

    # -- states ---------------------------------------------------------------------------
    def init_state(self, batch_size):
        """The zero state for a batch: ``h`` (B, H), or ``(h, c)`` for the LSTM."""
        batch_size = check_positive_int("batch_size", batch_size)
        zeros = [np.zeros((batch_size, self.hidden_size), dtype=self.dtype)
                 for _ in range(self.state_parts)]
        return zeros[0] if self.state_parts == 1 else tuple(zeros)

    def _check_x(self, x):
        return as_float_array("x", x, ndim=2, shape=(None, self.input_size), dtype=self.dtype)

    def _check_state(self, name, state, batch_size):
        """``state`` as h (B, H) or a tuple (h, c); ``None`` means zeros."""
        if state is None:
            return self.init_state(batch_size)
        shape = (batch_size, self.hidden_size)
        if self.state_parts == 1:
            if isinstance(state, tuple | list):
                raise TypeError(f"{name} must be one array h of shape {shape}, "
                                f"got a {type(state).__name__} of {len(state)} items")
            return as_float_array(name, state, shape=shape, dtype=self.dtype)
        if not isinstance(state, tuple | list) or len(state) != 2:
            raise TypeError(f"{name} must be a tuple (h, c) of two arrays of shape {shape}, "
                            f"got {type(state).__name__}")
        return tuple(self.init_state(batch_size)[k] if s is None else
                     as_float_array(f"{name}[{k}]", s, shape=shape, dtype=self.dtype)
                     for k, s in enumerate(state))

    # -- the input projection (RNN and LSTM; the GRU overrides both) -------------------------
    def project_input(self, x):
        """xp = W_ih x + b_ih + b_hh for x (..., D) -> (..., G*H): every term of the
        pre-activations z but the recurrent product W_hh h_{t-1}."""
        p = self.params
        xp = x @ p["weight_ih"].T
        xp += p["bias_ih"] + p["bias_hh"]  # in place: no second (T, B, G*H) temporary
        return xp

    def project_input_backward(self, dxp, x):
        """Given dxp = dL/dz (..., G*H) and x (..., D): add dW_ih = sum dz^T x and
        db_ih = db_hh = sum dz into ``grads``; return dx = dz W_ih (..., D)."""
        g, d2 = self.grads, flat(dxp)
        g["weight_ih"] += d2.T @ flat(x)
        db = d2.sum(axis=0)
        g["bias_ih"] += db
        g["bias_hh"] += db
        return dxp @ self.params["weight_ih"]

    # -- one time step ----------------------------------------------------------------------
    def forward(self, x, state=None, *, cache=True):
        """One time step. x (B, D), state h (B, H) or (h, c) (None: zeros).

        Returns ``(new_state, cache)``; pass ``cache`` to :meth:`backward`. With
        ``cache=False`` (inference) nothing is kept for backward and the cache is None."""
        x = self._check_x(x)
        state = self._check_state("state", state, x.shape[0])
        new_state, step_cache = self.step(self.project_input(x), state)
        return new_state, ((x, step_cache) if cache else None)

    def backward(self, d_new_state, cache):
        """Gradients of one step. ``d_new_state`` is dL/dh' (B, H) or (dL/dh', dL/dc')
        (None entries mean zero). ADDS the parameter gradients into ``self.grads`` and
        returns ``(dx, d_state)``: dL/dx (B, D) and dL/d(state) in the state's form."""
        if cache is None:
            raise RuntimeError("backward needs the cache of a forward run with cache=True; "
                               "this one ran with cache=False (inference)")
        if not (isinstance(cache, tuple) and len(cache) == 2):
            raise TypeError("cache must be the cache returned by this cell's forward (a tuple "
                            f"(x, step cache)), got {type(cache).__name__}")
        x, step_cache = cache
        d_new_state = self._check_state("d_new_state", d_new_state, x.shape[0])
        dxp, d_state = self.step_backward(d_new_state, step_cache)
        return self.project_input_backward(dxp, x), d_state

    def weight_hh_backward(self, dxp, caches):
        """Add dW_hh = sum_t dz_t^T h_{t-1} over a whole sequence in ONE matmul, for steps
        whose ``step_backward`` ran with ``weight_grads=False``. dxp (T, B, G*H) holds the
        step gradients (summed over every backward through each step), ``caches`` the
        steps' caches. (RNN and LSTM: the recurrent pre-activation's gradient is dxp and the
        first cache entry is h_{t-1}; the GRU overrides this.)"""
        self.grads["weight_hh"] += flat(dxp).T @ flat(stack_caches(caches, 0))

    def __repr__(self):
        return (f"{type(self).__name__}(input_size={self.input_size}, "
                f"hidden_size={self.hidden_size}, dtype={self.dtype.name})")


def flat(a):
    """a (..., n) as a 2-D (rows, n) view: sums over time and batch become one matmul."""
    return a.reshape(-1, a.shape[-1])


def stack_caches(caches, index):
    """Stack entry ``index`` of every per-step cache: (T, B, ...)."""
    return np.stack([c[index] for c in caches])
