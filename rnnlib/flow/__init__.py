"""Gradient flow through time: how much of dh_T reaches each earlier step.

For a recurrence  s_t = F(x_t, s_{t-1})  (s = h for the vanilla RNN and the GRU,
s = (h, C) for the LSTM) the gradient of anything at the last step T with respect to
the state at step t goes through the Jacobian

    J(T, t) = d s_T / d s_t = prod_{k=T}^{t+1} d s_k / d s_{k-1}.

For the vanilla RNN  h_k = f(z_k),  z_k = W_ih x_k + b + W_hh h_{k-1},  each factor is
diag(f'(z_k)) W_hh (claims C14, C19: a recurrent net is a very deep net): its norm
shrinks or grows geometrically with T - t. For the LSTM the cell-state path alone gives
dC_k/dC_{k-1} = diag(f_k) (the forget gate): no weight matrix, no squashing (claim C22,
the constant error carousel), so along it  dC_T/dC_t = diag(f_{t+1} * ... * f_T).

Indexing: ``x`` has T steps; ``s_0`` is the initial state and ``s_t`` (t = 1..T) the
state after consuming ``x[t-1]`` (the lecture's h_{-1} is our s_0). Every result has
T + 1 entries, for t = 0..T, with J(T, T) = I.

How it is computed (:func:`gradient_flow`): the single input sequence is copied across a
batch of N = (state size) rows and run forward through the cell; then the cell's own
``backward`` is walked back from step T starting with ``d_state = identity rows``
(row k = e_k). Because backward computes vector-Jacobian products, row k of the
returned d_state at step t is row k of J(T, t), i.e. d s_T[k] / d s_t. So the whole
Jacobian comes out of one backward sweep, exactly (no finite differences), for any cell
that follows the cell protocol

    cell.forward(x_t, state) -> (new_state, cache)
    cell.backward(d_new_state, cache) -> (dx_t, d_state)   # adds into cell.grads

A layer of :mod:`rnnlib.layers` is walked through one of its cells, chosen with
``layer=`` and ``direction=`` (default 0, 0): that cell's own recurrence, along the input
it receives in the stacked forward pass (for ``layer > 0``, the outputs of the layers
below it, computed here from the same ``x`` and initial state), held fixed. For the
reverse direction (``direction=1``) time runs in its processing order: s_0 is its initial
state, s_t its state after consuming x[T-1], ..., x[T-t], and s_T its final state (the one
PyTorch returns for it). The parameter gradients that backward accumulates as a side
effect are restored afterwards, and the layer's cached forward pass is not touched, so the
model is left as it was found.

Norms: ``norm="spectral"`` (default) is the largest singular value, ||J||_2 =
max_{|v|=1} |J^T v| = the largest factor by which any upstream gradient at step T can
be amplified on its way to step t; ``norm="fro"`` is the Frobenius norm
sqrt(sum J_kj^2) (= sqrt of the sum over the T-step units of their squared gradient
norms w.r.t. s_t).

:func:`vanilla_jacobians` builds the same products for the vanilla RNN from first
principles (explicit diag(f'(z)) W_hh products), as a cross-check, along the forward
states of :func:`vanilla_states`.
:func:`forget_gates` and :func:`forget_gate_product` give the carousel factor
prod_{k=t+1}^T f_k per unit (LSTM).
"""

from .carousel import forget_gate_product, forget_gates
from .jacobians import NORMS, GradientFlow, gradient_flow, matrix_norms, state_jacobians
from .vanilla import vanilla_jacobians, vanilla_states

__all__ = ["NORMS", "GradientFlow", "forget_gate_product", "forget_gates", "gradient_flow",
           "matrix_norms", "state_jacobians", "vanilla_jacobians", "vanilla_states"]
