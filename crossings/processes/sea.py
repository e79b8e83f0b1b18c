"""Small-boat crossings (part of stage 8): boat loading, the weather gate, stock seizures, beach
interception with congestion, interception at sea, distress, rescue and deaths.

Today's buyers of boat places pay their gang. If today is not viable for small boats, every
customer waits in their camp with their contract. Otherwise each gang calls all its customers
who are in a camp (its waiting list, including today's buyers) and loads them onto boats at its chosen load (people per boat that minimises cost per seat, see
:func:`optimal_load`); when it has fewer boats in stock than that load needs, it packs more
people per boat, up to ``sea.max_load``, and the rest wait. Each prepared boat may be seized
before launch (people stay on the waiting list; the boat is lost), stopped on the beach (people go back to their
camp and may try again; the boat is lost), stopped at sea where a policy allows, or get into
distress (people are rescued, to either side, or die); otherwise it arrives. All draws for a
boat come from the "sea" stream with the gang's slot; person draws use the household head.
Every equation is in ``docs/ODD.md`` §7.6.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from crossings.engine.rng import uniform
from crossings.engine.state import CROSSED, DEAD, IN_CAMP, TRAVELLING
from crossings.processes.decisions import BOAT
from crossings.processes.draws import uniform_slots

# person outcomes
WAIT, STOPPED_BEACH, STOPPED_SEA, RESCUED_BACK, DIED, ARRIVED = range(6)
K_WEATHER = 0  # market slot: marginal sea state today
K_BOAT = 1000  # + 4 x boat number within the gang + draw
K_DEATH, K_RESCUE_SIDE = 30, 31


# -- pure functions (unit-tested; scalar, compiled so the market's kernels can call them) ----------
@njit(cache=True)
def optimal_load(boat_fixed_eur, overload_cost_eur, rated, exponent, max_load):
    """People per boat minimising the cost per seat ``F / L + phi (L / R) ** gamma``:
    ``L* = (F R**gamma / (gamma phi)) ** (1 / (1 + gamma))``, clipped to [1, max_load]."""
    f = max(boat_fixed_eur, 0.0)
    load = (f * rated**exponent / (exponent * overload_cost_eur)) ** (1.0 / (1.0 + exponent))
    return min(max(load, 1.0), max_load)


@njit(cache=True)
def seat_cost(load, boat_fixed_eur, overload_cost_eur, rated, exponent):
    """Cost per seat of a boat carrying ``load`` people (EUR)."""
    load = max(load, 1.0)
    return boat_fixed_eur / load + overload_cost_eur * (load / rated) ** exponent


@njit(cache=True)
def stock_seizure(max_share, e_beach, e_intel, evasion):
    """Chance a prepared boat is seized before launch: max x (1 - (1 - E_beach)(1 - E_intel)) x (1 - evasion)."""
    return max_share * (1.0 - (1.0 - e_beach) * (1.0 - e_intel)) * (1.0 - evasion)


@njit(cache=True)
def beach_interception(max_share, e_beach, evasion, launching, congestion_boats):
    """Chance a launching boat is stopped on the beach; halved when ``congestion_boats`` other boats
    launch from the same site at the same time (Wein et al. 2009)."""
    others = max(launching - 1.0, 0.0)
    return max_share * e_beach * (1.0 - evasion) / (1.0 + others / congestion_boats)


@njit(cache=True)
def distress_probability(load, rated, base, overload_effect, bad_weather, bad_multiplier):
    """Chance a boat gets into distress: base x (1 + k (load / rated - 1)+) x weather multiplier."""
    over = max(load / rated - 1.0, 0.0)
    p = base * (1.0 + overload_effect * over) * (bad_multiplier if bad_weather else 1.0)
    return min(p, 1.0)


@njit(cache=True)
def boat_fate_probabilities(b_gang, b_site, b_people, trying, n_sites, evasion, beach_max, e_beach, congestion,
                            rated, distress_base, overload_effect, bad, bad_multiplier):
    """Per prepared boat: beach-interception chance (congestion among boats trying at the same site)
    and distress chance (by load and weather)."""
    n = b_gang.shape[0]
    launching = np.zeros(n_sites)
    for b in range(n):
        if trying[b]:
            launching[b_site[b]] += 1.0
    p_beach = np.zeros(n)
    p_dis = np.zeros(n)
    for b in range(n):
        p_beach[b] = beach_interception(beach_max, e_beach, evasion[b_gang[b]], launching[b_site[b]], congestion)
        p_dis[b] = distress_probability(b_people[b], rated, distress_base, overload_effect, bad, bad_multiplier)
    return p_beach, p_dis, launching


@njit(cache=True)
def boat_uniforms(key, gang, number, j):
    out = np.empty(gang.shape[0])
    for b in range(gang.shape[0]):
        out[b] = uniform(key, gang[b], K_BOAT + 4 * number[b] + j)
    return out


@njit(cache=True)
def boat_queue(active, state, gang, paid_left, contract_mode, code):
    """People in a camp holding a boat contract (the gangs' waiting lists)."""
    out = np.empty(active.shape[0], np.int32)
    m = 0
    for j in range(active.shape[0]):
        i = active[j]
        if state[i] == IN_CAMP and gang[i] >= 0 and paid_left[i] > 0 and contract_mode[i] == code:
            out[m] = i
            m += 1
    return out[:m].copy()


class BoatCrossings:
    """The crossings-stage handler for boat customers (bound to the market)."""

    def __init__(self, market):
        self.market = market
        self.sim = market.sim

    def handle(self, day: int, idx: np.ndarray) -> None:
        mk = self.market
        sim = self.sim
        if idx.size:
            mk.sell(day, idx, BOAT)
        if not sim.timeline.weather_viable[day]:
            return  # customers wait for a viable day, keeping their contract
        p = sim.people
        # the gangs call every customer in a camp holding a boat contract, not only today's buyers
        queue = boat_queue(p.active, p.state, p.gang, p.paid_attempts_left, mk.contract_mode, BOAT)
        if queue.size:
            self.launch(day, queue)

    def plan(self, holders: np.ndarray):
        """Sort customers by gang and household; boats and agents per boat for each gang."""
        mk = self.market
        g = mk.g
        sc = self.sim.scenario
        p = self.sim.people
        gg = p.gang[holders].astype(np.int64)
        order = np.lexsort((p.household[holders], gg))
        h = holders[order]
        gg = gg[order]
        counts = np.bincount(gg, minlength=g.n)
        start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        scale = sc.scale
        cap_agents = max(1, int(np.floor(sc.sea.max_load / scale)))
        n_boats = np.zeros(g.n, np.int64)
        per_boat = np.ones(g.n, np.int64)
        for j in np.flatnonzero(counts):
            people = counts[j] * scale
            # a boat leaves once at least half full; fewer customers wait for the next viable day
            need = int(np.floor(people / max(g.load[j], 1.0) + 0.5))
            if need == 0 and g.waiting_days[j] >= sc.sea.max_wait_days:
                need = 1  # customers have waited long enough: launch a partly filled boat
            avail = int(np.floor(g.boats[j] + 1e-9))
            nb = min(need, avail)
            if nb <= 0:
                g.waiting_days[j] += 1
                continue
            g.waiting_days[j] = 0
            n_boats[j] = nb
            per_boat[j] = min(int(np.ceil(counts[j] / nb)), cap_agents)
        pos = np.arange(h.size) - start[gg]
        number = pos // per_boat[gg]
        on = number < n_boats[gg]
        return h, gg, number, on, n_boats

    def launch(self, day: int, holders: np.ndarray) -> None:
        mk = self.market
        g = mk.g
        sim = self.sim
        sc = sim.scenario
        s = sc.sea
        m = sc.market
        p = sim.people
        tl = sim.timeline
        rec = sim.rec
        scale = sc.scale
        e = tl.effectiveness[:, day]
        from crossings.processes.market import E_BEACH, E_SEA

        h, gg, number, on, n_boats = self.plan(holders)
        outcome = np.zeros(h.size, np.int8)  # WAIT unless resolved below
        key = sim.streams.key("sea", day)
        # boats: one row per prepared boat
        b_gang = np.repeat(np.arange(g.n), n_boats)
        b_num = np.concatenate([np.arange(k) for k in n_boats]) if n_boats.sum() else np.zeros(0, np.int64)
        n_b = b_gang.size
        if n_b == 0:
            return
        offset = np.concatenate([[0], np.cumsum(n_boats)[:-1]])
        person_boat = np.where(on, offset[gg] + number, -1)
        b_people = np.bincount(person_boat[on], minlength=n_b).astype(float) * scale
        b_site = g.home_coast[b_gang]
        u_seize = boat_uniforms(key, b_gang, b_num, 0)
        u_beach = boat_uniforms(key, b_gang, b_num, 1)
        u_sea = boat_uniforms(key, b_gang, b_num, 2)
        u_distress = boat_uniforms(key, b_gang, b_num, 3)
        seized = u_seize < g.stock_seizure[b_gang]
        trying = ~seized
        bad = uniform(key, g.n, K_WEATHER) < s.marginal_weather_share
        p_beach, p_dis, launching = boat_fate_probabilities(
            b_gang, b_site, b_people, trying, sim.world.n_sites, g.evasion, s.beach_interception_max, e[E_BEACH],
            s.congestion_boats, s.rated_capacity, s.distress_probability, s.distress_overload_effect, bad,
            s.bad_weather_distress_multiplier,
        )
        stopped = trying & (u_beach < p_beach)
        launched = trying & ~stopped
        sea_stop = launched & (u_sea < tl.sea_interception[day] * e[E_SEA])
        distress = launched & ~sea_stop & (u_distress < p_dis)
        arrived = launched & ~sea_stop & ~distress
        # person outcomes
        pb = np.where(on, person_boat, 0)
        outcome[on & stopped[pb]] = STOPPED_BEACH
        outcome[on & sea_stop[pb]] = STOPPED_SEA
        outcome[on & arrived[pb]] = ARRIVED
        in_distress = on & distress[pb]
        if in_distress.any():
            d_idx = np.flatnonzero(in_distress)
            people_in_distress = d_idx.size * scale
            rescue = s.rescue_share * min(1.0, s.rescue_capacity_people_per_day / people_in_distress)
            hh = p.household[h[d_idx]].astype(np.int64)
            die = uniform_slots(key, hh, K_DEATH) >= rescue
            to_dest = uniform_slots(key, hh, K_RESCUE_SIDE) < s.rescued_to_destination_share
            outcome[d_idx] = np.where(die, DIED, np.where(to_dest, ARRIVED, RESCUED_BACK))
        # apply to people
        attempted = h[outcome != WAIT]
        camps = p.site[attempted]
        crossed = h[outcome == ARRIVED]
        dead = h[outcome == DIED]
        back_beach = h[outcome == STOPPED_BEACH]
        back_sea = h[(outcome == STOPPED_SEA) | (outcome == RESCUED_BACK)]
        for grp, days in ((back_beach, s.beach_return_days), (back_sea, s.sea_return_days)):
            if grp.size:
                p.state[grp] = TRAVELLING
                p.next_day[grp] = day + max(1, int(round(days)))
                p.attempts[grp] += 1
        if dead.size:
            p.state[dead] = DEAD
        if crossed.size:
            p.state[crossed] = CROSSED
            p.crossed_day[crossed] = day
            rec.add("days_to_cross_sum", float((day - p.arrival_day[crossed]).sum()))
            ok_camps = camps[outcome[outcome != WAIT] == ARRIVED]
            np.add.at(sim.today["successes_by_site"][BOAT], ok_camps, 1.0)
            p.site[crossed] = sim.world.destination
        np.add.at(sim.today["attempts_by_site"][BOAT], camps, 1.0)
        stopped_people = np.concatenate([back_beach, back_sea])
        mk.settle(crossed, stopped_people, dead)
        sim.today["irregular_crossers"].append(crossed)
        # gangs: stock, costs, volume
        lost = seized | trying  # every prepared boat is used up or seized
        g.boats -= np.bincount(b_gang[lost], minlength=g.n)
        g.boats = np.maximum(g.boats, 0.0)
        att_gang = np.bincount(gg[outcome != WAIT], minlength=g.n) * scale
        g.attempts_today += att_gang
        g.costs_today += att_gang * m.logistics_boat_eur + np.bincount(b_gang[trying], minlength=g.n) * s.crew_cost_eur
        # market memories (weighted like people's beliefs)
        alpha = 1.0 - np.exp(-1.0 / m.volume_memory_days)
        w_b = 1.0 - (1.0 - alpha) ** min(n_b, 50)
        mk.seized_share += w_b * ((seized.sum() + stopped.sum()) / n_b - mk.seized_share)
        if trying.any():
            sites = launching[launching > 0]
            mk.launch_crowding += alpha * (float(sites.mean()) - mk.launch_crowding)
        mk.observe_boat_deaths(dead.size * scale, attempted.size * scale)
        n_att = attempted.size
        # results
        rec.add("attempts_boat", n_att)
        rec.add("crossings_boat", crossed.size)
        rec.add("intercepted_beach", back_beach.size)
        rec.add("intercepted_sea", int((outcome == STOPPED_SEA).sum()))
        rec.add("rescued_sea", int((outcome == RESCUED_BACK).sum()))
        rec.add("deaths_boat", dead.size)
        rec.add("boats_seized", int(seized.sum() + stopped.sum()))
        rec.add("boats_launched", int(launched.sum()))
        rec.add("boats_arrived", int(arrived.sum()))
        rec.add("people_on_arrived_boats", int((on & arrived[pb]).sum()))
