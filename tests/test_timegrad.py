"""rnnlib.timegrad: Jacobian products through time, forgetting, the cliff and clipping."""

import numpy as np
import pytest

from rnnlib import flow, timegrad
from rnnlib.gradcheck import check_gradients, relative_error


@pytest.mark.parametrize("kind", timegrad.KINDS)
@pytest.mark.parametrize("sigma", [0.5, 2.0])
def test_recurrent_weights_have_the_asked_top_singular_value(kind, sigma):
    w = timegrad.recurrent_weights(12, sigma, kind, rng=3)
    assert np.linalg.norm(w, 2) == pytest.approx(sigma, rel=1e-9)
    if kind == "orthogonal":
        np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False), sigma, rtol=1e-12)
        np.testing.assert_allclose(np.abs(np.linalg.eigvals(w)), sigma, rtol=1e-9)


def test_nonnormal_eigenvalues_stay_below_one():
    """W - lam I is nilpotent: every eigenvalue is lam = 0.9 although sigma_max = 3."""
    w = timegrad.recurrent_weights(10, 3.0, "nonnormal", rng=0)
    shifted = w - timegrad.NONNORMAL_EIGENVALUE * np.eye(10)
    power = np.linalg.matrix_power(shifted, 10)
    assert np.abs(power).max() < 1e-9 * np.linalg.norm(shifted, 2) ** 10
    assert np.trace(w) == pytest.approx(10 * timegrad.NONNORMAL_EIGENVALUE)
    small = timegrad.recurrent_weights(10, 0.5, "nonnormal", rng=0)
    np.testing.assert_allclose(small, 0.5 * np.eye(10), atol=1e-15)


def test_recurrent_weights_errors():
    with pytest.raises(ValueError, match="kind must be one of random, orthogonal, nonnormal"):
        timegrad.recurrent_weights(4, 1.0, "diagonal")
    with pytest.raises(ValueError, match="sigma_max must be a finite number >= 0"):
        timegrad.recurrent_weights(4, -1.0)
    with pytest.raises(ValueError, match="sigma_max must be a finite number >= 0, got 'big'"):
        timegrad.recurrent_weights(4, "big")
    with pytest.raises(ValueError, match="hidden must be a positive integer"):
        timegrad.recurrent_weights(0, 1.0)


@pytest.mark.parametrize(("activation", "sigma"), [("tanh", 0.9), ("tanh", 2.5),
                                                   ("sigmoid", 3.0), ("relu", 1.2)])
def test_jacobian_norms_obey_pascanu_bound(activation, sigma):
    rnn = timegrad.unrolled_rnn(sigma, hidden=8, steps=25, rng=2)
    norms = timegrad.jacobian_norms(rnn, activation)
    assert norms.shape == (26,) and norms[-1] == pytest.approx(1.0)
    lags = 25 - np.arange(26)
    bound = timegrad.pascanu_bound(sigma, activation, lags)
    assert np.all(norms <= bound * (1 + 1e-9))


@pytest.mark.parametrize(("activation", "sigma"), [("tanh", 1.3), ("sigmoid", 4.5), ("elu", 1.3),
                                                   ("relu", 1.3)])
def test_jacobian_norms_match_finite_differences(activation, sigma):
    """d h_T / d h_t from the explicit product equals the one from perturbing h_t, for every
    t (relative error < 1e-7, the gradient-check standard). (For the sigmoid, sigma_max 4.5
    keeps the Jacobians far enough above the finite differences' rounding error.)"""
    rnn = timegrad.unrolled_rnn(sigma, hidden=5, steps=6, rng=4)
    jac = flow.vanilla_jacobians(rnn.weight_ih, rnn.weight_hh, rnn.bias, rnn.x, rnn.h0,
                                 activation)
    states = timegrad.states(rnn, activation)
    eps = 1e-6
    for t in range(6):
        fd = np.empty((5, 5))
        for j in range(5):
            e = np.zeros(5)
            e[j] = eps
            ends = [flow.vanilla_states(rnn.weight_ih, rnn.weight_hh, rnn.bias, rnn.x[t:],
                                        states[t] + sign * e, activation)[-1] for sign in (1, -1)]
            fd[:, j] = (ends[0] - ends[1]) / (2 * eps)
        assert relative_error(jac[t], fd) < 1e-7, t
        # and the norms plotted in notebook 03 are those of the finite-difference Jacobians
        assert timegrad.jacobian_norms(rnn, activation)[t] == pytest.approx(
            np.linalg.norm(fd, 2), rel=1e-6)


def test_orthogonal_linear_is_on_the_bound():
    rnn = timegrad.unrolled_rnn(0.9, hidden=6, steps=10, kind="orthogonal", rng=0)
    norms = timegrad.jacobian_norms(rnn, "identity")
    np.testing.assert_allclose(norms, 0.9 ** (10 - np.arange(11)), rtol=1e-10)


def test_forgetting():
    rnn = timegrad.unrolled_rnn(0.8, hidden=8, steps=30, rng=0)
    f = timegrad.forgetting(rnn, "tanh")
    assert f[0] == 1.0 and f[-1] < 1e-3
    # Linear, orthogonal: the difference h_t - h'_t = W^t (h_0 - h'_0) shrinks as 0.8^t.
    lin = timegrad.unrolled_rnn(0.8, hidden=8, steps=30, kind="orthogonal", rng=0)
    np.testing.assert_allclose(timegrad.forgetting(lin, "identity"), 0.8 ** np.arange(31),
                               rtol=1e-10)
    with pytest.raises(ValueError, match=r"h0 must have shape \(8,\)"):
        timegrad.forgetting(rnn, "tanh", other_h0=np.zeros(3))
    with pytest.raises(ValueError, match="other_h0 must differ from rnn.h0"):
        timegrad.forgetting(rnn, "tanh", other_h0=rnn.h0.copy())


def test_cliff_gradient_is_bptt_exact():
    for w0, b0 in [(3.0, -1.0), (8.0, -4.0), (-1.0, 0.5)]:
        w, b = np.array([w0]), np.array([b0])
        _, dw, db = timegrad.cliff_loss_and_grad(w, b, steps=20)

        def loss(w=w, b=b):
            return timegrad.cliff_loss_and_grad(w, b, steps=20)[0].sum()

        errs = check_gradients(loss, {"w": w, "b": b}, {"w": dw, "b": db})
        assert max(errs.values()) < 1e-7, errs
    e, _, _ = timegrad.cliff_loss_and_grad(np.array([1.0, 2.0]), 0.0, steps=5)
    np.testing.assert_allclose(e, (timegrad.cliff_forward(np.array([1.0, 2.0]), 0.0, 5)
                                   - 0.7) ** 2)


def test_clipping_bounds_every_step():
    plain = timegrad.descend(11.0, -4.0, 0.05, 40)
    clipped = timegrad.descend(11.0, -4.0, 0.05, 40, clip=5.0)
    steps = np.linalg.norm(np.diff(clipped["path"], axis=0), axis=1)
    np.testing.assert_array_equal(clipped["step"], steps)
    assert np.all(steps <= 0.05 * 5.0 * (1 + 1e-12))
    # Without clipping, the cliff's huge gradient throws the parameters far away.
    assert plain["grad_norm"].max() > 100
    assert np.linalg.norm(np.diff(plain["path"], axis=0), axis=1).max() > 5
    assert clipped["loss"][-1] < plain["loss"][-1]
    assert clipped["path"].shape == (41, 2) and clipped["grad_norm"].shape == (40,)
    with pytest.raises(ValueError, match="iterations must be a positive integer"):
        timegrad.descend(1.0, 0.0, 0.1, 0)
    with pytest.raises(ValueError, match="max_norm must be a positive finite number"):
        timegrad.descend(1.0, 0.0, 0.1, 3, clip=-1.0)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="sigma_max must be a finite number >= 0"):
        timegrad.pascanu_bound(-1.0, "tanh", [1, 2])
    with pytest.raises(ValueError, match="lags must be >= 0"):
        timegrad.pascanu_bound(0.9, "tanh", [-1, 2])
    with pytest.raises(ValueError, match="unknown activation"):
        timegrad.pascanu_bound(0.9, "swish", [1])
    with pytest.raises(ValueError, match="input_scale must be a finite number >= 0"):
        timegrad.unrolled_rnn(1.0, input_scale=np.nan)
    with pytest.raises(ValueError, match="w must be finite"):
        timegrad.cliff_loss_and_grad(np.array([1.0, np.inf]), 0.0)
    with pytest.raises(ValueError, match="b must be finite"):
        timegrad.cliff_forward(1.0, np.nan)
    with pytest.raises(ValueError, match="target must be finite"):
        timegrad.cliff_loss_and_grad(1.0, 0.0, target=np.nan)
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        timegrad.descend(1.0, 0.0, -0.1, 3)


def test_pascanu_bound_values():
    np.testing.assert_allclose(timegrad.pascanu_bound(3.0, "sigmoid", [0, 1, 2]),
                               [1.0, 0.75, 0.5625], rtol=1e-15)
    np.testing.assert_allclose(timegrad.pascanu_bound(1.5, "tanh", [3]), [3.375], rtol=1e-15)
