"""Exercise: the LSTM cell, forward and backward, in the lecture's notation.

The student writes (row-vector batches, ``hx = [h_{t-1}, x_t]`` of shape (B, H+D))::

    z_f = hx @ W_f.T + b_f  [+ C_{t-1} @ W_fc.T]      f_t  = sigma(z_f)     forget gate
    z_i = hx @ W_i.T + b_i  [+ C_{t-1} @ W_ic.T]      i_t  = sigma(z_i)     input gate
    z_c = hx @ W_c.T + b_c                            C~_t = tanh(z_c)      candidate
    C_t = f_t * C_{t-1} + i_t * C~_t                                        cell state
    z_o = hx @ W_o.T + b_o  [+ C_t @ W_oc.T]          o_t  = sigma(z_o)     output gate
    h_t = o_t * tanh(C_t)

Parameters (dict): ``W_f, W_i, W_c, W_o`` (H, H+D) (the h-columns first, as the lecture's
W . [h_{t-1}, x_t]), ``b_f, b_i, b_c, b_o`` (H,); with ``peepholes=True`` also the lecture's
``W_fc, W_ic, W_oc`` (H, H). There is no ``W_cc``: the lecture's backward pseudocode inverts
a W_cc C term on the candidate that its forward equations do not have.

Forward: ``fn(x, h_prev, C_prev, params) -> (h, C)``; x (B, D), h_prev and C_prev (B, H).

Backward: ``fn(dh, dC, cache, params) -> grads``. dh = dL/dh_t and dC = dL/dC_t from the
next step (B, H); ``cache`` is the dict returned by :func:`lstm_cache` with keys ``x,
h_prev, C_prev, hx, z_f, z_i, z_c, z_o, f, i, C_tilde, o, C, h``; ``grads`` is a dict with
``dx, dh_prev, dC_prev, dW_f, dW_i, dW_c, dW_o, db_f, db_i, db_c, db_o`` (and ``dW_fc,
dW_ic, dW_oc`` with peepholes), each of the shape of what it differentiates.
The loss checked is L = sum(dh * h_t) + sum(dC * C_t).
"""

import numpy as np

from ..activations import sigmoid
from ._common import extra_keys, grad_items, random_params
from .verdict import StudentError, as_array, call, compare_arrays, run

GATES = ("f", "i", "c", "o")
GATE_NAMES = {"f": "forget gate", "i": "input gate", "c": "candidate", "o": "output gate"}
B, D, H = 3, 4, 5


def param_shapes(input_size, hidden_size, peepholes=False):
    shapes = {f"W_{g}": (hidden_size, hidden_size + input_size) for g in GATES}
    shapes |= {f"b_{g}": (hidden_size,) for g in GATES}
    if peepholes:
        shapes |= {f"W_{g}c": (hidden_size, hidden_size) for g in "fio"}
    return shapes


def lstm_template(peepholes=False):
    """Source text of the two functions the student fills in."""
    peep = ("    # peepholes: z_f += C_prev @ W_fc.T; z_i += C_prev @ W_ic.T; "
            "z_o += C @ W_oc.T\n" if peepholes else "")
    return (
        "def lstm_forward(x, h_prev, C_prev, params):\n"
        "    \"\"\"x (B, D), h_prev, C_prev (B, H) -> (h, C), each (B, H).\"\"\"\n"
        "    hx = np.concatenate([h_prev, x], axis=1)   # [h_{t-1}, x_t]  (B, H+D)\n"
        "    W_f, b_f = params['W_f'], params['b_f']      # and W_i, W_c, W_o, b_i, b_c, b_o\n"
        + peep +
        "    raise NotImplementedError\n\n\n"
        "def lstm_backward(dh, dC, cache, params):\n"
        "    \"\"\"dh, dC (B, H); cache: x, h_prev, C_prev, hx, z_f, z_i, z_c, z_o, f, i,\n"
        "    C_tilde, o, C, h -> dict dx, dh_prev, dC_prev, dW_f, ..., db_o.\"\"\"\n"
        "    raise NotImplementedError\n")


def lstm_cache(x, h_prev, C_prev, params, *, slip=None):
    """The reference forward step; returns the cache dict (see the module docstring).
    ``slip`` names a forward mistake (for diagnosis)."""
    p = dict(params)
    if slip and slip.startswith("swap_"):
        a, b = slip[5], slip[6]
        for k in ("W", "b"):
            p[f"{k}_{a}"], p[f"{k}_{b}"] = params[f"{k}_{b}"], params[f"{k}_{a}"]
    peep = "W_fc" in p and slip != "no_peepholes"
    hx = np.concatenate([x, h_prev] if slip == "xh_order" else [h_prev, x], axis=1)
    z = {g: hx @ p[f"W_{g}"].T + p[f"b_{g}"] for g in GATES}
    if peep:
        z["f"] = z["f"] + C_prev @ p["W_fc"].T
        z["i"] = z["i"] + C_prev @ p["W_ic"].T
    f, i = sigmoid(z["f"]), sigmoid(z["i"])
    c_tilde = sigmoid(z["c"]) if slip == "candidate_sigmoid" else np.tanh(z["c"])
    C = f * C_prev + (c_tilde if slip == "no_input_gate" else i * c_tilde)
    if slip == "no_forget_gate":
        C = C_prev + i * c_tilde
    if peep:
        z["o"] = z["o"] + (C_prev if slip == "o_peephole_C_prev" else C) @ p["W_oc"].T
    o = sigmoid(z["o"])
    h = o * C if slip == "no_tanh_C" else o * np.tanh(C)
    return {"x": x, "h_prev": h_prev, "C_prev": C_prev, "hx": hx, "z_f": z["f"],
            "z_i": z["i"], "z_c": z["c"], "z_o": z["o"], "f": f, "i": i, "C_tilde": c_tilde,
            "o": o, "C": C, "h": h}


FORWARD_SLIPS = {
    "xh_order": "the input is concatenated as [x_t, h_{t-1}]; the lecture's W . [h_{t-1}, x_t] "
                "has the h-columns first",
    "no_tanh_C": "h_t = o_t * tanh(C_t): the tanh of the cell state is missing",
    "candidate_sigmoid": "the candidate C~_t uses sigma where the lecture has tanh",
    "no_input_gate": "C_t = f_t * C_{t-1} + i_t * C~_t: the input gate i_t is missing",
    "no_forget_gate": "C_t = f_t * C_{t-1} + ...: the forget gate f_t is missing",
    "no_peepholes": "the peephole terms W_fc C_{t-1}, W_ic C_{t-1}, W_oc C_t are missing",
    "o_peephole_C_prev": "the output gate's peephole sees the NEW cell state C_t, "
                         "not C_{t-1}",
}
for _a, _b in [("f", "i"), ("f", "c"), ("f", "o"), ("i", "c"), ("i", "o"), ("c", "o")]:
    FORWARD_SLIPS[f"swap_{_a}{_b}"] = (f"the {GATE_NAMES[_a]} and the {GATE_NAMES[_b]} "
                                       f"use each other's weights (W_{_a} <-> W_{_b})")


def lstm_backward_reference(dh, dC, cache, params, *, slip=None):
    """The reference backward step (the lecture's LSTM_cell.backward, without W_cc).
    ``slip`` names a backward mistake (for diagnosis)."""
    c = cache
    f, i, ct, o, C, C_prev, hx = (c["f"], c["i"], c["C_tilde"], c["o"], c["C"], c["C_prev"],
                                  c["hx"])
    peep = "W_fc" in params

    def dsig(s, gate):
        return 1 - s * s if slip == f"tanh_prime_{gate}" else s * (1 - s)

    tanh_C = np.tanh(C)
    do = dh * tanh_C
    via_h = dh * o * (1 - tanh_C ** 2)
    dCt = {"no_dh_path": dC, "no_incoming_dC": via_h}.get(slip, dC + via_h)
    dz = {"o": do * dsig(o, "o")}
    g = {}
    if peep:
        dCt = dCt + dz["o"] @ params["W_oc"]
        g["dW_oc"] = dz["o"].T @ C
    dC_prev = dCt if slip == "no_forget_factor" else dCt * f
    dz["c"] = dCt * i * (ct * (1 - ct) if slip == "sigmoid_prime_candidate" else 1 - ct * ct)
    dz["i"] = dCt * ct * dsig(i, "i")
    dz["f"] = dCt * C_prev * dsig(f, "f")
    if peep:
        dC_prev = dC_prev + dz["i"] @ params["W_ic"] + dz["f"] @ params["W_fc"]
        g["dW_ic"] = dz["i"].T @ C_prev
        g["dW_fc"] = dz["f"].T @ C_prev
    dhx = sum(dz[k] @ params[f"W_{k}"] for k in GATES)
    Hs = dh.shape[1]
    out = {"dx": dhx[:, Hs:], "dh_prev": dhx[:, :Hs], "dC_prev": dC_prev}
    out |= {f"dW_{k}": dz[k].T @ hx for k in GATES}
    out |= {f"db_{k}": dz[k].sum(axis=0) for k in GATES}
    if peep:
        out |= {k: g[k] for k in ("dW_fc", "dW_ic", "dW_oc")}
    return out


BACKWARD_SLIPS = {
    "no_forget_factor": "looks like the forget-gate factor f_t is missing: "
                        "dC_prev = dC * f_t",
    "no_dh_path": "the path dh -> o_t * tanh'(C_t) -> dC is missing: "
                  "dC += dh * o_t * (1 - tanh^2(C_t)) before it is used",
    "no_incoming_dC": "the incoming dC from the next step is not added: "
                      "dC = dC_next + dh * o_t * (1 - tanh^2(C_t))",
    "sigmoid_prime_candidate": "the candidate uses sigma' where tanh' belongs: "
                               "dz_c = dC~ * (1 - C~^2)",
    "tanh_prime_f": "the forget gate uses tanh' where sigma' belongs: dz_f = df * f (1 - f)",
    "tanh_prime_i": "the input gate uses tanh' where sigma' belongs: dz_i = di * i (1 - i)",
    "tanh_prime_o": "the output gate uses tanh' where sigma' belongs: dz_o = do * o (1 - o)",
}


def _inputs(peepholes, seed=0):
    rng = np.random.default_rng(seed)
    params = random_params(param_shapes(D, H, peepholes), rng)
    x, h_prev, C_prev, dh, dC = (rng.standard_normal((B, n)) for n in (D, H, H, H, H))
    return params, x, h_prev, C_prev, dh, dC


def _copy(params):
    return {k: v.copy() for k, v in params.items()}


def check_lstm_forward(student_fn, peepholes=False):
    """Check ``student_fn(x, h_prev, C_prev, params) -> (h, C)`` (module docstring) on a
    fixed batch; diagnoses swapped gates, a missing tanh, input/forget gate or peephole,
    sigma for tanh on the candidate, the output peephole on C_{t-1}."""
    def body():
        params, x, h_prev, C_prev, _, _ = _inputs(peepholes)
        out = call(student_fn, x.copy(), h_prev.copy(), C_prev.copy(), _copy(params))
        if not isinstance(out, tuple | list) or len(out) != 2:
            got = "None" if out is None else f"a {type(out).__name__}"
            raise StudentError(f"wrong shape: expected a tuple (h, C), each {(B, H)}, "
                               f"got {got}")
        got = {"h": as_array("h", out[0], (B, H)), "C": as_array("C", out[1], (B, H))}
        ref = lstm_cache(x, h_prev, C_prev, params)
        slips = [s for s in FORWARD_SLIPS if peepholes or "peephole" not in s]
        mistakes = []
        for s in slips:
            m = lstm_cache(x, h_prev, C_prev, params, slip=s)
            mistakes.append((FORWARD_SLIPS[s], {"h": m["h"], "C": m["C"]}))
        return compare_arrays(got, {"h": ref["h"], "C": ref["C"]}, mistakes)
    return run("LSTM forward" + (" (peepholes)" if peepholes else ""), body)


def _swap_mistakes(ref):
    out = []
    for a, b in [("f", "i"), ("f", "c"), ("f", "o"), ("i", "c"), ("i", "o"), ("c", "o")]:
        arrays = {f"dW_{a}": ref[f"dW_{b}"], f"dW_{b}": ref[f"dW_{a}"],
                  f"db_{a}": ref[f"db_{b}"], f"db_{b}": ref[f"db_{a}"]}
        out.append((f"the gradients of the {GATE_NAMES[a]} and the {GATE_NAMES[b]} are "
                    f"swapped (dW_{a} <-> dW_{b})", arrays))
    return out


W_CC_HINT = ("the forward equations have no W_cc (the lecture's pseudocode inverts a "
             "W_cc C term on the candidate that C~_t = tanh(W_c [h, x] + b_c) does not have)")


def check_lstm_backward(student_fn, peepholes=False):
    """Check ``student_fn(dh, dC, cache, params) -> grads`` (module docstring): each
    gradient right or wrong with its relative error, and the mistake named where known."""
    def body():
        params, x, h_prev, C_prev, dh, dC = _inputs(peepholes)
        cache = lstm_cache(x, h_prev, C_prev, params)
        got = call(student_fn, dh.copy(), dC.copy(), _copy(cache), _copy(params))
        ref = lstm_backward_reference(dh, dC, cache, params)
        mistakes = [(hint, lstm_backward_reference(dh, dC, cache, params, slip=s))
                    for s, hint in BACKWARD_SLIPS.items()]
        items = grad_items(got, ref, [*mistakes, *_swap_mistakes(ref)], B)
        w_cc_term = {k: W_CC_HINT for k in ("dW_cc", "db_cc", "dW_ch", "dW_cx")}
        return items + extra_keys(got, ref, w_cc_term)
    return run("LSTM backward" + (" (peepholes)" if peepholes else ""), body)
