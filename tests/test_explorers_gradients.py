"""The explorers of notebook 03 draw at every control's extremes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib import deepgrad  # noqa: E402
from rnnlib.explorers import gradients  # noqa: E402


@pytest.fixture(scope="module")
def small_results():
    """All four activations and three inits on a small net (the notebook's are 19 x 1024)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(20, 30))
    y = np.arange(20) % 10
    return deepgrad.sweep(x, y, ("elu", "relu", "sigmoid", "tanh"),
                          ("pytorch", "glorot", "he"), hidden=4, width=16)


def test_products_explorer_extremes():
    assert gradients.products_explorer().check_extremes() == 2 + 4 + 3


def test_products_explorer_combinations_of_extremes():
    """Every activation with every kind of W at the smallest and largest sigma_max."""
    assert gradients.products_explorer().check_extremes(combinations=True) == 2 * 4 * 3


def test_through_time_explorer_extremes():
    assert gradients.through_time_explorer().check_extremes(combinations=True) == 2 * 4 * 3


@pytest.mark.parametrize("build", [gradients.products_explorer, gradients.through_time_explorer,
                                   gradients.cliff_explorer])
def test_explorers_refresh_to_what_they_draw(build):
    """Every slider move changes the kept figure's artists (no new axes) and gives the figure
    drawn from scratch, pixel for pixel; the cliff's surface is drawn once and kept."""
    explorer = build()
    moves = sum(len(c.extremes()) for c in explorer.controls.values()) + 1
    assert explorer.check_refresh() == moves


def test_deep_explorer_refreshes_within_a_view(small_results):
    explorer = gradients.deep_explorer(small_results)
    # every activation and init: refreshed; the other view, and back: drawn anew
    assert explorer.check_refresh() == 4 + 3 + 1
    assert explorer.check_refresh(combinations=True) >= 1


def test_cliff_explorer_extremes():
    assert gradients.cliff_explorer().check_extremes() == 8


def test_deep_explorer_extremes(small_results):
    ex = gradients.deep_explorer(small_results)
    assert ex.defaults() == {"activation": "elu", "init": "pytorch", "view": "batch"}
    assert ex.check_extremes(combinations=True) == 4 * 3 * 2


def test_deep_explorer_draws_one_dot_per_neuron(small_results):
    fig = gradients.deep_explorer(small_results).render(activation="relu", init="he")
    ax = fig.axes[0]
    dots = sum(np.count_nonzero(np.isfinite(line.get_ydata())) for line in ax.lines
               if line.get_marker() == ".")
    res = small_results[("relu", "he")]
    assert dots == sum(np.count_nonzero(np.isfinite(b)) for b in res.batch_log10)
    plt.close(fig)


@pytest.mark.parametrize("view", gradients.VIEWS)
def test_static_grids(small_results, view):
    fig = plt.figure(figsize=(10, 3))
    gradients.draw_deep_grid(fig, small_results, "glorot", view)
    assert [ax.get_title() for ax in fig.axes] == ["elu", "relu", "sigmoid", "tanh"]
    plt.close(fig)
    fig = plt.figure(figsize=(10, 3))
    gradients.draw_medians_by_init(fig, small_results, view)
    assert len(fig.axes) == 3 and len(fig.axes[0].lines) == 4
    plt.close(fig)
    with pytest.raises(ValueError, match="no results for init='lecun'"):
        gradients.draw_deep_grid(plt.figure(), small_results, "lecun")
    with pytest.raises(ValueError, match="view must be one of"):
        gradients.draw_medians_by_init(plt.figure(), small_results, "both")
    plt.close("all")


def test_deep_update_errors(small_results):
    fig = plt.figure()
    with pytest.raises(ValueError, match="results must be a dict"):
        gradients.draw_deep(fig, results=None)
    with pytest.raises(ValueError, match="no result for activation='elu', init='lecun'"):
        gradients.draw_deep(fig, init="lecun", results=small_results)
    with pytest.raises(ValueError, match="view must be one of"):
        gradients.draw_deep(fig, view="both", results=small_results)
    plt.close(fig)


def test_a_nonnormal_w_that_is_sigma_times_identity_says_so():
    fig = gradients.products_explorer().render(sigma_max=0.5, kind="nonnormal")
    assert "nonnormal W (here = $\\sigma I$, normal)" in fig.axes[0].get_title()
    plt.close(fig)
    fig = gradients.products_explorer().render(sigma_max=2.0, kind="nonnormal")
    assert "here" not in fig.axes[0].get_title()
    plt.close(fig)


def test_through_time_title_states_the_guarantee():
    fig = gradients.through_time_explorer().render(sigma_max=0.5, activation="tanh")
    assert "vanishing guaranteed" in fig.axes[0].get_title()
    plt.close(fig)
    fig = gradients.through_time_explorer().render(sigma_max=3.5, activation="sigmoid")
    assert "vanishing guaranteed" in fig.axes[0].get_title()  # 3.5 / 4 < 1
    plt.close(fig)
    fig = gradients.through_time_explorer().render(sigma_max=1.5, activation="tanh")
    assert "no guarantee" in fig.axes[0].get_title()
    plt.close(fig)


def test_cliff_slice_has_a_spike():
    ws, e, g = gradients.cliff_slice(-3.0)
    assert g.max() > 100 * np.median(g)
    fig = plt.figure()
    gradients.draw_cliff_slice(fig)
    assert len(fig.axes) == 2
    plt.close(fig)
