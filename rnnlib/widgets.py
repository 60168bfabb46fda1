"""The one explorer helper every interactive figure in the course uses.

An explorer is a plain function ``update(fig, **params)`` that draws on a Matplotlib
figure, plus a dict of controls. :class:`Explorer` turns it into sliders and dropdowns
above an output area of fixed height, so every explorer looks and behaves alike:

    def update(fig, w=0.9, activation="tanh"):
        ax = fig.subplots()
        ax.plot(...)

    Explorer(update, {"w": Slider(-2, 2, 0.05, 0.9), "activation": Choice(["tanh", "relu"])})

* ``update`` is importable and callable without a browser: ``Explorer.render(**params)``
  returns the figure, and :meth:`Explorer.check_extremes` draws every control at both
  ends of its range (the unit tests call it for every explorer).
* Slow explorers pass ``continuous=False`` (redraw when the slider is released) or
  ``button="Run"`` (redraw only on click).
* For speed, ``update`` may return a :class:`Refresh`: a function that brings the figure
  it drew to other settings by changing its artists (creating an axes costs about 10 ms,
  drawing one 10-20 ms), and which artists it changes, so that the rest is drawn once and
  kept as pixels. A slider move calls it instead of ``update``;
  :meth:`Explorer.check_refresh` checks that it draws what ``update`` draws:

      def update(fig, w=0.9, steps=30):
          ax = fig.subplots()
          (line,) = ax.plot([], [])

          def show(w):
              line.set_data(range(steps), w ** np.arange(steps))
              ax.set_title(f"w = {w:g}")
              autoscale(ax)

          show(w)
          return refresh_keeping(show, steps=steps)  # another steps: update draws anew
* An exception inside ``update`` is shown in the output area, not lost in a log.
"""

import contextlib
import io
import itertools
import math
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from PIL import Image


def _decimals(step):
    """Enough decimals for the readout to show every step (at least 2): 0.005 -> 3."""
    text = f"{step:.10f}".rstrip("0")
    return max(2, len(text.split(".")[1]) if "." in text else 0)


@contextlib.contextmanager
def _no_tight_layout():
    """Within this block ``Figure.tight_layout`` does nothing."""
    original = Figure.tight_layout
    Figure.tight_layout = lambda self, *args, **kwargs: None
    try:
        yield
    finally:
        Figure.tight_layout = original


def _to_png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def tight_layout(fig):
    """``fig.tight_layout()`` for a Figure; a SubFigure (one panel of a larger figure, as a
    notebook may pass to an explorer's draw function) is laid out by its parent."""
    if isinstance(fig, Figure):
        fig.tight_layout()


def autoscale(ax):
    """Limits from the axes' data, as a new axes gets them: for a refresh that has changed
    its artists' data (limits set before, by hand or by ``set_ylim``, are undone).

    The data limits of a line given partly in axes coordinates (``axhline``) are computed
    through the axes' box and view, and round-off makes them depend on those in the last
    bit. They are computed in one fixed box and view here, so that they are the same
    whatever the axes showed before and wherever the layout put it."""
    position, in_layout = ax.get_position(original=True), ax.get_in_layout()
    ax.set_position([0.0, 0.0, 1.0, 1.0])
    ax.set(xlim=(1.0, 10.0), ylim=(1.0, 10.0))
    ax.relim()
    ax.set_position(position)
    ax.set_in_layout(in_layout)  # set_position takes the axes out of tight_layout
    ax.set_autoscale_on(True)
    ax.autoscale_view()


def _drawn_png(fig):
    """PNG bytes of a figure whose canvas has just been drawn (``fig.canvas.draw()``), from
    its pixel buffer: no second drawing, as ``savefig`` would make."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).save(buffer, format="png",
                                                               compress_level=1)
    return buffer.getvalue()


def _touches_edge(fig):
    """Whether a drawn figure paints its outermost row or column of pixels: what overflows
    the figure (a title that grew a line, wider tick labels) is cut at the edge and so
    touches it, while a laid-out figure keeps a margin. Reads only the border of the
    canvas, so it costs microseconds (a bounding-box check would lay out every text)."""
    pixels = np.asarray(fig.canvas.buffer_rgba())
    background = np.round(np.multiply(to_rgba(fig.get_facecolor()), 255)).astype(np.uint8)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return bool(np.any(border != background))


@dataclass(frozen=True)
class Slider:
    """A numeric slider from ``min`` to ``max`` in steps of ``step``, starting at ``value``.
    Integer arguments give an integer slider. ``log=True`` gives a slider over exponents:
    the value passed to ``update`` is ``10**exponent``, and min/max/value are exponents."""

    min: float
    max: float
    step: float
    value: float
    description: str = ""
    log: bool = False

    def __post_init__(self):
        for field in ("min", "max", "step", "value"):
            v = getattr(self, field)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise TypeError(f"Slider {field} must be a finite number, got {v!r}")
        if not self.min <= self.value <= self.max:
            raise ValueError(
                f"Slider value must lie in [min, max] = [{self.min}, {self.max}], got {self.value}"
            )
        if self.step <= 0:
            raise ValueError(f"Slider step must be positive, got {self.step}")
        steps = (self.max - self.min) / self.step
        if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
            raise ValueError(f"Slider (max - min) / step must be a whole number, so that the "
                             f"slider can reach max; got ({self.max} - {self.min}) / "
                             f"{self.step} = {steps:g}")

    @property
    def is_int(self):
        return all(isinstance(v, int) for v in (self.min, self.max, self.step, self.value))

    def to_value(self, raw):
        return 10.0**raw if self.log else raw

    def extremes(self):
        return [self.to_value(self.min), self.to_value(self.max)]

    def default(self):
        return self.to_value(self.value)

    def widget(self, name, continuous):
        import ipywidgets as w

        cls = w.IntSlider if self.is_int and not self.log else w.FloatSlider
        kwargs = dict(min=self.min, max=self.max, step=self.step, value=self.value,
                      description=self.description or name, continuous_update=continuous,
                      style={"description_width": "initial"},
                      layout=w.Layout(width="320px"))
        if cls is w.FloatSlider:
            kwargs["readout_format"] = f".{_decimals(self.step)}f"
        if self.log:
            kwargs["description"] = (self.description or name) + " (log10)"
        return cls(**kwargs)


@dataclass(frozen=True)
class Choice:
    """A dropdown over ``options`` (strings or numbers), starting at ``value``."""

    options: tuple
    value: object = None
    description: str = ""

    def __post_init__(self):
        object.__setattr__(self, "options", tuple(self.options))
        if not self.options:
            raise ValueError("Choice options must not be empty")
        if self.value is None:
            object.__setattr__(self, "value", self.options[0])
        if self.value not in self.options:
            raise ValueError(f"Choice value must be one of {self.options}, got {self.value!r}")

    def to_value(self, raw):
        return raw

    def extremes(self):
        return list(self.options)

    def default(self):
        return self.value

    def widget(self, name, continuous):
        import ipywidgets as w

        return w.Dropdown(options=list(self.options), value=self.value,
                          description=self.description or name,
                          style={"description_width": "initial"},
                          layout=w.Layout(width="320px"))


@dataclass(frozen=True)
class Refresh:
    """What an explorer's ``update`` may return to make a slider move fast.

    function: ``function(**params)`` brings the figure that ``update`` drew to new settings
              by changing its artists (data, texts, limits; no new axes) and returns True,
              or returns False when it cannot (the explorer then calls ``update`` on a
              cleared figure). ``update`` may also return this function alone.
    moving:   the artists (lines, legends, texts or whole axes) that ``function`` changes,
              when nothing else in the figure ever does: the rest is then drawn once and
              kept as pixels, and a move draws only these, on top, in this order
              (Matplotlib's blitting). So whatever covers a moving artist (a legend, the
              axes' spines) must be listed too, after it. Empty: a move redraws the
              whole figure.
    """

    function: Callable
    moving: tuple = ()

    def __post_init__(self):
        if not callable(self.function):
            raise TypeError(f"Refresh function must be callable, got "
                            f"{type(self.function).__name__}")
        object.__setattr__(self, "moving", tuple(self.moving))


def refresh_keeping(show, **kept):
    """The usual refresh: ``show(**params)`` with the controls' new values, as long as the
    parameters ``kept`` (those that give the figure its structure: a number of steps, a
    seed) keep the values the figure was drawn with; otherwise False, and the explorer
    draws anew. A parameter in ``kept`` that the explorer does not pass counts as kept."""
    def refresh(**params):
        for name, drawn in kept.items():
            if params.pop(name, drawn) != drawn:
                return False
        show(**params)
        return True

    return refresh


class Explorer:
    """Controls above a fixed-height figure that ``update(fig, **params)`` redraws.

    update    : function drawing on the figure it is given; keyword arguments are the
                controls' names. It may return a :class:`Refresh` (or its function) that
                later slider moves call instead, on the same figure.
    controls  : dict name -> :class:`Slider` or :class:`Choice`.
    figsize   : Matplotlib figure size in inches.
    continuous: redraw while a slider is dragged (True) or only on release (False).
    button    : a label such as ``"Run"``: redraw only when it is clicked. Such an
                explorer's update is expensive (a training run), so it keeps the PNG of
                every setting it has drawn (:meth:`render` included): showing the widget
                after the notebook's static figure, or clicking "Run" again on the same
                setting, does not train the same networks twice (the runs are seeded).
    fixed     : extra keyword arguments passed to ``update`` unchanged.
    """

    def __init__(self, update, controls, *, figsize=(9, 3.6), continuous=True, button=None,
                 fixed=None):
        if not callable(update):
            raise TypeError(f"update must be callable, got {type(update).__name__}")
        if not isinstance(controls, dict):
            raise TypeError("controls must be a dict name -> Slider or Choice, "
                            f"got {type(controls).__name__}")
        clash = set(controls) & set(fixed or {})
        if clash:
            raise ValueError(f"{sorted(clash)} given both as controls and as fixed values")
        for name, control in controls.items():
            if not isinstance(control, Slider | Choice):
                raise TypeError(f"control {name!r} must be a Slider or a Choice, "
                                f"got {type(control).__name__}")
        self.update = update
        self.controls = dict(controls)
        self.figsize = figsize
        self.continuous = continuous and button is None
        self.button = button
        self.fixed = dict(fixed or {})
        self._box = None
        self._layout = None  # axes positions of the first drawing (or of the last one that
        # had to be laid out again), reused by ``png``
        self._layout_clips = False  # whether that drawing itself overflows its edges
        self._canvas = None  # the figure ``png`` redraws (not pyplot's: never shown by itself)
        self._drawn = []  # button explorers: (settings, PNG bytes) of the settings drawn
        self._refresh = None  # the Refresh the last ``update`` on the kept figure returned
        self._background = None  # the kept figure's pixels without its moving artists
        self._blit = True  # False: moving artists drawn in place (check_refresh's reference)

    # ----------------------------------------------------------- without a browser
    def defaults(self):
        """The value of every control at its starting position."""
        return {name: c.default() for name, c in self.controls.items()}

    def render(self, **params):
        """Draw with the defaults overridden by ``params``; return the figure (not shown)."""
        settings = self._settings(params)
        fig = plt.figure(figsize=self.figsize)
        try:
            self.update(fig, **settings)
            if self.button and self._layout is None:  # remember it for the widget's first draw
                self._remember(settings, _to_png(fig))
                self._layout = [ax.get_position(original=True) for ax in fig.axes]
        except Exception:
            plt.close(fig)
            raise
        return fig

    def _settings(self, params):
        """The fixed values and the defaults, overridden by ``params`` (known names only)."""
        unknown = set(params) - set(self.controls) - set(self.fixed)
        if unknown:
            raise ValueError(f"unknown explorer parameter(s) {sorted(unknown)}; "
                             f"controls are {sorted(self.controls)}")
        return {**self.fixed, **self.defaults(), **params}

    def _remember(self, settings, data, keep=8):
        self._drawn = [(s, d) for s, d in self._drawn if s != settings][-(keep - 1):]
        self._drawn.append((settings, data))

    def png(self, **params):
        """The figure as PNG bytes, exactly as the widget shows it after a slider move.

        For speed (a redraw should take well under 0.1 s): one figure and canvas are kept
        and redrawn (Matplotlib's text and tick caches stay warm), the layout that the first
        call computed (``fig.tight_layout()`` in ``update``, which costs a whole extra draw)
        is reused by later calls with the same number of axes (another number of axes is
        laid out anew), and the PNG is encoded from
        the drawn pixels (``savefig`` would draw the figure once more). If the reused layout
        clips something the first drawing did not (a longer title, wider tick labels), the
        figure is drawn again with its own layout, as :meth:`render` gives it, and that
        layout is kept for the moves that follow. When the
        last ``update`` returned a ``refresh`` (see the module docstring), it is asked to
        bring the kept figure to the new settings first. A button explorer returns the PNG
        it kept for the same settings (see the class docstring)."""
        if self.button:
            settings = self._settings(params)
            for drawn, data in self._drawn:
                if drawn == settings:
                    return data
            data = self._png(params)
            self._remember(settings, data)
            return data
        return self._png(params)

    def _png(self, params, refresh=True):
        """``png`` without the button's memory; ``refresh=False``: never the kept figure's
        refresh, always ``update`` on a cleared figure."""
        settings = self._settings(params)
        if self._canvas is None:
            self._canvas = Figure(figsize=self.figsize)
            FigureCanvasAgg(self._canvas)
        fig = self._canvas
        if refresh and self._refreshed(settings):
            self._draw_moving()
            if self._layout_clips or not _touches_edge(fig):
                return _drawn_png(fig)
            return self._draw_own_layout(settings)  # something grew past the edge
        if self._layout is None:
            return self._draw_own_layout(settings)
        fig.clear()
        self._refresh = None
        with _no_tight_layout():
            self._keep(self.update(fig, **settings))
        if len(fig.axes) != len(self._layout):  # another number of axes: its own layout
            return self._draw_own_layout(settings)
        for ax, position in zip(fig.axes, self._layout, strict=True):
            ax.set_position(position)
        self._draw()
        # A reused layout that clips what the first drawing did not (a longer title, wider
        # tick labels): draw again with this figure's own layout, as ``render`` gives it.
        if not self._layout_clips and _touches_edge(fig):
            return self._draw_own_layout(settings)
        return _drawn_png(fig)

    def _draw_own_layout(self, settings):
        """Draw from scratch with the figure's own layout (``fig.tight_layout()`` in
        ``update``), and keep that layout for the moves that follow: the first drawing's,
        or one with room for what grew past the edge of the layout before (the figure
        then stays as it is instead of jumping back)."""
        fig = self._canvas
        fig.clear()
        self._refresh = None
        self._keep(self.update(fig, **settings))
        self._draw()
        self._layout = [ax.get_position(original=True) for ax in fig.axes]
        self._layout_clips = _touches_edge(fig)
        return _drawn_png(fig)

    def _keep(self, refresh):
        """Keep what ``update`` returned if it is a refresh (a function or a Refresh)."""
        if callable(refresh):
            refresh = Refresh(refresh)
        self._refresh = refresh if isinstance(refresh, Refresh) else None

    def _draw(self):
        """Draw the kept figure. With moving artists: the rest first, kept as pixels, then
        the moving artists on top, in their order. The refresh is kept only once the
        drawing has succeeded: a drawing that fails leaves no pixels to draw moves on."""
        fig, refresh = self._canvas, self._refresh
        self._refresh = self._background = None
        moving = refresh.moving if refresh is not None and self._blit else ()
        for artist in moving:
            artist.set_animated(True)  # left out of canvas.draw(), drawn on top below
        fig.canvas.draw()
        if moving:
            background = fig.canvas.copy_from_bbox(fig.bbox)
            for artist in moving:
                fig.draw_artist(artist)
            self._background = background
        self._refresh = refresh

    def _draw_moving(self):
        """Draw a refreshed figure: only its moving artists over the kept pixels, if any
        (if this fails, the next move draws from scratch)."""
        fig, moving = self._canvas, self._refresh.moving
        try:
            if self._background is None:
                fig.canvas.draw()
                return
            fig.canvas.restore_region(self._background)
            for artist in moving:
                fig.draw_artist(artist)
        except Exception:
            self._refresh = None
            raise

    def _refreshed(self, settings):
        """Whether the kept figure's refresh brought it to ``settings``."""
        if self._refresh is None:
            return False
        refresh, self._refresh = self._refresh, None  # a failed refresh is not called again
        if not refresh.function(**settings):
            return False
        self._refresh = refresh
        return True

    def _cases(self, combinations):
        names = list(self.controls)
        if combinations:
            return [dict(zip(names, vals, strict=True)) for vals in
                    itertools.product(*(self.controls[n].extremes() for n in names))]
        return [{n: v} for n in names for v in self.controls[n].extremes()]

    def check_extremes(self, combinations=False):
        """Draw the explorer at each end of every control's range (others at their
        defaults), or at every combination of extremes; return how many were drawn.
        Raises whatever ``update`` raises, naming the parameters."""
        cases = self._cases(combinations)
        for case in cases:
            try:  # drawn to PNG, as the widget does: some errors appear only when drawing
                self.png(**case)
            except Exception as exc:
                raise AssertionError(f"explorer {self.update.__name__} failed at {case}: "
                                     f"{type(exc).__name__}: {exc}") from exc
        return len(cases)

    def check_refresh(self, combinations=False):
        """Move through the cases of :meth:`check_extremes` one after another, as a student
        moves the controls, then back to the defaults; at each, the picture that ``update``'s
        ``refresh`` makes of the kept figure (its moving artists drawn over the kept pixels)
        must be the picture that ``update`` draws from scratch with every artist in place,
        as :meth:`render` does (pixel for pixel, same layout). Returns how many moves
        ``refresh`` made (0 if ``update`` returns none); raises AssertionError naming the
        first case that differs and how many pixels do."""
        def fresh(blit):
            ex = Explorer(self.update, self.controls, figsize=self.figsize, fixed=self.fixed)
            ex._blit = blit
            ex._png({})  # the defaults: the first layout, and a refresh to follow
            return ex

        # the reference draws every artist in place, as render does: moving artists drawn
        # on top of something that should cover them (a legend, the axes' spines) show
        moved, scratch = fresh(blit=True), fresh(blit=False)
        refreshes = 0
        for case in [*self._cases(combinations), {}]:
            settings = moved._settings(case)
            if moved._refreshed(settings):
                moved._draw_moving()
                if not moved._layout_clips and _touches_edge(moved._canvas):
                    got = moved._draw_own_layout(settings)  # as png does: laid out anew
                else:
                    refreshes += 1
                    got = _drawn_png(moved._canvas)
            else:
                got = moved._png(case, refresh=False)
            want = scratch._png(case, refresh=False)
            if got != want:
                a, b = (np.asarray(Image.open(io.BytesIO(d)).convert("RGBA")) for d in (got, want))
                differ = int(np.any(a != b, axis=-1).sum()) if a.shape == b.shape else a.size
                raise AssertionError(f"explorer {self.update.__name__}: refreshed to {case}, "
                                     f"the figure differs from a new drawing in {differ} pixels")
        return refreshes

    # ----------------------------------------------------------- in a notebook
    def widget(self):
        """The ipywidgets box: controls, an optional button, and a fixed-height output."""
        if self._box is not None:
            return self._box
        import ipywidgets as w
        from IPython.display import Image, display

        sliders = {n: c.widget(n, self.continuous) for n, c in self.controls.items()}
        # the figure's height in pixels, plus a margin: a fixed height does not jump
        height = f"{int(self.figsize[1] * plt.rcParams['figure.dpi'] + 12)}px"
        out = w.Output(layout=w.Layout(height=height, overflow="auto"))

        def redraw(*_):
            values = {n: self.controls[n].to_value(s.value) for n, s in sliders.items()}
            with out:
                out.clear_output(wait=True)
                try:
                    display(Image(self.png(**values)))
                except Exception as exc:
                    self.report_error(values, exc)

        items = list(sliders.values())
        if self.button:
            run = w.Button(description=self.button, button_style="primary")
            run.on_click(redraw)
            items.append(run)
        else:
            for s in sliders.values():
                s.observe(redraw, names="value")
        controls = w.HBox(items, layout=w.Layout(flex_flow="row wrap"))
        self._box = w.VBox([controls, out])
        self._redraw = redraw
        redraw()
        return self._box

    def report_error(self, values, exc, file=None):
        """Show an exception raised by ``update`` where the figure would be: the message
        and the settings first (so a small output area shows them), then the last frames."""
        file = file or sys.stderr
        print(f"This setting failed: {values}\n{type(exc).__name__}: {exc}\n", file=file)
        traceback.print_exception(exc, limit=-3, file=file)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget())
