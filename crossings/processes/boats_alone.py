"""A boat of one's own (an option of the decisions stage, resolved in the crossings stage).

Before gangs sold places on small boats, a few people crossed the sea on their own: inflatable
dinghies and kayaks bought in shops, fishing boats taken from a harbour (THELOCAL-2016: about a
dozen rescues of people drifting in dinghies in the first half of 2016, none in 2015; NYT-2019:
about 500 people tried in 2018, boats taken from Boulogne; THENATIONAL-2021: kayaks used by people
who could not pay a gang). Their crossings were the corridor's first observations of the sea:
whether boats get across and how many people die on them. Without them, the people waiting in the
camps could learn about boats only from gangs' boats, and gangs open boat lines only when people
want them (``market.boat_lines_from_start = false``): the world would wait for ever.

The option exists where ``sea.alone_asc`` is set and the world has a coast. Utility, on a day fit
for small boats (``timeline.weather_viable``)::

    V = alone_asc + beta_success x b - beta_risk x risk / risk_tolerance + beta_uk_ties x ties
        - beta_cost_per_1000_eur x alone_cost_eur / 1000

with ``b = belief[boat, camp] x exp(-own_failure_discount x own attempts)``, the camp's remembered
success of boat crossings (any boat's: the gangs' and these), and ``risk`` the perceived death risk
of a boat attempt (the market's, learnt from every boat; the prior without a market). People without
``alone_cost_eur`` in funds, and people holding a paid place, cannot choose it; nor can people
whose coast a gang holds (a gang with a boat line there) unless ``sea.alone_on_gang_coasts``:
gangs control the beaches they launch from (TELEGRAPH-2025, INEWS-2024).

The people who choose it the same day launch from the coast nearest their camp (fewest travel
days, then nearest by latitude and longitude), in boats of at most ``sea.alone_load`` people,
households kept together. Each boat meets the sea as a gang's boat does (:func:`sea.boat_fates`,
:func:`sea.person_outcomes`): beach interception (no gang's evasion), interception at sea where a
policy allows, the capsizes of an untried corridor, distress at ``sea.alone_distress_multiplier``
times the base chance (a boat rated for its load), rescue, deaths as events. Draws come from the
"boats_alone" stream, with the coast's rank among the world's coasts as the boat's slot; the
marginal weather is the day's draw for the gangs' boats. What happens is counted with the boat route
(``crossings_boat``, ``boats_launched``, ``deaths_sea``, ...) and on its own
(``crossings_boat_alone``, ``attempts_boat_alone``, ``boats_alone_launched``); the boats add to the
corridor's experience (``sea.capsize_experience_boats``). Every equation is in ``docs/ODD.md`` §7.6.
"""

from __future__ import annotations

import numpy as np

from crossings.engine.jit import njit
from crossings.engine.timeline import COAST
from crossings.processes.decisions import BOAT, BOAT_ALONE, Option
from crossings.processes.sea import (
    BEACH, E_BEACH, E_SEA, SEIZED, WAIT, actors_today, boat_fates, capsize_probability, crush_scale, marginal_weather,
    record_boat_day, resolve_people_at_sea,
)

_EMPTY = np.zeros(0)


def enabled(sim) -> bool:
    """Whether the scenario has the option (``sea.alone_asc`` set) and a coast to launch from."""
    return bool(getattr(sim, "has_coasts", False)) and sim.scenario.sea.alone_asc is not None


def launch_coasts(world) -> tuple[np.ndarray, np.ndarray]:
    """The world's coasts (site indices) and, per site, the rank among them of the coast people
    launch from (fewest travel days, then nearest by latitude and longitude; -1 if none)."""
    coasts = np.flatnonzero(world.site_kind == COAST).astype(np.int64)
    nearest = np.full(world.n_sites, -1, np.int64)
    if coasts.size == 0:
        return coasts, nearest
    for s in range(world.n_sites):
        days = world.travel_days[s, coasts].astype(np.float64)
        dist = np.hypot(world.site_lat[coasts] - world.site_lat[s],
                        (world.site_lon[coasts] - world.site_lon[s]) * np.cos(np.radians(world.site_lat[s])))
        nearest[s] = int(np.lexsort((dist, days))[0])
    return coasts, nearest


def perceived_risk(sim) -> float:
    """The death risk of a boat attempt as people perceive it: the market's belief (learnt from every
    boat seen), or without a market the prior of ``sea.*``."""
    mk = sim.loop["market"] if sim.market_on else None
    if mk is not None:
        return float(mk.death_risk_boat)
    s = sim.scenario.sea
    if s.perceived_death_risk_prior is not None:
        return float(s.perceived_death_risk_prior)
    return float(s.distress_probability * (1.0 - s.rescue_share))


class BoatAlone(Option):
    """Cross in a boat of one's own (see the module's docstring)."""

    code, name = BOAT_ALONE, "boat_alone"

    def __init__(self, coasts: np.ndarray, nearest: np.ndarray):
        self.coasts = coasts
        self.nearest = nearest
        self._open = np.ones(coasts.size, np.bool_)

    def open_coasts(self, sim) -> np.ndarray:
        """Per coast rank, whether people may launch a boat of their own there today: not where a
        gang runs boats (it holds that stretch of beach), unless ``sea.alone_on_gang_coasts``."""
        if not sim.market_on or sim.scenario.sea.alone_on_gang_coasts:
            return self._open
        g = sim.loop["market"].g
        held = g.home_coast[g.active & g.boat_line]
        return ~np.isin(self.coasts, held)

    def utility(self, sim, ctx, day):
        if not sim.timeline.weather_viable[day]:
            return None
        s = sim.scenario.sea
        pp = sim.scenario.people
        open_ = self.open_coasts(sim)
        if not open_.any():
            return None
        return alone_utility_kernel(
            ctx.site, ctx.attempts, ctx.funds, ctx.uk_ties, ctx.risk_tolerance, ctx.gang, ctx.paid_left,
            sim.belief[BOAT], self.nearest, open_, float(s.alone_cost_eur), float(s.alone_asc), float(pp.beta_success),
            float(pp.beta_uk_ties), float(pp.beta_risk), perceived_risk(sim), float(pp.beta_cost_per_1000_eur),
            float(pp.own_failure_discount),
        )


@njit(cache=True)
def alone_utility_kernel(site, attempts, funds, uk_ties, risk_tol, gang, paid_left, belief_row, nearest, coast_open,
                         cost, asc, beta_success, beta_ties, beta_risk, risk, beta_cost, own_discount):
    """Systematic utility of a boat of one's own per decider (-inf: cannot afford it, holds a paid
    place, or no open coast to launch from)."""
    n = site.shape[0]
    V = np.empty(n, np.float64)
    price_term = beta_cost * cost / 1000.0
    for r in range(n):
        j = nearest[site[r]]
        if funds[r] < cost or (gang[r] >= 0 and paid_left[r] > 0) or j < 0 or not coast_open[j]:
            V[r] = -np.inf
            continue
        b = belief_row[site[r]] * np.exp(-own_discount * attempts[r])
        v = asc + beta_success * b - beta_risk * risk / risk_tol[r] - price_term
        if uk_ties[r]:
            v += beta_ties
        V[r] = v
    return V


def alone_plan(idx, household, site, nearest, n_coasts, load, scale):
    """Today's people going out on their own, by launch coast then household (then slot), and their
    boats: (people in that order, the coast rank of each, their boat number at that coast, boats
    per coast). A boat takes at most ``load`` people (``load / scale`` agents, at least one);
    households stay together, a household larger than a boat filling one of its own."""
    jj = nearest[site[idx]].astype(np.int64)
    order = np.lexsort((idx, household[idx], jj))
    h = idx[order]
    gg = jj[order]
    number, n_boats = alone_boats_kernel(household[h].astype(np.int64), gg, n_coasts, max(1, int(np.floor(load / scale))))
    return h, gg, number, n_boats


@njit(cache=True)
def alone_boats_kernel(hh, gg, n_coasts, cap):
    """Boat numbers for people sorted by coast then household (see :func:`alone_plan`)."""
    m = hh.shape[0]
    number = np.empty(m, np.int64)
    for z in range(number.shape[0]):  # np.zeros, written out (see numpy_order)
        number[z] = 0
    n_boats = np.empty(n_coasts, np.int64)
    for z in range(n_boats.shape[0]):  # np.zeros, written out (see numpy_order)
        n_boats[z] = 0
    r = 0
    aboard = 0
    while r < m:
        j = gg[r]
        e = r  # the household's rows at this coast
        while e < m and gg[e] == j and hh[e] == hh[r]:
            e += 1
        size = e - r
        if n_boats[j] == 0 or (r > 0 and gg[r - 1] != j) or (aboard > 0 and aboard + size > cap):
            n_boats[j] += 1
            aboard = 0
        for q in range(r, e):
            number[q] = n_boats[j] - 1
        aboard += size
        r = e
    return number, n_boats


class BoatsAlone:
    """The crossings-stage handler for people going out in a boat of their own."""

    def __init__(self, sim, coasts: np.ndarray, nearest: np.ndarray):
        self.sim = sim
        self.coasts = coasts
        self.nearest = nearest
        n = coasts.size
        self._zeros = np.zeros(n)  # no stock seizure, no evasion: nobody prepared these boats

    def handle(self, day: int, idx: np.ndarray) -> None:
        if idx.size == 0:
            return
        sim = self.sim
        sc = sim.scenario
        s = sc.sea
        p = sim.people
        tl = sim.timeline
        rec = sim.rec
        scale = float(sc.scale)
        e = tl.effectiveness[:, day]
        h, gg, number, n_boats = alone_plan(idx, p.household, p.site, self.nearest, self.coasts.size,
                                                  float(s.alone_load), scale)
        on = np.ones(h.size, np.bool_)
        key = sim.streams.key("boats_alone", day)
        weather_slot = sim.loop["market"].g.n if sim.market_on else 0  # the day's draw for the gangs' boats
        bad = marginal_weather(sim, day, weather_slot)
        act = actors_today(tl, day)
        b_gang, b_num, fate, crush, person_boat, _launching, n_fate, b_actor, _b_type, capsized = boat_fates(
            key, gg, number, on, n_boats, self.coasts, self._zeros, self._zeros, scale, sim.world.n_sites,
            s.beach_interception_max, e[E_BEACH], s.congestion_boats, s.beach_interception_exponent, float(s.alone_load),
            s.distress_probability * s.alone_distress_multiplier, s.distress_overload_effect, bad,
            s.bad_weather_distress_multiplier, tl.sea_interception[day] * e[E_SEA], crush_scale(s, e[E_BEACH]),
            s.max_load, s.launch_crush_load_exponent, act["interception"], _EMPTY, _EMPTY, _EMPTY,
            capsize_probability(s, sim.boats_launched_total),
        )
        _outcome, on_landed, crossed, _stopped, dead, n_out = resolve_people_at_sea(
            sim, day, key, h, person_boat, b_gang, b_num, fate, crush, b_actor, capsized, act, e)
        # everyone aboard paid their share of the boat (lost whatever its fate; they could afford it
        # when they chose this way today)
        p.funds[h] -= np.float32(s.alone_cost_eur)
        sim.today["irregular_crossers"].append(crossed)
        n_b = int(n_boats.sum())
        n_lost = int(n_fate[SEIZED] + n_fate[BEACH])
        n_att = h.size - int(n_out[WAIT])
        if sim.market_on:  # everyone sees the deaths and attempts at sea, whoever organised the boat
            sim.loop["market"].observe_boat_deaths(dead.size * scale, n_att * scale)
        record_boat_day(sim, n_att, 0, crossed, n_out, n_fate, n_b, n_lost, capsized, on_landed)
        rec.add("attempts_boat_alone", n_att)
        rec.add("crossings_boat_alone", crossed.size)
        rec.add("boats_alone_launched", n_b - n_lost)


def install(sim) -> None:
    """Add the option to the decisions stage and its handler to the crossings stage."""
    coasts, nearest = launch_coasts(sim.world)
    sim.loop["decisions"].add_option(BoatAlone(coasts, nearest))
    sim.loop["crossings"].handlers[BOAT_ALONE] = BoatsAlone(sim, coasts, nearest).handle
