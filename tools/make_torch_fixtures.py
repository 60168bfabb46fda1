"""Generate the PyTorch reference fixtures for ``tests/test_torch_parity.py``.

PyTorch is NOT a dependency of rnnlib; this script is run once by a maintainer and its
output ``tests/fixtures/torch_reference.npz`` is committed. Use a separate environment
with the CPU build (the default ``pip install torch`` pulls a multi-GB CUDA build)::

    python3.11 -m venv /tmp/venv-torch
    /tmp/venv-torch/bin/pip install torch==2.13.0 numpy      # see the note below
    /tmp/venv-torch/bin/python tools/make_torch_fixtures.py

Note: on Linux, PyPI's ``torch==2.13.0`` is the CUDA build; to get the CPU-only build
(``2.13.0+cpu``, a few hundred MB), add the ``--index-url`` of PyTorch's CPU wheel index,
as the "Get started" page of pytorch.org shows for "Compute Platform: CPU".

Everything is computed in float64. For every case the file holds, under ``<case>/``:

- ``mode`` ("RNN_TANH", "RNN_RELU", "LSTM", "GRU"), ``num_layers``, ``bidirectional``,
  ``input_size``, ``hidden_size`` (0-d arrays);
- the weights under PyTorch's ``state_dict`` names (``weight_ih_l0``, ``bias_hh_l1_reverse``, ...);
- ``x`` (T, B, D), ``h0`` (layers*dirs, B, H) and, for the LSTM, ``c0``; ``lengths`` (B,)
  for the variable-length cases (run through ``pack_padded_sequence(...,
  enforce_sorted=False)`` and ``pad_packed_sequence(..., total_length=T)``, so padded
  outputs are zero);
- ``output`` (T, B, H*dirs), ``h_n`` and, for the LSTM, ``c_n``;
- the upstream gradients ``d_output``, ``d_h_n`` (``d_c_n``): the loss is
  ``sum(output*d_output) + sum(h_n*d_h_n) [+ sum(c_n*d_c_n)]``; ``d_output`` is random at
  padded positions too (PyTorch's padded outputs are constants, so it must be ignored);
- the gradients of that loss: ``grad/<param name>`` for every parameter, ``grad/x``,
  ``grad/h0`` (``grad/c0``).

The file is written with ``np.savez_compressed`` from plain arrays (strings as unicode
arrays), so it loads with ``allow_pickle=False``.
"""

import argparse
from pathlib import Path

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

T, B, D, H = 6, 3, 4, 5
LENGTHS = (6, 2, 4)  # unsorted on purpose: exercises enforce_sorted=False

# name -> (mode, num_layers, bidirectional, variable lengths)
CASES = {
    "rnn_tanh": ("RNN_TANH", 1, False, False),
    "rnn_tanh_bi2": ("RNN_TANH", 2, True, False),
    "rnn_relu": ("RNN_RELU", 1, False, False),
    "rnn_relu_bi2": ("RNN_RELU", 2, True, False),
    "lstm": ("LSTM", 1, False, False),
    "lstm_bi2": ("LSTM", 2, True, False),
    "gru": ("GRU", 1, False, False),
    "gru_bi2": ("GRU", 2, True, False),
    "rnn_tanh_bi2_len": ("RNN_TANH", 2, True, True),
    "lstm_bi2_len": ("LSTM", 2, True, True),
    "gru_bi2_len": ("GRU", 2, True, True),
}


def make_module(mode, num_layers, bidirectional, input_size=D, hidden_size=H):
    """The torch.nn module for ``mode`` in float64."""
    kw = dict(num_layers=num_layers, bidirectional=bidirectional)
    if mode == "LSTM":
        mod = torch.nn.LSTM(input_size, hidden_size, **kw)
    elif mode == "GRU":
        mod = torch.nn.GRU(input_size, hidden_size, **kw)
    else:
        nonlin = "tanh" if mode == "RNN_TANH" else "relu"
        mod = torch.nn.RNN(input_size, hidden_size, nonlinearity=nonlin, **kw)
    return mod.double()


def run_case(mode, num_layers, bidirectional, lengths, seed):
    """Forward and backward of one case; returns a dict of float64 arrays (no prefix)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mod = make_module(mode, num_layers, bidirectional)
    dirs = 2 if bidirectional else 1
    is_lstm = mode == "LSTM"

    def t(shape):
        return torch.tensor(rng.standard_normal(shape), dtype=torch.float64, requires_grad=True)

    x = t((T, B, D))
    h0 = t((num_layers * dirs, B, H))
    c0 = t((num_layers * dirs, B, H)) if is_lstm else None
    state = (h0, c0) if is_lstm else h0

    if lengths is None:
        output, final = mod(x, state)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
        out_packed, final = mod(packed, state)
        output, _ = pad_packed_sequence(out_packed, total_length=T)
    h_n, c_n = final if is_lstm else (final, None)

    d_output = torch.tensor(rng.standard_normal(output.shape), dtype=torch.float64)
    d_h_n = torch.tensor(rng.standard_normal(h_n.shape), dtype=torch.float64)
    loss = (output * d_output).sum() + (h_n * d_h_n).sum()
    if is_lstm:
        d_c_n = torch.tensor(rng.standard_normal(c_n.shape), dtype=torch.float64)
        loss = loss + (c_n * d_c_n).sum()
    loss.backward()

    out = {
        "mode": np.array(mode),
        "num_layers": np.array(num_layers),
        "bidirectional": np.array(bidirectional),
        "input_size": np.array(D),
        "hidden_size": np.array(H),
        "x": x.detach().numpy(),
        "h0": h0.detach().numpy(),
        "output": output.detach().numpy(),
        "h_n": h_n.detach().numpy(),
        "d_output": d_output.numpy(),
        "d_h_n": d_h_n.numpy(),
        "grad/x": x.grad.numpy(),
        "grad/h0": h0.grad.numpy(),
    }
    if is_lstm:
        out.update({"c0": c0.detach().numpy(), "c_n": c_n.detach().numpy(),
                    "d_c_n": d_c_n.numpy(), "grad/c0": c0.grad.numpy()})
    if lengths is not None:
        out["lengths"] = np.array(lengths, dtype=np.int64)
    for name, p in mod.named_parameters():
        out[name] = p.detach().numpy().copy()
        out[f"grad/{name}"] = p.grad.numpy().copy()
    return out


def build():
    """All cases as one flat dict ``"<case>/<key>" -> array``."""
    arrays = {"meta/torch_version": np.array(torch.__version__)}
    for k, (name, (mode, layers, bidi, varlen)) in enumerate(CASES.items()):
        case = run_case(mode, layers, bidi, LENGTHS if varlen else None, seed=1000 + k)
        arrays.update({f"{name}/{key}": val for key, val in case.items()})
    return arrays


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "torch_reference.npz"
    parser.add_argument("--out", type=Path, default=default)
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    arrays = build()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {len(CASES)} cases, {len(arrays)} arrays to {args.out} "
          f"({args.out.stat().st_size / 1024:.0f} kB)")


if __name__ == "__main__":
    main()
