"""Generate the student exercise notebooks from the source notebooks (solutions inside).

    python tools/make_exercises.py            # writes notebooks/exercises/NN_*.ipynb, executed
    python tools/make_exercises.py --out DIR --no-execute   # to DIR, not executed (the tests)

Sources: notebooks/exercises/source/NN_*.ipynb. In a code cell, the lines between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` are replaced by a stub raising
NotImplementedError (nbgrader's ClearSolutions preprocessor, nbgrader's own markers); the
sources' outputs and execution counts are cleared (nbconvert's ClearOutputPreprocessor).
Nothing else changes, so the student notebooks carry the same cells (and the check cells'
``exercise`` ids) as the sources. Then each student notebook is executed top to bottom in a
fresh kernel and saved with its outputs (tools/run_notebooks.py), as every notebook of the
course is: it reads on GitHub with its figures, and each check says "not implemented yet".
The source notebooks, executed, are the solutions.
"""

import argparse
import copy
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor
from nbgrader.preprocessors import ClearSolutions

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks" / "exercises" / "source"
STUDENT = ROOT / "notebooks" / "exercises"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def student_version(nb):
    """The student notebook for the source notebook ``nb`` (a new notebook)."""
    nb = copy.deepcopy(nb)
    clear = ClearSolutions(enforce_metadata=False, code_stub={"python": STUB})
    nb, _ = clear.preprocess(nb, {})
    nb, _ = ClearOutputPreprocessor().preprocess(nb, {})
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    nb.metadata.pop("widgets", None)
    return nb


def sources():
    return sorted(SOURCE.glob("[0-9][0-9]_*.ipynb"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=STUDENT,
                        help="folder for the student notebooks (default: notebooks/exercises)")
    parser.add_argument("--no-execute", dest="execute", action="store_false",
                        help="write the student notebooks without executing them")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sources():
        nb = student_version(nbformat.read(path, as_version=4))
        nbformat.write(nb, args.out / path.name)
        written.append(args.out / path.name)
        print(f"{path.relative_to(ROOT)} -> {args.out / path.name}")
    if args.execute:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import run_notebooks

        return run_notebooks.main([str(p) for p in written])
    return 0


if __name__ == "__main__":
    sys.exit(main())
