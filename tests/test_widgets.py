import matplotlib

matplotlib.use("Agg")

import io  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from rnnlib.explorers.start import draw_scalar_response, scalar_response, start_explorer  # noqa: E402
from rnnlib.widgets import Choice, Explorer, Slider, _no_tight_layout, _touches_edge  # noqa: E402


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
    plt.close(ex.render(a=0.7))
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


def test_check_extremes_draws_the_figure():
    """Some errors appear only when the figure is drawn (here: bad mathtext in a title)."""
    def update(fig, a=0.0):
        fig.subplots().set_title("$\\frac{1}{$" if a > 0.9 else "fine")

    ex = Explorer(update, {"a": Slider(0.0, 1.0, 0.1, 0.5)})
    plt.close(ex.render(a=1.0))  # building the figure does not fail ...
    with pytest.raises(AssertionError, match=r"\{'a': 1.0\}.*ValueError"):
        ex.check_extremes()  # ... drawing it does


def test_a_fixed_value_can_be_overridden():
    seen = {}

    def update(fig, a=0.0, steps=1):
        seen.update(a=a, steps=steps)

    ex = Explorer(update, {"a": Slider(0.0, 1.0, 0.1, 0.5)}, fixed={"steps": 3})
    plt.close(ex.render())
    assert seen == {"a": 0.5, "steps": 3}
    plt.close(ex.render(steps=5))
    assert seen == {"a": 0.5, "steps": 5}


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_png_redoes_the_layout_when_the_reused_one_would_clip():
    """The first png's layout is reused for speed, unless the new figure would not fit it:
    here a title that grows from one line to three must not be cut off."""
    def update(fig, lines=1):
        ax = fig.subplots()
        ax.plot([0, 1])
        ax.set_title("\n".join(["a title"] * int(lines)))
        fig.tight_layout()

    ex = Explorer(update, {"lines": Slider(1, 3, 1, 1)}, figsize=(4, 2))
    ex.png(lines=1)
    first = list(ex._layout)
    data = ex.png(lines=3)
    fig = ex.render(lines=3)  # its own layout: nothing clipped
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    assert np.array_equal(_pixels(data), _pixels(buffer.getvalue()))  # the same picture
    with _no_tight_layout():  # the first layout alone would clip the title
        fig = ex.render(lines=3)
    for ax, position in zip(fig.axes, first, strict=True):
        ax.set_position(position)
    fig.canvas.draw()
    assert _touches_edge(fig)
    plt.close(fig)


def test_bad_specs_are_rejected_clearly():
    with pytest.raises(ValueError, match="value must lie in"):
        Slider(0, 1, 0.1, 2)
    with pytest.raises(ValueError, match="step must be positive"):
        Slider(0, 1, 0, 0)
    with pytest.raises(ValueError, match=r"\(max - min\) / step must be a whole number"):
        Slider(0.0, 1.0, 0.3, 0.3)
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
    with pytest.raises(ValueError, match="unknown explorer parameter"):  # the redraw path too
        ex.png(b=2)


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


def test_a_button_explorer_does_not_train_the_same_setting_twice():
    """A "Run" explorer's update is a training run: the widget's first draw reuses the PNG
    of the notebook's static figure, a second click on the same setting reuses its own."""
    calls = []

    def update(fig, a=0, seed=0):
        calls.append(a)
        fig.subplots().plot([a, seed])

    ex = Explorer(update, {"a": Slider(0, 3, 1, 0)}, button="Run", fixed={"seed": 1})
    fig = ex.render()
    first = io.BytesIO()
    fig.savefig(first, format="png")
    plt.close(fig)
    assert ex.png() == first.getvalue() and calls == [0]  # the same figure, not drawn again
    box = ex.widget()
    (slider, button), _ = box.children[0].children, box.children[1]
    assert calls == [0]
    slider.value = 3
    button.click()
    button.click()
    assert calls == [0, 3]
    assert ex.png(a=3) != ex.png(a=0) and calls == [0, 3]
    assert ex.png(seed=2) and calls == [0, 3, 0]  # another fixed value is another setting
    # explorers without a button are cheap and redraw every time
    cheap = Explorer(update, {"a": Slider(0, 3, 1, 0)})
    cheap.png()
    cheap.png()
    assert calls[-2:] == [0, 0] and len(calls) == 5


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


def test_png_draws_once_and_shows_what_render_shows():
    """The redraw path (one kept figure, the first layout, pixels encoded directly) gives
    the same picture as a fresh figure drawn by render and saved by savefig."""
    ex = start_explorer()
    ex.png()
    data = ex.png(w=-0.5, activation="relu")
    fig = ex.render(w=-0.5, activation="relu")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    assert np.array_equal(_pixels(data), _pixels(buffer.getvalue()))
    assert not ex._layout_clips  # its own layout keeps every label inside the figure


def test_touches_edge_sees_a_label_cut_by_the_figure_edge():
    fig = plt.figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.set_xlabel("cut off")
    fig.subplots_adjust(left=0.25, bottom=0.02)  # the x tick labels and label fall off
    fig.canvas.draw()
    assert _touches_edge(fig)
    fig.subplots_adjust(left=0.25, bottom=0.3)
    fig.canvas.draw()
    assert not _touches_edge(fig)
    plt.close(fig)


def _refreshing_explorer(calls, *, forget_title=False, moving=True, wide_at=None):
    """An explorer whose update returns a Refresh: a line moved by ``a``, a title naming
    ``a``, a choice ``kind`` that the refresh cannot handle (another structure)."""
    from rnnlib.widgets import Refresh

    def update(fig, a=1.0, kind="line"):
        calls.append(("update", a, kind))
        ax = fig.subplots()
        (line,) = ax.plot([0, 1], [0, a], "o-" if kind == "dots" else "-")
        ax.set(xlim=(0, 1), ylim=(-3, 3), title=f"a = {a:g}")
        fig.tight_layout()

        def refresh(a, kind):
            if kind != drawn_kind:
                return False
            calls.append(("refresh", a, kind))
            line.set_ydata([0, a])
            if not forget_title:
                ax.set_title(f"a = {a:g}" + (" " + "wide " * 30 if a == wide_at else ""))
            return True

        drawn_kind = kind
        return Refresh(refresh, moving=(line, *ax.spines.values(), ax.title) if moving else ())

    return Explorer(update, {"a": Slider(-2.0, 2.0, 0.5, 1.0),
                             "kind": Choice(["line", "dots"])}, figsize=(4, 2))


@pytest.mark.parametrize("moving", [True, False])
def test_a_refresh_draws_what_update_draws(moving):
    """A slider move calls the refresh, not update, and gives the picture update gives."""
    calls = []
    ex = _refreshing_explorer(calls, moving=moving)
    ex.png()
    moved = ex.png(a=-1.5)
    assert calls == [("update", 1.0, "line"), ("refresh", -1.5, "line")]
    scratch = _refreshing_explorer([], moving=moving)
    scratch.png()
    assert np.array_equal(_pixels(moved), _pixels(scratch._png({"a": -1.5}, refresh=False)))
    ex.png(kind="dots")  # the refresh cannot draw another structure: update draws it
    assert calls[-1] == ("update", 1.0, "dots")
    ex.png(a=2.0, kind="dots")
    assert calls[-1] == ("refresh", 2.0, "dots")  # the new figure's own refresh
    assert _refreshing_explorer([], moving=moving).check_refresh() == 3  # a=-2, a=2, back


def test_check_refresh_names_a_refresh_that_forgets_something():
    ex = _refreshing_explorer([], forget_title=True)
    with pytest.raises(AssertionError, match=r"refreshed to \{'a': -2.0\}, the figure differs "
                                             r"from a new drawing in \d+ pixels"):
        ex.check_refresh()


def test_a_failing_refresh_is_not_called_again():
    from rnnlib.widgets import Refresh

    calls = []

    def update(fig, a=0):
        calls.append(("update", a))
        fig.subplots().plot([0, a])

        def refresh(a):
            calls.append(("refresh", a))
            raise RuntimeError("broken refresh")
        return Refresh(refresh)

    ex = Explorer(update, {"a": Slider(0, 2, 1, 0)})
    ex.png()
    with pytest.raises(RuntimeError, match="broken refresh"):
        ex.png(a=1)
    ex.png(a=2)  # drawn from scratch, as after a refresh that returns False
    assert calls == [("update", 0), ("refresh", 1), ("update", 2)]
    with pytest.raises(TypeError, match="Refresh function must be callable, got int"):
        Refresh(3)


def test_a_refresh_that_grows_past_the_edge_is_drawn_with_its_own_layout():
    """A moving title that grows past the figure's edge: that move is drawn from scratch
    with the figure's own layout (as for update), which the next moves keep."""
    calls = []
    ex = _refreshing_explorer(calls, wide_at=-2.0)
    ex.png()
    first = [box.bounds for box in ex._layout]
    ex.png(a=-2.0)
    assert calls[-2:] == [("refresh", -2.0, "line"), ("update", -2.0, "line")]
    ex.png(a=0.5)
    assert calls[-1] == ("refresh", 0.5, "line")
    assert [box.bounds for box in ex._layout] == first  # update's own layout at a = -2


def test_a_layout_that_clips_is_replaced_for_the_moves_that_follow():
    """With a figure whose own layout changes (a title of 1 to 3 lines), png keeps the
    layout of the last drawing that had to be laid out again: back on one line, the figure
    does not jump back, and it is not laid out again."""
    layouts = []

    def update(fig, lines=1):
        ax = fig.subplots()
        ax.plot([0, 1])
        ax.set_title("\n".join(["a title"] * int(lines)))
        fig.tight_layout()
        layouts.append(lines)

    ex = Explorer(update, {"lines": Slider(1, 3, 1, 1)}, figsize=(4, 2))
    ex.png(lines=1)
    first = [box.bounds for box in ex._layout]
    ex.png(lines=3)
    taller = [box.bounds for box in ex._layout]
    assert taller != first and layouts == [1, 3, 3]  # drawn again with its own layout
    ex.png(lines=1)
    assert [box.bounds for box in ex._layout] == taller and layouts == [1, 3, 3, 1]


def test_the_module_docstrings_refresh_example_works():
    """The example of a refresh in rnnlib.widgets' docstring, run as written."""
    import textwrap

    import rnnlib.widgets as widgets

    doc = widgets.__doc__
    example = textwrap.dedent(doc[doc.index("      def update(fig, w=0.9, steps=30):"):
                                  doc.index("# another steps: update draws anew")])
    space = {"np": np, "refresh_keeping": widgets.refresh_keeping,
             "autoscale": widgets.autoscale}
    exec(example, space)
    ex = Explorer(space["update"], {"w": Slider(-1.0, 1.0, 0.1, 0.9)})
    assert ex.check_refresh() == 3  # to -1, to 1, back to 0.9: all refreshed
    calls = []
    refresh = widgets.refresh_keeping(lambda w: calls.append(w), steps=30)
    assert refresh(w=0.5) and refresh(w=0.4, steps=30) and calls == [0.5, 0.4]
    assert not refresh(w=0.3, steps=20) and calls == [0.5, 0.4]  # another structure


def test_check_refresh_sees_a_moving_line_drawn_over_what_covers_it():
    """Blitting draws the moving artists last: a legend that covers a moving line must be
    moving too, or the line is drawn over it, which render never shows."""
    from rnnlib.widgets import Refresh

    def make(moving_legend):
        def update(fig, a=1.0):
            ax = fig.subplots()
            (line,) = ax.plot([0, 1], [0, a], lw=8, label="a line under the legend")
            ax.set(xlim=(0, 1), ylim=(-0.5, 0.5))
            legend = ax.legend(loc="center")
            fig.tight_layout()

            def refresh(a):
                line.set_ydata([0, a])
                return True
            spines = ax.spines.values()  # the line reaches them: they cover it
            return Refresh(refresh, moving=(line, *spines, legend) if moving_legend
                           else (line, *spines))

        return Explorer(update, {"a": Slider(-1.0, 1.0, 0.5, 0.0)}, figsize=(4, 2))

    assert make(moving_legend=True).check_refresh() == 3
    with pytest.raises(AssertionError, match=r"differs from a new drawing in \d+ pixels"):
        make(moving_legend=False).check_refresh()


def test_a_drawing_that_fails_leaves_no_stale_pixels():
    """A figure that fails only when drawn (bad mathtext) keeps no refresh: the next move
    draws from scratch, not the new curve over the pixels of the figure before."""
    from rnnlib.widgets import Refresh

    def update(fig, a=0.0, kind="ok"):
        ax = fig.subplots()
        (line,) = ax.plot([0, 1], [0, a])
        ax.set(ylim=(-2, 2), xlabel="$\\frac{1}{$" if kind == "bad" else f"kind {kind}")

        def refresh(a, kind):
            if kind != drawn_kind:
                return False
            line.set_ydata([0, a])
            return True

        drawn_kind = kind
        return Refresh(refresh, moving=(line, *ax.spines.values()))

    controls = {"a": Slider(-1.0, 1.0, 0.5, 0.0), "kind": Choice(["ok", "bad"])}
    ex = Explorer(update, controls, figsize=(4, 2))
    ex.png()
    with pytest.raises(ValueError):
        ex.png(kind="bad")
    assert ex._refresh is None and ex._background is None
    with pytest.raises(ValueError):  # the same setting: drawn again, fails again
        ex.png(kind="bad", a=1.0)
    scratch = Explorer(update, controls, figsize=(4, 2))
    scratch.png()
    assert ex.png(a=1.0) == scratch._png({"a": 1.0}, refresh=False)
