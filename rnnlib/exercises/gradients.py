"""Exercises of notebook 03: the gradient as a product of Jacobians, and clipping.

``check_chain_gradient(fn)``: the MLP a_0 = x, a_k = tanh(W_k a_{k-1} + b_k), k = 1..N,
Y = a_N (one example, vectors); ``fn(weights, biases, x, grad_y) -> (jacobians, grad_x)``
with ``jacobians`` = [J_1, ..., J_N], J_k = d a_k / d a_{k-1} = diag(tanh'(z_k)) W_k
(out_k, in_k), and ``grad_x`` = grad_y J_N ... J_1 (D,) (a row vector times the Jacobians,
the lecture's grad_X Div = grad_Y Div . J_N ... J_1), compared with backpropagation.

``check_clip_grad_norm(fn)``: Pascanu, Mikolov & Bengio (2013), Algorithm 1:
g <- dE/dtheta (ALL the parameters' gradients together); if ||g|| >= threshold,
g <- (threshold / ||g||) g. ``fn(grads, threshold) -> clipped`` with ``grads`` a dict name
-> array and ``clipped`` a dict with the same names and shapes.
"""

import numpy as np

from ..optim import clip_grad_norm, global_norm
from ._common import grad_items
from .verdict import StudentError, call, rel, run

WIDTHS = (4, 4, 4, 4)  # square layers: a product in the wrong order is not a shape error


def _mlp(seed=4):
    rng = np.random.default_rng(seed)
    weights = [0.9 * rng.standard_normal((o, i))
               for i, o in zip(WIDTHS[:-1], WIDTHS[1:], strict=True)]
    biases = [0.3 * rng.standard_normal(o) for o in WIDTHS[1:]]
    return weights, biases, rng.standard_normal(WIDTHS[0]), rng.standard_normal(WIDTHS[-1])


def mlp_backprop(weights, biases, x, grad_y):
    """The reference: the forward pass, its Jacobians and backpropagation (deltas)."""
    a, zs, acts = x, [], [x]
    for W, b in zip(weights, biases, strict=True):
        zs.append(W @ a + b)
        a = np.tanh(zs[-1])
        acts.append(a)
    jac = [(1 - acts[k + 1] ** 2)[:, None] * W for k, W in enumerate(weights)]
    g = grad_y
    for k in reversed(range(len(weights))):
        g = (g * (1 - acts[k + 1] ** 2)) @ weights[k]  # delta_k = g * f'(z_k); g = delta W
    return jac, g, zs, acts


def _jacobian_mistakes(weights, zs, acts):
    n = len(weights)
    return [
        ("J_k is transposed: J_k = diag(f'(z_k)) W_k has the shape of W_k (out, in)",
         {f"J_{k + 1}": ((1 - acts[k + 1] ** 2)[:, None] * weights[k]).T for k in range(n)}),
        ("the activation's derivative is missing: J_k = diag(tanh'(z_k)) W_k, not W_k",
         {f"J_{k + 1}": weights[k] for k in range(n)}),
        ("tanh' taken at the output a_k instead of the pre-activation z_k: tanh'(z_k) = "
         "1 - a_k^2", {f"J_{k + 1}": (1 - np.tanh(acts[k + 1]) ** 2)[:, None] * weights[k]
                       for k in range(n)}),
        ("diag(f'(z_k)) multiplies the columns of W_k; it scales the ROWS (outputs): "
         "f'(z_k)[:, None] * W_k", {f"J_{k + 1}": (1 - acts[k + 1] ** 2)[None, :] * weights[k]
                                    for k in range(n)}),
    ]


def check_chain_gradient(fn):
    """Check ``fn(weights, biases, x, grad_y) -> (jacobians, grad_x)`` (module docstring)
    on a 3-layer tanh MLP of width 4, each J_k and grad_x against backpropagation."""
    def body():
        weights, biases, x, grad_y = _mlp()
        out = call(fn, [w.copy() for w in weights], [b.copy() for b in biases], x.copy(),
                   grad_y.copy())
        if not isinstance(out, tuple | list) or len(out) != 2:
            raise StudentError("wrong type: expected a tuple (jacobians, grad_x), got "
                               + ("None" if out is None else type(out).__name__))
        jac, grad_x, zs, acts = mlp_backprop(weights, biases, x, grad_y)
        n = len(weights)
        if not isinstance(out[0], list | tuple) or len(out[0]) != n:
            raise StudentError(f"wrong type: jacobians must be a list of {n} arrays "
                               "[J_1, ..., J_N]")
        got = {f"J_{k + 1}": out[0][k] for k in range(n)} | {"grad_x": out[1]}
        want = {f"J_{k + 1}": jac[k] for k in range(n)} | {"grad_x": grad_x}
        prod = [grad_y]
        for J in jac:
            prod.append(prod[-1] @ J)  # grad_y J_1 J_2 J_3: the wrong order
        mistakes = _jacobian_mistakes(weights, zs, acts)
        mistakes += [
            ("the Jacobians are multiplied in the wrong order: grad_x = grad_y J_N ... J_1",
             {"grad_x": prod[-1]}),
            ("the product is J^T: grad_y multiplies from the LEFT as a row vector, "
             "grad_y J_N ... J_1", {"grad_x": np.linalg.multi_dot(jac) @ grad_y}),
        ]
        return grad_items(got, want, mistakes, batch=1)
    return run("gradient as a product of Jacobians", body)


def _clip_cases():
    rng = np.random.default_rng(5)
    big = {"W": 3.0 * rng.standard_normal((3, 4)), "b": 3.0 * rng.standard_normal(3),
           "W_out": rng.standard_normal((2, 3))}
    small = {k: 0.01 * v for k, v in big.items()}
    one_large = {"W": 0.1 * rng.standard_normal((3, 4)), "b": np.array([40.0, -1.0, 0.5])}
    return [("norm above the threshold", big, 5.0), ("norm below the threshold", small, 5.0),
            ("one large entry", one_large, 1.0)]


def _per_array(grads, t):
    return {k: g * min(1.0, t / np.linalg.norm(g)) for k, g in grads.items()}


def check_clip_grad_norm(fn):
    """Check ``fn(grads, threshold) -> clipped`` (module docstring) on three cases, against
    :func:`rnnlib.optim.clip_grad_norm`."""
    def body():
        items = []
        for name, grads, t in _clip_cases():
            want = {k: v.copy() for k, v in grads.items()}
            clip_grad_norm(want, t)
            out = call(fn, {k: v.copy() for k, v in grads.items()}, t)
            if out is None:
                raise StudentError("wrong type: expected the dict of clipped gradients, got "
                                   "None (return it, even if you clip in place)")
            norm = global_norm(grads)
            mistakes = [
                ("each array is clipped by its own norm; Algorithm 1 uses the norm of ALL "
                 "the gradients together", _per_array(grads, t)),
                ("that is clipping by value (np.clip); Algorithm 1 rescales the whole "
                 "gradient by threshold / ||g||",
                 {k: np.clip(g, -t, t) for k, g in grads.items()}),
                ("the gradient is rescaled even though its norm is below the threshold",
                 {k: g * t / norm for k, g in grads.items()}),
                ("the ratio is inverted: g <- (threshold / ||g||) g",
                 {k: g * norm / t for k, g in grads.items()}),
                ("||g|| is the square root of the sum of ALL squares, not a sum of "
                 "per-array norms", {k: g * min(1.0, t / sum(np.linalg.norm(v) for v in
                                                           grads.values()))
                                     for k, g in grads.items()}),
            ]
            case = grad_items(out, want, mistakes, batch=1)
            bad = [(n, hint) for n, ok, _, hint in case if not ok]
            got_norm = None
            if not bad:
                got_norm = global_norm(out)
            err = max((e for _, _, e, _ in case if e is not None), default=None)
            hint = bad[0][1] if bad else None
            if bad and hint is None:
                hint = "wrong " + ", ".join(n for n, _ in bad)
            items.append((f"{name} (||g|| = {norm:.3g}, threshold {t:g})", not bad, err,
                          hint))
            if got_norm is not None and rel(np.array(got_norm),
                                            np.array(min(norm, t))) > 1e-6:
                items[-1] = (items[-1][0], False, err, "the clipped norm is not min(||g||, "
                             "threshold)")
        return items
    return run("clip_grad_norm (Pascanu et al. 2013, Algorithm 1)", body)
