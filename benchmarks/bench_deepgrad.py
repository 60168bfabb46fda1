"""Time notebook 03's 19-layer experiment: the per-neuron gradient norms of an MLP
784 -> 1024 x 19 -> 10 at PyTorch's default initialisation, for the four activations
(elu, relu, sigmoid, tanh), on 1,000 MNIST images, in float64.

    python benchmarks/bench_deepgrad.py                 # 3 repeats, 1,000 images
    python benchmarks/bench_deepgrad.py --repeats 5 --n 300

Each repeat runs the call notebook 03 makes,
``deepgrad.sweep(x, y, ("elu", "relu", "sigmoid", "tanh"), ("pytorch",), rng=0)`` with
``x, y = load_mnist(n, rng=0)``, and is timed with ``time.perf_counter``; min and median
over repeats are printed in seconds. The process's peak resident memory (``ru_maxrss``:
the largest RSS reached since the process started, loading MNIST included) is printed
in MB. Threads: ``$OMP_NUM_THREADS`` (default 1), copied to OPENBLAS_NUM_THREADS and
MKL_NUM_THREADS where those are unset, before NumPy loads.
"""

import argparse
import os
import resource
import statistics
import time

# BLAS libraries read their thread count when they load: set it before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, os.environ.get("OMP_NUM_THREADS", "1"))
THREADS = os.environ["OMP_NUM_THREADS"]

from rnnlib import deepgrad  # noqa: E402  (after the thread variables are set)
from rnnlib.datasets import load_mnist  # noqa: E402

ACTIVATIONS = ("elu", "relu", "sigmoid", "tanh")


def peak_rss_mb():
    """The process's peak resident set size in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="MNIST images (default 1000)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    x, y = load_mnist(args.n, rng=0)
    print(f"deepgrad.sweep: {len(ACTIVATIONS)} activations x MLP 784-1024x19-10, "
          f"{x.shape[0]} images, {x.dtype}, {THREADS} thread(s), "
          f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        deepgrad.sweep(x, y, ACTIVATIONS, ("pytorch",), rng=0)
        times.append(time.perf_counter() - start)
    print(f"seconds per sweep: min {min(times):.2f}, median {statistics.median(times):.2f} "
          f"({args.repeats} repeats)")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
