import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib import dynamics  # noqa: E402
from rnnlib.explorers import recurrence as rec  # noqa: E402


@pytest.mark.parametrize("build", [rec.eigen_explorer, rec.scalar_explorer,
                                   rec.vector_explorer, rec.multitap_explorer])
def test_every_explorer_draws_at_its_extremes(build):
    explorer = build()
    expected = sum(len(c.extremes()) for c in explorer.controls.values())
    assert explorer.check_extremes() == expected
    assert plt.get_fignums() == []


@pytest.mark.parametrize("build, every_move", [(rec.eigen_explorer, True),
                                               (rec.scalar_explorer, False),
                                               (rec.vector_explorer, False),
                                               (rec.multitap_explorer, True)])
def test_every_explorer_refreshes_to_what_it_draws(build, every_move):
    """A slider move changes the kept figure's artists (no new axes): moved through every
    extreme and back, the figure is the one drawn from scratch, pixel for pixel. Some moves
    of the scalar and vector explorers lengthen a title past the first layout's edge and
    are drawn from scratch instead (as every move was before)."""
    explorer = build()
    moves = sum(len(c.extremes()) for c in explorer.controls.values()) + 1
    refreshes = explorer.check_refresh()
    assert refreshes == moves if every_move else moves // 3 <= refreshes < moves
    if build in (rec.vector_explorer, rec.multitap_explorer):
        assert explorer.check_refresh(combinations=True) > 0


def test_eigen_explorer_corner_cases_and_combinations():
    explorer = rec.eigen_explorer()
    # r1 == r2: nothing to remove, the figure says so instead of failing
    fig = explorer.render(r1=0.9, r2=0.9, input="no top mode")
    assert "nothing to remove" in fig.axes[1].get_title()
    plt.close(fig)
    assert rec.multitap_explorer().check_extremes(combinations=True) == 4
    assert rec.vector_explorer().check_extremes(combinations=True) == 16


def test_eigen_matrix_has_the_slider_eigenvalues():
    W = rec.eigen_matrix(1.1, 30.0, 0.5, 0.0, skew=2.0)
    lam = np.sort_complex(np.linalg.eigvals(W))
    z = 1.1 * np.exp(1j * np.pi / 6)
    np.testing.assert_allclose(lam, np.sort_complex([0.5, 0.5, z, np.conj(z)]), atol=1e-9)
    assert dynamics.spectral_radius(rec.vector_matrix(0.9)) == pytest.approx(0.9)


def test_scalar_explorer_title_counts_fixed_points():
    fig = rec.scalar_explorer().render(activation="sigmoid", w=8.0, b=-4.0)
    assert fig.axes[1].get_title() == "3 fixed point(s), 2 stable"
    plt.close(fig)
    fig = rec.scalar_explorer().render(activation="identity", w=1.0, b=0.0)
    assert "every h is a fixed point" in fig.axes[1].get_title()
    plt.close(fig)


def test_multitap_title_reports_both_tests():
    fig = rec.multitap_explorer().render(w1=1.0, w2=0.5)
    assert fig.axes[0].get_title() == "roots: unstable, Jury: unstable"
    plt.close(fig)


def test_multitap_response_title_gives_the_memory():
    fig = rec.multitap_explorer().render(w1=0.9, w2=0.0)  # one mode 0.9: 0.9^t < 1e-3 from t = 66
    assert fig.axes[2].get_title().endswith("|h| < 1e-3 from t = 66 (off the plot)")
    plt.close(fig)
    fig = rec.multitap_explorer().render(w1=0.5, w2=0.0)
    assert fig.axes[2].get_title().endswith("|h| < 1e-3 from t = 10")
    plt.close(fig)
    fig = rec.multitap_explorer().render(w1=0.0, w2=0.0)  # h = [1, 0, 0, ...]: zeros not drawn
    assert fig.axes[2].get_title().endswith("|h| < 1e-3 from t = 1")
    plt.close(fig)
    fig = rec.multitap_explorer().render(w1=1.0, w2=0.5)  # roots 1.37 and -0.37
    assert fig.axes[2].get_title().endswith("blows up (|r_1| = 1.37 > 1)")
    plt.close(fig)
    fig = rec.multitap_explorer().render(w1=1.0, w2=0.0)  # one root exactly 1: h stays 1
    assert fig.axes[2].get_title().endswith("does not decay (|r_1| = 1)")
    assert fig.axes[0].get_title() == "marginal: $|r_1| = 1$"
    plt.close(fig)
    # h(t) = 1.2^(t/2) at even t, 0 at odd t: the last plotted value is 0, yet it blows up
    fig = rec.multitap_explorer().render(w1=0.0, w2=1.2)
    assert fig.axes[2].get_title().endswith("blows up (|r_1| = 1.10 > 1)")
    plt.close(fig)
    # a slow oscillating decay whose 60th value is a zero crossing is not "forgotten at 59"
    fig = rec.multitap_explorer().render(w1=1.9, w2=-0.95)
    assert fig.axes[2].get_title().endswith("|h| < 1e-3 from t = 328 (off the plot)")
    plt.close(fig)


def test_forgetting_time_from_a_long_enough_response():
    w = np.array([1.9, -0.95])
    h = np.abs(dynamics.multitap_impulse_response(w, 1.0, 2000))
    assert rec.forgetting_time(w, np.max(np.abs(dynamics.characteristic_roots(w))), 60) == \
        dynamics.time_to_forget(h)
    assert np.all(h[328:] < 1e-3) and h[327] >= 1e-3


def test_eigen_explorer_no_top_mode_says_when_round_off_brings_it_back():
    fig = rec.eigen_explorer().render(r1=1.5, angle1=0.0, r2=0.5, angle2=60.0,
                                      input="no top mode")
    assert fig.axes[1].get_title().endswith("(round-off brought the top mode back)")
    data, predicted = fig.axes[1].lines[:2]
    assert predicted.get_ydata()[0] == pytest.approx(data.get_ydata()[0])  # anchored at h(0)
    plt.close(fig)
    fig = rec.eigen_explorer().render(r1=1.1, angle1=0.0, input="no top mode")
    assert "round-off" not in fig.axes[1].get_title()
    plt.close(fig)


def test_vector_explorer_bias_moves_the_state():
    fig = rec.vector_explorer().render(lambda_max=0.9, activation="tanh", b=1.0)
    top = fig.axes[0].lines
    assert "b = 1" in fig.axes[0].get_title()
    # with a bias the state settles away from 0 (tanh forgets x(0) but not b)
    assert min(abs(line.get_ydata()[-1]) for line in top) > 0.1
    plt.close(fig)
