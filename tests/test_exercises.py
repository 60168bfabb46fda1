"""The exercise checkers: reference solutions pass, every named mistake is named, stubs and
exceptions give one line, and the solutions' gradients match finite differences."""

import numpy as np
import pytest

from rnnlib import exercises as ex
from rnnlib.cells import GRUCell, LSTMCell
from rnnlib.exercises import solutions as sol
from rnnlib.gradcheck import numerical_gradient, relative_error

SOLVED = [
    ("lstm_forward", lambda: ex.check_lstm_forward(sol.lstm_forward)),
    ("lstm_forward_peep", lambda: ex.check_lstm_forward(sol.lstm_forward, peepholes=True)),
    ("lstm_backward", lambda: ex.check_lstm_backward(sol.lstm_backward)),
    ("lstm_backward_peep", lambda: ex.check_lstm_backward(sol.lstm_backward, peepholes=True)),
    ("gru_forward", lambda: ex.check_gru_forward(sol.gru_forward)),
    ("gru_backward", lambda: ex.check_gru_backward(sol.gru_backward)),
    ("network", lambda: ex.check_lstm_network_backward(sol.lstm_network_backward)),
    ("eigen_matrix", lambda: ex.check_eigen_matrix(sol.eigen_matrix)),
    ("growth", lambda: ex.check_growth_prediction(sol.growth_prediction)),
    ("fixed_points", lambda: ex.check_sigmoid_fixed_points(sol.sigmoid_fixed_points)),
    ("bistable", lambda: ex.check_bistable_range(sol.bistable_range)),
    ("chain", lambda: ex.check_chain_gradient(sol.chain_gradient)),
    ("clip", lambda: ex.check_clip_grad_norm(sol.clip_grad_norm)),
    ("parity", lambda: ex.check_parity_weights(sol.parity_weights)),
    ("adder", lambda: ex.check_adder_weights(sol.adder_weights)),
]

CHECKERS = {
    "lstm_forward": ex.check_lstm_forward, "lstm_backward": ex.check_lstm_backward,
    "gru_forward": ex.check_gru_forward, "gru_backward": ex.check_gru_backward,
    "network": ex.check_lstm_network_backward, "eigen_matrix": ex.check_eigen_matrix,
    "growth": ex.check_growth_prediction, "fixed_points": ex.check_sigmoid_fixed_points,
    "bistable": ex.check_bistable_range, "chain": ex.check_chain_gradient,
    "clip": ex.check_clip_grad_norm, "parity": ex.check_parity_weights,
    "adder": ex.check_adder_weights,
}


@pytest.mark.parametrize("name, check", SOLVED, ids=[n for n, _ in SOLVED])
def test_the_reference_solutions_pass(name, check):
    v = check()
    assert v.passed, str(v)
    assert v.score == 1.0 and v.items
    assert all(ok for _, ok, _, _ in v.items)
    assert "WRONG" not in str(v)


def _stub(*args):
    raise NotImplementedError


def _returns_none(*args):
    return None


def _raises(*args):
    raise KeyError("W_q")


@pytest.mark.parametrize("name", CHECKERS)
def test_a_stub_is_one_line_not_implemented(name):
    v = CHECKERS[name](_stub)
    assert not v.passed and v.score == 0.0
    assert str(v).count("\n") == 0
    assert str(v).endswith("not implemented yet")


@pytest.mark.parametrize("name", CHECKERS)
def test_none_is_one_line(name):
    v = CHECKERS[name](_returns_none)
    assert not v.passed and v.score == 0.0
    assert str(v).count("\n") == 0 and "None" in str(v), str(v)
    assert "Traceback" not in str(v)


@pytest.mark.parametrize("name", CHECKERS)
def test_an_exception_is_one_line_with_its_type(name):
    v = CHECKERS[name](_raises)
    assert not v.passed
    assert str(v).count("\n") == 0
    assert "KeyError" in str(v) and "W_q" in str(v)


def test_wrong_shapes_are_one_line():
    v = ex.check_lstm_forward(lambda x, h, C, p: (h[:, :2], C))
    assert str(v) == "LSTM forward: wrong shape: h expected (3, 5), got (3, 2)"
    v = ex.check_gru_forward(lambda x, h, p: h.T)
    assert str(v).count("\n") == 0 and "wrong shape" in str(v) and "(5, 3)" in str(v)
    v = ex.check_eigen_matrix(lambda lam: np.eye(2))
    assert str(v).count("\n") == 0 and "wrong shape" in str(v)


def test_the_verdict_prints_a_few_lines_and_html():
    def slip(dh, dC, cache, params):
        g = sol.lstm_backward(dh, dC, cache, params)
        g["dC_prev"] = g["dC_prev"] / cache["f"]
        return g
    v = ex.check_lstm_backward(slip)
    lines = str(v).splitlines()
    assert lines[0] == "LSTM backward: 10 of 11 checks right"
    assert lines[1].startswith("  dC_prev: WRONG (rel. error ")
    assert lines[1].endswith("looks like the forget-gate factor f_t is missing: "
                             "dC_prev = dC * f_t")
    assert len(lines) == 2 and 0 < v.score < 1 and not v.passed and not v
    assert "dC_prev: WRONG" in v._repr_html_()
    printed = []

    class P:
        def text(self, s):
            printed.append(s)
    v._repr_pretty_(P(), False)
    assert printed == [str(v)]
    (dc_prev,) = [it for it in v.items if it[0] == "dC_prev"]
    assert dc_prev[1] is False and dc_prev[2] > 0.01


# -- the LSTM backward's mistakes, written out as a student would make them --------------------
def _lstm_backward_with(slip):
    """The reference solution's backward with one named slip (written independently of the
    checker's own mutated reference)."""
    def fn(dh, dC, cache, p):
        c = cache
        f, i, ct, o, C, C_prev, hx = (c["f"], c["i"], c["C_tilde"], c["o"], c["C"],
                                      c["C_prev"], c["hx"])
        H = dh.shape[1]
        sig_d = {g: s * (1 - s) for g, s in (("f", f), ("i", i), ("o", o))}
        if slip.startswith("tanh'_"):
            g = slip[-1]
            sig_d[g] = 1 - {"f": f, "i": i, "o": o}[g] ** 2
        tC = np.tanh(C)
        dCt = dC
        if slip != "no_dh_path":
            dCt = dCt + dh * o * (1 - tC ** 2)
        if slip == "no_incoming_dC":
            dCt = dh * o * (1 - tC ** 2)
        dz = {"o": dh * tC * sig_d["o"]}
        dC_prev = dCt if slip == "no_forget_factor" else dCt * f
        dz["c"] = dCt * i * (ct * (1 - ct) if slip == "sigma'_candidate" else 1 - ct ** 2)
        dz["i"] = dCt * ct * sig_d["i"]
        dz["f"] = dCt * C_prev * sig_d["f"]
        dhx = sum(dz[g] @ p[f"W_{g}"] for g in "fico")
        out = {"dx": dhx[:, H:], "dh_prev": dhx[:, :H], "dC_prev": dC_prev}
        for g in "fico":
            out[f"dW_{g}"] = dz[g].T @ hx
            out[f"db_{g}"] = dz[g].sum(axis=0)
        return out
    return fn


def _lstm_array_slip(slip):
    def fn(dh, dC, cache, p):
        g = sol.lstm_backward(dh, dC, cache, p)
        if slip == "pytorch_order":  # blocks i, f, g, o read as f, i, c, o: f and i swapped
            g["dW_f"], g["dW_i"], g["db_f"], g["db_i"] = g["dW_i"], g["dW_f"], g["db_i"], g["db_f"]
        elif slip == "swap_c_o":
            g["dW_c"], g["dW_o"], g["db_c"], g["db_o"] = g["dW_o"], g["dW_c"], g["db_o"], g["db_c"]
        elif slip == "transposed":
            g["dW_o"] = g["dW_o"].T
        elif slip == "not_summed":
            g["db_f"] = np.broadcast_to(g["db_f"] / 3, (3, 5))
        elif slip == "averaged":
            g["dW_i"] = g["dW_i"] / 3
        elif slip == "W_cc":  # the pseudocode's dz_c W_cc term, with a W_cc of its own
            g["dW_cc"] = np.zeros((5, 5))
        return g
    return fn


LSTM_BACKWARD_SLIPS = [
    (_lstm_backward_with("no_forget_factor"), {"dC_prev"}, "forget-gate factor f_t is missing"),
    (_lstm_backward_with("no_dh_path"), None, "the path dh -> o_t * tanh'(C_t) -> dC is missing"),
    (_lstm_backward_with("sigma'_candidate"), {"dx", "dh_prev", "dW_c", "db_c"},
     "candidate uses sigma' where tanh' belongs"),
    (_lstm_backward_with("tanh'_f"), {"dx", "dh_prev", "dW_f", "db_f"},
     "forget gate uses tanh' where sigma' belongs"),
    (_lstm_backward_with("tanh'_i"), None, "input gate uses tanh' where sigma' belongs"),
    (_lstm_backward_with("tanh'_o"), None, "output gate uses tanh' where sigma' belongs"),
    (_lstm_backward_with("no_incoming_dC"), None, "incoming dC from the next step is not added"),
    (_lstm_array_slip("pytorch_order"), {"dW_f", "dW_i", "db_f", "db_i"},
     "forget gate and the input gate are swapped"),
    (_lstm_array_slip("swap_c_o"), {"dW_c", "dW_o", "db_c", "db_o"},
     "candidate and the output gate are swapped"),
    (_lstm_array_slip("transposed"), {"dW_o"}, "the gradient is transposed"),
    (_lstm_array_slip("not_summed"), {"db_f"}, "not summed over the batch"),
    (_lstm_array_slip("averaged"), {"dW_i"}, "averaged over the batch instead of summed"),
    (_lstm_array_slip("W_cc"), {"dW_cc"}, "the forward equations have no W_cc"),
]


@pytest.mark.parametrize("fn, wrong, hint", LSTM_BACKWARD_SLIPS,
                         ids=[h.split(":")[0][:40] for _, _, h in LSTM_BACKWARD_SLIPS])
def test_the_lstm_backward_checker_names_the_mistake(fn, wrong, hint):
    v = ex.check_lstm_backward(fn)
    assert not v.passed
    bad = {name for name, ok, _, _ in v.items if not ok}
    if wrong is not None:
        assert bad == wrong, str(v)
    hinted = [h for name, ok, _, h in v.items if not ok and h]
    assert hinted and all(hint in h for h in hinted), str(v)
    assert hint in str(v)


def test_the_lstm_backward_slips_are_real_slips():
    """Each written-out slip changes some gradient (else the test above could not fail)."""
    for fn, _, hint in LSTM_BACKWARD_SLIPS:
        assert ex.check_lstm_backward(fn).score < 1, hint


def test_with_peepholes_a_missing_peephole_gradient_is_found():
    def fn(dh, dC, cache, p):
        return sol.lstm_backward(dh, dC, cache, {k: v for k, v in p.items() if k[-1] != "c"
                                                 or k == "W_c"})
    v = ex.check_lstm_backward(fn, peepholes=True)
    assert not v.passed
    missing = {name for name, ok, _, h in v.items if not ok and h and "missing" in h}
    assert missing == {"dW_fc", "dW_ic", "dW_oc"}


# -- the LSTM forward's slips -------------------------------------------------------------
def _swapped(a, b):
    def fn(x, h, C, p):
        q = dict(p)
        for k in "Wb":
            q[f"{k}_{a}"], q[f"{k}_{b}"] = p[f"{k}_{b}"], p[f"{k}_{a}"]
        return sol.lstm_forward(x, h, C, q)
    return fn


def _no_tanh(x, h, C, p):
    h1, C1 = sol.lstm_forward(x, h, C, p)
    return h1 / np.tanh(C1) * C1, C1


def _o_peephole_on_C_prev(x, h, C, p):
    q = {k: v for k, v in p.items() if k != "W_oc"}
    _, C1 = sol.lstm_forward(x, h, C, q)
    hx = np.concatenate([h, x], axis=1)
    o = 1 / (1 + np.exp(-(hx @ p["W_o"].T + p["b_o"] + C @ p["W_oc"].T)))
    return o * np.tanh(C1), C1


def _xh_lstm(x, h, C, p):
    H = h.shape[1]
    q = dict(p)
    for g in "fico":  # read the columns as [x, h]: the same as the reference on [x, h]
        W = p[f"W_{g}"]
        q[f"W_{g}"] = np.concatenate([W[:, x.shape[1]:x.shape[1] + H], W[:, :x.shape[1]]], 1)
    return sol.lstm_forward(x, h, C, q)


def _no_peepholes(x, h, C, p):
    return sol.lstm_forward(x, h, C, {k: v for k, v in p.items() if k not in
                                      ("W_fc", "W_ic", "W_oc")})


@pytest.mark.parametrize("fn, peep, hint", [
    (_swapped("f", "i"), False, "forget gate and the input gate use each other's weights"),
    (_swapped("c", "o"), False, "candidate and the output gate use each other's weights"),
    (_no_tanh, False, "the tanh of the cell state is missing"),
    (_xh_lstm, False, "concatenated as [x_t, h_{t-1}]"),
    (_no_peepholes, True, "peephole terms W_fc C_{t-1}, W_ic C_{t-1}, W_oc C_t are missing"),
    (_o_peephole_on_C_prev, True, "output gate's peephole sees the NEW cell state"),
], ids=["gate_order_fi", "gate_order_co", "no_tanh", "xh_order", "no_peepholes",
        "o_peephole_C_prev"])
def test_the_lstm_forward_checker_names_the_mistake(fn, peep, hint):
    v = ex.check_lstm_forward(fn, peepholes=peep)
    assert not v.passed and hint in str(v), str(v)


# -- GRU ---------------------------------------------------------------------------------------
def _gru_forward_with(slip):
    def fn(x, h, p):
        H = h.shape[1]
        hx = np.concatenate([h, x], axis=1)
        z = 1 / (1 + np.exp(-(hx @ p["W_z"].T + p["b_z"])))
        r = 1 / (1 + np.exp(-(hx @ p["W_r"].T + p["b_r"])))
        if slip == "reset_after":
            ht = np.tanh(r * (h @ p["W"][:, :H].T) + x @ p["W"][:, H:].T + p["b"])
        else:
            ht = np.tanh(np.concatenate([r * h, x], axis=1) @ p["W"].T + p["b"])
        if slip == "z_swapped":
            return z * h + (1 - z) * ht
        return (1 - z) * h + z * ht
    return fn


def _gru_backward_with(slip):
    def fn(dh, cache, p):
        c = cache
        h, z, r, ht, x = c["h_prev"], c["z"], c["r"], c["h_tilde"], c["x"]
        H = dh.shape[1]
        if slip == "z_swapped":  # PyTorch's h = z h_prev + (1 - z) h~, on the lecture's cache
            dh_prev, dht, dz = dh * z, dh * (1 - z), dh * (h - ht)
        else:
            dh_prev, dht, dz = dh * (1 - z), dh * z, dh * (ht - h)
        da = dht * (1 - ht ** 2)
        if slip == "reset_after":  # PyTorch's r * (W_h h), on the lecture's cache
            Wh, Wx = p["W"][:, :H], p["W"][:, H:]
            dW = np.concatenate([(da * r).T @ h, da.T @ x], axis=1)
            dx = da @ Wx
            dh_prev = dh_prev + (da * r) @ Wh
            dr = da * (h @ Wh.T)
        else:
            dW = da.T @ c["rhx"]
            drhx = da @ p["W"]
            dx = drhx[:, H:]
            dh_prev = dh_prev + drhx[:, :H] * r
            dr = drhx[:, :H] * h
        dz, dr = dz * z * (1 - z), dr * r * (1 - r)
        dhx = dz @ p["W_z"] + dr @ p["W_r"]
        return {"dx": dx + dhx[:, H:], "dh_prev": dh_prev + dhx[:, :H], "dW_z": dz.T @ c["hx"],
                "dW_r": dr.T @ c["hx"], "dW": dW, "db_z": dz.sum(0), "db_r": dr.sum(0),
                "db": da.sum(0)}
    return fn


@pytest.mark.parametrize("slip, hint", [
    ("z_swapped", "update gate's two conventions are swapped"),
    ("reset_after", "reset gate is applied after the product"),
])
def test_the_gru_checkers_name_the_convention_slips(slip, hint):
    for v in (ex.check_gru_forward(_gru_forward_with(slip)),
              ex.check_gru_backward(_gru_backward_with(slip))):
        assert not v.passed
        hinted = [h for _, ok, _, h in v.items if not ok]
        assert hinted and all(h and hint in h for h in hinted), str(v)


def test_the_gru_forward_names_the_concatenation_order():
    def fn(x, h, p):
        hx = np.concatenate([x, h], axis=1)
        z = 1 / (1 + np.exp(-(hx @ p["W_z"].T + p["b_z"])))
        r = 1 / (1 + np.exp(-(hx @ p["W_r"].T + p["b_r"])))
        ht = np.tanh(np.concatenate([x, r * h], axis=1) @ p["W"].T + p["b"])
        return (1 - z) * h + z * ht
    v = ex.check_gru_forward(fn)
    assert not v.passed and "concatenated as [x_t, h_{t-1}]" in str(v), str(v)


def test_as_dict_is_plain_data():
    d = ex.check_gru_backward(_gru_backward_with("z_swapped")).as_dict()
    assert d["passed"] is False and 0 <= d["score"] < 1 and d["message"] is None
    assert {"name", "ok", "rel_error", "hint"} == set(d["items"][0])
    assert ex.check_gru_backward(_stub).as_dict()["message"].endswith("not implemented yet")


def test_the_gru_slips_written_out_are_right_without_the_slip():
    assert ex.check_gru_forward(_gru_forward_with(None)).passed
    assert ex.check_gru_backward(_gru_backward_with(None)).passed


# -- the network's backward loop ------------------------------------------------------------
def _network_with(slip):
    def fn(dz_o, caches, params, cell_backward):
        layers = params["layers"]
        grads = {"dW_o": np.zeros_like(params["W_o"]), "db_o": np.zeros_like(params["b_o"]),
                 "layers": [{"d" + k: np.zeros_like(v) for k, v in p.items()} for p in layers]}
        zero = np.zeros_like(caches[0][0]["h"])
        d_next = [(zero, zero) for _ in layers]
        dx = []
        for t in reversed(range(len(caches))):
            grads["dW_o"] += dz_o[t].T @ caches[t][-1]["h"]
            grads["db_o"] += dz_o[t].sum(0)
            above = dz_o[t] @ params["W_o"] * (slip != "no_output_dh")
            for l in reversed(range(len(layers))):
                dh_next, dC_next = d_next[l]
                g = cell_backward(dh_next * (slip != "no_dh_next") + above,
                                  dC_next * (slip != "no_dC_next"), caches[t][l], layers[l])
                d_next[l], above = (g["dh_prev"], g["dC_prev"]), g["dx"]
                for k in grads["layers"][l]:
                    if slip == "overwrite":
                        grads["layers"][l][k] = g[k]
                    else:
                        grads["layers"][l][k] += g[k]
            dx.append(above)
        grads["dx"] = np.stack(dx[::-1])
        return grads
    return fn


@pytest.mark.parametrize("slip, hint", [
    ("no_output_dh", "dh(t,L) = dz_o(t) W_o never enters the top cell"),
    ("no_dh_next", "dh(t+1,l) from the next time step is not added"),
    ("no_dC_next", "dC(t+1,l) from the next time step is not passed"),
    ("overwrite", "overwritten at each t instead of added"),
])
def test_the_network_checker_names_the_mistake(slip, hint):
    v = ex.check_lstm_network_backward(_network_with(slip))
    assert not v.passed and hint in str(v), str(v)
    assert ex.check_lstm_network_backward(_network_with(None)).passed


# -- notebooks 01, 02, 03, 05 --------------------------------------------------------------
def _top_rate(W, x):
    rate = float(np.log(np.max(np.abs(np.linalg.eigvals(W)))))
    return ("blow-up" if rate > 0 else "vanish"), rate


def _singular_rate(W, x):
    rate = float(np.log(np.linalg.norm(W, 2)))
    return ("blow-up" if rate > 0 else "vanish"), rate


def _log10_rate(W, x):
    b, r = sol.growth_prediction(W, x)
    return b, r / np.log(10)


def _no_unstable(w, b):
    return [h for h in sol.sigmoid_fixed_points(w, b) if abs(w * h * (1 - h)) < 1]


def _centred_on_zero(w):
    r = sol.bistable_range(w)
    return None if r is None else (r[0] - sum(r) / 2, r[1] - sum(r) / 2)


def _chain_slip(slip):
    def fn(weights, biases, x, grad_y):
        J, g = sol.chain_gradient(weights, biases, x, grad_y)
        if slip == "transposed":
            J = [j.T for j in J]
        elif slip == "no_derivative":
            J = list(weights)
        elif slip == "wrong_order":
            g = grad_y
            for j in J:
                g = g @ j
        return J, g
    return fn


def _clip_slip(slip):
    def fn(grads, t):
        if slip == "per_array":
            return {k: g * min(1, t / np.linalg.norm(g)) for k, g in grads.items()}
        if slip == "by_value":
            return {k: np.clip(g, -t, t) for k, g in grads.items()}
        n = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
        if slip == "always":
            return {k: g * t / n for k, g in grads.items()}
        return {k: g * (n / t if n >= t else 1) for k, g in grads.items()}  # inverted
    return fn


def _parity_complement():
    w = sol.parity_weights()
    return w | {"b_out": 1.0, "w_out": [-1.0, 2.0]}


def _parity_no_recurrence():
    return {"W_ih": [[1.0]], "W_hh": [[0.0]], "b": [0.0], "w_out": [1.0]}


def _adder_no_carry():
    return sol.adder_weights() | {"W_hh": np.zeros((3, 3))}


@pytest.mark.parametrize("check, fn, hint", [
    (ex.check_eigen_matrix, np.diag, "W must be real"),
    (ex.check_eigen_matrix, lambda lam: sol.eigen_matrix(np.abs(lam)), "the moduli |lambda|"),
    (ex.check_growth_prediction, _log10_rate, "that is log10"),
    (ex.check_growth_prediction, _top_rate, "no component along the top eigenvector"),
    (ex.check_growth_prediction, _singular_rate, "largest singular value"),
    (ex.check_sigmoid_fixed_points, _no_unstable, "only the stable fixed points"),
    (ex.check_bistable_range, _centred_on_zero, "centred on b = -w/2"),
    (ex.check_chain_gradient, _chain_slip("transposed"), "J_k is transposed"),
    (ex.check_chain_gradient, _chain_slip("no_derivative"), "derivative is missing"),
    (ex.check_chain_gradient, _chain_slip("wrong_order"), "multiplied in the wrong order"),
    (ex.check_clip_grad_norm, _clip_slip("per_array"), "clipped by its own norm"),
    (ex.check_clip_grad_norm, _clip_slip("by_value"), "clipping by value"),
    (ex.check_clip_grad_norm, _clip_slip("always"), "rescaled even though its norm is below"),
    (ex.check_clip_grad_norm, _clip_slip("inverted"), "the ratio is inverted"),
    (ex.check_parity_weights, _parity_complement, "the complement of the parity"),
    (ex.check_parity_weights, _parity_no_recurrence, "the output is the current bit"),
    (ex.check_adder_weights, _adder_no_carry, "the carry is lost"),
], ids=["eig_complex", "eig_moduli", "log10", "top_eig", "singular", "stable_only",
        "centred", "J_T", "no_fprime", "order", "per_array", "by_value", "always",
        "inverted", "parity_not", "parity_x", "no_carry"])
def test_the_other_checkers_name_the_mistake(check, fn, hint):
    v = check(fn)
    assert not v.passed and 0 <= v.score < 1
    assert hint in str(v), str(v)


def test_a_tanh_parity_net_that_fails_is_told_so():
    v = ex.check_parity_weights(lambda: sol.parity_weights() | {"activation": "tanh"})
    assert not v.passed and "bits wrong" in str(v)


# -- the solutions are right: finite differences and rnnlib's cells ------------------------
def _loss_check(loss, arrays, grads):
    for name, a in arrays.items():
        err = relative_error(grads[name], numerical_gradient(loss, a))
        assert err < 1e-7, (name, err)


@pytest.mark.parametrize("peepholes", [False, True])
def test_the_lstm_solution_matches_finite_differences(peepholes):
    from rnnlib.exercises.lstm import _inputs
    params, x, h, C, dh, dC = _inputs(peepholes, seed=11)

    def loss():
        h1, C1 = sol.lstm_forward(x, h, C, params)
        return np.sum(dh * h1) + np.sum(dC * C1)
    g = sol.lstm_backward(dh, dC, ex.lstm_cache(x, h, C, params), params)
    _loss_check(loss, {"dx": x, "dh_prev": h, "dC_prev": C} |
                {"d" + k: v for k, v in params.items()}, g)


def test_the_gru_solution_matches_finite_differences():
    from rnnlib.exercises.gru import _inputs
    params, x, h, dh = _inputs(seed=12)
    g = sol.gru_backward(dh, ex.gru_cache(x, h, params), params)
    _loss_check(lambda: np.sum(dh * sol.gru_forward(x, h, params)),
                {"dx": x, "dh_prev": h} | {"d" + k: v for k, v in params.items()}, g)


def test_the_network_solution_matches_finite_differences():
    from rnnlib.exercises.network import _inputs
    params, x, dz_o = _inputs(seed=13)
    _, caches = ex.lstm_network_forward(x, params)
    g = sol.lstm_network_backward(dz_o, caches, params, sol.lstm_backward)

    def loss():
        return np.sum(dz_o * ex.lstm_network_forward(x, params)[0])
    flat = {"dx": x, "dW_o": params["W_o"], "db_o": params["b_o"]}
    grads = {"dx": g["dx"], "dW_o": g["dW_o"], "db_o": g["db_o"]}
    for l, p in enumerate(params["layers"]):
        for k in ("W_f", "b_i", "W_c", "b_o"):
            flat[f"l{l}.d{k}"] = p[k]
            grads[f"l{l}.d{k}"] = g["layers"][l]["d" + k]
    _loss_check(loss, flat, grads)


def test_the_chain_solution_matches_finite_differences():
    from rnnlib.exercises.gradients import _mlp
    weights, biases, x, grad_y = _mlp(seed=14)
    _, g = sol.chain_gradient(weights, biases, x, grad_y)

    def loss():
        a = x
        for W, b in zip(weights, biases, strict=True):
            a = np.tanh(W @ a + b)
        return grad_y @ a
    assert relative_error(g, numerical_gradient(loss, x)) < 1e-7


def test_the_lstm_solution_is_rnnlibs_cell():
    rng = np.random.default_rng(15)
    cell = LSTMCell(4, 5, peephole="full", rng=16)
    H = 5
    P = cell.params
    blocks = {"i": 0, "f": 1, "c": 2, "o": 3}
    params = {}
    for g, k in blocks.items():
        rows = slice(k * H, (k + 1) * H)
        params[f"W_{g}"] = np.concatenate([P["weight_hh"][rows], P["weight_ih"][rows]], axis=1)
        params[f"b_{g}"] = P["bias_ih"][rows] + P["bias_hh"][rows]
    params |= {f"W_{g}c": P[f"weight_{g}c"] for g in "fio"}
    x, h, C, dh, dC = (rng.standard_normal((3, n)) for n in (4, 5, 5, 5, 5))
    (h1, C1), cache = cell.forward(x, (h, C))
    h2, C2 = sol.lstm_forward(x, h, C, params)
    assert relative_error(h1, h2) < 1e-12 and relative_error(C1, C2) < 1e-12
    dx, (dh0, dC0) = cell.backward((dh, dC), cache)
    g = sol.lstm_backward(dh, dC, ex.lstm_cache(x, h, C, params), params)
    assert relative_error(g["dx"], dx) < 1e-12
    assert relative_error(g["dh_prev"], dh0) < 1e-12
    assert relative_error(g["dC_prev"], dC0) < 1e-12
    assert relative_error(g["dW_oc"], cell.grads["weight_oc"]) < 1e-12


def test_the_gru_solution_is_rnnlibs_lecture_cell():
    rng = np.random.default_rng(17)
    cell = GRUCell(4, 5, variant="lecture", rng=18)
    H, P = 5, cell.params
    params = {}
    for k, (Wn, bn) in enumerate([("W_z", "b_z"), ("W_r", "b_r"), ("W", "b")]):
        rows = slice(k * H, (k + 1) * H)
        params[Wn] = np.concatenate([P["weight_h"][rows], P["weight_x"][rows]], axis=1)
        params[bn] = P["bias"][rows]
    x, h, dh = (rng.standard_normal((3, n)) for n in (4, 5, 5))
    h1, cache = cell.forward(x, h)
    assert relative_error(h1, sol.gru_forward(x, h, params)) < 1e-12
    dx, dh0 = cell.backward(dh, cache)
    g = sol.gru_backward(dh, ex.gru_cache(x, h, params), params)
    assert relative_error(g["dx"], dx) < 1e-12 and relative_error(g["dh_prev"], dh0) < 1e-12


def test_the_checkers_reference_is_the_solution():
    """The checkers' own mutable references equal the readable solutions."""
    from rnnlib.exercises import lstm
    params, x, h, C, dh, dC = lstm._inputs(True, seed=19)
    cache = ex.lstm_cache(x, h, C, params)
    a = lstm.lstm_backward_reference(dh, dC, cache, params)
    b = sol.lstm_backward(dh, dC, cache, params)
    assert a.keys() == b.keys()
    assert all(relative_error(a[k], b[k]) < 1e-13 for k in a)


def test_the_student_cannot_change_the_reference_through_its_arguments():
    def vandal(dh, dC, cache, params):
        g = sol.lstm_backward(dh, dC, cache, params)
        for a in [*cache.values(), *params.values(), dh, dC]:
            a[...] = 0
        return g
    assert ex.check_lstm_backward(vandal).passed


def test_the_network_solution_is_the_lectures_network():
    from rnnlib.experiments.lstm_network import LectureLSTMNetwork
    net = LectureLSTMNetwork(3, 4, 2, 3, rng=20)
    H = 4
    layers = []
    for cell in net.cells:
        P, p = cell.params, {}
        for g, k in {"i": 0, "f": 1, "c": 2, "o": 3}.items():
            rows = slice(k * H, (k + 1) * H)
            p[f"W_{g}"] = np.concatenate([P["weight_hh"][rows], P["weight_ih"][rows]], axis=1)
            p[f"b_{g}"] = P["bias_ih"][rows] + P["bias_hh"][rows]
        layers.append(p)
    params = {"layers": layers, "W_o": net.output["W_o"], "b_o": net.output["b_o"]}
    rng = np.random.default_rng(21)
    x, dz_o = rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 2, 3))
    z_o, caches = ex.lstm_network_forward(x, params)
    assert relative_error(z_o, net.forward(x)) < 1e-12
    dx = net.backward(dz_o)
    g = sol.lstm_network_backward(dz_o, caches, params, sol.lstm_backward)
    assert relative_error(g["dx"], dx) < 1e-12
    assert relative_error(g["dW_o"], net.grads["W_o"]) < 1e-12
    for l in range(2):
        want = net.grads[f"l{l + 1}.weight_hh"][H:2 * H]  # the forget gate's h-columns
        assert relative_error(g["layers"][l]["dW_f"][:, :H], want) < 1e-12
        db_o = net.grads[f"l{l + 1}.bias_ih"][3 * H:]
        assert relative_error(g["layers"][l]["db_o"], db_o) < 1e-12


def test_rnnlibs_handbuilt_nets_pass_the_weight_checks():
    from rnnlib import handbuilt
    for model, check in ((handbuilt.parity(), ex.check_parity_weights),
                         (handbuilt.adder(), ex.check_adder_weights)):
        sd, head = model.recurrent.state_dict(), model.head.params
        scale = -2 * head["bias"][0]  # the readout is scale * (bit - 1/2)
        weights = {"W_ih": sd["weight_ih_l0"], "W_hh": sd["weight_hh_l0"],
                   "b": sd["bias_ih_l0"] + sd["bias_hh_l0"], "w_out": head["weight"][0] / scale}
        assert check(lambda w=weights: w).passed


def test_the_growth_check_agrees_with_rnnlibs_dynamics():
    from rnnlib.dynamics import predicted_growth_rate

    def fn(W, x):
        rate = predicted_growth_rate(W, x)
        return ("blow-up" if rate > 0 else "vanish"), rate
    assert ex.check_growth_prediction(fn).passed


def test_the_clip_check_agrees_with_rnnlibs_optim():
    from rnnlib.optim import clip_grad_norm

    def fn(grads, t):
        clip_grad_norm(grads, t)
        return grads
    assert ex.check_clip_grad_norm(fn).passed


@pytest.mark.parametrize("answer", [
    {"W_ih": "one", "W_hh": [[0.0]], "b": ["x"], "w_out": [1.0]},
    {"W_ih": [[1.0]], "W_hh": [[0.0]], "b": [0.0], "w_out": [1.0], "b_out": "zero"},
])
def test_an_unreadable_answer_is_one_line(answer):
    v = ex.check_parity_weights(lambda: answer)
    assert not v.passed and str(v).count("\n") == 0, str(v)


def test_unreadable_gradients_are_named():
    def fn(dh, dC, cache, params):
        return sol.lstm_backward(dh, dC, cache, params) | {"dx": "dx", "dW_f": object()}
    v = ex.check_lstm_backward(fn)
    bad = {name for name, ok, _, _ in v.items if not ok}
    assert bad == {"dx", "dW_f"}, str(v)
