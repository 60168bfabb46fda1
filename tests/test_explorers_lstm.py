import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from rnnlib.explorers.lstm import carousel_explorer, gates_explorer, memory_explorer  # noqa: E402


def test_memory_explorer_extremes():
    # cheap training runs: a few steps are enough to draw every control's extremes
    explorer = memory_explorer(steps=3)
    assert explorer.button == "Run"
    assert explorer.check_extremes() == 7  # gap and seed at both ends, every kind


def test_carousel_explorer_extremes():
    assert carousel_explorer().check_extremes() == 4


def test_memory_explorer_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        memory_explorer(steps=2).render(kind="transformer")


def test_gates_explorer_extremes():
    explorer = gates_explorer(steps=2)
    assert explorer.button == "Run"
    assert explorer.check_extremes() == 9  # 3 gates, and length, n_marks, seed at both ends
