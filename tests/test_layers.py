"""Sequence layers: BPTT gradient checks (full, truncated, multi-layer, bidirectional,
variable lengths, given initial state and final-state gradient), semantics of lengths and
state layout, float32, parameter sharing, state_dict, internals and input validation."""

import numpy as np
import pytest

from rnnlib.gradcheck import check_gradients, relative_error
from rnnlib.layers import GRU, LSTM, RNN

T, B, D, H = 5, 3, 4, 3
TOL = 1e-7

# name -> constructor(input, hidden, num_layers, **kw)
KINDS = {
    "rnn_tanh": lambda *a, **k: RNN(*a, **k),
    "rnn_relu": lambda *a, **k: RNN(*a, nonlinearity="relu", **k),
    "lstm": lambda *a, **k: LSTM(*a, **k),
    "lstm_diagonal": lambda *a, **k: LSTM(*a, peephole="diagonal", forget_bias=1.0, **k),
    "lstm_full": lambda *a, **k: LSTM(*a, peephole="full", **k),
    "gru": lambda *a, **k: GRU(*a, **k),
    "gru_lecture": lambda *a, **k: GRU(*a, variant="lecture", **k),
}
ALL = list(KINDS)


def weight_names(kind):
    """(input weight, recurrent weight) names: PyTorch's, or the lecture GRU's own."""
    return ("weight_x", "weight_h") if kind == "gru_lecture" else ("weight_ih", "weight_hh")


def make(kind, num_layers=1, bidirectional=False, **kw):
    kw.setdefault("rng", 0)
    return KINDS[kind](D, H, num_layers, bidirectional=bidirectional, **kw)


def parts(state):
    return state if isinstance(state, tuple) else (state,)


def pack(layer, arrays):
    return arrays[0] if layer.state_parts == 1 else tuple(arrays)


def random_state(layer, rng, batch=B):
    shape = (layer.num_layers * layer.num_directions, batch, H)
    return pack(layer, [rng.normal(size=shape) for _ in range(layer.state_parts)])


def gradcheck_layer(layer, lengths=None, with_state=True, with_d_final=True, seed=0):
    """Loss = sum(outputs * R) + sum(final_state * S); check params, x, initial state."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, B, D))
    state = random_state(layer, rng) if with_state else None
    R = rng.normal(size=(T, B, H * layer.num_directions))
    S = random_state(layer, rng) if with_d_final else None

    def loss():
        out, final = layer.forward(x, state, lengths)
        value = np.sum(out * R)
        if S is not None:
            value += sum(np.sum(f * s) for f, s in zip(parts(final), parts(S), strict=True))
        return value

    loss()
    dx, d_state = layer.backward(R, S)
    arrays = dict(layer.params, x=x)
    analytic = dict(layer.grads, x=dx)
    if with_state:
        for k, (s, ds) in enumerate(zip(parts(state), parts(d_state), strict=True)):
            arrays[f"state{k}"], analytic[f"state{k}"] = s, ds
    errors = check_gradients(loss, arrays, analytic)
    assert max(errors.values()) < TOL, errors
    return errors


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, False), (1, True),
                                                       (2, True)])
def test_gradcheck_layers(kind, num_layers, bidirectional):
    layer = make(kind, num_layers, bidirectional)
    errors = gradcheck_layer(layer)
    suffixes = ["_l0", "_l1"][:num_layers]
    if bidirectional:
        suffixes += [s + "_reverse" for s in suffixes]
    assert {weight_names(kind)[0] + s for s in suffixes} <= set(errors)


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_gradcheck_variable_lengths(kind, bidirectional):
    gradcheck_layer(make(kind, 2, bidirectional), lengths=np.array([2, 5, 3]))


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("with_state, with_d_final", [(False, False), (True, False),
                                                      (False, True)])
def test_gradcheck_state_options(kind, with_state, with_d_final):
    gradcheck_layer(make(kind, 1, True), with_state=with_state, with_d_final=with_d_final)


def truncated_loss_factory(layer, x, state, R, S, k):
    """The truncated objective written directly with the cells (unidirectional layers):
    in each layer, output t is computed by running steps t-k+1 .. t from the state entering
    step t-k+1 held CONSTANT (its value in a forward with the parameters as they are when
    this function is called), or from the live initial state when t-k+1 <= 0; the final
    state is output T-1's. Layer l > 0 reads layer l-1's (truncated, live) outputs."""
    L = layer.num_layers
    init = [tuple(p[l] for p in parts(state)) for l in range(L)]

    def run(cell, inputs, start, stop, s):
        for u in range(start, stop):
            s, _ = cell.forward(inputs[u], pack(layer, list(s)))
            s = parts(s)
        return s

    frozen = []  # frozen[l][u]: copy of the state entering step u of layer l
    inputs = x
    for l in range(L):
        cell, states, outs = layer.cells[l, 0], [init[l]], []
        for u in range(T):
            states.append(tuple(p.copy() for p in run(cell, inputs, u, u + 1, states[-1])))
            outs.append(states[-1][0])
        frozen.append(states)
        inputs = np.stack(outs)

    def loss():
        value, inputs = 0.0, x
        for l in range(L):
            cell, outs = layer.cells[l, 0], []
            for t in range(T):
                start = max(0, t - k + 1)
                s = run(cell, inputs, start, t + 1, init[l] if start == 0 else frozen[l][start])
                outs.append(s[0])
            value += sum(np.sum(a * b[l]) for a, b in zip(s, parts(S), strict=True))
            inputs = np.stack(outs)
        return value + np.sum(inputs * R)

    return loss


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("k, num_layers", [(1, 1), (2, 1), (3, 1), (2, 2)])
def test_truncated_bptt_matches_truncated_objective(kind, k, num_layers):
    layer = make(kind, num_layers)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(T, B, D))
    state = random_state(layer, rng)
    R = rng.normal(size=(T, B, H))
    S = random_state(layer, rng)
    layer.forward(x, state)
    dx, d_state = layer.backward(R, S, truncate=k)
    loss = truncated_loss_factory(layer, x, state, R, S, k)
    arrays = dict(layer.params, x=x)
    analytic = dict(layer.grads, x=dx)
    for j, (s, ds) in enumerate(zip(parts(state), parts(d_state), strict=True)):
        arrays[f"state{j}"], analytic[f"state{j}"] = s, ds
    errors = check_gradients(loss, arrays, analytic)
    assert max(errors.values()) < TOL, errors
    # and it really differs from full BPTT
    full = make(kind, num_layers)
    full.forward(x, state)
    full.backward(R, S)
    w_hh = weight_names(kind)[1] + "_l0"
    assert not np.allclose(full.grads[w_hh], layer.grads[w_hh])


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_truncated_reverse_direction_is_truncated_bptt_on_the_reversed_sequence(kind, k):
    """The reverse direction of a bidirectional layer, under truncation, against a one-way
    layer with its weights run on x reversed in time (whose truncated gradient is checked
    against the truncated objective above): the same parameter gradients, dx and
    d(initial state). Only the reverse half of the outputs and state gets a gradient."""
    bi = make(kind, 1, True)
    one_way = make(kind, 1, False)
    one_way.load_state_dict({name[:-len("_reverse")]: v for name, v in bi.params.items()
                             if name.endswith("_reverse")})
    rng = np.random.default_rng(21)
    x = rng.normal(size=(T, B, D))
    state = random_state(bi, rng)
    R = rng.normal(size=(T, B, 2 * H))
    R[..., :H] = 0  # no gradient into the forward direction
    S = [rng.normal(size=(2, B, H)) for _ in range(bi.state_parts)]
    for s in S:
        s[0] = 0
    bi.forward(x, state)
    dx, d_state = bi.backward(R, pack(bi, S), truncate=k)
    one_way.forward(x[::-1], pack(one_way, [p[1:] for p in parts(state)]))
    dx_ref, d_state_ref = one_way.backward(R[::-1, :, H:], pack(one_way, [s[1:] for s in S]),
                                           truncate=k)
    for name, g in one_way.grads.items():
        np.testing.assert_allclose(bi.grads[name + "_reverse"], g, rtol=1e-12, atol=1e-14)
        assert not np.any(bi.grads[name])  # the forward direction got nothing
    np.testing.assert_allclose(dx, dx_ref[::-1], rtol=1e-12, atol=1e-14)
    for d, d_ref in zip(parts(d_state), parts(d_state_ref), strict=True):
        np.testing.assert_allclose(d[1:], d_ref, rtol=1e-12, atol=1e-14)
        assert not np.any(d[0])


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm_diagonal", "gru_lecture"])
def test_truncated_with_lengths_counts_each_sequence_own_steps(kind):
    """Truncated BPTT on a padded bidirectional batch = the sum of truncated BPTT on each
    sequence run alone, unpadded (so truncation counts a sequence's own steps, also in the
    reverse direction and for the final state)."""
    layer = make(kind, 2, True)
    rng = np.random.default_rng(11)
    x = rng.normal(size=(T, B, D))
    state = random_state(layer, rng)
    lengths = np.array([3, 5, 2])
    R = rng.normal(size=(T, B, 2 * H))
    S = random_state(layer, rng)
    layer.forward(x, state, lengths)
    dx, d_state = layer.backward(R, S, truncate=2)
    total = {name: np.zeros_like(g) for name, g in layer.grads.items()}
    for b, n in enumerate(lengths):
        alone = [p[:, b:b + 1] for p in parts(state)]
        layer.forward(x[:n, b:b + 1], pack(layer, alone))
        dx_b, ds_b = layer.backward(R[:n, b:b + 1], pack(layer, [p[:, b:b + 1]
                                                                 for p in parts(S)]), truncate=2)
        for name, g in layer.grads.items():
            total[name] += g
        np.testing.assert_allclose(dx[:n, b:b + 1], dx_b, rtol=1e-10, atol=1e-12)
        assert not np.any(dx[n:, b])
        for d, d_b in zip(parts(d_state), parts(ds_b), strict=True):
            np.testing.assert_allclose(d[:, b:b + 1], d_b, rtol=1e-10, atol=1e-12)
    layer.forward(x, state, lengths)
    layer.backward(R, S, truncate=2)
    for name, g in layer.grads.items():
        np.testing.assert_allclose(g, total[name], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ALL)
def test_truncate_at_least_T_is_full_bptt(kind):
    layer = make(kind, 2, True)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(T, B, D))
    d_out = rng.normal(size=(T, B, 2 * H))
    layer.forward(x)
    dx_full, _ = layer.backward(d_out)
    full = {k: v.copy() for k, v in layer.grads.items()}
    dx_trunc, _ = layer.backward(d_out, truncate=T)
    np.testing.assert_allclose(dx_trunc, dx_full, rtol=1e-12, atol=1e-14)
    for name in full:
        np.testing.assert_allclose(layer.grads[name], full[name], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_lengths_mean_packed_sequences(kind, num_layers):
    """Each padded sequence gives the same outputs and final state as when run alone,
    unpadded; outputs past its end are zero (PyTorch's pack_padded_sequence semantics)."""
    layer = make(kind, num_layers, True)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(T, B, D))
    state = random_state(layer, rng)
    lengths = np.array([2, 5, 1])
    out, final = layer.forward(x, state, lengths)
    for b, n in enumerate(lengths):
        alone_state = pack(layer, [p[:, b:b + 1] for p in parts(state)])
        out_b, final_b = layer.forward(x[:n, b:b + 1], alone_state)
        np.testing.assert_allclose(out[:n, b:b + 1], out_b, rtol=1e-12, atol=1e-14)
        assert not np.any(out[n:, b])
        for f, fb in zip(parts(final), parts(final_b), strict=True):
            np.testing.assert_allclose(f[:, b:b + 1], fb, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ALL)
def test_lengths_all_full_equals_no_lengths(kind):
    """lengths = T for every sequence means no padding: forward takes the unpadded path (the
    lengths become None), and the padded path (masks, per-sequence reversal), run here
    directly with those lengths, gives the same outputs and final states."""
    layer = make(kind, 2, True)
    x = np.random.default_rng(0).normal(size=(T, B, D))
    a, final_a = layer.forward(x)
    assert layer._check_lengths([T] * B, T, B) is None
    init = layer._check_states("state", None, B)
    b, final_b, _ = layer._forward(x, init, np.full(B, T), keep=False)
    np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-15)
    for f_a, f_b in zip(parts(final_a), final_b, strict=True):
        np.testing.assert_allclose(f_b, f_a, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("kind", ALL)
def test_final_state_layout_as_pytorch(kind):
    """h_n[layer * dirs + d]: forward direction's state after t = T-1, the reverse
    direction's after t = 0; the top layer's equal the corresponding output halves."""
    layer = make(kind, 2, True)
    x = np.random.default_rng(0).normal(size=(T, B, D))
    out, final = layer.forward(x)
    h_n = parts(final)[0]
    assert h_n.shape == (4, B, H)
    np.testing.assert_array_equal(h_n[2], out[-1, :, :H])
    np.testing.assert_array_equal(h_n[3], out[0, :, H:])
    internals = layer.internals
    np.testing.assert_array_equal(h_n[0], internals[0, 0]["h"][-1])
    np.testing.assert_array_equal(h_n[1], internals[0, 1]["h"][0])


@pytest.mark.parametrize("kind", ALL)
def test_reverse_direction_is_forward_on_reversed_input(kind):
    layer = make(kind, 1, True)
    x = np.random.default_rng(0).normal(size=(T, B, D))
    out, _ = layer.forward(x)
    single = make(kind, 1, False)
    single.load_state_dict({k.replace("_reverse", ""): v for k, v in layer.params.items()
                            if k.endswith("_reverse")})
    out_rev, _ = single.forward(x[::-1])
    np.testing.assert_allclose(out[:, :, H:], out_rev[::-1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ALL)
def test_float32_end_to_end(kind):
    layer = make(kind, 2, True, dtype=np.float32)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, B, D)).astype(np.float32)
    state = pack(layer, [p.astype(np.float32) for p in parts(random_state(layer, rng))])
    out, final = layer.forward(x, state, lengths=[3, 5, 1])
    dx, d_state = layer.backward(np.ones_like(out), final)
    arrays = [out, dx, *parts(final), *parts(d_state), *layer.params.values(),
              *layer.grads.values(), *[v for d in layer.internals.values() for v in d.values()]]
    assert all(a.dtype == np.float32 for a in arrays)
    # and it agrees with float64 to float32 accuracy
    ref = make(kind, 2, True)
    ref.load_state_dict({k: v.astype(np.float64) for k, v in layer.params.items()})
    out64, _ = ref.forward(x.astype(np.float64), pack(ref, [p.astype(np.float64)
                                                            for p in parts(state)]), [3, 5, 1])
    np.testing.assert_allclose(out, out64, rtol=1e-4, atol=1e-5)
    # ... and so does the backward: every gradient, dx and d(initial state)
    final64 = pack(ref, [f.astype(np.float64) for f in parts(final)])
    dx64, d_state64 = ref.backward(np.ones_like(out64), final64)
    pairs = [(dx, dx64), *zip(parts(d_state), parts(d_state64), strict=True),
             *((layer.grads[k], ref.grads[k]) for k in ref.grads)]
    for g32, g64 in pairs:
        assert relative_error(g32, g64) < 1e-4


@pytest.mark.parametrize("kind", ALL)
def test_backward_overwrites_grads(kind):
    layer = make(kind, 2, True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, B, D))
    d_out = rng.normal(size=(T, B, 2 * H))
    layer.forward(x)
    layer.backward(d_out)
    first = {k: v.copy() for k, v in layer.grads.items()}
    layer.backward(d_out)
    for k in first:
        np.testing.assert_allclose(layer.grads[k], first[k], rtol=1e-12, atol=1e-15)
    layer.zero_grad()
    assert all(not np.any(v) for v in layer.grads.values())


@pytest.mark.parametrize("kind", ALL)
def test_params_are_the_cells_arrays(kind):
    """An optimiser updating params[name] in place updates the model."""
    layer = make(kind, 2, True)
    x = np.random.default_rng(0).normal(size=(T, B, D))
    before, _ = layer.forward(x)
    w_ih, w_hh = weight_names(kind)
    for name, cell_name, key in [(w_hh + "_l1_reverse", w_hh, (1, 1)),
                                 (w_ih + "_l0", w_ih, (0, 0))]:
        cell = layer.cells[key]
        assert layer.params[name] is cell.params[cell_name]
        assert layer.grads[name] is cell.grads[cell_name]
    layer.params[w_hh + "_l1_reverse"] -= 0.5
    after, _ = layer.forward(x)
    assert not np.allclose(after[:, :, H:], before[:, :, H:])
    np.testing.assert_array_equal(after[:, :, :H], before[:, :, :H])


@pytest.mark.parametrize("kind", ALL)
def test_state_dict_round_trip(kind):
    a, b = make(kind, 2, True, rng=1), make(kind, 2, True, rng=2)
    x = np.random.default_rng(0).normal(size=(T, B, D))
    sd = a.state_dict()
    assert all(sd[k] is not a.params[k] for k in sd)
    ids = {k: id(v) for k, v in b.params.items()}
    b.load_state_dict(sd)
    assert {k: id(v) for k, v in b.params.items()} == ids  # copied in place
    np.testing.assert_array_equal(a.forward(x)[0], b.forward(x)[0])
    w_ih = weight_names(kind)[0] + "_l0"
    sd[w_ih] += 1.0  # a copy: the model is unchanged
    assert not np.array_equal(sd[w_ih], a.params[w_ih])


def test_pytorch_parameter_names_and_shapes():
    layer = RNN(D, H, 2, bidirectional=True)
    expected = {}
    for layer_index, size in [(0, D), (1, 2 * H)]:
        for suffix in ("", "_reverse"):
            s = f"_l{layer_index}{suffix}"
            expected.update({"weight_ih" + s: (H, size), "weight_hh" + s: (H, H),
                             "bias_ih" + s: (H,), "bias_hh" + s: (H,)})
    assert {k: v.shape for k, v in layer.params.items()} == expected
    assert {k: v.shape for k, v in layer.grads.items()} == expected


def test_load_state_dict_errors():
    layer = RNN(D, H)
    sd = layer.state_dict()
    del sd["bias_hh_l0"]
    sd["bias_hh_l9"] = np.zeros(H)
    with pytest.raises(KeyError, match=r"missing \['bias_hh_l0'\], unexpected \['bias_hh_l9'\]"):
        layer.load_state_dict(sd)
    sd = layer.state_dict()
    sd["weight_hh_l0"] = np.zeros((H, H + 1))
    with pytest.raises(ValueError, match=r"state_dict\['weight_hh_l0'\] must have shape"):
        layer.load_state_dict(sd)
    sd["weight_hh_l0"] = np.zeros((H, H), dtype=int)
    with pytest.raises(TypeError, match="floating-point"):
        layer.load_state_dict(sd)
    before = layer.state_dict()
    sd = {k: v + 1 for k, v in before.items()}
    sd["weight_hh_l0"][1, 1] = np.nan  # checked before anything is copied
    with pytest.raises(ValueError, match=r"state_dict\['weight_hh_l0'\] contains 1 NaN"):
        layer.load_state_dict(sd)
    for k, v in before.items():
        np.testing.assert_array_equal(layer.params[k], v)


@pytest.mark.parametrize("kind", ALL)
def test_internals_shapes(kind):
    layer = make(kind, 2, True)
    x = np.random.default_rng(0).normal(size=(T, B, D))
    out, _ = layer.forward(x, lengths=[5, 2, 4])
    internals = layer.internals
    assert set(internals) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    for values in internals.values():
        assert "h" in values
        for v in values.values():
            assert v.shape == (T, B, H)
            assert not np.any(v[2:, 1])  # zero past the end of sequence 1
    np.testing.assert_array_equal(internals[1, 0]["h"], out[:, :, :H])
    np.testing.assert_array_equal(internals[1, 1]["h"], out[:, :, H:])


def test_rnn_internals_pre_activation():
    layer = RNN(D, H, nonlinearity="relu", rng=0)
    x = np.random.default_rng(0).normal(size=(T, B, D))
    layer.forward(x)
    v = layer.internals[0, 0]
    np.testing.assert_array_equal(v["h"], np.maximum(v["pre"], 0))


def test_rnn_activation_names():
    assert RNN(D, H).activation.name == "tanh"
    assert RNN(D, H, nonlinearity="relu").activation.name == "relu"
    assert RNN(D, H, activation="elu").activation.name == "elu"
    with pytest.raises(ValueError, match="not both"):
        RNN(D, H, nonlinearity="relu", activation="tanh")
    with pytest.raises(ValueError, match="unknown activation"):
        RNN(D, H, nonlinearity="softplus")


@pytest.mark.parametrize("kind", ALL)
def test_bad_inputs(kind):
    layer = make(kind, 2, True)
    x = np.zeros((T, B, D))
    with pytest.raises(ValueError, match=r"x must have 3 dimensions, got shape \(3, 4\)"):
        layer.forward(np.zeros((B, D)))
    with pytest.raises(ValueError, match=r"x must have shape \('any', 'any', 4\), got"):
        layer.forward(np.zeros((T, B, D + 1)))
    with pytest.raises(TypeError, match="x must be a floating-point array, got dtype int"):
        layer.forward(np.zeros((T, B, D), dtype=int))
    bad = x.copy()
    bad[2, 1, 0] = np.nan
    with pytest.raises(ValueError, match="x contains 1 NaN or infinite"):
        layer.forward(bad)
    bad[2, 1, 0] = -np.inf
    with pytest.raises(ValueError, match="x contains 1 NaN or infinite"):
        layer.forward(bad)
    if layer.state_parts == 1:  # RNN, GRU: the state is one array, not a tuple
        with pytest.raises(TypeError, match=r"state must be one array h of shape \(4, 3, 3\)"):
            layer.forward(x, (np.zeros((4, B, H)), np.zeros((4, B, H))))
        layer.forward(x)
        with pytest.raises(TypeError, match="d_final_state must be one array h"):
            layer.backward(np.zeros((T, B, 2 * H)), (np.zeros((4, B, H)),))
    wrong = pack(layer, [np.zeros((2, B, H))] * layer.state_parts)  # needs (4, B, H)
    with pytest.raises(ValueError, match=r"state.* must have shape \(4, 3, 3\), got \(2, 3, 3\)"):
        layer.forward(x, wrong)
    with pytest.raises(ValueError, match=r"lengths must have shape \(3,\)"):
        layer.forward(x, lengths=[5, 5])
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, T\] = \[1, 5\]"):
        layer.forward(x, lengths=[5, 6, 1])
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, T\]"):
        layer.forward(x, lengths=[0, 2, 1])
    with pytest.raises(TypeError, match="lengths must be integers"):
        layer.forward(x, lengths=[1.5, 2, 3])
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, T\] = \[1, 5\].*max inf"):
        layer.forward(x, lengths=[np.inf, 2, 3])  # checked before the cast to integers
    with pytest.raises(RuntimeError, match="before forward"):
        make(kind).backward(np.zeros((T, B, H)))
    with pytest.raises(RuntimeError, match="after a forward"):
        make(kind).internals  # noqa: B018
    layer.forward(x)
    with pytest.raises(ValueError, match=r"d_outputs must have shape \(5, 3, 6\)"):
        layer.backward(np.zeros((T, B, H)))
    with pytest.raises(ValueError, match="d_final_state.* must have shape"):
        layer.backward(np.zeros((T, B, 2 * H)), wrong)
    with pytest.raises(ValueError, match="truncate must be a positive integer, got 0"):
        layer.backward(np.zeros((T, B, 2 * H)), truncate=0)
    with pytest.raises(ValueError, match="num_layers must be a positive integer"):
        make(kind, 0)
    with pytest.raises(TypeError, match="bidirectional must be True or False"):
        make(kind, 1, "yes")


def test_lengths_any_order_accepted():
    layer = RNN(D, H, bidirectional=True)
    x = np.random.default_rng(0).normal(size=(T, B, D))
    out_a, fin_a = layer.forward(x, lengths=np.array([1, 5, 3]))
    perm = [1, 2, 0]
    out_b, fin_b = layer.forward(x[:, perm], lengths=np.array([5, 3, 1]))
    np.testing.assert_array_equal(out_a[:, perm], out_b)
    np.testing.assert_array_equal(fin_a[:, perm], fin_b)


def test_lstm_parameter_names_with_peepholes():
    diag = LSTM(D, H, 2, bidirectional=True, peephole="diagonal")
    full = LSTM(D, H, 1, peephole="full")
    for s in ("_l0", "_l1", "_l0_reverse", "_l1_reverse"):
        assert diag.params["weight_ih" + s].shape[0] == 4 * H
        for g in "ifo":
            assert diag.params[f"peephole_{g}{s}"].shape == (H,)
    assert {k for k in full.params if k.endswith("c_l0")} == {"weight_ic_l0", "weight_fc_l0",
                                                               "weight_oc_l0"}
    assert full.params["weight_oc_l0"].shape == (H, H)
    assert set(full.grads) == set(full.params)


def test_lstm_internals_consistent():
    layer = LSTM(D, H, 1, bidirectional=True, peephole="diagonal", rng=0)
    x = np.random.default_rng(0).normal(size=(T, B, D))
    out, (h_n, c_n) = layer.forward(x, lengths=[5, 3, 2])
    names = {"input", "forget", "cell", "output", "c", "h", "pre_input", "pre_forget",
             "pre_cell", "pre_output"}
    for (_, direction), v in layer.internals.items():
        assert set(v) == names
        np.testing.assert_allclose(v["h"], v["output"] * np.tanh(v["c"]), atol=1e-15)
        valid = np.arange(T)[:, None] < np.array([5, 3, 2])  # (T, B)
        np.testing.assert_allclose(v["forget"][valid], 1 / (1 + np.exp(-v["pre_forget"][valid])),
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(v["cell"][valid], np.tanh(v["pre_cell"][valid]), atol=1e-15)
        assert not np.any(v["forget"][~valid])
        np.testing.assert_array_equal(v["h"], out[..., direction * H:(direction + 1) * H])
    fwd = layer.internals[0, 0]
    np.testing.assert_array_equal(c_n[0], fwd["c"][[4, 2, 1], [0, 1, 2]])


@pytest.mark.parametrize("variant", ["pytorch", "lecture"])
def test_gru_parameter_names_and_internals(variant):
    layer = GRU(D, H, 2, bidirectional=True, variant=variant, rng=0)
    names = (("weight_ih", "weight_hh", "bias_ih", "bias_hh") if variant == "pytorch"
             else ("weight_x", "weight_h", "bias"))
    expected = {name + f"_l{k}{s}" for name in names
                for k in (0, 1) for s in ("", "_reverse")}
    assert set(layer.params) == set(layer.grads) == expected
    x = np.random.default_rng(0).normal(size=(T, B, D))
    out, h_n = layer.forward(x)
    v = layer.internals[1, 0]
    assert set(v) == {"reset", "update", "new", "h", "pre_reset", "pre_update", "pre_new"}
    z, n = v["update"], v["new"]
    h_prev = np.concatenate([h_n[2][None] * 0, v["h"][:-1]])  # zero initial state
    expected_h = (1 - z) * n + z * h_prev if variant == "pytorch" else (1 - z) * h_prev + z * n
    np.testing.assert_allclose(v["h"], expected_h, atol=1e-15)
    np.testing.assert_allclose(v["reset"], 1 / (1 + np.exp(-v["pre_reset"])), atol=1e-15)


def test_lecture_gru_refuses_pytorch_gru_weights():
    """The lecture GRU's weights have names of their own (other rows, other meaning), so a
    PyTorch-variant state_dict is rejected by key, and nothing is copied."""
    torch_gru = GRU(D, H, 2, variant="pytorch", rng=1)
    lecture = GRU(D, H, 2, variant="lecture", rng=0)
    before = lecture.state_dict()
    with pytest.raises(KeyError, match=r"missing \['bias_l0'.*'weight_x_l0'.*unexpected "
                                       r"\['bias_hh_l0'.*'weight_ih_l0'"):
        lecture.load_state_dict(torch_gru.state_dict())
    assert all(np.array_equal(lecture.params[k], v) for k, v in before.items())
    with pytest.raises(KeyError, match=r"missing \['bias_hh_l0'.*unexpected \['bias_l0'"):
        torch_gru.load_state_dict(before)
    # drawn first, like the PyTorch variant's weights (same seed: the same layer-0 values)
    same = GRU(D, H, 2, variant="pytorch", rng=0).params
    np.testing.assert_array_equal(lecture.params["weight_x_l0"], same["weight_ih_l0"])
    np.testing.assert_array_equal(lecture.params["weight_h_l0"], same["weight_hh_l0"])


def test_gru_bad_variant():
    with pytest.raises(ValueError, match="unknown GRU variant"):
        GRU(D, H, variant="cudnn")


def test_lstm_bad_peephole():
    with pytest.raises(ValueError, match="unknown peephole"):
        LSTM(D, H, peephole="partial")


def test_lstm_forget_bias_every_layer_and_direction():
    a = LSTM(D, H, 2, bidirectional=True, rng=4)
    b = LSTM(D, H, 2, bidirectional=True, forget_bias=1.0, rng=4)
    assert b.forget_bias == 1.0
    for name in a.params:
        diff = b.params[name] - a.params[name]
        if name.startswith("bias_ih"):
            np.testing.assert_allclose(diff[H:2 * H], 1.0)
            assert not np.any(diff[:H]) and not np.any(diff[2 * H:])
        else:
            assert not np.any(diff), name


def test_lstm_state_parts_may_be_none():
    layer = LSTM(D, H, 1, bidirectional=True, rng=0)
    rng = np.random.default_rng(0)
    x, h0 = rng.normal(size=(T, B, D)), rng.normal(size=(2, B, H))
    out_a, fin_a = layer.forward(x, (h0, None))
    out_b, fin_b = layer.forward(x, (h0, np.zeros((2, B, H))))
    np.testing.assert_array_equal(out_a, out_b)
    dx_a, (dh_a, dc_a) = layer.backward(np.ones_like(out_a), (None, np.ones((2, B, H))))
    dx_b, (dh_b, dc_b) = layer.backward(np.ones_like(out_a), (np.zeros((2, B, H)),
                                                              np.ones((2, B, H))))
    np.testing.assert_array_equal(dx_a, dx_b)
    np.testing.assert_array_equal(dc_a, dc_b)
    with pytest.raises(TypeError, match=r"state must be a tuple \(h, c\)"):
        layer.forward(x, h0)


@pytest.mark.parametrize("kind", ALL)
def test_inference_mode_same_outputs_no_backward_internals_recomputed(kind):
    layer = make(kind, 2, True)
    rng = np.random.default_rng(0)
    x, lengths = rng.normal(size=(T, B, D)), np.array([5, 2, 4])
    out, final = layer.forward(x, lengths=lengths)
    inside = layer.internals
    out_i, final_i = layer.forward(x, lengths=lengths, cache=False)
    np.testing.assert_array_equal(out_i, out)
    for a, b in zip(parts(final_i), parts(final), strict=True):
        np.testing.assert_array_equal(a, b)
    assert layer._cache["steps"] is None  # nothing per step is kept
    with pytest.raises(RuntimeError, match="cache=False"):
        layer.backward(np.zeros_like(out))
    again = layer.internals  # recomputed from the kept input
    assert again.keys() == inside.keys()
    for key in inside:
        for name in inside[key]:
            np.testing.assert_array_equal(again[key][name], inside[key][name])
    with pytest.raises(RuntimeError, match="cache=False"):  # internals did not enable backward
        layer.backward(np.zeros_like(out))
    layer.params[next(iter(layer.params))][0] += 1.0
    with pytest.raises(RuntimeError, match="parameters changed"):
        layer.internals  # noqa: B018
    layer.forward(x, lengths=lengths)
    layer.backward(np.ones_like(out))  # a cached forward makes backward possible again
    assert any(np.any(g) for g in layer.grads.values())


def test_inference_mode_memory_does_not_grow_with_the_steps():
    """forward(cache=False) keeps no per-step values and projects the input block by block:
    what it allocates at its peak and what stays allocated after it (the outputs aside)
    are small fractions of a training forward's; the outputs are the same."""
    import tracemalloc

    from rnnlib.layers._base import INFERENCE_BLOCK

    layer = LSTM(D, 16, bidirectional=True, rng=0)
    x = np.random.default_rng(0).normal(size=(400, 8, D))
    assert x.shape[0] > 3 * INFERENCE_BLOCK  # several blocks, the last one partial
    retained, peak, outputs = {}, {}, {}
    for cache in (True, False):
        layer._cache = None
        tracemalloc.start()
        outputs[cache], _ = layer.forward(x, lengths=[400, 150, 399, 1, 64, 65, 200, 400],
                                          cache=cache)
        out_bytes = outputs[cache].nbytes
        retained[cache], peak[cache] = tracemalloc.get_traced_memory()
        retained[cache] -= out_bytes
        tracemalloc.stop()
    # cached: 2 directions x 400 steps x (z, 4 gates, c, tanh c, h) x 8 x 16 float64 = 8 MB
    assert retained[True] > 6e6
    assert retained[False] < 0.02 * retained[True], retained
    # at its peak, inference holds little beyond arrays of the outputs' size (the two
    # directions' outputs, their concatenation, the masked copy); training holds 18 of them
    assert peak[False] < 5 * out_bytes < 0.3 * peak[True], (peak, out_bytes)
    np.testing.assert_allclose(outputs[False], outputs[True], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("variant", ["pytorch", "lecture"])
def test_gru_update_bias_every_layer_and_direction(variant):
    a = GRU(D, H, 2, bidirectional=True, variant=variant, rng=0)
    b = GRU(D, H, 2, bidirectional=True, variant=variant, update_bias=-1.5, rng=0)
    assert b.update_bias == -1.5
    rows = slice(H, 2 * H) if variant == "pytorch" else slice(0, H)
    names = [k for k in a.params if k.startswith("bias_ih" if variant == "pytorch" else "bias_l")]
    assert len(names) == 4
    for name in names:
        np.testing.assert_allclose((b.params[name] - a.params[name])[rows], -1.5)
    gradcheck_layer(b)


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_empty_sequence_or_batch_rejected(kind, bidirectional):
    layer = make(kind, 2, bidirectional)
    for cache in (True, False):
        with pytest.raises(ValueError, match=r"x must have at least one time step: shape "
                                             r"\(T, B, D\) with T >= 1, got \(0, 3, 4\)"):
            layer.forward(np.zeros((0, B, D)), cache=cache)
        with pytest.raises(ValueError, match=r"x must have at least one sequence: shape "
                                             r"\(T, B, D\) with B >= 1, got \(5, 0, 4\)"):
            layer.forward(np.zeros((T, 0, D)), cache=cache)
    with pytest.raises(ValueError, match="at least one time step"):
        layer.forward(np.zeros((0, 0, D)))


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_non_finite_state_and_gradients_rejected(kind):
    layer = make(kind)
    x = np.zeros((T, B, D))
    bad = np.zeros((1, B, H))
    bad[0, 2, 1] = np.inf
    state = bad if layer.state_parts == 1 else (np.zeros((1, B, H)), bad)
    with pytest.raises(ValueError, match=r"state(\[1\])? contains 1 NaN or infinite"):
        layer.forward(x, state)
    layer.forward(x)
    d_out = np.zeros((T, B, H))
    d_out[4, 0, 0] = np.nan
    with pytest.raises(ValueError, match="d_outputs contains 1 NaN or infinite"):
        layer.backward(d_out)
    with pytest.raises(ValueError, match=r"d_final_state(\[1\])? contains 1 NaN"):
        layer.backward(np.zeros((T, B, H)), state)
    with pytest.raises(TypeError, match="d_outputs must be a floating-point array"):
        layer.backward(np.zeros((T, B, H), dtype=int))


@pytest.mark.parametrize("layer, expected", [
    (RNN(2, 3), "RNN(2, 3, num_layers=1, bidirectional=False, nonlinearity='tanh', "
                "dtype=float64)"),
    (RNN(2, 3, num_layers=2, bidirectional=True, nonlinearity="relu", dtype=np.float32),
     "RNN(2, 3, num_layers=2, bidirectional=True, nonlinearity='relu', dtype=float32)"),
    (LSTM(2, 3), "LSTM(2, 3, num_layers=1, bidirectional=False, peephole=None, "
                 "forget_bias=0, dtype=float64)"),
    (LSTM(2, 3, peephole="diagonal", forget_bias=1.0),
     "LSTM(2, 3, num_layers=1, bidirectional=False, peephole='diagonal', forget_bias=1, "
     "dtype=float64)"),
    (GRU(2, 3), "GRU(2, 3, num_layers=1, bidirectional=False, variant='pytorch', "
                "update_bias=0, dtype=float64)"),
    (GRU(2, 3, variant="lecture", update_bias=-1.5),
     "GRU(2, 3, num_layers=1, bidirectional=False, variant='lecture', update_bias=-1.5, "
     "dtype=float64)"),
])
def test_repr_shows_the_layer_options(layer, expected):
    assert repr(layer) == expected



@pytest.mark.parametrize("kind", ALL)
def test_a_layer_too_large_for_memory_refuses_before_allocating(kind):
    new = KINDS[kind]
    name = type(make(kind)).__name__
    with pytest.raises(ValueError, match=rf"{name}\(3, 1000000000, num_layers=1, "
                       r"bidirectional=False\) would need at least .* GiB"):
        new(3, 10**9)
    with pytest.raises(ValueError, match=rf"{name}\(1000000000, 4, .* would need"):
        new(10**9, 4)
    # many small layers add up: the total is checked, before the first cell is made
    with pytest.raises(ValueError, match=r"num_layers=300, bidirectional=True\) would need"):
        new(3, 1000, 300, bidirectional=True)
    # the limit is configurable; the count is that of the input and recurrent weights
    small = new(3, 4, 2, bidirectional=True, max_param_bytes=10**6)
    n = sum(v.size for k, v in small.params.items() if k.split("_l")[0] in weight_names(kind))
    with pytest.raises(ValueError, match=f"{n:,} weights of 8 bytes"):
        new(3, 4, 2, bidirectional=True, max_param_bytes=2 * 8 * n - 1)
    assert new(3, 4, 2, bidirectional=True, max_param_bytes=2 * 8 * n).params
    with pytest.raises(ValueError, match="rng must be a non-negative int seed"):
        new(3, 4, rng=-1)
