"""rnnlib: a small, readable NumPy library for a lecture on recurrent networks.

Modules, from the bottom up (a lower module never imports a higher one):

- ``_checks``: input validation with clear errors; ``_allocator``: lets NumPy reuse freed
  memory (``import rnnlib`` calls :func:`rnnlib._allocator.keep_freed_memory`, see there).
- ``activations``, ``gradcheck``, ``widgets``, ``datasets``.
- ``cells``, ``dense``, ``losses``, ``optim``, ``flow``, ``dynamics``, ``tasks``.
- ``layers`` (RNN, LSTM, GRU sequence layers), ``train`` (model container, training loop).
- ``deepgrad``, ``timegrad``, ``handbuilt``.
- ``experiments`` (the notebooks' runs), then ``explorers`` (their interactive figures).

The README's module overview describes each; ``tests/test_layering.py`` checks the order.
"""

from rnnlib._allocator import keep_freed_memory as _keep_freed_memory

__version__ = "0.1.0"
_keep_freed_memory()
