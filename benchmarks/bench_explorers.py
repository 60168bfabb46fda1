#!/usr/bin/env python3
"""How fast every explorer of the course redraws: compute + draw + PNG, as the widget does.

    python benchmarks/bench_explorers.py            # all explorers, 5 repeats per setting
    python benchmarks/bench_explorers.py --repeats 9 --only recurrence

For each explorer, slider moves are timed through ``Explorer.png``, the exact path of a
move (the explorer's refresh of its kept figure, or its update function on a cleared one;
then one PNG encoding): from the defaults to each control at each end of its range, and
back. The table gives the median and the maximum over those settings (the defaults
included, reached back from each) of the per-setting median time. Explorers behind a "Run"
button train a network on each click: they are timed once at their defaults and are marked
"Run". The goal of a median under 0.1 s applies to the others, which redraw at once
("slide") or when the slider is released ("release").
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


def move_times(explorer, settings, repeats):
    """Median seconds of the moves into each setting: from the defaults to each of
    ``settings``, and (first entry) from each of them back to the defaults."""
    def timed(params):
        start_time = time.perf_counter()
        explorer.png(**params)
        return time.perf_counter() - start_time

    explorer.png()
    back, into = [], [[] for _ in settings]
    for _ in range(repeats):
        for times, params in zip(into, settings, strict=True):
            times.append(timed(params))
            back.append(timed({}))
    return [statistics.median(back)] + [statistics.median(t) for t in into]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="modules of rnnlib.explorers to time")
    args = parser.parse_args()
    print(f"{'explorer':32s} {'kind':6s} {'settings':>8s} {'median s':>9s} {'max s':>7s}")
    for module, ex in explorers(args.only):
        name = f"{module}.{ex.update.__name__}"
        if ex.button:
            start_time = time.perf_counter()
            ex.png()
            times = [time.perf_counter() - start_time]
        else:
            settings = [{n: v} for n, c in ex.controls.items() for v in c.extremes()]
            times = move_times(ex, settings, args.repeats)
        kind = "Run" if ex.button else ("slide" if ex.continuous else "release")
        print(f"{name:32s} {kind:6s} {len(times):8d} {statistics.median(times):9.3f} "
              f"{max(times):7.3f}", flush=True)


if __name__ == "__main__":
    main()
