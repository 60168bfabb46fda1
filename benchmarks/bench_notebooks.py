#!/usr/bin/env python3
"""How long each notebook's Run All takes, and how much memory its kernel needs.

    python benchmarks/bench_notebooks.py                    # every notebook in notebooks/
    python benchmarks/bench_notebooks.py --only 05 --cells 5

Each notebook is executed top to bottom in a fresh kernel (nbclient, from a temporary copy,
with ``notebooks/`` as the working directory; the committed files are not touched). The
table gives per notebook: wall-clock seconds of the whole run (kernel start excluded), the
kernel's CPU seconds (user + sys, from ``resource.getrusage`` in the kernel, which is the
steadier figure on a shared machine), and its peak resident memory in MB (``ru_maxrss``).
Goals: under 30 s and under 1 GB each. ``--cells N`` also lists the N slowest cells of each
notebook (wall seconds, index, first line).
"""

import argparse
import copy
import sys
import time
from pathlib import Path

import nbformat
from course_jupyter import QUIET_KERNEL_ARGS, poll_in_slices
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

PROBE = ("import resource as _r\n_u = _r.getrusage(_r.RUSAGE_SELF)\n"
         "print(_u.ru_utime + _u.ru_stime, _u.ru_maxrss)")


def run(path, timeout, progress=False):
    """Execute one notebook: (wall s, kernel CPU s, peak MB, per-cell times); ``progress``
    names each cell on stderr as it starts (to see which cell a slow run is in)."""
    nb = nbformat.read(path, as_version=4)
    nb = copy.deepcopy(nb)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            extra_arguments=list(QUIET_KERNEL_ARGS))
    times = []
    poll_in_slices()
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            if progress:
                print(f"  {path.name} cell {index}", file=sys.stderr, flush=True)
            before = time.perf_counter()
            client.execute_cell(cell, index)
            if cell.cell_type == "code" and index < len(nb.cells) - 1:
                first = cell.source.splitlines()[0] if cell.source else ""
                times.append((time.perf_counter() - before, index, first))
        wall = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    cpu, rss_kb = text.split()
    return wall, float(cpu), float(rss_kb) / 1024, times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None,
                        help="notebooks whose name contains one of these strings")
    parser.add_argument("--cells", type=int, default=0, help="list the N slowest cells")
    parser.add_argument("--timeout", type=int, default=600, help="per-cell timeout in s")
    parser.add_argument("--progress", action="store_true",
                        help="name each cell on stderr as it starts")
    parser.add_argument("--dir", default=str(ROOT / "notebooks"), help="folder of notebooks")
    args = parser.parse_args(argv)
    paths = sorted(Path(args.dir).glob("*.ipynb"))
    if args.only:
        paths = [p for p in paths if any(s in p.name for s in args.only)]
    if not paths:
        parser.error("no notebook matches")
    print(f"{'notebook':32s} {'wall s':>8s} {'CPU s':>8s} {'peak MB':>8s}")
    for path in paths:
        wall, cpu, mb, times = run(path, args.timeout, args.progress)
        print(f"{path.name:32s} {wall:8.1f} {cpu:8.1f} {mb:8.0f}", flush=True)
        for seconds, index, first in sorted(times, reverse=True)[:args.cells]:
            print(f"    cell {index:3d} {seconds:7.2f} s  {first[:60]}")


if __name__ == "__main__":
    main()
