"""Small helpers shared by processes: waiting times, camp choice, and the weight of today in an
exponential memory.

All draws take a day key from :mod:`crossings.engine.rng` and a slot (the
household head's slot for people, so that families draw the same numbers and
move together).
"""

from __future__ import annotations

import functools

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.rng import uniform
from crossings.engine.state import NEVER
from crossings.processes.numpy_order import np_max


def _gumbel_bounds(bins: int) -> np.ndarray:
    """For each ``1/bins`` of [0, 1), an upper bound of the Gumbel term ``-log(-log(u))`` of the
    draws ``u`` in it: the term at the bin's upper edge (it grows with ``u``; the last edge is the
    largest uniform draw, 1 - 2^-53), plus 1e-6, far more than the last-bit differences between
    NumPy's logarithm and the one the kernels call."""
    edges = np.arange(1, bins + 1, dtype=np.float64) / bins
    edges[-1] = 1.0 - 2.0**-53
    return -np.log(-np.log(edges)) + 1e-6


def _gumbel_lower_bounds(bins: int) -> np.ndarray:
    """For each ``1/bins`` of [0, 1), a lower bound of the Gumbel term ``-log(-log(u))`` of the
    draws ``u`` in it: the term at the bin's lower edge (the first bin's edge is the smallest draw
    the choices use, 1e-300), less 1e-6. ``int(u * bins)`` is exact (``bins`` is a power of two), so
    every ``u`` of bin ``b`` is at least ``b / bins``."""
    edges = np.arange(0, bins, dtype=np.float64) / bins
    edges[0] = 1e-300
    return -np.log(-np.log(edges)) - 1e-6


# Gumbel-max choices skip the two logarithms of an option that cannot win: one whose utility plus
# the bound of its draw's bin, ``GUMBEL_BOUND[int(u * GUMBEL_BINS)]``, is at most the best so far
# (its utility plus its Gumbel term could only be lower, and only a larger value wins), so the
# choices are those of computing every term. The draws are counter-based: skipping one moves none.
GUMBEL_BINS = 1024.0
GUMBEL_BOUND = _gumbel_bounds(int(GUMBEL_BINS))
# Lower bounds of the same bins: when one option's utility plus the lower bound of its draw's bin
# is above every other option's utility plus its upper bound, that option wins whatever the exact
# terms are, and no logarithm is needed at all (a sum rounds monotonically: ``v + lower <= v -
# log(-log(u)) <= v + upper`` holds in floating point as it does exactly).
GUMBEL_LOWER = _gumbel_lower_bounds(int(GUMBEL_BINS))


@njit(cache=True, inline="always")
def geometric_days_given(key, slot, k, per_day):
    """:func:`geometric_days` of a mean above 1 given ``per_day = log(1 - 1 / mean)`` (for kernels
    that draw many waits with one mean: the same days, one logarithm fewer per draw)."""
    u = uniform(key, slot, k)
    if u < 1e-300:
        u = 1e-300
    if per_day == 0.0:  # a mean so long that 1 - 1/mean rounds to 1: the wait never ends
        return NEVER
    x = np.log(u) / per_day
    if x >= NEVER - 1:
        return NEVER
    return 1 + int(x)


# One explicit signature each (integers widened to int64): Numba would otherwise compile a copy for
# every constant draw counter and integer width they are called with.
@njit("int64(uint64, int64, int64, float64)", cache=True)
def geometric_days(key, slot, k, mean):
    """Whole days >= 1 with the given mean (geometric waiting time), at most ``NEVER``."""
    if mean <= 1.0:
        return 1
    return geometric_days_given(key, slot, k, np.log(1.0 - 1.0 / mean))


@njit("int64(float64[::1], int64[::1], uint64, int64, int64, int64)", cache=True)
def choose_camp(utility_row, camps, key, slot, k, exclude):
    """Multinomial-logit choice among camps (Gumbel-max on per-slot draws)."""
    best = -1
    best_v = -np.inf
    for j in range(camps.shape[0]):
        c = camps[j]
        if c == exclude:
            continue
        u = uniform(key, slot, k + j)
        if u < 1e-300:
            u = 1e-300
        if utility_row[j] + GUMBEL_BOUND[int(u * GUMBEL_BINS)] <= best_v:
            continue  # cannot win (see GUMBEL_BOUND)
        v = utility_row[j] - np.log(-np.log(u))
        if v > best_v:
            best_v = v
            best = c
    if best < 0:  # only one camp and it is excluded: stay
        best = exclude
    return best


def camp_utilities(sim) -> np.ndarray:
    """Utility of each camp for each nationality today: attractiveness, network, crowding."""
    w = sim.world
    camps = sim.camp_sites
    cp = sim.scenario.camps
    counts = sim.camp_counts[camps]  # [camp, nationality], from the camps stage
    scale = float(sim.scenario.scale)
    return camp_utility_kernel(
        counts, np.log1p(counts * scale), w.site_capacity, w.site_attractiveness, w.nat_camp_network, camps, scale,
        float(cp.beta_network), float(cp.beta_crowding),
    )


@njit(cache=True)
def camp_utility_kernel(counts, log_people, capacity, attractiveness, network, camps, scale, beta_network,
                        beta_crowding):
    """``u[nationality, camp] = attractiveness + network + beta_network x log1p(people of the
    nationality there) - beta_crowding x max(residents / capacity - 1, 0)``, with ``log_people``
    computed by NumPy (people per camp are whole numbers, so their sum is exact in any order)."""
    n_c, n_nat = counts.shape
    u = np.empty((n_nat, n_c))
    for j in range(n_c):
        c = camps[j]
        pop = 0.0
        for k in range(n_nat):
            pop += counts[j, k]
        cap = np_max(capacity[c] / scale, 1.0)
        crowd = np_max(pop / cap - 1.0, 0.0)
        for k in range(n_nat):
            u[k, j] = attractiveness[c] + network[k, c] + beta_network * log_people[j, k] - beta_crowding * crowd
    return u


@njit(cache=True)
def uniform_slots(key, slots, k):
    """One uniform per entry of ``slots`` (e.g. household heads), draw counter ``k``."""
    out = np.empty(slots.shape[0], np.float64)
    for j in range(slots.shape[0]):
        out[j] = uniform(key, slots[j], k)
    return out


@functools.lru_cache(maxsize=64)
def memory_weight(days: float) -> float:
    """Weight of today in an exponential memory with time scale ``days``: 1 - exp(-1 / days)."""
    return 1.0 - np.exp(-1.0 / days)
