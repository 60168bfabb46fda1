"""Fully connected (dense) layers and the multilayer perceptron.

A :class:`Dense` layer is ``torch.nn.Linear``: on inputs of any leading shape (..., in),

    y = x W^T + b,        W: (out, in),  b: (out,),  y: (..., out).

Backward, given dy = dL/dy (summing over all leading positions n):

    dL/dW = sum_n dy_n^T x_n,   dL/db = sum_n dy_n,   dL/dx = dy W.

An :class:`MLP` is the lecture's nested function (layers numbered k = 0 .. L-1 here)

    a_0 = x,   z_k = a_k W_k^T + b_k,   a_{k+1} = f_k(z_k),   Y = a_L,

with ``f_k`` the hidden activation for k < L-1 and the output activation for the last
layer. Backward runs the chain rule of the lecture (claim C14),

    delta_{L-1} = dY * f'_{L-1}(z_{L-1}),
    dL/dW_k = delta_k^T a_k,   delta_{k-1} = (delta_k W_k) * f'_{k-1}(z_{k-1}),

where ``delta_k = dL/dz_k`` is the gradient with respect to the pre-activations.
Initialisations (``init=``), weights drawn first, then bias, layer by layer:

- ``"pytorch"``: PyTorch's default for nn.Linear: W and b ~ U(-k, k), k = 1/sqrt(in).
- ``"glorot"``: Glorot/Xavier uniform: W ~ U(-a, a), a = sqrt(6 / (in + out)); b = 0.
- ``"he"``: He/Kaiming normal: W ~ N(0, 2 / in) (std sqrt(2 / in)); b = 0.
"""

import numpy as np

from . import activations
from ._checks import (
    as_float_array,
    as_generator,
    check_float_dtype,
    check_positive_int,
    load_arrays,
)

INITS = ("pytorch", "glorot", "he")


def init_weights(in_features, out_features, init, rng, dtype=np.float64):
    """(weight (out, in), bias (out,)) drawn as described in the module docstring."""
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; known inits: {', '.join(INITS)}")
    shape = (out_features, in_features)
    if init == "pytorch":
        k = 1.0 / np.sqrt(in_features)
        weight = rng.uniform(-k, k, size=shape)
        bias = rng.uniform(-k, k, size=out_features)
    elif init == "glorot":
        a = np.sqrt(6.0 / (in_features + out_features))
        weight = rng.uniform(-a, a, size=shape)
        bias = np.zeros(out_features)
    else:
        weight = rng.normal(0.0, np.sqrt(2.0 / in_features), size=shape)
        bias = np.zeros(out_features)
    return weight.astype(dtype, copy=False), bias.astype(dtype, copy=False)


class Dense:
    """y = x W^T + b on inputs of shape (..., in_features), as ``torch.nn.Linear``.

    params/grads: {"weight": (out, in), "bias": (out,)}. ``backward`` overwrites the
    arrays in ``grads`` in place and returns dL/dx with the shape of x.
    """

    def __init__(self, in_features, out_features, *, init="pytorch", rng=None,
                 dtype=np.float64):
        self.in_features = check_positive_int("in_features", in_features)
        self.out_features = check_positive_int("out_features", out_features)
        self.dtype = check_float_dtype("dtype", dtype)
        self.init = init
        weight, bias = init_weights(self.in_features, self.out_features, init,
                                    as_generator(rng), self.dtype)
        self.params = {"weight": weight, "bias": bias}
        self.grads = {"weight": np.zeros(weight.shape, self.dtype),
                      "bias": np.zeros(bias.shape, self.dtype)}
        self._x = None

    def __repr__(self):
        return f"Dense({self.in_features}, {self.out_features}, init={self.init!r})"

    def forward(self, x, *, cache=True):
        """x (..., in_features) -> y (..., out_features); caches x for backward
        (``cache=False``, for inference, keeps nothing: backward then raises)."""
        x = as_float_array("x", x, dtype=self.dtype)
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"x must have shape (..., {self.in_features}), got {x.shape}")
        return self._forward(x, cache)

    def _forward(self, x, cache=True):  # unchecked: used by MLP on its own arrays
        self._x = x if cache else None
        y = x @ self.params["weight"].T
        y += self.params["bias"]  # in place: no second (..., out) array
        return y

    def backward(self, dy):
        """dy = dL/dy (..., out_features) -> dL/dx (..., in_features); fills ``grads``.
        A NaN or infinite ``dy`` is rejected (ValueError), as by the recurrent layers."""
        if self._x is None:
            raise RuntimeError("call forward before backward (a forward with cache=True, "
                               "the default: cache=False keeps nothing for backward)")
        expected = self._x.shape[:-1] + (self.out_features,)
        dy = as_float_array("dy", dy, shape=expected, dtype=self.params["weight"].dtype)
        return self._backward(dy)

    def _backward(self, dy):
        x2 = self._x.reshape(-1, self.in_features)
        dy2 = dy.reshape(-1, self.out_features)
        np.matmul(dy2.T, x2, out=self.grads["weight"])
        np.sum(dy2, axis=0, out=self.grads["bias"])
        return dy @ self.params["weight"]

    def zero_grad(self):
        for g in self.grads.values():
            g[...] = 0

    def state_dict(self):
        """Copies of the parameters."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state):
        """Copy ``state`` (same keys and shapes as ``params``) into the parameters in place."""
        load_arrays(self.params, state)


class MLP:
    """A multilayer perceptron ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    sizes             : layer widths, e.g. [784] + [1024] * 19 + [10] (at least two).
    activation        : hidden activation name (``rnnlib.activations.get(activation, alpha=)``).
    output_activation : activation of the last layer ("identity" gives logits).
    init, rng, dtype  : as :class:`Dense`; one generator draws all layers in order.

    Parameters are keyed ``"layers.{k}.weight"`` / ``"layers.{k}.bias"`` with k = 0 .. L-1
    the index of the Dense layer (PyTorch's nn.Sequential would count the activation
    modules too; here k counts linear layers only). ``params``/``grads`` are dicts built
    on access that hold the layers' own arrays, so in-place updates reach the layers.

    After ``forward(x)`` with x (..., sizes[0]):
      ``activations[k]`` (k = 0 .. L) is a_k, the input of layer k (a_0 = x, a_L = output);
      ``preactivations[k]`` (k = 0 .. L-1) is z_k.
    After ``backward(dy)``:
      ``deltas[k]`` = dL/dz_k (same shape as z_k); the gradient of the incoming weight
      vector of neuron j of layer k is  sum_n deltas[k][n, j] * activations[k][n]; the
      contribution of instance n alone has norm |deltas[k][n, j]| * ||activations[k][n]||
      (see :meth:`neuron_grad_norms`). To save memory (a 19 x 1024 net on 1000 images),
      backward writes each delta into the buffer of z_k and sets ``preactivations[k]`` to
      None: read the pre-activations before calling backward.
    """

    def __init__(self, sizes, activation="relu", *, output_activation="identity",
                 init="pytorch", rng=None, dtype=np.float64, alpha=1.0):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output width, "
                             f"got {sizes!r}")
        self.sizes = [check_positive_int(f"sizes[{i}]", s) for i, s in enumerate(sizes)]
        self.activation = activations.get(activation, alpha=alpha)
        self.output_activation = activations.get(output_activation, alpha=alpha)
        rng = as_generator(rng)
        self.layers = [Dense(i, o, init=init, rng=rng, dtype=dtype)
                       for i, o in zip(self.sizes[:-1], self.sizes[1:], strict=True)]
        self.dtype = self.layers[0].dtype
        self.activations, self.preactivations, self.deltas = [], [], []

    def __repr__(self):
        return (f"MLP({self.sizes}, activation={self.activation.name!r}, "
                f"output_activation={self.output_activation.name!r})")

    def _act(self, k):
        return self.output_activation if k == len(self.layers) - 1 else self.activation

    @property
    def params(self):
        return {f"layers.{k}.{name}": arr for k, layer in enumerate(self.layers)
                for name, arr in layer.params.items()}

    @property
    def grads(self):
        return {f"layers.{k}.{name}": arr for k, layer in enumerate(self.layers)
                for name, arr in layer.grads.items()}

    def forward(self, x, *, cache=True):
        """x (..., sizes[0]) -> output a_L (..., sizes[-1]); caches a_k and z_k
        (``cache=False``, for inference, keeps none of them: backward then raises)."""
        x = as_float_array("x", x, dtype=self.dtype)
        if x.ndim < 1 or x.shape[-1] != self.sizes[0]:
            raise ValueError(f"x must have shape (..., {self.sizes[0]}), got {x.shape}")
        self.activations, self.preactivations, self.deltas = [x] if cache else [], [], []
        a = x
        for k, layer in enumerate(self.layers):
            z = layer._forward(a, cache)
            a = self._act(k).f(z)
            if cache:
                self.preactivations.append(z)
                self.activations.append(a)
        return a

    def backward(self, dy):
        """dy = dL/da_L (..., sizes[-1]) -> dL/dx; fills ``grads`` and ``deltas``.
        A NaN or infinite ``dy`` is rejected (ValueError) before anything is changed; values
        that overflow inside the backward pass (exploding gradients) are not checked."""
        if not self.preactivations or self.preactivations[-1] is None:
            raise RuntimeError("call forward before backward (a forward with cache=True, the "
                               "default; backward frees the pre-activations, so call forward "
                               "again)")
        dy = as_float_array("dy", dy, shape=self.activations[-1].shape)
        self.deltas = [None] * len(self.layers)
        da = dy
        for k in reversed(range(len(self.layers))):
            z, a = self.preactivations[k], self.activations[k + 1]
            out = None if np.may_share_memory(z, a) else z  # reuse z's buffer if free
            delta = np.multiply(self._act(k).df(z, a), da, out=out)
            self.preactivations[k] = None
            self.deltas[k] = delta
            da = self.layers[k]._backward(delta)
        return da

    def neuron_grad_norms(self, k, *, per_instance=False):
        """Norms of the gradients w.r.t. each neuron's incoming weights in layer k.

        per_instance=False: ||dL/dW_k[j, :]|| for each neuron j -> shape (out_k,).
        per_instance=True : |deltas[k][n, j]| * ||activations[k][n]||, the norm of instance
        n's term of that gradient -> shape (N, out_k) for 2-d inputs (N, in). If L is a mean
        over N instances, multiply by N for the gradient of instance n's own loss.
        Needs a preceding backward.
        """
        n = len(self.layers)
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise TypeError(f"k must be an integer layer index, got {type(k).__name__} {k!r}")
        if not -n <= k < n:
            raise ValueError(f"k must be a layer index in -{n}..{n - 1}, got {k}")
        k = int(k) % n
        if not self.deltas or self.deltas[k] is None:
            raise RuntimeError("call forward and backward before neuron_grad_norms")
        if not per_instance:
            return np.linalg.norm(self.layers[k].grads["weight"], axis=1)
        a_norm = np.linalg.norm(self.activations[k], axis=-1, keepdims=True)
        return np.abs(self.deltas[k]) * a_norm

    def zero_grad(self):
        for layer in self.layers:
            layer.zero_grad()

    def state_dict(self):
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state):
        load_arrays(self.params, state)
