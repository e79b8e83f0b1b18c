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
(``flee_spawn``, ``flee_movement``); a person's draws are indexed by their slot and a
counter ``k`` (0: leave?, 1: which route; 2j, 2j+1 for the j-th onward move that day).
People are processed in slot order, so camp occupancy seen by later people includes
the moves of earlier ones, as in Flee's sequential loop.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from crossings.engine.rng import uniform

SPAWN_STREAM = "flee_spawn"
MOVEMENT_STREAM = "flee_movement"

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
          population, take_from_population):
    """Place ``n_new`` new people in slots first_slot.. by inverse CDF over locations."""
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
        if take_from_population and population[j] > 0:
            population[j] -= 1


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


@njit(cache=True)
def _leave(i, key, k, decided, force_town_move, location, link, km_on_link, loc_count, loc_movechance,
           loc_score, loc_capacity, loc_is_camp, loc_is_town, adj_start, adj_link, link_to,
           link_dist, link_open, params, weights):
    """Flee's Person.evolve for one person at a location: maybe take a route.

    ``decided``: the caller already drew draw k against the move chance (and it said go).
    ``force_town_move``: Flee's ForceTownMove (move chance 1 in towns).
    """
    here = location[i]
    if not decided and not (force_town_move and loc_is_town[here]):
        if not uniform(key, i, k) < loc_movechance[here]:
            return
    softening = params[2]
    weight_softening = params[3]
    distance_power = params[4]
    weight_power = params[5]
    buffer = params[6]
    awareness = params[7]
    n = 0
    total = 0.0
    for a in range(adj_start[here], adj_start[here + 1]):
        lk = adj_link[a]
        if link_open[lk] == 0:
            continue
        if awareness < 0.5:
            w = 1.0
        else:
            dest = link_to[lk]
            w = (weight_softening + loc_score[dest]) / (softening + link_dist[lk]) ** distance_power
            w *= capacity_factor(loc_count[dest], loc_capacity[dest], buffer)
            w = w ** weight_power
        weights[n] = w
        total += w
        n += 1
    if n == 0:
        return
    u = uniform(key, i, k + 1)
    chosen = -1
    if total > 0.0:
        target = u * total
        acc = 0.0
        m = 0
        for a in range(adj_start[here], adj_start[here + 1]):
            lk = adj_link[a]
            if link_open[lk] == 0:
                continue
            acc += weights[m]
            m += 1
            if target < acc and weights[m - 1] > 0.0:
                chosen = lk
                break
        if chosen < 0:  # rounding at the top end: take the last route with weight
            m = 0
            for a in range(adj_start[here], adj_start[here + 1]):
                lk = adj_link[a]
                if link_open[lk] == 0:
                    continue
                if weights[m] > 0.0:
                    chosen = lk
                m += 1
    else:  # all weights zero: Flee weighs routes equally
        pick = int(u * n)
        m = 0
        for a in range(adj_start[here], adj_start[here + 1]):
            lk = adj_link[a]
            if link_open[lk] == 0:
                continue
            if m == pick:
                chosen = lk
                break
            m += 1
    dest = link_to[chosen]
    # Flee's check_dest_is_full_camp: do not set off towards a (nearly) full camp.
    if loc_is_camp[dest] and capacity_factor(loc_count[dest] + 0.0, loc_capacity[dest],
                                             buffer) < 0.5:
        return
    loc_count[here] -= 1
    link[i] = chosen
    km_on_link[i] = 0.0


@njit(cache=True)
def move_day(key, n_agents, location, link, km_on_link, flags, recent_travel, loc_count,
             loc_movechance, loc_score, loc_capacity, loc_is_camp, loc_is_town, adj_start,
             adj_link, link_from, link_to, link_dist, link_open, params):
    """One day of Flee's Ecosystem.evolve for slots 0..n_agents-1; returns people in transit.

    params: [max_move_speed, max_walk_speed, softening, weight_softening, distance_power,
    weight_power, capacity_buffer, awareness_level, start_on_foot, avoid_short_stints].
    """
    max_move_speed = params[0]
    max_walk_speed = params[1]
    start_on_foot = params[8] > 0.5
    avoid_short_stints = params[9] > 0.5
    max_degree = 1
    for j in range(adj_start.shape[0] - 1):
        max_degree = max(max_degree, adj_start[j + 1] - adj_start[j])
    weights = np.empty(max_degree, np.float64)

    # Stage 1: everyone at a location decides whether to leave and where to.
    for i in range(n_agents):
        # Fast path: most people stay put (camps: 0.001 a day), so decide before the call.
        if link[i] < 0 and uniform(key, i, 0) < loc_movechance[location[i]]:
            _leave(i, key, 0, True, False, location, link, km_on_link, loc_count, loc_movechance,
                   loc_score, loc_capacity, loc_is_camp, loc_is_town, adj_start, adj_link,
                   link_to, link_dist, link_open, params, weights)

    # Stage 2: everyone on a route travels (and may move on after arriving).
    in_transit = 0
    for i in range(n_agents):
        moved = 0.0
        if link[i] >= 0:
            k = 2
            while True:
                lk = link[i]
                speed = max_move_speed
                if start_on_foot and (flags[i] & 1) == 0:
                    speed = max_walk_speed
                d = km_on_link[i] + speed
                moved += speed
                length = link_dist[lk]
                if d > length:
                    flags[i] |= 1
                    moved += length - d
                    if link_open[lk] == 0:  # route closed while travelling: back to its start
                        dest = link_from[lk]
                        location[i] = dest
                        link[i] = -1
                        km_on_link[i] = 0.0
                        loc_count[dest] += 1
                        break
                    dest = link_to[lk]
                    location[i] = dest
                    link[i] = -1
                    km_on_link[i] = 0.0
                    loc_count[dest] += 1
                    if moved < speed:
                        force = False
                        if avoid_short_stints:
                            force = (recent_travel[i] + moved / max_move_speed) / 2.0 < 0.5
                        _leave(i, key, k, False, force, location, link, km_on_link, loc_count,
                               loc_movechance, loc_score, loc_capacity, loc_is_camp,
                               loc_is_town, adj_start, adj_link, link_to, link_dist, link_open,
                               params, weights)
                        k += 2
                        if link[i] < 0:
                            break
                    else:
                        break
                else:
                    km_on_link[i] = d
                    break
            if link[i] >= 0:
                in_transit += 1
        if avoid_short_stints:
            recent_travel[i] = (recent_travel[i] + moved / max_move_speed) / 2.0
    return in_transit
