"""The addition and parity explorers of notebook 05."""

import matplotlib

matplotlib.use("Agg")

from rnnlib.explorers import arithmetic as ex  # noqa: E402


def test_explorers_draw_at_every_extreme():
    assert ex.addition_explorer(rnn_steps=3, mlp_steps=3).check_extremes() == 8
    assert ex.parity_explorer(rnn_steps=3, mlp_steps=3).check_extremes() == 8


def test_explorer_figure_has_both_panels_with_labels():
    fig = ex.addition_explorer(rnn_steps=3, mlp_steps=3).render(n_bits=3, n_train=16)
    loss_ax, score_ax = fig.axes
    assert loss_ax.get_ylabel() == "training divergence (BCE)"
    assert [t.get_text() for t in score_ax.get_xticklabels()][-1] == "MLP\n100 bits"
    assert len(loss_ax.get_legend().get_texts()) == 2
