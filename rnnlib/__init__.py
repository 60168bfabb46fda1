"""rnnlib: a small, readable NumPy library for a lecture on recurrent networks.

Modules (lower ones never import higher ones):
activations -> cells -> layers; dense; losses; optim; gradcheck; train;
dynamics; tasks; datasets; widgets.
"""

__version__ = "0.1.0"
