"""Parity with PyTorch's nn.RNN / nn.LSTM / nn.GRU, in float64, to 1e-10.

The reference numbers come from ``tests/fixtures/torch_reference.npz``, written by
``tools/make_torch_fixtures.py`` (PyTorch is not needed to run these tests). For each case
the rnnlib layer gets PyTorch's weights through ``load_state_dict``, runs the same input
and initial state (and lengths, for the packed cases), and back-propagates the same
upstream gradients on the outputs and the final state. Outputs, final states and every
gradient (parameters, input, initial state) must agree to 1e-10.

If torch is importable, :func:`test_live_against_torch` also compares on fresh random
data, with weights going the other way (rnnlib's ``state_dict`` into torch).
"""

from pathlib import Path

import numpy as np
import pytest

from rnnlib import layers

FIXTURE = Path(__file__).parent / "fixtures" / "torch_reference.npz"
TOL = 1e-10


def _load():
    with np.load(FIXTURE, allow_pickle=False) as data:
        flat = {k: data[k] for k in data.files}
    cases = {}
    for key, value in flat.items():
        case, _, name = key.partition("/")
        if case != "meta":
            cases.setdefault(case, {})[name] = value
    return cases


CASES = _load()


def make_layer(mode, input_size, hidden_size, num_layers, bidirectional, **kw):
    """The rnnlib layer for a PyTorch mode name."""
    common = dict(num_layers=num_layers, bidirectional=bidirectional, **kw)
    if mode == "LSTM":
        return layers.LSTM(input_size, hidden_size, **common)
    if mode == "GRU":
        return layers.GRU(input_size, hidden_size, **common)
    nonlinearity = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}[mode]
    return layers.RNN(input_size, hidden_size, nonlinearity=nonlinearity, **common)


def param_names(case):
    return sorted(k for k in case if k.startswith(("weight_", "bias_")))


def build(case):
    layer = make_layer(str(case["mode"]), int(case["input_size"]), int(case["hidden_size"]),
                       int(case["num_layers"]), bool(case["bidirectional"]))
    layer.load_state_dict({k: case[k].copy() for k in param_names(case)})
    return layer


def is_lstm(case):
    return str(case["mode"]) == "LSTM"


def run_forward(layer, case):
    state = (case["h0"], case["c0"]) if is_lstm(case) else case["h0"]
    lengths = case.get("lengths")
    return layer.forward(case["x"].copy(), state, lengths=lengths)


def max_diffs(pairs):
    """name -> max |ours - torch| (inf if the shapes differ)."""
    out = {}
    for name, (ours, ref) in pairs.items():
        ours = np.asarray(ours)
        out[name] = (float(np.max(np.abs(ours - ref))) if ours.shape == ref.shape
                     else float("inf"))
    return out


def assert_close(pairs):
    diffs = max_diffs(pairs)
    bad = {k: v for k, v in diffs.items() if not v <= TOL}
    shapes = {k: (np.shape(pairs[k][0]), pairs[k][1].shape) for k in bad}
    assert not bad, f"max |rnnlib - torch| > {TOL}: {bad}; shapes (ours, torch): {shapes}"


def test_fixture_covers_every_layer_kind():
    expected = {f"{k}{v}" for k in ("rnn_tanh", "rnn_relu", "lstm", "gru") for v in ("", "_bi2")}
    expected |= {"lstm_bi2_len", "gru_bi2_len"}
    assert expected <= set(CASES)
    for name, case in CASES.items():
        assert case["output"].shape == case["d_output"].shape == case["grad/x"].shape[:2] + (
            int(case["hidden_size"]) * (2 if case["bidirectional"] else 1),), name


@pytest.mark.parametrize("name", sorted(CASES))
def test_state_dict_names_match_torch(name):
    case = CASES[name]
    layer = make_layer(str(case["mode"]), int(case["input_size"]), int(case["hidden_size"]),
                       int(case["num_layers"]), bool(case["bidirectional"]))
    sd = layer.state_dict()
    assert sorted(sd) == param_names(case)
    assert {k: v.shape for k, v in sd.items()} == {k: case[k].shape for k in param_names(case)}
    assert sorted(layer.params) == sorted(layer.grads) == param_names(case)


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_matches_torch(name):
    case = CASES[name]
    layer = build(case)
    outputs, final = run_forward(layer, case)
    pairs = {"output": (outputs, case["output"])}
    if is_lstm(case):
        assert isinstance(final, tuple) and len(final) == 2
        pairs["h_n"] = (final[0], case["h_n"])
        pairs["c_n"] = (final[1], case["c_n"])
    else:
        pairs["h_n"] = (final, case["h_n"])
    assert_close(pairs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_torch(name):
    case = CASES[name]
    layer = build(case)
    run_forward(layer, case)
    d_final = (case["d_h_n"], case["d_c_n"]) if is_lstm(case) else case["d_h_n"]
    dx, d_init = layer.backward(case["d_output"].copy(), d_final)
    pairs = {"x": (dx, case["grad/x"])}
    if is_lstm(case):
        pairs["h0"] = (d_init[0], case["grad/h0"])
        pairs["c0"] = (d_init[1], case["grad/c0"])
    else:
        pairs["h0"] = (d_init, case["grad/h0"])
    for p in param_names(case):
        pairs[p] = (layer.grads[p], case[f"grad/{p}"])
    assert_close(pairs)


def test_backward_overwrites_grads():
    """Two backward passes give the same grads (backward overwrites, never accumulates)."""
    case = CASES["lstm_bi2"]
    layer = build(case)
    d_final = (case["d_h_n"], case["d_c_n"])
    for _ in range(2):
        run_forward(layer, case)
        layer.backward(case["d_output"].copy(), d_final)
    assert_close({p: (layer.grads[p], case[f"grad/{p}"]) for p in param_names(case)})


@pytest.mark.parametrize("name", sorted(k for k in CASES if "lengths" in CASES[k]))
def test_packed_outputs_are_zero_past_each_length(name):
    case = CASES[name]
    outputs, _ = run_forward(build(case), case)
    for b, n in enumerate(case["lengths"]):
        assert np.all(np.asarray(outputs)[n:, b] == 0)


MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("num_layers, bidirectional, packed",
                         [(1, False, False), (2, True, False), (3, True, True)])
def test_live_against_torch(mode, num_layers, bidirectional, packed):
    """Fresh random data, rnnlib's own initial weights copied INTO torch."""
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    rng = np.random.default_rng(7)
    T, B, D, H = 7, 4, 3, 6
    dirs = 2 if bidirectional else 1
    layer = make_layer(mode, D, H, num_layers, bidirectional, rng=rng)
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, dtype=torch.float64)
    if mode == "LSTM":
        mod = torch.nn.LSTM(D, H, **kw)
    elif mode == "GRU":
        mod = torch.nn.GRU(D, H, **kw)
    else:
        mod = torch.nn.RNN(D, H, nonlinearity=mode[4:].lower(), **kw)
    mod.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})

    x = rng.standard_normal((T, B, D))
    h0 = rng.standard_normal((num_layers * dirs, B, H))
    c0 = rng.standard_normal((num_layers * dirs, B, H))
    lengths = np.array([7, 3, 5, 1]) if packed else None
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)
    c0t = torch.tensor(c0, requires_grad=True)
    state_t = (h0t, c0t) if mode == "LSTM" else h0t
    if packed:
        packed_out, final_t = mod(pack_padded_sequence(xt, torch.tensor(lengths),
                                                       enforce_sorted=False), state_t)
        out_t, _ = pad_packed_sequence(packed_out, total_length=T)
    else:
        out_t, final_t = mod(xt, state_t)
    finals_t = final_t if mode == "LSTM" else (final_t,)

    d_out = rng.standard_normal(out_t.shape)
    d_finals = [rng.standard_normal(f.shape) for f in finals_t]
    loss = (out_t * torch.tensor(d_out)).sum()
    for f, d in zip(finals_t, d_finals, strict=True):
        loss = loss + (f * torch.tensor(d)).sum()
    loss.backward()

    outputs, final = layer.forward(x, (h0, c0) if mode == "LSTM" else h0, lengths=lengths)
    finals = final if mode == "LSTM" else (final,)
    dx, d_init = layer.backward(d_out, tuple(d_finals) if mode == "LSTM" else d_finals[0])
    d_inits = d_init if mode == "LSTM" else (d_init,)

    pairs = {"output": (outputs, out_t.detach().numpy()), "dx": (dx, xt.grad.numpy()),
             "dh0": (d_inits[0], h0t.grad.numpy())}
    for k, (f, ft) in enumerate(zip(finals, finals_t, strict=True)):
        pairs[f"final[{k}]"] = (f, ft.detach().numpy())
    if mode == "LSTM":
        pairs["dc0"] = (d_inits[1], c0t.grad.numpy())
    for name, p in mod.named_parameters():
        pairs[f"grad/{name}"] = (layer.grads[name], p.grad.numpy())
    assert_close(pairs)


@pytest.mark.parametrize("mode", MODES)
def test_live_float32_and_default_state(mode):
    """float32 end to end (to float32 rounding) with no initial state given (zeros in both)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    T, B, D, H = 9, 5, 4, 6
    layer = make_layer(mode, D, H, 2, True, rng=rng, dtype=np.float32)
    kw = dict(num_layers=2, bidirectional=True, dtype=torch.float32)
    if mode in ("LSTM", "GRU"):
        mod = getattr(torch.nn, mode)(D, H, **kw)
    else:
        mod = torch.nn.RNN(D, H, nonlinearity=mode[4:].lower(), **kw)
    mod.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    x = rng.standard_normal((T, B, D)).astype(np.float32)
    d_out = rng.standard_normal((T, B, 2 * H)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    out_t, _ = mod(xt)
    (out_t * torch.tensor(d_out)).sum().backward()
    outputs, _ = layer.forward(x)
    dx, _ = layer.backward(d_out)
    assert outputs.dtype == dx.dtype == np.float32
    np.testing.assert_allclose(outputs, out_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for name, p in mod.named_parameters():
        assert layer.grads[name].dtype == np.float32
        np.testing.assert_allclose(layer.grads[name], p.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=name)
