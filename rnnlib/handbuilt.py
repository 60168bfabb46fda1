"""Recurrent nets built by hand that add binary numbers and compute parity *exactly*,
for inputs of any length, and the static (MLP) parity net for comparison (claims C29, C30).

Both are ordinary rnnlib models: an :class:`rnnlib.layers.RNN` with ReLU units
(``nonlinearity="relu"``) whose weights are set by hand, and a :class:`rnnlib.dense.Dense`
readout giving one logit per step, in a :class:`rnnlib.train.SequenceModel`. Nothing is
trained; the weights are read off the arithmetic.

**Threshold units from ReLUs.** On integers n, ReLU differences are exact step functions:

    relu(n - k) - relu(n - k - 1) = [n > k]      (1 if n > k, else 0),

so a few ReLU units that see an integer count n = (number of ones among the bits in play)
represent every threshold [n > k] and hence any function of n, without approximation: the
hidden state stays a vector of small integers forever, with no drift, however long the
input. (A tanh or steep-sigmoid net can do the same only approximately, with errors that
a long enough input could accumulate; these ReLU nets are exact.)

**Adder** (x_t = (a_t, b_t), least significant bit first; hidden size 3). The count
n_t = a_t + b_t + c_{t-1} (c = carry, 0..3) is held as r_j = relu(n_t - j), j = 0, 1, 2:

    z_t = W_ih x_t + W_hh h_{t-1} + b,   W_ih = [[1, 1]] * 3,
          W_hh = [[0, 1, -1]] * 3        (c_{t-1} = r_1 - r_2 = [n_{t-1} >= 2]),
          b = (0, -1, -2)
    h_t = relu(z_t) = (r_0, r_1, r_2)
    sum bit s_t = n_t mod 2 = r_0 - 2 r_1 + 2 r_2,   carry c_t = r_1 - r_2.

The zero initial state means "no carry"; the final (0, 0) step emits the last carry.

**Parity** (x_t in {0, 1}; hidden size 2). The count n_t = x_t + p_{t-1} (0..2), held as
r_j = relu(n_t - j), j = 0, 1:

    W_ih = [[1], [1]],   W_hh = [[1, -2], [1, -2]]   (p_{t-1} = r_0 - 2 r_1),   b = (0, -1)
    running parity p_t = n_t mod 2 = r_0 - 2 r_1      (XOR of p_{t-1} and x_t).

**Parity MLP** (x in {0, 1}^N, all bits at once; :func:`parity_mlp`). The static
solution must count all N bits at once: N ReLU units r_k = relu(x_1 + ... + x_N - k),
k = 0..N-1, and an output whose slope alternates with each extra one,

    parity = r_0 - 2 r_1 + 2 r_2 - 2 r_3 + ...    (n mod 2, piecewise linear in n),

i.e. N hidden units and N^2 + 2N + 1 weights for N bits, fixed when the net is built,
against the recurrent net's 2 units for any N (the lecture's "XOR network, quite complex").

**Readout.** The Dense layer gives the logit ``scale * (bit - 1/2)``: +scale/2 for a 1,
-scale/2 for a 0, so sigmoid(logit) is the bit up to e^{-scale/2} and thresholding the
logit at 0 (``tasks.arithmetic.bits_from_logits``) recovers it exactly.
"""

import numpy as np

from ._checks import as_positive_float, check_positive_int
from .dense import MLP, Dense
from .layers import RNN
from .train import SequenceModel


def _model(w_ih, w_hh, bias, w_out, scale, dtype):
    as_positive_float("scale", scale)
    hidden, inputs = np.shape(w_ih)
    rnn = RNN(inputs, hidden, nonlinearity="relu", dtype=dtype)
    rnn.load_state_dict({"weight_ih_l0": np.array(w_ih, dtype=float),
                         "weight_hh_l0": np.array(w_hh, dtype=float),
                         "bias_ih_l0": np.array(bias, dtype=float),
                         "bias_hh_l0": np.zeros(hidden)})
    head = Dense(hidden, 1, dtype=dtype)
    head.load_state_dict({"weight": scale * np.array([w_out], dtype=float),
                          "bias": np.array([-scale / 2])})
    return SequenceModel(rnn, head, output="all")


def adder(scale=10.0, dtype=np.float64):
    """The hand-built binary adder: x (N+1, B, 2) -> logits (N+1, B, 1) of the sum bits
    (see the module docstring). ``scale`` sets the readout's logits to +-scale/2."""
    return _model(w_ih=[[1, 1]] * 3, w_hh=[[0, 1, -1]] * 3, bias=[0, -1, -2],
                  w_out=[1, -2, 2], scale=scale, dtype=dtype)


def parity(scale=10.0, dtype=np.float64):
    """The hand-built parity net: x (N, B, 1) -> logits (N, B, 1) of the running parity
    (see the module docstring)."""
    return _model(w_ih=[[1], [1]], w_hh=[[1, -2], [1, -2]], bias=[0, -1],
                  w_out=[1, -2], scale=scale, dtype=dtype)


def parity_mlp(n_bits, scale=10.0, dtype=np.float64):
    """The hand-built parity MLP for strings of exactly ``n_bits`` bits: an
    :class:`rnnlib.dense.MLP` [N, N, 1] with ReLU hidden units, X (B, N) -> logit (B, 1) of
    the parity of the whole string (see the module docstring)."""
    n = check_positive_int("n_bits", n_bits)
    as_positive_float("scale", scale)
    mlp = MLP([n, n, 1], "relu", dtype=dtype)
    out = np.where(np.arange(n) % 2 == 1, -2.0, 2.0)
    out[0] = 1.0  # r_0 - 2 r_1 + 2 r_2 - ...
    mlp.params["layers.0.weight"][...] = 1.0
    mlp.params["layers.0.bias"][...] = -np.arange(n)
    mlp.params["layers.1.weight"][...] = scale * out
    mlp.params["layers.1.bias"][...] = -scale / 2
    return mlp


def hidden_states(model, x):
    """The hidden states h_t (T, B, H) of a single-layer model for input x (T, B, D)."""
    outputs, _ = model.recurrent.forward(x)
    return outputs
