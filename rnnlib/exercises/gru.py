"""Exercise: the GRU cell in the lecture's convention, forward and backward.

The student writes (row-vector batches, ``hx = [h_{t-1}, x_t]`` (B, H+D))::

    z_t  = sigma(hx @ W_z.T + b_z)                         update gate
    r_t  = sigma(hx @ W_r.T + b_r)                         reset gate
    h~_t = tanh([r_t * h_{t-1}, x_t] @ W.T + b)            candidate: reset BEFORE the product
    h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t                z_t is the fraction of the NEW h~_t

(the lecture's slide, with biases). Parameters (dict): ``W_z, W_r, W`` (H, H+D), ``b_z,
b_r, b`` (H,). PyTorch's GRU is the other convention: z_t the fraction of the OLD state,
and the reset applied AFTER the product, r_t * (W_hn h_{t-1} + b_hn).

Forward: ``fn(x, h_prev, params) -> h``; x (B, D), h_prev (B, H).
Backward: ``fn(dh, cache, params) -> grads``; dh = dL/dh_t (B, H); ``cache`` from
:func:`gru_cache` with keys ``x, h_prev, hx, z, r, rhx, h_tilde, h`` (``rhx`` =
[r_t * h_{t-1}, x_t]); ``grads`` a dict ``dx, dh_prev, dW_z, dW_r, dW, db_z, db_r, db``.
The loss checked is L = sum(dh * h_t).
"""

import numpy as np

from ..activations import sigmoid
from ._common import grad_items, random_params
from .verdict import as_array, call, compare_arrays, run

B, D, H = 3, 4, 5


def param_shapes(input_size, hidden_size):
    n = hidden_size + input_size
    return {"W_z": (hidden_size, n), "W_r": (hidden_size, n), "W": (hidden_size, n),
            "b_z": (hidden_size,), "b_r": (hidden_size,), "b": (hidden_size,)}


def gru_template():
    """Source text of the two functions the student fills in."""
    return (
        "def gru_forward(x, h_prev, params):\n"
        "    \"\"\"x (B, D), h_prev (B, H) -> h (B, H); params W_z, W_r, W, b_z, b_r, b.\"\"\"\n"
        "    hx = np.concatenate([h_prev, x], axis=1)   # [h_{t-1}, x_t]  (B, H+D)\n"
        "    raise NotImplementedError\n\n\n"
        "def gru_backward(dh, cache, params):\n"
        "    \"\"\"dh (B, H); cache: x, h_prev, hx, z, r, rhx, h_tilde, h\n"
        "    -> dict dx, dh_prev, dW_z, dW_r, dW, db_z, db_r, db.\"\"\"\n"
        "    raise NotImplementedError\n")


def gru_cache(x, h_prev, params, *, slip=None):
    """The reference forward step; returns the cache dict. ``slip`` names a mistake."""
    p = dict(params)
    if slip == "swap_zr":
        p["W_z"], p["W_r"], p["b_z"], p["b_r"] = p["W_r"], p["W_z"], p["b_r"], p["b_z"]
    Hs = h_prev.shape[1]
    order = (lambda a, b: [b, a]) if slip == "xh_order" else (lambda a, b: [a, b])
    hx = np.concatenate(order(h_prev, x), axis=1)
    z = sigmoid(hx @ p["W_z"].T + p["b_z"])
    r = sigmoid(hx @ p["W_r"].T + p["b_r"])
    rhx = np.concatenate(order(r * h_prev, x), axis=1)
    if slip == "reset_after":
        a = r * (h_prev @ p["W"][:, :Hs].T) + x @ p["W"][:, Hs:].T + p["b"]
    elif slip == "no_reset":
        a = hx @ p["W"].T + p["b"]
    else:
        a = rhx @ p["W"].T + p["b"]
    h_tilde = sigmoid(a) if slip == "candidate_sigmoid" else np.tanh(a)
    if slip == "z_swapped":
        h = z * h_prev + (1 - z) * h_tilde
    else:
        h = (1 - z) * h_prev + z * h_tilde
    return {"x": x, "h_prev": h_prev, "hx": hx, "z": z, "r": r, "rhx": rhx,
            "h_tilde": h_tilde, "h": h}


Z_SWAPPED = ("the update gate's two conventions are swapped: in the lecture z_t is the "
             "fraction of the NEW candidate, h_t = (1 - z_t) h_{t-1} + z_t h~_t "
             "(PyTorch's z_t is the fraction kept)")
RESET_AFTER = ("the reset gate is applied after the product, r_t * (W_h h_{t-1}) (PyTorch's "
               "convention); the lecture resets before it: W . [r_t * h_{t-1}, x_t]")
FORWARD_SLIPS = {
    "xh_order": "the input is concatenated as [x_t, h_{t-1}]; the lecture's W . [h_{t-1}, x_t] "
                "has the h-columns first",
    "z_swapped": Z_SWAPPED,
    "reset_after": RESET_AFTER,
    "no_reset": "the reset gate is missing: h~_t = tanh(W . [r_t * h_{t-1}, x_t] + b)",
    "candidate_sigmoid": "the candidate h~_t uses sigma where the lecture has tanh",
    "swap_zr": "the update and reset gates use each other's weights (W_z <-> W_r)",
}


def gru_backward_reference(dh, cache, params, *, slip=None):
    """The reference backward step. ``slip`` names a backward mistake (for diagnosis)."""
    c, p = cache, params
    h_prev, hx, z, r, rhx, ht, x = (c["h_prev"], c["hx"], c["z"], c["r"], c["rhx"],
                                    c["h_tilde"], c["x"])
    Hs = h_prev.shape[1]
    if slip == "z_swapped":
        dht, dz, dh_prev = dh * (1 - z), dh * (h_prev - ht), dh * z
    else:
        dht, dz, dh_prev = dh * z, dh * (ht - h_prev), dh * (1 - z)
    if slip == "no_direct_path":
        dh_prev = np.zeros_like(dh)
    da = dht * (ht * (1 - ht) if slip == "sigmoid_prime_candidate" else 1 - ht * ht)
    db = da.sum(axis=0)
    if slip == "reset_after":
        W_h, W_x = p["W"][:, :Hs], p["W"][:, Hs:]
        u = h_prev @ W_h.T
        dW = np.concatenate([(da * r).T @ h_prev, da.T @ x], axis=1)
        dx = da @ W_x
        dh_prev = dh_prev + (da * r) @ W_h
        dr = da * u
    else:
        dW = da.T @ rhx
        drhx = da @ p["W"]
        dx = drhx[:, Hs:]
        dh_prev = dh_prev + drhx[:, :Hs] * r
        dr = drhx[:, :Hs] * h_prev
    daz, dar = dz * z * (1 - z), dr * r * (1 - r)
    dhx = daz @ p["W_z"] + dar @ p["W_r"]
    return {"dx": dx + dhx[:, Hs:], "dh_prev": dh_prev + dhx[:, :Hs],
            "dW_z": daz.T @ hx, "dW_r": dar.T @ hx, "dW": dW,
            "db_z": daz.sum(axis=0), "db_r": dar.sum(axis=0), "db": db}


BACKWARD_SLIPS = {
    "z_swapped": Z_SWAPPED,
    "reset_after": RESET_AFTER,
    "no_direct_path": "the direct path h_{t-1} -> h_t is missing from dh_prev: "
                      "dh_prev gets dh * (1 - z_t)",
    "sigmoid_prime_candidate": "the candidate uses sigma' where tanh' belongs: "
                               "(1 - h~^2)",
}


def _inputs(seed=1):
    rng = np.random.default_rng(seed)
    params = random_params(param_shapes(D, H), rng)
    x, h_prev, dh = (rng.standard_normal((B, n)) for n in (D, H, H))
    return params, x, h_prev, dh


def _copy(d):
    return {k: v.copy() for k, v in d.items()}


def check_gru_forward(student_fn):
    """Check ``student_fn(x, h_prev, params) -> h`` (module docstring); diagnoses the two
    conventions (z_t, reset before/after the product), a missing reset, sigma for tanh,
    swapped gate weights."""
    def body():
        params, x, h_prev, _ = _inputs()
        out = call(student_fn, x.copy(), h_prev.copy(), _copy(params))
        got = {"h": as_array("h", out, (B, H))}
        mistakes = [(hint, {"h": gru_cache(x, h_prev, params, slip=s)["h"]})
                    for s, hint in FORWARD_SLIPS.items()]
        return compare_arrays(got, {"h": gru_cache(x, h_prev, params)["h"]}, mistakes)
    return run("GRU forward (lecture convention)", body)


def check_gru_backward(student_fn):
    """Check ``student_fn(dh, cache, params) -> grads`` (module docstring), each gradient
    with its relative error and the mistake named where known."""
    def body():
        params, x, h_prev, dh = _inputs()
        cache = gru_cache(x, h_prev, params)
        got = call(student_fn, dh.copy(), _copy(cache), _copy(params))
        ref = gru_backward_reference(dh, cache, params)
        mistakes = [(hint, gru_backward_reference(dh, cache, params, slip=s))
                    for s, hint in BACKWARD_SLIPS.items()]
        swap = {"dW_z": ref["dW_r"], "dW_r": ref["dW_z"], "db_z": ref["db_r"],
                "db_r": ref["db_z"]}
        mistakes.append(("the gradients of the update and reset gates are swapped", swap))
        return grad_items(got, ref, mistakes, B)
    return run("GRU backward (lecture convention)", body)

