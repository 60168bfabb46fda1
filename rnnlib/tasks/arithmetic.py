"""Binary addition and parity: what recurrence can do that an MLP cannot (claims C29, C30).

Both tasks are given in two views of the same data:

* the **sequence view** for a recurrent net, time-major as everywhere in rnnlib;
* the **MLP view**: the whole sequence flattened into one fixed-size input vector.

Addition of two N-bit numbers a and b, bits least significant first::

    x[t, i] = (a_t, b_t)   for t = 0..N-1,   x[N, i] = (0, 0)
    y[t, i] = s_t          for t = 0..N,     s = a + b  (N+1 bits)

    x : (N+1, B, 2)   y : (N+1, B)

The extra (0, 0) step gives the recurrent net the time to emit the final carry. The MLP
view drops it: X (B, 2N) = (a_0, b_0, a_1, b_1, ...), Y (B, N+1).

Parity of an N-bit string: x (N, B, 1), y (N, B) is the *running* parity
y[t] = x[0] xor ... xor x[t]; the parity of the whole string is y[N-1]. MLP view:
X (B, N), Y (B, 1).

Bits are generated directly (never as int64 numbers), so N may be hundreds or thousands;
:func:`int_to_bits` and :func:`bits_to_int` convert to Python integers of any size.
Targets are 0/1 floats (for a sigmoid-BCE loss); predictions are bits, e.g. from
:func:`bits_from_logits`. Metrics: :func:`bit_accuracy` (fraction of bits right) and
:func:`sequence_accuracy` / :func:`exact_count` (sequences with *every* bit right).
"""

import numpy as np

from rnnlib._checks import (
    as_generator,
    as_real_array,
    check_nonnegative_int,
    check_positive_int,
)

# Below this many possible inputs, distinct samples are drawn by index without replacement.
_ENUMERATE_MAX_BITS = 20


# ------------------------------------------------------------------ bits and integers
def int_to_bits(value, n_bits):
    """The ``n_bits`` binary digits of the non-negative Python int ``value``, least
    significant first, as a uint8 array of shape (n_bits,)."""
    n_bits = check_positive_int("n_bits", n_bits)
    value = check_nonnegative_int("value", value)
    if value.bit_length() > n_bits:
        raise ValueError(f"value needs {value.bit_length()} bits, more than n_bits={n_bits}")
    raw = value.to_bytes((n_bits + 7) // 8, "little")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")[:n_bits]


def bits_to_int(bits):
    """The Python int whose binary digits, least significant first, are ``bits`` (1-D, 0/1)."""
    bits = _as_bits("bits", bits)
    if bits.ndim != 1:
        raise ValueError(f"bits must be 1-D, got shape {bits.shape}")
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")


def add_bits(a, b):
    """Ripple-carry sum of bit arrays ``a`` and ``b`` of shape (N, ...), least significant
    bit first along axis 0: returns the (N+1, ...) uint8 bits of a + b.

    s_t = a_t xor b_t xor c_{t-1},  c_t = majority(a_t, b_t, c_{t-1}),  c_{-1} = 0,
    s_N = c_{N-1}. Exact for any N (no integer overflow)."""
    a = _as_bits("a", a)
    b = _as_bits("b", b)
    if a.shape != b.shape or a.ndim == 0:
        raise ValueError(f"a and b must have the same shape (N, ...), got {a.shape} and {b.shape}")
    out = np.zeros((a.shape[0] + 1,) + a.shape[1:], dtype=np.uint8)
    carry = np.zeros(a.shape[1:], dtype=np.uint8)
    for t in range(a.shape[0]):
        total = a[t] + b[t] + carry
        out[t] = total & 1
        carry = total >> 1
    out[-1] = carry
    return out


def running_parity(bits):
    """y[t] = bits[0] xor ... xor bits[t] along axis 0, as uint8."""
    bits = _as_bits("bits", bits)
    return (np.cumsum(bits, axis=0, dtype=np.int64) & 1).astype(np.uint8)


# ------------------------------------------------------------------ random bit strings
def random_bits(shape, rng=None):
    """Independent fair bits of the given shape (uint8), from seed or Generator ``rng``."""
    return as_generator(rng).integers(0, 2, size=shape, dtype=np.uint8)


def distinct_bit_rows(n_rows, width, rng=None):
    """``n_rows`` *distinct* random bit strings of length ``width``: array (n_rows, width).

    For width <= 20 the strings are drawn by index without replacement, so any
    n_rows <= 2**width works; for wider strings random rows are drawn and duplicates
    redrawn (they are vanishingly rare)."""
    n_rows = check_positive_int("n_rows", n_rows)
    width = check_positive_int("width", width)
    rng = as_generator(rng)
    if width <= _ENUMERATE_MAX_BITS:
        if n_rows > 2**width:
            raise ValueError(f"n_rows={n_rows} distinct strings of {width} bits requested, "
                             f"but only 2**{width} = {2**width} exist")
        index = rng.choice(2**width, size=n_rows, replace=False)
        return ((index[:, None] >> np.arange(width)) & 1).astype(np.uint8)
    rows, seen = [], set()
    while len(rows) < n_rows:
        for row in random_bits((n_rows - len(rows), width), rng):
            key = row.tobytes()
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return np.stack(rows)


# ------------------------------------------------------------------ addition
def addition_from_bits(a, b, dtype=np.float64):
    """Sequence view of the sums of bit arrays ``a``, ``b`` of shape (N, B) (least
    significant first): x (N+1, B, 2), y (N+1, B), both of ``dtype``."""
    a = _as_bits("a", a)
    b = _as_bits("b", b)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"a and b must both have shape (N, B), got {a.shape} and {b.shape}")
    n, batch = a.shape
    x = np.zeros((n + 1, batch, 2), dtype=dtype)
    x[:n, :, 0] = a
    x[:n, :, 1] = b
    return x, add_bits(a, b).astype(dtype)


def addition_sequences(batch, n_bits, rng=None, dtype=np.float64):
    """``batch`` random pairs of ``n_bits``-bit numbers (bits drawn independently, so
    pairs may repeat): x (N+1, B, 2), y (N+1, B). See the module docstring."""
    batch = check_positive_int("batch", batch)
    n_bits = check_positive_int("n_bits", n_bits)
    bits = random_bits((2, n_bits, batch), rng)
    return addition_from_bits(bits[0], bits[1], dtype=dtype)


def addition_split(n_train, n_test, n_bits, rng=None, dtype=np.float64):
    """Training and held-out addition problems, all pairs distinct (so no held-out pair
    was seen in training): ``((x_train, y_train), (x_test, y_test))``."""
    n_train = check_positive_int("n_train", n_train)
    n_test = check_positive_int("n_test", n_test)
    n_bits = check_positive_int("n_bits", n_bits)
    rows = distinct_bit_rows(n_train + n_test, 2 * n_bits, rng)
    x, y = addition_from_bits(rows[:, :n_bits].T, rows[:, n_bits:].T, dtype=dtype)
    return (x[:, :n_train], y[:, :n_train]), (x[:, n_train:], y[:, n_train:])


def addition_mlp_view(x, y):
    """Flatten the sequence view of addition for an MLP: x (N+1, B, 2) -> X (B, 2N) =
    (a_0, b_0, a_1, b_1, ...), y (N+1, B) -> Y (B, N+1). The final (0, 0) step is dropped:
    an MLP sees every bit at once."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 3 or x.shape[2] != 2 or x.shape[0] < 2:
        raise ValueError(f"x must have shape (N+1, B, 2) with N >= 1, got {x.shape}")
    if y.shape != x.shape[:2]:
        raise ValueError(f"y must have shape {x.shape[:2]} to match x, got {y.shape}")
    n, batch = x.shape[0] - 1, x.shape[1]
    flat = np.ascontiguousarray(x[:n].transpose(1, 0, 2)).reshape(batch, 2 * n)
    return flat, np.ascontiguousarray(y.T)


# ------------------------------------------------------------------ parity
def parity_from_bits(bits, dtype=np.float64):
    """Sequence view of parity for bit array ``bits`` of shape (N, B): x (N, B, 1) and
    the running parity y (N, B)."""
    bits = _as_bits("bits", bits)
    if bits.ndim != 2:
        raise ValueError(f"bits must have shape (N, B), got {bits.shape}")
    return bits[:, :, None].astype(dtype), running_parity(bits).astype(dtype)


def parity_sequences(batch, n_bits, rng=None, dtype=np.float64):
    """``batch`` random strings of ``n_bits`` bits: x (N, B, 1), running parity y (N, B)."""
    batch = check_positive_int("batch", batch)
    n_bits = check_positive_int("n_bits", n_bits)
    return parity_from_bits(random_bits((n_bits, batch), rng), dtype=dtype)


def parity_split(n_train, n_test, n_bits, rng=None, dtype=np.float64):
    """Training and held-out parity problems, all strings distinct:
    ``((x_train, y_train), (x_test, y_test))``."""
    n_train = check_positive_int("n_train", n_train)
    n_test = check_positive_int("n_test", n_test)
    n_bits = check_positive_int("n_bits", n_bits)
    rows = distinct_bit_rows(n_train + n_test, n_bits, rng)
    x, y = parity_from_bits(rows.T, dtype=dtype)
    return (x[:, :n_train], y[:, :n_train]), (x[:, n_train:], y[:, n_train:])


def final_step_mask(T, batch):
    """A (T, B) bool mask that is True only at the last step: with it a loss scores only
    the parity of the whole string (``y[-1]``), not the running parity."""
    T = check_positive_int("T", T)
    batch = check_positive_int("batch", batch)
    mask = np.zeros((T, batch), dtype=bool)
    mask[-1] = True
    return mask


def parity_mlp_view(x, y):
    """Flatten the sequence view of parity for an MLP: x (N, B, 1) -> X (B, N), running
    parity y (N, B) -> the parity of the whole string Y (B, 1)."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 3 or x.shape[2] != 1:
        raise ValueError(f"x must have shape (N, B, 1), got {x.shape}")
    if y.shape != x.shape[:2]:
        raise ValueError(f"y must have shape {x.shape[:2]} to match x, got {y.shape}")
    return np.ascontiguousarray(x[:, :, 0].T), np.ascontiguousarray(y[-1][:, None])


# ------------------------------------------------------------------ metrics
def bits_from_logits(logits):
    """Predicted bits (uint8): 1 where the logit is positive (sigmoid > 1/2)."""
    logits = as_real_array("logits", logits, finite=False)  # ints and lists as typed
    return (logits > 0).astype(np.uint8)


def bit_accuracy(pred, target):
    """Fraction of bits of ``pred`` equal to ``target`` (same shapes, values 0/1)."""
    pred, target = _pair("pred", pred, "target", target)
    return float(np.mean(pred == target))


def exact_count(pred, target, time_axis=0):
    """How many sequences have every bit right: all bits along ``time_axis`` equal
    (time_axis=0 for the sequence view (T, B), 1 for the MLP view (B, T))."""
    pred, target = _pair("pred", pred, "target", target)
    if pred.ndim != 2:
        raise ValueError(f"pred and target must be 2-D (time and batch), got {pred.shape}")
    if time_axis not in (0, 1, -1, -2):
        raise ValueError(f"time_axis must be 0 or 1, got {time_axis!r}")
    return int(np.count_nonzero(np.all(pred == target, axis=time_axis)))


def sequence_accuracy(pred, target, time_axis=0):
    """Fraction of sequences with every bit right (exact match); see :func:`exact_count`."""
    count = exact_count(pred, target, time_axis)
    n = np.asarray(pred).shape[1 - (time_axis % 2)]
    return count / n


# ------------------------------------------------------------------ input checks
def _as_bits(name, bits):
    """``bits`` as a uint8 array of 0s and 1s (integer, bool or float input), or an error."""
    arr = np.asarray(bits)
    if arr.dtype == bool:
        return arr.astype(np.uint8)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be an array of 0/1 bits, got dtype {arr.dtype}")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must contain only 0s and 1s")
    return arr.astype(np.uint8)


def _pair(name_a, a, name_b, b):
    a = _as_bits(name_a, a)
    b = _as_bits(name_b, b)
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, "
                         f"got {a.shape} and {b.shape}")
    return a, b
