"""Exercises of notebook 05: set the weights of a recurrent net by hand so that it computes
parity or adds binary numbers, exactly, on inputs of any length.

The net: h_t = f(W_ih x_t + W_hh h_{t-1} + b), h_{-1} = 0, readout y_t = w_out . h_t + b_out,
output bit [y_t > 1/2]. ``fn() -> dict`` with ``W_ih`` (H, D), ``W_hh`` (H, H), ``b``
(H,), ``w_out`` (H,), optionally ``b_out`` (a number, default 0) and ``activation``
("relu" (default), "tanh", "sigmoid" or "identity"); H is yours to choose.

``check_parity_weights``: x_t in {0, 1} (D = 1); bit t = the parity of x_0..x_t.
``check_adder_weights``: x_t = (a_t, b_t) (D = 2), least significant bit first, with a final
(0, 0) step; bit t = the sum's bit t (the last one the final carry).
Both are checked on every short input and on random 1000-bit inputs: hand-set ReLU units
whose state stays a small integer are exact however long the input (see
:mod:`rnnlib.handbuilt`).
"""

import itertools

import numpy as np

from ..activations import sigmoid
from ..tasks.arithmetic import add_bits, running_parity
from .verdict import StudentError, as_array, call, run

ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "sigmoid": sigmoid,
               "identity": lambda z: z}


def _read(weights, D):
    if not isinstance(weights, dict):
        raise StudentError("wrong type: expected a dict with W_ih, W_hh, b, w_out, got "
                           + ("None" if weights is None else type(weights).__name__))
    missing = [k for k in ("W_ih", "W_hh", "b", "w_out") if k not in weights]
    if missing:
        raise StudentError(f"missing weights: {', '.join(missing)}")
    b = np.atleast_1d(np.asarray(weights["b"], dtype=float))
    H = b.shape[0]
    W_ih = as_array("W_ih", weights["W_ih"], (H, D))
    W_hh = as_array("W_hh", weights["W_hh"], (H, H))
    w_out = as_array("w_out", np.ravel(weights["w_out"]), (H,))
    b_out = float(weights.get("b_out", 0.0))
    act = weights.get("activation", "relu")
    if act not in ACTIVATIONS:
        raise StudentError(f"activation must be one of {sorted(ACTIVATIONS)}, got {act!r}")
    return W_ih, W_hh, b, w_out, b_out, ACTIVATIONS[act]


def _run(params, x):
    """x (T, B, D) -> readout y (T, B)."""
    W_ih, W_hh, b, w_out, b_out, f = params
    h = np.zeros((x.shape[1], b.shape[0]))
    ys = np.empty(x.shape[:2])
    with np.errstate(all="ignore"):
        for t in range(x.shape[0]):
            h = f(x[t] @ W_ih.T + h @ W_hh.T + b)
            ys[t] = h @ w_out + b_out
    return ys


def _item(name, y, target, alternatives):
    bits = (y > 0.5).astype(np.uint8)
    wrong = bits != target
    if not wrong.any():
        return (name, True, None, None)
    hint = None
    if not np.all(np.isfinite(y)):
        hint = "the state blows up (non-finite outputs): keep the recurrent gain bounded"
    else:
        hint = next((h for alt, h in alternatives if np.array_equal(bits, alt)), None)
    t_first = int(np.argmax(wrong.any(axis=1)))
    msg = f"{wrong.mean():.1%} of the bits wrong, the first at step {t_first}"
    return (name, False, None, f"{msg}; {hint}" if hint else msg)


def check_parity_weights(fn, n_long=1000):
    """Check ``fn() -> weights`` (module docstring) for running parity: every 10-bit
    string and four random 1000-bit strings."""
    def body():
        params = _read(call(fn), 1)
        short = np.array(list(itertools.product([0, 1], repeat=10)), dtype=np.uint8).T
        long = np.random.default_rng(6).integers(0, 2, (n_long, 4), dtype=np.uint8)
        items = []
        for name, bits in [("every 10-bit string", short),
                           (f"four random {n_long}-bit strings", long)]:
            target = running_parity(bits)
            alternatives = [
                (1 - target, "the complement of the parity: check the readout's threshold "
                             "1/2 (y_t = 1 for odd, 0 for even)"),
                (bits, "the output is the current bit x_t: the recurrent weights W_hh do "
                       "not carry the parity so far"),
            ]
            items.append(_item(name, _run(params, bits[..., None].astype(float)), target,
                               alternatives))
        if items[0][1] and not items[1][1]:
            items[1] = items[1][:3] + (items[1][3] + "; right on short strings but not on "
                                       "long ones: the state drifts (use ReLU units whose "
                                       "state stays an integer)",)
        return items
    return run("hand-set parity net", body)


def check_adder_weights(fn, n_long=1000):
    """Check ``fn() -> weights`` (module docstring) for binary addition: every pair of
    6-bit numbers and four random pairs of 1000-bit numbers."""
    def body():
        params = _read(call(fn), 2)
        pairs = np.array(list(itertools.product([0, 1], repeat=12)), dtype=np.uint8).T
        short = (pairs[:6], pairs[6:])
        rng = np.random.default_rng(7)
        long = tuple(rng.integers(0, 2, (n_long, 4), dtype=np.uint8) for _ in range(2))
        items = []
        for name, (a, b) in [("every pair of 6-bit numbers", short),
                             (f"four random pairs of {n_long}-bit numbers", long)]:
            target = add_bits(a, b)
            x = np.zeros((a.shape[0] + 1, a.shape[1], 2))
            x[:-1, :, 0], x[:-1, :, 1] = a, b
            xor = np.concatenate([a ^ b, np.zeros((1, a.shape[1]), dtype=np.uint8)])
            shifted = np.concatenate([np.zeros((1, a.shape[1]), dtype=np.uint8), target[:-1]])
            alternatives = [
                (xor, "the bits are a_t XOR b_t: the carry is lost (W_hh must carry it)"),
                (1 - target, "the complement of the sum's bits: check the readout"),
                (shifted, "the sum comes one step late"),
            ]
            items.append(_item(name, _run(params, x), target, alternatives))
        if items[0][1] and not items[1][1]:
            items[1] = items[1][:3] + (items[1][3] + "; right on short numbers but not on "
                                       "long ones: the state drifts (use ReLU units whose "
                                       "state stays an integer)",)
        return items
    return run("hand-set binary adder", body)
