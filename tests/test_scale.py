"""Scale (people per agent) too coarse for the scenario's smallest groups is refused or warned
about (issue 8, item 9); how coarse a scale stays faithful is measured by
benchmarks/scale_faithfulness.py and documented in docs/scenarios.md."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from crossings import Sim, load_scenario
from crossings.cli import app
from crossings.errors import ScenarioError
from test_bad_inputs import write
from worlds import D, scenario, tiny


def test_a_boat_that_cannot_carry_one_agent_is_refused(tmp_path):
    path = write(tmp_path, tiny(market=True, scale=100.0), "coarse.toml")  # sea.max_load is 80
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert e.value.field == "scale" and "sea.max_load (80)" in e.value.expected
    # without boats (market off) the same scale is allowed
    load_scenario(write(tmp_path, tiny(market=False, scale=100.0), "no_boats.toml"))


def test_boats_of_fewer_than_five_agents_are_warned_about(tmp_path):
    assert Sim(scenario(tiny(market=True, scale=2.0))).warnings == []  # rated capacity 10: five agents
    sim = Sim(scenario(tiny(market=True, scale=2.5)))
    assert len(sim.warnings) == 1 and "rated capacity (10 people)" in sim.warnings[0]
    res = sim.run(days=2)
    assert any(n.startswith("warning: scale 2.5") for n in res.notes)
    path = write(tmp_path, tiny(market=True, scale=2.5, end=D(2020, 1, 20)), "s.toml")
    r = CliRunner().invoke(app, ["run", str(path), "--no-progress", "--no-save"])
    assert r.exit_code == 0 and "warning: scale 2.5: a boat at its rated capacity" in r.output, r.output
    v = CliRunner().invoke(app, ["validate", str(path)])
    assert v.exit_code == 0 and "warning: scale 2.5" in v.output


def test_buses_smaller_than_an_agent_are_warned_about():
    clearance = {"type": "camp_clearance", "site": "A", "date": D(2020, 3, 1), "buses": 5, "seats_per_bus": 20,
                 "acceptance": 0.5}
    assert Sim(scenario(tiny(scale=20.0, policies=[clearance]))).warnings == []
    w = Sim(scenario(tiny(scale=25.0, policies=[clearance]))).warnings
    assert len(w) == 1 and "a bus of 20 seats" in w[0]
    d = tiny(scale=30.0)
    d["camps"] = {"clearance_hazard_per_incident": 0.1}  # triggered clearances use 20-seat buses
    assert "a bus of 20 seats" in Sim(scenario(d)).warnings[0]


def test_the_channel_at_one_agent_per_person_has_no_warning():
    assert Sim("channel").warnings == []
