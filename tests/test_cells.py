"""Recurrent cells: gradient checks of every parameter, the input and the state, and input
validation."""

import re

import numpy as np
import pytest

from rnnlib.cells import GRUCell, LSTMCell, RNNCell
from rnnlib.gradcheck import check_gradients

B, D, H = 3, 4, 3
TOL = 1e-7


def _random_state(cell, rng):
    parts = [rng.normal(size=(B, H)) for _ in range(cell.state_parts)]
    return parts[0] if cell.state_parts == 1 else tuple(parts)


def _as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def _gradcheck_cell(cell, seed=0):
    """Loss = sum(h' * R) (+ sum(c' * Rc)); check every parameter, x and the state."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(B, D))
    state = _random_state(cell, rng)
    weights = [rng.normal(size=(B, H)) for _ in range(cell.state_parts)]

    def loss():
        new, _ = cell.forward(x, state)
        return sum(np.sum(s * w) for s, w in zip(_as_tuple(new), weights, strict=True))

    cell.zero_grad()
    _, cache = cell.forward(x, state)
    d_new = weights[0] if cell.state_parts == 1 else tuple(weights)
    dx, d_state = cell.backward(d_new, cache)
    arrays = dict(cell.params, x=x)
    analytic = dict(cell.grads, x=dx)
    for k, (s, ds) in enumerate(zip(_as_tuple(state), _as_tuple(d_state), strict=True)):
        arrays[f"state{k}"] = s
        analytic[f"state{k}"] = ds
    errors = check_gradients(loss, arrays, analytic)
    assert max(errors.values()) < TOL, errors
    return errors


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "elu", "identity"])
def test_rnn_cell_gradcheck(activation):
    errors = _gradcheck_cell(RNNCell(D, H, activation=activation, rng=1))
    assert set(errors) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "x", "state0"}


def test_rnn_cell_forward_equation():
    cell = RNNCell(D, H, activation="tanh", rng=2)
    rng = np.random.default_rng(3)
    x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    p = cell.params
    expected = np.tanh(x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"])
    new, _ = cell.forward(x, h)
    np.testing.assert_allclose(new, expected, rtol=1e-12, atol=1e-14)


def test_rnn_cell_init_pytorch_range_and_seed():
    a, b = RNNCell(D, 16, rng=5), RNNCell(D, 16, rng=5)
    for name, value in a.params.items():
        assert np.all(np.abs(value) <= 1 / np.sqrt(16)), name
        np.testing.assert_array_equal(value, b.params[name])
    assert a.params["weight_ih"].shape == (16, D)
    assert a.params["weight_hh"].shape == (16, 16)
    assert a.params["bias_ih"].shape == a.params["bias_hh"].shape == (16,)


def test_cell_backward_adds_and_zero_grad_resets():
    cell = RNNCell(D, H, rng=0)
    rng = np.random.default_rng(0)
    x, h, dh = (rng.normal(size=(B, n)) for n in (D, H, H))
    cell.zero_grad()
    _, cache = cell.forward(x, h)
    cell.backward(dh, cache)
    once = {k: v.copy() for k, v in cell.grads.items()}
    grads_before = {k: id(v) for k, v in cell.grads.items()}
    cell.backward(dh, cache)
    for k in once:
        np.testing.assert_allclose(cell.grads[k], 2 * once[k], rtol=1e-12)
    cell.zero_grad()
    assert all(not np.any(v) for v in cell.grads.values())
    assert {k: id(v) for k, v in cell.grads.items()} == grads_before


def test_cell_none_state_is_zeros():
    cell = RNNCell(D, H, rng=0)
    x = np.random.default_rng(0).normal(size=(B, D))
    a, _ = cell.forward(x, None)
    b, _ = cell.forward(x, np.zeros((B, H)))
    np.testing.assert_array_equal(a, b)


def test_cell_float32_stays_float32():
    cell = RNNCell(D, H, rng=0, dtype=np.float32)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, D)).astype(np.float32)
    h, cache = cell.forward(x, None)
    dx, dh = cell.backward(np.ones((B, H), np.float32), cache)
    assert h.dtype == dx.dtype == dh.dtype == np.float32
    assert all(v.dtype == np.float32 for v in cell.params.values())
    assert all(v.dtype == np.float32 for v in cell.grads.values())


@pytest.mark.parametrize("make", [lambda: RNNCell(D, H, rng=0),
                                  lambda: LSTMCell(D, H, peephole="full", rng=0),
                                  lambda: GRUCell(D, H, variant="lecture", rng=0)])
def test_cell_bad_inputs(make):
    cell = make()
    x = np.zeros((B, D))
    with pytest.raises(ValueError, match=r"x must have 2 dimensions"):
        cell.forward(np.zeros((1, B, D)))
    with pytest.raises(ValueError, match=r"x must have shape \('any', 4\), got \(3, 5\)"):
        cell.forward(np.zeros((B, D + 1)))
    with pytest.raises(TypeError, match=r"x must be a floating-point array, got dtype int\d+ "
                       r"\(cast with x.astype\(float\)\)"):
        cell.forward(np.zeros((B, D), dtype=int))
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        bad = x.copy()
        bad[0, 0] = np.nan
        cell.forward(bad)
    with pytest.raises(ValueError, match="x contains 1 NaN or infinite"):
        bad = x.copy()
        bad[1, 1] = np.inf
        cell.forward(bad)
    with pytest.raises((ValueError, TypeError), match="state"):
        cell.forward(x, np.zeros((B + 1, H)) if cell.state_parts == 1 else
                     (np.zeros((B, H)), np.zeros((B, H + 1))))
    _, cache = cell.forward(x)
    with pytest.raises((ValueError, TypeError), match="d_new_state"):
        cell.backward(np.zeros((B, H + 1)), cache)


def test_cell_bad_constructor_arguments():
    with pytest.raises(ValueError, match="unknown activation 'softsign'"):
        RNNCell(D, H, activation="softsign")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        RNNCell(D, 0)
    with pytest.raises(TypeError, match="input_size must be a positive integer"):
        RNNCell(2.5, H)
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype"):
        RNNCell(D, H, dtype=np.int32)
    with pytest.raises(TypeError, match="rng must be an int seed"):
        RNNCell(D, H, rng="seed")


def test_rnn_cell_state_must_be_single_array():
    cell = RNNCell(D, H, rng=0)
    with pytest.raises(TypeError, match="state must be one array h"):
        cell.forward(np.zeros((B, D)), (np.zeros((B, H)), np.zeros((B, H))))


LSTM_PARAMS = {None: set(), "diagonal": {"peephole_i", "peephole_f", "peephole_o"},
               "full": {"weight_ic", "weight_fc", "weight_oc"}}


@pytest.mark.parametrize("peephole", [None, "diagonal", "full"])
def test_lstm_cell_gradcheck(peephole):
    errors = _gradcheck_cell(LSTMCell(D, H, peephole=peephole, forget_bias=1.0, rng=1))
    assert set(errors) == ({"weight_ih", "weight_hh", "bias_ih", "bias_hh", "x", "state0",
                            "state1"} | LSTM_PARAMS[peephole])


def _lstm_reference(cell, x, h, c):
    """The lecture's forward equations written out gate by gate, with the lecture's names."""
    p, Hn = cell.params, cell.hidden_size

    def sig(v):
        return 1 / (1 + np.exp(-v))

    def W(gate_index):  # the rows of gate k in the stacked matrices
        rows = slice(gate_index * Hn, (gate_index + 1) * Hn)
        return (x @ p["weight_ih"][rows].T + p["bias_ih"][rows] + h @ p["weight_hh"][rows].T
                + p["bias_hh"][rows])

    def peep(g, C):
        if cell.peephole == "diagonal":
            return p[f"peephole_{g}"] * C
        if cell.peephole == "full":
            return C @ p[f"weight_{g}c"].T
        return 0.0

    i_t = sig(W(0) + peep("i", c))
    f_t = sig(W(1) + peep("f", c))
    C_tilde = np.tanh(W(2))
    C_t = f_t * c + i_t * C_tilde
    o_t = sig(W(3) + peep("o", C_t))
    h_t = o_t * np.tanh(C_t)
    return h_t, C_t


@pytest.mark.parametrize("peephole", [None, "diagonal", "full"])
def test_lstm_cell_forward_equations(peephole):
    cell = LSTMCell(D, H, peephole=peephole, rng=4)
    rng = np.random.default_rng(5)
    x, h, c = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    (h1, c1), _ = cell.forward(x, (h, c))
    h_ref, c_ref = _lstm_reference(cell, x, h, c)
    np.testing.assert_allclose(h1, h_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c1, c_ref, rtol=1e-12, atol=1e-14)


def test_lstm_cell_param_shapes_and_forget_bias():
    a = LSTMCell(D, H, peephole="diagonal", rng=3)
    b = LSTMCell(D, H, peephole="diagonal", forget_bias=1.0, rng=3)
    shapes = {k: v.shape for k, v in a.params.items()}
    assert shapes == {"weight_ih": (4 * H, D), "weight_hh": (4 * H, H), "bias_ih": (4 * H,),
                      "bias_hh": (4 * H,), "peephole_i": (H,), "peephole_f": (H,),
                      "peephole_o": (H,)}
    diff = b.params["bias_ih"] - a.params["bias_ih"]
    np.testing.assert_allclose(diff[H:2 * H], 1.0)
    assert not np.any(diff[:H]) and not np.any(diff[2 * H:])
    full = LSTMCell(D, H, peephole="full")
    assert {full.params[k].shape for k in ("weight_ic", "weight_fc", "weight_oc")} == {(H, H)}


def test_lstm_cell_bad_arguments():
    with pytest.raises(ValueError, match="unknown peephole 'diag'"):
        LSTMCell(D, H, peephole="diag")
    with pytest.raises(ValueError, match="forget_bias must be finite"):
        LSTMCell(D, H, forget_bias=np.inf)
    cell = LSTMCell(D, H)
    with pytest.raises(TypeError, match=r"state must be a tuple \(h, c\)"):
        cell.forward(np.zeros((B, D)), np.zeros((B, H)))
    with pytest.raises(ValueError, match=r"state\[1\] must have shape"):
        cell.forward(np.zeros((B, D)), (np.zeros((B, H)), np.zeros((B + 1, H))))


@pytest.mark.parametrize("variant", ["pytorch", "lecture"])
def test_gru_cell_gradcheck(variant):
    errors = _gradcheck_cell(GRUCell(D, H, variant=variant, rng=1))
    names = ({"weight_ih", "weight_hh", "bias_ih", "bias_hh"} if variant == "pytorch"
             else {"weight_x", "weight_h", "bias"})
    assert set(errors) == {"x", "state0"} | names


def _sig(v):
    return 1 / (1 + np.exp(-v))


def test_gru_cell_pytorch_equations():
    cell = GRUCell(D, H, rng=6)
    rng = np.random.default_rng(7)
    x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    p = cell.params
    Wi = np.split(p["weight_ih"], 3)
    Wh = np.split(p["weight_hh"], 3)
    bi, bh = np.split(p["bias_ih"], 3), np.split(p["bias_hh"], 3)
    r = _sig(x @ Wi[0].T + bi[0] + h @ Wh[0].T + bh[0])
    z = _sig(x @ Wi[1].T + bi[1] + h @ Wh[1].T + bh[1])
    n = np.tanh(x @ Wi[2].T + bi[2] + r * (h @ Wh[2].T + bh[2]))
    new, _ = cell.forward(x, h)
    np.testing.assert_allclose(new, (1 - z) * n + z * h, rtol=1e-12, atol=1e-14)


def test_gru_cell_lecture_equations():
    """The lecture's slide: W . [h, x] with W = [weight_h | weight_x] row blocks z, r, h~."""
    cell = GRUCell(D, H, variant="lecture", rng=8)
    rng = np.random.default_rng(9)
    x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    p = cell.params
    W_z, W_r, W = np.split(np.concatenate([p["weight_h"], p["weight_x"]], axis=1), 3)
    b_z, b_r, b = np.split(p["bias"], 3)
    z_t = _sig(np.concatenate([h, x], axis=1) @ W_z.T + b_z)
    r_t = _sig(np.concatenate([h, x], axis=1) @ W_r.T + b_r)
    h_tilde = np.tanh(np.concatenate([r_t * h, x], axis=1) @ W.T + b)
    new, _ = cell.forward(x, h)
    np.testing.assert_allclose(new, (1 - z_t) * h + z_t * h_tilde, rtol=1e-12, atol=1e-14)
    assert set(p) == set(cell.grads) == {"weight_x", "weight_h", "bias"}
    assert p["weight_x"].shape == (3 * H, D) and p["weight_h"].shape == (3 * H, H)
    assert p["bias"].shape == (3 * H,)


def test_gru_cell_bad_variant():
    with pytest.raises(ValueError, match="unknown GRU variant 'keras'"):
        GRUCell(D, H, variant="keras")


@pytest.mark.parametrize("variant", ["pytorch", "lecture"])
def test_gru_update_bias_shifts_the_update_gate_only(variant):
    a = GRUCell(D, H, variant=variant, rng=3)
    b = GRUCell(D, H, variant=variant, update_bias=2.0, rng=3)
    name, rows = ("bias_ih", slice(H, 2 * H)) if variant == "pytorch" else ("bias", slice(0, H))
    diff = b.params[name] - a.params[name]
    np.testing.assert_allclose(diff[rows], 2.0)
    assert np.count_nonzero(diff) == H
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params if k != name)
    x = np.random.default_rng(0).normal(size=(B, D))
    _, cache_a = a.forward(x)
    _, cache_b = b.forward(x)
    update_a = a.internals([cache_a[1]])["update"]
    update_b = b.internals([cache_b[1]])["update"]
    assert np.all(update_b > update_a)  # sigma(z + 2) > sigma(z)
    assert b.update_bias == 2.0 and "update_bias=2" in repr(b)
    _gradcheck_cell(b)
    with pytest.raises(ValueError, match="update_bias must be finite"):
        GRUCell(D, H, update_bias=np.nan)


@pytest.mark.parametrize("peephole", [None, "diagonal", "full"])
def test_lstm_peephole_term(peephole):
    cell = LSTMCell(D, H, peephole=peephole, rng=2)
    c = np.random.default_rng(1).normal(size=(B, H))
    for gate in "ifo":
        expected = {None: np.zeros((B, H)),
                    "diagonal": cell.params.get(f"peephole_{gate}", 0) * c,
                    "full": c @ cell.params.get(f"weight_{gate}c", np.zeros((H, H))).T}
        np.testing.assert_allclose(cell.peephole_term(gate, c), expected[peephole], rtol=1e-15)
    with pytest.raises(ValueError, match="gate must be 'i', 'f' or 'o'"):
        cell.peephole_term("c", c)


CELLS = [lambda **k: RNNCell(D, H, rng=0, **k),
         lambda **k: LSTMCell(D, H, peephole="full", rng=0, **k),
         lambda **k: GRUCell(D, H, rng=0, **k),
         lambda **k: GRUCell(D, H, variant="lecture", rng=0, **k)]


@pytest.mark.parametrize("make", CELLS)
def test_cell_inference_mode_keeps_no_cache(make):
    cell = make()
    x = np.random.default_rng(0).normal(size=(B, D))
    with_cache, cache = cell.forward(x)
    without, none = cell.forward(x, cache=False)
    assert cache is not None and none is None
    for a, b in zip(_as_tuple(with_cache), _as_tuple(without), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(RuntimeError, match="cache=False"):
        cell.backward(with_cache, none)


@pytest.mark.parametrize("make", CELLS)
def test_every_cell_float32_end_to_end(make):
    cell = make(dtype=np.float32)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, D)).astype(np.float32)
    state, cache = cell.forward(x)
    dx, d_state = cell.backward(state, cache)
    arrays = [dx, *_as_tuple(state), *_as_tuple(d_state), *cell.grads.values()]
    assert all(a.dtype == np.float32 for a in arrays)
    assert any(np.any(g) for g in cell.grads.values())


@pytest.mark.parametrize("make", CELLS)
def test_cell_nan_state_rejected(make):
    cell = make()
    bad = np.zeros((B, H))
    bad[1, 2] = np.nan
    state = bad if cell.state_parts == 1 else (np.zeros((B, H)), bad)
    with pytest.raises(ValueError, match=r"state(\[1\])? contains 1 NaN or infinite"):
        cell.forward(np.zeros((B, D)), state)


@pytest.mark.parametrize("cls, blocks", [(RNNCell, 1), (GRUCell, 3), (LSTMCell, 4)])
def test_a_cell_too_large_for_memory_refuses_before_allocating(cls, blocks):
    # LSTMCell(3, 10**9) would need 4e18 weights: refused at once, not by NumPy's MemoryError
    need = 2 * 8 * blocks * 10**9 * (3 + 10**9) / 2**30
    expected = (rf"{cls.__name__}\(3, 1000000000\) would need at least "
                + re.escape(f"{need:.3g}") + " GiB: .* more than max_param_bytes = 2 GiB")
    with pytest.raises(ValueError, match=expected):
        cls(3, 10**9)
    with pytest.raises(ValueError, match=rf"{cls.__name__}\(1000000000, 3\) would need"):
        cls(10**9, 3)
    n = blocks * H * (D + H)  # the limit is configurable per cell
    assert cls(D, H, max_param_bytes=2 * 8 * n).params
    with pytest.raises(ValueError, match=f"{n:,} weights of 8 bytes"):
        cls(D, H, max_param_bytes=2 * 8 * n - 1)
    with pytest.raises(ValueError, match="max_param_bytes must be a positive finite number"):
        cls(D, H, max_param_bytes=-1)


@pytest.mark.parametrize("cls", [RNNCell, GRUCell, LSTMCell])
def test_cell_seed_cache_and_batch_size_get_clear_errors(cls):
    with pytest.raises(ValueError, match="rng must be a non-negative int seed .* got -1"):
        cls(D, H, rng=-1)
    with pytest.raises(TypeError, match="rng must be an int seed .* got float"):
        cls(D, H, rng=1.5)
    cell = cls(D, H, rng=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        cell.init_state(0)
    with pytest.raises(TypeError, match="batch_size must be a positive integer"):
        cell.init_state(2.0)
    state, cache = cell.forward(np.zeros((B, D)))
    with pytest.raises(TypeError, match="cache must be the cache returned by this cell's forward"
                       r" \(a tuple \(x, step cache\)\), got dict"):
        cell.backward(state, {"x": 1})
    dx, _ = cell.backward(state, cache)  # the real cache still works
    assert dx.shape == (B, D)
