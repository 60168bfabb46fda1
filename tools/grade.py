"""Grade a folder of submitted exercise notebooks into a CSV of per-question scores.

    python tools/grade.py SUBMISSIONS_DIR [--out grades.csv]

Every ``*.ipynb`` in SUBMISSIONS_DIR (e.g. ``alice/04_lstm_gru.ipynb`` or
``alice_04_lstm_gru.ipynb``, any depth) is executed top to bottom with nbclient in a fresh kernel
(errors do not stop it: a cell that raises scores only what depends on it). Then one cell is
appended that re-evaluates every check (a code cell with an ``exercise`` id in its metadata, taken
from the source notebook of the same name in notebooks/exercises/source/) in the student's
kernel and prints the Verdicts' scores as JSON. The CSV has one row per notebook and question:
``submission,notebook,exercise,score`` (score in [0, 1], 0 when the check could not run).
No Docker, no database: the checks are the ones the student sees in the notebook.
"""

import argparse
import csv
import json
import sys
from pathlib import Path

import nbformat
from course_jupyter import QUIET_KERNEL_ARGS
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
MARK = "__exercise_scores__"
SOURCE = ROOT / "notebooks" / "exercises" / "source"


def score_cell(checks):
    """Source of the cell that prints {exercise id: score} for the check expressions."""
    lines = ["import json as _json", "_scores = {}"]
    for qid, expr in checks:
        lines += ["try:", f"    _scores[{qid!r}] = float(({expr}).score)",
                  "except Exception:", f"    _scores[{qid!r}] = 0.0"]
    lines.append(f"print({MARK!r}, _json.dumps(_scores))")
    return "\n".join(lines)


def grade_notebook(path, timeout=120):
    """{exercise id: score} of the submitted notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    source = SOURCE / Path(path).name
    # the checks of the source notebook of the same name, so that a check cell the student
    # deleted or edited still counts; a notebook of another name brings its own
    checks = [(c.metadata["exercise"], c.source.strip())
              for c in nbformat.read(source if source.exists() else path, as_version=4).cells
              if c.cell_type == "code" and "exercise" in c.metadata]
    if not checks:
        raise ValueError(f"{path}: no check cells (code cells with an 'exercise' id) found")
    nb.cells.append(nbformat.v4.new_code_cell(score_cell(checks)))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(ROOT / "notebooks" / "exercises")}},
                            extra_arguments=list(QUIET_KERNEL_ARGS))
    client.execute()
    for out in nb.cells[-1].outputs:
        text = out.get("text", "")
        if out.get("output_type") == "stream" and MARK in text:
            return json.loads(text.split(MARK, 1)[1])
    return {qid: 0.0 for qid, _ in checks}


def grade_folder(folder, out):
    """Grade every notebook under ``folder``; write the CSV to ``out``; return the rows."""
    folder = Path(folder)
    paths = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not paths:
        raise ValueError(f"folder: expected notebooks (*.ipynb) under {folder}, found none")
    rows = []
    for path in paths:
        rel = path.relative_to(folder)
        submission = rel.parts[0] if len(rel.parts) > 1 else path.stem
        for qid, score in grade_notebook(path).items():
            rows.append({"submission": submission, "notebook": path.name, "exercise": qid,
                         "score": round(score, 4)})
        print(f"graded {rel}", file=sys.stderr)
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["submission", "notebook", "exercise", "score"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="folder of submitted notebooks")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="CSV to write")
    args = parser.parse_args(argv)
    rows = grade_folder(args.folder, args.out)
    print(f"{len(rows)} scores written to {args.out}")


if __name__ == "__main__":
    main()
