"""Shared pieces of the cell checkers: gradient dicts with shape diagnosis, fixed inputs."""

import numpy as np

from .verdict import StudentError, compare_arrays, rel, same


def random_params(shapes, rng, scale=0.6):
    return {k: scale * rng.standard_normal(s) for k, s in shapes.items()}


def grad_items(got, want, mistakes, batch):
    """Items for a backward's dict ``got`` against ``want`` (name -> array), diagnosing
    transposed, unsummed and averaged weight gradients and unknown extra keys."""
    if got is None:
        raise StudentError("wrong type: expected a dict of gradients "
                           f"{sorted(want)}, got None (did you forget to return it?)")
    if not isinstance(got, dict):
        raise StudentError(f"wrong type: expected a dict of gradients {sorted(want)}, "
                           f"got {type(got).__name__}")
    clean, items = {}, []
    for name, w in want.items():
        if name not in got:
            items.append((name, False, None, "missing from the returned dict"))
            continue
        if got[name] is None:
            items.append((name, False, None, f"None: expected an array {w.shape}"))
            continue
        try:
            g = np.asarray(got[name], dtype=np.float64)
        except (TypeError, ValueError):
            items.append((name, False, None, f"not an array ({type(got[name]).__name__})"))
            continue
        if g.shape == w.shape:
            clean[name] = g
            continue
        hint = f"wrong shape: expected {w.shape}, got {g.shape}"
        if g.shape == w.T.shape and w.ndim == 2 and same(g.T, w):
            hint += " -- the gradient is transposed (dW has the shape of W: dz^T @ input)"
        elif g.shape == (batch, *w.shape) and same(g.sum(axis=0), w):
            hint += " -- not summed over the batch (sum the per-example gradients)"
        elif g.shape == (batch, *w.shape[1:]) and w.ndim == 1 and same(g.sum(axis=0), w):
            hint += " -- not summed over the batch (sum over axis 0)"
        items.append((name, False, None, hint))
    names = [n for n in want if n in clean]
    params = [n for n in names if n.startswith(("dW", "db"))]
    averaged = ("averaged over the batch instead of summed (the loss is a sum: do not "
                "divide by B)", {n: want[n] / batch for n in params})
    items += compare_arrays(clean, want, [*mistakes, averaged], names)
    order = {n: k for k, n in enumerate(want)}
    items.sort(key=lambda it: order.get(it[0], len(order)))
    return items


def extra_keys(got, want, known):
    """Items for keys of ``got`` that ``want`` lacks; ``known`` maps some to hints."""
    if not isinstance(got, dict):
        return []
    return [(k, False, None, known.get(k, "not a gradient of this cell"))
            for k in got if k not in want]


def forward_items(got, want, mistakes):
    """Items for forward outputs ``got`` (dict) against ``want`` with mistake matching."""
    return compare_arrays(got, want, mistakes)


__all__ = ["grad_items", "extra_keys", "forward_items", "random_params", "rel"]
