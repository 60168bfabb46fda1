"""The start notebook's smoke-check explorer: one scalar recurrence, two controls."""

import numpy as np

from rnnlib import activations
from rnnlib.widgets import Choice, Explorer, Slider, tight_layout


def scalar_response(w, activation="tanh", x0=1.0, steps=30):
    """h(t) = f(w h(t-1) + x(t)) with h(-1) = 0 and a single input x(0) = x0.
    Returns h(0), ..., h(steps - 1)."""
    f = activations.get(activation)
    h = np.zeros(steps)
    prev = 0.0
    for t in range(steps):
        prev = f(w * prev + (x0 if t == 0 else 0.0))
        h[t] = prev
    return h


def draw_scalar_response(fig, w=0.9, activation="tanh"):
    """Plot the response of h(t) = f(w h(t-1) + x(t)) to one input at t = 0."""
    h = scalar_response(w, activation)
    ax = fig.subplots()
    ax.plot(h, "o-", ms=3)
    ax.axhline(0, color="0.7", lw=0.8)
    ax.set(xlabel="t", ylabel="h(t)",
           title=f"h(t) = {activation}(w h(t-1) + x(t)), w = {w:.2f}, x(0) = 1")
    tight_layout(fig)


def start_explorer():
    """Sliders for w and the activation: if the plot follows them, widgets work."""
    return Explorer(draw_scalar_response,
                    {"w": Slider(-1.5, 1.5, 0.05, 0.9),
                     "activation": Choice(activations.NAMES, "tanh")},
                    figsize=(7, 3))
