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

Names in the code: ``z_i, z_f, z_c, z_o`` the pre-activations, ``i, f, c_tilde, o`` the gates
(the lecture's i_t, f_t, C~_t, o_t), ``c_prev``/``c`` the cell states C_{t-1}/C_t, ``dh``/``dc``
the gradients dL/dh_t, dL/dC_t (the lecture's dh, dC).
"""

import numpy as np

from .._checks import as_finite_float
from ..activations import sigmoid
from ._base import RecurrentCell, stack_caches

PEEPHOLES = (None, "diagonal", "full")


def split_gates(a, hidden_size):
    """The four (B, H) blocks [i | f | C~ | o] of a gate-stacked array a (..., 4H), as views."""
    H = hidden_size
    return tuple(a[..., k * H:(k + 1) * H] for k in range(4))


class LSTMCell(RecurrentCell):
    """One LSTM step: state (h, c), each (B, H).

    >>> cell = LSTMCell(4, 3, peephole="diagonal", forget_bias=1.0, rng=0)
    >>> (h1, c1), cache = cell.forward(x, (h0, c0))     # state None: zeros
    >>> dx, (dh0, dc0) = cell.backward((dh1, dc1), cache)
    """

    state_parts = 2
    blocks = 4
    gate_names = ("input", "forget", "cell", "output")

    def __init__(self, input_size, hidden_size, *, peephole=None, forget_bias=0.0, rng=None,
                 dtype=np.float64, max_param_bytes=None):
        if peephole not in PEEPHOLES:
            raise ValueError(f"unknown peephole {peephole!r}; expected one of "
                             f"None, 'diagonal', 'full'")
        forget_bias = as_finite_float("forget_bias", forget_bias)
        super().__init__(input_size, hidden_size, rng=rng, dtype=dtype,
                         max_param_bytes=max_param_bytes)
        self.peephole = peephole
        self.forget_bias = forget_bias
        H, D = self.hidden_size, self.input_size
        self._add_param("weight_ih", (4 * H, D))
        self._add_param("weight_hh", (4 * H, H))
        self._add_param("bias_ih", (4 * H,))
        self._add_param("bias_hh", (4 * H,))
        self.params["bias_ih"][H:2 * H] += self.forget_bias
        if peephole == "diagonal":
            for gate in "ifo":
                self._add_param(f"peephole_{gate}", (H,))
        elif peephole == "full":
            for gate in "ifo":
                self._add_param(f"weight_{gate}c", (H, H))

    # -- peepholes ------------------------------------------------------------------------------
    def peephole_term(self, gate, c):
        """The peephole term P_gate C of ``gate`` ("i", "f" or "o") on a cell state c (B, H):
        ``peephole_{gate} * c`` (diagonal), ``c @ weight_{gate}c.T`` (full), or zeros
        (no peepholes). (B, H)."""
        if gate not in ("i", "f", "o"):
            raise ValueError(f"gate must be 'i', 'f' or 'o' (the gates with peepholes), "
                             f"got {gate!r}")
        if self.peephole is None:
            return np.zeros_like(c)
        if self.peephole == "diagonal":
            return self.params[f"peephole_{gate}"] * c
        return c @ self.params[f"weight_{gate}c"].T

    def _peephole_backward(self, gate, dz_gate, c):
        """Invert z_gate += P_gate C: add the peephole parameter's gradient, return dL/dC."""
        if self.peephole == "diagonal":
            self.grads[f"peephole_{gate}"] += np.sum(dz_gate * c, axis=0)
            return dz_gate * self.params[f"peephole_{gate}"]
        self.grads[f"weight_{gate}c"] += dz_gate.T @ c
        return dz_gate @ self.params[f"weight_{gate}c"]

    # -- the recurrence -------------------------------------------------------------------------
    def step(self, xp, state):
        """The forward equations of the module docstring, given the input projection
        xp = W_ih x_t + b_ih + b_hh (B, 4H) and the state (h_{t-1}, C_{t-1}).
        Returns ((h_t, C_t), cache)."""
        h_prev, c_prev = state
        z = xp + h_prev @ self.params["weight_hh"].T  # (B, 4H) = [z_i | z_f | z_c | z_o]
        z_i, z_f, z_c, z_o = split_gates(z, self.hidden_size)  # views into z
        if self.peephole is not None:
            z_i += self.peephole_term("i", c_prev)
            z_f += self.peephole_term("f", c_prev)
        i = sigmoid(z_i)  # input gate
        f = sigmoid(z_f)  # forget gate
        c_tilde = np.tanh(z_c)  # candidate C~_t
        c = f * c_prev + i * c_tilde  # C_t: the constant error carousel
        if self.peephole is not None:
            z_o += self.peephole_term("o", c)  # the output gate sees the NEW cell state
        o = sigmoid(z_o)  # output gate
        tanh_c = np.tanh(c)
        h = o * tanh_c
        return (h, c), (h_prev, c_prev, z, (i, f, c_tilde, o), c, tanh_c, h)

    def step_backward(self, d_new_state, cache, *, weight_grads=True):
        """Backward of one step, in the order of the lecture's ``LSTM_cell.backward``.

        Given dh = dL/dh_t and dC = dL/dC_t from later steps (B, H):

            do    = dh * tanh(C_t);  dC += dh * o * (1 - tanh^2(C_t))   # invert h = o tanh(C)
            dz_o  = do * o * (1 - o)                                    # invert o = sigma(z_o)
            dC   += dz_o P_o                                            # (peephole on C_t)
            dC_prev = dC * f;  dC~ = dC * i;  di = dC * C~;  df = dC * C_prev
                                                         # invert C = f * C_prev + i * C~
            dz_c  = dC~ * (1 - C~^2)                                    # invert C~ = tanh(z_c)
            dz_i  = di * i * (1 - i);  dz_f = df * f * (1 - f)          # invert i, f
            dC_prev += dz_i P_i + dz_f P_f                              # (peepholes on C_prev)

        (The pseudocode calls the candidate C_i and the new cell state C_o.)

        Where the lecture inverts each z_* separately (dh += dz_o W_oh; ...; dW_oh = h dz_o),
        the four are stacked: dh_prev = dz W_hh and dW_hh += dz^T h_prev with
        dz = [dz_i | dz_f | dz_c | dz_o] (B, 4H), which is also the gradient of the input
        projection (see ``project_input_backward``). With ``weight_grads=False`` dW_hh is
        left to ``weight_hh_backward`` (one matmul for the whole sequence).
        Returns (dz, (dh_prev, dC_prev)).
        """
        dh, dc = d_new_state
        h_prev, c_prev, z, (i, f, c_tilde, o), c, tanh_c, _ = cache
        dz = np.empty_like(z)
        dz_i, dz_f, dz_c, dz_o = split_gates(dz, self.hidden_size)  # views into dz
        # invert h = o * tanh(C)
        do = dh * tanh_c
        dc = dc + dh * o * (1 - tanh_c * tanh_c)
        # invert o = sigma(z_o), then the peephole term of z_o
        np.multiply(do, o * (1 - o), out=dz_o)
        if self.peephole is not None:
            dc += self._peephole_backward("o", dz_o, c)
        # invert C = f * C_prev + i * C~, then each gate's activation
        dc_prev = dc * f
        np.multiply(dc * i, 1 - c_tilde * c_tilde, out=dz_c)  # dC~ * tanh'(z_c)
        np.multiply(dc * c_tilde, i * (1 - i), out=dz_i)  # di * sigma'(z_i)
        np.multiply(dc * c_prev, f * (1 - f), out=dz_f)  # df * sigma'(z_f)
        if self.peephole is not None:
            dc_prev += self._peephole_backward("i", dz_i, c_prev)
            dc_prev += self._peephole_backward("f", dz_f, c_prev)
        # invert z = xp + W_hh h_prev: all four gates in one product
        if weight_grads:
            self.grads["weight_hh"] += dz.T @ h_prev
        dh_prev = dz @ self.params["weight_hh"]
        return dz, (dh_prev, dc_prev)

    def internals(self, caches):
        """Stacked over time (T, B, H): gates "input", "forget", "cell" (candidate C~),
        "output"; states "c", "h"; pre-activations "pre_input", "pre_forget", "pre_cell",
        "pre_output" (with the peephole terms included)."""
        z = split_gates(stack_caches(caches, 2), self.hidden_size)
        out = {}
        for k, name in enumerate(self.gate_names):
            out[name] = np.stack([cache[3][k] for cache in caches])
            out["pre_" + name] = z[k]
        out["c"] = stack_caches(caches, 4)
        out["h"] = stack_caches(caches, 6)
        return out

    def __repr__(self):
        return (super().__repr__()[:-1] +
                f", peephole={self.peephole!r}, forget_bias={self.forget_bias:g})")
