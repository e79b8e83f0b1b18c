"""Stage 4: camp dynamics.

Counts residents by camp and nationality (the network signal used for camp
choice), adds residents' daily income (``people.income_eur_per_day``: transfers from
family, informal work) to their funds, then draws incidents: at each camp, Poisson with mean

    rate x (pop / 1000) x density**exponent x (1 + mix_effect x diversity)

where density = pop / soft capacity (floored at 1 so incidents happen in any
camp), and diversity = 1 - sum of squared nationality shares. Each incident
may trigger a major clearance of that camp (``camps.clearance_hazard_per_incident``); money for
camp operations (the camps channel's effectiveness E_camps) multiplies that chance and the buses
sent by ``1 + clearances.camps_spending_effect x E_camps``.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.loop import Process
from crossings.engine.rng import poisson, uniform
from crossings.engine.state import IN_CAMP, IN_SHELTER
from crossings.engine.timeline import CHANNELS
from crossings.processes.draws import camp_utilities, camp_utility_kernel
from crossings.processes.numpy_order import np_max, np_sum

CAMPS = CHANNELS.index("camps")


@njit(cache=True)
def count_kernel(active, state, site, nationality, n_sites, n_nat, funds, income, off_camp, off_camp_cost):
    """People waiting at each corridor site by nationality (in the camp or off-camp: the network
    signal), camp residents per site, and people by shelter. Everyone waiting receives ``income``;
    people off-camp pay ``off_camp_cost`` a day and move into the camp when they no longer can.
    (Counted in integers, which are exact, and returned as float64.)"""
    counts = np.empty((n_sites, n_nat), np.int64)  # np.zeros, written out (see numpy_order)
    for r0 in range(n_sites):
        for r1 in range(n_nat):
            counts[r0, r1] = 0
    on_camp = np.empty(n_sites, np.int64)
    shelter = np.empty(n_sites, np.int64)
    for z in range(on_camp.shape[0]):  # np.zeros, written out (see numpy_order)
        on_camp[z] = shelter[z] = 0
    paid = income != 0  # funds are never -0.0, so adding a zero income changes nothing
    for j in range(active.shape[0]):
        i = np.uint32(active[j])  # unsigned: no negative-index wraparound on the seven reads below
        s = state[i]
        if s == IN_CAMP:
            si = site[i]
            counts[si, nationality[i]] += 1
            if paid:
                funds[i] += income
            if off_camp[i]:
                if funds[i] >= off_camp_cost:
                    funds[i] -= off_camp_cost
                else:
                    off_camp[i] = False
            if not off_camp[i]:
                on_camp[si] += 1
        elif s == IN_SHELTER:
            shelter[site[i]] += 1
    return counts.astype(np.float64), on_camp.astype(np.float64), shelter.astype(np.float64)


@njit(cache=True, inline="always")
def pressure_kernel(on_camp, counts, camps, capacity, scale, rate):
    """For each camp: residents (people), density (residents over soft capacity, at least 1),
    ``rate x residents / 1000`` and nationality diversity ``1 - sum of squared shares`` of the people
    waiting there, in NumPy's order of operations (the squares summed as ``ndarray.sum``)."""
    n_c = camps.shape[0]
    n_nat = counts.shape[1]
    pop = np.empty(n_c, np.float64)
    density = np.empty(n_c, np.float64)
    base = np.empty(n_c, np.float64)
    diversity = np.empty(n_c, np.float64)
    sq = np.empty(n_nat, np.float64)
    for j in range(n_c):
        c = camps[j]
        pop[j] = on_camp[c] * scale
        cap = capacity[c]
        density[j] = pop[j] / (cap if cap >= 1.0 or cap != cap else 1.0)
        base[j] = rate * pop[j] / 1000.0
        total = 0.0
        for k in range(n_nat):
            total += counts[c, k]  # whole people: exact in any order
        den = total if total >= 1.0 else 1.0
        for k in range(n_nat):
            share = counts[c, k] / den
            sq[k] = share * share
        diversity[j] = 1.0 - np_sum(sq)
    return pop, density, base, diversity


@njit(cache=True, inline="always")
def incident_counts(key, camps, mean):
    """Incidents at each camp today: Poisson with the camp's mean, on the camp's slot (draw 0)."""
    out = np.empty(camps.shape[0], np.int64)
    for j in range(camps.shape[0]):
        out[j] = poisson(key, camps[j], 0, mean[j])
    return out


@njit(cache=True)
def camps_count_kernel(active, state, site, nationality, n_sites, n_nat, funds, income, off_camp, off_camp_cost,
                       camps, capacity, scale, rate, log_arg, press):
    """:func:`count_kernel` and :func:`pressure_kernel` in one call. Returns the counts, shelter
    occupancy and camp density; writes the arguments of the day's NumPy calls: ``log_arg[j, k]``
    people of nationality ``k`` at camp ``j`` (for ``log1p``), ``press[0]`` the densities floored at 1
    (``np.maximum(density, 1.0)``, for ``**``), ``press[1]`` rate x residents / 1000, ``press[2]`` the
    diversity."""
    counts, on_camp, shelter = count_kernel(active, state, site, nationality, n_sites, n_nat, funds, income,
                                            off_camp, off_camp_cost)
    _, density, base, diversity = pressure_kernel(on_camp, counts, camps, capacity, scale, rate)
    for j in range(camps.shape[0]):
        c = camps[j]
        for k in range(n_nat):
            log_arg[j, k] = counts[c, k] * scale
        press[0, j] = np_max(density[j], 1.0)
        press[1, j] = base[j]
        press[2, j] = diversity[j]
    return counts, shelter, density


@njit(cache=True)
def camps_incident_kernel(counts, log_people, capacity, attractiveness, network, camps, scale, beta_network,
                          beta_crowding, draw, key, press, density_term, mix_effect, incidents):
    """The camps' utilities (:func:`~crossings.processes.draws.camp_utility_kernel`, ``log_people``
    from NumPy's ``log1p``) and, with ``draw``, each camp's incidents today into ``incidents``
    (Poisson with mean ``base x density_term x (1 + mix_effect x diversity)``, ``density_term``
    from NumPy's ``**``). Returns the utilities and the number of camps with incidents."""
    n_c = camps.shape[0]
    sub = np.empty((n_c, counts.shape[1]))
    for j in range(n_c):
        for k in range(counts.shape[1]):
            sub[j, k] = counts[camps[j], k]
    u = camp_utility_kernel(sub, log_people, capacity, attractiveness, network, camps, scale, beta_network,
                            beta_crowding)
    n_inc = 0
    if draw:
        mean = np.empty(n_c, np.float64)
        for j in range(n_c):
            mean[j] = press[1, j] * density_term[j] * (1.0 + mix_effect * press[2, j])
        out = incident_counts(key, camps, mean)
        for j in range(n_c):
            incidents[j] = out[j]
            if out[j]:
                n_inc += 1
    return u, n_inc


class Camps(Process):
    """Camps: residents by camp and nationality, density against soft capacity, incidents
    (Poisson, rising with density and nationality mix) that may trigger a clearance."""

    name = "camps"
    reads = ("people.state", "people.site", "people.nationality")
    writes = ("camp_counts", "shelter_occupancy", "camp_density", "camp_utility", "people.funds", "today.clearance_orders")

    _log_arg = None  # arguments of the day's NumPy log1p and ** (built on the first day)

    def step(self, day: int) -> None:
        """The day in two kernels (:func:`camps_count_kernel`, :func:`camps_incident_kernel`), NumPy's
        ``log1p`` and ``**`` between: the same arithmetic as :meth:`step_by_stage`."""
        sim = self.sim
        p = sim.people
        w = sim.world
        cp = sim.scenario.camps
        camps = sim.camp_sites
        n_nat = len(w.nat_names)
        if self._log_arg is None or self._log_arg.shape != (camps.size, n_nat):
            self._log_arg = np.zeros((camps.size, n_nat))
            self._press = np.zeros((3, camps.size))
            self._incidents = np.zeros(camps.size, np.int64)
        log_arg, press = self._log_arg, self._press
        scale = float(sim.scenario.scale)
        rate = float(cp.incident_rate_per_1000_per_day)
        sim.camp_counts, sim.shelter_occupancy, sim.camp_density = camps_count_kernel(
            p.active, p.state, p.site, p.nationality, w.n_sites, n_nat, p.funds,
            np.float32(sim.scenario.people.income_eur_per_day), p.off_camp, np.float32(cp.off_camp_cost_eur_per_day),
            camps, w.site_capacity, scale, rate, log_arg, press,
        )
        np.log1p(log_arg, out=log_arg)
        draw = rate > 0
        if draw:
            density_term = press[0] ** cp.incident_density_exponent
            key = sim.streams.key("camps", day)
        else:
            density_term, key = press[0], np.uint64(0)
        sim.camp_utility, n_inc = camps_incident_kernel(
            sim.camp_counts, log_arg, w.site_capacity, w.site_attractiveness, w.nat_camp_network, camps, scale,
            float(cp.beta_network), float(cp.beta_crowding), draw, key, press, density_term,
            cp.incident_mix_effect, self._incidents,
        )
        if n_inc:
            self._clearance_orders(day, key, self._incidents)

    def step_by_stage(self, day: int) -> None:
        """The day kernel by kernel (the reference :meth:`step` is tested against)."""
        sim = self.sim
        p = sim.people
        w = sim.world
        cp = sim.scenario.camps
        counts, on_camp, shelter = count_kernel(
            p.active, p.state, p.site, p.nationality, w.n_sites, len(w.nat_names), p.funds,
            np.float32(sim.scenario.people.income_eur_per_day), p.off_camp, np.float32(cp.off_camp_cost_eur_per_day),
        )
        sim.camp_counts = counts
        sim.shelter_occupancy = shelter
        camps = sim.camp_sites
        # camp residents (density, tension, incidents), density, rate x residents / 1000, diversity
        pop, density, base, diversity = pressure_kernel(
            on_camp, counts, camps, w.site_capacity, float(sim.scenario.scale), float(cp.incident_rate_per_1000_per_day),
        )
        sim.camp_density = density
        sim.camp_utility = camp_utilities(sim)  # used by today's clearances and tomorrow's inflow and movement
        if cp.incident_rate_per_1000_per_day <= 0:
            return
        mean = base * np.maximum(density, 1.0) ** cp.incident_density_exponent * (1.0 + cp.incident_mix_effect * diversity)
        key = sim.streams.key("camps", day)
        self._clearance_orders(day, key, incident_counts(key, camps, mean))

    def _clearance_orders(self, day: int, key, incidents: np.ndarray) -> None:
        """Record today's incidents at each camp; each may trigger a major clearance."""
        sim = self.sim
        cp = sim.scenario.camps
        camps = sim.camp_sites
        cl = sim.scenario.clearances
        # money for camp operations: more capacity for a clearance, and more readiness to order one
        boost = 1.0 + cl.camps_spending_effect * sim.timeline.effectiveness[CAMPS, day]
        for j in np.flatnonzero(incidents).tolist():
            c = camps[j]
            n = int(incidents[j])
            sim.rec.add("incidents", n)
            sim.rec.add("people_in_incidents", n * cp.people_per_incident)
            hazard = min(1.0 - (1.0 - cp.clearance_hazard_per_incident) ** n, 1.0) * boost
            if uniform(key, int(c), 1) < hazard:
                buses = int(round(cl.triggered_buses * boost))
                sim.today["clearance_orders"].append(
                    dict(
                        site=sim.world.site_names[c],
                        places=int(buses * cl.triggered_seats_per_bus),
                        buses=buses,
                        acceptance=cl.triggered_acceptance,
                        disperse_share=None,
                    )
                )
