"""Exercise: the backward loop of the lecture's L-layer LSTM network ("LSTM network backward").

Forward (given, :func:`lstm_network_forward`): for t = 0..T-1, h(t,0) = x(t); for l = 1..L,
[C(t,l), h(t,l)] = LSTM_cell(t,l).forward(C(t-1,l), h(t-1,l), h(t,l-1)); z_o(t) = W_o h(t,L)
+ b_o (the softmax is left to the loss). h(-1,l) = C(-1,l) = 0.

The student writes the backward loop: for t = T-1..0, dW_o += dz_o(t)^T h(t,L), db_o +=
dz_o(t), dh(t,L) = dz_o(t) W_o; for l = L..1 the cell's backward gets dC(t+1,l) and
dh(t+1,l) + dx(t,l+1) (the gradient from the next step plus the one from the layer above)
and every layer's weight gradients are ADDED over t::

    fn(dz_o, caches, params, cell_backward) -> grads

``dz_o`` (T, B, C) = dL/dz_o; ``caches[t][l]`` the cache of cell (t, l+1) (as
:func:`rnnlib.exercises.lstm_cache`: keys h, C, f, ...); ``params`` = {"layers": [p_1, ...,
p_L], "W_o": (C, H), "b_o": (C,)} with p_l the cell parameters of :mod:`.lstm` (layer 1
reads x (D), the others h (H)); ``cell_backward(dh, dC, cache, p_l)`` the cell backward of
:mod:`.lstm` (yours or :func:`rnnlib.exercises.solutions.lstm_backward`). ``grads`` = {"dx":
(T, B, D), "dW_o", "db_o", "layers": [g_1, ..., g_L]} with g_l the cell's weight gradients
dW_f, ..., db_o summed over time. The loss checked is L = sum(dz_o * z_o).

The slide's slips to avoid: its layer loop reads ``for l = L-1:0`` (run l = L..1, the
forward's layers, top first), its dh(t,L) is never passed on (it must enter the top cell),
its ``d[W{l} b{l}] +=`` sits outside the layer loop (each layer adds its own, inside it).
"""

import numpy as np

from ._common import grad_items, random_params
from .lstm import GATES, lstm_backward_reference, lstm_cache, param_shapes
from .verdict import call, run

T, B, D, H, L, C = 4, 2, 3, 4, 2, 3
WEIGHTS = [f"d{k}_{g}" for k in "Wb" for g in GATES]


def lstm_network_forward(x, params):
    """x (T, B, D) -> (z_o (T, B, C), caches[t][l])."""
    Tn, Bn, _ = x.shape
    layers = params["layers"]
    Hn = layers[0]["b_f"].shape[0]
    state = [(np.zeros((Bn, Hn)), np.zeros((Bn, Hn))) for _ in layers]
    caches, z_o = [], []
    for t in range(Tn):
        below, row = x[t], []
        for l, p in enumerate(layers):
            c = lstm_cache(below, state[l][0], state[l][1], p)
            row.append(c)
            state[l] = (c["h"], c["C"])
            below = c["h"]
        caches.append(row)
        z_o.append(below @ params["W_o"].T + params["b_o"])
    return np.stack(z_o), caches


def lstm_network_backward_reference(dz_o, caches, params, cell_backward=None, *, slip=None):
    """The reference backward loop; ``slip`` names a mistake (for diagnosis)."""
    cell_backward = cell_backward or lstm_backward_reference
    layers = params["layers"]
    Tn, nL = len(caches), len(layers)
    grads = {"dW_o": np.zeros_like(params["W_o"]), "db_o": np.zeros_like(params["b_o"]),
             "layers": [{k: np.zeros(p[k[1:]].shape) for k in WEIGHTS} for p in layers]}
    top = caches[0][-1]["h"]
    d_next = [(np.zeros_like(top), np.zeros_like(top)) for _ in layers]
    dx = []
    for t in reversed(range(Tn)):
        h_top = caches[t][-1]["h"]
        if slip == "dW_o_overwritten":
            grads["dW_o"] = dz_o[t].T @ h_top
            grads["db_o"] = dz_o[t].sum(axis=0)
        else:
            grads["dW_o"] += dz_o[t].T @ h_top
            grads["db_o"] += dz_o[t].sum(axis=0)
        dh_above = dz_o[t] @ params["W_o"]
        if slip == "no_output_dh":
            dh_above = np.zeros_like(dh_above)
        for l in reversed(range(nL)):
            dh_next, dC_next = d_next[l]
            dh_in = {"no_dh_next": dh_above, "no_dx_above": dh_next}.get(slip,
                                                                          dh_next + dh_above)
            if slip == "no_dC_next":
                dC_next = np.zeros_like(dC_next)
            g = cell_backward(dh_in, dC_next, caches[t][l], layers[l])
            d_next[l] = (g["dh_prev"], g["dC_prev"])
            dh_above = g["dx"]
            for k in WEIGHTS:
                if slip == "weights_overwritten":
                    grads["layers"][l][k] = np.array(g[k], dtype=float)
                else:
                    grads["layers"][l][k] += g[k]
        dx.append(dh_above)
    grads["dx"] = np.stack(dx[::-1])
    return grads


SLIPS = {
    "no_output_dh": "dh(t,L) = dz_o(t) W_o never enters the top cell (the slide's slip: "
                    "pass it into LSTM_cell(t,L).backward)",
    "no_dh_next": "the gradient dh(t+1,l) from the next time step is not added to the "
                  "one from the layer above",
    "no_dx_above": "the gradient dx(t,l+1) from the layer above is not added to dh(t+1,l)",
    "no_dC_next": "dC(t+1,l) from the next time step is not passed to the cell's backward",
    "weights_overwritten": "the layer's weight gradients are overwritten at each t instead "
                           "of added (d[W{l} b{l}] += d[W, b])",
    "dW_o_overwritten": "dW_o and db_o are overwritten at each t instead of added",
}


def _flat(grads):
    if not isinstance(grads, dict):
        return grads
    out = {k: v for k, v in grads.items() if k != "layers"}
    layers = grads.get("layers")
    if isinstance(layers, list | tuple):
        for l, g in enumerate(layers):
            if isinstance(g, dict):
                out |= {f"l{l + 1}.{k}": v for k, v in g.items()}
    return out


def _inputs(seed=2):
    rng = np.random.default_rng(seed)
    layers = [random_params(param_shapes(D if l == 0 else H, H), rng) for l in range(L)]
    params = {"layers": layers, "W_o": 0.6 * rng.standard_normal((C, H)),
              "b_o": 0.6 * rng.standard_normal(C)}
    x = rng.standard_normal((T, B, D))
    dz_o = rng.standard_normal((T, B, C))
    return params, x, dz_o


def _copy(params):
    return {"layers": [{k: v.copy() for k, v in p.items()} for p in params["layers"]],
            "W_o": params["W_o"].copy(), "b_o": params["b_o"].copy()}


def check_lstm_network_backward(student_fn):
    """Check ``student_fn(dz_o, caches, params, cell_backward) -> grads`` (module
    docstring) for T=4 steps, L=2 layers: dx, dW_o, db_o and every layer's gradients."""
    def body():
        params, x, dz_o = _inputs()
        _, caches = lstm_network_forward(x, params)
        student_caches = [[{k: v.copy() for k, v in c.items()} for c in row] for row in caches]
        got = call(student_fn, dz_o.copy(), student_caches, _copy(params),
                   lstm_backward_reference)
        ref = _flat(lstm_network_backward_reference(dz_o, caches, params))
        mistakes = [(hint, _flat(lstm_network_backward_reference(dz_o, caches, params,
                                                                 slip=s)))
                    for s, hint in SLIPS.items()]
        return grad_items(_flat(got), ref, mistakes, B)
    return run(f"LSTM network backward ({L} layers, {T} steps)", body)
