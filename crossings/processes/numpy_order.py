"""NumPy's results inside compiled kernels, bit for bit: sums and means in NumPy's order (NumPy sums
float64 pairwise, so a plain running sum can differ in the last bit), and ``np.maximum`` /
``np.minimum`` of two floats (NaN propagates). Shared by the processes' kernels.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit


# -- NumPy-order reductions ------------------------------------------------------------------------
# Compiled loops must reproduce NumPy's results bit for bit. ``a.sum()`` and ``a.mean()`` on float64
# use pairwise summation (eight accumulators up to 128 values, then halving), so a plain running sum
# can differ in the last bit; these replicate NumPy's order exactly (checked against NumPy 2.4 on random
# arrays of every length up to 300 and some up to 5000: no mismatch). Transcendental
# functions (exp, log, power) stay in NumPy: its SIMD versions differ from Numba's in the last bit.
@njit("float64(float64[:], int64, int64)", cache=True)  # one signature: not one copy per constant `lo`
def _block_sum(a, lo, n):
    """NumPy's sum of at most 128 values: a running sum below 8, else eight accumulators."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pairwise(a):
    """NumPy's pairwise sum: blocks of at most 128 values, larger ranges split in two (the first
    half a multiple of 8) and the halves' sums added. Written with an explicit stack because
    Numba cannot reliably cache recursive functions."""
    if a.shape[0] <= 128:
        return _block_sum(a, 0, a.shape[0])
    lo_s = np.empty(64, np.int64)
    n_s = np.empty(64, np.int64)
    stage = np.empty(64, np.int64)
    vals = np.empty(64, np.float64)
    top, n_vals = 0, 0
    lo_s[0], n_s[0], stage[0] = 0, a.shape[0], 0
    while top >= 0:
        lo, n = lo_s[top], n_s[top]
        if n <= 128:
            vals[n_vals] = _block_sum(a, lo, n)
            n_vals += 1
            top -= 1
            continue
        n2 = n // 2
        n2 -= n2 % 8
        if stage[top] == 2:  # both halves summed: combine
            n_vals -= 1
            vals[n_vals - 1] = vals[n_vals - 1] + vals[n_vals]
            top -= 1
            continue
        first = stage[top] == 0
        stage[top] += 1
        top += 1
        lo_s[top], n_s[top], stage[top] = (lo, n2, 0) if first else (lo + n2, n - n2, 0)
    return vals[0]


@njit(cache=True, inline="always")
def np_sum(a):
    """``a.sum()`` of a 1-D float64 array, in NumPy's summation order."""
    return 0.0 + _pairwise(a)


@njit(cache=True, inline="always")
def np_mean(a):
    """``a.mean()`` of a non-empty 1-D float64 array, in NumPy's summation order."""
    return np_sum(a) / a.shape[0]


@njit(cache=True, inline="always")
def np_max(a, b):
    """``np.maximum`` of two floats (NaN if either is NaN)."""
    if a != a or b != b:
        return a + b
    return a if a >= b else b


@njit(cache=True, inline="always")
def np_min(a, b):
    """``np.minimum`` of two floats (NaN if either is NaN)."""
    if a != a or b != b:
        return a + b
    return a if a <= b else b


# -- NumPy functions written out --------------------------------------------------------------------
# Each NumPy function a kernel calls is compiled from Numba's generic implementation on a first run
# (np.flatnonzero's alone ~0.25 s); the kernels' few uses are written out here instead.
@njit("int64[::1](boolean[:])", cache=True)
def flatnonzero(mask):
    """``np.flatnonzero`` of a boolean array: the indices of its true entries, in order."""
    n = 0
    for j in range(mask.shape[0]):
        if mask[j]:
            n += 1
    out = np.empty(n, np.int64)
    n = 0
    for j in range(mask.shape[0]):
        if mask[j]:
            out[n] = j
            n += 1
    return out


# ``np.zeros`` and ``np.full`` in a kernel compile Numba's generic implementation for each shape and
# dtype they are called with, which compiles an ``np.empty`` and a fill of its own: three compiles,
# ~0.15 s of a first run per variant and per process (Numba caches none of them on disk). The
# kernels write them out as an ``np.empty`` and a loop, not as a helper here: an ``inline="always"``
# helper costs ~10 ms of inlining and typing at each of its ~40 call sites. ``np.empty`` always has
# an explicit dtype (``np.empty(n)`` is a variant of its own beside ``np.empty(n, np.float64)``).
