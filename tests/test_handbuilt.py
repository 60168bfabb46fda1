import numpy as np
import pytest

from rnnlib import handbuilt as hb
from rnnlib.layers import RNN
from rnnlib.tasks import arithmetic as ar


def _bits(model, x):
    return ar.bits_from_logits(model.forward(x)[..., 0])


def test_adder_is_an_rnnlib_relu_rnn_with_dense_readout():
    model = hb.adder()
    assert isinstance(model.recurrent, RNN)
    assert model.recurrent.activation.name == "relu"
    assert model.recurrent.hidden_size == 3
    np.testing.assert_array_equal(model.params["rnn.weight_hh_l0"], [[0, 1, -1]] * 3)


def test_adder_exact_on_every_pair_of_4_bit_numbers():
    a = np.repeat(np.arange(16), 16)
    b = np.tile(np.arange(16), 16)
    abits = np.stack([ar.int_to_bits(int(v), 4) for v in a], axis=1)
    bbits = np.stack([ar.int_to_bits(int(v), 4) for v in b], axis=1)
    x, y = ar.addition_from_bits(abits, bbits)
    logits = hb.adder().forward(x)[..., 0]
    assert ar.exact_count(ar.bits_from_logits(logits), y) == 256
    np.testing.assert_array_equal(np.abs(logits), 5.0)  # +-scale/2: a margin, exactly


def test_adder_exact_on_3000_bit_numbers_against_python_integers():
    rng = np.random.default_rng(0)
    n_bits = 3000
    x, y = ar.addition_sequences(8, n_bits, rng=rng)
    pred = _bits(hb.adder(), x)
    assert ar.exact_count(pred, y) == 8
    for i in range(8):
        a = ar.bits_to_int(x[:n_bits, i, 0].astype(np.uint8))
        b = ar.bits_to_int(x[:n_bits, i, 1].astype(np.uint8))
        assert ar.bits_to_int(pred[:, i]) == a + b


def test_adder_carries_through_a_long_chain():
    # (2**1000 - 1) + 1 = 2**1000: one carry rippling through 1000 positions
    a = ar.int_to_bits(2**1000 - 1, 1000)[:, None]
    b = ar.int_to_bits(1, 1000)[:, None]
    x, _ = ar.addition_from_bits(a, b)
    assert ar.bits_to_int(_bits(hb.adder(), x)[:, 0]) == 2**1000


def test_parity_exact_on_5000_bits_with_integer_states():
    x, y = ar.parity_sequences(16, 5000, rng=1)
    model = hb.parity()
    assert ar.exact_count(_bits(model, x), y) == 16
    h = hb.hidden_states(model, x)
    assert h.shape == (5000, 16, 2)
    np.testing.assert_array_equal(h, np.round(h))  # small integers: no drift at all
    assert h.min() == 0 and h.max() == 2


def test_scale_and_dtype():
    x, y = ar.parity_sequences(4, 50, rng=2)
    logits = hb.parity(scale=3.0, dtype=np.float32).forward(x.astype(np.float32))
    assert logits.dtype == np.float32
    np.testing.assert_array_equal(np.abs(logits), 1.5)
    assert ar.exact_count(ar.bits_from_logits(logits[..., 0]), y) == 4
    with pytest.raises(ValueError, match="scale must be a positive finite number"):
        hb.adder(scale=0.0)
    with pytest.raises(ValueError, match="scale must be a positive finite number"):
        hb.parity(scale=np.inf)


def test_parity_mlp_is_exact_on_every_string_and_grows_with_n():
    for n in (1, 2, 7, 10):
        rows = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(float)
        logits = hb.parity_mlp(n).forward(rows)[:, 0]
        np.testing.assert_array_equal(ar.bits_from_logits(logits), rows.sum(axis=1) % 2)
        np.testing.assert_array_equal(np.abs(logits), 5.0)
    assert sum(p.size for p in hb.parity_mlp(10).params.values()) == 10 * 10 + 2 * 10 + 1


def test_parity_mlp_takes_only_its_own_input_size():
    with pytest.raises(ValueError, match="must have shape"):
        hb.parity_mlp(10).forward(np.zeros((3, 11)))
    with pytest.raises(ValueError, match="n_bits must be a positive integer"):
        hb.parity_mlp(0)
    with pytest.raises(ValueError, match="scale must be a positive finite number"):
        hb.parity_mlp(4, scale=-1.0)
