"""Gradient clipping rescues an LSTM that steps off a cliff (claim C26; Pascanu et al. 2013).

The task: :func:`rnnlib.experiments.memory.shifted_batch` with shift -1 (at every step name
the symbol of the step before), sequences of ``length``; success is an accuracy of at least
``target`` on ``n_test`` held-out sequences, checked every ``check_every`` steps. The model:
an LSTM of ``hidden`` units whose recurrent weights ``weight_hh`` start ``scale`` times
PyTorch's initialisation (large enough that the gradient, along some trajectories, explodes
with the length: a cliff), and a Dense read-out; plain SGD with learning rate ``lr``.

:func:`clipping_sweep` trains every seed twice, without clipping and with the gradient's
global norm clipped to ``clip_norm`` (above most gradients met, so clipping acts mainly where
the gradient explodes), all networks as one stack (:mod:`rnnlib.experiments.stacked_lstm`):
the equations of :func:`rnnlib.train.fit` with ``SGD(lr)`` and ``clip_norm`` for each run
alone, at a fraction of the cost. Each run stops at its first success. The results equal
separate ``fit`` runs to rounding for the first steps (tested); training at this learning
rate is chaotic, though, so after tens of steps a rounding difference can grow and a run
(the sweep's, or a separate one) take another path: what is robust is the outcome where the
first gradient is a cliff, not the step at which a run succeeds.

Differences from ``fit``: no ``diverge_factor`` rule (only a NaN or infinite loss or gradient
counts as divergence, which ends that run; the step is kept in its history), and parameters
are not checked for non-finite values after the update (such a run diverges at the next step).

:func:`first_step` takes one step of one run, to see what the cliff does to the network.
"""

from dataclasses import dataclass

import numpy as np

from rnnlib._checks import as_positive_float, check_positive_int
from rnnlib.experiments import stacked_lstm
from rnnlib.experiments.memory import scaled_lstm_model, shifted_batch
from rnnlib.optim import SGD
from rnnlib.train import SequenceModel, fit


@dataclass
class ClipRun:
    """One run of :func:`clipping_sweep`."""

    seed: int
    clip_norm: float | None  # None: no clipping
    solved_at: int | None  # the step at which the held-out accuracy first reached the target
    diverged_at: int | None  # the step whose loss or gradient was NaN or infinite, if any
    accuracy: float  # held-out accuracy at the end of the run
    history: dict  # {"step", "loss", "grad_norm"} as rnnlib.train.fit gives (norm before clipping)
    model: SequenceModel  # the trained network

    @property
    def solved(self):
        return self.solved_at is not None

    @property
    def max_grad_norm(self):
        """The largest gradient norm met (NaN if one was NaN)."""
        return float(np.max(self.history["grad_norm"]))


def initial_model(seed, *, scale=10.0, hidden=8, n_symbols=4):
    """The network of one run, and the generator its batches are then drawn from (as
    ``fit(model, ..., rng=gen)`` would): LSTM(n_symbols, hidden) with ``weight_hh`` x
    ``scale``, Dense(hidden, n_symbols), both initialised from ``default_rng(seed)``
    (:func:`rnnlib.experiments.memory.scaled_lstm_model`)."""
    gen = np.random.default_rng(seed)
    return scaled_lstm_model(scale, hidden, n_symbols, gen), gen


def _accuracy(params, test, idx):
    """Held-out accuracy of the runs ``idx``, (len(idx),)."""
    params = {k: p[idx] for k, p in params.items()}
    x, target, mask = (part[idx] for part in test)
    right = (stacked_lstm.forward(params, x, keep=False)[0].argmax(axis=-1) == target) & mask
    return right.sum(axis=(1, 2)) / mask.sum(axis=(1, 2))


def first_step(seed, clip_norm=None, *, scale=10.0, length=50, hidden=8, n_symbols=4,
               lr=3.0, batch=32):
    """The first SGD step of one run of :func:`clipping_sweep` (the same network and the
    same first batch, through :func:`rnnlib.train.fit`): returns the model after it and the
    length of the step, ||theta_1 - theta_0|| (lr x the gradient norm, clipped or not)."""
    model, gen = initial_model(seed, scale=scale, hidden=hidden, n_symbols=n_symbols)
    start = {k: v.copy() for k, v in model.params.items()}
    fit(model, "cross_entropy", lambda r: shifted_batch(batch, length, -1, n_symbols, r),
        SGD(lr), steps=1, clip_norm=clip_norm, rng=gen)
    moved = np.sqrt(sum(np.sum((model.params[k] - start[k]) ** 2) for k in start))
    return model, float(moved)


def clipping_sweep(seeds, *, clip_norm=5.0, scale=10.0, length=50, hidden=8, n_symbols=4,
                   lr=3.0, steps=200, batch=32, target=0.95, check_every=10, n_test=256):
    """Train each seed without and with clipping (see the module docstring). Returns
    ``{"plain": [ClipRun per seed], "clipped": [ClipRun per seed]}``."""
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed, got none")
    clip_norm = as_positive_float("clip_norm", clip_norm)
    lr = as_positive_float("lr", lr)
    steps, check_every = check_positive_int("steps", steps), check_positive_int(
        "check_every", check_every)
    if check_positive_int("length", length) < 2:
        raise ValueError(f"length must be at least 2 (the first step has no target), got {length}")
    runs = [(s, c) for c in (None, clip_norm) for s in seeds]
    built = [initial_model(s, scale=scale, hidden=hidden, n_symbols=n_symbols) for s, _ in runs]
    models, gens = [m for m, _ in built], [g for _, g in built]
    params = stacked_lstm.stack_params(models)
    tests = [shifted_batch(n_test, length, -1, n_symbols, np.random.default_rng([s, 1]))
             for s, _ in runs]
    test = tuple(np.stack(parts) for parts in zip(*tests, strict=True))
    K = len(runs)
    limit = np.array([np.inf if c is None else c for _, c in runs])
    active = np.ones(K, dtype=bool)
    solved_at, diverged_at = [None] * K, [None] * K
    histories = [{"step": [], "loss": [], "grad_norm": []} for _ in runs]
    for step in range(1, steps + 1):
        idx = np.flatnonzero(active)  # only the runs still training
        batches = [shifted_batch(batch, length, -1, n_symbols, gens[j]) for j in idx]
        x, tgt, mask = (np.stack(parts) for parts in zip(*batches, strict=True))
        sub = {k: p[idx] for k, p in params.items()}
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grads = stacked_lstm.loss_and_grads(sub, x, tgt, mask)
        norm = stacked_lstm.network_norms(grads)
        for n, j in enumerate(idx):
            histories[j]["step"].append(step)
            histories[j]["loss"].append(float(loss[n]))
            histories[j]["grad_norm"].append(float(norm[n]))
        ok = np.isfinite(loss) & np.isfinite(norm)
        for j in idx[~ok]:  # a run that diverges stops there (the networks never mix)
            diverged_at[j], active[j] = step, False
        over = ok & (norm > limit[idx])  # clip: rescale to norm limit (as clip_grad_norm)
        factor = lr * np.divide(limit[idx], norm, out=np.ones_like(norm), where=over)
        for k, p in params.items():
            shape = (-1, *[1] * (p.ndim - 1))
            p[idx[ok]] -= factor[ok].reshape(shape) * grads[k][ok]
        if step % check_every == 0:
            idx = np.flatnonzero(active)
            for j in idx[_accuracy(params, test, idx) >= target]:
                solved_at[j], active[j] = step, False
        if not active.any():
            break
    final = _accuracy(params, test, np.arange(K))
    result = {"plain": [], "clipped": []}
    for j, ((seed, c), model) in enumerate(zip(runs, models, strict=True)):
        for k, mk in zip(stacked_lstm.KEYS, stacked_lstm.MODEL_KEYS, strict=True):
            model.params[mk][...] = params[k][j]
        run = ClipRun(seed, c, solved_at[j], diverged_at[j], float(final[j]), histories[j],
                      model)
        result["plain" if c is None else "clipped"].append(run)
    return result
