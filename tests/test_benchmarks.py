"""The benchmark scripts still run (on tiny sizes; their timings are not checked)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def run(script, *args):
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bench_recurrent_prints_a_row_per_model_and_dtype():
    out = run("bench_recurrent.py", "--T", "3", "--B", "2", "--D", "2", "--H", "3",
              "--repeats", "1", "--number", "1", "--warmup", "0", "--no-torch")
    rows = [line.split() for line in out.splitlines()
            if line.split()[:1] in (["rnn"], ["lstm"], ["gru"])]
    assert [r[:2] for r in rows] == [[m, d] for m in ("rnn", "lstm", "gru")
                                     for d in ("float32", "float64")]
    for row in rows:  # rnnlib min <= median, and the matmuls alone, in milliseconds
        fastest, median, matmuls = (float(v) for v in row[2:5])
        assert 0 <= fastest <= median and matmuls >= 0, row


@pytest.mark.parametrize("script, args", [("bench_deepgrad.py", ["--n", "20", "--repeats", "1"]),
                                          ("bench_explorers.py", ["--repeats", "1", "--only",
                                                                  "recurrence"])])
def test_other_benchmarks_run(script, args):
    assert run(script, *args).strip()


def test_bench_notebooks_times_a_tiny_notebook(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# tiny"), nbformat.v4.new_code_cell("x = 1 + 1")]
    nbformat.write(nb, tmp_path / "tiny.ipynb")
    out = run("bench_notebooks.py", "--dir", str(tmp_path), "--cells", "1")
    rows = [line.split() for line in out.splitlines() if line.startswith("tiny.ipynb")]
    assert len(rows) == 1, out
    wall, cpu, mb = (float(v) for v in rows[0][1:4])
    assert wall >= 0 and cpu > 0 and 10 < mb < 1024, rows  # wall: 0.0 when rounded
    assert "cell   1" in out, out  # the slowest (only) code cell is listed
