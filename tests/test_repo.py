"""Checks on the repository itself: pins, Binder, notebooks and the claim map."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# every notebook committed with its outputs: the course's, the exercises' sources (solutions)
# and the student exercise notebooks
EXECUTED = sorted([*NOTEBOOKS.glob("*.ipynb"), *NOTEBOOKS.glob("exercises/source/*.ipynb"),
                   *NOTEBOOKS.glob("exercises/*.ipynb")])
EXPECTED = ["00_start_here", "01_recurrence_blowup", "02_activation_memory",
            "03_gradient_vanishing", "04_lstm_gru", "05_addition_parity"]


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_every_requirement_is_pinned_exactly():
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    reqs = [ln for ln in lines if ln and not ln.startswith("#")]
    assert "-e ." in reqs
    local = ("-e .", "./teaching/course_jupyter")  # the course's own packages, from the repo
    assert local[1] in reqs
    for req in reqs:
        if req not in local:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", req), req
    names = {r.split("==")[0].lower() for r in reqs if "==" in r}
    assert {"numpy", "matplotlib", "ipywidgets", "jupyterlab", "nbval", "pytest",
            "ruff"} <= names


def test_binder_installs_the_same_pins_and_the_package():
    binder = [ln.strip() for ln in (ROOT / "binder/requirements.txt").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")]
    assert binder == ["-r ../requirements.txt"]
    # Binder runs the newest supported Python, the one .ci/run tests in its second run
    runtime = (ROOT / "binder/runtime.txt").read_text().strip()
    newest = re.search(r"^SECOND=(3\.\d+);", (ROOT / ".ci/run").read_text(), re.M)
    assert newest and runtime == f"python-{newest.group(1)}", runtime


def test_supported_pythons_agree():
    """README, pyproject's classifiers and .ci/run's version check name the same range."""
    classifiers = re.findall(r'"Programming Language :: Python :: 3\.(\d+)"',
                             (ROOT / "pyproject.toml").read_text())
    minors = [int(m) for m in classifiers]
    assert minors == list(range(minors[0], minors[-1] + 1)), minors
    readme = re.search(r"You need Python ([0-9., or]+?) \(", (ROOT / "README.md").read_text())
    assert readme, "README: no 'You need Python ...' line"
    assert [int(m) for m in re.findall(r"3\.(\d+)", readme.group(1))] == minors, readme.group(1)
    ci = (ROOT / ".ci/run").read_text()
    check = re.search(r"assert \(3, (\d+)\) <= sys.version_info\[:2\] <= \(3, (\d+)\)", ci)
    assert check and [int(check.group(1)), int(check.group(2))] == [minors[0], minors[-1]]
    # the second run of .ci/run is the newest supported version (the oldest if the first was
    # the newest), and .ci/debian-python builds the newest by default
    second = re.search(r'^SECOND=3\.(\d+); \[ "\$FIRST" != 3\.(\d+) \] \|\| SECOND=3\.(\d+)$',
                       ci, re.M)
    assert second, ".ci/run: no 'SECOND=3.N; [ \"$FIRST\" != 3.N ] || SECOND=3.M' line"
    assert [int(g) for g in second.groups()] == [minors[-1], minors[-1], minors[0]], second[0]
    default = re.search(r"^VERSION=\$\{1:-3\.(\d+)\}$", (ROOT / ".ci/debian-python").read_text(),
                        re.M)
    assert default and int(default.group(1)) == minors[-1], ".ci/debian-python's default VERSION"
    assert f'requires-python = ">=3.{minors[0]}"' in (ROOT / "pyproject.toml").read_text()


def test_notebooks_are_named_and_ordered():
    found = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert "00_start_here" in found
    assert set(found) <= set(EXPECTED), f"unexpected notebooks: {set(found) - set(EXPECTED)}"


def claim_map():
    """claim id -> notebook stem, read from the table in the start notebook."""
    table = {}
    for cell in _cells(NOTEBOOKS / "00_start_here.ipynb"):
        for m in re.finditer(r"^\| (C\d+) \|.*\| \[(\d\d_\w+)\]", _text(cell), re.M):
            table[m.group(1)] = m.group(2)
    return table


def test_claim_map_covers_every_claim_once():
    table = claim_map()
    assert sorted(table, key=lambda c: int(c[1:])) == [f"C{i}" for i in range(1, 32)]
    assert set(table.values()) <= set(EXPECTED[1:])


@pytest.mark.parametrize("stem", EXPECTED[1:])
def test_each_notebook_names_its_claims(stem):
    path = NOTEBOOKS / f"{stem}.ipynb"
    if not path.exists():
        pytest.skip(f"{stem} not written yet")
    text = "\n".join(_text(c) for c in _cells(path) if c["cell_type"] == "markdown")
    missing = [c for c, nb in claim_map().items()
               if nb == stem and not re.search(rf"\b{c}\b", text)]
    assert not missing, f"{stem} does not mention {missing}"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_ignored_outputs_are_widgets_or_say_why(path):
    """A cell that skips output comparison shows a widget (saved as the note that stands in
    for it) or says why in a comment; no saved output is a bare widget view."""
    for i, cell in enumerate(_cells(path)):
        src = _text(cell)
        outputs = cell.get("outputs", [])
        assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                       for o in outputs), f"cell {i}: save with tools/run_notebooks.py"
        if cell["cell_type"] != "code" or "NBVAL_IGNORE_OUTPUT" not in src:
            continue
        shows_widget = any("".join(o.get("data", {}).get("text/plain", "")).startswith(
            "Interactive explorer:") for o in outputs)
        comments = [ln for ln in src.splitlines()
                    if ln.strip().startswith("#") and "NBVAL_IGNORE_OUTPUT" not in ln]
        assert shows_widget or comments, f"cell {i} ignores its output without saying why"


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: str(p.relative_to(NOTEBOOKS)))
def test_notebooks_are_saved_executed_in_order(path):
    counts = [c.get("execution_count") for c in _cells(path)
              if c["cell_type"] == "code" and _text(c).strip()]
    assert counts == list(range(1, len(counts) + 1)), (
        "re-run with tools/run_notebooks.py (student exercise notebooks: tools/make_exercises.py)")


def _run_notebooks_tool():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools/run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: str(p.relative_to(NOTEBOOKS)))
def test_notebooks_were_executed_against_the_current_rnnlib(path):
    """Figures are not compared by nbval: the fingerprint of rnnlib's sources saved at
    execution must be today's, or the stored figures may show what the code no longer does."""
    saved = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("rnnlib_sha256")
    assert saved == _run_notebooks_tool().rnnlib_fingerprint(), (
        f"{path.name} was executed against other rnnlib sources: re-run "
        "python tools/run_notebooks.py (student exercise notebooks: tools/make_exercises.py)")
