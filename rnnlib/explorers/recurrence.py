"""Explorers for the recurrence notebooks (01 recurrence blow-up, 02 activation memory).

Each ``draw_*`` function is an ``update(fig, **params)`` for :class:`rnnlib.widgets.Explorer`;
each ``*_explorer()`` builds the explorer. The notebooks show ``render(...)`` of the
lecture's cases as static figures first.
"""

import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from rnnlib import activations, dynamics
from rnnlib.widgets import Choice, Explorer, Slider, autoscale, refresh_keeping

SEED = 0
STEPS = 60


# ------------------------------------------------------------------ notebook 01
def eigen_matrix(r1, angle1, r2, angle2, skew=0.0, seed=SEED):
    """The 4x4 matrix with eigenvalues r1 e^{+-i angle1}, r2 e^{+-i angle2} (angles in
    degrees; angle 0 gives a double real eigenvalue r, angle 180 a double -r)."""
    magnitudes, angles = [], []
    for r, a in ((r1, angle1), (r2, angle2)):
        a = np.deg2rad(a)
        copies = 2 if abs(np.sin(a)) < 1e-12 else 1  # a real eigenvalue twice, or one pair
        magnitudes += [r] * copies
        angles += [a] * copies
    lam = dynamics.polar_eigenvalues(np.array(magnitudes, float), np.array(angles, float))
    return dynamics.matrix_with_eigenvalues(lam, skew=skew, rng=seed)


def draw_eigen_response(fig, r1=1.1, angle1=0.0, r2=0.9, angle2=60.0, skew=0.0,
                        input="ones", steps=STEPS):
    """Left: the eigenvalues against the unit circle. Right: log10 ||W^t x'|| for the
    impulse response with x' = [1, 1, 1, 1], or with its top modes removed, or along the
    direction W stretches most (transient growth when W is non-normal), and the
    predicted slope log10 |lambda_m|. Returns the explorer's ``refresh`` (same axes)."""
    ax_l, ax_r = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2]})
    th = np.linspace(0, 2 * np.pi, 200)
    ax_l.plot(np.cos(th), np.sin(th), color="0.6", lw=1)
    crosses = ax_l.plot([], [], "x", color="C3", ms=9, mew=2)[0]
    ax_l.set(xlabel="Re", ylabel="Im", title="eigenvalues of $W$")
    ax_l.set_box_aspect(1)  # square box + equal limits: equal scales
    doubles = []  # the "x2" notes of double real eigenvalues
    response = ax_r.plot([], [], "o-", ms=2.5, label="$\\log_{10}\\|h(t)\\|$")[0]
    predicted = ax_r.plot([], [], "--", color="C1", label=" ")[0]  # label set by show()
    start = ax_r.axhline(0.0, color="0.7", lw=0.8, label="start: $\\log_{10}\\|h(0)\\|$")
    ax_r.set(xlabel="t", ylabel="$\\log_{10}\\|h(t)\\|$")
    legend = ax_r.legend(loc="best", fontsize=8)

    def show(r1, angle1, r2, angle2, skew, input):
        W = eigen_matrix(r1, angle1, r2, angle2, skew)
        x = np.ones(4)
        lam = np.linalg.eigvals(W)
        crosses.set_data(lam.real, lam.imag)
        while doubles:
            doubles.pop().remove()
        for r, a in ((r1, angle1), (r2, angle2)):
            if a in (0.0, 180.0):  # a double real eigenvalue: one cross for two
                doubles.append(ax_l.annotate("×2", (r * np.cos(np.deg2rad(a)), 0.0),
                                             xytext=(4, 6), textcoords="offset points",
                                             fontsize=8, color="C3"))
        lim = max(1.4, 1.1 * np.max(np.abs(lam)))
        ax_l.set(xlim=(-lim, lim), ylim=(-lim, lim))
        note = ""
        if input == "no top mode":
            try:
                x = dynamics.remove_top_modes(W, x)
            except ValueError:
                note = "\n(all $|\\lambda|$ equal: nothing to remove)"
        elif input == "most stretched":
            x = 2.0 * dynamics.most_stretched_direction(W)  # ||x|| = 2 = ||ones||
        h = dynamics.impulse_response(W, np.eye(4), x, steps)
        norms = np.maximum(dynamics.response_norms(h), 1e-300)
        t = np.arange(steps)
        rate = dynamics.predicted_growth_rate(W, x)
        response.set_data(t, np.log10(norms))
        slope = round(rate / np.log(10), 3) + 0.0  # + 0.0: no "-0.000"
        # the predicted slope through the last point (the long-run rate); without the top
        # mode through h(0): round-off can bring the removed mode back, and the last point
        # is then on it
        anchor = 0 if input == "no top mode" else steps - 1
        predicted.set_data(t, np.log10(norms[anchor]) + (t - t[anchor]) * rate / np.log(10))
        # the legend's entries follow the plot order: the second one is this line's
        legend.get_texts()[1].set_text(f"slope $\\log_{{10}}|\\lambda_m|$ = {slope:.3f}")
        if input == "no top mode" and not note:
            late = dynamics.fitted_growth_rate(norms, start=2 * steps // 3)
            if late > rate + 0.02:  # the tail grows faster than the modes the input holds
                note = "\n(round-off brought the top mode back)"
        start.set_ydata([np.log10(norms[0])] * 2)
        ax_r.set_title(f"input: {input}, $\\|W\\|_2$ = "
                       f"{dynamics.largest_singular_value(W):.2f}{note}")
        autoscale(ax_r)
        lo, hi = np.min(np.log10(norms)), np.max(np.log10(norms))
        if hi - lo < 1:  # a flat response: show at least one decade, so that it looks flat
            mid = 0.5 * (lo + hi)
            ax_r.set_ylim(mid - 0.6, mid + 0.6)

    show(r1, angle1, r2, angle2, skew, input)
    fig.tight_layout()
    return refresh_keeping(show, steps=steps)


def eigen_explorer():
    """Sliders for two eigenvalue pairs (magnitude, angle in degrees), the eigenvector skew
    and the input (claims C4-C7). One step of any slider changes the figure."""
    return Explorer(draw_eigen_response, {
        "r1": Slider(0.1, 1.5, 0.05, 1.1, "|λ₁|"),
        "angle1": Slider(0.0, 180.0, 5.0, 0.0, "angle₁ (deg)"),
        "r2": Slider(0.1, 1.5, 0.05, 0.9, "|λ₂|"),
        "angle2": Slider(0.0, 180.0, 5.0, 60.0, "angle₂ (deg)"),
        "skew": Slider(0.0, 5.0, 0.25, 0.0, "eigenvector skew"),
        "input": Choice(("ones", "no top mode", "most stretched"), "ones"),
    }, figsize=(10, 3.6))


# ------------------------------------------------------------------ notebook 02
ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")
X0_FAMILY = (-2.0, -1.0, 0.0, 1.0, 2.0)


def draw_scalar_memory(fig, activation="sigmoid", w=1.0, c=1.0, b=0.0, x0=1.0, h0=0.0,
                       steps=40):
    """Left: h(t) = f(w h(t-1) + c x(t) + b) after one input x(0) (several in grey, the
    chosen one in colour). Right: the map h -> f(w h + b), the diagonal, its fixed points
    (filled: stable) and the chosen trajectory as a cobweb. Returns the explorer's
    ``refresh`` (same axes)."""
    ax_l, ax_r = fig.subplots(1, 2)
    family = [ax_l.plot([], [], color="0.75", lw=1)[0] for _ in X0_FAMILY]
    ax_l.plot([], [], color="0.75", lw=1, label="x(0) = -2, ..., 2")
    chosen = ax_l.plot([], [], "o-", ms=2.5, color="C0", label=" ")[0]  # label set by show()
    ax_l.set(xlabel="t", ylabel="h(t)")
    legend_l = ax_l.legend(loc="best", fontsize=8)
    mapped = ax_r.plot([], [], color="C0", label="f(w h + b)")[0]
    diagonal = ax_r.plot([], [], color="0.5", lw=1, label="diagonal")[0]
    stable, unstable = (ax_r.plot([], [], "o", ms=7, color="C3", mfc=face)[0]
                        for face in ("C3", "white"))
    cobweb = ax_r.plot([], [], color="C1", lw=1, label="cobweb")[0]
    ax_r.set(xlabel="h(t-1)", ylabel="h(t)")
    ax_r.legend(loc="best", fontsize=8)

    def show(activation, w, c, b, x0, h0):
        t = np.arange(steps)
        for line, v in zip(family, X0_FAMILY, strict=True):
            h = dynamics.impulse_response(w, c, v, steps, b=b, activation=activation, h0=h0)
            line.set_data(t, _clip(h))
        h = dynamics.impulse_response(w, c, x0, steps, b=b, activation=activation, h0=h0)
        chosen.set_data(t, _clip(h))
        legend_l.get_texts()[1].set_text(f"x(0) = {x0:g}")  # entries in plot order
        ax_l.set_title(f"{activation}: w = {w:g}, c = {c:g}, b = {b:g}, h(-1) = {h0:g}")
        autoscale(ax_l)
        lo, hi = {"sigmoid": (-0.1, 1.1), "tanh": (-1.1, 1.1)}.get(activation, (-3.0, 3.0))
        grid = np.linspace(lo, hi, 400)
        mapped.set_data(grid, activations.get(activation).f(w * grid + b))
        diagonal.set_data(grid, grid)
        try:
            points = dynamics.fixed_points(w, 0.0, 0.0, b, activation=activation)
            title = f"{len(points)} fixed point(s), {sum(p.stable for p in points)} stable"
        except ValueError as exc:
            points, title = [], str(exc)
        for line, kind in ((stable, True), (unstable, False)):
            at = [p.h for p in points if p.stable == kind]
            line.set_data(at, at)
        s = np.clip(h, lo - 1, hi + 1)  # cobweb from h(0): (s0, s0) -> (s0, s1) -> ...
        cobweb.set_data(np.repeat(s, 2)[:-1], np.repeat(s, 2)[1:])
        ax_r.set(xlim=(lo, hi), ylim=(lo, hi), title=title)

    show(activation, w, c, b, x0, h0)
    fig.tight_layout()
    return refresh_keeping(show, steps=steps)


def scalar_explorer():
    """The scalar recurrence with each activation (claims C8-C10)."""
    return Explorer(draw_scalar_memory, {
        "activation": Choice(ACTIVATIONS, "sigmoid"),
        "w": Slider(-3.0, 10.0, 0.05, 1.0),
        "c": Slider(-3.0, 3.0, 0.1, 1.0),
        "b": Slider(-6.0, 6.0, 0.1, 0.0),
        "x0": Slider(-3.0, 3.0, 0.1, 1.0, "x(0)"),
        "h0": Slider(-1.0, 1.0, 0.05, 0.0, "h(-1)"),
    }, figsize=(10, 3.6))


def vector_matrix(lambda_max, seed=SEED):
    """A normal 4x4 matrix with eigenvalues lambda_max, 0.8 lambda_max e^{+-i 0.6},
    0.5 lambda_max."""
    lam = dynamics.polar_eigenvalues(lambda_max * np.array([1.0, 0.8, 0.5]), [0.0, 0.6, 0.0])
    return dynamics.matrix_with_eigenvalues(lam, rng=seed)


def draw_vector_process(fig, lambda_max=1.1, activation="tanh", b=0.0, steps=STEPS):
    """h(t) = f(W h(t-1) + C x(t) + b), C = I, the same bias b on every unit, from
    x(0) = [1, 1, 1, 1] (top) and [-1, -1, -1, -1] (bottom): each component of h(t).
    Returns the explorer's ``refresh`` (same axes)."""
    axes = fig.subplots(2, 1, sharex=True)
    lines = [ax.plot(np.zeros((0, 4)), lw=1.2, label=[f"$h_{i + 1}$" for i in range(4)])
             for ax in axes]
    for ax in axes:
        ax.set(ylabel="h(t)")
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    axes[-1].set(xlabel="t")

    def show(lambda_max, activation, b):
        W = vector_matrix(lambda_max)
        for ax, components, sign in zip(axes, lines, (1.0, -1.0), strict=True):
            h = _clip(dynamics.impulse_response(W, np.eye(4), sign * np.ones(4), steps, b=b,
                                                activation=activation))
            for line, column in zip(components, h.T, strict=True):
                line.set_data(np.arange(steps), column)
            ax.set_title(f"{activation}, max eigenvalue {lambda_max:g}, b = {b:g}, "
                         f"x(0) = {'+' if sign > 0 else '-'}[1, 1, 1, 1]")
            autoscale(ax)

    show(lambda_max, activation, b)
    fig.tight_layout()
    return refresh_keeping(show, steps=steps)


def vector_explorer():
    """The vector process of claim C11, with a bias ("still sensitive to the eigenvalues of W
    and the bias", claim C12)."""
    return Explorer(draw_vector_process, {
        "lambda_max": Slider(0.5, 1.5, 0.05, 1.1, "max eigenvalue"),
        "activation": Choice(ACTIVATIONS, "tanh"),
        "b": Slider(-2.0, 2.0, 0.1, 0.0, "bias b"),
    }, figsize=(9, 4.5))


def draw_multitap(fig, w1=0.5, w2=0.4, steps=STEPS):
    """Left: the K = 2 stability triangle and (w1, w2). Middle: the characteristic roots
    and the unit circle. Right: the impulse response of h(t) = w1 h(t-1) + w2 h(t-2) + x(t).
    Returns the explorer's ``refresh`` (same axes)."""
    ax_t, ax_c, ax_h = fig.subplots(1, 3)
    tri = np.vstack([dynamics.K2_TRIANGLE, dynamics.K2_TRIANGLE[:1]])
    ax_t.fill(tri[:, 0], tri[:, 1], color="C2", alpha=0.2)
    w1s = np.linspace(-2, 2, 100)
    ax_t.plot(w1s, -w1s**2 / 4, color="0.5", lw=0.8, ls="--")
    point = ax_t.plot([], [], "o", color="C3")[0]
    ax_t.text(0, -0.45, "stable", ha="center", color="C2", fontsize=8)
    ax_t.set(xlim=(-2.3, 2.3), ylim=(-1.3, 1.3), xlabel="w1", ylabel="w2")
    th = np.linspace(0, 2 * np.pi, 200)
    ax_c.plot(np.cos(th), np.sin(th), color="0.6", lw=1)
    roots = ax_c.plot([], [], "x", color="C3", ms=9, mew=2)[0]
    ax_c.set(xlabel="Re", ylabel="Im")
    ax_c.set_box_aspect(1)
    response = ax_h.semilogy([], [], "o-", ms=2.5, label="|h(t)|")[0]
    envelope = ax_h.semilogy([], [], "--", color="C1", lw=1, label="$|r_1|^t$")[0]
    ax_h.axhline(1e-3, color="0.6", lw=0.8, ls=":")
    ax_h.set(xlabel="t", ylabel="|h(t)|")
    legend = ax_h.legend(fontsize=8)
    # fewer ticks: a faster redraw (most of a redraw's time goes into tick labels)
    ax_h.yaxis.set_major_locator(LogLocator(numticks=5))
    ax_h.yaxis.set_minor_locator(NullLocator())
    for ax in (ax_t, ax_c):
        ax.locator_params(nbins=4)
    ax_h.locator_params(axis="x", nbins=4)

    def show(w1, w2):
        point.set_data([w1], [w2])
        w = np.array([w1, w2])
        by_roots = dynamics.stable_by_roots(w)
        by_jury = dynamics.jury_stable(dynamics.characteristic_polynomial(w))
        r = dynamics.characteristic_roots(w)
        r_max = float(np.max(np.abs(r)))
        marginal = abs(r_max - 1) < 1e-9  # a root on the unit circle: neither test is reliable
        ax_t.set_title("marginal: $|r_1| = 1$" if marginal else
                       f"roots: {'stable' if by_roots else 'unstable'}, "
                       f"Jury: {'stable' if by_jury else 'unstable'}")
        roots.set_data(r.real, r.imag)
        lim = max(1.3, 1.1 * np.max(np.abs(r)))
        ax_c.set(xlim=(-lim, lim), ylim=(-lim, lim),
                 title="roots " + ", ".join(f"{z:.2f}".replace("+0.00j", "") for z in r))
        h = np.abs(dynamics.multitap_impulse_response(w, 1.0, steps))
        t = np.arange(steps)
        response.set_data(t, np.where(h > 0, h, np.nan))
        envelope.set_data(t, np.abs(r[0]) ** t)
        autoscale(ax_h)
        grows = r_max > 1 + 1e-9
        if grows:
            outcome = f"blows up (|r_1| = {r_max:.2f} > 1)"
        elif marginal:
            outcome = "does not decay (|r_1| = 1)"
        else:
            forget = forgetting_time(w, r_max, steps)
            outcome = (f"|h| < 1e-3 from t = {forget}"
                       + (" (off the plot)" if forget >= steps else ""))
        ax_h.set_title("response to x(0) = 1\n" + outcome)
        legend.set_loc("upper left" if grows else "upper right")

    show(w1, w2)
    fig.tight_layout()
    return refresh_keeping(show, steps=steps)


def forgetting_time(w, r_max, steps, tol=1e-3):
    """For a decaying multi-tap recursion (largest root modulus ``r_max`` < 1): the first t
    from which |h(t)| stays below ``tol`` for good, from a response long enough to show it
    (the plotted ``steps`` may end on a zero crossing of an oscillating response)."""
    n = steps
    if r_max > 0:  # long enough for |r_max|^t to fall a million-fold below tol
        n = max(steps, int(np.ceil(np.log(tol * 1e-6) / np.log(r_max))) + steps)
    h = np.abs(dynamics.multitap_impulse_response(w, 1.0, min(n, 200_000)))
    return dynamics.time_to_forget(h, tol)


def multitap_explorer():
    """An interactive (w1, w2) point in the K = 2 stability triangle (claim C13)."""
    return Explorer(draw_multitap, {
        "w1": Slider(-2.2, 2.2, 0.1, 0.5),
        "w2": Slider(-1.2, 1.2, 0.1, 0.4),
    }, figsize=(11, 3.4))


def _clip(h, limit=1e6):
    """Values beyond +-limit (and overflowed ones) drawn at +-limit so plots stay readable."""
    return np.clip(np.nan_to_num(h, nan=limit, posinf=limit, neginf=-limit), -limit, limit)
