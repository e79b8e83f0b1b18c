"""Stage 2: arrivals into the corridor.

People arrive in groups. Each day and nationality, the number of groups is
Poisson with mean ``inflow(t) x share(nationality, t) x deterrence(t) /
(mean group size x scale)``. A group is a single adult, an unaccompanied minor,
or a family (two adults and 1 + Poisson(0.7) children; assumption). Group
members share funds (log-normal per nationality, split equally), risk tolerance
and ties at the destination, and their household head's random draws, so they
decide and move together. New people travel from the entry site to a camp
chosen by nationality network, attractiveness and crowding.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.loop import Process
from crossings.engine.rng import normal, poisson, uniform
from crossings.engine.state import IN_CAMP, NO_GANG, TRAVELLING
from crossings.processes.expectations import inflow_response
from crossings.processes.draws import choose_camp, geometric_days

CHILDREN_EXTRA_MEAN = 0.7  # assumption: families have 1 + Poisson(0.7) children


def mean_group_size(family_share, uam_share):
    return (1 - family_share - uam_share) * 1.0 + uam_share * 1.0 + family_share * (3.0 + CHILDREN_EXTRA_MEAN)


@njit(cache=True)
def spawn_groups(
    n_groups, nat, start_slot, day, key, state, site, nationality, household, minor, uk_ties, funds,
    debt, risk_tol, arrival_day, next_day, attempts, crossed_day, gang, paid_left,
    family_share, uam_share, ties_share, funds_median, funds_sigma, risk_mean,
    camp_util_row, camps, travel_days, entry_site, initial_state, decision_mean, fixed_site,
):
    """Create ``n_groups`` groups of nationality ``nat`` from slot ``start_slot``; returns next free slot."""
    i = start_slot
    for _ in range(n_groups):
        head = i
        u = uniform(key, head, 0)
        if u < family_share:
            size = min(3 + poisson(key, head, 1, 0.7), 12)
            n_minor = size - 2
        elif u < family_share + uam_share:
            size = 1
            n_minor = 1
        else:
            size = 1
            n_minor = 0
        f_total = funds_median * np.exp(funds_sigma * normal(key, head, 2))
        rt = -risk_mean * np.log(max(uniform(key, head, 4), 1e-300))
        ties = uniform(key, head, 5) < ties_share
        if fixed_site >= 0:
            dest = fixed_site
        else:
            dest = choose_camp(camp_util_row, camps, key, head, 10, -1)
        if initial_state == IN_CAMP:
            st = IN_CAMP
            nd = day + geometric_days(key, head, 6, decision_mean)
        else:
            st = TRAVELLING
            nd = day + max(1, travel_days[entry_site, dest])
        for m in range(size):
            j = head + m
            state[j] = st
            site[j] = dest
            nationality[j] = nat
            household[j] = head
            minor[j] = m >= size - n_minor
            uk_ties[j] = ties
            funds[j] = f_total / size
            debt[j] = 0.0
            risk_tol[j] = rt
            arrival_day[j] = day
            next_day[j] = nd
            attempts[j] = 0
            crossed_day[j] = -1
            gang[j] = NO_GANG
            paid_left[j] = 0
        i += size
    return i


@njit(cache=True, inline="always")
def group_counts(key, means):
    """Poisson number of groups per nationality (slot = nationality index)."""
    out = np.empty(means.shape[0], np.int64)
    for k in range(means.shape[0]):
        out[k] = poisson(key, k, 0, means[k])
    return out


@njit(cache=True)
def spawn_all(
    n_groups, start_slot, day, key, state, site, nationality, household, minor, uk_ties, funds, debt,
    risk_tol, arrival_day, next_day, attempts, crossed_day, gang, paid_left, family_share, uam_share,
    ties_share, funds_median, funds_sigma, risk_mean, camp_util, camps, travel_days, entry_site,
    initial_state, decision_mean, fixed_site,
):
    """``spawn_groups`` for every nationality in turn (``risk_mean``: each nationality's mean risk
    tolerance); returns the next free slot."""
    i = start_slot
    for k in range(n_groups.shape[0]):
        if n_groups[k] <= 0:
            continue
        i = spawn_groups(
            n_groups[k], k, i, day, key, state, site, nationality, household, minor, uk_ties, funds,
            debt, risk_tol, arrival_day, next_day, attempts, crossed_day, gang, paid_left,
            family_share[k], uam_share[k], ties_share[k], funds_median[k], funds_sigma[k], risk_mean[k],
            camp_util[k], camps, travel_days, entry_site, initial_state, decision_mean, fixed_site,
        )
    return i


@njit(cache=True, inline="always")
def risk_floor_kernel(risk_tol, nationality, start, stop, floor, mean):
    """Risk tolerance of slots ``start..stop-1`` (an exponential draw with the mean of the person's
    nationality, ``mean[nationality]``) turned into ``floor`` + an exponential with the rest of that
    mean, the same draw: in float64, stored as float32 (as the NumPy expression it replaces)."""
    for j in range(start, stop):
        m = mean[nationality[j]]
        z = np.float64(risk_tol[j]) / m  # = -ln(u), the exponential draw
        risk_tol[j] = np.float32(floor + (m - floor) * z)


@njit(cache=True)
def day_groups_kernel(key, lam, share, group_size):
    """:func:`group_counts` with means ``lam x share / group_size`` (NumPy's order); returns the
    counts and their sum."""
    means = np.empty(share.shape[0], np.float64)
    for k in range(share.shape[0]):
        means[k] = lam * share[k] / group_size[k]
    out = group_counts(key, means)
    total = 0
    for k in range(out.shape[0]):
        total += out[k]
    return out, total


@njit(cache=True)
def spawn_finish_kernel(risk_tol, nationality, start_slot, stop_slot, floor, risk_mean, active):
    """After :func:`spawn_all` filled slots ``start_slot..stop_slot-1``: the risk-tolerance floor
    (:func:`risk_floor_kernel`, if ``floor > 0``) and the active index with the new slots appended
    (returned). (:func:`spawn_all` stays a call of its own: inlined into a kernel, the compiler
    optimises its code again, which made a first run on an empty cache slower.)"""
    if floor > 0.0 and stop_slot > start_slot:
        risk_floor_kernel(risk_tol, nationality, start_slot, stop_slot, floor, risk_mean)
    n = active.shape[0]
    out = np.empty(n + stop_slot - start_slot, active.dtype)
    for j in range(n):  # a loop, not `out[:n] = active`: a slice assignment compiles NumPy's shape-error path
        out[j] = active[j]
    for j in range(stop_slot - start_slot):
        out[n + j] = start_slot + j
    return out


class Inflow(Process):
    """Inflow: people arrive in groups (adults, unaccompanied minors, families) by nationality,
    with funds, risk tolerance and ties, and travel to a camp chosen by their network."""

    name = "inflow"
    reads = ("timeline.inflow", "timeline.nationality_share", "camp_counts")
    writes = ("people.*", "people.active")

    def __init__(self, sim):
        super().__init__(sim)
        w = sim.world
        self.group_size = mean_group_size(w.nat_family_share, w.nat_uam_share)

    def step(self, day: int) -> None:
        """Today's groups and their people in three kernels (:func:`day_groups_kernel`,
        :func:`spawn_all`, :func:`spawn_finish_kernel`): what :meth:`step_by_stage` does."""
        sim = self.sim
        tl = sim.timeline
        lam = tl.inflow_per_day[day] * tl.inflow_multiplier[day] / sim.scenario.scale
        lam *= inflow_response(sim, day)  # 1 unless the inflow answers expectations (inflow.*_elasticity)
        if lam <= 0:
            return
        key = sim.streams.key("inflow", day)
        n_groups, total = day_groups_kernel(key, float(lam), tl.nationality_share[:, day], self.group_size)
        p = sim.people
        w = sim.world
        p.reserve(total * 12 + 16)  # worst case: every group a family with many children
        if total == 0:
            return
        pp = sim.scenario.people
        risk_means = w.risk_means(float(pp.risk_tolerance_mean))
        start = p.n
        p.n = spawn_all(
            n_groups, start, day, key, p.state, p.site, p.nationality, p.household, p.minor,
            p.uk_ties, p.funds, p.debt, p.risk_tolerance, p.arrival_day, p.next_day, p.attempts,
            p.crossed_day, p.gang, p.paid_attempts_left, w.nat_family_share, w.nat_uam_share,
            w.nat_ties_share, w.nat_funds_median, w.nat_funds_sigma,
            risk_means, sim.camp_utility, sim.camp_sites, w.travel_days,
            w.entry_site, TRAVELLING, float(pp.decision_interval_days), -1,
        )
        p.active = spawn_finish_kernel(p.risk_tolerance, p.nationality, start, p.n, float(pp.risk_tolerance_min),
                                       risk_means, p.active)
        sim.rec.add("arrivals_corridor", p.n - start)

    def step_by_stage(self, day: int) -> None:
        """The day kernel by kernel (the reference :meth:`step` is tested against)."""
        sim = self.sim
        tl = sim.timeline
        lam = tl.inflow_per_day[day] * tl.inflow_multiplier[day] / sim.scenario.scale
        lam *= inflow_response(sim, day)  # 1 unless the inflow answers expectations (inflow.*_elasticity)
        if lam <= 0:
            return
        key = sim.streams.key("inflow", day)
        means = lam * tl.nationality_share[:, day] / self.group_size
        self.spawn(day, group_counts(key, means), key, TRAVELLING, by_stage=True)

    def spawn(self, day, n_groups, key, initial_state, util=None, fixed_site=-1, by_stage=False):
        """Create the groups ``n_groups`` (per nationality) on ``day``; returns the new slots."""
        sim = self.sim
        p = sim.people
        w = sim.world
        n_groups = np.asarray(n_groups, dtype=np.int64)
        # worst case: every group a family with many children
        p.reserve(int(n_groups.sum()) * 12 + 16)
        start = p.n
        util = sim.camp_utility if util is None else util
        if not np.count_nonzero(n_groups):
            return np.zeros(0, np.int32)
        pp = sim.scenario.people
        risk_means = w.risk_means(float(pp.risk_tolerance_mean))
        i = spawn_all(
            n_groups, p.n, day, key, p.state, p.site, p.nationality, p.household, p.minor,
            p.uk_ties, p.funds, p.debt, p.risk_tolerance, p.arrival_day, p.next_day, p.attempts,
            p.crossed_day, p.gang, p.paid_attempts_left, w.nat_family_share, w.nat_uam_share,
            w.nat_ties_share, w.nat_funds_median, w.nat_funds_sigma,
            risk_means, util, sim.camp_sites, w.travel_days,
            w.entry_site, initial_state, float(sim.scenario.people.decision_interval_days), int(fixed_site),
        )
        p.n = i
        new = np.arange(start, i, dtype=np.int32)
        floor = float(pp.risk_tolerance_min)
        if not by_stage:  # the floor and the new active slots in one kernel (the day's inflow compiles it)
            p.active = spawn_finish_kernel(p.risk_tolerance, p.nationality, start, i, floor, risk_means, p.active)
            sim.rec.add("arrivals_corridor", i - start)
            return new
        if floor > 0.0 and i > start:  # floor + an exponential with the rest of the mean, same draw
            risk_floor_kernel(p.risk_tolerance, p.nationality, start, i, floor, risk_means)
        p.active = np.concatenate((p.active, new))
        sim.rec.add("arrivals_corridor", i - start)
        return new
