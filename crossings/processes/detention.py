"""Detention sites: admission of people landed from the sea, stays, release and deportation.

People taken aboard by a ``sea_actor`` whose landing draw sends them to detention (a third
country's coastguard after a pull-back, or a rescue that ends in detention) are admitted to the
actor's detention site while it has places (``Site.capacity``, hard); the rest go back to the
waiting areas like people rescued back. On admission a share ``detention.funds_loss_share`` of
their funds is taken (extortion, ransom, fees). Each stay lasts a geometric time with mean
``detention.stay_days_mean``; then a household is deported (it leaves the corridor) with chance
``detention.deported_share``, else released to a camp chosen like after a shelter stay. The stage
runs after clearances and before the market (docs/ODD.md, "Detention and pull-backs").
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.loop import Process
from crossings.engine.rng import uniform
from crossings.engine.state import DETAINED, LEFT, TRAVELLING
from crossings.processes.draws import choose_camp, geometric_days

K_STAY, K_DEPORT, K_CAMP = 0, 1, 10  # draw counters on the household head's slot


@njit(cache=True)
def release_kernel(active, state, site, household, nationality, next_day, day, key, deported_share, camp_util, camps,
                   travel_days):
    """People whose stay ends today: deported (LEFT) or released to a camp (TRAVELLING there).
    Returns (released, deported)."""
    released = 0
    deported = 0
    for j in range(active.shape[0]):
        i = active[j]
        if state[i] != DETAINED or next_day[i] > day:
            continue
        hh = household[i]
        if uniform(key, hh, K_DEPORT) < deported_share:
            state[i] = LEFT
            deported += 1
            continue
        dest = choose_camp(camp_util[nationality[i]], camps, key, hh, K_CAMP, -1)
        state[i] = TRAVELLING
        next_day[i] = day + max(1, travel_days[site[i], dest])
        site[i] = dest
        released += 1
    return released, deported


def occupancy(sim) -> np.ndarray:
    """People held at each site today (agents)."""
    p = sim.people
    act = p.active
    held = act[p.state[act] == DETAINED]
    return np.bincount(p.site[held], minlength=sim.world.n_sites).astype(np.float64)


def admit(sim, day: int, people: np.ndarray, sites: np.ndarray) -> None:
    """Admit ``people`` (landed from the sea today) to their detention ``sites`` in order, within
    each site's places; those beyond capacity stay as they are (on their way back to a camp)."""
    if people.size == 0:
        return
    sc = sim.scenario
    p = sim.people
    key = sim.streams.key("detention", day)
    free = np.floor(sim.world.site_capacity / sc.scale) - occupancy(sim)
    take = np.zeros(people.size, dtype=bool)
    for r in range(people.size):
        s = sites[r]
        if s >= 0 and free[s] >= 1:
            take[r] = True
            free[s] -= 1
    sim.rec.add("landed_detention", people.size)
    sim.rec.add("detention_full", int((~take).sum()))
    held = people[take]
    if held.size == 0:
        return
    loss = p.funds[held] * np.float32(sc.detention.funds_loss_share)
    p.funds[held] -= loss
    p.state[held] = DETAINED
    p.site[held] = sites[take]
    mean = float(sc.detention.stay_days_mean)
    for i in held:
        p.next_day[i] = day + geometric_days(key, int(p.household[i]), K_STAY, mean)
    sim.rec.add("people_detained", held.size)
    sim.rec.add("funds_lost_detention_eur", float(loss.sum()))


class Detention(Process):
    """Detention: stays that end today end in deportation or release to a camp; occupied places
    are booked as public spending."""

    name = "detention"
    reads = ("people.state", "people.next_day", "camp_utility")
    writes = ("people.state", "people.site", "people.next_day")

    def step(self, day: int) -> None:
        sim = self.sim
        p = sim.people
        det = sim.scenario.detention
        key = sim.streams.key("detention_release", day)
        released, deported = release_kernel(
            p.active, p.state, p.site, p.household, p.nationality, p.next_day, day, key, float(det.deported_share),
            sim.camp_utility, sim.camp_sites, sim.world.travel_days,
        )
        sim.rec.add("released_detention", released)
        sim.rec.add("deported_detention", deported)
        if det.cost_per_place_day_eur > 0:
            held = float(occupancy(sim).sum()) * sim.scenario.scale
            sim.rec.add("spending_camps_eur", held * det.cost_per_place_day_eur)
