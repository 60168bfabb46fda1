"""Real data shipped with rnnlib: 5,000 MNIST digits (500 per class).

The digits are in ``rnnlib/data/mnist_5k.npz`` (uint8 images (5000, 28, 28) and uint8
labels; source, attribution and licence in ``rnnlib/data/MNIST_LICENSE.md``). It is
read with ``np.load(..., allow_pickle=False)``: nothing is ever unpickled.

    >>> x, y = load_mnist(1000, rng=0)   # x (1000, 784) float64 in [0, 1], y (1000,) int64
    >>> x, y = load_mnist(scale="standard", flatten=False)   # (5000, 28, 28), mean 0, std 1

Scalings of the grey level p in 0..255:

* ``"unit"``     : x = p / 255, in [0, 1];
* ``"standard"`` : x = (p / 255 - m) / s with m, s the mean and standard deviation of all
  pixels of all 5,000 images (one scalar each; every pixel gets the same affine map);
* ``"none"``     : x = p, as floats in [0, 255].
"""

from importlib import resources

import numpy as np

from rnnlib._checks import as_generator, check_float_dtype, check_positive_int

MNIST_FILE = "mnist_5k.npz"
SCALES = ("unit", "standard", "none")
N_CLASSES = 10


def _read_mnist():
    """(images uint8 (N, 28, 28), labels uint8 (N,)) as stored."""
    ref = resources.files("rnnlib") / "data" / MNIST_FILE
    with ref.open("rb") as fh, np.load(fh, allow_pickle=False) as z:
        return z["images"], z["labels"]


def balanced_indices(labels, n, rng=None):
    """Indices of ``n`` items of ``labels`` with the classes as equal in number as possible
    (the first ``n % n_classes`` classes get one more), drawn without replacement by ``rng``
    and returned in random order."""
    rng = as_generator(rng)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    n = check_positive_int("n", n)
    per_class = np.full(classes.size, n // classes.size)
    per_class[: n % classes.size] += 1
    picks = []
    for c, k in zip(classes, per_class, strict=True):
        members = np.flatnonzero(labels == c)
        if k > members.size:
            raise ValueError(f"n={n} needs {k} items of class {c}, but only {members.size} exist")
        picks.append(rng.choice(members, size=k, replace=False))
    return rng.permutation(np.concatenate(picks))


def load_mnist(n=None, *, scale="unit", flatten=True, dtype=np.float64, rng=None):
    """MNIST digits as float arrays and integer labels.

    n       : None for all 5,000 images in the stored order (sorted by class), or an int
              1..5000 for a class-balanced random subset (see :func:`balanced_indices`)
              in random order, drawn with ``rng`` (an int seed or a Generator; None -> 0).
    scale   : "unit", "standard" or "none" (see the module docstring).
    flatten : True -> x (n, 784), row-major pixels; False -> x (n, 28, 28).
    dtype   : a floating dtype for x (float64 by default).

    Returns ``(x, y)`` with y (n,) int64 in 0..9.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    dtype = check_float_dtype("dtype", dtype)
    images, labels = _read_mnist()
    if n is not None:
        n = check_positive_int("n", n)
        if n > labels.size:
            raise ValueError(f"n must be at most {labels.size} (the images shipped), got {n}")
        idx = balanced_indices(labels, n, rng)
        images_sel, labels = images[idx], labels[idx]
    else:
        images_sel = images
    x = images_sel.astype(np.float64)
    if scale == "unit":
        x /= 255.0
    elif scale == "standard":
        whole = images / 255.0  # statistics of the full set, whatever subset is returned
        x = (x / 255.0 - whole.mean()) / whole.std()
    if flatten:
        x = x.reshape(x.shape[0], -1)
    return x.astype(dtype, copy=False), labels.astype(np.int64)
