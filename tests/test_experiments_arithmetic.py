"""The addition and parity experiments of notebook 05 (claims C29-C31)."""

import numpy as np
import pytest

from rnnlib import handbuilt
from rnnlib.experiments import arithmetic as ex


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
    rng = np.random.default_rng(0)  # these three derive further seeds from an int seed
    with pytest.raises(TypeError, match="seed must be a non-negative integer, got Generator"):
        ex.train_rnn_restarts("parity", x, y, seed=rng)
    with pytest.raises(TypeError, match="seed must be a non-negative integer, got Generator"):
        ex.compare("parity", 3, 4, seed=rng)
    with pytest.raises(TypeError, match=r"seeds\[\.\.\.\] must be a non-negative integer"):
        ex.generalisation("parity", 3, 4, 10, [rng])


def test_scoring_counts_exact_sequences_and_the_margin():
    (x, y), (xt, yt) = ex.split("parity", 40, 30, 8, rng=0)
    model, _ = ex.train_rnn("parity", x, y, steps=30, seed=0)
    logits = model.forward(xt)[..., 0]
    exact, margin = ex.score_rnn(model, xt, yt)
    assert exact == int(np.all((logits > 0) == (yt > 0.5), axis=0).sum())
    assert margin == float(np.abs(logits).min())
    final, _ = ex.score_rnn(model, xt, yt, final_only=True)
    assert final == int(np.sum((logits[-1] > 0) == (yt[-1] > 0.5)))
    flipped = yt.copy()
    flipped[3, 0] = 1 - flipped[3, 0]  # one wrong bit in sequence 0 spoils it if it was right
    first_right = int(np.all((logits[:, 0] > 0) == (yt[:, 0] > 0.5)))
    assert ex.score_rnn(model, xt, flipped)[0] == exact - first_right


def test_training_rejects_malformed_data():
    x, y = ex.sequences("parity", 3, 4, rng=0)
    with pytest.raises(ValueError, match="x must have 3 dimensions"):
        ex.train_rnn("parity", x[:, :, 0], y)
    with pytest.raises(ValueError, match=r"y must have shape \(4, 3\)"):
        ex.train_rnn("parity", x, y[:, :2])
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        ex.score_rnn(handbuilt.parity(), x.astype(int), y)


def test_compare_trains_both_nets_on_the_same_examples():
    run = ex.compare("addition", 3, 1000, hidden=3, rnn_steps=4, mlp_steps=4, long_bits=12,
                     n_long=10)
    # 2**6 = 64 possible pairs: 16 held out, at most 48 left for training
    assert run["n_test"] == 16 and run["n_train"] == 48
    assert run["rnn_settings"]["hidden"] == 3 and run["rnn_settings"]["steps"] == 4
    assert len(run["rnn_history"]["loss"]) == 4 and len(run["mlp_history"]["loss"]) == 4
    assert 0 <= run["rnn_held"] <= 16 and 0 <= run["mlp_held"] <= 16
    assert 0 <= run["rnn_long"] <= 10
