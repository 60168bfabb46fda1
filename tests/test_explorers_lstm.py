import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnnlib.explorers.lstm import carousel_explorer, gates_explorer, memory_explorer  # noqa: E402


def test_memory_explorer_extremes():
    # cheap training runs: a few steps are enough to draw every control's extremes
    explorer = memory_explorer(steps=3)
    assert explorer.button == "Run"
    assert explorer.check_extremes() == 7  # gap and seed at both ends, every kind


def test_carousel_explorer_extremes():
    assert carousel_explorer().check_extremes() == 4
    # every move refreshes the curves and title over the axes drawn once, as a new drawing
    assert carousel_explorer().check_refresh() == 4 + 1


def test_memory_explorer_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        memory_explorer(steps=2).render(kind="transformer")


def test_gates_explorer_extremes():
    explorer = gates_explorer(steps=2)
    assert explorer.button == "Run"
    assert explorer.check_extremes() == 9  # 3 gates, and length, n_marks, seed at both ends


def test_gates_explorer_shows_a_run_it_is_given_instead_of_training_it_again(monkeypatch):
    import rnnlib.explorers.lstm as module
    from rnnlib.experiments.memory import train_last_marked

    given = train_last_marked(steps=3, seed=4)
    calls = []

    def counting(**kwargs):
        calls.append(kwargs)
        return train_last_marked(**kwargs)

    monkeypatch.setattr(module, "train_last_marked", counting)
    explorer = gates_explorer(steps=3, trained=[given])
    plt.close(explorer.render(seed=4))
    assert calls == []  # the given run, with exactly these settings
    plt.close(explorer.render(seed=5))
    assert calls == [{"length": 30, "n_marks": 3, "seed": 5, "steps": 3}]
    plt.close(gates_explorer(steps=4, trained=[given]).render(seed=4))  # other steps: train
    assert len(calls) == 2
