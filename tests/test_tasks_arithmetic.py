import numpy as np
import pytest

from rnnlib.tasks import arithmetic as ar


def test_int_bits_round_trip_for_huge_numbers():
    rng = np.random.default_rng(0)
    for n_bits in (1, 7, 8, 64, 65, 1000):
        value = int(rng.integers(0, 2**62)) ** (n_bits // 60 + 1) % (2**n_bits)
        bits = ar.int_to_bits(value, n_bits)
        assert bits.shape == (n_bits,) and bits.dtype == np.uint8
        assert ar.bits_to_int(bits) == value
    np.testing.assert_array_equal(ar.int_to_bits(6, 4), [0, 1, 1, 0])  # least significant first


def test_addition_matches_python_integers_for_long_numbers():
    for n_bits in (1, 5, 300):
        x, y = ar.addition_sequences(20, n_bits, rng=n_bits)
        assert x.shape == (n_bits + 1, 20, 2) and y.shape == (n_bits + 1, 20)
        assert x.dtype == np.float64 and y.dtype == np.float64
        np.testing.assert_array_equal(x[-1], 0.0)  # the final (0, 0) step
        for i in range(20):
            a = ar.bits_to_int(x[:n_bits, i, 0].astype(np.uint8))
            b = ar.bits_to_int(x[:n_bits, i, 1].astype(np.uint8))
            assert ar.bits_to_int(y[:, i].astype(np.uint8)) == a + b


def test_addition_is_seeded_and_dtype_is_respected():
    x1, y1 = ar.addition_sequences(5, 9, rng=3)
    x2, y2 = ar.addition_sequences(5, 9, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    x3, y3 = ar.addition_sequences(5, 9, rng=3, dtype=np.float32)
    assert x3.dtype == np.float32 and y3.dtype == np.float32


def test_addition_of_all_ones_carries_through():
    ones = np.ones((50, 1), dtype=np.uint8)
    s = ar.add_bits(ones, ones)  # (2**50 - 1) * 2 = 2**51 - 2
    assert ar.bits_to_int(s[:, 0]) == 2**51 - 2


def test_split_is_distinct_and_disjoint():
    for n_bits in (3, 12):  # enumerated (2N <= 20) and rejection-sampled (2N > 20)
        n_train = 40 if n_bits == 3 else 300
        (xtr, ytr), (xte, yte) = ar.addition_split(n_train, 20, n_bits, rng=1)
        assert xtr.shape == (n_bits + 1, n_train, 2) and xte.shape == (n_bits + 1, 20, 2)
        rows = np.concatenate([ar.addition_mlp_view(xtr, ytr)[0],
                               ar.addition_mlp_view(xte, yte)[0]])
        assert len({r.tobytes() for r in rows}) == n_train + 20
    with pytest.raises(ValueError, match="only 2\\*\\*4 = 16 exist"):
        ar.addition_split(10, 7, 2, rng=0)
    # every one of the 16 pairs of 2-bit numbers, once
    (x, y), _ = ar.addition_split(15, 1, 2, rng=0)
    assert x.shape == (3, 15, 2)


def test_mlp_view_of_addition():
    a = np.array([[1, 0, 1]]).T  # a = 5, as (N, B)
    b = np.array([[1, 1, 0]]).T  # b = 3
    x, y = ar.addition_from_bits(a, b)
    X, Y = ar.addition_mlp_view(x, y)
    np.testing.assert_array_equal(X, [[1, 1, 0, 1, 1, 0]])
    np.testing.assert_array_equal(Y, [[0, 0, 0, 1]])  # 8
    with pytest.raises(ValueError, match="x must have shape"):
        ar.addition_mlp_view(np.zeros((4, 2, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="y must have shape"):
        ar.addition_mlp_view(x, y[:-1])


def test_parity_running_and_final():
    x, y = ar.parity_sequences(30, 200, rng=2)
    assert x.shape == (200, 30, 1) and y.shape == (200, 30)
    np.testing.assert_array_equal(y[-1], x[:, :, 0].sum(axis=0) % 2)
    np.testing.assert_array_equal(y[5], x[:6, :, 0].sum(axis=0) % 2)
    X, Y = ar.parity_mlp_view(x, y)
    assert X.shape == (30, 200) and Y.shape == (30, 1)
    np.testing.assert_array_equal(Y[:, 0], y[-1])
    (xtr, _), (xte, _) = ar.parity_split(50, 14, 6, rng=0)  # all 64 strings of 6 bits
    rows = np.concatenate([xtr[:, :, 0].T, xte[:, :, 0].T])
    assert len({r.tobytes() for r in rows}) == 64
    with pytest.raises(ValueError, match="x must have shape"):
        ar.parity_mlp_view(np.zeros((4, 2, 2)), np.zeros((4, 2)))


def test_final_step_mask_scores_only_the_whole_string():
    mask = ar.final_step_mask(5, 3)
    assert mask.shape == (5, 3) and mask.dtype == bool
    np.testing.assert_array_equal(mask.sum(axis=0), 1)
    assert mask[-1].all()
    with pytest.raises(ValueError, match="T must be a positive integer"):
        ar.final_step_mask(0, 3)


def test_metrics():
    target = np.array([[0, 1, 1], [1, 1, 0]], dtype=float)  # (T=2, B=3)
    pred = np.array([[0, 1, 0], [1, 1, 0]], dtype=np.uint8)
    assert ar.bit_accuracy(pred, target) == pytest.approx(5 / 6)
    assert ar.exact_count(pred, target) == 2
    assert ar.sequence_accuracy(pred, target) == pytest.approx(2 / 3)
    assert ar.exact_count(pred.T, target.T, time_axis=1) == 2
    assert ar.sequence_accuracy(pred.T, target.T, time_axis=1) == pytest.approx(2 / 3)
    np.testing.assert_array_equal(ar.bits_from_logits(np.array([-1.0, 0.0, 2.0])), [0, 0, 1])


def test_bad_inputs():
    with pytest.raises(ValueError, match="n_bits must be a positive integer"):
        ar.addition_sequences(3, 0)
    with pytest.raises(TypeError, match="batch must be a positive integer"):
        ar.parity_sequences(2.5, 3)
    with pytest.raises(TypeError, match="rng must be"):
        ar.addition_sequences(3, 3, rng="seed")
    with pytest.raises(ValueError, match="value must be a non-negative integer"):
        ar.int_to_bits(-1, 4)
    with pytest.raises(ValueError, match="needs 5 bits"):
        ar.int_to_bits(16, 4)
    with pytest.raises(ValueError, match="bits must contain only 0s and 1s"):
        ar.bits_to_int(np.array([0, 2]))
    with pytest.raises(ValueError, match="bits must be 1-D"):
        ar.bits_to_int(np.zeros((2, 2), dtype=int))
    with pytest.raises(TypeError, match="a must be an array of 0/1 bits"):
        ar.add_bits(np.array(["1"]), np.array(["0"]))
    with pytest.raises(ValueError, match="same shape"):
        ar.add_bits(np.zeros(3, dtype=int), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="pred and target must have the same shape"):
        ar.bit_accuracy(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="must be 2-D"):
        ar.exact_count(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="time_axis must be 0 or 1"):
        ar.exact_count(np.zeros((2, 2)), np.zeros((2, 2)), time_axis=2)
    with pytest.raises(TypeError, match="logits must be a floating-point array, got dtype bool"):
        ar.bits_from_logits(np.array([True, False]))
    # as a student types them: a list of ints, an integer array
    np.testing.assert_array_equal(ar.bits_from_logits([1, 0, -2]), [1, 0, 0])
    np.testing.assert_array_equal(ar.bits_from_logits(np.array([3, -1])), [1, 0])
    with pytest.raises(ValueError, match=r"a and b must both have shape \(N, B\)"):
        ar.addition_from_bits(np.zeros((3, 2), int), np.zeros((3, 4), int))
    with pytest.raises(ValueError, match=r"bits must have shape \(N, B\), got \(3,\)"):
        ar.parity_from_bits(np.zeros(3, int))
    with pytest.raises(ValueError, match=r"x must have shape \(N, B, 1\), got \(3, 2\)"):
        ar.parity_mlp_view(np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"y must have shape \(3, 2\) to match x"):
        ar.parity_mlp_view(np.zeros((3, 2, 1)), np.zeros((2, 3)))
