import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib import handbuilt  # noqa: E402
from rnnlib.explorers import arithmetic as ex  # noqa: E402


def test_explorers_draw_at_every_extreme():
    assert ex.addition_explorer(rnn_steps=3, mlp_steps=3).check_extremes() == 8
    assert ex.parity_explorer(rnn_steps=3, mlp_steps=3).check_extremes() == 8


def test_train_rnn_learns_addition_and_generalises_to_long_numbers():
    (x, y), (xt, yt) = ex.split("addition", 128, 200, 8, rng=0)
    model, history = ex.train_rnn("addition", x, y, **ex.RNN_SETTINGS["addition"], seed=0)
    assert len(history["loss"]) == 400 and history["loss"][-1] < 0.1 * history["loss"][0]
    assert ex.score_rnn(model, xt, yt)[0] == 200
    exact, margin = ex.rnn_exact(model, "addition", 200, n=50, rng=1)
    assert exact == 50 and margin > 1.0


def test_handbuilt_nets_score_perfectly_with_the_same_scoring():
    assert ex.rnn_exact(handbuilt.adder(), "addition", 500, n=20, rng=0) == (20, 5.0)
    assert ex.rnn_exact(handbuilt.parity(), "parity", 500, n=20, rng=0) == (20, 5.0)


def test_mlp_memorises_but_does_not_generalise_from_few_examples():
    (x, y), (xt, yt) = ex.split("addition", 64, 200, 8, rng=0)
    mlp, _ = ex.train_mlp("addition", x, y, steps=300, seed=0)
    assert ex.mlp_exact(mlp, "addition", x, y) == 64  # fits its training set ...
    assert ex.mlp_exact(mlp, "addition", xt, yt) < 50  # ... but not unseen pairs


def test_restarts_keep_the_lowest_training_loss():
    (x, y), _ = ex.split("parity", 32, 1, 6, rng=0)
    model, history, train_losses = ex.train_rnn_restarts("parity", x, y, restarts=3,
                                                         steps=20, seed=0)
    assert len(train_losses) == 3 and len(history["loss"]) == 20
    assert ex.training_loss(model, x, y) == min(train_losses)


def test_data_efficiency_and_generalisation_report_shapes():
    out = ex.data_efficiency("parity", [8, 16], 6, n_test=20, seed=0,
                             rnn=dict(steps=5), mlp=dict(steps=5))
    assert out["sizes"] == [8, 16] and out["n_test"] == 20
    assert all(0 <= v <= 20 for v in out["rnn"] + out["mlp"])
    assert 0 <= out["mlp_train"][0] <= 8 and 0 <= out["mlp_train"][1] <= 16
    rows = ex.generalisation("addition", 4, 16, 40, seeds=[0, 1], n_long=10, steps=5)
    assert [r["seed"] for r in rows] == [0, 1]
    assert all(0 <= r["exact"] <= 10 and r["margin"] >= 0 for r in rows)


def test_views_and_sequences_dispatch_on_the_task():
    x, y = ex.sequences("parity", 3, 7, rng=0)
    assert x.shape == (7, 3, 1)
    X, Y = ex.mlp_view("parity", x, y)
    assert X.shape == (3, 7) and Y.shape == (3, 1)
    x, y = ex.sequences("addition", 3, 7, rng=0)
    X, Y = ex.mlp_view("addition", x, y)
    assert X.shape == (3, 14) and Y.shape == (3, 8)
    np.testing.assert_array_equal(ex.rnn_bits(handbuilt.adder(), x), y)


def test_bad_inputs():
    with pytest.raises(ValueError, match="unknown task 'sum'; known tasks: addition, parity"):
        ex.split("sum", 2, 2, 3)
    with pytest.raises(ValueError, match="hidden must be a positive integer"):
        x, y = ex.sequences("parity", 3, 4)
        ex.train_rnn("parity", x, y, hidden=0)
    with pytest.raises(ValueError, match="restarts must be a positive integer"):
        ex.train_rnn_restarts("parity", x, y, restarts=0)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        ex.rnn_exact(handbuilt.parity(), "parity", 5, n=0)


def test_scoring_in_chunks_matches_one_pass():
    (x, y), (xt, yt) = ex.split("parity", 40, 30, 8, rng=0)
    model, _ = ex.train_rnn("parity", x, y, steps=30, seed=0)
    logits = model.forward(xt)[..., 0]
    whole = (int(np.all((logits > 0) == (yt > 0.5), axis=0).sum()), float(np.abs(logits).min()))
    for chunk in (1, 7, 100):
        exact, margin = ex.score_rnn(model, xt, yt, chunk=chunk)
        assert exact == whole[0] and abs(margin - whole[1]) < 1e-12
    with pytest.raises(ValueError, match="chunk must be a positive integer"):
        ex.score_rnn(model, xt, yt, chunk=0)
