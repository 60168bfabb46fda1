"""Tests of rnnlib.flow: Jacobians d s_T / d s_t from the backward walk, against
finite differences of the forward recurrence, against the explicit vanilla product
diag(f'(z)) W_hh ..., and the LSTM's forget-gate product (constant error carousel)."""

import numpy as np
import pytest

from rnnlib import cells, flow, layers
from rnnlib.gradcheck import check_gradients, relative_error

T, D, H = 7, 3, 4


def make_cell(kind, seed=0, **kw):
    if kind == "rnn_tanh":
        return cells.RNNCell(D, H, activation="tanh", rng=seed, **kw)
    if kind == "rnn_relu":
        return cells.RNNCell(D, H, activation="relu", rng=seed, **kw)
    if kind == "lstm":
        return cells.LSTMCell(D, H, rng=seed, **kw)
    if kind == "gru":
        return cells.GRUCell(D, H, rng=seed, **kw)
    if kind == "gru_lecture":
        return cells.GRUCell(D, H, variant="lecture", rng=seed, **kw)
    if kind == "lstm_peephole":
        return cells.LSTMCell(D, H, peephole="diagonal", rng=seed, **kw)
    raise ValueError(kind)


def scale_weights(cell, factor):
    """Larger weights so that the Jacobians are far from trivial."""
    for v in cell.params.values():
        v *= factor
    return cell


def run_from(cell, xs, state, t):
    """The state after running the recurrence over xs[t:] from ``state`` (batch of one)."""
    st = tuple(s[None] for s in state) if isinstance(state, tuple) else state[None]
    for x_k in xs[t:]:
        st, _ = cell.forward(x_k[None], st)
    return tuple(s[0] for s in st) if isinstance(st, tuple) else st[0]


def states_along(cell, xs, s0):
    """[s_0, ..., s_T] for one sequence."""
    out = [s0]
    for t in range(len(xs)):
        out.append(run_from(cell, xs[t:t + 1], out[-1], 0))
    return out


def fd_jacobians(cell, xs, s0, eps=1e-6):
    """d s_T / d s_t by centred differences: perturb s_t, run the recurrence from t.
    Returns a list over t of the full (n, n) Jacobian (state parts concatenated)."""
    states = states_along(cell, xs, s0)
    tup = isinstance(s0, tuple)

    def flat(s):
        return np.concatenate(s) if tup else s

    def unflat(v):
        return (v[:H], v[H:]) if tup else v

    jac = []
    for t in range(len(xs) + 1):
        base = flat(states[t])
        cols = []
        for j in range(base.size):
            e = np.zeros_like(base)
            e[j] = eps
            plus = flat(run_from(cell, xs, unflat(base + e), t))
            minus = flat(run_from(cell, xs, unflat(base - e), t))
            cols.append((plus - minus) / (2 * eps))
        jac.append(np.stack(cols, axis=1))
    return jac


def full_blocks(fl):
    """The flow's Jacobians as full (T+1, n, n) matrices."""
    j = fl.jacobians
    if "cc" not in j:
        return j["hh"]
    top = np.concatenate([j["hh"], j["hc"]], axis=2)
    bottom = np.concatenate([j["ch"], j["cc"]], axis=2)
    return np.concatenate([top, bottom], axis=1)


def initial_state(kind, rng):
    h0 = rng.standard_normal(H) * 0.5
    return (h0, rng.standard_normal(H) * 0.5) if kind.startswith("lstm") else h0


@pytest.mark.parametrize("kind", ["rnn_tanh", "rnn_relu", "lstm", "gru", "gru_lecture",
                                  "lstm_peephole"])
def test_jacobians_match_finite_differences(kind):
    rng = np.random.default_rng(1)
    cell = scale_weights(make_cell(kind), 2.0)
    xs = rng.standard_normal((T, D))
    s0 = initial_state(kind, rng)
    fl = flow.gradient_flow(cell, xs, s0)
    ours = full_blocks(fl)
    ref = np.stack(fd_jacobians(cell, xs, s0))
    assert ours.shape == ref.shape
    err = np.max(np.abs(ours - ref)) / max(np.max(np.abs(ref)), 1e-12)
    assert err < 1e-7, err
    # And the norms are the norms of those matrices.
    np.testing.assert_allclose(fl.h_norms, [np.linalg.norm(m[:H, :H], 2) for m in ref],
                               rtol=1e-6)
    if kind.startswith("lstm"):
        np.testing.assert_allclose(fl.c_norms, [np.linalg.norm(m[H:, H:], 2) for m in ref],
                                   rtol=1e-6)
    else:
        assert fl.c_norms is None


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_vector_jacobian_products_pass_gradcheck(kind):
    """w^T J(T, t) is the gradient of L = w . s_T with respect to s_t (rnnlib.gradcheck)."""
    rng = np.random.default_rng(13)
    cell = scale_weights(make_cell(kind), 2.0)
    xs = rng.standard_normal((T, D))
    s0 = initial_state(kind, rng)
    full = full_blocks(flow.gradient_flow(cell, xs, s0))
    w = rng.standard_normal(full.shape[1])
    states = states_along(cell, xs, s0)
    lstm = kind == "lstm"
    for t in (0, 3, T - 1):
        st = np.concatenate(states[t]) if lstm else states[t].copy()

        def loss(st=st, t=t):
            s = (st[:H], st[H:]) if lstm else st
            fin = run_from(cell, xs, s, t)
            return float(w @ (np.concatenate(fin) if lstm else fin))

        errors = check_gradients(loss, {"s_t": st}, {"s_t": w @ full[t]})
        assert errors["s_t"] < 1e-7, (t, errors)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_vanilla_matches_explicit_product(activation):
    rng = np.random.default_rng(2)
    cell = scale_weights(cells.RNNCell(D, H, activation=activation, rng=3), 3.0)
    xs = rng.standard_normal((T, D))
    h0 = rng.standard_normal(H)
    p = cell.params
    explicit = flow.vanilla_jacobians(p["weight_ih"], p["weight_hh"],
                                      p["bias_ih"] + p["bias_hh"], xs, h0, activation)
    fl = flow.gradient_flow(cell, xs, h0)
    np.testing.assert_allclose(fl.jacobians["hh"], explicit, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fl.h_norms, flow.matrix_norms(explicit), rtol=1e-12)
    assert fl.h_norms[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_vanilla_states_match_the_rnn_layer(activation):
    rng = np.random.default_rng(4)
    layer = layers.RNN(D, H, nonlinearity=activation, rng=5)
    xs, h0 = rng.standard_normal((T, D)), rng.standard_normal(H)
    p = layer.params
    hs = flow.vanilla_states(p["weight_ih_l0"], p["weight_hh_l0"],
                             p["bias_ih_l0"] + p["bias_hh_l0"], xs, h0, activation)
    outputs, final = layer.forward(xs[:, None], h0[None, None])
    assert hs.shape == (T + 1, H)
    np.testing.assert_array_equal(hs[0], h0)
    np.testing.assert_allclose(hs[1:], outputs[:, 0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hs[-1], final[0, 0], rtol=1e-12, atol=1e-14)


def test_vanilla_states_default_h0_is_zero():
    w_ih, w_hh = np.ones((H, D)), np.zeros((H, H))
    hs = flow.vanilla_states(w_ih, w_hh, np.zeros(H), np.zeros((2, D)))
    np.testing.assert_array_equal(hs, np.zeros((3, H)))
    hs = flow.vanilla_states(w_ih, w_hh, np.zeros(H), np.ones((1, D)), activation="identity")
    np.testing.assert_array_equal(hs[1], np.full(H, float(D)))


def test_vanilla_product_is_bounded_by_singular_value_power():
    """||d h_T/d h_t||_2 <= (gamma sigma_max(W_hh))^(T-t) for tanh (gamma = 1), claim C16."""
    rng = np.random.default_rng(4)
    w_hh = rng.standard_normal((H, H))
    w_hh *= 0.9 / np.linalg.norm(w_hh, 2)
    jac = flow.vanilla_jacobians(rng.standard_normal((H, D)), w_hh, np.zeros(H),
                                 rng.standard_normal((20, D)))
    norms = flow.matrix_norms(jac)
    bound = 0.9 ** (20 - np.arange(21))
    assert np.all(norms <= bound * (1 + 1e-12))
    assert norms[0] < 0.9 ** 20 * 1.0001


def test_frobenius_and_spectral_norms():
    rng = np.random.default_rng(5)
    mats = rng.standard_normal((3, 4, 4))
    np.testing.assert_allclose(flow.matrix_norms(mats, "fro"),
                               [np.linalg.norm(m, "fro") for m in mats])
    np.testing.assert_allclose(flow.matrix_norms(mats, "spectral"),
                               [np.linalg.norm(m, 2) for m in mats])
    cell = make_cell("rnn_tanh")
    xs = rng.standard_normal((T, D))
    fl = flow.gradient_flow(cell, xs, norm="fro")
    assert fl.norm == "fro"
    np.testing.assert_allclose(fl.h_norms, flow.matrix_norms(fl.jacobians["hh"], "fro"))
    np.testing.assert_array_equal(fl.steps, np.arange(T + 1))


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_model_grads_left_unchanged(kind):
    rng = np.random.default_rng(6)
    cell = make_cell(kind)
    for g in cell.grads.values():
        g[...] = rng.standard_normal(g.shape)
    before = {k: v.copy() for k, v in cell.grads.items()}
    ids = {k: id(v) for k, v in cell.grads.items()}
    flow.gradient_flow(cell, rng.standard_normal((T, D)))
    for k, v in cell.grads.items():
        np.testing.assert_array_equal(v, before[k])
        assert id(v) == ids[k]


def test_lstm_forget_gate_product_is_the_carousel_when_w_hh_is_zero():
    rng = np.random.default_rng(7)
    cell = scale_weights(make_cell("lstm"), 3.0)
    cell.params["weight_hh"][...] = 0.0
    xs = rng.standard_normal((T, D))
    s0 = (rng.standard_normal(H), rng.standard_normal(H))
    prod = flow.forget_gate_product(cell, xs, s0)
    assert prod.shape == (T + 1, H)
    np.testing.assert_array_equal(prod[-1], np.ones(H))
    fl = flow.gradient_flow(cell, xs, s0)
    np.testing.assert_allclose(fl.jacobians["cc"], np.stack([np.diag(p) for p in prod]),
                               rtol=1e-12, atol=1e-15)
    # With W_hh = 0 the state h never feeds back: d C_T / d h_t = 0 for t < T.
    np.testing.assert_array_equal(fl.jacobians["ch"][:-1], 0.0)


def test_lstm_carousel_is_only_part_of_the_flow_with_recurrent_weights():
    """With W_hh != 0 the paths through h add to d C_T / d C_t: the product alone is not it."""
    rng = np.random.default_rng(8)
    cell = scale_weights(make_cell("lstm"), 3.0)
    xs = rng.standard_normal((T, D))
    prod = flow.forget_gate_product(cell, xs)
    cc = flow.gradient_flow(cell, xs).jacobians["cc"]
    off = np.max(np.abs(cc[0] - np.diag(prod[0])))
    assert off > 1e-3
    # The last step is always exactly the carousel: d C_T / d C_{T-1} = diag(f_T).
    np.testing.assert_allclose(cc[T - 1], np.diag(prod[T - 1]), rtol=1e-12)


def test_forget_gates_in_unit_interval_and_match_one_step_jacobian():
    rng = np.random.default_rng(9)
    cell = make_cell("lstm")
    xs = rng.standard_normal((T, D))
    gates = flow.forget_gates(cell, xs)
    assert gates.shape == (T, H)
    assert np.all((gates > 0) & (gates < 1))
    states = states_along(cell, xs, (np.zeros(H), np.zeros(H)))
    for k in range(T):  # one step: d C_{k+1} / d C_k (h_k fixed) = diag(f_{k+1})
        fl = flow.gradient_flow(cell, xs[k:k + 1], states[k])
        np.testing.assert_allclose(fl.jacobians["cc"][0], np.diag(gates[k]), rtol=1e-12)


@pytest.mark.parametrize("peephole", ["diagonal", "full"])
def test_forget_gates_with_peepholes_match_cell_internals(peephole):
    rng = np.random.default_rng(12)
    cell = scale_weights(cells.LSTMCell(D, H, peephole=peephole, rng=1), 2.0)
    xs = rng.standard_normal((T, D))
    s0 = (rng.standard_normal(H), rng.standard_normal(H))
    gates = flow.forget_gates(cell, xs, s0)
    st, caches = (s0[0][None], s0[1][None]), []
    for x_k in xs:
        st, cache = cell.forward(x_k[None], st)
        caches.append(cache[1])
    np.testing.assert_allclose(gates, cell.internals(caches)["forget"][:, 0], rtol=1e-12)
    # The peephole matters: without it the gates differ.
    assert np.max(np.abs(gates - flow.forget_gates(
        _without_peephole(cell), xs, s0))) > 1e-3


def _without_peephole(cell):
    plain = cells.LSTMCell(D, H, rng=0)
    for k in plain.params:
        plain.params[k][...] = cell.params[k]
    return plain


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_float32_flow_agrees_with_float64(kind):
    cell = make_cell(kind, dtype=np.float32)
    ref = make_cell(kind)
    for k in ref.params:
        ref.params[k][...] = cell.params[k]
    xs = np.random.default_rng(4).standard_normal((T, D))
    fl = flow.gradient_flow(cell, xs.astype(np.float32))
    fl64 = flow.gradient_flow(ref, xs)
    assert fl.jacobians["hh"].dtype == np.float32 and fl.h_norms.shape == (T + 1,)
    for name, jac in fl64.jacobians.items():
        assert relative_error(fl.jacobians[name], jac) < 1e-5


def make_layer(kind, seed=0, **kw):
    if kind.startswith("rnn"):
        return layers.RNN(D, H, nonlinearity=kind[4:], rng=seed, **kw)
    return getattr(layers, kind.upper())(D, H, rng=seed, **kw)


@pytest.mark.parametrize("kind", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_layer_flow_matches_finite_differences_of_layer_forward(kind):
    """d s_T / d s_t from the layer, against the layer's own forward: the state at step t
    (the final state of x[:t]) is perturbed and the layer is run over x[t:] from it."""
    rng = np.random.default_rng(10)
    layer = make_layer(kind)
    for v in layer.params.values():
        v *= 2.0
    xs = rng.standard_normal((T, 1, D))
    lstm = kind == "lstm"
    s0 = tuple(rng.standard_normal((1, 1, H)) for _ in range(2 if lstm else 1))
    fl = flow.gradient_flow(layer, xs, s0 if lstm else s0[0])
    ours = full_blocks(fl)
    eps = 1e-6
    for t in range(T):
        init = s0 if lstm else s0[0]
        st = init if t == 0 else layer.forward(xs[:t], init)[1]
        base = np.concatenate([p.ravel() for p in (st if lstm else (st,))])
        ref = np.empty((base.size, base.size))
        for j in range(base.size):
            finals = []
            for sign in (1, -1):
                v = base.copy()
                v[j] += sign * eps
                parts = tuple(v[k * H:(k + 1) * H].reshape(1, 1, H)
                              for k in range(len(s0)))
                fin = layer.forward(xs[t:], parts if lstm else parts[0])[1]
                finals.append(np.concatenate([p.ravel() for p in (fin if lstm else (fin,))]))
            ref[:, j] = (finals[0] - finals[1]) / (2 * eps)
        err = np.max(np.abs(ours[t] - ref)) / max(np.max(np.abs(ref)), 1e-12)
        assert err < 1e-7, (t, err)


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_layer_and_its_cell_give_the_same_flow(kind):
    rng = np.random.default_rng(11)
    layer = make_layer(kind)
    xs = rng.standard_normal((T, D))
    a = flow.gradient_flow(layer, xs)
    b = flow.gradient_flow(layer.cells[0, 0], xs)
    np.testing.assert_array_equal(a.h_norms, b.h_norms)
    before = {k: v.copy() for k, v in layer.grads.items()}
    flow.gradient_flow(layer, xs)
    for k, v in layer.grads.items():
        np.testing.assert_array_equal(v, before[k])


STACKED = ["rnn_tanh", "lstm", "gru"]


def stacked(kind, seed=12):
    layer = make_layer(kind, seed, num_layers=2, bidirectional=True)
    for v in layer.params.values():
        v *= 2.0
    return layer


def stacked_inputs(kind, seed=13):
    rng = np.random.default_rng(seed)
    xs = rng.standard_normal((T, D))
    s0 = tuple(rng.standard_normal((4, 1, H)) for _ in range(2 if kind == "lstm" else 1))
    return xs, (s0 if kind == "lstm" else s0[0])


@pytest.mark.parametrize("kind", STACKED)
@pytest.mark.parametrize("layer_index, direction", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_stacked_bidirectional_flow_is_its_cells_flow_on_its_own_input(kind, layer_index,
                                                                        direction):
    """The cell of (layer, direction) walked along what it gets in the layer's forward pass:
    taken here from the layer's own internals (outputs "h" of the layer below, in time
    order), reversed for the reverse direction."""
    layer = stacked(kind)
    xs, s0 = stacked_inputs(kind)
    layer.forward(xs[:, None], s0)
    inside = layer.internals
    cell_input = xs if layer_index == 0 else np.concatenate(
        [inside[0, d]["h"][:, 0] for d in (0, 1)], axis=1)
    if direction == 1:
        cell_input = cell_input[::-1]
    k = 2 * layer_index + direction
    cell_state = tuple(p[k, 0] for p in s0) if kind == "lstm" else s0[k, 0]
    ours = flow.gradient_flow(layer, xs, s0, layer=layer_index, direction=direction)
    ref = flow.gradient_flow(layer.cells[layer_index, direction], cell_input, cell_state)
    for name, jac in ref.jacobians.items():
        np.testing.assert_allclose(ours.jacobians[name], jac, rtol=0, atol=1e-12)
    assert ours.h_norms.shape == (T + 1,)


@pytest.mark.parametrize("kind", STACKED)
@pytest.mark.parametrize("layer_index, direction", [(1, 0), (1, 1)])
def test_stacked_flow_to_the_initial_state_matches_finite_differences(kind, layer_index,
                                                                       direction):
    """d s_T / d s_0 of one cell of a 2-layer bidirectional layer against the layer's own
    forward: perturb that cell's entry of the initial state, read its final state."""
    layer = stacked(kind)
    xs, s0 = stacked_inputs(kind)
    lstm = kind == "lstm"
    k = 2 * layer_index + direction
    ours = full_blocks(flow.gradient_flow(layer, xs, s0, layer=layer_index,
                                          direction=direction))[0]
    parts = s0 if lstm else (s0,)
    size = H * len(parts)
    ref = np.empty((size, size))
    eps = 1e-5
    for j in range(size):
        finals = []
        for sign in (1, -1):
            moved = [p.copy() for p in parts]
            moved[j // H][k, 0, j % H] += sign * eps
            fin = layer.forward(xs[:, None], tuple(moved) if lstm else moved[0])[1]
            fin = fin if lstm else (fin,)
            finals.append(np.concatenate([f[k, 0] for f in fin]))
        ref[:, j] = (finals[0] - finals[1]) / (2 * eps)
    err = relative_error(ours, ref)
    assert err < 1e-7, err


@pytest.mark.parametrize("layer_index, direction", [(0, 1), (1, 0), (1, 1)])
def test_stacked_forget_gates_are_the_layers_internals(layer_index, direction):
    layer = stacked("lstm")
    xs, s0 = stacked_inputs("lstm")
    layer.forward(xs[:, None], s0)
    ref = layer.internals[layer_index, direction]["forget"][:, 0]
    ref = ref if direction == 0 else ref[::-1]  # the processing order of that direction
    gates = flow.forget_gates(layer, xs, s0, layer=layer_index, direction=direction)
    np.testing.assert_allclose(gates, ref, rtol=0, atol=1e-14)
    prod = flow.forget_gate_product(layer, xs, s0, layer=layer_index, direction=direction)
    np.testing.assert_allclose(prod[0], np.prod(ref, axis=0), rtol=1e-13)


def test_stacked_flow_leaves_the_layer_as_it_was():
    layer = stacked("lstm")
    xs, s0 = stacked_inputs("lstm")
    out, _ = layer.forward(xs[:, None], s0)
    layer.backward(np.ones_like(out))
    grads = {k: v.copy() for k, v in layer.grads.items()}
    flow.gradient_flow(layer, xs, s0, layer=1, direction=1)
    for k, v in layer.grads.items():
        np.testing.assert_array_equal(v, grads[k])
    layer.backward(np.ones_like(out))  # the cached forward is still the one above
    for k, v in layer.grads.items():
        np.testing.assert_array_equal(v, grads[k])


# -- bad input ------------------------------------------------------------------------


def test_bad_norm():
    with pytest.raises(ValueError, match="norm must be one of"):
        flow.gradient_flow(make_cell("rnn_tanh"), np.zeros((T, D)), norm="nuclear")
    with pytest.raises(ValueError, match="norm must be one of"):
        flow.matrix_norms(np.eye(2), "max")


def test_bad_x():
    cell = make_cell("rnn_tanh")
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        flow.gradient_flow(cell, np.zeros((T, D), dtype=int))
    with pytest.raises(ValueError, match="x must be one sequence"):
        flow.gradient_flow(cell, np.zeros((T, 2, D)))
    with pytest.raises(ValueError, match="x must have shape"):
        flow.gradient_flow(cell, np.zeros((T, D + 1)))
    with pytest.raises(ValueError, match="NaN"):
        flow.gradient_flow(cell, np.full((T, D), np.nan))
    with pytest.raises(ValueError, match="at least one time step"):
        flow.gradient_flow(cell, np.zeros((0, D)))


def test_bad_state():
    cell = make_cell("rnn_tanh")
    with pytest.raises(ValueError, match=r"state\[0\] must have 1 dimensions"):
        flow.gradient_flow(cell, np.zeros((T, D)), np.zeros((2, H)))
    with pytest.raises(ValueError, match="state"):
        flow.gradient_flow(cell, np.zeros((T, D)), np.zeros(H + 1))


def test_layer_and_direction_out_of_range():
    with pytest.raises(ValueError, match=r"layer must be an integer in \[0, 1\].*got 2"):
        flow.gradient_flow(layers.RNN(D, H, num_layers=2), np.zeros((T, D)), layer=2)
    with pytest.raises(ValueError, match=r"direction must be an integer in \[0, 0\]"):
        flow.gradient_flow(layers.RNN(D, H, num_layers=2), np.zeros((T, D)), direction=1)
    with pytest.raises(TypeError, match="layer must be a non-negative integer, got float"):
        flow.gradient_flow(layers.RNN(D, H, num_layers=2), np.zeros((T, D)), layer=1.0)
    with pytest.raises(ValueError, match="direction must be a non-negative integer, got -1"):
        flow.gradient_flow(layers.RNN(D, H, bidirectional=True), np.zeros((T, D)), direction=-1)
    with pytest.raises(ValueError, match="model is a cell"):
        flow.gradient_flow(make_cell("rnn_tanh"), np.zeros((T, D)), layer=1)
    with pytest.raises(ValueError, match=r"state\[0\] must have shape \(4, 4\)"):
        flow.gradient_flow(layers.RNN(D, H, num_layers=2, bidirectional=True),
                           np.zeros((T, D)), np.zeros((2, 1, H)))
    with pytest.raises(TypeError, match=r"state must be \(h0, c0\)"):
        flow.gradient_flow(layers.LSTM(D, H, num_layers=2), np.zeros((T, D)), np.zeros((2, H)))


def test_not_a_model_rejected():
    with pytest.raises(TypeError, match="model must be a recurrent cell"):
        flow.gradient_flow(np.eye(H), np.zeros((T, D)))



def test_a_cell_without_hidden_size_needs_an_explicit_state():
    class Bare:  # the cell protocol, but no hidden_size
        params, grads = {"w": np.zeros(1)}, {"w": np.zeros(1)}

        def forward(self, x, state):
            return state, None

        def backward(self, d, cache):
            return None, d

    with pytest.raises(TypeError, match="Bare has no hidden_size; pass state explicitly"):
        flow.gradient_flow(Bare(), np.zeros((T, D)))
    fl = flow.gradient_flow(Bare(), np.zeros((T, D)), np.zeros(2))  # identity map
    np.testing.assert_allclose(fl.h_norms, np.ones(T + 1))


def test_forget_gates_need_an_lstm():
    with pytest.raises(TypeError, match="need an LSTM"):
        flow.forget_gate_product(make_cell("rnn_tanh"), np.zeros((T, D)))


def test_bad_vanilla_arguments():
    with pytest.raises(ValueError, match=r"weight_hh must be square \(H, H\), got shape \(4, 3\)"):
        flow.vanilla_states(np.zeros((H, D)), np.zeros((H, H - 1)), np.zeros(H),
                            np.zeros((T, D)))
    with pytest.raises(ValueError, match="h0 must have shape"):
        flow.vanilla_states(np.zeros((H, D)), np.zeros((H, H)), np.zeros(H),
                            np.zeros((T, D)), np.zeros(H + 1))
    with pytest.raises(ValueError, match="x must have shape"):
        flow.vanilla_states(np.zeros((H, D)), np.zeros((H, H)), np.zeros(H),
                            np.zeros((T, D + 1)))
    with pytest.raises(ValueError, match="weight_ih must have shape"):
        flow.vanilla_jacobians(np.zeros((H + 1, D)), np.zeros((H, H)), np.zeros(H),
                               np.zeros((T, D)))
    with pytest.raises(ValueError, match="unknown activation"):
        flow.vanilla_jacobians(np.zeros((H, D)), np.zeros((H, H)), np.zeros(H),
                               np.zeros((T, D)), activation="swish")
