"""FleeSim and the flee_movement kernels on tiny networks, and the built-in Mali 2012 scenario."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossings.flee.importer import import_flee
from crossings.flee.schema import FleeInitialPeople, FleeScenario, load_flee_scenario
from crossings.flee.sim import FleeSim
from crossings.processes.flee_movement import capacity_factor

MALI = Path(__file__).resolve().parents[1] / "crossings" / "scenario" / "builtin" / "mali2012"


def scenario(*, routes, locations=None, days=6, closures=(), total=None, camps=(),
             move_rules=None, spawn_rules=None, conflicts=()) -> FleeScenario:
    """A small Flee scenario: conflict zone A, town B, camp C (foreign) by default."""
    start = dt.date(2020, 1, 1)
    locations = locations or [
        {"name": "A", "country": "Home", "location_type": "conflict_zone", "conflict_date": 0,
         "population": 1000},
        {"name": "B", "country": "Home", "location_type": "town", "population": 1000},
        {"name": "C", "country": "Away", "location_type": "camp"},
    ]
    data = {
        "model": "flee", "name": "tiny", "start_date": start, "days": days,
        "locations": locations,
        "routes": [{"name1": a, "name2": b, "distance": d} for a, b, d in routes],
        "closures": list(closures), "conflicts": list(conflicts),
    }
    if total is not None:
        data["validation"] = {
            "total": {"name": "total", "dates": [start + dt.timedelta(days=d) for d, _ in total],
                      "counts": [c for _, c in total]},
            "camps": [{"name": n, "dates": [start], "counts": [c]} for n, c in camps],
        }
    else:
        data["spawn_rules"] = {"mode": "conflict_driven"}
    if move_rules:
        data["move_rules"] = move_rules
    if spawn_rules:
        data.setdefault("spawn_rules", {}).update(spawn_rules)
    return FleeScenario.model_validate(data)


def col(res, name):
    return res.counts[:, res.location_names.index(name)]


def test_people_are_conserved_and_runs_are_reproducible():
    sc = scenario(routes=[("A", "B", 100), ("B", "C", 200), ("A", "C", 500)], days=20,
                  total=[(0, 0), (10, 5000)], camps=[("C", 0)])
    r1 = FleeSim(sc, seed=7).run()
    r2 = FleeSim(sc, seed=7).run()
    r3 = FleeSim(sc, seed=8).run()
    assert np.array_equal(r1.counts, r2.counts)
    assert not np.array_equal(r1.counts, r3.counts)
    assert np.array_equal(r1.counts.sum(axis=1) + r1.in_transit, r1.agents)
    assert r1.agents[-1] == 5000
    assert r1.agent_days == int(r1.agents.sum())


def test_travel_takes_days_at_flee_speed():
    # 700 km at 360 km/day: on the route after the spawn day, arrived the day after.
    sc = scenario(routes=[("A", "C", 700)], total=[(0, 0), (1, 100), (5, 100)],
                  camps=[("C", 0)])
    res = FleeSim(sc, seed=1).run()
    c = col(res, "C")
    assert c[0] == 0 and c[1] == 0 and res.in_transit[1] == 100
    assert c[2] == 100 and res.in_transit[2] == 0


def test_unused_travel_allows_onward_moves_the_same_day():
    # 100 + 100 km < 360 km: people leave A (move chance 1), pass B (town, chance set to 1)
    # and reach the camp on the day they appear (conflict weight 0: nobody turns back to A).
    sc = scenario(routes=[("A", "B", 100), ("B", "C", 100)], total=[(0, 0), (1, 50), (5, 50)],
                  camps=[("C", 0)],
                  move_rules={"default_movechance": 1.0, "conflict_weight": 0.0})
    res = FleeSim(sc, seed=3).run()
    assert col(res, "C")[1] == 50


def test_closed_border_keeps_people_out_until_it_reopens():
    sc = scenario(routes=[("A", "C", 100)], days=8, total=[(0, 0), (1, 100), (8, 100)],
                  camps=[("C", 0)],
                  closures=[{"closure_type": "country", "name1": "Home", "name2": "Away",
                             "closure_start": 0, "closure_end": 5}])
    res = FleeSim(sc, seed=2).run()
    c = col(res, "C")
    assert c[:5].max() == 0
    assert c[5] == 100


def test_route_choice_prefers_near_and_safe_destinations():
    # From town B: camp C1 at 50 km, camp C2 at 500 km (weights 1/60 vs 1/510).
    locs = [
        {"name": "A", "country": "Home", "location_type": "conflict_zone", "conflict_date": 0,
         "population": 1000},
        {"name": "B", "country": "Home", "location_type": "town"},
        {"name": "C1", "country": "Home", "location_type": "camp"},
        {"name": "C2", "country": "Home", "location_type": "camp"},
    ]
    sc = scenario(locations=locs, routes=[("A", "B", 10), ("B", "C1", 50), ("B", "C2", 500)],
                  days=12, total=[(0, 0), (1, 20000), (12, 20000)], camps=[("C1", 0)],
                  move_rules={"default_movechance": 1.0})
    res = FleeSim(sc, seed=4).run()
    near, far = col(res, "C1")[-1], col(res, "C2")[-1]
    assert near > 5 * far > 0


def test_camp_capacity_limits_arrivals():
    locs = [
        {"name": "A", "country": "Home", "location_type": "conflict_zone", "conflict_date": 0,
         "population": 1000},
        {"name": "C", "country": "Away", "location_type": "camp", "capacity": 100},
        {"name": "D", "country": "Away", "location_type": "camp"},
    ]
    # As in Flee, occupancy counts only people who have arrived, so one day's departures can
    # overshoot; after that the full camp gets no one and the far camp takes the rest.
    sc = scenario(locations=locs, routes=[("A", "C", 50), ("A", "D", 1000)], days=21,
                  total=[(0, 0), (20, 2000)], camps=[("C", 0)])
    res = FleeSim(sc, seed=5).run()
    c = col(res, "C")
    assert c.max() <= 100 + 100
    assert c[-1] - c[5] <= 0
    assert col(res, "D")[-1] + res.in_transit[-1] > 1500


def test_capacity_factor_follows_flee():
    assert capacity_factor(10, -1.0, 0.9) == 1.0  # no capacity
    assert capacity_factor(90, 100.0, 0.9) == 1.0
    assert capacity_factor(95, 100.0, 0.9) == pytest.approx(0.5)
    assert capacity_factor(100, 100.0, 0.9) == 0.0


def test_conflict_driven_spawning_and_conflict_end():
    sc = scenario(routes=[("A", "B", 100)], days=5,
                  spawn_rules={"displaced_per_conflict_day": 10},
                  conflicts=[{"day": 3, "location": "A", "intensity": 0.0}])
    res = FleeSim(sc, seed=0).run()
    assert list(res.agents) == [10, 20, 30, 30, 30]


def test_agents_scale_scales_people():
    sc = scenario(routes=[("A", "C", 100)], total=[(0, 0), (1, 1000), (5, 1000)],
                  camps=[("C", 0)])
    assert FleeSim(sc, agents_scale=0.1).run().agents[-1] == 100


def test_engine_state_is_small():
    sc = scenario(routes=[("A", "C", 100)], total=[(0, 0), (1, 1000), (5, 1000)],
                  camps=[("C", 0)])
    sim = FleeSim(sc)
    assert sim.state_bytes() / sim.capacity_agents <= 64


def test_results_tables():
    sc = scenario(routes=[("A", "C", 100)], total=[(0, 0), (1, 1000), (5, 1000)],
                  camps=[("C", 0)])
    res = FleeSim(sc).run()
    daily = res.daily
    assert list(daily.columns[:2]) == ["date", "day"] and "C" in daily and len(daily) == 6
    assert daily["date"].iloc[0] == dt.date(2020, 1, 1)
    table = res.summary_table()
    assert "ARD (mean over days)" in set(table["location"])
    assert 0.0 <= res.ard() <= 2.0


def test_builtin_mali_is_current_and_runs():
    shipped = load_flee_scenario(MALI / "scenario.toml")
    fresh = import_flee(MALI / "input", MALI / "validation", settings=MALI / "simsetting.yml",
                        name=shipped.name, description=shipped.description,
                        source=shipped.source)
    assert fresh == shipped, "re-run the importer to refresh scenario.toml"
    assert shipped.days == 300 and len(shipped.locations) == 23
    res = FleeSim(shipped, seed=0, agents_scale=0.05).run()
    assert res.agents[-1] == pytest.approx(148063 * 0.05, rel=0.01)
    assert res.ard() < 0.5


# ------------------------------------------------------------ rules read from simsetting.yml
def three_camps(**kw):
    """Conflict zone A (people stay: conflict move chance set by the test) and routes to
    camps; observed_total spawning of 6000 people on day 1."""
    locs = kw.pop("locations", None) or [
        {"name": "A", "country": "Home", "location_type": "conflict_zone", "conflict_date": 0,
         "population": 1000, "latitude": 10.0, "longitude": 10.0},
        {"name": "C1", "country": "Away", "location_type": "camp", "latitude": 10.0,
         "longitude": 10.5},
        {"name": "C2", "country": "Away", "location_type": "camp", "latitude": 10.0,
         "longitude": 14.0},
    ]
    return scenario(locations=locs, total=[(0, 0), (1, 6000), (10, 6000)], camps=[("C1", 0)],
                    **kw)


def test_route_speed_and_walk_probability():
    base = dict(days=10, total=[(0, 0), (1, 100), (10, 100)], camps=[("C", 0)])
    sc = scenario(routes=[("A", "C", 700)], **base)
    assert col(FleeSim(sc).run(), "C")[2] == 100  # 360 km/day: arrived on day 2
    slow = sc.model_copy(update={"routes": [r.model_copy(update={"max_move_speed": 100.0})
                                            for r in sc.routes]})
    c = col(FleeSim(slow).run(), "C")
    assert c[7] == 0 and c[8] == 100  # 100 km/day from day 1: 700 km passed on day 8
    walk = sc.model_copy(update={"routes": [r.model_copy(update={"walk_probability": 1.0})
                                            for r in sc.routes]})
    assert col(FleeSim(walk).run(), "C")[-1] == 0  # 35 km/day: still walking on day 9
    half = sc.model_copy(update={"routes": [r.model_copy(update={"walk_probability": 0.5})
                                            for r in sc.routes]})
    c = col(FleeSim(half, seed=1).run(), "C")
    # arrival on day 2 needs two riding days (700 < 720 km): a quarter of the people
    assert 10 < c[2] < 45 and c[-1] > 90


def test_conflict_spawn_decay_moves_spawning_to_newer_conflicts():
    locs = [
        {"name": "A", "country": "Home", "location_type": "conflict_zone", "conflict_date": 0,
         "population": 1000},
        {"name": "B", "country": "Home", "location_type": "conflict_zone", "conflict_date": 0,
         "population": 1000},
        {"name": "C", "country": "Away", "location_type": "camp"},
    ]
    # A's conflict starts on day 0, B's on day 40; after 30 days A's spawn weight is 0.
    conflicts = [{"day": 0, "location": "A", "intensity": 1.0},
                 {"day": 0, "location": "B", "intensity": 1.0},
                 {"day": 39, "location": "B", "intensity": 0.0},
                 {"day": 40, "location": "B", "intensity": 1.0}]
    kw = dict(locations=locs, routes=[("A", "C", 100), ("B", "C", 100)], days=60,
              total=[(0, 0), (60, 60000)], camps=[("C", 0)], conflicts=conflicts,
              move_rules={"conflict_movechance": 0.0, "camp_movechance": 0.0})
    plain = FleeSim(scenario(**kw)).run()
    decay = FleeSim(scenario(spawn_rules={"conflict_spawn_decay": [1.0, 0.0]}, **kw)).run()
    # without decay A keeps half of the later spawns; with it A gets none after day 39
    # (weights refreshed at the end of day 39 use time 39 - 0 >= 30)
    assert col(plain, "A")[-1] - col(plain, "A")[45] > 5000
    assert col(decay, "A")[-1] == col(decay, "A")[40]
    assert col(decay, "B")[-1] - col(decay, "B")[40] == 19 * 1000  # every later spawn


def test_pop_ratio_conflict_spawning_and_take_from_population():
    sc = scenario(routes=[("A", "B", 100)], days=3,
                  move_rules={"conflict_movechance": 0.0},
                  spawn_rules={"conflict_spawn_mode": "pop_ratio",
                               "displaced_per_conflict_day": 0.1,
                               "take_from_population": True})
    res = FleeSim(sc).run()
    # population 1000: 100 on day 0, then 10% of 900 = 90, then 81
    assert list(res.agents) == [100, 190, 271]


def test_initial_people_are_placed_on_day_0():
    sc = scenario(routes=[("A", "B", 100)], days=2, spawn_rules={"displaced_per_conflict_day": 0},
                  move_rules={"default_movechance": 0.0})
    sc = sc.model_copy(update={"initial_people": [FleeInitialPeople(location="B", people=7)]})
    res = FleeSim(sc).run()
    assert list(col(res, "B")) == [7, 7]


def test_movechance_population_scaling():
    # default move chance 1 at B; B's population 0 -> scaled move chance 0: nobody leaves B
    locs = [
        {"name": "A", "country": "Home", "location_type": "conflict_zone", "conflict_date": 0,
         "population": 10000},
        {"name": "B", "country": "Home", "location_type": "town", "population": 0},
        {"name": "C", "country": "Away", "location_type": "camp"},
    ]
    kw = dict(locations=locs, routes=[("A", "B", 400), ("B", "C", 400)], days=8,
              total=[(0, 0), (1, 1000), (8, 1000)], camps=[("C", 0)])
    on = {"default_movechance": 1.0, "movechance_pop_scale_factor": 1.0}
    assert col(FleeSim(scenario(move_rules=on, **kw)).run(), "C")[-1] == 0
    # without scaling nearly all reach the camp (a few turn back towards A)
    assert col(FleeSim(scenario(move_rules={"default_movechance": 1.0}, **kw)).run(),
               "C")[-1] > 900


def test_use_pop_for_loc_weight_shuns_empty_places():
    locs = [
        {"name": "A", "country": "Home", "location_type": "conflict_zone", "conflict_date": 0,
         "population": 10000},
        {"name": "Empty", "country": "Home", "location_type": "town", "population": 0},
        {"name": "Full", "country": "Home", "location_type": "town", "population": 50},
        {"name": "C", "country": "Away", "location_type": "camp"},
    ]
    kw = dict(locations=locs, routes=[("A", "Empty", 400), ("A", "Full", 400),
                                      ("Full", "C", 1000)], days=3,
              total=[(0, 0), (1, 2000), (3, 2000)], camps=[("C", 0)],)
    res = FleeSim(scenario(move_rules={"use_pop_for_loc_weight": True}, **kw)).run()
    assert col(res, "Empty").max() == 0 and res.in_transit[1] == 2000
    res = FleeSim(scenario(**kw)).run()
    assert 0 < col(res, "Empty")[2] < 2000


def test_stay_close_to_home_prefers_the_nearer_place_by_gps():
    # the two camps are the same route distance away, C1 is nearer on the map
    base = three_camps(routes=[("A", "C1", 200), ("A", "C2", 200)], days=3)
    plain = FleeSim(base).run()
    near = FleeSim(base.model_copy(update={"move_rules": base.move_rules.model_copy(
        update={"stay_close_to_home": True, "home_distance_power": 2.0})})).run()
    ratio_plain = col(plain, "C1")[-1] / max(1, col(plain, "C2")[-1])
    ratio_near = col(near, "C1")[-1] / max(1, col(near, "C2")[-1])
    assert 0.8 < ratio_plain < 1.25 and ratio_near > 20


def test_match_camp_ethnicity_multiplies_camp_scores_by_ten():
    locs = [
        {"name": "A", "country": "Home", "location_type": "conflict_zone", "conflict_date": 0,
         "population": 1000},
        {"name": "T", "country": "Home", "location_type": "town"},
        {"name": "C1", "country": "Home", "location_type": "camp"},
    ]
    kw = dict(locations=locs, routes=[("A", "T", 200), ("A", "C1", 200)], days=2,
              total=[(0, 0), (1, 11000), (2, 11000)], camps=[("C1", 0)])
    # the town and the camp are equally far: people split 1:1, or 1:10 with the rule
    # (all arrive on day 1; 0.1% of the camp's residents move on again that day)
    plain = col(FleeSim(scenario(**kw)).run(), "C1")[1]
    match = col(FleeSim(scenario(move_rules={"MatchCampEthnicity": True}, **kw)).run(), "C1")[1]
    assert 5200 < plain < 5800 and 9700 < match < 10050


def test_hasten_divides_people():
    sc = scenario(routes=[("A", "C", 100)], total=[(0, 0), (1, 1000), (5, 1000)],
                  camps=[("C", 0)])
    fast = sc.model_copy(update={"optimisations": sc.optimisations.model_copy(
        update={"hasten": 4})})
    assert FleeSim(fast).run().agents[-1] == 250


@settings(max_examples=25, deadline=None)
@given(rules=st.fixed_dictionaries({}, optional={
    "max_move_speed": st.floats(10, 500), "default_movechance": st.floats(0, 1),
    "conflict_weight": st.floats(0, 1), "weight_power": st.floats(0, 3),
    "start_on_foot": st.booleans(), "avoid_short_stints": st.booleans(),
    "stay_close_to_home": st.booleans(), "use_pop_for_loc_weight": st.booleans(),
    "movechance_pop_scale_factor": st.floats(0, 2), "MatchTownEthnicity": st.booleans(),
    "awareness_level": st.integers(0, 1)}),
       decay=st.none() | st.lists(st.floats(0, 1), min_size=1, max_size=3),
       walk=st.floats(0, 1), take=st.booleans(), seed=st.integers(0, 50))
def test_people_are_conserved_under_any_rules(rules, decay, walk, take, seed):
    sc = three_camps(routes=[("A", "C1", 150), ("A", "C2", 500), ("C1", "C2", 300)], days=12,
                     move_rules=rules, spawn_rules={"conflict_spawn_decay": decay,
                                                    "take_from_population": take})
    sc = sc.model_copy(update={"routes": [r.model_copy(update={"walk_probability": walk})
                                          for r in sc.routes]})
    res = FleeSim(sc, seed=seed).run()
    assert np.array_equal(res.counts.sum(axis=1) + res.in_transit, res.agents)
    assert (res.counts >= 0).all() and res.agents[-1] + res.extra["unspawned"] == 6000
    again = FleeSim(sc, seed=seed).run()
    assert np.array_equal(res.counts, again.counts)
