#!/usr/bin/env python3
"""Re-execute notebooks in place, top to bottom in a fresh kernel, and save them with
their outputs, stripped of volatile metadata so that diffs stay small.

    python tools/run_notebooks.py                      # every notebook in notebooks/
    python tools/run_notebooks.py notebooks/01_*.ipynb # just these

The kernel is the current environment's Python (as ``pytest --nbval-current-env``), run
in the notebook's own folder. A notebook that raises is not saved; the command stops and
exits 1.
"""

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from course_jupyter import QUIET_KERNEL_ARGS, poll_in_slices
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# What a saved notebook shows in place of a live explorer (GitHub cannot render widgets, and
# JupyterLab cannot either before the cell runs): the widget's state is not stored.
WIDGET_NOTE = ("Interactive explorer: it appears here when this cell runs in JupyterLab or on "
               "Binder (widgets are not saved in the file). The static figures above show its "
               "main cases.")


def rnnlib_files(root=ROOT):
    """The files of the rnnlib package that git tracks (code and data; untracked scratch
    files do not count), or, outside a git checkout, every file under rnnlib/ but caches."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "rnnlib"], cwd=root, check=True,
                                capture_output=True, text=True).stdout.split("\0")
        return sorted(root / name for name in listed if name and (root / name).is_file())
    except (OSError, subprocess.CalledProcessError):
        return sorted(p for p in (root / "rnnlib").rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts)


def rnnlib_fingerprint(root=ROOT):
    """SHA-256 of rnnlib's files (paths and contents; text files with line endings
    normalised): saved in each notebook's metadata when it is executed, so that a test can
    tell whether the stored outputs, figures included (which nbval does not compare), come
    from the current code and data."""
    digest = hashlib.sha256()
    for path in rnnlib_files(root):
        data = path.read_bytes()
        if path.suffix in (".py", ".md", ".txt"):
            data = data.replace(b"\r\n", b"\n")
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + data)
    return digest.hexdigest()


def strip_volatile(nb):
    """Drop metadata that changes from run to run or machine to machine, and replace each
    widget view (a random model id that nothing can display once the kernel is gone) by
    ``WIDGET_NOTE``."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
            for out in cell.outputs:
                out.get("metadata", {}).pop("execution", None)
                if WIDGET_MIME in out.get("data", {}):
                    out["data"] = {"text/plain": WIDGET_NOTE}
    return nb


def _merge_streams(outputs):
    """Join consecutive outputs of the same stream: how a cell's printing is split into
    messages depends on timing, and should not show up as a change in the saved file."""
    merged = []
    for out in outputs:
        if (merged and out.get("output_type") == "stream"
                and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def run(path, timeout):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            record_timing=False, extra_arguments=list(QUIET_KERNEL_ARGS))
    # Use this interpreter's kernel, whatever kernelspecs are installed.
    client.kernel_manager_class = "jupyter_client.manager.KernelManager"
    client.km = client.create_kernel_manager()
    client.km.kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f",
                            "{connection_file}"]
    poll_in_slices()
    client.execute()
    nb = strip_volatile(nb)
    nb.metadata["rnnlib_sha256"] = rnnlib_fingerprint()
    nbformat.write(nb, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        start = time.perf_counter()
        print(f"executing {path} ...", flush=True)
        try:
            run(path.resolve(), args.timeout)
        except CellExecutionError as exc:
            print(f"FAILED {path}:\n{exc}", file=sys.stderr)
            return 1
        print(f"  saved in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
