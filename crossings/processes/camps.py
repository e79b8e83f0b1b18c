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
from crossings.processes.draws import camp_utilities
from crossings.processes.numpy_order import np_sum

CAMPS = CHANNELS.index("camps")


@njit(cache=True)
def count_kernel(active, state, site, nationality, n_sites, n_nat, funds, income, off_camp, off_camp_cost):
    """People waiting at each corridor site by nationality (in the camp or off-camp: the network
    signal), camp residents per site, and people by shelter. Everyone waiting receives ``income``;
    people off-camp pay ``off_camp_cost`` a day and move into the camp when they no longer can.
    (Counted in integers, which are exact, and returned as float64.)"""
    counts = np.zeros((n_sites, n_nat), np.int64)
    on_camp = np.zeros(n_sites, np.int64)
    shelter = np.zeros(n_sites, np.int64)
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


@njit(cache=True)
def pressure_kernel(on_camp, counts, camps, capacity, scale, rate):
    """For each camp: residents (people), density (residents over soft capacity, at least 1),
    ``rate x residents / 1000`` and nationality diversity ``1 - sum of squared shares`` of the people
    waiting there, in NumPy's order of operations (the squares summed as ``ndarray.sum``)."""
    n_c = camps.shape[0]
    n_nat = counts.shape[1]
    pop = np.empty(n_c)
    density = np.empty(n_c)
    base = np.empty(n_c)
    diversity = np.empty(n_c)
    sq = np.empty(n_nat)
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


@njit(cache=True)
def incident_counts(key, camps, mean):
    """Incidents at each camp today: Poisson with the camp's mean, on the camp's slot (draw 0)."""
    out = np.empty(camps.shape[0], np.int64)
    for j in range(camps.shape[0]):
        out[j] = poisson(key, camps[j], 0, mean[j])
    return out


class Camps(Process):
    """Camps: residents by camp and nationality, density against soft capacity, incidents
    (Poisson, rising with density and nationality mix) that may trigger a clearance."""

    name = "camps"
    reads = ("people.state", "people.site", "people.nationality")
    writes = ("camp_counts", "shelter_occupancy", "camp_density", "camp_utility", "people.funds", "today.clearance_orders")

    def step(self, day: int) -> None:
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
        cl = sim.scenario.clearances
        # money for camp operations: more capacity for a clearance, and more readiness to order one
        boost = 1.0 + cl.camps_spending_effect * sim.timeline.effectiveness[CAMPS, day]
        incidents = incident_counts(key, camps, mean)
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
