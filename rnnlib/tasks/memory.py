"""Long-term dependency tasks: the network must recall something seen many steps earlier.

The lecture's example is "Jane had a quick lunch in the bistro. Then she..": pattern 1
("Jane") decides pattern 2 ("she"), and anything of any length may come in between
(claim C21). These tasks make that runnable; every array is time-major (T, B, D) and every
draw goes through the ``rng`` passed (an int seed or a ``numpy.random.Generator``).

- :func:`first_symbol`: remember the first of K symbols across ``gap`` distractor steps and
  name it when a query marker appears (classification at the last step).
- :func:`adding_problem`: Hochreiter & Schmidhuber (1997): add the two numbers that carry a
  marker, anywhere in a long sequence (regression at the last step).
- :func:`shifted_symbol`: at every step name the symbol ``shift`` steps away: in the past
  (``shift < 0``, a delay line any causal net can learn) or in the future (``shift > 0``,
  only a net that reads the sequence backwards too can, claim C27).
- :func:`last_marked`: name the most recently marked symbol: store on a flag, keep it, and
  forget it when the next flag comes (what a forget gate is for).
"""

import numpy as np

from rnnlib._checks import (
    as_generator,
    check_float_dtype,
    check_nonnegative_int,
    check_positive_int,
)


def _check_n_symbols(n_symbols):
    n_symbols = check_positive_int("n_symbols", n_symbols)
    if n_symbols < 2:
        raise ValueError(f"n_symbols must be at least 2, got {n_symbols}")
    return n_symbols


def first_symbol(n, gap, *, n_symbols=4, n_distractors=4, rng=None, dtype=np.float64):
    """Remember the first symbol across ``gap`` distractor steps.

    A sequence has T = gap + 2 steps over K + D + 1 one-hot channels
    (K = ``n_symbols``, D = ``n_distractors``):

    - step 0: the symbol s in {0, .., K-1} to remember (channel s);
    - steps 1 .. gap: random distractors (channels K .. K+D-1);
    - step T-1: the query marker (channel K+D): now output s.

    Returns ``x`` of shape (T, n, K + D + 1) and the targets ``y`` of shape (n,), integers
    in [0, K). Chance accuracy is 1/K.
    """
    n = check_positive_int("n", n)
    gap = check_nonnegative_int("gap", gap)
    n_symbols = _check_n_symbols(n_symbols)
    n_distractors = check_positive_int("n_distractors", n_distractors)
    dtype = check_float_dtype("dtype", dtype)
    rng = as_generator(rng)
    T, channels = gap + 2, n_symbols + n_distractors + 1
    y = rng.integers(0, n_symbols, size=n)
    distractors = rng.integers(n_symbols, n_symbols + n_distractors, size=(gap, n))
    x = np.zeros((T, n, channels), dtype=dtype)
    batch = np.arange(n)
    x[0, batch, y] = 1.0
    for t in range(gap):
        x[t + 1, batch, distractors[t]] = 1.0
    x[T - 1, :, channels - 1] = 1.0
    return x, y.astype(np.int64)


def adding_problem(n, length, *, rng=None, dtype=np.float64):
    """The adding problem of Hochreiter & Schmidhuber (1997).

    Each of the ``length`` steps carries two channels: a value drawn uniformly from [0, 1)
    and a marker, 1 at exactly two steps (one in each half of the sequence) and 0 elsewhere.
    The target, to be output at the last step, is the sum of the two marked values.

    Returns ``x`` of shape (length, n, 2) and ``y`` of shape (n,). Predicting the mean 1.0
    always gives a mean squared error of about 1/6; solving the task needs memory across
    up to ``length`` steps.
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    if length < 2:
        raise ValueError(f"length must be at least 2, got {length}")
    dtype = check_float_dtype("dtype", dtype)
    rng = as_generator(rng)
    half = length // 2
    values = rng.random((length, n))
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((length, n))
    batch = np.arange(n)
    markers[first, batch] = 1.0
    markers[second, batch] = 1.0
    x = np.stack([values, markers], axis=-1).astype(dtype)
    y = (values[first, batch] + values[second, batch]).astype(dtype)
    return x, y


def shifted_symbol(n, length, shift, *, n_symbols=4, rng=None, dtype=np.float64):
    """Name, at every step, the symbol ``shift`` steps away.

    The input is a random sequence of ``length`` symbols from {0, .., K-1}, one-hot
    (K = ``n_symbols``). At step t the target is the symbol at step t + shift, for every t
    where that step exists:

    - ``shift < 0``: recall the symbol seen |shift| steps ago (a delay line; causal);
    - ``shift > 0``: name the symbol that will come ``shift`` steps later. A unidirectional
      net cannot know it (chance 1/K); a bidirectional one reads it from its backward pass.

    Returns ``x`` of shape (length, n, K), ``y`` of shape (length - |shift|, n) and
    ``steps``, the time indices (length - |shift|,) at which ``y`` applies: the network's
    output ``outputs[steps]`` is compared with ``y``.
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    if isinstance(shift, bool) or not isinstance(shift, int | np.integer):
        raise ValueError(f"shift must be an integer, got {shift!r}")
    shift = int(shift)
    if abs(shift) >= length:
        raise ValueError(f"|shift| must be smaller than length = {length}, got shift = {shift}")
    n_symbols = _check_n_symbols(n_symbols)
    dtype = check_float_dtype("dtype", dtype)
    rng = as_generator(rng)
    symbols = rng.integers(0, n_symbols, size=(length, n))
    x = np.eye(n_symbols, dtype=dtype)[symbols]
    steps = np.arange(max(0, -shift), length - max(0, shift))
    y = symbols[steps + shift].astype(np.int64)
    return x, y, steps


def last_marked(n, length, *, n_symbols=3, n_marks=3, rng=None, dtype=np.float64):
    """Remember the most recently marked symbol: store on a flag, forget the old memory.

    Each of the ``length`` steps shows a random symbol from {0, .., K-1} (one-hot, K =
    ``n_symbols`` channels) and a mark channel, 1 at ``n_marks`` distinct random steps
    before the last one. The target, at the last step, is the symbol shown at the LAST
    marked step: a marked symbol must be stored and kept through the unmarked steps, and
    replaced (the old one forgotten) at the next mark, the lecture's "retain memories until
    a switch based on the input flags them as ok to forget".

    Returns ``x`` of shape (length, n, K + 1), ``y`` of shape (n,) and ``marks``, a bool
    array (length, n), True at the marked steps.
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    n_symbols = _check_n_symbols(n_symbols)
    n_marks = check_positive_int("n_marks", n_marks)
    if n_marks > length - 1:
        raise ValueError(f"n_marks must be at most length - 1 = {length - 1}, got {n_marks}")
    dtype = check_float_dtype("dtype", dtype)
    rng = as_generator(rng)
    symbols = rng.integers(0, n_symbols, size=(length, n))
    marks = np.zeros((length, n), dtype=bool)
    for b in range(n):
        marks[rng.choice(length - 1, size=n_marks, replace=False), b] = True
    x = np.zeros((length, n, n_symbols + 1), dtype=dtype)
    x[..., :n_symbols] = np.eye(n_symbols)[symbols]
    x[..., n_symbols] = marks
    last = length - 1 - np.argmax(marks[::-1], axis=0)  # the last marked step
    y = symbols[last, np.arange(n)].astype(np.int64)
    return x, y, marks
