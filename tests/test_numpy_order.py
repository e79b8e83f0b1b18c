"""The kernels' NumPy equivalents (crossings/processes/numpy_order.py) give NumPy's results bit for bit.

The kernels reproduce NumPy's float64 sums in NumPy's pairwise order so that compiled and NumPy code
paths agree to the last bit (a plain running sum can differ), and write out a few NumPy functions
whose generic Numba implementations cost compile time on a first run. If any of these drifted from
NumPy, results would change between code paths; these properties say they do not.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crossings.processes.numpy_order import flatnonzero, np_max, np_mean, np_min, np_sum

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(0, 700), elements=finite))
def test_sum_and_mean_are_numpys_bit_for_bit(a):
    assert np_sum(a) == a.sum()  # pairwise order: a running sum differs in the last bit on some arrays
    if a.size:
        assert np_mean(a) == a.mean()


@settings(max_examples=200, deadline=None)
@given(arrays(np.bool_, st.integers(0, 300)))
def test_flatnonzero_is_numpys(mask):
    got = flatnonzero(mask)
    assert got.dtype == np.int64
    assert np.array_equal(got, np.flatnonzero(mask))
    # a strided (non-contiguous) view too: the kernels pass both
    assert np.array_equal(flatnonzero(mask[::2]), np.flatnonzero(mask[::2]))


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=True), st.floats(allow_nan=True))
def test_max_min_follow_numpy_on_nan(a, b):
    for ours, theirs in ((np_max, np.maximum), (np_min, np.minimum)):
        want = theirs(a, b)
        got = ours(a, b)
        assert (np.isnan(got) and np.isnan(want)) or got == want
