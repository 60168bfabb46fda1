"""The verdict of an exercise check, and the safe call of a student's function.

A :class:`Verdict` lists items ``(name, ok, rel_error, hint)``: ``rel_error`` is
max|got - want| / max(max|got|, max|want|) (``rnnlib.gradcheck.relative_error``) or None,
``hint`` names the mistake when the checker recognises it. ``passed`` is True when every
item is right; ``score`` is the fraction of items right. Printing it gives a few lines:

    dC_prev: WRONG (rel. error 0.42) -- looks like the forget-gate factor f_t is missing
"""

import html

import numpy as np

from ..gradcheck import relative_error

MAX_LINES = 8  # printed lines of wrong items at most
TOL = 1e-6  # an array within this relative error of the reference is right


class Verdict:
    """The outcome of one check: ``.passed``, ``.score``, ``.items`` and printable lines."""

    def __init__(self, title, items, message=None):
        self.title = title
        self.items = list(items)
        self.message = message  # one line replacing the items (stub, exception, ...)

    @property
    def passed(self):
        return self.message is None and bool(self.items) and all(ok for _, ok, _, _ in self.items)

    @property
    def score(self):
        if self.message is not None or not self.items:
            return 0.0
        return sum(ok for _, ok, _, _ in self.items) / len(self.items)

    def lines(self):
        if self.message is not None:
            return [f"{self.title}: {self.message}"]
        right = sum(ok for _, ok, _, _ in self.items)
        head = ((f"{self.title}: all {len(self.items)} checks right" if len(self.items) > 1
                 else f"{self.title}: right") if self.passed else
                f"{self.title}: {right} of {len(self.items)} checks right")
        out = [head]
        # wrong items that share a hint (one mistake) are printed on one line
        groups = {}
        for name, ok, err, hint in self.items:
            if not ok:
                groups.setdefault(hint if hint else ("", name), []).append((name, err))
        for key, members in groups.items():
            names = ", ".join(n for n, _ in members)
            errs = [e for _, e in members if e is not None]
            line = f"  {names}: WRONG"
            if len(errs) == 1:
                line += f" (rel. error {errs[0]:.2g})"
            elif errs:
                line += f" (rel. errors {min(errs):.2g} to {max(errs):.2g})"
            if isinstance(key, str):
                line += f" -- {key}"
            out.append(line)
        if len(out) > MAX_LINES + 1:
            out = out[:MAX_LINES] + [f"  ... and {len(out) - MAX_LINES} more lines of wrong "
                                     "items (see .items)"]
        return out

    def as_dict(self):
        """Plain data for grading tools: title, passed, score, message and items."""
        return {"title": self.title, "passed": self.passed, "score": self.score,
                "message": self.message,
                "items": [{"name": n, "ok": bool(ok), "rel_error": e, "hint": h}
                          for n, ok, e, h in self.items]}

    def __str__(self):
        return "\n".join(self.lines())

    def __repr__(self):
        return f"<Verdict {self.title!r} passed={self.passed} score={self.score:.2f}>"

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def _repr_html_(self):
        colour = "#1a7f37" if self.passed else "#cf222e"
        body = "<br>".join(html.escape(line).replace("  ", "&nbsp;&nbsp;")
                           for line in self.lines())
        return f'<div style="font-family: monospace; color: {colour}">{body}</div>'

    def __bool__(self):
        return self.passed


class StudentError(Exception):
    """Raised inside a checker to end it with one line (the verdict's message)."""


def call(fn, *args):
    """Call the student's ``fn``; a stub or an exception becomes StudentError (one line)."""
    if not callable(fn):
        raise StudentError(f"expected a function, got {type(fn).__name__}")
    try:
        with np.errstate(all="ignore"):
            return fn(*args)
    except NotImplementedError:
        raise StudentError("not implemented yet") from None
    except Exception as e:  # noqa: BLE001 -- the student's code may raise anything
        raise StudentError(f"your function raised {type(e).__name__}: {e}") from None


def as_array(name, value, shape):
    """The student's ``value`` as a float64 array of ``shape``, else StudentError."""
    if value is None:
        raise StudentError(f"wrong shape: {name} expected {shape_text(shape)}, got None "
                           "(did you forget to return it?)")
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise StudentError(f"wrong type: {name} expected an array {shape_text(shape)}, "
                           f"got {type(value).__name__}") from None
    if a.shape != tuple(shape):
        raise StudentError(f"wrong shape: {name} expected {shape_text(shape)}, got {a.shape}")
    return a


def shape_text(shape):
    return str(tuple(shape))


def rel(got, want):
    return relative_error(got, want)


def same(got, want, tol=TOL):
    return got.shape == want.shape and rel(got, want) < tol


def run(title, body):
    """``body()`` returns the items; a StudentError becomes a one-line verdict."""
    try:
        with np.errstate(all="ignore"):
            return Verdict(title, body())
    except StudentError as e:
        return Verdict(title, [], message=str(e))
    except Exception as e:  # noqa: BLE001 -- an answer of a form the checker cannot read
        return Verdict(title, [], message=f"could not check your answer "
                                          f"({type(e).__name__}: {e})")


def compare_arrays(got, want, mistakes, names=None):
    """Items for the arrays ``want`` (dict name -> array) against the student's ``got``.

    ``mistakes`` is a list of (hint, arrays) where ``arrays`` are the outputs under that
    mistake; a wrong array that matches a mistake's array gets its hint. A mistake that
    explains every wrong array is preferred to one that explains only some.
    """
    names = list(want) if names is None else names
    wrong = [n for n in names if not same(got[n], want[n])]
    explains = [(hint, {n for n in wrong if n in arrays and arrays[n].shape == got[n].shape
                        and same(got[n], arrays[n])}) for hint, arrays in mistakes]
    explains = [(h, s) for h, s in explains if s]
    explains.sort(key=lambda hs: -len(hs[1]))
    items = []
    for n in names:
        err = rel(got[n], want[n])
        if n not in wrong:
            items.append((n, True, err, None))
            continue
        hint = next((h for h, s in explains if n in s), None)
        items.append((n, False, err, hint))
    return items
