"""rnnlib.datasets: the shipped MNIST file and load_mnist."""

import zipfile
from importlib import resources

import numpy as np
import pytest

from rnnlib.datasets import MNIST_FILE, balanced_indices, load_mnist


def test_file_is_small_and_plain_arrays():
    ref = resources.files("rnnlib") / "data" / MNIST_FILE
    with resources.as_file(ref) as path:
        assert path.stat().st_size < 2_000_000
        with zipfile.ZipFile(path) as z:
            assert sorted(z.namelist()) == ["images.npy", "labels.npy"]
        with np.load(path, allow_pickle=False) as z:
            assert z["images"].dtype == np.uint8 and z["images"].shape == (5000, 28, 28)
            assert z["labels"].dtype == np.uint8 and z["labels"].shape == (5000,)
    licence = resources.files("rnnlib") / "data" / "MNIST_LICENSE.md"
    text = licence.read_text(encoding="utf-8")
    assert "LeCun" in text and "CC BY-SA 3.0" in text and "BSD" in text


def test_full_set_unit_scale():
    x, y = load_mnist()
    assert x.shape == (5000, 784) and x.dtype == np.float64
    assert y.dtype == np.int64 and np.array_equal(np.bincount(y), np.full(10, 500))
    assert x.min() == 0.0 and x.max() == 1.0
    # Real digits: a minority of pixels carry ink, the border is background.
    ink = (x > 0.5).mean()
    assert 0.05 < ink < 0.3
    assert x.reshape(-1, 28, 28)[:, 0, :].max() < 0.1


def test_digits_differ_by_class():
    """Class means are distinct images (labels belong to the pictures): the mean of the
    ones has less ink than the mean of the zeros and eights."""
    x, y = load_mnist()
    ink = np.array([x[y == c].mean() for c in range(10)])
    assert ink[1] == ink.min()
    assert ink[0] == ink.max() and ink[0] > 2 * ink[1]


def test_standard_scale_and_shape():
    x, y = load_mnist(scale="standard", flatten=False)
    assert x.shape == (5000, 28, 28)
    assert abs(x.mean()) < 1e-12 and abs(x.std() - 1) < 1e-12
    x_raw, _ = load_mnist(scale="none")
    assert x_raw.max() == 255.0 and np.all(x_raw == np.round(x_raw))


def test_subset_balanced_reproducible_and_dtype():
    x1, y1 = load_mnist(1000, rng=3)
    x2, y2 = load_mnist(1000, rng=np.random.default_rng(3))
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert np.array_equal(np.bincount(y1), np.full(10, 100))
    x3, _ = load_mnist(1000, rng=4)
    assert not np.array_equal(x1, x3)
    # A subset is rows of the full set, with their own labels.
    xa, ya = load_mnist()
    rows = {r.tobytes(): lab for r, lab in zip(xa, ya, strict=True)}
    assert all(rows[r.tobytes()] == lab for r, lab in zip(x1[:50], y1[:50], strict=True))
    x4, y4 = load_mnist(13, dtype=np.float32)
    assert x4.dtype == np.float32 and np.array_equal(np.bincount(y4), [2, 2, 2] + [1] * 7)


def test_balanced_indices_distinct():
    labels = np.repeat(np.arange(3), 4)
    idx = balanced_indices(labels, 12, rng=0)
    assert sorted(idx.tolist()) == list(range(12))
    with pytest.raises(ValueError, match="only 4 exist"):
        balanced_indices(labels, 15, rng=0)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"n": 0}, ValueError, "n must be a positive integer"),
        ({"n": 2.5}, ValueError, "n must be a positive integer"),
        ({"n": 5001}, ValueError, "at most 5000"),
        ({"scale": "minmax"}, ValueError, "scale must be one of unit, standard, none"),
        ({"dtype": np.int32}, TypeError, "dtype must be a floating-point dtype"),
        ({"n": 10, "rng": "seed"}, TypeError, "rng must be an int seed"),
    ],
)
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        load_mnist(**kwargs)
