"""The GRU cell in two variants: PyTorch's/cuDNN's (default) and the lecture's.

``variant="pytorch"`` (as ``torch.nn.GRUCell``; gates stacked r, z, n):

    r_t  = sigma(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
    z_t  = sigma(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate
    n_t  = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))   new (candidate) state
    h_t  = (1 - z_t) * n_t + z_t * h_{t-1}

    The reset multiplies the recurrent product AFTER the matrix (and its bias b_hn); z_t
    is the fraction of the OLD state kept. Parameters (PyTorch's): ``weight_ih`` (3H, D),
    ``weight_hh`` (3H, H), ``bias_ih`` (3H,), ``bias_hh`` (3H,), rows stacked r, z, n.

``variant="lecture"`` (the lecture's slide, with biases added):

    z_t  = sigma(W_z . [h_{t-1}, x_t] + b_z)                      update gate
    r_t  = sigma(W_r . [h_{t-1}, x_t] + b_r)                      reset gate
    h~_t = tanh(W . [r_t * h_{t-1}, x_t] + b)                     candidate
    h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t

    The reset multiplies the state BEFORE the matrix product, and z_t is the fraction of the
    NEW candidate taken (the roles of z are swapped with respect to PyTorch). Parameters,
    with names of their own (their rows and meaning differ from PyTorch's, so PyTorch GRU
    weights cannot be loaded by mistake), rows stacked z, r, h~ (i.e. [W_z; W_r; W] split
    by columns of [h, x]): ``weight_x`` (3H, D) the x-columns, ``weight_h`` (3H, H) the
    h-columns (its h~ block multiplies r_t * h_{t-1}), and ONE bias ``bias`` (3H,)
    = [b_z; b_r; b].

Shapes: x_t (B, D), h (B, H). All parameters are drawn from U(-1/sqrt(H), 1/sqrt(H)).

``update_bias`` (default 0) is then added to the update gate's bias, ``bias_ih[H:2H]``
(pytorch) or ``bias[:H]`` (lecture), as the LSTM's ``forget_bias``. Mind the opposite
roles of z_t: a positive ``update_bias`` makes a pytorch GRU KEEP its old state (z_t is the
fraction kept) but a lecture GRU take the NEW candidate (z_t is the fraction taken); to
favour remembering, use update_bias > 0 for "pytorch" and < 0 for "lecture".
Internals (see :meth:`GRUCell.internals`): "reset", "update", "new" (n_t or h~_t), "h" and
the pre-activations "pre_reset", "pre_update", "pre_new".
"""

import numpy as np

from .._checks import as_finite_float
from ..activations import sigmoid
from ._base import RecurrentCell, flat, stack_caches

VARIANTS = ("pytorch", "lecture")


class GRUCell(RecurrentCell):
    """One GRU step, ``variant`` "pytorch" (default) or "lecture" (see the module docstring).

    >>> cell = GRUCell(4, 3, variant="lecture", update_bias=-1.0, rng=0)
    >>> h1, cache = cell.forward(x, h0)
    >>> dx, dh0 = cell.backward(dh1, cache)
    """

    state_parts = 1
    blocks = 3

    def __init__(self, input_size, hidden_size, *, variant="pytorch", update_bias=0.0,
                 rng=None, dtype=np.float64, max_param_bytes=None):
        if variant not in VARIANTS:
            raise ValueError(f"unknown GRU variant {variant!r}; expected 'pytorch' or 'lecture'")
        update_bias = as_finite_float("update_bias", update_bias)
        super().__init__(input_size, hidden_size, rng=rng, dtype=dtype,
                         max_param_bytes=max_param_bytes)
        self.variant = variant
        self.update_bias = update_bias
        H, D = self.hidden_size, self.input_size
        # the input and recurrent weights' names (drawn in this order in both variants)
        self._wx, self._wh = (("weight_ih", "weight_hh") if variant == "pytorch"
                              else ("weight_x", "weight_h"))
        self._add_param(self._wx, (3 * H, D))
        self._add_param(self._wh, (3 * H, H))
        if variant == "pytorch":  # rows r, z, n
            self._add_param("bias_ih", (3 * H,))
            self._add_param("bias_hh", (3 * H,))
            self.params["bias_ih"][H:2 * H] += self.update_bias
        else:  # rows z, r, h~
            self._add_param("bias", (3 * H,))
            self.params["bias"][:H] += self.update_bias

    # -- the input projection ---------------------------------------------------------------
    def project_input(self, x):
        """pytorch: W_ih x + b_ih + [b_hr, b_hz, 0] (b_hn stays inside r * (...));
        lecture: W_x x + bias. x (..., D) -> (..., 3H)."""
        p, H = self.params, self.hidden_size
        xp = x @ p[self._wx].T
        if self.variant == "lecture":
            xp += p["bias"]
        else:
            xp += p["bias_ih"]
            xp[..., :2 * H] += p["bias_hh"][:2 * H]
        return xp

    def project_input_backward(self, dxp, x):
        """Add dW_ih (lecture: dW_x) and the folded biases' gradients; return dx = dxp W_ih."""
        g, H = self.grads, self.hidden_size
        d2 = dxp.reshape(-1, dxp.shape[-1])
        g[self._wx] += d2.T @ x.reshape(-1, x.shape[-1])
        db = d2.sum(axis=0)
        if self.variant == "lecture":
            g["bias"] += db
        else:
            g["bias_ih"] += db
            g["bias_hh"][:2 * H] += db[:2 * H]
        return dxp @ self.params[self._wx]

    # -- the recurrence -----------------------------------------------------------------------
    def step(self, xp, h_prev):
        """One step given the input projection xp (B, 3H) (see :meth:`project_input`) and
        h_{t-1} (B, H): the equations of the module docstring. Returns (h_t, cache)."""
        if self.variant == "lecture":
            return self._step_lecture(xp, h_prev)
        H, W = self.hidden_size, self.params["weight_hh"]
        hp = h_prev @ W.T  # (B, 3H): W_hr h, W_hz h, W_hn h
        pre = xp.copy()  # pre-activations, rows r, z, n
        pre[:, :2 * H] += hp[:, :2 * H]
        gates = np.empty_like(pre)  # [r | z | n], kept for backward
        gates[:, :2 * H] = sigmoid(pre[:, :2 * H])
        r, z = gates[:, :H], gates[:, H:2 * H]
        hn = hp[:, 2 * H:]
        hn += self.params["bias_hh"][2 * H:]  # W_hn h + b_hn
        pre[:, 2 * H:] += r * hn
        n = gates[:, 2 * H:]
        np.tanh(pre[:, 2 * H:], out=n)
        h = h_prev - n  # h' = n + z * (h - n) = (1 - z) n + z h
        h *= z
        h += n
        return h, (h_prev, pre, gates, hn, h)

    def _step_lecture(self, xp, h_prev):
        """The lecture's step (see the module docstring); xp = W_x x + bias, rows z, r, h~."""
        H, W = self.hidden_size, self.params["weight_h"]
        pre = xp.copy()  # rows z, r, h~
        pre[:, :2 * H] += h_prev @ W[:2 * H].T
        gates = np.empty_like(pre)  # [z | r | h~], kept for backward
        gates[:, :2 * H] = sigmoid(pre[:, :2 * H])
        z, r = gates[:, :H], gates[:, H:2 * H]
        rh = r * h_prev  # the reset acts BEFORE the matrix product
        pre[:, 2 * H:] += rh @ W[2 * H:].T
        cand = gates[:, 2 * H:]
        np.tanh(pre[:, 2 * H:], out=cand)
        h = cand - h_prev  # h' = h + z (h~ - h) = (1 - z) h + z h~
        h *= z
        h += h_prev
        return h, (h_prev, pre, gates, rh, h)

    def step_backward(self, dh, cache, *, weight_grads=True):
        """Backward of one step, given dL/dh_t (B, H). Returns (dL/d(input projection),
        dL/dh_{t-1}); adds dW_hh (and db_hn; lecture: dW_h) into ``grads``.

        pytorch:  dn = dh (1 - z);  dz = dh (h_prev - n);  dh_prev = dh z
                  da_n = dn (1 - n^2)  (= d of the n pre-activation, also its x-part)
                  dr = da_n * (W_hn h + b_hn);  d(W_hn h + b_hn) = da_n * r
                  da_r = dr r (1 - r);  da_z = dz z (1 - z)
                  dh_prev += [da_r, da_z, da_n * r] W_hh
        lecture:  dh~ = dh z;  dz = dh (h~ - h_prev);  dh_prev = dh (1 - z)
                  da_h = dh~ (1 - h~^2);  d(r h) = da_h W_h~;  dr = d(r h) h_prev;
                  dh_prev += d(r h) r;  da_z = dz z (1 - z);  da_r = dr r (1 - r)
                  dh_prev += [da_z, da_r] W_{z,r}

        With ``weight_grads=False`` dW_hh (and db_hn; lecture: dW_h) are left to
        ``weight_hh_backward``.
        """
        if self.variant == "lecture":
            return self._step_backward_lecture(dh, cache, weight_grads)
        h_prev, _, gates, hn, _ = cache
        H, W = self.hidden_size, self.params["weight_hh"]
        r, z, n = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:]
        dxp = np.empty_like(gates)
        da_r, da_z, da_n = dxp[:, :H], dxp[:, H:2 * H], dxp[:, 2 * H:]
        # invert h = (1 - z) n + z h_prev
        dn = dh * (1 - z)
        np.multiply(dh * (h_prev - n), z * (1 - z), out=da_z)  # through z = sigmoid(a_z)
        dh_prev = dh * z
        # invert n = tanh(a_n), a_n = (x-part) + r * hn
        np.multiply(dn, 1 - n * n, out=da_n)
        np.multiply(da_n * hn, r * (1 - r), out=da_r)  # through r = sigmoid(a_r)
        dhp = self._recurrent_grad(dxp, r)
        if weight_grads:
            self._add_weight_hh_grads(dhp, h_prev)
        dh_prev += dhp @ W
        return dxp, dh_prev

    def _recurrent_grad(self, dxp, r):
        """pytorch variant: the gradient of h_prev @ W_hh.T + b_hh, from that of the input
        projection: the same for the rows r, z; times r_t for the rows n."""
        H = self.hidden_size
        dhp = dxp.copy()
        dhp[..., 2 * H:] *= r
        return dhp

    def _add_weight_hh_grads(self, dhp, h_prev):
        self.grads["bias_hh"][2 * self.hidden_size:] += flat(dhp[..., 2 * self.hidden_size:]).sum(0)
        self.grads["weight_hh"] += flat(dhp).T @ flat(h_prev)

    def weight_hh_backward(self, dxp, caches):
        """dW_hh (and db_hn; lecture: dW_h) over a whole sequence in one matmul, after step
        backwards run with ``weight_grads=False``; dxp (T, B, 3H)."""
        H, gW = self.hidden_size, self.grads[self._wh]
        h_prev = flat(stack_caches(caches, 0))
        if self.variant == "pytorch":
            r = stack_caches(caches, 2)[..., :H]
            self._add_weight_hh_grads(flat(self._recurrent_grad(dxp, r)), h_prev)
        else:
            d2 = flat(dxp)
            gW[:2 * H] += d2[:, :2 * H].T @ h_prev
            gW[2 * H:] += d2[:, 2 * H:].T @ flat(stack_caches(caches, 3))

    def _step_backward_lecture(self, dh, cache, weight_grads):
        """The lecture variant's backward (equations in :meth:`step_backward`)."""
        h_prev, _, gates, rh, _ = cache
        H, W, gW = self.hidden_size, self.params["weight_h"], self.grads["weight_h"]
        z, r, cand = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:]
        dxp = np.empty_like(gates)
        da_z, da_r, da_h = dxp[:, :H], dxp[:, H:2 * H], dxp[:, 2 * H:]
        # invert h = (1 - z) h_prev + z h~
        np.multiply(dh * (cand - h_prev), z * (1 - z), out=da_z)  # through z = sigmoid(a_z)
        dh_prev = dh * (1 - z)
        # invert h~ = tanh(a_h), a_h = (x-part) + W_h~ (r * h_prev)
        np.multiply(dh * z, 1 - cand * cand, out=da_h)
        if weight_grads:
            gW[2 * H:] += da_h.T @ rh
        d_rh = da_h @ W[2 * H:]
        dh_prev += d_rh * r
        np.multiply(d_rh * h_prev, r * (1 - r), out=da_r)  # through r = sigmoid(a_r)
        # invert the z and r pre-activations' recurrent part W_{z,r} h_prev
        if weight_grads:
            gW[:2 * H] += dxp[:, :2 * H].T @ h_prev
        dh_prev += dxp[:, :2 * H] @ W[:2 * H]
        return dxp, dh_prev

    def internals(self, caches):
        """Stacked over time (T, B, H): "reset", "update", "new" (n_t, or h~_t for the lecture
        variant), "h", and the pre-activations "pre_reset", "pre_update", "pre_new"."""
        H = self.hidden_size
        gates, pre = stack_caches(caches, 2), stack_caches(caches, 1)
        order = (("reset", "update", "new") if self.variant == "pytorch"
                 else ("update", "reset", "new"))
        out = {}
        for k, name in enumerate(order):
            out[name] = gates[..., k * H:(k + 1) * H]
            out["pre_" + name] = pre[..., k * H:(k + 1) * H]
        out["h"] = stack_caches(caches, 4)
        return out

    def __repr__(self):
        return (super().__repr__()[:-1] +
                f", variant={self.variant!r}, update_bias={self.update_bias:g})")
