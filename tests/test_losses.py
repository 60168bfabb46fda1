import numpy as np
import pytest

from rnnlib import losses
from rnnlib.gradcheck import check_gradients
from rnnlib.losses import (
    log_softmax,
    mean_squared_error,
    sigmoid_binary_cross_entropy,
    softmax,
    softmax_cross_entropy,
)

RNG = np.random.default_rng(0)
MASK_TB = np.array([[1, 1, 1], [1, 0, 1], [0, 0, 1], [0, 0, 1]], bool)  # (T=4, B=3)


def _gradcheck(fn, y, target, mask):
    value, d = fn(y, target, mask)
    errs = check_gradients(lambda: fn(y, target, mask)[0], {"y": y}, {"y": d})
    return value, errs["y"]


@pytest.mark.parametrize("mask", [None, MASK_TB, MASK_TB.astype(int)])
def test_cross_entropy_gradcheck(mask):
    y = RNG.standard_normal((4, 3, 5)) * 3
    target = RNG.integers(0, 5, size=(4, 3))
    value, err = _gradcheck(softmax_cross_entropy, y, target, mask)
    assert err < 1e-7
    assert value > 0


@pytest.mark.parametrize("mask", [None, MASK_TB, MASK_TB.astype(float)])
def test_bce_gradcheck(mask):
    y = RNG.standard_normal((4, 3, 2)) * 3
    target = RNG.random((4, 3, 2))
    _, err = _gradcheck(sigmoid_binary_cross_entropy, y, target, mask)
    assert err < 1e-7


@pytest.mark.parametrize("mask", [None, MASK_TB, np.broadcast_to(MASK_TB[..., None], (4, 3, 2))])
def test_mse_gradcheck(mask):
    y = RNG.standard_normal((4, 3, 2))
    target = RNG.standard_normal((4, 3, 2))
    _, err = _gradcheck(mean_squared_error, y, target, mask)
    assert err < 1e-7


def test_cross_entropy_values_and_mean_over_valid_positions():
    logits = np.log(np.array([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]]))
    value, d = softmax_cross_entropy(logits, np.array([0, 2]))
    assert value == pytest.approx(-(np.log(0.7) + np.log(0.5)) / 2)
    np.testing.assert_allclose(d, (np.exp(logits) - np.eye(3)[[0, 2]]) / 2)
    value, d = softmax_cross_entropy(logits, np.array([0, 99]), mask=np.array([True, False]))
    assert value == pytest.approx(-np.log(0.7))  # padding target 99 is ignored
    assert not d[1].any()
    # per time step: (T, B, C) equals the flattened (T*B, C) batch
    y = RNG.standard_normal((4, 3, 5))
    t = RNG.integers(0, 5, size=(4, 3))
    v1, d1 = softmax_cross_entropy(y, t, MASK_TB)
    v2, d2 = softmax_cross_entropy(y.reshape(12, 5)[MASK_TB.ravel()], t.ravel()[MASK_TB.ravel()])
    assert v1 == pytest.approx(v2)
    np.testing.assert_allclose(d1[MASK_TB], d2)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0]])
    value, d = softmax_cross_entropy(logits, np.array([2]))
    assert value == pytest.approx(2000.0)
    np.testing.assert_allclose(d, [[1.0, 0.0, -1.0]])
    np.testing.assert_allclose(softmax(logits), [[1.0, 0.0, 0.0]])
    assert np.all(np.isfinite(log_softmax(logits)))


def test_bce_values_stable_and_masked_elementwise():
    z = np.array([0.0, 800.0, -800.0, 2.0])
    t = np.array([1.0, 0.0, 0.0, 1.0])
    value, d = sigmoid_binary_cross_entropy(z, t)
    expected = [np.log(2), 800.0, 0.0, np.log1p(np.exp(-2.0))]
    assert value == pytest.approx(np.mean(expected))
    np.testing.assert_allclose(d, (np.array([0.5, 1.0, 0.0, 1 / (1 + np.exp(-2))]) - t) / 4)
    # a (T, B) mask over (T, B, K) targets counts K elements per valid step
    y = RNG.standard_normal((4, 3, 2))
    target = (RNG.random((4, 3, 2)) > 0.5).astype(int)  # 0/1 ints are accepted
    value, _ = sigmoid_binary_cross_entropy(y, target, MASK_TB)
    per = sigmoid_binary_cross_entropy(y[MASK_TB], target[MASK_TB])[0]
    assert value == pytest.approx(per)


def test_mse_value():
    value, d = mean_squared_error(np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 0.0]),
                                  mask=np.array([1, 1, 0]))
    assert value == pytest.approx(2.0)  # (0 + 4) / 2 valid elements
    np.testing.assert_allclose(d, [0.0, 2.0, 0.0])


def test_get():
    assert losses.get("mse") is mean_squared_error
    assert losses.get(softmax_cross_entropy) is softmax_cross_entropy
    with pytest.raises(ValueError, match="unknown loss 'hinge'; known losses: cross_entropy"):
        losses.get("hinge")


def test_bad_inputs():
    y = np.zeros((2, 3))
    with pytest.raises(TypeError, match="target must be an integer array of class indices"):
        softmax_cross_entropy(y, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"target must have shape \(2,\)"):
        softmax_cross_entropy(y, np.array([[0, 1]]))
    with pytest.raises(ValueError, match=r"must lie in \[0, 2\].*got values \[3\]"):
        softmax_cross_entropy(y, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"got values \[-1\]"):
        softmax_cross_entropy(y, np.array([-1, 0]))
    with pytest.raises(ValueError, match="logits contains 1 NaN"):
        softmax_cross_entropy(np.array([[np.nan, 0, 0], [0, 0, 0]]), np.array([0, 1]))
    with pytest.raises(TypeError, match="logits must be a floating-point array"):
        softmax_cross_entropy(np.zeros((2, 3), int), np.array([0, 1]))
    with pytest.raises(ValueError, match="at least one dimension"):
        softmax_cross_entropy(np.float64(1.0), np.array(0))
    with pytest.raises(ValueError, match="mask selects no entries"):
        softmax_cross_entropy(y, np.array([0, 1]), mask=np.array([False, False]))
    with pytest.raises(ValueError, match=r"mask must have the shape of target \(2,\)"):
        softmax_cross_entropy(y, np.array([0, 1]), mask=np.array([True]))
    with pytest.raises(ValueError, match="only 0/1"):
        softmax_cross_entropy(y, np.array([0, 1]), mask=np.array([2, 1]))
    with pytest.raises(ValueError, match=r"mask must have shape \(2, 2\), got \(2,\)"):
        softmax_cross_entropy(np.zeros((2, 2, 3)), np.zeros((2, 2), int), mask=np.ones(2))
    with pytest.raises(TypeError, match="mask must be a bool or 0/1 array"):
        mean_squared_error(y, y, mask=np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\]"):
        sigmoid_binary_cross_entropy(y, np.full((2, 3), 1.5))
    with pytest.raises(ValueError, match=r"target must have shape \(2, 3\), got \(3,\)"):
        sigmoid_binary_cross_entropy(y, np.zeros(3))
    with pytest.raises(ValueError, match="target contains 1 NaN"):
        mean_squared_error(y, np.array([[0, 0, np.nan], [0, 0, 0]]))
    with pytest.raises(ValueError, match=r"y must have|y contains"):
        mean_squared_error(np.array([np.inf]), np.array([0.0]))
    with pytest.raises(ValueError, match="mask selects no entries"):
        mean_squared_error(y, y, mask=np.zeros(2))


@pytest.mark.parametrize("name", ["cross_entropy", "bce", "mse"])
def test_float32_gradients_stay_float32(name):
    y = np.random.default_rng(1).normal(size=(4, 3, 2))
    target = (np.zeros((4, 3), np.int64) if name == "cross_entropy"
              else (y > 0).astype(np.float64))
    value64, d64 = losses.get(name)(y, target, MASK_TB)
    value32, d32 = losses.get(name)(y.astype(np.float32), target, MASK_TB)
    assert d32.dtype == np.float32 and d64.dtype == np.float64
    assert value32 == pytest.approx(value64, rel=1e-5)
    np.testing.assert_allclose(d32, d64, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("name", ["mse", "bce"])
def test_elementwise_losses_accept_any_padding_where_masked(name):
    """Masked-out targets may hold anything (the module's promise): NaN, -1, 7."""
    rng = np.random.default_rng(3)
    y = rng.standard_normal((4, 3, 2))
    target = (rng.random((4, 3, 2)) > 0.5).astype(float)
    mask = np.ones((4, 3))
    mask[3, 1] = 0
    loss = losses.get(name)
    ref = loss(y, target, mask)
    for pad in (np.nan, -1.0, 7.0):
        padded = target.copy()
        padded[3, 1] = pad
        value, d = loss(y, padded, mask)
        assert value == ref[0]
        np.testing.assert_array_equal(d, ref[1])
    padded = target.copy()
    padded[0, 0, 0] = np.nan  # NaN at a VALID entry is still an error
    with pytest.raises(ValueError, match=r"target contains 1 NaN or infinite value\(s\) at valid"):
        loss(y, padded, mask)
    if name == "bce":
        padded[0, 0, 0] = 2.0
        with pytest.raises(ValueError, match=r"target must lie in \[0, 1\]"):
            loss(y, padded, mask)


@pytest.mark.parametrize("name", ["mse", "bce", "cross_entropy"])
def test_empty_inputs_are_a_clear_error(name):
    loss = losses.get(name)
    y = np.zeros((0, 3))
    target = np.zeros(0, np.int64) if name == "cross_entropy" else np.zeros((0, 3))
    with pytest.raises(ValueError, match="the loss has no entries to average"):
        loss(y, target)


def test_targets_as_a_student_types_them():
    # class indices, 0/1 labels and regression targets as Python lists of ints (or bools)
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 0.5]])
    np.testing.assert_array_equal(softmax_cross_entropy(logits, [0, 1])[1],
                                  softmax_cross_entropy(logits, np.array([0, 1]))[1])
    z = np.array([0.5, -1.0])
    for typed in ([1, 0], [True, False], np.array([1, 0], dtype=np.int8)):
        assert losses.sigmoid_binary_cross_entropy(z, typed)[0] == \
            losses.sigmoid_binary_cross_entropy(z, np.array([1.0, 0.0]))[0]
    assert losses.mean_squared_error(np.array([1.0, 2.0]), [1, 4])[0] == 2.0
    with pytest.raises(TypeError, match="target must be a floating-point array, got dtype <U1"):
        losses.mean_squared_error(np.array([1.0, 2.0]), ["1", "4"])
