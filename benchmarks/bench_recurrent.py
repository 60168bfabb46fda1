"""Time one training step (forward + backward) of rnnlib's RNN, LSTM and GRU layers and,
when torch is importable, of PyTorch CPU's nn.RNN / nn.LSTM / nn.GRU on the same data.

    python benchmarks/bench_recurrent.py                      # defaults below
    python benchmarks/bench_recurrent.py --repeats 15 --models lstm --dtypes float32

A step is: ``outputs, _ = layer.forward(x, h0)`` then ``layer.backward(G)`` for a fixed
random upstream gradient G on the outputs (loss = sum(outputs * G)); the gradients of
the parameters, of x and of h0 are all computed, in both libraries. Defaults: T=50,
B=32, D=32, H=128, one layer, one direction, float32 and float64.

Threads: BLAS libraries read their thread count when they load, so the count is set
(``--threads``, default 1) in OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS
before numpy is imported, unless those variables are already set, in which case their
value is used; torch gets the same count with ``torch.set_num_threads``.

Timing: each repeat times ``--number`` consecutive steps and keeps the mean per step;
rnnlib and torch repeats are interleaved so that both see the same machine load. The
table gives min and median over repeats in milliseconds per step, and the ratio
rnnlib / torch: min over min, and "paired", the median over repeats of the ratio of an
rnnlib repeat to the torch repeat run right after it (steadier when the load changes).
The load average before and after is printed: on a shared machine, timings vary by a
factor of 2 or more between runs.

oneDNN: PyTorch CPU runs float32 LSTMs through oneDNN's fused kernel when
``torch.backends.mkldnn`` is enabled (the default); float64 always takes ATen's generic
path. ``--onednn off`` disables it, to compare with PyTorch's generic (unfused)
implementation; the header line says which was used.
"""

import argparse
import os
import statistics
import sys
import time


def _set_threads(argv):
    """Read --threads before numpy loads and export it to the BLAS variables."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--threads", type=int, default=None)
    known, _ = pre.parse_known_args(argv)
    env = os.environ.get("OMP_NUM_THREADS") or os.environ.get("OPENBLAS_NUM_THREADS")
    threads = known.threads or (int(env) if env else 1)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if known.threads or var not in os.environ:
            os.environ[var] = str(threads)
    return threads


THREADS = _set_threads(sys.argv[1:])

import numpy as np  # noqa: E402  (after the thread variables are set)

from rnnlib import layers  # noqa: E402

try:  # noqa: SIM105
    import torch
except ImportError:  # torch is optional
    torch = None

MODELS = {"rnn": ("RNN", "RNN"), "lstm": ("LSTM", "LSTM"), "gru": ("GRU", "GRU")}


def rnnlib_step(kind, dtype, x, h0, grad, seed=0):
    """A closure running one forward+backward of the rnnlib layer."""
    D, H = x.shape[2], h0.shape[2]
    layer = getattr(layers, MODELS[kind][0])(D, H, rng=seed, dtype=dtype)
    state = (h0, h0.copy()) if kind == "lstm" else h0

    def step():
        layer.forward(x, state)
        layer.backward(grad)

    return step, layer


def torch_step(kind, dtype, x, h0, grad, layer):
    """The same with torch.nn (weights copied from the rnnlib layer)."""
    D, H = x.shape[2], h0.shape[2]
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    mod = getattr(torch.nn, MODELS[kind][1])(D, H, dtype=tdtype)
    with torch.no_grad():
        for name, p in mod.named_parameters():
            p.copy_(torch.from_numpy(np.ascontiguousarray(layer.params[name])))
    xt = torch.from_numpy(x).requires_grad_(True)
    h0t = torch.from_numpy(h0).requires_grad_(True)
    c0t = torch.from_numpy(h0.copy()).requires_grad_(True)
    state = (h0t, c0t) if kind == "lstm" else h0t
    g = torch.from_numpy(grad)

    def step():
        mod.zero_grad(set_to_none=True)
        xt.grad = h0t.grad = c0t.grad = None
        out, _ = mod(xt, state)
        out.backward(g)

    return step


def matmul_step(layer, x, grad):
    """A closure running only the BLAS products of one rnnlib training step, on arrays of
    the same shapes: the input projection, T recurrent products forward, T products
    dz W_hh backward, and one product each for dW_hh, dW_ih and dx. No NumPy code that
    calls these matmuls can run a step faster than this (the "matmuls" column)."""
    cell = layer.cells[0, 0]
    w_ih, w_hh = cell.params["weight_ih"], cell.params["weight_hh"]
    T, B, D = x.shape
    GH, H = w_hh.shape  # G*H gate rows (1 for the RNN, 3 for the GRU, 4 for the LSTM)
    rng = np.random.default_rng(1)
    h = rng.standard_normal((T, B, H)).astype(x.dtype)
    dz = rng.standard_normal((T, B, GH)).astype(x.dtype)
    x2, h2, dz2 = x.reshape(-1, D), h.reshape(-1, H), dz.reshape(-1, GH)

    def step():
        x2 @ w_ih.T  # the input projection of all steps
        for t in range(T):
            h[t] @ w_hh.T  # forward, step t
        for t in range(T):
            dz[t] @ w_hh  # backward, step t: dh_{t-1}
        dz2.T @ h2  # dW_hh
        dz2.T @ x2  # dW_ih
        dz2 @ w_ih  # dx

    return step


def time_it(step, number):
    start = time.perf_counter()
    for _ in range(number):
        step()
    return (time.perf_counter() - start) / number


def bench(kind, dtype, args):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.T, args.B, args.D)).astype(dtype)
    h0 = rng.standard_normal((1, args.B, args.H)).astype(dtype) * 0.1
    grad = rng.standard_normal((args.T, args.B, args.H)).astype(dtype)
    ours, layer = rnnlib_step(kind, dtype, x, h0, grad)
    floor = matmul_step(layer, x, grad)
    theirs = torch_step(kind, dtype, x, h0, grad, layer) if args.torch else None
    for _ in range(args.warmup):
        ours()
        floor()
        if theirs is not None:
            theirs()
    t_ours, t_floor, t_theirs = [], [], []
    for _ in range(args.repeats):
        t_ours.append(time_it(ours, args.number))
        t_floor.append(time_it(floor, args.number))
        if theirs is not None:
            t_theirs.append(time_it(theirs, args.number))
    return t_ours, t_floor, t_theirs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=50)
    parser.add_argument("--B", type=int, default=32)
    parser.add_argument("--D", type=int, default=32)
    parser.add_argument("--H", type=int, default=128)
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=["rnn", "lstm",
                                                                                 "gru"])
    parser.add_argument("--dtypes", nargs="+", choices=["float32", "float64"],
                        default=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--number", type=int, default=3, help="steps per repeat")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and torch threads (default: $OMP_NUM_THREADS or 1)")
    parser.add_argument("--no-torch", action="store_true", help="time rnnlib only")
    parser.add_argument("--onednn", choices=["on", "off"], default="on",
                        help="PyTorch's oneDNN (mkldnn) kernels: on (default) or off")
    args = parser.parse_args(argv)
    args.torch = torch is not None and not args.no_torch
    if args.torch:
        torch.set_num_threads(THREADS)
        torch.backends.mkldnn.enabled = args.onednn == "on"

    print(f"T={args.T} B={args.B} D={args.D} H={args.H}; threads={THREADS} "
          f"(numpy BLAS via env, torch.set_num_threads); numpy {np.__version__}; "
          + (f"torch {torch.__version__}, oneDNN {args.onednn}" if args.torch else
             "torch not used"))
    print(f"{args.repeats} repeats x {args.number} steps, {args.warmup} warm-up steps; "
          f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())} "
          f"(on {os.cpu_count()} CPUs)")
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    if coretype:
        print(f"OPENBLAS_CORETYPE={coretype}: OpenBLAS uses that CPU's kernels, not the ones it "
              f"would pick for this CPU")
    head = f"{'model':6} {'dtype':8} {'rnnlib min':>11} {'median':>8} {'matmuls':>8}"
    if args.torch:
        head += (f" {'torch min':>10} {'median':>8} {'ratio min':>10} {'paired':>8}"
                 f" {'matmuls/torch':>14}")
    print(head + ("   (ms per step; ratio = rnnlib / torch)" if args.torch else
                  "   (ms per step)"))
    for kind in args.models:
        for dname in args.dtypes:
            dtype = {"float32": np.float32, "float64": np.float64}[dname]
            t_ours, t_floor, t_theirs = bench(kind, dtype, args)
            ours_min, ours_med = 1e3 * min(t_ours), 1e3 * statistics.median(t_ours)
            floor_min = 1e3 * min(t_floor)
            row = f"{kind:6} {dname:8} {ours_min:11.2f} {ours_med:8.2f} {floor_min:8.2f}"
            if t_theirs:
                th_min, th_med = 1e3 * min(t_theirs), 1e3 * statistics.median(t_theirs)
                paired = statistics.median(a / b for a, b in zip(t_ours, t_theirs, strict=True))
                row += (f" {th_min:10.2f} {th_med:8.2f} {ours_min / th_min:10.2f} {paired:8.2f}"
                        f" {floor_min / th_min:14.2f}")
            print(row, flush=True)
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
