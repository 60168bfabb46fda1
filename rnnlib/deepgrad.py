"""Gradients through depth: the chain product and the lecture's 19-layer experiment.

A multilayer perceptron is the nested function (lecture's notation, layers 1..N)

    Y = f_N(W_N f_{N-1}(W_{N-1} ... f_1(W_1 X))),    Div = D(Y),

and the gradient of Div with respect to the output f_k of layer k is the chain product
(claim C14)

    grad_{f_k} Div = grad D . J_N . J_{N-1} ... J_{k+1},   J_j = grad f_j . W_j,

where grad f_j = diag(f'(z_j)) is the Jacobian of the activation at the pre-activation
z_j (a diagonal matrix: f acts elementwise). :func:`layer_jacobians` builds the J_j of a
:class:`rnnlib.dense.MLP` for one instance and :func:`chain_gradient` multiplies them out,
so the product can be compared with what ``MLP.backward`` computes.

Each J_j has ||J_j v|| <= gamma * sigma_max(W_j) ||v||, with gamma = sup|f'| (1/4 for the
sigmoid, 1 for tanh and ReLU): :func:`repeated_product_norms` follows a vector through
repeated multiplication (claim C16).

:func:`neuron_gradients` runs the lecture's experiment (claims C17, C18): an MLP
784 -> 1024 x 19 -> 10 with softmax cross-entropy, at initialisation, on MNIST, and
records for every layer k and neuron j the norm of the gradient with respect to that
neuron's incoming weight vector W_k[j, :] (bias excluded),

    batch        : || d Div / d W_k[j, :] ||,   Div = (1/N) sum_n Div_n,
    per instance : || d Div_n / d W_k[j, :] || = |delta_n,j| * ||a_n||,

with delta_n = d Div_n / d z_k and a_n the input of layer k for instance n. Layers are
numbered 1..N as in the lecture: 1 is the first hidden layer, N = hidden + 1 the output.
"""

from dataclasses import dataclass

import numpy as np

from rnnlib import flow, losses
from rnnlib._checks import as_float_array, check_nonnegative_int, check_positive_int
from rnnlib.dense import MLP

QUANTILES = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)
"""The quantiles of the per-instance log10 norms kept for every layer."""
OUTLIER_DECADES = (1.0, 2.0, 3.0)
"""Per-instance norms this many decades above their layer's median are counted."""
N_CLASSES = 10
VIEWS = ("batch", "instances")
"""The two views of the experiment: the batch gradient, or each instance's own gradient."""


# --- the chain product (claim C14) ---------------------------------------------------

def layer_jacobians(mlp, n=0):
    """The Jacobians J_k = diag(f'(z_k)) W_k = d a_k / d a_{k-1}, k = 1..N, of instance
    ``n`` of the batch last passed to ``mlp.forward`` (a 2-d batch (B, in)).

    Returns a list of N arrays, J_k of shape (out_k, in_k). Call after ``forward`` and
    before ``backward`` (backward frees the pre-activations). For one of them only, use
    :func:`layer_jacobian`.
    """
    return [layer_jacobian(mlp, k, n) for k in range(1, len(mlp.layers) + 1)]


def layer_jacobian(mlp, k, n=0):
    """J_k = diag(f'(z_k)) W_k (out_k, in_k) of layer ``k`` (1..N) for instance ``n`` of the
    last 2-d forward batch (see :func:`layer_jacobians`)."""
    if not mlp.preactivations or any(z is None for z in mlp.preactivations):
        raise RuntimeError("call mlp.forward (and not yet backward) before layer_jacobians")
    if mlp.preactivations[0].ndim != 2:
        raise ValueError(f"layer_jacobians needs a 2-d forward batch (B, in), got "
                         f"{mlp.activations[0].ndim}-d input")
    batch = mlp.preactivations[0].shape[0]
    n = check_nonnegative_int("n", n)
    if n >= batch:
        raise ValueError(f"n must index an instance of the last 2-d forward batch "
                         f"(0..{batch - 1}), got {n!r}")
    k = check_positive_int("k", k)
    if k > len(mlp.layers):
        raise ValueError(f"k must be a layer 1..{len(mlp.layers)}, got {k}")
    last = len(mlp.layers)
    act = mlp.output_activation if k == last else mlp.activation
    z, a = mlp.preactivations[k - 1][n], mlp.activations[k][n]
    return act.df(z, a)[:, None] * mlp.layers[k - 1].params["weight"]


def sigma_max(w):
    """The largest singular value ||W||_2 of a matrix W (m, n), as the square root of the
    largest eigenvalue of the smaller Gram matrix W W^T or W^T W (the same value as
    ``np.linalg.norm(W, 2)`` to rounding, about 3x faster for 1024 x 1024)."""
    w = as_float_array("w", w, ndim=2)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    return float(np.sqrt(max(np.linalg.eigvalsh(gram)[-1], 0.0)))


def chain_gradient(grad_d, jacobians, k):
    """grad_{f_k} Div = grad D . J_N ... J_{k+1} (a row vector), k = 0..N.

    grad_d    : d Div / d Y, shape (out_N,), for one instance.
    jacobians : [J_1, ..., J_N] from :func:`layer_jacobians`.
    k         : the layer whose output the gradient is taken with respect to
                (k = 0: the input X; k = N: Y itself).
    """
    grad_d = as_float_array("grad_d", grad_d, ndim=1)
    k = check_nonnegative_int("k", k)
    if k > len(jacobians):
        raise ValueError(f"k must be in 0..{len(jacobians)}, got {k}")
    if jacobians and grad_d.shape[0] != np.shape(jacobians[-1])[0]:
        raise ValueError(f"grad_d must have shape ({np.shape(jacobians[-1])[0]},) (the last "
                         f"Jacobian's rows: the network's outputs), got {grad_d.shape}")
    g = grad_d
    for jac in reversed(jacobians[k:]):
        g = g @ jac
    return g


def backward_gains(mlp):
    """The typical gain of each backward step through the hidden layers.

    Backpropagation maps delta_k = d Div / d z_k (layer k's pre-activations) to
    delta_{k-1} = (delta_k W_k) * f'(z_{k-1}), i.e. multiplies by M_k = W_k diag(f'(z_{k-1})).
    A vector in a random direction is scaled on average (in the mean square) by the RMS
    singular value of M_k,

        g_k = ||M_k||_F / sqrt(out_k),   ||M_k||_F^2 = sum_i f'(z_{k-1,i})^2 ||W_k[:, i]||^2,

    averaged (in the mean square) over the instances of the last forward batch. Returns
    g_k for k = 2..N-1 (lecture numbering: the steps from the last hidden layer N-1 down
    to the first), shape (N-2,). ``-sum(log10 g)`` predicts how many decades the gradient
    loses from layer N-1 to layer 1. Call after ``forward`` and before ``backward``.
    """
    if not mlp.preactivations or any(z is None for z in mlp.preactivations):
        raise RuntimeError("call mlp.forward (and not yet backward) before backward_gains")
    gains = []
    for k in range(1, len(mlp.layers) - 1):
        w = mlp.layers[k].params["weight"]
        d = mlp.activation.df(mlp.preactivations[k - 1], mlp.activations[k])
        col_sq = np.einsum("ij,ij->j", w, w)
        gains.append(np.sqrt(np.mean((d * d) @ col_sq) / w.shape[0]))
    return np.array(gains)


# --- repeated products (claim C16) ---------------------------------------------------

def repeated_product_norms(w, v, steps, activation="identity", h=None):
    """A row vector v backpropagated through k factors J_j = diag(f'(z_j)) W, k = 0..steps:

        norms[k] = || v J_S J_{S-1} ... J_{S-k+1} ||,   S = steps,

    as a gradient v arriving at step S travels back k steps. The pre-activations come
    from running h_j = f(W h_{j-1}) forward S steps from ``h`` (default: ``v`` itself),
    z_j = W h_{j-1}, so the diag(f') factors are those a network with weights W applies:
    the products are :func:`rnnlib.flow.vanilla_jacobians` of that input-free recurrence,
    v J_S ... J_{S-k+1} = v (d h_S / d h_{S-k}). With ``activation="identity"``
    norms[k] = ||v W^k||. w (H, H), v (H,), h (H,). Returns (steps + 1,) norms,
    norms[0] = ||v||.
    """
    w = as_float_array("w", w, ndim=2)
    if w.shape[0] != w.shape[1]:
        raise ValueError(f"w must be square, got shape {w.shape}")
    v = as_float_array("v", v, shape=(w.shape[0],))
    steps = check_positive_int("steps", steps)
    state = v if h is None else as_float_array("h", h, shape=(w.shape[0],))
    no_input = np.zeros((w.shape[0], 1))
    jac = flow.vanilla_jacobians(no_input, w, np.zeros(w.shape[0]), np.zeros((steps, 1)),
                                 state, activation)          # jac[t] = d h_S / d h_t
    return np.linalg.norm(v @ jac[::-1], axis=-1)


# --- the 19-layer experiment (claims C17, C18) ----------------------------------------

@dataclass(frozen=True)
class NeuronGradients:
    """Per-layer, per-neuron gradient norms of a deep MLP at initialisation.

    activation, init : as passed to :class:`rnnlib.dense.MLP`.
    sizes            : the layer widths, e.g. (784, 1024, ..., 1024, 10).
    n_instances      : N, the number of images.
    batch_log10      : tuple over layers 1..L of (out_k,) arrays,
                       log10 || d Div / d W_k[j, :] ||  (NaN where the norm is exactly 0).
    batch_zero       : (L,) fraction of neurons whose batch gradient is exactly 0.
    instance_quantiles : (L, len(QUANTILES)) quantiles of log10 || d Div_n / d W_k[j, :] ||
                       over all (n, j) with a nonzero norm (NaN if none).
    instance_zero    : (L,) fraction of (n, j) whose per-instance gradient is exactly 0
                       (ReLU units that are off for that image).
    instance_above   : (L, len(OUTLIER_DECADES)) fraction of all (n, j) whose per-instance
                       norm exceeds the layer's median by more than that many decades.
    instance_examples : tuple over layers of (n_examples, out_k) per-instance log10 norms
                       of the first ``n_examples`` images (NaN where 0).
    delta_log10      : (L, N) log10 || d Div_n / d z_k ||, the per-instance gradient with
                       respect to each layer's pre-activations (NaN where 0).
    gains            : (L-2,) :func:`backward_gains` of the network on the batch.
    loss             : the mean cross-entropy at initialisation.
    """

    activation: str
    init: str
    sizes: tuple
    n_instances: int
    batch_log10: tuple
    batch_zero: np.ndarray
    instance_quantiles: np.ndarray
    instance_zero: np.ndarray
    instance_above: np.ndarray
    instance_examples: tuple
    delta_log10: np.ndarray
    gains: np.ndarray
    loss: float

    @property
    def n_layers(self):
        return len(self.sizes) - 1

    @property
    def layers(self):
        """Layer numbers 1..L (L = the output layer)."""
        return np.arange(1, self.n_layers + 1)

    def quantile(self, q):
        """(L,) the per-instance log10-norm quantile ``q`` (one of :data:`QUANTILES`)."""
        if q not in QUANTILES:
            raise ValueError(f"q must be one of {QUANTILES}, got {q!r}")
        return self.instance_quantiles[:, QUANTILES.index(q)]

    def above(self, decades):
        """(L,) fraction of per-instance norms more than ``decades`` above the layer's
        median (``decades`` one of :data:`OUTLIER_DECADES`)."""
        if decades not in OUTLIER_DECADES:
            raise ValueError(f"decades must be one of {OUTLIER_DECADES}, got {decades!r}")
        return self.instance_above[:, OUTLIER_DECADES.index(decades)]

    def batch_median(self):
        """(L,) median over neurons of the batch log10 norms (ignoring exact zeros)."""
        return np.array([_nanmedian(b) for b in self.batch_log10])

    def median(self, view="batch"):
        """(L,) the median log10 norm per layer: :meth:`batch_median` for ``view="batch"``,
        the median over all (n, j) of the per-instance norms for ``"instances"``."""
        if view == "batch":
            return self.batch_median()
        if view == "instances":
            return self.quantile(0.5)
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")

    def decades_lost(self, view="batch"):
        """How many decades the median (:meth:`median`) falls from the last hidden layer
        (L-1) down to layer 1; negative if it grows."""
        return decades_lost(self.median(view), self.n_layers - 1, 1)

    def layers_back(self, view="batch", decades=3.0):
        """How many layers back from the last hidden layer (L-1) the median (:meth:`median`)
        first falls more than ``decades`` below its value there (3: 1000-fold); None if it
        never does."""
        hit = first_layer_below(self.median(view), self.n_layers - 1, decades)
        return None if hit is None else hit[1]

    def delta_decay(self):
        """(predicted, measured) decades that ||delta|| = ||d Div_n / d z_k|| loses from
        the last hidden layer (L-1) down to layer 1: predicted = -sum(log10 gains) from
        :func:`backward_gains`, measured = the difference of the medians over instances
        of log10 ||delta_n|| in those two layers."""
        predicted = -float(np.sum(np.log10(self.gains)))
        measured = float(np.median(self.delta_log10[self.n_layers - 2])
                         - np.median(self.delta_log10[0]))
        return predicted, measured


def _nanmedian(values):
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else np.nan


def _log10_or_nan(x):
    out = np.full(x.shape, np.nan)
    np.log10(x, out=out, where=x > 0)
    return out


def backward_by_layer(mlp, dy):
    """Backpropagation through ``mlp`` one layer at a time, from the output layer down:
    yields (k, delta_k, a_k, row_norms_k) for k = L-1 .. 0 (0-based layer index), with

        delta_k = d Div / d z_k  (B, out_k),       a_k = layer k's input  (B, in_k),
        dDiv/dW_k = delta_k^T a_k,   row_norms_k[j] = || dDiv/dW_k[j, :] ||  (out_k,),
        delta_{k-1} = (delta_k W_k) * f'(z_{k-1}),

    the recursion of ``MLP.backward`` (claim C14). Unlike ``MLP.backward`` it keeps no
    gradient: each layer's dDiv/dW_k exists only while its row norms are taken, and the
    forward caches of layer k (z_k, a_{k+1}) are released once used. So the lecture's
    19 x 1024 network on 1,000 images needs its weights plus the forward caches, not also
    19 weight-sized gradients. Call after ``mlp.forward`` on a 2-d batch (B, in); ``dy`` =
    d Div / d Y (B, out). Consume the generator fully: it empties the MLP's caches.
    """
    if not mlp.preactivations or any(z is None for z in mlp.preactivations):
        raise RuntimeError("call mlp.forward (and not yet backward) before backward_by_layer")
    dy = as_float_array("dy", dy, shape=mlp.activations[-1].shape, finite=False)
    last = len(mlp.layers) - 1
    da = dy
    for k in range(last, -1, -1):
        act = mlp.output_activation if k == last else mlp.activation
        z, a_out = mlp.preactivations[k], mlp.activations[k + 1]
        delta = act.df(z, a_out) * da
        mlp.preactivations[k] = mlp.activations[k + 1] = None
        del z, a_out
        a_in = mlp.activations[k]
        row_norms = np.linalg.norm(delta.T @ a_in, axis=1)
        yield k, delta, a_in, row_norms
        if k > 0:
            da = delta @ mlp.layers[k].params["weight"]
        del delta


def _per_instance_summary(delta, a_in, n_examples):
    """Layer statistics of the per-instance norms N |delta_nj| ||a_n|| (see
    :class:`NeuronGradients`): (quantiles, zero fraction, fractions above the median,
    the first ``n_examples`` rows in log10, log10 ||N delta_n||)."""
    n = delta.shape[0]
    g = np.abs(delta) * n  # the mean loss: d Div_n / d z = N delta_n
    delta_log = _log10_or_nan(np.linalg.norm(g, axis=1))
    g *= np.linalg.norm(a_in, axis=1)[:, None]
    logs = np.log10(g[g > 0])
    zero = 1.0 - logs.size / g.size
    if logs.size:
        q = np.quantile(logs, QUANTILES)
        median = q[QUANTILES.index(0.5)]
        above = [np.count_nonzero(logs > median + d) / g.size for d in OUTLIER_DECADES]
    else:
        q = np.full(len(QUANTILES), np.nan)
        above = [0.0] * len(OUTLIER_DECADES)
    return q, zero, above, _log10_or_nan(g[:n_examples]), delta_log


def neuron_gradients(x, y, activation, init="pytorch", *, hidden=19, width=1024, rng=0,
                     n_examples=3, alpha=1.0):
    """Run the lecture's experiment once: build ``MLP([D] + [width] * hidden + [10])``
    with ``activation`` and ``init`` (seeded by ``rng``), forward the whole batch ``x``
    (N, D), softmax cross-entropy against labels ``y`` (N,) in 0..9, backward
    (:func:`backward_by_layer`), and summarise the per-neuron gradient norms layer by
    layer as they are computed (see :class:`NeuronGradients`). Computed in x's dtype
    (use float64: some settings take the norms towards float32's limits).

    Memory: the network's weights (0.16 GB for the lecture's sizes in float64) plus the
    forward caches, 2 (N, width) arrays per layer (0.32 GB with N = 1000); the network is
    freed on return.
    """
    x = as_float_array("x", x, ndim=2)
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer) or y.shape != (x.shape[0],):
        raise ValueError(f"y must be integer labels of shape ({x.shape[0]},), "
                         f"got {y.dtype} {y.shape}")
    if y.min() < 0 or y.max() >= N_CLASSES:
        raise ValueError(f"y must hold labels in 0..{N_CLASSES - 1}, "
                         f"got [{y.min()}, {y.max()}]")
    hidden = check_positive_int("hidden", hidden)
    width = check_positive_int("width", width)
    n_examples = min(check_positive_int("n_examples", n_examples), x.shape[0])
    sizes = (x.shape[1],) + (width,) * hidden + (N_CLASSES,)
    mlp = MLP(sizes, activation, init=init, rng=rng, dtype=x.dtype, alpha=alpha)
    for layer in mlp.layers:
        # This network never runs MLP.backward (backward_by_layer keeps no gradient):
        # release its gradient buffers, as large as the weights (0.16 GB here).
        layer.grads = {}
    loss, d_logits = losses.softmax_cross_entropy(mlp.forward(x), y)
    gains = backward_gains(mlp)
    n_layers = len(sizes) - 1
    batch, batch_zero, summaries = [None] * n_layers, np.empty(n_layers), [None] * n_layers
    for k, delta, a_in, row_norms in backward_by_layer(mlp, d_logits):
        batch[k] = _log10_or_nan(row_norms)
        batch_zero[k] = np.mean(row_norms == 0)
        summaries[k] = _per_instance_summary(delta, a_in, n_examples)
    quant, inst_zero, above, examples, delta_log = zip(*summaries, strict=True)
    return NeuronGradients(
        activation=mlp.activation.name, init=init, sizes=sizes, n_instances=x.shape[0],
        batch_log10=tuple(batch), batch_zero=batch_zero,
        instance_quantiles=np.array(quant), instance_zero=np.array(inst_zero),
        instance_above=np.array(above), instance_examples=tuple(examples),
        delta_log10=np.array(delta_log), gains=gains, loss=float(loss))


def sweep(x, y, activations_=("elu", "relu", "sigmoid", "tanh"), inits=("pytorch",),
          **kwargs):
    """{(activation, init): NeuronGradients} for every combination (same seed for all)."""
    return {(a, i): neuron_gradients(x, y, a, i, **kwargs) for i in inits for a in activations_}


# --- summaries used by the notebook's checks ------------------------------------------

def decades_lost(values, reference_layer, layer):
    """How many decades (powers of ten) ``values`` (a per-layer log10 curve, layers 1..L)
    fall from ``reference_layer`` down to ``layer``: values[ref] - values[layer]."""
    return float(values[reference_layer - 1] - values[layer - 1])


def first_layer_below(values, reference_layer, decades):
    """Walking back from ``reference_layer`` towards layer 1, the first layer whose value
    is more than ``decades`` below the reference's; None if no layer is.

    Returns (layer, layers_back) with layers_back = reference_layer - layer."""
    ref = values[reference_layer - 1]
    for layer in range(reference_layer - 1, 0, -1):
        if values[layer - 1] < ref - decades:
            return layer, reference_layer - layer
    return None
