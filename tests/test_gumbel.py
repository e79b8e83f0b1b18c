"""Gumbel-max choices skip the logarithms of options that cannot win (crossings.processes.draws.GUMBEL_BOUND),
and all of them when one option surely wins (GUMBEL_LOWER): the choices must be those of computing
every option's Gumbel term."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crossings.engine.rng import uniform
from crossings.processes.decisions import _gumbel_best
from crossings.processes.draws import GUMBEL_BINS, GUMBEL_BOUND, GUMBEL_LOWER, choose_camp
from crossings.processes.market.selling import sell_kernel

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
       st.floats(0.0, 30.0), st.booleans())
def test_decision_choice_is_that_of_computing_every_term(row, key, hh, spread, near_tie):
    key = np.uint64(key)
    V = np.array(row) * (spread / 60.0 + 0.01)  # utilities from near-ties to far apart
    if near_tie:  # totals within 1e-4 x spread of each other (see weights_for)
        V = np.where(V == -math.inf, V, weights_for(np.nan_to_num(V, neginf=0.0), True, key, hh, 100))
    V = V.reshape(1, -1)
    assert _gumbel_best(V, 0, key, hh) == full_gumbel_best(V[0], key, hh)


@settings(max_examples=300, deadline=None)
@given(st.floats(1e-300, 1.0 - 2.0**-53))
def test_the_lower_bound_of_each_bin_is_below_every_gumbel_term_in_it(u):
    assert GUMBEL_LOWER[int(u * GUMBEL_BINS)] <= -math.log(-math.log(u))


def full_best(weights, key, slot, k0, allowed):
    """Index of the largest ``weight - log(-log(u))`` among ``allowed`` (every term computed), or -1."""
    best, best_v = -1, -math.inf
    for j, w in enumerate(weights):
        if not allowed[j]:
            continue
        u = max(uniform(key, slot, k0 + j), 1e-300)
        v = w - math.log(-math.log(u))
        if v > best_v:
            best, best_v = j, v
    return best


def weights_for(values, near_tie, key, slot, k0):
    """``values`` as utilities, or (``near_tie``) as the options' totals: utilities minus each option's own
    Gumbel term, so that the totals lie within ``values``' span of each other (ties included); these are
    the cases the bounds must get right."""
    w = np.array(values, dtype=np.float64)
    if near_tie:
        u = np.array([max(uniform(key, slot, k0 + j), 1e-300) for j in range(w.size)])
        w = w * 1e-4 + np.log(-np.log(u))
    return w


values = st.lists(st.floats(-30.0, 30.0), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(values, st.booleans(), st.integers(0, 2**63), st.integers(0, 10**6), st.integers(-1, 7))
def test_camp_choice_is_that_of_computing_every_term(vals, near_tie, key, slot, exclude):
    key = np.uint64(key)
    util = weights_for(vals, near_tie, key, slot, 10)
    camps = np.arange(util.size, dtype=np.int64)
    want = full_best(util, key, slot, 10, [c != exclude for c in camps])
    assert choose_camp(util, camps, key, slot, 10, exclude) == (exclude if want < 0 else want)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(-30.0, 30.0), st.booleans(), st.booleans()), min_size=1, max_size=12),
       st.booleans(), st.integers(0, 2**63), st.integers(0, 10**6))
def test_gang_choice_is_that_of_computing_every_term(gangs, near_tie, key, hh):
    """One buyer without a contract: the gang chosen among those offering, with places and affordable."""
    key = np.uint64(key)
    weights = weights_for([w for w, _, _ in gangs], near_tie, key, hh, 40)
    ok = np.array([o for _, o, _ in gangs])
    prices = np.array([5000.0 if dear else 1000.0 for _, _, dear in gangs])
    capacity = np.full(len(gangs), 10.0)
    one = np.zeros(1, np.float32)
    holder, bought, _, _ = sell_kernel(
        np.zeros(1, np.int32), np.array([hh], np.int32), one + 2000.0, one.copy(), np.full(1, -1, np.int16),
        np.zeros(1, np.int8), np.zeros(1, np.int8), 2, key, 40, prices, weights, ok, 0.0, 1, one.copy(), 0.0,
        capacity, 1.0,
    )
    assert bought[0] == full_best(weights, key, hh, 40, ok & (prices <= 2000.0))
