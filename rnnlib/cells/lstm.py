"""The LSTM cell, as ``torch.nn.LSTMCell``, with optional peephole connections.

Forward, one step: the lecture's FORWARD equations, with W . [h_{t-1}, x_t] split into
W_h* h_{t-1} + W_x* x_t, and the four gates stacked in PyTorch's order i, f, g (= C~), o:

    z_t  = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh     (B, 4H) = [z_i | z_f | z_c | z_o]
    i_t  = sigma(z_i [+ P_i C_{t-1}])                input gate
    f_t  = sigma(z_f [+ P_f C_{t-1}])                forget gate
    C~_t = tanh(z_c)                                 candidate (PyTorch's g)
    C_t  = f_t * C_{t-1} + i_t * C~_t                cell state: the constant error carousel
    o_t  = sigma(z_o [+ P_o C_t])                    output gate: sees the NEW cell state C_t
    h_t  = o_t * tanh(C_t)

x_t (B, D), h and C (B, H). The bracketed peephole terms (the lecture's W_fc, W_ic, W_oc
acting on C) are absent with ``peephole=None``; ``"diagonal"`` makes them elementwise
(Gers & Schmidhuber; TensorFlow's PeepholeLSTMCell): P_i C = p_i * C with vectors
``peephole_i``, ``peephole_f``, ``peephole_o`` (H,); ``"full"`` makes them the lecture's
matrices, P_i C = C W_ic^T with ``weight_ic``, ``weight_fc``, ``weight_oc`` (H, H).

Note on the lecture: its backward pseudocode inverts ``z_c = W_cc C + W_ch h + W_cx x + b_c``,
i.e. it also feeds C into the candidate. Its forward equations do not
(C~_t = tanh(W_C . [h_{t-1}, x_t] + b_C)); this code follows the FORWARD equations, so the
candidate has no peephole and there is no dW_cc.

Parameters: ``weight_ih`` (4H, D), ``weight_hh`` (4H, H), ``bias_ih`` (4H,), ``bias_hh``
(4H,) (PyTorch's names, shapes and gate order), plus the peephole parameters; all drawn
from U(-1/sqrt(H), 1/sqrt(H)); ``forget_bias`` is then added to ``bias_ih[H:2H]``.
"""

import numpy as np

from ._base import RecurrentCell, stack_caches

PEEPHOLES = (None, "diagonal", "full")


def sigmoid(z):
    """sigma(z) = (1 + tanh(z / 2)) / 2: the logistic function, overflow-free, in the
    dtype of ``z`` (no float64 upcast for float32 input)."""
    a = np.tanh(z * 0.5)
    a *= 0.5
    a += 0.5
    return a


class LSTMCell(RecurrentCell):
    """One LSTM step: state (h, c), each (B, H).

    >>> cell = LSTMCell(4, 3, peephole="diagonal", forget_bias=1.0, rng=0)
    >>> (h1, c1), cache = cell.forward(x, (h0, c0))     # state None: zeros
    >>> dx, (dh0, dc0) = cell.backward((dh1, dc1), cache)
    """

    num_chunks = 4
    state_parts = 2
    gate_names = ("input", "forget", "cell", "output")

    def __init__(self, input_size, hidden_size, *, peephole=None, forget_bias=0.0, rng=None,
                 dtype=np.float64):
        if peephole not in PEEPHOLES:
            raise ValueError(f"unknown peephole {peephole!r}; expected one of "
                             f"None, 'diagonal', 'full'")
        if not np.isfinite(forget_bias):
            raise ValueError(f"forget_bias must be a finite number, got {forget_bias!r}")
        super().__init__(input_size, hidden_size, rng=rng, dtype=dtype)
        self.peephole = peephole
        self.forget_bias = float(forget_bias)
        H, D = self.hidden_size, self.input_size
        self._add_param("weight_ih", (4 * H, D))
        self._add_param("weight_hh", (4 * H, H))
        self._add_param("bias_ih", (4 * H,))
        self._add_param("bias_hh", (4 * H,))
        self.params["bias_ih"][H:2 * H] += self.forget_bias
        # scale s and shift 1 - s turning tanh(s z) into the gates (see ``step``)
        self._scale = np.full(4 * H, 0.5, dtype=self.dtype)
        self._scale[2 * H:3 * H] = 1.0
        self._shift = (1 - self._scale).astype(self.dtype)
        if peephole == "diagonal":
            for gate in "ifo":
                self._add_param(f"peephole_{gate}", (H,))
        elif peephole == "full":
            for gate in "ifo":
                self._add_param(f"weight_{gate}c", (H, H))

    # -- the input projection ---------------------------------------------------------------
    def project_input(self, x):
        """W_ih x + b_ih + b_hh for x (..., D) -> (..., 4H)."""
        p = self.params
        xp = x @ p["weight_ih"].T
        xp += p["bias_ih"] + p["bias_hh"]  # in place: no second (T, B, G*H) temporary
        return xp

    def project_input_backward(self, dxp, x):
        """Add dW_ih = dz^T x, db_ih = db_hh = sum dz; return dx = dz W_ih."""
        g = self.grads
        d2 = dxp.reshape(-1, dxp.shape[-1])
        g["weight_ih"] += d2.T @ x.reshape(-1, x.shape[-1])
        db = d2.sum(axis=0)
        g["bias_ih"] += db
        g["bias_hh"] += db
        return dxp @ self.params["weight_ih"]

    # -- the recurrence -----------------------------------------------------------------------
    def _peep(self, gate, c):
        """The peephole term of ``gate`` ("i", "f", "o") on the cell state c (B, H)."""
        if self.peephole == "diagonal":
            return self.params[f"peephole_{gate}"] * c
        return c @ self.params[f"weight_{gate}c"].T

    def step(self, xp, state):
        """The forward equations above, given xp = W_ih x + b_ih + b_hh (B, 4H)."""
        h_prev, c_prev = state
        H = self.hidden_size
        z = xp + h_prev @ self.params["weight_hh"].T  # (B, 4H): z_i, z_f, z_c, z_o
        if self.peephole is not None:
            z[:, :H] += self._peep("i", c_prev)
            z[:, H:2 * H] += self._peep("f", c_prev)
        # sigma(z) = (1 + tanh(z / 2)) / 2, so ONE tanh gives the four blocks:
        # gates = s * tanh(s * z) + (1 - s), s = 1/2 for i, f, o and s = 1 for C~ = tanh(z_c).
        gates = np.tanh(z * self._scale)
        gates *= self._scale
        gates += self._shift
        i, f, g = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H]
        c = f * c_prev
        c += i * g  # C_t = f_t * C_{t-1} + i_t * C~_t
        if self.peephole is not None:
            z[:, 3 * H:] += self._peep("o", c)  # the output gate sees C_t
            gates[:, 3 * H:] = sigmoid(z[:, 3 * H:])
        o = gates[:, 3 * H:]
        tanh_c = np.tanh(c)
        h = o * tanh_c
        return (h, c), (h_prev, c_prev, z, gates, c, tanh_c, h)

    def step_backward(self, d_new_state, cache, *, weight_grads=True):
        """Backward in the order of the lecture's ``LSTM_cell.backward``.

        Given dh = dL/dh_t and dC = dL/dC_t from later steps (B, H):

            do    = dh * tanh(C_t)                      # invert h = o * tanh(C)
            dC   += dh * o * (1 - tanh^2(C_t))
            dz_o  = do * o * (1 - o)                    # invert o = sigmoid(z_o)
            dC   += dz_o P_o                            # invert z_o (peephole on C_t)
            dC_prev = dC * f;  dC~ = dC * i;  di = dC * C~;  df = dC * C_prev
                                                        # invert C = f*C_prev + i*C~
            dz_c  = dC~ * (1 - C~^2)                    # invert C~ = tanh(z_c)
            dz_i  = di * i * (1 - i);  dC_prev += dz_i P_i      # invert i, z_i
            dz_f  = df * f * (1 - f);  dC_prev += dz_f P_f      # invert f, z_f

        (The three last inversions, and that of o without peepholes, are done as one
        elementwise product of [di | df | dC~ | do] with the stacked derivatives.)

        Where the lecture inverts each z_* separately (dh += dz_o W_oh; ...; dW_oh = h dz_o),
        the four are stacked: dh_prev = dz W_hh and dW_hh += dz^T h_prev with
        dz = [dz_i | dz_f | dz_c | dz_o] (B, 4H), which is also returned as the gradient of
        the input projection. With ``weight_grads=False`` dW_hh is left to
        ``weight_hh_backward`` (one matmul for the whole sequence). Returns
        (dz, (dh_prev, dC_prev)).
        """
        dh, dc_next = d_new_state
        h_prev, c_prev, z, gates, c, tanh_c, _ = cache
        H = self.hidden_size
        i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
        dz = np.empty_like(gates)  # first dL/d(gate values), then dL/dz in place
        d_i, d_f, d_cand, d_o = (dz[:, k * H:(k + 1) * H] for k in range(4))
        # invert h = o * tanh(C)
        np.multiply(dh, tanh_c, out=d_o)
        dc = dh * o
        dc *= 1 - tanh_c * tanh_c
        dc += dc_next
        if self.peephole is not None:
            # invert o = sigmoid(z_o) now, then the peephole term of z_o (P_o C_t)
            d_o *= o * (1 - o)
            dc += self._peep_backward("o", d_o, c)
        # invert C = f * C_prev + i * C~
        dc_prev = dc * f
        np.multiply(dc, i, out=d_cand)
        np.multiply(dc, g, out=d_i)
        np.multiply(dc, c_prev, out=d_f)
        # invert C~ = tanh(z_c), i = sigmoid(z_i), f = sigmoid(z_f) (and o = sigmoid(z_o)
        # without peepholes) in one product with the stacked derivatives
        deriv = gates * (1 - gates)  # sigma' = a (1 - a)
        deriv[:, 2 * H:3 * H] = 1 - g * g  # tanh' = 1 - a^2
        if self.peephole is not None:
            deriv[:, 3 * H:] = 1  # d_o is already dz_o
        dz *= deriv
        if self.peephole is not None:
            dc_prev += self._peep_backward("i", d_i, c_prev)
            dc_prev += self._peep_backward("f", d_f, c_prev)
        # invert z = W_hh h_prev + ...: all four gates in one product
        if weight_grads:
            self.grads["weight_hh"] += dz.T @ h_prev
        dh_prev = dz @ self.params["weight_hh"]
        return dz, (dh_prev, dc_prev)

    def _peep_backward(self, gate, dz_gate, c):
        """Add the peephole parameter's gradient; return dL/dc through that term."""
        if self.peephole == "diagonal":
            self.grads[f"peephole_{gate}"] += np.sum(dz_gate * c, axis=0)
            return dz_gate * self.params[f"peephole_{gate}"]
        self.grads[f"weight_{gate}c"] += dz_gate.T @ c
        return dz_gate @ self.params[f"weight_{gate}c"]

    def internals(self, caches):
        """Stacked over time (T, B, H): gates "input", "forget", "cell" (candidate C~),
        "output"; states "c", "h"; pre-activations "pre_input", "pre_forget", "pre_cell",
        "pre_output" (with the peephole terms included)."""
        H = self.hidden_size
        gates, z = stack_caches(caches, 3), stack_caches(caches, 2)
        out = {}
        for k, name in enumerate(self.gate_names):
            out[name] = gates[..., k * H:(k + 1) * H]
            out["pre_" + name] = z[..., k * H:(k + 1) * H]
        out["c"] = stack_caches(caches, 4)
        out["h"] = stack_caches(caches, 6)
        return out

    def __repr__(self):
        return (super().__repr__()[:-1] +
                f", peephole={self.peephole!r}, forget_bias={self.forget_bias:g})")
