"""Recurrent weight matrices with chosen eigenvalues.

A real matrix's eigenvalues are real numbers and complex-conjugate pairs
lambda = r e^{+-i theta}. We build W from the real block-diagonal form

    B = diag(lambda_1, ..., [[r cos theta, -r sin theta], [r sin theta, r cos theta]], ...)

(a 1x1 block per real eigenvalue, a scaled rotation per conjugate pair) and

    W = S B S^{-1},   S = Q (I + skew * N),

with Q a random orthogonal matrix and N a random strictly upper-triangular matrix.
``skew = 0`` gives a *normal* matrix (W = Q B Q^T: orthogonal eigenvectors,
||W||_2 = spectral radius). ``skew > 0`` keeps the eigenvalues (W is similar to B) but
skews the eigenvectors (the columns of S for the real eigenvalues): W becomes
*non-normal*, ||W||_2 can exceed the spectral radius, and ||W^t h|| can grow for a
while even when every |lambda| < 1 (the lecture's "middling t", claim C6).
"""

import numpy as np

from .._checks import as_finite_float, as_generator, as_real_array


def polar_eigenvalues(magnitudes, angles):
    """The spectrum given by magnitudes r_i >= 0 and angles theta_i (radians).

    An angle of 0 gives the real eigenvalue r, an angle of pi the real eigenvalue -r;
    any other angle gives the conjugate pair r e^{+i theta}, r e^{-i theta}.
    Returns a complex 1-D array (pairs adjacent), ready for :func:`matrix_with_eigenvalues`.
    """
    r = as_real_array("magnitudes", magnitudes, ndim=1)
    a = as_real_array("angles", angles, shape=r.shape)
    if np.any(r < 0):
        raise ValueError(f"magnitudes must be >= 0, got {r}")
    out = []
    for ri, ai in zip(r, a, strict=True):
        z = ri * np.exp(1j * ai)
        if abs(np.sin(ai)) < 1e-12:
            out.append(complex(ri * np.cos(ai), 0.0))
        else:
            out += [complex(z.real, abs(z.imag)), complex(z.real, -abs(z.imag))]
    return np.array(out, dtype=complex)


def _blocks(eigenvalues):
    """Split a spectrum into real eigenvalues and conjugate pairs (one per pair, imag > 0)."""
    lam = np.asarray(eigenvalues)
    if lam.ndim != 1 or lam.size == 0 or not (
        np.issubdtype(lam.dtype, np.floating) or np.issubdtype(lam.dtype, np.complexfloating)
    ):
        raise TypeError("eigenvalues must be a non-empty 1-D array of real or complex floats, "
                        f"got dtype {lam.dtype} and shape {lam.shape}")
    if not np.all(np.isfinite(lam)):
        raise ValueError("eigenvalues contain NaN or infinite values")
    lam = lam.astype(complex)
    reals = [z.real for z in lam if z.imag == 0]
    upper = sorted((z for z in lam if z.imag > 0), key=lambda z: (z.real, z.imag))
    lower = sorted((z.conjugate() for z in lam if z.imag < 0), key=lambda z: (z.real, z.imag))
    if len(upper) != len(lower) or not np.allclose(upper, lower, rtol=1e-12, atol=1e-12):
        raise ValueError("complex eigenvalues of a real matrix must come in conjugate pairs "
                         f"(use polar_eigenvalues), got {lam}")
    return reals, upper


def _random_orthogonal(n, rng):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))  # Haar-distributed


def matrix_with_eigenvalues(eigenvalues, *, skew=0.0, rng=None):
    """A real (n, n) matrix with the given eigenvalues (see the module docstring).

    eigenvalues: 1-D array of n real or complex numbers; complex ones in conjugate pairs.
    skew       : 0 for a normal matrix; larger values skew the eigenvectors more
                 (W stays diagonalisable with the same eigenvalues).
    rng        : seed or numpy Generator (Q and N are drawn from it).
    """
    reals, pairs = _blocks(eigenvalues)
    skew = as_finite_float("skew", skew)
    if skew < 0:
        raise ValueError(f"skew must be >= 0, got {skew}")
    rng = as_generator(rng)
    n = len(reals) + 2 * len(pairs)
    B = np.zeros((n, n))
    i = 0
    for lam in reals:
        B[i, i] = lam
        i += 1
    for z in pairs:
        B[i:i + 2, i:i + 2] = [[z.real, -z.imag], [z.imag, z.real]]
        i += 2
    Q = _random_orthogonal(n, rng)
    N = np.triu(rng.standard_normal((n, n)), k=1)
    if skew == 0:
        return Q @ B @ Q.T
    S = Q @ (np.eye(n) + skew * N)
    return S @ B @ np.linalg.inv(S)


def spectral_radius(W):
    """max_i |lambda_i(W)| for a square matrix W (or |w| for a scalar)."""
    W = _square("W", W)
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def largest_singular_value(W):
    """||W||_2 = sigma_1(W), the largest factor by which W can stretch a vector."""
    W = _square("W", W)
    return float(np.linalg.norm(W, 2))


def most_stretched_direction(W):
    """The unit vector v that W stretches most: ||W v|| = ||W||_2 = sigma_1 (v is the top
    right singular vector; its overall sign is arbitrary). For a non-normal W, the start
    that shows the largest one-step growth (claim C6)."""
    W = _square("W", W)
    return np.linalg.svd(W)[2][0]


def departure_from_normality(W):
    """||W W^T - W^T W||_F / ||W||_F^2: 0 for a normal matrix."""
    W = _square("W", W)
    return float(np.linalg.norm(W @ W.T - W.T @ W) / max(np.linalg.norm(W) ** 2, 1e-300))


def _square(name, W):
    if np.ndim(W) == 0:
        return np.array([[as_finite_float(name, W)]])
    W = as_real_array(name, W, ndim=2)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"{name} must be square, got shape {W.shape}")
    return W
