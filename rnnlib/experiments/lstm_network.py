"""The lecture's "LSTM network forward/backward" pseudocode, as on the slides (claim C28).

L layers of LSTM cells and a softmax output layer. The loops run as on the slides: the
forward over t = 0..T-1 and, inside it, over the layers l = 1..L,

    h(t, 0) = x(t)
    [C(t,l), h(t,l)] = LSTM_cell(t,l).forward(C(t-1,l), h(t-1,l), h(t,l-1))
    z_o(t) = W_o h(t,L) + b_o,     Y(t) = softmax(z_o(t));

the backward over t = T-1..0 and, inside it, over l = L..1,

    dz_o(t) = dY(t) . SoftmaxJacobian     (given here as dL/dz_o, the loss's gradient)
    dW_o += dz_o(t)^T h(t,L);   db_o += dz_o(t);   dh(t,L) = dz_o(t) W_o
    [dC(t-1,l), dh(t-1,l), dx(t,l)] = LSTM_cell(t,l).backward(dC(t,l), dh(t,l) + dx(t,l+1))
    d[W{l}, b{l}] += d[W, b]

where dh(t,l) arriving from step t+1 and dx(t,l+1) arriving from the layer above are
summed, as in the slide's ``dh(t+1,l) + dx(t,l+1)``. The slide's slips are fixed: its
backward loop reads ``for l = L-1:0`` (here l = L..1, the layers of the forward); its
dh(t,L) is never passed on (here it enters the top cell); its ``d[W{l} b{l}] +=`` sits
outside the layer loop (here each cell adds into its own grads inside it).
One :class:`rnnlib.cells.LSTMCell` per layer holds the weights shared by all its copies
LSTM_cell(t, l) over time; its ``backward`` ADDS into its ``grads``, which is the slide's
``+=``. The result equals :class:`rnnlib.layers.LSTM` (which runs layer by layer instead)
followed by a Dense layer.

Shapes: x (T, B, D) -> logits z_o (T, B, C) (the softmax is taken by the loss,
:func:`rnnlib.losses.softmax_cross_entropy`).
"""

import numpy as np

from rnnlib._checks import as_float_array, as_generator, check_positive_int
from rnnlib.cells import LSTMCell
from rnnlib.dense import Dense
from rnnlib.layers import LSTM
from rnnlib.train import SequenceModel


class LectureLSTMNetwork:
    """L LSTM layers and a softmax output layer, forward and backward as in the lecture.

    Parameters: ``l{l}.<cell name>`` for each layer l = 1..L (``weight_ih``, ``weight_hh``,
    ``bias_ih``, ``bias_hh``, PyTorch's layout) and ``W_o`` (C, H), ``b_o`` (C,).
    """

    def __init__(self, input_size, hidden_size, num_layers, n_classes, *, forget_bias=0.0,
                 rng=None):
        self.num_layers = check_positive_int("num_layers", num_layers)
        n_classes = check_positive_int("n_classes", n_classes)
        gen = as_generator(rng)
        self.cells = [LSTMCell(input_size if l == 0 else hidden_size, hidden_size,
                               forget_bias=forget_bias, rng=gen) for l in range(num_layers)]
        bound = 1.0 / np.sqrt(hidden_size)
        self.output = {"W_o": gen.uniform(-bound, bound, (n_classes, hidden_size)),
                       "b_o": gen.uniform(-bound, bound, n_classes)}
        self.output_grads = {k: np.zeros_like(v) for k, v in self.output.items()}
        self._cache = None

    @property
    def params(self):
        out = {f"l{l + 1}.{k}": v for l, c in enumerate(self.cells) for k, v in c.params.items()}
        return {**out, **self.output}

    @property
    def grads(self):
        out = {f"l{l + 1}.{k}": v for l, c in enumerate(self.cells) for k, v in c.grads.items()}
        return {**out, **self.output_grads}

    def forward(self, x):
        """x (T, B, D) -> z_o (T, B, C); h(-1, l) = C(-1, l) = 0."""
        x = as_float_array("x", x, ndim=3, shape=(None, None, self.cells[0].input_size))
        T, B, _ = x.shape
        state = [cell.init_state(B) for cell in self.cells]  # (h(t-1,l), C(t-1,l))
        caches, top = [], []
        for t in range(T):
            h_below = x[t]  # h(t, 0) = x(t)
            caches.append([])
            for l, cell in enumerate(self.cells):
                state[l], cache = cell.forward(h_below, state[l])
                caches[t].append(cache)
                h_below = state[l][0]
            top.append(h_below)  # h(t, L)
        top = np.stack(top)
        self._cache = (caches, top)
        return top @ self.output["W_o"].T + self.output["b_o"]

    def backward(self, dz_o):
        """dL/dz_o (T, B, C) -> dL/dx (T, B, D); OVERWRITES ``grads``."""
        if self._cache is None:
            raise RuntimeError("backward called before forward")
        caches, top = self._cache
        dz_o = as_float_array("dz_o", dz_o, shape=top.shape[:2] + (self.output["W_o"].shape[0],))
        for g in self.grads.values():
            g.fill(0)
        T, B = top.shape[:2]
        d_next = [(np.zeros_like(top[0]), np.zeros_like(top[0])) for _ in self.cells]
        dx = [None] * T
        for t in reversed(range(T)):
            self.output_grads["W_o"] += dz_o[t].T @ top[t]
            self.output_grads["b_o"] += dz_o[t].sum(axis=0)
            dh_above = dz_o[t] @ self.output["W_o"]  # dh(t, L) from the output layer
            for l in reversed(range(self.num_layers)):
                dh_next, dc_next = d_next[l]  # from LSTM_cell(t+1, l)
                dh_above, d_next[l] = self.cells[l].backward((dh_next + dh_above, dc_next),
                                                             caches[t][l])
            dx[t] = dh_above
        return np.stack(dx)

    def as_sequence_model(self):
        """The same network as an :class:`rnnlib.layers.LSTM` (num_layers = L) followed by a
        Dense output layer in a :class:`rnnlib.train.SequenceModel`, with copies of these
        weights (for comparing the two implementations)."""
        first = self.cells[0]
        lstm = LSTM(first.input_size, first.hidden_size, self.num_layers)
        lstm.load_state_dict({f"{k}_l{l}": v for l, c in enumerate(self.cells)
                              for k, v in c.params.items()})
        head = Dense(first.hidden_size, self.output["W_o"].shape[0])
        head.load_state_dict({"weight": self.output["W_o"], "bias": self.output["b_o"]})
        return SequenceModel(lstm, head, output="all")
