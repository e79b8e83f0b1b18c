"""Gumbel-max choices skip the logarithms of options that cannot win (crossings.processes.draws.GUMBEL_BOUND):
the choices must be those of computing every option's Gumbel term."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crossings.engine.rng import uniform
from crossings.processes.decisions import _gumbel_best
from crossings.processes.draws import GUMBEL_BINS, GUMBEL_BOUND

utilities = st.one_of(st.floats(-60.0, 60.0), st.just(-math.inf))


@settings(max_examples=300, deadline=None)
@given(st.floats(1e-300, 1.0 - 2.0**-53))
def test_the_bound_of_each_bin_is_above_every_gumbel_term_in_it(u):
    assert -math.log(-math.log(u)) <= GUMBEL_BOUND[int(u * GUMBEL_BINS)]


def full_gumbel_best(row, key, hh):
    """Every option's term computed (the choice before the bound)."""
    best, best_v = 0, -math.inf
    for c, v in enumerate(row):
        if v == -math.inf:
            continue
        u = max(uniform(key, hh, 100 + c), 1e-300)
        v = v - math.log(-math.log(u))
        if v > best_v:
            best, best_v = c, v
    return best


@settings(max_examples=300, deadline=None)
@given(st.lists(utilities, min_size=1, max_size=9), st.integers(0, 2**63), st.integers(0, 10**6),
       st.floats(0.0, 30.0))
def test_decision_choice_is_that_of_computing_every_term(row, key, hh, spread):
    V = (np.array(row) * (spread / 60.0 + 0.01)).reshape(1, -1)  # utilities from near-ties to far apart
    key = np.uint64(key)
    assert _gumbel_best(V, 0, key, hh) == full_gumbel_best(V[0], key, hh)
