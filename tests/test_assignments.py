"""The exercise notebooks: the committed student versions are generated from the sources,
they run top to bottom without error (every check says "not implemented yet"), and
tools/grade.py scores submissions (one right, one with known mistakes) correctly."""

import csv
import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from rnnlib import exercises as ex

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "notebooks" / "exercises"
SOURCES = sorted((EXERCISES / "source").glob("[0-9][0-9]_*.ipynb"))


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


make_exercises = load_tool("make_exercises")
grade = load_tool("grade")


def cells(nb):
    return [(c.cell_type, c.source, c.metadata.get("exercise")) for c in nb.cells]


def test_every_notebook_has_exercises():
    names = [p.name[:2] for p in SOURCES]
    assert names == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_student_notebook_is_current(source, tmp_path):
    make_exercises.main(["--out", str(tmp_path), "--no-execute"])
    fresh = nbformat.read(tmp_path / source.name, as_version=4)
    committed = nbformat.read(EXERCISES / source.name, as_version=4)
    assert cells(committed) == cells(fresh), (
        f"notebooks/exercises/{source.name} is stale: run python tools/make_exercises.py")
    assert "### BEGIN SOLUTION" not in "".join(c.source for c in committed.cells)
    assert "NotImplementedError" in "".join(c.source for c in committed.cells)
    # committed executed (make_exercises runs them; test_repo checks the order and the rnnlib
    # they ran against): every check shows the verdict a student sees before starting
    for c in committed.cells:
        if "exercise" in c.metadata:
            assert plain_text(c).endswith("not implemented yet"), (
                c.metadata["exercise"], "run python tools/make_exercises.py")


def plain_text(cell):
    return "".join(o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", []))


def run(nb):
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(EXERCISES)}}).execute()
    return nb


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_student_notebook_runs_and_says_not_implemented(source):
    nb = run(nbformat.read(EXERCISES / source.name, as_version=4))   # raises on any error
    checks = [c for c in nb.cells if "exercise" in c.metadata]
    assert checks
    for c in checks:
        assert plain_text(c).endswith("not implemented yet"), (c.metadata["exercise"], c.outputs)


def fill(student, source, replace=None):
    """The student notebook with each stub cell replaced by the source's solution cell
    (or by ``replace[name]`` for the cell defining ``def name(``)."""
    nb = nbformat.read(student, as_version=4)
    solved = nbformat.read(source, as_version=4)
    for cell, ref in zip(nb.cells, solved.cells, strict=True):
        if "NotImplementedError" in cell.source:
            cell.source = ref.source
            for name, code in (replace or {}).items():
                if f"def {name}(" in ref.source:
                    cell.source = code
    return nb


WRONG_CLIP = '''def clip_grad_norm(grads, threshold):
    """A known mistake: each gradient clipped by its own norm, not the global one."""
    import numpy as np
    out = {}
    for k, g in grads.items():
        n = np.sqrt(np.sum(g ** 2))
        out[k] = g * (threshold / n) if n >= threshold else g.copy()
    return out
'''
WRONG_PARITY = '''def parity_weights():
    """A known mistake: the output weight of the second unit is -1 instead of -2."""
    return {"W_ih": [[1.0], [1.0]], "W_hh": [[1.0, -2.0], [1.0, -2.0]], "b": [0.0, -1.0],
            "w_out": [1.0, -1.0], "b_out": 0.0, "activation": "relu"}
'''
STUB_CHAIN = '''def chain_gradient(weights, biases, x, grad_y):
    raise NotImplementedError()
'''


def test_grade_folder(tmp_path):
    subs = tmp_path / "submissions"
    for who in ("right", "wrong"):
        (subs / who).mkdir(parents=True)
    for name in ("03_gradient_vanishing.ipynb", "05_addition_parity.ipynb"):
        nbformat.write(fill(EXERCISES / name, EXERCISES / "source" / name), subs / "right" / name)
        nbformat.write(fill(EXERCISES / name, EXERCISES / "source" / name,
                            {"clip_grad_norm": WRONG_CLIP, "parity_weights": WRONG_PARITY,
                             "chain_gradient": STUB_CHAIN}), subs / "wrong" / name)
    # a check cell the student deleted still counts (0 here: 05.2's function is a stub)
    nb = fill(EXERCISES / "05_addition_parity.ipynb",
              EXERCISES / "source" / "05_addition_parity.ipynb",
              {"adder_weights": "def adder_weights():\n    raise NotImplementedError()\n"})
    nb.cells = [c for c in nb.cells if c.metadata.get("exercise") != "05.2"]
    (subs / "partial").mkdir()
    nbformat.write(nb, subs / "partial" / "05_addition_parity.ipynb")
    out = tmp_path / "grades.csv"
    grade.main([str(subs), "--out", str(out)])
    with open(out) as f:
        scores = {(r["submission"], r["exercise"]): float(r["score"]) for r in csv.DictReader(f)}
    right = {q: s for (who, q), s in scores.items() if who == "right"}
    wrong = {q: s for (who, q), s in scores.items() if who == "wrong"}
    assert {q: s for (who, q), s in scores.items() if who == "partial"} == {"05.1": 1.0,
                                                                          "05.2": 0.0}
    assert right == {"03.1": 1.0, "03.2": 1.0, "05.1": 1.0, "05.2": 1.0}

    # the expected scores of the mistakes, from the checkers called here directly
    namespace = {}
    exec(WRONG_CLIP + WRONG_PARITY, namespace)
    want_clip = ex.check_clip_grad_norm(namespace["clip_grad_norm"]).score
    want_parity = ex.check_parity_weights(namespace["parity_weights"]).score
    assert 0 < want_clip < 1 and want_parity < 1   # the mistakes are partly right, partly not
    assert wrong == {"03.1": 0.0, "03.2": pytest.approx(want_clip, abs=1e-4),
                     "05.1": pytest.approx(want_parity, abs=1e-4), "05.2": 1.0}
