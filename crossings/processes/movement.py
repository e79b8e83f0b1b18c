"""Stage 3: movement and settlement.

* People travelling arrive at their camp on their arrival day and settle, in the camp or, with
  probability ``camps.off_camp_share`` if they can pay a month of it, off-camp nearby; their
  first decision comes after a geometric wait (mean ``people.decision_interval_days``).
* People in a shelter, at the end of their stay (geometric, mean
  ``shelters.stay_days_mean``), return to the border with probability
  ``shelters.return_share`` (choosing a camp as on arrival) or leave the corridor
  (asylum in the transit country).
* People returned under a returns agreement come back after
  ``outflow.returned_back_days`` with probability ``outflow.returned_back_share``,
  or leave.

Draws are keyed by the household head's slot, so families move together.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.loop import Process
from crossings.engine.results import INDEX
from crossings.engine.rng import uniform
from crossings.engine.state import IN_CAMP, IN_SHELTER, LEFT, RETURNED, TRAVELLING
from crossings.processes.draws import choose_camp, geometric_days

OFF_CAMP_RESERVE_DAYS = 30.0  # assumption: people settle off-camp only with a month's cost in hand
# counters returned by the kernel
SETTLED, SHELTER_RETURNS, SHELTER_LEFT, RETURNED_BACK, RETURNED_LEFT = range(5)
_COLS = np.array([INDEX["shelter_returns"], INDEX["left_corridor"]], np.int64)  # the records the day kernel adds to


@njit(cache=True, inline="always")
def movement_kernel(
    active, state, site, household, nationality, next_day, day, key, camp_util, camps, travel_days,
    return_share, back_share, decision_mean, funds, off_camp, off_camp_share, off_camp_reserve,
):
    counts = np.empty(5, np.int64)
    for z in range(counts.shape[0]):  # np.zeros, written out (see numpy_order)
        counts[z] = 0
    due = np.empty(active.shape[0], np.int32)  # camp residents whose decision day has come
    n_due = 0
    for j in range(active.shape[0]):
        i = np.uint32(active[j])  # unsigned: no negative-index wraparound (slots are never negative)
        s = state[i]
        if next_day[i] > day:
            continue
        hh = household[i]
        if s == IN_CAMP:
            due[n_due] = i
            n_due += 1
        elif s == TRAVELLING:
            state[i] = IN_CAMP
            next_day[i] = day + geometric_days(key, hh, 0, decision_mean)
            off_camp[i] = uniform(key, hh, 2) < off_camp_share and funds[i] >= off_camp_reserve
            counts[SETTLED] += 1
        elif s == IN_SHELTER or s == RETURNED:
            share = return_share if s == IN_SHELTER else back_share
            if uniform(key, hh, 1) < share:
                dest = choose_camp(camp_util[nationality[i]], camps, key, hh, 10, -1)
                next_day[i] = day + max(1, travel_days[site[i], dest])
                counts[SHELTER_RETURNS if s == IN_SHELTER else RETURNED_BACK] += 1
                state[i] = TRAVELLING
                site[i] = dest
            else:
                counts[SHELTER_LEFT if s == IN_SHELTER else RETURNED_LEFT] += 1
                state[i] = LEFT
    return counts, due[:n_due]  # a view (today only): no copy


@njit(cache=True)
def movement_day_kernel(
    active, state, site, household, nationality, next_day, day, key, camp_util, camps, travel_days,
    return_share, back_share, decision_mean, funds, off_camp, off_camp_share, off_camp_reserve, row, cols,
):
    """:func:`movement_kernel` with its records added to the recorder's ``row`` (at ``cols``: people
    returning from shelters, people leaving the corridor). Returns today's due camp residents."""
    c, due = movement_kernel(
        active, state, site, household, nationality, next_day, day, key, camp_util, camps, travel_days,
        return_share, back_share, decision_mean, funds, off_camp, off_camp_share, off_camp_reserve,
    )
    row[cols[0]] += c[SHELTER_RETURNS]
    row[cols[1]] += c[SHELTER_LEFT] + c[RETURNED_LEFT]
    return due


class Movement(Process):
    """Movement: travellers settle in their camp; people at the end of a shelter stay return to
    the border or leave; people returned under an agreement come back or leave. When a shelter
    loses places, the stays of the people beyond its new capacity end today."""

    name = "movement"
    reads = ("people.state", "people.next_day", "people.household", "camp_counts")
    writes = ("people.state", "people.site", "people.next_day", "today.decision_candidates")

    _shrink_days: set[int] | None = None  # days on which a shelter has fewer places than the day before

    def step(self, day: int) -> None:
        sim = self.sim
        p = sim.people
        sc = sim.scenario
        if self._shrink_days is None:  # the timeline is compiled before the run: its days listed once
            cap = sim.timeline.shelter_capacity
            self._shrink_days = set((np.flatnonzero((cap[:, 1:] < cap[:, :-1]).any(axis=0)) + 1).tolist())
        if day in self._shrink_days:
            cap = sim.timeline.shelter_capacity
            shrunk = np.flatnonzero(cap[:, day] < cap[:, day - 1])
            if shrunk.size:
                self.close_places(day, shrunk)
        key = sim.streams.key("movement", day)
        rec = sim.rec
        # Later stages before decisions only delay decisions or move people out of camps, never
        # into them, so this list holds everyone who can be due today (decisions re-checks it).
        sim.today["decision_candidates"] = movement_day_kernel(
            p.active, p.state, p.site, p.household, p.nationality, p.next_day, day, key,
            sim.camp_utility, sim.camp_sites, sim.world.travel_days,
            float(sc.shelters.return_share), float(sc.outflow.returned_back_share),
            float(sc.people.decision_interval_days), p.funds, p.off_camp, float(sc.camps.off_camp_share),
            float(OFF_CAMP_RESERVE_DAYS * sc.camps.off_camp_cost_eur_per_day), rec.values[rec.day], _COLS,
        )

    def close_places(self, day: int, shelters: np.ndarray) -> None:
        """End today the stays of the people beyond each shelter's new capacity (those who arrived in
        the corridor last); the movement kernel then sends them back to the border or out of the
        corridor as at the end of any stay."""
        sim = self.sim
        p = sim.people
        act = p.active
        inside = act[p.state[act] == IN_SHELTER]
        cap = np.floor(sim.timeline.shelter_capacity[:, day] / sim.scenario.scale)
        for s in shelters:
            here = inside[p.site[inside] == s]
            excess = here.size - int(cap[s])
            if excess > 0:
                p.next_day[here[-excess:]] = day
