"""Stage 5: routine evictions and major clearances.

Routine evictions (a ``routine_evictions`` policy sets an interval per camp, shortened by money for
camp operations: divided by ``1 + clearances.camps_spending_effect x E_camps``):
every resident of the camp (not the people waiting off-camp) loses belongings worth ``clearances.eviction_funds_loss_eur``
(capped by their funds), their next decision is pushed back by
``clearances.eviction_delay_days``, a share ``clearances.eviction_off_camp_share`` of those who can
pay a month of it waits off-camp from then on, and a share ``clearances.eviction_move_share``
resettles at another camp; the rest stay (people "resettle within hours",
HRW-2021).

Major clearances (a ``camp_clearance`` policy, or an incident-triggered
operation): places = buses x seats. Households with minors are offered places
first, then the others in random order. A household boards if it accepts
(probability ``acceptance``, plus ``clearances.minor_acceptance_boost`` for
households with minors), the remaining places hold the whole household, and a
shelter has room for it (the shelter with the most free places is used). Those
not bused disperse to other camps with probability ``disperse_share`` or stay.
Bused people stay in a shelter for a geometric time (mean
``shelters.stay_days_mean``) before the movement stage decides whether they
return.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.loop import Process
from crossings.engine.rng import uniform
from crossings.engine.state import IN_CAMP, IN_SHELTER, TRAVELLING
from crossings.engine.timeline import CHANNELS
from crossings.processes.draws import choose_camp, geometric_days, uniform_slots
from crossings.processes.movement import OFF_CAMP_RESERVE_DAYS

CAMPS = CHANNELS.index("camps")


@njit(cache=True)
def eviction_kernel(
    active, state, site, household, nationality, funds, next_day, evicted_site, day, key, loss, delay,
    move_share, camp_util, camps, travel_days, off_camp, off_share, off_reserve,
):
    n_evicted = 0
    lost = 0.0
    for j in range(active.shape[0]):
        i = np.uint32(active[j])  # unsigned: no negative-index wraparound (slots are never negative)
        if state[i] != IN_CAMP or off_camp[i] or not evicted_site[site[i]]:
            continue
        n_evicted += 1
        f = funds[i]
        take = loss if f > loss else f
        funds[i] = f - take
        lost += take
        nd = day + delay
        if next_day[i] < nd:
            next_day[i] = nd
        hh = household[i]
        if uniform(key, hh, 1) < off_share and funds[i] >= off_reserve:
            off_camp[i] = True  # waits off-camp from now on, while the money lasts
            continue
        if uniform(key, hh, 0) < move_share:
            dest = choose_camp(camp_util[nationality[i]], camps, key, hh, 10, site[i])
            if dest != site[i]:
                state[i] = TRAVELLING
                next_day[i] = day + max(1, travel_days[site[i], dest])
                site[i] = dest
    return n_evicted, lost


@njit(cache=True)
def schedule_kernel(interval_days, boost, due, day):
    """Camps whose routine eviction is due today. Each camp's interval is ``interval_days / boost``
    (none if not positive); ``due`` (the next eviction day of each camp, NaN if none is planned)
    starts at the first day with an interval and moves on by one interval after each eviction
    (to a day after today if it lags behind). Returns (evicted camps mask, number evicted)."""
    n = interval_days.shape[0]
    evict = np.zeros(n, np.bool_)
    n_ops = 0
    for s in range(n):
        interval = interval_days[s] / boost
        if interval > 0:
            if np.isnan(due[s]):
                due[s] = day
            if day >= due[s]:
                evict[s] = True
                n_ops += 1
                due[s] += interval
                if due[s] <= day:
                    due[s] = day + interval
        elif interval <= 0:
            due[s] = np.nan
    return evict, n_ops


class Clearances(Process):
    """Clearances: routine evictions (belongings lost, a day lost, a few move camp) and major
    operations (buses x seats, minors first, acceptance, shelters with capacity, the rest
    disperse or stay)."""

    name = "clearances"
    reads = ("timeline.eviction_interval_days", "today.clearance_orders", "shelter_occupancy")
    writes = ("people.state", "people.site", "people.funds", "people.next_day")

    def __init__(self, sim):
        super().__init__(sim)
        self.due = np.full(sim.world.n_sites, np.nan)

    def step(self, day: int) -> None:
        sim = self.sim
        tl = sim.timeline
        cl = sim.scenario.clearances
        # money for camp operations (the camps channel) makes routine evictions more frequent
        boost = 1.0 + cl.camps_spending_effect * tl.effectiveness[CAMPS, day]
        evict, n_ops = schedule_kernel(tl.eviction_interval_days[:, day], float(boost), self.due, day)
        if n_ops:
            p = sim.people
            key = sim.streams.key("evictions", day)
            n, lost = eviction_kernel(
                p.active, p.state, p.site, p.household, p.nationality, p.funds, p.next_day, evict,
                day, key, float(cl.eviction_funds_loss_eur), int(round(cl.eviction_delay_days)),
                float(cl.eviction_move_share), sim.camp_utility, sim.camp_sites,
                sim.world.travel_days, p.off_camp, float(cl.eviction_off_camp_share),
                float(OFF_CAMP_RESERVE_DAYS * sim.scenario.camps.off_camp_cost_eur_per_day),
            )
            sim.rec.add("evictions", n_ops)
            sim.rec.add("people_evicted", n)
            sim.rec.add("funds_lost_eur", lost)
            sim.rec.add("spending_camps_eur", n_ops * cl.eviction_cost_eur)
        for order in sim.today.get("clearance_orders", ()):
            self.major_clearance(day, **order)
        occupied = float(sim.shelter_occupancy.sum()) * sim.scenario.scale
        sim.rec.add("spending_camps_eur", occupied * sim.scenario.shelters.cost_per_place_day_eur)

    def major_clearance(self, day, site, places, buses, acceptance, disperse_share=None):
        sim = self.sim
        p = sim.people
        sc = sim.scenario
        cl = sc.clearances
        s = sim.world.site_names.index(site)
        scale = sc.scale
        places_left = int(np.floor(places / scale))
        disperse = cl.disperse_share if disperse_share is None else disperse_share
        act = p.active
        residents = act[(p.state[act] == IN_CAMP) & ~p.off_camp[act] & (p.site[act] == s)]
        sim.rec.add("clearances", 1)
        sim.rec.add("spending_camps_eur", buses * cl.bus_cost_eur)
        if residents.size == 0:
            return
        key = sim.streams.key("clearances", day)
        hh = p.household[residents]
        heads, inverse, sizes = np.unique(hh, return_inverse=True, return_counts=True)
        has_minor = np.bincount(inverse, weights=p.minor[residents].astype(float)) > 0
        u_order = uniform_slots(key, heads.astype(np.int64), 0)
        u_accept = uniform_slots(key, heads.astype(np.int64), 1)
        u_disperse = uniform_slots(key, heads.astype(np.int64), 2)
        order = np.lexsort((u_order, ~has_minor))  # minors first, then random
        shelters = np.flatnonzero(sim.world.site_kind == 3)
        free = np.floor(sim.timeline.shelter_capacity[shelters, day] / scale) - sim.shelter_occupancy[shelters]
        board = np.full(heads.size, -1, dtype=np.int64)
        for h in order:
            if places_left <= 0:
                break
            acc = acceptance + (cl.minor_acceptance_boost * (1 - acceptance) if has_minor[h] else 0.0)
            if u_accept[h] >= acc or sizes[h] > places_left or free.size == 0:
                continue
            k = int(np.argmax(free))
            if free[k] < sizes[h]:
                continue
            board[h] = shelters[k]
            free[k] -= sizes[h]
            places_left -= sizes[h]
        member_board = board[inverse]
        bused = residents[member_board >= 0]
        stay_mean = sc.shelters.stay_days_mean
        if bused.size:
            p.state[bused] = IN_SHELTER
            p.site[bused] = member_board[member_board >= 0]
            for i in bused:
                p.next_day[i] = day + geometric_days(key, int(p.household[i]), 3, stay_mean)
            sim.shelter_occupancy = _recount_shelters(sim)
        rest_mask = (member_board < 0) & (u_disperse[inverse] < disperse)
        movers = residents[rest_mask]
        if movers.size:
            util = sim.camp_utility
            for i in movers:
                hh_i = int(p.household[i])
                dest = choose_camp(util[p.nationality[i]], sim.camp_sites, key, hh_i, 10, s)
                if dest == s:
                    continue
                t = int(sim.world.travel_days[s, dest])
                p.state[i] = TRAVELLING
                p.site[i] = dest
                p.next_day[i] = day + max(1, t)
        sim.rec.add("people_bused", bused.size)
        sim.rec.add("people_dispersed", int((p.state[movers] == TRAVELLING).sum()) if movers.size else 0)


def _recount_shelters(sim):
    p = sim.people
    act = p.active
    in_sh = act[p.state[act] == IN_SHELTER]
    return np.bincount(p.site[in_sh], minlength=sim.world.n_sites).astype(np.float64)
