"""FleeSim and the flee_movement kernels on tiny networks, and the built-in Mali 2012 scenario."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from crossings.flee.importer import import_flee
from crossings.flee.schema import FleeScenario, load_flee_scenario
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
    fresh = import_flee(MALI / "input", MALI / "validation", name=shipped.name,
                        description=shipped.description, source=shipped.source)
    assert fresh == shipped, "re-run the importer to refresh scenario.toml"
    assert shipped.days == 300 and len(shipped.locations) == 23
    res = FleeSim(shipped, seed=0, agents_scale=0.05).run()
    assert res.agents[-1] == pytest.approx(148063 * 0.05, rel=0.01)
    assert res.ard() < 0.5
