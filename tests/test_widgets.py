import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from rnnlib.explorers.start import draw_scalar_response, scalar_response, start_explorer  # noqa: E402
from rnnlib.widgets import Choice, Explorer, Slider  # noqa: E402


def _line(fig):
    return fig.axes[0].lines[0].get_ydata()


def test_render_passes_control_values_to_update():
    seen = {}

    def update(fig, a=0.0, kind="x", scale=1.0):
        seen.update(a=a, kind=kind, scale=scale)
        fig.subplots().plot([a])

    ex = Explorer(update, {"a": Slider(0.0, 1.0, 0.1, 0.5),
                           "scale": Slider(-2.0, 2.0, 0.5, 0.0, log=True)},
                  fixed={"kind": "fixed"})
    ex.render(a=0.7)
    assert seen == {"a": 0.7, "kind": "fixed", "scale": 1.0}  # log slider: 10**0
    ex = Explorer(update, {"a": Slider(0.0, 1.0, 0.1, 0.5), "kind": Choice(["x", "y"]),
                           "scale": Slider(-2.0, 2.0, 0.5, 0.0, log=True)})
    assert ex.check_extremes() == 6
    assert ex.check_extremes(combinations=True) == 8
    assert seen["scale"] == 100.0  # last combination: every control at its maximum


def test_check_extremes_reports_the_failing_setting():
    def update(fig, a=0.0):
        if a > 0.9:
            raise ZeroDivisionError("boom")

    ex = Explorer(update, {"a": Slider(0.0, 1.0, 0.1, 0.5)})
    with pytest.raises(AssertionError, match=r"\{'a': 1.0\}.*ZeroDivisionError"):
        ex.check_extremes()


def test_bad_specs_are_rejected_clearly():
    with pytest.raises(ValueError, match="value must lie in"):
        Slider(0, 1, 0.1, 2)
    with pytest.raises(ValueError, match="step must be positive"):
        Slider(0, 1, 0, 0)
    with pytest.raises(ValueError, match="must be one of"):
        Choice(["a", "b"], "c")
    with pytest.raises(ValueError, match="Choice options must not be empty"):
        Choice([])
    with pytest.raises(TypeError, match="update must be callable, got int"):
        Explorer(3, {"a": Slider(0, 1, 1, 0)})
    with pytest.raises(TypeError, match="must be a Slider or a Choice"):
        Explorer(lambda fig: None, {"a": 3})
    with pytest.raises(TypeError, match="controls must be a dict"):
        Explorer(lambda fig: None, [Slider(0, 1, 1, 0)])
    with pytest.raises(ValueError, match="both as controls and as fixed"):
        Explorer(lambda fig, a=0: None, {"a": Slider(0, 1, 1, 0)}, fixed={"a": 1})
    with pytest.raises(TypeError, match="step must be a finite number"):
        Slider(0.0, 1.0, float("nan"), 0.5)
    with pytest.raises(TypeError, match="min must be a finite number"):
        Slider("a", "b", 0.1, "a")
    ex = Explorer(lambda fig, a=1: None, {"a": Slider(0, 2, 1, 1)})
    with pytest.raises(ValueError, match="unknown explorer parameter"):
        ex.render(b=2)


def test_widget_builds_and_redraw_survives_an_exception(capsys):
    calls = []

    def update(fig, a=0):
        calls.append(a)
        if a == 2:
            raise RuntimeError("shown in the output area, not raised")
        fig.subplots().plot([a])

    ex = Explorer(update, {"a": Slider(0, 2, 1, 0)}, button="Run")
    box = ex.widget()
    controls, out = box.children
    slider, button = controls.children
    assert slider.max == 2 and button.description == "Run"
    slider.value = 2            # with a button, moving the slider does not redraw
    assert calls == [0]
    button.click()              # the exception is caught and printed, not raised
    assert calls == [0, 2]
    shown = capsys.readouterr().err
    assert shown.startswith("This setting failed: {'a': 2}\nRuntimeError: shown in the output")


def test_start_explorer():
    h = scalar_response(0.5, "identity", steps=5)
    assert list(h) == [1.0, 0.5, 0.25, 0.125, 0.0625]
    assert start_explorer().check_extremes() == 2 + 5
    import matplotlib.pyplot as plt

    fig = plt.figure()
    draw_scalar_response(fig, w=-0.5, activation="relu")
    assert list(_line(fig)[:3]) == [1.0, 0.0, 0.0]
    plt.close(fig)


def test_readout_shows_every_step():
    fine = Slider(0.0, 0.1, 0.005, 0.02).widget("lr", True)
    assert fine.readout_format == ".3f"
    assert Slider(0.0, 1.0, 0.1, 0.5).widget("a", True).readout_format == ".2f"
    assert Slider(1, 5, 1, 2).widget("n", True).__class__.__name__ == "IntSlider"
