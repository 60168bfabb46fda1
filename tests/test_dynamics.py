import numpy as np
import pytest

from rnnlib import dynamics as d
from rnnlib.activations import get


# ---------------------------------------------------------------- matrices
def test_matrix_has_the_chosen_eigenvalues_normal_and_skewed():
    lam = d.polar_eigenvalues([1.1, 0.9, 0.5, 0.3], [0.0, 0.7, np.pi, 2.0])
    assert lam.size == 6  # two reals and two conjugate pairs
    for skew in (0.0, 0.5, 3.0):
        W = d.matrix_with_eigenvalues(lam, skew=skew, rng=1)
        assert W.dtype == np.float64 and W.shape == (6, 6)
        got = np.sort_complex(np.linalg.eigvals(W))
        np.testing.assert_allclose(got, np.sort_complex(lam), atol=1e-9)
        assert d.spectral_radius(W) == pytest.approx(1.1, abs=1e-9)
    Wn = d.matrix_with_eigenvalues(lam, rng=1)
    assert d.departure_from_normality(Wn) < 1e-12
    assert d.largest_singular_value(Wn) == pytest.approx(1.1, abs=1e-12)  # normal: sigma1 = rho
    norms = [d.largest_singular_value(d.matrix_with_eigenvalues(lam, skew=s, rng=1))
             for s in (0.0, 1.0, 3.0)]
    assert norms[0] < norms[1] < norms[2]  # the skew makes W more non-normal


def test_matrix_is_seeded_and_accepts_complex_lists():
    lam = np.array([0.5 + 0.5j, 0.5 - 0.5j, -0.2])
    a = d.matrix_with_eigenvalues(lam, rng=3)
    np.testing.assert_array_equal(a, d.matrix_with_eigenvalues(lam, rng=3))
    assert not np.array_equal(a, d.matrix_with_eigenvalues(lam, rng=4))
    np.testing.assert_array_equal(d.matrix_with_eigenvalues(np.array([0.7]), rng=0), [[0.7]])


def test_polar_eigenvalues():
    lam = d.polar_eigenvalues([2.0, 1.0], [np.pi, np.pi / 2])
    np.testing.assert_allclose(lam, [-2, 1j, -1j], atol=1e-15)


def test_matrix_errors():
    with pytest.raises(ValueError, match="conjugate pairs"):
        d.matrix_with_eigenvalues(np.array([0.5 + 0.5j, 0.3]))
    with pytest.raises(TypeError, match="eigenvalues"):
        d.matrix_with_eigenvalues(np.array([1, 2]))
    with pytest.raises(ValueError, match="NaN"):
        d.matrix_with_eigenvalues(np.array([np.nan]))
    with pytest.raises(ValueError, match="skew must be >= 0"):
        d.matrix_with_eigenvalues(np.array([0.5]), skew=-1)
    with pytest.raises(TypeError, match="rng"):
        d.matrix_with_eigenvalues(np.array([0.5]), rng="seed")
    with pytest.raises(ValueError, match="magnitudes must be >= 0"):
        d.polar_eigenvalues([-1.0], [0.0])
    with pytest.raises(ValueError, match="angles must have shape"):
        d.polar_eigenvalues([1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="W must be square"):
        d.spectral_radius(np.zeros((2, 3)))


# ---------------------------------------------------------------- eigen
def test_eigen_coefficients_reconstruct_the_input():
    W = d.matrix_with_eigenvalues(d.polar_eigenvalues([1.1, 0.8, 0.5], [0, 1.0, 0]),
                                  skew=1.0, rng=2)
    x = np.arange(1.0, 5.0)
    lam, a, U = d.eigen_coefficients(W, x)
    np.testing.assert_allclose(U @ a, x, atol=1e-12)
    np.testing.assert_allclose(W @ U, U * lam, atol=1e-12)
    assert np.all(np.diff(np.abs(lam)) <= 1e-12)  # sorted by decreasing modulus
    # W^t x = sum a_i lambda_i^t u_i
    np.testing.assert_allclose(np.linalg.matrix_power(W, 7) @ x, np.real(U @ (a * lam**7)),
                               atol=1e-10)


@pytest.mark.parametrize("skew", [0.0, 2.0])
def test_growth_rate_follows_the_top_eigenvalue_present(skew):
    W = d.matrix_with_eigenvalues(d.polar_eigenvalues([1.1, 0.9, 0.6], [0, 0.5, 0]),
                                  skew=skew, rng=5)
    C = np.eye(4)
    x = np.ones(4)
    rate = d.fitted_growth_rate(d.response_norms(d.impulse_response(W, C, x, 120)), start=40)
    assert d.predicted_growth_rate(W, x) == pytest.approx(np.log(1.1))
    assert rate == pytest.approx(np.log(1.1), abs=2e-3)
    x2 = d.remove_top_modes(W, x)
    assert d.predicted_growth_rate(W, x2) == pytest.approx(np.log(0.9))
    rate2 = d.fitted_growth_rate(d.response_norms(d.impulse_response(W, C, x2, 80)), start=20)
    assert rate2 == pytest.approx(np.log(0.9), abs=5e-3)
    x3 = d.remove_top_modes(W, x, count=2)
    assert d.predicted_growth_rate(W, x3) == pytest.approx(np.log(0.6))


def test_eigen_errors():
    with pytest.raises(ValueError, match="x must have shape"):
        d.eigen_coefficients(np.eye(2), np.ones(3))
    with pytest.raises(ValueError, match="x is zero"):
        d.predicted_growth_rate(np.eye(2), np.zeros(2))
    with pytest.raises(ValueError, match="count must be below"):
        d.remove_top_modes(np.eye(2), np.ones(2))
    with pytest.raises(ValueError, match="count must be a positive integer"):
        d.remove_top_modes(np.diag([2.0, 1.0]), np.ones(2), count=0)
    with pytest.raises(ValueError, match="norms must be positive"):
        d.fitted_growth_rate(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="at least 2"):
        d.fitted_growth_rate(np.array([1.0, 2.0]), start=1)


# ---------------------------------------------------------------- simulate
def test_scalar_linear_impulse_response_is_w_to_the_t():
    h = d.impulse_response(0.9, 2.0, 1.5, 30)
    np.testing.assert_allclose(h, 0.9 ** np.arange(30) * 3.0, rtol=1e-12)


def test_vector_simulation_matches_an_explicit_loop_and_superposition():
    rng = np.random.default_rng(0)
    W, C = 0.4 * rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    x, b, h0 = rng.standard_normal((15, 2)), rng.standard_normal(3), rng.standard_normal(3)
    h = d.simulate(W, C, x, b=b, activation="tanh", h0=h0)
    ref, state = [], h0
    for t in range(15):
        state = np.tanh(W @ state + C @ x[t] + b)
        ref.append(state)
    np.testing.assert_allclose(h, ref, rtol=1e-13)
    # superposition (identity): h_k = W^{k+1} h_{-1} + sum_t W^{k-t} C x_t
    h = d.simulate(W, C, x, h0=h0)
    k = 14
    expected = np.linalg.matrix_power(W, k + 1) @ h0 + sum(
        np.linalg.matrix_power(W, k - t) @ C @ x[t] for t in range(k + 1))
    np.testing.assert_allclose(h[k], expected, rtol=1e-10)


def test_blow_up_overflows_quietly_and_time_delay_stays_bounded():
    x = np.ones(10000)
    h = d.simulate(2.0, 1.0, x)  # 2^t overflows: no RuntimeWarning
    assert np.isinf(h[-1])
    y = d.time_delay(np.array([1.0, -2.0, 3.0]), np.sin(np.arange(100.0)), activation="tanh")
    assert np.max(np.abs(y)) < 1
    # vector form equals the sum of delayed matrix products
    rng = np.random.default_rng(1)
    taps, xs = rng.standard_normal((3, 2, 4)), rng.standard_normal((6, 4))
    y = d.time_delay(taps, xs, activation="identity", b=np.array([0.5, -1.0]))
    t = 4
    expected = sum(taps[k] @ xs[t - k] for k in range(3)) + [0.5, -1.0]
    np.testing.assert_allclose(y[t], expected, rtol=1e-12)
    np.testing.assert_allclose(d.time_delay(np.array([2.0]), np.array([1.0, -1.0]),
                                            activation="identity"), [2.0, -2.0])
    # more taps than time steps: the extra taps only ever see x(t < 0) = 0
    scalar = d.time_delay(np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.5]), activation="identity")
    vector = d.time_delay(np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1), np.array([[1.0], [0.5]]),
                          activation="identity")
    np.testing.assert_allclose(scalar, [1.0, 2.5])
    np.testing.assert_allclose(vector[:, 0], scalar)


def test_simulate_errors():
    with pytest.raises(TypeError, match="W must be a real number"):
        d.simulate("0.5", 1.0, np.zeros(3))
    with pytest.raises(TypeError, match="x must be a floating-point array, got dtype bool"):
        d.simulate(0.5, 1.0, np.zeros(3, dtype=bool))
    with pytest.raises(ValueError, match="C must have shape"):
        d.simulate(np.eye(2), np.eye(3), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="x must have shape"):
        d.simulate(np.eye(2), np.eye(2), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="h0 must have shape"):
        d.simulate(np.eye(2), np.eye(2), np.zeros((4, 2)), h0=np.zeros(3))
    with pytest.raises(ValueError, match="W must be square"):
        d.simulate(np.zeros((2, 3)), np.eye(2), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="unknown activation"):
        d.simulate(0.5, 1.0, np.zeros(3), activation="softsign")
    with pytest.raises(ValueError, match="b must be finite"):
        d.simulate(0.5, 1.0, np.zeros(3), b=np.inf)
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        d.impulse_response(0.5, 1.0, 1.0, -1)
    with pytest.raises(ValueError, match="weights must have shape"):
        d.time_delay(np.zeros((2, 2)), np.zeros(3))


def test_unrolled_formula_and_superposition():
    rng = np.random.default_rng(4)
    W, C = 0.5 * rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    x, h0 = rng.standard_normal((10, 2)), rng.standard_normal(3)
    h = d.simulate(W, C, x, h0=h0)
    for k in (0, 4, 9):
        np.testing.assert_allclose(d.unrolled_linear(W, C, x, k, h0=h0), h[k], rtol=1e-12)
    np.testing.assert_allclose(d.unrolled_linear(W, C, x, 0), C @ x[0])  # h_{-1} = 0
    parts = d.single_input_responses(W, C, x, h0=h0)
    assert parts.shape == (11, 10, 3)
    np.testing.assert_allclose(parts.sum(axis=0), h, atol=1e-12)
    np.testing.assert_allclose(parts[1 + 4, :4], 0)  # x(4) alone: nothing before t = 4
    np.testing.assert_allclose(parts[1 + 4, 4], C @ x[4])
    tanh_parts = d.single_input_responses(W, C, x, h0=h0, activation="tanh")
    h_tanh = d.simulate(W, C, x, h0=h0, activation="tanh")
    assert np.max(np.abs(tanh_parts.sum(axis=0) - h_tanh)) > 0.01  # no superposition


def test_unrolled_and_single_input_errors():
    W, C, x = np.eye(2), np.eye(2), np.zeros((5, 2))
    with pytest.raises(ValueError, match="k must be below the sequence length 5"):
        d.unrolled_linear(W, C, x, 5)
    with pytest.raises(ValueError, match="k must be a non-negative integer"):
        d.unrolled_linear(W, C, x, -1)
    with pytest.raises(ValueError, match="needs a matrix W"):
        d.unrolled_linear(0.5, 1.0, np.zeros(5), 2)
    with pytest.raises(ValueError, match=r"x must have shape \(T, D\)"):
        d.unrolled_linear(W, C, np.zeros((5, 1, 2)), 2)
    with pytest.raises(ValueError, match="C must have shape"):
        d.unrolled_linear(W, np.eye(3), np.zeros((5, 3)), 2)
    with pytest.raises(ValueError, match="needs a matrix W"):
        d.single_input_responses(0.5, 1.0, np.zeros(5))
    with pytest.raises(ValueError, match="x must have 2 dimensions"):
        d.single_input_responses(W, C, np.zeros((5, 1, 2)))
    with pytest.raises(TypeError, match="x must be a floating-point array, got dtype complex"):
        d.single_input_responses(W, C, np.zeros((5, 2), dtype=complex))


# ---------------------------------------------------------------- fixed points
def _check_fixed(points, w, u, act):
    f = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
         "relu": lambda z: max(z, 0.0), "identity": lambda z: z}[act]
    for p in points:
        assert f(w * p.h + u) == pytest.approx(p.h, abs=1e-10)


def test_sigmoid_fixed_points_unique_and_bistable():
    (p,) = d.fixed_points(1.0, activation="sigmoid")
    assert p.stable and 0.65 < p.h < 0.67
    pts = d.fixed_points(10.0, b=-5.0, activation="sigmoid")
    assert [q.stable for q in pts] == [True, False, True]
    assert pts[1].h == pytest.approx(0.5, abs=1e-12)
    _check_fixed(pts, 10.0, -5.0, "sigmoid")
    # the iteration from either side lands on the predicted stable fixed point
    low = d.final_value(10.0, 0.0, 0.0, -5.0, h0=0.3)
    high = d.final_value(10.0, 0.0, 0.0, -5.0, h0=0.7)
    assert low == pytest.approx(pts[0].h, abs=1e-10)
    assert high == pytest.approx(pts[2].h, abs=1e-10)


def test_fixed_points_against_random_parameters():
    rng = np.random.default_rng(0)
    for _ in range(200):
        w, c, x, b = rng.uniform(-8, 8), rng.uniform(-2, 2), rng.uniform(-1, 1), rng.uniform(-4, 4)
        for act in ("sigmoid", "tanh", "relu", "identity"):
            pts = d.fixed_points(w, c, x, b, activation=act)
            _check_fixed(pts, w, c * x + b, act)
            if act in ("sigmoid", "tanh"):
                assert len(pts) % 2 == 1  # g changes sign from + to - over the range
            for p in pts:
                z = np.array(w * p.h + c * x + b)
                a = get(act)
                assert p.slope == pytest.approx(float(w * a.df(z, a.f(z))))
                assert p.stable == (abs(p.slope) < 1)


def test_fixed_points_tanh_pitchfork_and_closed_forms():
    pts = d.fixed_points(1.5, activation="tanh")
    assert [q.stable for q in pts] == [True, False, True]
    assert pts[0].h == pytest.approx(-pts[2].h)
    assert d.fixed_points(0.5, 1.0, 1.0, 0.0, activation="identity")[0].h == pytest.approx(2.0)
    assert [p.h for p in d.fixed_points(0.5, b=-1.0, activation="relu")] == [0.0]
    assert [p.h for p in d.fixed_points(0.5, b=1.0, activation="relu")] == [2.0]
    assert [p.h for p in d.fixed_points(2.0, b=-1.0, activation="relu")] == [0.0, 1.0]
    assert d.fixed_points(1.0, b=1.0, activation="identity") == []
    pts = d.fixed_points(0.5, b=0.3, activation="elu")
    assert len(pts) == 1 and pts[0].h == pytest.approx(0.6)


def test_fixed_points_errors():
    with pytest.raises(ValueError, match="every h is a fixed point"):
        d.fixed_points(1.0, activation="identity")
    with pytest.raises(ValueError, match="every h >= 0"):
        d.fixed_points(1.0, activation="relu")
    with pytest.raises(ValueError, match="grid must be at least 3"):
        d.fixed_points(1.0, grid=2)
    with pytest.raises(ValueError, match="interval"):
        d.fixed_points(1.0, activation="elu", interval=(1.0, -1.0))
    with pytest.raises(TypeError, match="w must be a real number"):
        d.fixed_points(None)


def test_stable_fixed_point_counts_grid():
    ws, bs = np.array([1.0, 4.0, 10.0]), np.array([-5.0, -2.0, 0.0])
    counts = d.stable_fixed_point_counts(ws, bs)
    assert counts.shape == (3, 3) and counts.dtype.kind == "i"
    assert counts[0, 2] == 2  # w = 10, b = -5: bistable latch
    assert counts[1, 1] == 0  # w = 4, b = -2: the pitchfork, slope exactly 1
    assert np.all(counts[:, 0] == 1)  # w = 1 < 4: a contraction
    for i, b in enumerate(bs):
        for j, w in enumerate(ws):
            assert counts[i, j] == sum(p.stable for p in d.fixed_points(w, b=b, grid=2001))
    with pytest.raises(TypeError, match="ws must be a floating-point array, got dtype <U1"):
        d.stable_fixed_point_counts(["1", "2"], bs)
    with pytest.raises(ValueError, match="bs must have 1 dimensions"):
        d.stable_fixed_point_counts(ws, np.zeros((2, 2)))


# ---------------------------------------------------------------- memory
def test_time_to_forget():
    assert d.time_to_forget(0.9 ** np.arange(100.0)) == 66  # 0.9^t < 1e-3 from t = 66
    assert d.time_to_forget(np.array([1e-4, 1e-5])) == 0
    assert d.time_to_forget(np.array([1.0, 1e-4, 1.0])) is None  # not below at the end
    assert d.time_to_forget(np.array([1.0, np.nan, 1e-4]), tol=0.5) == 2  # NaN is not forgotten
    assert d.time_to_forget(np.array([1.0, 0.4, 0.1]), tol=0.5) == 1
    with pytest.raises(ValueError, match="tol must be > 0"):
        d.time_to_forget(np.ones(3), tol=0.0)
    with pytest.raises(ValueError, match="at least one value"):
        d.time_to_forget(np.zeros(0))
    with pytest.raises(ValueError, match="effect must have 1 dimensions"):
        d.time_to_forget(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="effect must be a floating-point array, got dtype bool"):
        d.time_to_forget([True, False])



def test_memory_length_linear_matches_the_formula():
    m = d.memory_length(0.9, 1.0, 1.0, activation="identity", tol=1e-3)
    assert m.status == "forgot"
    assert m.length == int(np.ceil(np.log(1e-3) / np.log(0.9)))  # 0.9^t < 1e-3 from t = 66
    np.testing.assert_allclose(m.effect[:5], 0.9 ** np.arange(5))
    assert d.memory_length(1.1, 1.0, 1.0, activation="identity").status == "blew up"
    assert d.memory_length(1.0, 1.0, 1.0, activation="identity").status == "still remembers"


def test_memory_tanh_longer_than_sigmoid_relu_blows_up_or_forgets():
    for w in (0.5, 0.9):
        tanh = d.memory_length(w, 1.0, 1.0, activation="tanh")
        sig = d.memory_length(w, 1.0, 1.0, activation="sigmoid")
        assert tanh.length > 2 * sig.length
    assert d.memory_length(1.1, 1.0, 1.0, activation="relu").status == "blew up"
    assert d.memory_length(1.1, 1.0, -1.0, activation="relu").length == 0


def test_memory_vector_and_perturbation():
    W = d.matrix_with_eigenvalues(np.array([0.8, 0.5]), rng=0)
    m = d.memory_length(W, np.eye(2), np.ones(2), x_ref=np.ones(2) * 1.01, activation="tanh")
    assert m.status == "forgot" and m.effect[0] > 0
    with pytest.raises(ValueError, match="tol < blowup"):
        d.memory_length(0.5, 1.0, 1.0, tol=0.0)
    with pytest.raises(ValueError, match="horizon must be at least 1"):
        d.memory_length(0.5, 1.0, 1.0, horizon=0)


# ---------------------------------------------------------------- multitap
def test_multitap_simulation_and_modes():
    w = np.array([0.5, 0.45])
    h = d.multitap_impulse_response(w, 2.0, 50)
    assert h[0] == 2.0 and h[1] == pytest.approx(1.0) and h[2] == pytest.approx(0.5 + 0.9)
    r, A = d.modes(w, 2.0)
    t = np.arange(50)
    np.testing.assert_allclose(np.real((A * r ** t[:, None]).sum(axis=1)), h, rtol=1e-10)
    assert np.abs(r[0]) > 0.96  # two small taps give a slow mode
    x = np.random.default_rng(0).standard_normal(20)
    y = d.simulate_multitap(np.array([0.3]), 1.0, x, h_init=np.array([2.0]))
    np.testing.assert_allclose(y, d.simulate(0.3, 1.0, x, h0=2.0))
    with pytest.raises(ValueError, match="repeated"):
        d.modes(np.array([1.0, -0.25]))  # (z - 1/2)^2


def _random_polys(rng, n_poly):
    """Polynomials from random roots, a third of them with a root within 1e-6 of |z| = 1,
    scaled by a random factor of either sign (Jury must not care)."""
    return [d.random_polynomial(rng, int(rng.integers(1, 7)), near_unit_circle=i % 3 == 0)[0]
            * rng.uniform(0.2, 3) * rng.choice([-1, 1]) for i in range(n_poly)]


def test_random_polynomial_has_the_promised_roots():
    rng = np.random.default_rng(3)
    for degree in (1, 2, 5, 6):
        for near in (False, True):
            p, roots = d.random_polynomial(rng, degree, near_unit_circle=near)
            assert p.shape == (degree + 1,) and p[0] == 1.0 and p.dtype == np.float64
            np.testing.assert_allclose(np.abs(np.polyval(p, roots)), 0, atol=1e-10)
            moduli = np.abs(roots)
            assert np.all((moduli >= 0.1 - 1e-12) & (moduli <= 1.5 + 1e-12))
            if near:
                assert np.min(np.abs(moduli - 1)) < 1.1e-6
    with pytest.raises(ValueError, match="degree must be at least 1"):
        d.random_polynomial(rng, 0)
    with pytest.raises(TypeError, match="degree must be a non-negative integer"):
        d.random_polynomial(rng, 2.0)
    with pytest.raises(ValueError, match="radii must be"):
        d.random_polynomial(rng, 2, radii=(1.0, 0.5))
    with pytest.raises(TypeError, match="rng must be"):
        d.random_polynomial("seed", 2)


def test_jury_agrees_with_roots_on_many_polynomials():
    rng = np.random.default_rng(0)
    polys = _random_polys(rng, 3000) + [
        np.concatenate(([1.0], -rng.uniform(-1, 1, rng.integers(1, 6)))) for _ in range(3000)]
    n_stable = 0
    for p in polys:
        by_roots = bool(np.max(np.abs(np.roots(p))) < 1)
        assert d.jury_stable(p) == by_roots, p
        n_stable += by_roots
    assert 1000 < n_stable < len(polys) - 1000  # both outcomes well represented


def test_jury_table_small_cases_and_k2_triangle():
    rows = d.jury_table([1.0, -0.5, -0.3, 0.1, 0.05])
    assert [r.size for r in rows] == [5, 5, 4, 4, 3, 3]
    np.testing.assert_allclose(rows[2], [0.05 * 0.05 - 1.0, 0.05 * 0.1 - 1.0 * -0.5,
                                         0.05 * -0.3 - 1.0 * -0.3, 0.05 * -0.5 - 1.0 * 0.1])
    assert d.jury_stable([2.0, 1.0]) and not d.jury_stable([1.0, 1.5])
    rng = np.random.default_rng(1)
    for w1, w2 in rng.uniform(-2.2, 1.2, (4000, 2)) * [1, 1]:
        w = np.array([w1, w2])
        assert d.in_k2_triangle(w1, w2) == d.stable_by_roots(w)
        assert d.jury_stable(d.characteristic_polynomial(w)) == d.stable_by_roots(w)


def test_multitap_errors():
    with pytest.raises(ValueError, match="at least one tap"):
        d.characteristic_roots(np.array([]))
    with pytest.raises(ValueError, match="leading coefficient"):
        d.jury_stable([0.0, 1.0])
    with pytest.raises(ValueError, match="degree >= 1"):
        d.jury_table([1.0])
    with pytest.raises(ValueError, match="h_init must have shape"):
        d.simulate_multitap(np.array([0.5, 0.2]), 1.0, np.zeros(3), h_init=np.zeros(3))
    with pytest.raises(TypeError, match="w must be a floating-point array, got dtype object"):
        d.characteristic_roots(np.array([1, None], dtype=object))


# ---------------------------------------------------------------- lyapunov
def test_contraction_gives_monotone_lyapunov_function():
    W = d.matrix_with_eigenvalues(d.polar_eigenvalues([0.9, 0.7], [0.4, 0]), rng=0)
    b = np.array([0.3, -0.2, 0.1])
    q = d.contraction_factor(W, "tanh")
    assert q == pytest.approx(0.9)
    h_star = d.fixed_point_by_iteration(W, b=b)
    rng = np.random.default_rng(0)
    for _ in range(20):
        traj = d.iterate(W, rng.uniform(-5, 5, 3), 60, b=b)
        V = d.lyapunov_values(traj, h_star)
        assert np.all(V[1:] <= q * V[:-1] + 1e-12)


def test_local_gain_is_the_jacobians_spectral_radius_and_the_rate_of_approach():
    W = d.matrix_with_eigenvalues(np.array([1.1, 0.6, -0.3]), rng=1)
    assert d.local_gain(W, np.zeros(3), activation="identity") == pytest.approx(1.1)
    b = np.array([0.8, -0.6, 0.5])
    h_star = d.fixed_point_by_iteration(W, b=b)  # q = 1.1 > 1, yet it converges
    assert d.contraction_factor(W) > 1
    gain = d.local_gain(W, h_star, b=b)
    # against a finite-difference Jacobian of h -> tanh(W h + b)
    eps = 1e-6
    J = np.column_stack([(np.tanh(W @ (h_star + eps * e) + b) - np.tanh(W @ (h_star - eps * e) + b))
                         / (2 * eps) for e in np.eye(3)])
    assert gain == pytest.approx(np.max(np.abs(np.linalg.eigvals(J))), rel=1e-8)
    # the distance to h* shrinks by about that factor per step near h*
    traj = d.iterate(W, h_star + 1e-3 * np.ones(3), 200, b=b)
    dist = np.linalg.norm(traj - h_star, axis=1)
    rate = (dist[14] / dist[6]) ** (1 / 8)  # the mean factor per step over steps 6..14
    assert gain < 1 and rate == pytest.approx(gain, rel=5e-3)
    with pytest.raises(ValueError, match="h_star must have shape"):
        d.local_gain(W, np.zeros(2))


def test_spectral_radius_below_one_is_not_enough_for_the_norm_but_is_for_P():
    W = d.matrix_with_eigenvalues(np.array([0.9, 0.5]), skew=5.0, rng=0)
    assert d.spectral_radius(W) < 1 < d.largest_singular_value(W)
    P = d.discrete_lyapunov(W)
    np.testing.assert_allclose(W.T @ P @ W - P, -np.eye(2), atol=1e-10)
    assert np.all(np.linalg.eigvalsh(P) > 0)
    # the start that W stretches most: the norm rises first, V_P falls every step
    h0 = np.linalg.svd(W)[2][0]
    traj = np.vstack([h0, d.iterate(W, h0, 40, activation="identity")])
    V = d.lyapunov_values(traj, np.zeros(2))
    assert V[1] > V[0]
    VP = d.lyapunov_values(traj, np.zeros(2), P)
    assert np.all(np.diff(VP) < 0)
    with pytest.raises(ValueError, match="did not converge"):
        d.fixed_point_by_iteration(np.eye(2) * 1.5, b=np.ones(2), activation="identity",
                                   steps=50)
    with pytest.raises(ValueError, match="P must have shape"):
        d.lyapunov_values(traj, np.zeros(2), np.eye(3))


def test_batched_simulation_and_dtype():
    rng = np.random.default_rng(3)
    W, C = 0.5 * rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    x = rng.standard_normal((7, 4, 2))  # (T, B, D)
    h0 = rng.standard_normal((4, 3))
    h = d.simulate(W, C, x, activation="tanh", h0=h0, b=0.1)
    assert h.shape == (7, 4, 3)
    for i in range(4):
        np.testing.assert_allclose(h[:, i], d.simulate(W, C, x[:, i], activation="tanh",
                                                       h0=h0[i], b=0.1), rtol=1e-13)
    shared = d.simulate(W, C, x, h0=h0[0])
    np.testing.assert_allclose(shared[:, 2], d.simulate(W, C, x[:, 2], h0=h0[0]), rtol=1e-13)
    h32 = d.simulate(W, C, x, activation="tanh", dtype=np.float32)
    assert h32.dtype == np.float32
    np.testing.assert_allclose(h32, d.simulate(W, C, x, activation="tanh"), atol=1e-5)
    with pytest.raises(ValueError, match=r"h0 must have shape \(4, 3\)"):
        d.simulate(W, C, x, h0=np.zeros((5, 3)))
    with pytest.raises(ValueError, match="x must have shape"):
        d.simulate(W, C, np.zeros((7, 4, 5, 2)))


def test_zero_eigenvalue_growth_rate_is_minus_infinity():
    assert d.predicted_growth_rate(np.zeros((2, 2)), np.ones(2)) == -np.inf


def test_lyapunov_and_memory_errors():
    with pytest.raises(ValueError, match="h0 must have shape"):
        d.iterate(np.eye(2), np.zeros(3), 5)
    with pytest.raises(ValueError, match="b must have shape"):
        d.iterate(np.eye(2), np.zeros(2), 5, b=np.zeros(3))
    with pytest.raises(ValueError, match="W must be square"):
        d.contraction_factor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="unknown activation"):
        d.contraction_factor(np.eye(2), "softsign")
    with pytest.raises(ValueError, match="Q must have shape"):
        d.discrete_lyapunov(np.eye(2) * 0.5, Q=np.eye(3))
    with pytest.raises(ValueError, match="x0 must have 1 dimensions"):
        d.memory_length(np.eye(2), np.eye(2), np.ones((2, 2)))
    with pytest.raises(ValueError, match="x must have shape"):
        d.time_delay(np.zeros((2, 3, 4)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="b must have shape"):
        d.time_delay(np.zeros((2, 3, 4)), np.zeros((5, 4)), b=np.zeros(2))


def test_jury_conditions_name_each_condition():
    # z^2 - 0.5 z - 0.45: roots 0.97 and -0.47, stable; every condition holds
    conds = d.jury_conditions([1.0, -0.5, -0.45])
    assert [name for name, _ in conds] == ["P(1) > 0", "(-1)^2 P(-1) > 0", "|a_n| < a_0"]
    assert all(ok for _, ok in conds)
    # z^2 - z - 0.5: P(1) = -0.5 < 0, a root outside the unit circle
    conds = dict(d.jury_conditions([1.0, -1.0, -0.5]))
    assert conds["P(1) > 0"] is False and not d.jury_stable([1.0, -1.0, -0.5])
    # degree 4: the table's third row adds a condition
    names = [name for name, _ in d.jury_conditions([1.0, -0.5, -0.3, 0.1, 0.05])]
    assert names[3:] == ["row 3: |first| > |last|", "row 5: |first| > |last|"]
    with pytest.raises(ValueError, match="degree >= 1"):
        d.jury_conditions([2.0])


def test_remaining_functions_reject_bad_input():
    with pytest.raises(ValueError, match="W must be square"):
        d.largest_singular_value(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="W must be a floating-point array, got dtype bool"):
        d.departure_from_normality(np.eye(2, dtype=bool))
    assert d.departure_from_normality(np.diag([2.0, 1.0])) == 0.0
    # a Jordan block: ||W W^T - W^T W||_F = ||diag(1, -1)||_F = sqrt 2, ||W||_F^2 = 1
    jordan = np.array([[0.0, 1.0], [0.0, 0.0]])
    assert d.departure_from_normality(jordan) == pytest.approx(np.sqrt(2))
    with pytest.raises(TypeError, match="steps must be a non-negative integer"):
        d.final_value(0.5, steps=2.5)
    with pytest.raises(ValueError, match="h must have 1 or 2 dimensions"):
        d.response_norms(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="h must be a floating-point array, got dtype bool"):
        d.response_norms(np.zeros(3, dtype=bool))
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        d.multitap_impulse_response(np.array([0.5]), 1.0, -2)
    with pytest.raises(TypeError, match="c must be a real number"):
        d.multitap_impulse_response(np.array([0.5]), "1", 3)
    with pytest.raises(ValueError, match="w must have 1 dimensions"):
        d.characteristic_polynomial(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="w contains 1 NaN"):
        d.stable_by_roots(np.array([0.5, np.nan]))
    with pytest.raises(TypeError, match="w2 must be a real number"):
        d.in_k2_triangle(0.5, None)


def test_most_stretched_direction():
    rng = np.random.default_rng(5)
    W = d.matrix_with_eigenvalues(np.array([0.9, 0.5, -0.3]), skew=3.0, rng=1)
    v = d.most_stretched_direction(W)
    assert np.linalg.norm(v) == pytest.approx(1.0)
    assert np.linalg.norm(W @ v) == pytest.approx(d.largest_singular_value(W), rel=1e-12)
    for u in rng.standard_normal((200, 3)):  # no other direction is stretched more
        assert np.linalg.norm(W @ u) <= np.linalg.norm(W @ v) * np.linalg.norm(u) + 1e-12
    with pytest.raises(ValueError, match="W must be square"):
        d.most_stretched_direction(np.zeros((2, 3)))


def test_teaching_functions_take_ints_and_lists_as_a_student_types_them():
    # integer arrays and lists of ints are converted to float, as NumPy would
    assert d.spectral_radius(np.array([[1, 2], [0, 1]])) == pytest.approx(1.0)
    assert d.spectral_radius([[1, 2], [0, 1]]) == d.spectral_radius(np.array([[1.0, 2], [0, 1]]))
    assert d.departure_from_normality(np.eye(2, dtype=int)) == 0.0
    np.testing.assert_array_equal(d.simulate(0.5, 1, [1, 0, 0]), d.simulate(0.5, 1.0, np.array(
        [1.0, 0, 0])))
    np.testing.assert_array_equal(d.simulate([[1, 0], [0, 1]], np.eye(2, dtype=int),
                                             np.ones((3, 2), dtype=np.int32)),
                                  d.simulate(np.eye(2), np.eye(2), np.ones((3, 2))))
    assert d.time_to_forget([1, 1, 0]) == 2
    np.testing.assert_allclose(d.characteristic_roots([1, 0]), d.characteristic_roots([1.0, 0.0]))
    assert d.stable_fixed_point_counts([1, 2], [0]).shape == (1, 2)
    np.testing.assert_array_equal(d.response_norms(np.array([3, 4])), d.response_norms(
        np.array([3.0, 4.0])))
    # bool, complex, object and strings still get the clear error
    for bad, dtype in [(np.eye(2, dtype=bool), "bool"), (np.eye(2) * 1j, "complex128"),
                       (np.array([["1", "2"], ["3", "4"]]), "<U1"),
                       (np.array([[1, None], [0, 1]], dtype=object), "object")]:
        with pytest.raises(TypeError, match=f"W must be a floating-point array, got dtype {dtype}"):
            d.spectral_radius(bad)


def test_errors_name_the_arguments_as_the_function_calls_them():
    with pytest.raises(TypeError, match="^w must be a real number, got str 'x'"):
        d.final_value(w="x")
    with pytest.raises(TypeError, match="^c must be a real number"):
        d.final_value(0.5, c=[1.0])
    with pytest.raises(TypeError, match="^x_ref must be a real number"):
        d.memory_length(0.5, 1.0, 1.0, x_ref="a")
    with pytest.raises(ValueError, match="^x_ref must have 1 dimensions"):
        d.memory_length(np.eye(2), np.eye(2), np.ones(2), x_ref=np.ones((2, 2)))
    assert d.final_value(0, 0, 1, steps=3) == pytest.approx(0.5)  # sigmoid(0); ints accepted
