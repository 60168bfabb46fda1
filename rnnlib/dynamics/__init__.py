"""Dynamics of recurrences: blow-up, vanishing, memory and stability (claims C1-C13).

- :mod:`.matrices`  recurrent matrices with chosen eigenvalues (normal or non-normal),
  spectral radius, largest singular value.
- :mod:`.eigen`     eigen-coefficients of an input, predicted and measured growth rates.
- :mod:`.simulate`  h(t) = f(W h(t-1) + C x(t) + b) on any input; impulse responses;
  time-delay (convolutional) nets.
- :mod:`.scalar`    fixed points of the scalar recurrence and their stability.
- :mod:`.memory`    how many steps the effect of x(0) lasts.
- :mod:`.multitap`  h(t) = sum_k w_k h(t-k) + c x(t): roots, modes, the Jury test.
- :mod:`.lyapunov`  contraction and Lyapunov functions.
"""

from .eigen import eigen_coefficients, fitted_growth_rate, predicted_growth_rate, remove_top_modes
from .lyapunov import (
    contraction_factor,
    discrete_lyapunov,
    fixed_point_by_iteration,
    iterate,
    local_gain,
    lyapunov_values,
)
from .matrices import (
    departure_from_normality,
    largest_singular_value,
    matrix_with_eigenvalues,
    most_stretched_direction,
    polar_eigenvalues,
    spectral_radius,
)
from .memory import Memory, memory_length, time_to_forget
from .multitap import (
    K2_TRIANGLE,
    characteristic_polynomial,
    characteristic_roots,
    in_k2_triangle,
    jury_conditions,
    jury_stable,
    jury_table,
    modes,
    multitap_impulse_response,
    random_polynomial,
    simulate_multitap,
    stable_by_roots,
)
from .scalar import FixedPoint, final_value, fixed_points, stable_fixed_point_counts
from .simulate import (
    impulse_response,
    response_norms,
    simulate,
    single_input_responses,
    time_delay,
    unrolled_linear,
)

__all__ = [
    "K2_TRIANGLE", "FixedPoint", "Memory", "characteristic_polynomial", "characteristic_roots",
    "contraction_factor", "departure_from_normality", "discrete_lyapunov", "eigen_coefficients",
    "final_value", "fitted_growth_rate", "fixed_point_by_iteration", "fixed_points",
    "impulse_response", "in_k2_triangle", "iterate", "jury_conditions", "jury_stable",
    "jury_table", "largest_singular_value", "local_gain", "lyapunov_values",
    "matrix_with_eigenvalues", "memory_length", "modes", "most_stretched_direction",
    "multitap_impulse_response", "polar_eigenvalues",
    "predicted_growth_rate", "random_polynomial", "remove_top_modes", "response_norms",
    "simulate", "simulate_multitap", "single_input_responses", "spectral_radius",
    "stable_by_roots", "stable_fixed_point_counts", "time_delay", "time_to_forget",
    "unrolled_linear",
]
