"""Explorers of notebook 03 (vanishing and exploding gradients).

* :func:`products_explorer`     : what repeated Jacobian products do to a vector (C16).
* :func:`deep_explorer`         : the 19-layer MNIST experiment, per activation and
                                  initialisation, from precomputed results (C17, C18).
* :func:`through_time_explorer` : ||dh_T/dh_t|| of an unrolled RNN against T - t, with
                                  Pascanu et al.'s bound, and forward forgetting (C19, C20).
* :func:`cliff_explorer`        : an exploding gradient's cliff, with and without norm
                                  clipping.
"""

import numpy as np
from matplotlib.ticker import NullLocator

from rnnlib import activations, deepgrad, timegrad
from rnnlib.widgets import Choice, Explorer, Refresh, Slider, autoscale, refresh_keeping

PRODUCT_ACTIVATIONS = ("identity", "tanh", "sigmoid", "relu")
VIEWS = deepgrad.VIEWS
COLORS = {"elu": "tab:green", "relu": "tab:orange", "sigmoid": "tab:red", "tanh": "tab:blue"}


def _positive_or_nan(values):
    values = np.asarray(values, dtype=np.float64)
    return np.where(values > 0, values, np.nan)


def _log_limits(ax, *curves, floor=1e-60, ceiling=1e60):
    """y-limits of a log axis that show the data (not a bound that runs off to 1e36)."""
    data = np.concatenate([np.ravel(c) for c in curves])
    data = data[np.isfinite(data) & (data > 0)]
    if data.size:
        lo = max(data.min() / 10, floor)
        hi = min(max(data.max() * 10, 10.0), ceiling)
        ax.set_ylim(lo, hi)


# --- C16: repeated products ------------------------------------------------------------

def draw_products(fig, sigma_max=1.2, activation="tanh", kind="random", steps=40, hidden=32,
                  seed=0):
    """Left: ||v J_k ... J_1|| against k for the top and bottom left singular vectors of
    W and a random direction, with the bound (gamma sigma_max)^k. Right: the singular
    values and |eigenvalues| of W, and the line 1/gamma. Returns the explorer's
    ``refresh``: another W, activation or kind of W on the same axes."""
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    labels = ("top singular direction", "bottom singular direction", "random direction")
    products = [ax1.semilogy([], [], label=label)[0] for label in labels]
    bound = ax1.semilogy([], [], "k--", lw=1, label=r"bound $(\gamma\,\sigma_{max})^k$")[0]
    ax1.set(xlabel="k (number of factors diag(f') W)", ylabel="||v J ... J||")
    ax1.legend(fontsize=7, loc="best")
    singular = ax2.plot([], [], ".", label="singular values")[0]
    eigen = ax2.plot([], [], ".", label="|eigenvalues| (computed)")[0]
    one_over_gamma = ax2.axhline(1.0, color="k", ls="--", lw=1, label=r"$1/\gamma$")
    ax2.set(xlabel="index", ylabel="value", title="W's spectrum")
    ax2.legend(fontsize=7)

    def show(sigma_max, activation, kind):
        w = timegrad.recurrent_weights(hidden, sigma_max, kind, rng=seed)
        u, s, _ = np.linalg.svd(w)
        rand = np.random.default_rng(seed + 1).standard_normal(hidden)
        gamma = activations.get(activation).gamma
        ks = np.arange(steps + 1)
        curves = []
        for line, v in zip(products, (u[:, 0], u[:, -1], rand / np.linalg.norm(rand)),
                           strict=True):
            curves.append(_positive_or_nan(
                deepgrad.repeated_product_norms(w, v, steps, activation)))
            line.set_data(ks, curves[-1])
        bound.set_data(ks, (gamma * sigma_max) ** ks)
        autoscale(ax1)
        _log_limits(ax1, *curves)
        ax1.set_title(f"{activation}, {_kind_label(kind, sigma_max)}, "
                      rf"$\sigma_{{max}}$ = {sigma_max:.2f}")
        eig = np.sort(np.abs(np.linalg.eigvals(w)))[::-1]
        singular.set_data(np.arange(s.size), s)
        eigen.set_data(np.arange(eig.size), eig)
        one_over_gamma.set_ydata([1 / gamma, 1 / gamma])
        autoscale(ax2)

    show(sigma_max, activation, kind)
    fig.tight_layout()
    return refresh_keeping(show, steps=steps, hidden=hidden, seed=seed)  # else: another W


def products_explorer():
    """sigma_max, activation and kind of W for :func:`draw_products`."""
    return Explorer(draw_products, _matrix_controls(1.2), figsize=(10, 3.6))


def _matrix_controls(sigma_max):
    """The controls shared by the products and through-time explorers: W's largest
    singular value (starting at ``sigma_max``), the activation and the kind of W."""
    return {"sigma_max": Slider(0.1, 4.0, 0.05, sigma_max),
            "activation": Choice(PRODUCT_ACTIVATIONS, "tanh"),
            "kind": Choice(timegrad.KINDS, "random")}


# --- C17, C18: the 19-layer experiment --------------------------------------------------

def draw_deep(fig, activation="elu", init="pytorch", view="batch", results=None):
    """Left: per layer, log10 of the norm of the gradient w.r.t. each neuron's incoming
    weights (``view="batch"``: one dot per neuron, batch gradient; ``"instances"``: the
    spread over all images and neurons, quantile bands, and the dots of one image).
    Right: the median per layer for every activation run with this initialisation.
    Returns the explorer's ``refresh``: another activation or initialisation, same view."""
    if not results:
        raise ValueError("results must be a dict {(activation, init): NeuronGradients}")
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    _deep_result(results, activation, init)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]}, sharey=False)
    if view == "instances":
        bands = [ax1.fill_between([], [], [], color=color, label=label) for color, label in
                 (("0.9", "min..max"), ("0.75", "1%..99%"), ("0.55", "25%..75%"))]
    # one artist for all the dots: one draw call, not one per layer
    dots = ax1.plot([], [], ".", ms=1, alpha=0.4, rasterized=True)[0]
    median = ax1.plot([], [], "k-", lw=1.2,
                      label="median over neurons" if view == "batch" else "median")[0]
    ax1.legend(fontsize=7, loc="lower right")
    ax2.set(xlabel="layer", ylabel=r"median $\log_{10}\,\|\nabla_{W_{neuron}} Div\|$")
    acts = _deep_activations(results, init)
    medians = {act: ax2.plot([], [], "-", color=COLORS.get(act), label=act)[0] for act in acts}
    legend = ax2.legend(fontsize=7)

    def show(activation, init):
        res = _deep_result(results, activation, init)
        rng = np.random.default_rng(0)
        layers = res.layers
        per_layer = (res.batch_log10 if view == "batch"
                     else [v[0] for v in res.instance_examples])  # instances: one image
        dots_x = [layer + rng.uniform(-0.3, 0.3, size=vals.size)
                  for layer, vals in zip(layers, per_layer, strict=True)]
        dots.set_data(np.concatenate(dots_x), np.concatenate(per_layer))
        dots.set_color(COLORS.get(activation, "C0"))
        if view == "batch":
            median.set_data(layers, res.batch_median())
            kind = "batch gradient"
        else:
            for band, (lo, hi) in zip(bands, ((0.0, 1.0), (0.01, 0.99), (0.25, 0.75)),
                                      strict=True):
                band.set_data(layers, res.quantile(lo), res.quantile(hi))
            median.set_data(layers, res.quantile(0.5))
            kind = f"individual instances (all {res.n_instances}; dots: one image)"
        autoscale(ax1)
        ax1.set(xlabel=f"layer (1 = first hidden, {res.n_layers} = output)",
                ylabel=r"$\log_{10}\,\|\nabla_{W_{neuron}} Div\|$",
                title=f"{activation}, {init} init: {kind}")
        for (act, line), handle in zip(medians.items(), legend.legend_handles, strict=True):
            other = results[(act, init)]
            line.set_data(other.layers, other.median(view))
            for artist in (line, handle):  # this activation's curve is the thick one
                artist.set_linewidth(2.5 if act == activation else 1)
        autoscale(ax2)
        ax2.set_title(f"medians, {init} init")

    def refresh(activation, init, view, results):
        if view != drawn_view or results is not drawn_results or (
                _deep_activations(results, init) != acts):
            return False
        show(activation, init)
        return True

    drawn_view, drawn_results = view, results
    show(activation, init)
    fig.tight_layout()
    return refresh


def _deep_result(results, activation, init):
    key = (activation, init)
    if key not in results:
        raise ValueError(f"no result for activation={activation!r}, init={init!r}; "
                         f"available: {sorted(results)}")
    return results[key]


def _deep_activations(results, init):
    """The activations run with ``init``, sorted (the right panel's curves)."""
    return sorted(act for act, ini in results if ini == init)


def draw_deep_grid(fig, results, init="pytorch", view="batch"):
    """One panel per activation run with ``init``: the lecture's figures side by side
    (``view="batch"``: a dot per neuron; ``"instances"``: quantile bands over all images
    and neurons, with the median)."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    keys = [k for k in results if k[1] == init]
    if not keys:
        raise ValueError(f"no results for init={init!r}; available: {sorted(results)}")
    axes = np.atleast_1d(fig.subplots(1, len(keys), sharey=True))
    rng = np.random.default_rng(0)
    for ax, key in zip(axes, keys, strict=True):
        res, act = results[key], key[0]
        color = COLORS.get(act, "C0")
        if view == "batch":
            for layer, vals in zip(res.layers, res.batch_log10, strict=True):
                jitter = rng.uniform(-0.3, 0.3, size=vals.size)
                ax.plot(layer + jitter, vals, ".", ms=1, color=color, alpha=0.3,
                        rasterized=True)
            ax.plot(res.layers, res.batch_median(), "k-", lw=1)
        else:
            ax.fill_between(res.layers, res.quantile(0.0), res.quantile(1.0), color="0.85")
            ax.fill_between(res.layers, res.quantile(0.25), res.quantile(0.75), color=color,
                            alpha=0.6)
            ax.plot(res.layers, res.quantile(0.5), "k-", lw=1)
        ax.set(title=act, xlabel="layer")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(r"$\log_{10}\,\|\nabla_{W_{neuron}} Div\|$")
    what = "batch gradient" if view == "batch" else "individual instances (min..max, 25..75%)"
    fig.suptitle(f"{init} initialisation: {what}", fontsize=10)
    fig.tight_layout()


def draw_medians_by_init(fig, results, view="batch"):
    """One panel per initialisation: the median per layer of every activation."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    inits = list(dict.fromkeys(i for _, i in results))
    axes = np.atleast_1d(fig.subplots(1, len(inits), sharey=True))
    for ax, init in zip(axes, inits, strict=True):
        for (act, ini), res in results.items():
            if ini == init:
                curve = res.median(view)
                ax.plot(res.layers, curve, "-", color=COLORS.get(act), label=act)
        n = next(r.n_instances for (_, i), r in results.items() if i == init)
        ax.set(title=f"{init} init ({n} images)", xlabel="layer")
        ax.grid(alpha=0.3)
    what = "batch gradient" if view == "batch" else "individual instances"
    axes[0].set_ylabel(r"median $\log_{10}\,\|\nabla_{W_{neuron}} Div\|$" + f"\n({what})")
    axes[0].legend(fontsize=7)
    fig.tight_layout()


def deep_explorer(results):
    """Activation, initialisation and view for :func:`draw_deep`, over the precomputed
    ``results`` ({(activation, init): NeuronGradients}, e.g. from
    :func:`rnnlib.deepgrad.sweep`)."""
    acts = tuple(dict.fromkeys(a for a, _ in results))
    inits = tuple(dict.fromkeys(i for _, i in results))
    return Explorer(draw_deep,
                    {"activation": Choice(acts, acts[0]), "init": Choice(inits, inits[0]),
                     "view": Choice(VIEWS, "batch")},
                    figsize=(10, 3.8), fixed={"results": results})


# --- C19, C20: through time ------------------------------------------------------------

def draw_through_time(fig, sigma_max=1.0, activation="tanh", kind="random", steps=60,
                      hidden=32, seed=0):
    """Left: ||dh_T/dh_t|| against T - t for a random vanilla RNN, with the bound
    (gamma sigma_max)^(T - t). Right: ||h_t - h'_t|| / ||h_0 - h'_0|| for two runs that
    differ only in their initial state. Returns the explorer's ``refresh``: another W,
    activation or kind of W on the same axes."""
    ax1, ax2 = fig.subplots(1, 2)
    norms_line = ax1.semilogy([], [], "o-", ms=2, label=r"$\|\partial h_T/\partial h_t\|$")[0]
    bound_line = ax1.semilogy([], [], "k--", lw=1,
                              label=r"bound $(\gamma\,\sigma_{max})^{T-t}$")[0]
    ax1.set(xlabel="T - t (steps back)", ylabel="spectral norm")
    ax1.legend(fontsize=7)
    forget_line = ax2.semilogy([], [], "o-", ms=2, color="tab:purple")[0]
    ax2.set(xlabel="t", ylabel=r"$\|h_t - h'_t\| \,/\, \|h_0 - h'_0\|$",
            title="forward pass: two initial states,\nsame inputs (C20)")

    def show(sigma_max, activation, kind):
        rnn = timegrad.unrolled_rnn(sigma_max, hidden=hidden, steps=steps, kind=kind, rng=seed)
        norms = _positive_or_nan(timegrad.jacobian_norms(rnn, activation)[::-1])  # by lag
        lags = np.arange(steps + 1)
        norms_line.set_data(lags, norms)
        bound_line.set_data(lags, timegrad.pascanu_bound(sigma_max, activation, lags))
        autoscale(ax1)
        _log_limits(ax1, norms)
        gamma = activations.get(activation).gamma
        sure = "vanishing guaranteed" if gamma * sigma_max < 1 else "no guarantee"
        ax1.set_title(f"{activation}, {_kind_label(kind, sigma_max)}\n"
                      rf"$\gamma\,\sigma_{{max}}$ = {gamma * sigma_max:.2f}: {sure}")
        forget = _positive_or_nan(timegrad.forgetting(rnn, activation))
        forget_line.set_data(np.arange(steps + 1), forget)
        autoscale(ax2)
        _log_limits(ax2, forget)

    show(sigma_max, activation, kind)
    fig.tight_layout()
    return refresh_keeping(show, steps=steps, hidden=hidden, seed=seed)  # else: another W


def through_time_explorer():
    """sigma_max, activation and kind of W for :func:`draw_through_time`."""
    return Explorer(draw_through_time, _matrix_controls(1.0), figsize=(10, 3.6))


def _kind_label(kind, sigma_max):
    """The kind of W for a title; a "nonnormal" W with sigma_max at most its eigenvalue is
    sigma_max * I (see :func:`rnnlib.timegrad.recurrent_weights`), which is normal."""
    if kind == "nonnormal" and sigma_max <= timegrad.NONNORMAL_EIGENVALUE:
        return "nonnormal W (here = $\\sigma I$, normal)"
    return f"{kind} W"


# --- exploding gradients and clipping ---------------------------------------------------

CLIFF_W = (-2.0, 16.0)
CLIFF_B = (-12.0, 4.0)
CLIFF_STEPS = 20


def draw_cliff(fig, lr=0.02, clip=2.0, w0=7.0, b0=-3.0, iterations=60, steps=CLIFF_STEPS,
               grid=120):
    """Left: log10 E(w, b) of the one-unit network h_t = w sigmoid(h_{t-1}) + b, with two
    gradient-descent paths from (w0, b0): plain, and with the gradient's norm clipped to
    ``clip``. Right: the loss along both paths. Returns the explorer's ``refresh``: new
    paths on the same surface, which is drawn once."""
    ws = np.linspace(*CLIFF_W, grid)
    bs = np.linspace(*CLIFF_B, grid)
    ww, bb = np.meshgrid(ws, bs)
    e = (timegrad.cliff_forward(ww, bb, steps) - 0.7) ** 2
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    mesh = ax1.pcolormesh(ww, bb, np.log10(e + 1e-12), shading="auto", cmap="viridis",
                          rasterized=True)
    fig.colorbar(mesh, ax=ax1, label="log10 E")
    # the curves and legends are filled in by show(); " ": a label to be replaced
    paths = [ax1.plot([], [], ".-", color=color, ms=4, lw=1, label=" ")[0]
             for color in ("red", "orange")]
    ax1.set(xlim=CLIFF_W, ylim=CLIFF_B, xlabel="w", ylabel="b",
            title=rf"$E = (h_{{{steps}}} - 0.7)^2$,  $h_t = w\,\sigma(h_{{t-1}}) + b$")
    losses = [ax2.semilogy([], [], ".-", color=color, ms=3, label=" ")[0]
              for color in ("red", "orange")]
    ax2.set(xlabel="iteration", ylabel="E")
    ax2.yaxis.set_minor_locator(NullLocator())  # ~80 minor ticks over these decades: noise
    legends = [ax1.legend(fontsize=7, loc="lower left"), ax2.legend(fontsize=7)]

    def show(lr, clip, w0, b0):
        plain = timegrad.descend(w0, b0, lr, iterations, steps=steps)
        clipped = timegrad.descend(w0, b0, lr, iterations, clip=clip, steps=steps)
        labels = {paths[0]: "plain", paths[1]: f"clipped at {clip:.3g}",
                  losses[0]: f"plain (largest |g| {plain['grad_norm'].max():.2g})",
                  losses[1]: f"clipped at {clip:.3g}"}
        for path, loss, run in zip(paths, losses, (plain, clipped), strict=True):
            path.set_data(run["path"][:, 0], run["path"][:, 1])
            loss.set_data(np.arange(run["loss"].size), run["loss"])
        for legend, lines in zip(legends, (paths, losses), strict=True):
            for text, line in zip(legend.get_texts(), lines, strict=True):  # in plot order
                text.set_text(labels[line])
        autoscale(ax2)
        ax2.set_title(f"gradient descent, lr = {lr:.3g}")

    show(lr, clip, w0, b0)
    fig.tight_layout()
    # the surface, its colorbar and the left axes are drawn once; a move draws the paths,
    # then what covers them (the left axes' spines, its legend), and the right axes
    # (other steps or iterations: another surface or other paths, drawn anew)
    return Refresh(refresh_keeping(show, iterations=iterations, steps=steps, grid=grid),
                   moving=(*paths, *ax1.spines.values(), legends[0], ax2))


def cliff_slice(b=-3.0, w=(4.0, 10.0), steps=CLIFF_STEPS, points=601):
    """E and ||grad E|| along the line b = const, w in ``w``: (ws, E, grad norms)."""
    ws = np.linspace(w[0], w[1], points)
    e, dw, db = timegrad.cliff_loss_and_grad(ws, b, steps)
    return ws, e, np.hypot(dw, db)


def draw_cliff_slice(fig, b=-3.0, lr=0.02, clip=2.0, steps=CLIFF_STEPS):
    """E and ||grad E|| along b = const across the cliff, and the length of one gradient
    step from each point, plain (lr ||g||) and clipped (lr min(||g||, clip))."""
    ws, e, g = cliff_slice(b, steps=steps)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(ws, e, "k-")
    ax1.set(xlabel="w", ylabel="E", title=f"the cliff: E along b = {b:g}")
    ax2.semilogy(ws, lr * g, "r-", label=r"plain step $lr\,\|g\|$")
    ax2.semilogy(ws, lr * np.minimum(g, clip), "k--", label=f"clipped at {clip:g}")
    ax2.set(xlabel="w", ylabel="step length", title=f"one gradient step, lr = {lr:g}")
    ax2.legend(fontsize=7)
    fig.tight_layout()


def cliff_explorer():
    """Learning rate, clipping threshold and starting point for :func:`draw_cliff`."""
    return Explorer(draw_cliff,
                    {"lr": Slider(0.005, 0.05, 0.005, 0.02),
                     "clip": Slider(0.5, 20.0, 0.5, 2.0),
                     "w0": Slider(4.0, 15.0, 0.5, 7.0),
                     "b0": Slider(-10.0, 3.0, 0.5, -3.0)},
                    figsize=(10, 3.8))
