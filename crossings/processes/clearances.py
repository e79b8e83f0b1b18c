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
from crossings.engine.results import INDEX
from crossings.engine.rng import uniform
from crossings.engine.state import IN_CAMP, IN_SHELTER, TRAVELLING
from crossings.engine.timeline import CHANNELS
from crossings.processes.draws import choose_camp, geometric_days, uniform_slots
from crossings.processes.movement import OFF_CAMP_RESERVE_DAYS
from crossings.processes.numpy_order import np_sum

CAMPS = CHANNELS.index("camps")


@njit(cache=True, inline="always")
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


@njit(cache=True, inline="always")
def schedule_kernel(interval_days, boost, due, day):
    """Camps whose routine eviction is due today. Each camp's interval is ``interval_days / boost``
    (none if not positive); ``due`` (the next eviction day of each camp, NaN if none is planned)
    starts at the first day with an interval and moves on by one interval after each eviction
    (to a day after today if it lags behind). Returns (evicted camps mask, number evicted)."""
    n = interval_days.shape[0]
    evict = np.empty(n, np.bool_)
    for z in range(evict.shape[0]):  # np.zeros, written out (see numpy_order)
        evict[z] = 0
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


# the clearances' metrics the day kernel adds to (indices into the recorder's row)
R_EVICTIONS, R_PEOPLE_EVICTED, R_FUNDS_LOST, R_SPENDING = range(4)


@njit(cache=True)
def clearance_day_kernel(
    interval_days, boost, due, day, active, state, site, household, nationality, funds, next_day, key, loss, delay,
    move_share, camp_util, camps, travel_days, off_camp, off_share, off_reserve, eviction_cost, occupancy,
    occupancy_cost, scale, orders, row, cols,
):
    """The routine evictions due today (:func:`schedule_kernel`, :func:`eviction_kernel`) and their
    records, added to the recorder's ``row`` at ``cols``; and, when no major clearance is ordered
    today (``orders`` false), the day's cost of the people in shelters (which otherwise comes after
    the clearances, in Python). Returns the number of evictions."""
    evict, n_ops = schedule_kernel(interval_days, boost, due, day)
    if n_ops:
        n, lost = eviction_kernel(
            active, state, site, household, nationality, funds, next_day, evict, day, key, loss, delay,
            move_share, camp_util, camps, travel_days, off_camp, off_share, off_reserve,
        )
        row[cols[R_EVICTIONS]] += n_ops
        row[cols[R_PEOPLE_EVICTED]] += n
        row[cols[R_FUNDS_LOST]] += lost
        row[cols[R_SPENDING]] += n_ops * eviction_cost
    if not orders:
        row[cols[R_SPENDING]] += np_sum(occupancy) * scale * occupancy_cost
    return n_ops


@njit(cache=True)
def board_kernel(order, has_minor, u_accept, sizes, acceptance, minor_boost, free, shelters, places_left):
    """Households boarding buses in ``order`` (minors first, then random): a household boards if it
    accepts, the remaining places hold it and the shelter with the most free places (the first of
    equals) has room for it. Returns each household's shelter (-1: not bused)."""
    board = np.empty(order.shape[0], np.int64)
    for z in range(board.shape[0]):  # np.full, written out (see numpy_order)
        board[z] = -1
    for h in order:
        if places_left <= 0:
            break
        acc = acceptance + (minor_boost * (1 - acceptance) if has_minor[h] else 0.0)
        if u_accept[h] >= acc or sizes[h] > places_left or free.shape[0] == 0:
            continue
        k = 0  # the first of the largest (np.argmax, written out: Numba's compiles a NaN-aware copy)
        for s in range(1, free.shape[0]):
            if free[s] > free[k]:
                k = s
        if free[k] < sizes[h]:
            continue
        board[h] = shelters[k]
        free[k] -= sizes[h]
        places_left -= sizes[h]
    return board


@njit(cache=True)
def resettle_kernel(bused, movers, day, key, household, nationality, state, site, next_day, stay_mean, util, camps,
                    travel_days, s):
    """The bused people's shelter stays (geometric, mean ``stay_mean``), then the dispersed people's
    moves to another camp (chosen as on arrival, not camp ``s``). Returns the number who moved."""
    for i in bused:
        next_day[i] = day + geometric_days(key, np.int64(household[i]), 3, stay_mean)
    moved = 0
    for i in movers:
        dest = choose_camp(util[nationality[i]], camps, key, np.int64(household[i]), 10, s)
        if dest == s:
            continue
        t = travel_days[s, dest]
        state[i] = TRAVELLING
        site[i] = dest
        next_day[i] = day + max(1, t)
        moved += 1
    return moved


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

    _cols = np.array([INDEX[k] for k in ("evictions", "people_evicted", "funds_lost_eur", "spending_camps_eur")],
                     np.int64)

    def step(self, day: int) -> None:
        """The routine evictions and their records in one kernel (:func:`clearance_day_kernel`), then
        any major clearance: what :meth:`step_by_stage` does."""
        sim = self.sim
        tl = sim.timeline
        sc = sim.scenario
        cl = sc.clearances
        # money for camp operations (the camps channel) makes routine evictions more frequent
        boost = 1.0 + cl.camps_spending_effect * tl.effectiveness[CAMPS, day]
        p = sim.people
        orders = sim.today.get("clearance_orders", ())
        clearance_day_kernel(
            tl.eviction_interval_days[:, day], float(boost), self.due, day, p.active, p.state, p.site, p.household,
            p.nationality, p.funds, p.next_day, sim.streams.key("evictions", day), float(cl.eviction_funds_loss_eur),
            int(round(cl.eviction_delay_days)), float(cl.eviction_move_share), sim.camp_utility, sim.camp_sites,
            sim.world.travel_days, p.off_camp, float(cl.eviction_off_camp_share),
            float(OFF_CAMP_RESERVE_DAYS * sc.camps.off_camp_cost_eur_per_day), float(cl.eviction_cost_eur),
            sim.shelter_occupancy, float(sc.scale), float(sc.shelters.cost_per_place_day_eur), len(orders) > 0,
            sim.rec.values[sim.rec.day], self._cols,
        )
        if orders:
            for order in orders:
                self.major_clearance(day, **order)
            occupied = float(sim.shelter_occupancy.sum()) * sc.scale
            sim.rec.add("spending_camps_eur", occupied * sc.shelters.cost_per_place_day_eur)

    def step_by_stage(self, day: int) -> None:
        """The day kernel by kernel (the reference :meth:`step` is tested against)."""
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
        board = board_kernel(order, has_minor, u_accept, sizes, float(acceptance), float(cl.minor_acceptance_boost),
                             free, shelters, places_left)
        member_board = board[inverse]
        bused = residents[member_board >= 0]
        if bused.size:
            p.state[bused] = IN_SHELTER
            p.site[bused] = member_board[member_board >= 0]
        rest_mask = (member_board < 0) & (u_disperse[inverse] < disperse)
        movers = residents[rest_mask]
        if bused.size or movers.size:
            resettle_kernel(bused, movers, day, key, p.household, p.nationality, p.state, p.site, p.next_day,
                            float(sc.shelters.stay_days_mean), sim.camp_utility, sim.camp_sites, sim.world.travel_days,
                            s)
        if bused.size:
            sim.shelter_occupancy = _recount_shelters(sim)
        sim.rec.add("people_bused", bused.size)
        sim.rec.add("people_dispersed", int((p.state[movers] == TRAVELLING).sum()) if movers.size else 0)


def _recount_shelters(sim):
    p = sim.people
    act = p.active
    in_sh = act[p.state[act] == IN_SHELTER]
    return np.bincount(p.site[in_sh], minlength=sim.world.n_sites).astype(np.float64)
