"""Entry and exit of gangs: the entry cost rising with enforcement, the daily chance of being
dismantled (rising with intelligence work, crackdowns and gang size), exit on losses, and rivals
taking over the customers of gangs that are gone.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.rng import uniform
from crossings.processes.market.common import DAYS_PER_YEAR, K_DISMANTLE, K_EXIT


@njit(cache=True)
def entry_cost(base_eur, slope, enforcement):
    """Entry cost rising with mean enforcement effectiveness (0-1)."""
    return base_eur * (1.0 + slope * enforcement)


def dismantle_probability(rate_base, rate_intel, e_intel, multiplier, rel_size, exponent):
    """Daily chance a gang is dismantled: hazard (per year) x (size / mean size) ** exponent."""
    h = (rate_base + rate_intel * e_intel) * multiplier / DAYS_PER_YEAR * np.maximum(rel_size, 0.0) ** exponent
    return 1.0 - np.exp(-h)


@njit(cache=True)
def takeover_kernel(active, household, gang, paid_left, removed, cum_weights, key, k):
    """Customers of removed gangs move to a rival drawn in proportion to ``cum_weights``."""
    moved = 0
    lost = 0
    total = cum_weights[-1] if cum_weights.shape[0] > 0 else 0.0
    for j in range(active.shape[0]):
        i = active[j]
        g = gang[i]
        if g < 0 or not removed[g]:
            continue
        if total <= 0.0:
            gang[i] = -1
            paid_left[i] = 0
            lost += 1
            continue
        u = uniform(key, household[i], k) * total
        new = 0
        while new < cum_weights.shape[0] - 1 and cum_weights[new] <= u:
            new += 1
        gang[i] = new
        moved += 1
    return moved, lost


@njit(cache=True, inline="always")
def dismantle_exit_kernel(act, p_dis, key, capital, profit, entered_day, day, p_exit, patience):
    """Today's dismantled gangs (draw below ``p_dis``) and, among the others, those leaving: negative
    capital, or losses with a ``p_exit`` daily chance once older than ``patience`` days."""
    dis = np.empty(act.shape[0], np.int64)
    ex = np.empty(act.shape[0], np.int64)
    n_dis = 0
    n_ex = 0
    for r in range(act.shape[0]):
        j = act[r]
        if uniform(key, j, K_DISMANTLE) < p_dis[r]:
            dis[n_dis] = j
            n_dis += 1
        elif capital[j] < 0 or (profit[j] < 0 and uniform(key, j, K_EXIT) < p_exit and day - entered_day[j] > patience):
            ex[n_ex] = j
            n_ex += 1
    return dis[:n_dis], ex[:n_ex]
