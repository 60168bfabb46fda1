"""Lyapunov functions and contraction for h(t) = f(W h(t-1) + b) (claim C12).

Contraction. If f is 1-Lipschitz (tanh, ReLU, identity; sigmoid is 1/4-Lipschitz) then

    ||h(t) - h*|| = ||f(W h(t-1) + b) - f(W h* + b)|| <= gamma ||W||_2 ||h(t-1) - h*||,

so with q = gamma ||W||_2 < 1 the map has a unique fixed point h*, and V(h) = ||h - h*||
is a Lyapunov function: it falls at every step, at least by the factor q, from any start.

A spectral radius below 1 is not enough for the *Euclidean* norm to fall monotonically:
a non-normal W with rho(W) < 1 < ||W||_2 can make ||h - h*|| rise first. For the linear
map there is still a quadratic Lyapunov function V_P(h) = sqrt(h^T P h), P solving the
discrete Lyapunov equation W^T P W - P = -I, which exists (P positive definite) iff
rho(W) < 1: rho(W) < 1 is exactly "all poles inside the unit circle".

Near a fixed point h* what matters is the local gain, the spectral radius of the map's
Jacobian there, diag(f'(W h* + b)) W (:func:`local_gain`): below 1 the fixed point attracts
(nearby states converge to it geometrically at that rate), even when q >= 1 gives no
guarantee.
"""

import numpy as np

from .. import activations
from .._checks import as_real_array, check_nonnegative_int
from .matrices import _square


def contraction_factor(W, activation="tanh"):
    """q = gamma ||W||_2 with gamma = sup |f'| (1 for tanh, 1/4 for sigmoid): the map
    h -> f(W h + b) is a contraction in the 2-norm when q < 1."""
    return activations.get(activation).gamma * float(np.linalg.norm(_square("W", W), 2))


def iterate(W, h0, steps, *, b=None, activation="tanh"):
    """The autonomous trajectory h(t) = f(W h(t-1) + b), t = 0..steps-1 (steps, H),
    from h(-1) = h0."""
    W = _square("W", W)
    H = W.shape[0]
    h = as_real_array("h0", h0, shape=(H,))
    b = np.zeros(H) if b is None else as_real_array("b", b, shape=(H,))
    act = activations.get(activation)
    steps = check_nonnegative_int("steps", steps)
    out = np.empty((steps, H))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            h = act.f(W @ h + b)
            out[t] = h
    return out


def fixed_point_by_iteration(W, *, b=None, activation="tanh", steps=5000, tol=1e-13):
    """h* = lim h(t) from h(-1) = 0; raises if the iteration has not settled (to tol)."""
    W = _square("W", W)
    traj = iterate(W, np.zeros(W.shape[0]), steps, b=b, activation=activation)
    if not np.all(np.isfinite(traj[-1])) or np.linalg.norm(traj[-1] - traj[-2]) > tol:
        raise ValueError("the iteration did not converge to a fixed point")
    return traj[-1]


def local_gain(W, h_star, *, b=None, activation="tanh"):
    """rho(diag(f'(z*)) W), z* = W h* + b: the spectral radius of the Jacobian of
    h -> f(W h + b) at h* (a fixed point, e.g. from :func:`fixed_point_by_iteration`).
    Below 1, h* attracts nearby states, which approach it by about this factor per step."""
    W = _square("W", W)
    H = W.shape[0]
    h = as_real_array("h_star", h_star, shape=(H,))
    b = np.zeros(H) if b is None else as_real_array("b", b, shape=(H,))
    act = activations.get(activation)
    z = W @ h + b
    jacobian = act.df(z, act.f(z))[:, None] * W
    return float(np.max(np.abs(np.linalg.eigvals(jacobian))))


def lyapunov_values(trajectory, h_star, P=None):
    """V(h(t)) = ||h(t) - h*|| (Euclidean), or sqrt((h - h*)^T P (h - h*)) if P is given,
    for each row of ``trajectory`` (T, H)."""
    traj = as_real_array("trajectory", trajectory, ndim=2)
    d = traj - as_real_array("h_star", h_star, shape=(traj.shape[1],))
    if P is None:
        return np.linalg.norm(d, axis=1)
    P = as_real_array("P", P, shape=(traj.shape[1], traj.shape[1]))
    return np.sqrt(np.einsum("ti,ij,tj->t", d, P, d))


def discrete_lyapunov(W, Q=None):
    """P solving W^T P W - P = -Q (Q = I by default), via the Kronecker form
    (I - W^T (x) W^T) vec(P) = vec(Q). Unique when no two eigenvalues have product 1."""
    W = _square("W", W)
    n = W.shape[0]
    Q = np.eye(n) if Q is None else as_real_array("Q", Q, shape=(n, n))
    A = np.eye(n * n) - np.kron(W.T, W.T)
    P = np.linalg.solve(A, Q.reshape(-1)).reshape(n, n)
    return 0.5 * (P + P.T)
