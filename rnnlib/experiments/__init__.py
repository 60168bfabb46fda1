"""Experiments the notebooks run (training runs, checks, comparisons), one module per topic."""
