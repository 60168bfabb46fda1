#!/usr/bin/env python3
"""How fast every explorer of the course redraws: compute + draw + PNG, as the widget does.

    python benchmarks/bench_explorers.py            # all explorers, 5 repeats per setting
    python benchmarks/bench_explorers.py --repeats 9 --only recurrence

For each explorer, the update is timed through ``Explorer.png`` (the exact path of a slider
move: the update function, then one PNG encoding) at its default setting and with each
control at each end of its range; the table gives the median and the maximum over those
settings of the per-setting median time. Explorers behind a "Run" button train a network
on each click: they are timed at their defaults only and are marked "Run"; the goal of a
median under 0.1 s applies to the slider explorers, which redraw at once.
"""

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from rnnlib import deepgrad  # noqa: E402
from rnnlib.explorers import arithmetic, gradients, lstm, recurrence, start  # noqa: E402


def deep_results():
    """A 19 x 1024 sweep as in notebook 03, on 50 images (the figure has as many dots)."""
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1, size=(50, 784)), np.arange(50) % 10
    return deepgrad.sweep(x, y, ("elu", "relu", "sigmoid", "tanh"),
                          ("pytorch", "glorot", "he"))


def explorers(only):
    found = {
        "start": [start.start_explorer],
        "recurrence": [recurrence.eigen_explorer, recurrence.scalar_explorer,
                       recurrence.vector_explorer, recurrence.multitap_explorer],
        "gradients": [gradients.products_explorer, gradients.through_time_explorer,
                      gradients.cliff_explorer, lambda: gradients.deep_explorer(deep_results())],
        "lstm": [lstm.carousel_explorer, lstm.memory_explorer, lstm.gates_explorer],
        "arithmetic": [arithmetic.addition_explorer, arithmetic.parity_explorer],
    }
    for module, makers in found.items():
        if only and module not in only:
            continue
        for make in makers:
            yield module, make()


def median_time(explorer, params, repeats):
    times = []
    for _ in range(repeats):
        start_time = time.perf_counter()
        explorer.png(**params)
        times.append(time.perf_counter() - start_time)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="modules of rnnlib.explorers to time")
    args = parser.parse_args()
    print(f"{'explorer':32s} {'kind':6s} {'settings':>8s} {'median s':>9s} {'max s':>7s}")
    for module, ex in explorers(args.only):
        name = f"{module}.{ex.update.__name__}"
        if ex.button:
            settings = [{}]
            repeats = 1
        else:
            settings = [{}] + [{n: v} for n, c in ex.controls.items() for v in c.extremes()]
            repeats = args.repeats
        times = [median_time(ex, p, repeats) for p in settings]
        kind = "Run" if ex.button else ("slide" if ex.continuous else "release")
        print(f"{name:32s} {kind:6s} {len(settings):8d} {statistics.median(times):9.3f} "
              f"{max(times):7.3f}", flush=True)


if __name__ == "__main__":
    main()
