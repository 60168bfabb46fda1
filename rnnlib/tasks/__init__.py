"""Seeded sequence tasks for the notebooks.

- :mod:`rnnlib.tasks.arithmetic`: binary addition and parity (what recurrence can do
  that an MLP cannot).
- :mod:`rnnlib.tasks.memory`: long-term dependency tasks (remember something seen T
  steps earlier).
"""
