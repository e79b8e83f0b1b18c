"""Flee's movement rules as Numba kernels over agent arrays (the ``flee_movement`` process).

Owns the per-person movement state of a Flee-type scenario and the two daily stages of
Flee's ``Ecosystem.evolve`` (Flee 3.1, ``flee/flee.py``): every person not on a route
decides whether to leave (move chance by location type) and, if so, picks a route with
weight ``(weight_softening + score(dest)) / (softening + km)^distance_power x
capacity factor(dest)``, raised to ``weight_power`` (``flee/moving.py``); then every
person on a route advances ``max_move_speed`` km, arrives when the distance is exceeded,
is sent back to the start if the route closed meanwhile, and may move on the same day if
the day's travel is not used up. People appear in conflict zones (``spawn``) with
probability proportional to population x conflict intensity (``flee/spawning.py``).

Per-person state (what this process reads and writes), 13 bytes a person by default:
``location`` (int32, the location, or the start of the route when travelling), ``link``
(int32, the directed route travelled, -1 when at a location), ``km_on_link`` (float32)
and ``flags`` (uint8, bit 0: has completed a route). ``recent_travel`` (float32, Flee's
recent_travel_distance) is only kept when ``avoid_short_stints`` is on.

Random numbers come from :mod:`crossings.engine.rng`: one day key per stream
(``flee_spawn``, ``flee_movement``, ``flee_walk``); a person's draws are indexed by their
slot and a counter ``k`` (movement: 0: leave?, 1: which route; 2j, 2j+1 for the j-th
onward move that day; walk: the h-th route travelled that day, drawn only on routes with a
walk_probability).
People are processed in slot order, so camp occupancy seen by later people includes
the moves of earlier ones, as in Flee's sequential loop.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.rng import uniform

SPAWN_STREAM = "flee_spawn"
MOVEMENT_STREAM = "flee_movement"
WALK_STREAM = "flee_walk"

# Per-person arrays this process writes (name -> dtype); the data flow of the process.
PERSON_STATE = {
    "location": np.int32,
    "link": np.int32,
    "km_on_link": np.float32,
    "flags": np.uint8,
}
OPTIONAL_PERSON_STATE = {"recent_travel": np.float32}
FLAG_HAS_TRAVELLED = np.uint8(1)


@njit(cache=True)
def spawn(key, first_slot, n_new, spawn_cdf, location, link, km_on_link, flags, loc_count,
          population, take_per_person):
    """Place ``n_new`` new people in slots first_slot.. by inverse CDF over locations;
    each takes ``take_per_person`` from its location's population (0: take_from_population
    off)."""
    total = spawn_cdf[-1]
    n_loc = spawn_cdf.shape[0]
    for s in range(first_slot, first_slot + n_new):
        u = uniform(key, s, 0) * total
        j = np.searchsorted(spawn_cdf, u, side="right")
        if j >= n_loc:
            j = n_loc - 1
        location[s] = j
        link[s] = -1
        km_on_link[s] = 0.0
        flags[s] = 0
        loc_count[j] += 1
        if take_per_person > 0.0 and population[j] > 0:
            population[j] = max(0.0, population[j] - take_per_person)


@njit(cache=True)
def place(first_slot, n_new, loc, location, link, km_on_link, flags, loc_count):
    """Place ``n_new`` people at one location (day-0 camp residents, conflict spawning)."""
    for s in range(first_slot, first_slot + n_new):
        location[s] = loc
        link[s] = -1
        km_on_link[s] = 0.0
        flags[s] = 0
    loc_count[loc] += n_new


@njit(cache=True, inline="always")
def capacity_factor(count, capacity, buffer):
    """Flee's getCapMultiplier: 1 below buffer x capacity, 0 at capacity, linear between."""
    if capacity < 1.0:
        return 1.0
    if count <= buffer * capacity:
        return 1.0
    if count >= capacity:
        return 0.0
    return 1.0 - (count - buffer * capacity) / (capacity * (1.0 - buffer))


@njit(cache=True, inline="always")
def choose_route(here, u, adj_start, link_to, link_weight, loc_count, loc_capacity, buffer,
                 weight_power, weights):
    """Flee's selectRoute at awareness level 1 (or 0): the chosen directed route, or -1.

    ``link_weight`` holds today's capacity-free weight of each route (-1: closed); routes
    of location ``here`` are adj_start[here]..adj_start[here+1]. ``u`` is the uniform draw.
    """
    n = 0
    total = 0.0
    first = adj_start[here]
    for lk in range(first, adj_start[here + 1]):
        w = link_weight[lk]
        if w < 0.0:
            weights[lk - first] = -1.0
            continue
        dest = link_to[lk]
        if loc_capacity[dest] >= 1.0:
            w *= capacity_factor(loc_count[dest], loc_capacity[dest], buffer)
        if weight_power != 1.0:
            w = w ** weight_power
        weights[lk - first] = w
        total += w
        n += 1
    if n == 0:
        return -1
    if total > 0.0:
        target = u * total
        acc = 0.0
        last = -1
        for lk in range(first, adj_start[here + 1]):
            w = weights[lk - first]
            if w > 0.0:
                acc += w
                last = lk
                if target < acc:
                    return lk
        return last  # rounding at the top end
    # all weights zero: Flee weighs the routes equally
    pick = int(u * n)
    m = 0
    for lk in range(first, adj_start[here + 1]):
        if weights[lk - first] < 0.0:
            continue
        if m == pick:
            return lk
        m += 1
    return -1


def link_weights(link_open, link_to, link_dist, loc_score, link_score_factor, softening,
                 weight_softening, distance_power, awareness_level):
    """The part of each route's weight that is the same for everyone today (Flee 3.1
    moving.calculateLinkWeight without the capacity factor and weight_power):
    (weight_softening + score(dest) x factor) / (softening + km)^distance_power, or 1 at
    awareness level 0; -1 marks a closed route. ``link_score_factor`` holds per-route
    factors of the destination score (stay_close_to_home), 1 otherwise."""
    if awareness_level < 1:
        w = np.ones(link_to.shape[0])
    else:
        w = (weight_softening + loc_score[link_to] * link_score_factor) / (
            (softening + link_dist) ** distance_power)
    return np.where(link_open == 0, -1.0, w)


@njit(cache=True)
def move_day(key, walk_key, n_agents, location, link, km_on_link, flags, recent_travel,
             loc_count, loc_movechance, loc_capacity, loc_is_camp, loc_is_town, adj_start,
             link_from, link_to, link_dist, link_open, link_weight, link_speed, link_walk,
             params):
    """One day of Flee's Ecosystem.evolve for slots 0..n_agents-1; returns people in transit.

    Directed routes are numbered so that those starting at location j are
    adj_start[j]..adj_start[j+1]-1. ``link_weight`` comes from :func:`link_weights`;
    ``link_speed`` is the km/day on each route and ``link_walk`` the daily probability of
    walking it instead (Flee 3.1 route attributes max_move_speed, walk_probability).
    params: [max_move_speed, max_walk_speed, weight_power, capacity_buffer, awareness_level,
    start_on_foot, avoid_short_stints].
    """
    max_move_speed = params[0]
    max_walk_speed = params[1]
    weight_power = params[2]
    buffer = params[3]
    awareness = params[4]
    start_on_foot = params[5] > 0.5
    avoid_short_stints = params[6] > 0.5
    max_degree = 1
    for j in range(adj_start.shape[0] - 1):
        max_degree = max(max_degree, adj_start[j + 1] - adj_start[j])
    weights = np.empty(max_degree, np.float64)
    wp = weight_power if awareness >= 0.5 else 1.0

    # Stage 1 (Person.evolve): everyone at a location decides whether to leave, and where.
    for i in range(n_agents):
        if link[i] >= 0:
            continue
        here = location[i]
        if not uniform(key, i, 0) < loc_movechance[here]:
            continue  # most people stay put (camps: 0.001 a day)
        lk = choose_route(here, uniform(key, i, 1), adj_start, link_to, link_weight, loc_count,
                          loc_capacity, buffer, wp, weights)
        if lk < 0:
            continue
        dest = link_to[lk]
        # check_dest_is_full_camp: do not set off towards a (nearly) full camp.
        if loc_is_camp[dest] and capacity_factor(loc_count[dest], loc_capacity[dest],
                                                 buffer) < 0.5:
            continue
        loc_count[here] -= 1
        link[i] = lk
        km_on_link[i] = 0.0

    # Stage 2 (Person.finish_travel): everyone on a route travels, and may move on.
    in_transit = 0
    for i in range(n_agents):
        moved = 0.0
        if link[i] >= 0:
            k = 2
            hop = 0
            while True:
                lk = link[i]
                speed = link_speed[lk]
                if start_on_foot and (flags[i] & 1) == 0:
                    speed = max_walk_speed
                if link_walk[lk] > 0.0:
                    if uniform(walk_key, i, hop) < link_walk[lk]:
                        speed = max_walk_speed
                hop += 1
                d = km_on_link[i] + speed
                moved += speed
                length = link_dist[lk]
                if d <= length:
                    km_on_link[i] = d
                    break
                flags[i] |= 1
                moved += length - d
                link[i] = -1
                km_on_link[i] = 0.0
                if link_open[lk] == 0:  # route closed while travelling: back to its start
                    location[i] = link_from[lk]
                    loc_count[link_from[lk]] += 1
                    break
                here = link_to[lk]
                location[i] = here
                loc_count[here] += 1
                if not moved < speed:
                    break
                # The day's travel is not used up: decide again (Flee's evolveMore).
                force = False
                if avoid_short_stints:
                    force = (recent_travel[i] + moved / max_move_speed) / 2.0 < 0.5
                if not (force and loc_is_town[here]) and not (
                        uniform(key, i, k) < loc_movechance[here]):
                    break
                nxt = choose_route(here, uniform(key, i, k + 1), adj_start, link_to,
                                   link_weight, loc_count, loc_capacity, buffer, wp, weights)
                k += 2
                if nxt < 0:
                    break
                dest = link_to[nxt]
                if loc_is_camp[dest] and capacity_factor(loc_count[dest], loc_capacity[dest],
                                                         buffer) < 0.5:
                    break
                loc_count[here] -= 1
                link[i] = nxt
            if link[i] >= 0:
                in_transit += 1
        if avoid_short_stints:
            recent_travel[i] = (recent_travel[i] + moved / max_move_speed) / 2.0
    return in_transit
