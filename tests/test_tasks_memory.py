import numpy as np
import pytest

from rnnlib.tasks.memory import adding_problem, first_symbol, last_marked, shifted_symbol


# ----------------------------------------------------------------- first_symbol
def test_first_symbol_layout():
    K, D, gap, n = 3, 5, 7, 50
    x, y = first_symbol(n, gap, n_symbols=K, n_distractors=D, rng=1)
    assert x.shape == (gap + 2, n, K + D + 1) and x.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.all(x.sum(axis=-1) == 1.0)  # one-hot at every step
    assert np.array_equal(x[0].argmax(-1), y)  # the symbol comes first
    assert np.all((x[1:-1].argmax(-1) >= K) & (x[1:-1].argmax(-1) < K + D))  # distractors
    assert np.all(x[-1, :, K + D] == 1.0)  # then the query
    assert set(np.unique(y)) == {0, 1, 2}


def test_first_symbol_seeded_and_dtype():
    a = first_symbol(10, 4, rng=3)
    b = first_symbol(10, 4, rng=np.random.default_rng(3))
    c = first_symbol(10, 4, rng=4)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert first_symbol(2, 0, rng=0, dtype=np.float32)[0].dtype == np.float32
    assert first_symbol(2, 0, rng=0)[0].shape == (2, 2, 9)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0, gap=3), "n must be a positive integer"),
    (dict(n=2, gap=-1), "gap must be a non-negative integer"),
    (dict(n=2, gap=3, n_symbols=1), "n_symbols must be at least 2"),
    (dict(n=2, gap=3, n_distractors=0), "n_distractors must be a positive integer"),
])
def test_first_symbol_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        first_symbol(**kwargs)


def test_first_symbol_non_integer_gap_is_a_type_error():
    with pytest.raises(TypeError, match="gap must be a non-negative integer, got float 2.5"):
        first_symbol(2, 2.5)


def test_first_symbol_bad_types():
    with pytest.raises(TypeError, match="dtype must be a floating-point"):
        first_symbol(2, 3, dtype=np.int32)
    with pytest.raises(TypeError, match="rng must be"):
        first_symbol(2, 3, rng="seed")


# ----------------------------------------------------------------- adding_problem
def test_adding_problem_targets():
    x, y = adding_problem(200, 20, rng=0)
    assert x.shape == (20, 200, 2) and y.shape == (200,)
    markers = x[..., 1]
    assert np.all(markers.sum(axis=0) == 2.0)
    assert np.all(markers[:10].sum(axis=0) == 1.0)  # one marker in each half
    assert np.allclose((x[..., 0] * markers).sum(axis=0), y)
    assert np.all((x[..., 0] >= 0) & (x[..., 0] < 1))
    # predicting the mean gives MSE near 1/6 (variance of a sum of two U(0,1))
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.03


def test_adding_problem_bad_input():
    with pytest.raises(ValueError, match="length must be at least 2"):
        adding_problem(3, 1)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        adding_problem(-1, 5)
    with pytest.raises(TypeError, match="dtype"):
        adding_problem(3, 5, dtype=int)


# ----------------------------------------------------------------- shifted_symbol
@pytest.mark.parametrize("shift", [-3, -1, 0, 2, 5])
def test_shifted_symbol_targets(shift):
    x, y, steps = shifted_symbol(30, 12, shift, n_symbols=5, rng=2)
    assert x.shape == (12, 30, 5)
    assert y.shape == (12 - abs(shift), 30) == (len(steps), 30)
    symbols = x.argmax(-1)
    for k, t in enumerate(steps):
        assert np.array_equal(y[k], symbols[t + shift])
    assert steps[0] == max(0, -shift) and steps[-1] == 11 - max(0, shift)


def test_shifted_symbol_bad_input():
    with pytest.raises(ValueError, match=r"\|shift\| must be smaller than length = 4"):
        shifted_symbol(3, 4, -4)
    with pytest.raises(ValueError, match="shift must be an integer"):
        shifted_symbol(3, 4, 1.0)
    with pytest.raises(ValueError, match="n_symbols must be at least 2"):
        shifted_symbol(3, 4, 1, n_symbols=1)
    with pytest.raises(ValueError, match="length must be a positive integer"):
        shifted_symbol(3, 0, 0)


# ----------------------------------------------------------------- last_marked
def test_last_marked_targets():
    x, y, marks = last_marked(100, 15, n_symbols=4, n_marks=3, rng=0)
    assert x.shape == (15, 100, 5) and y.shape == (100,) and marks.shape == (15, 100)
    assert np.all(marks.sum(axis=0) == 3) and not marks[-1].any()
    assert np.array_equal(x[..., 4] == 1.0, marks)
    assert np.all(x[..., :4].sum(axis=-1) == 1.0)
    symbols = x[..., :4].argmax(-1)
    for b in range(100):
        last = np.flatnonzero(marks[:, b])[-1]
        assert y[b] == symbols[last, b]


def test_last_marked_bad_input():
    with pytest.raises(ValueError, match="n_marks must be at most length - 1 = 4"):
        last_marked(3, 5, n_marks=5)
    with pytest.raises(ValueError, match="n_symbols must be at least 2"):
        last_marked(3, 5, n_symbols=1)
    with pytest.raises(ValueError, match="n_marks must be a positive integer"):
        last_marked(3, 5, n_marks=0)
