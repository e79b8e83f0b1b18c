"""The command line and the scenario round trip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import tomli_w

from crossings import dump_toml, load_scenario
from crossings.scenario.loader import BUILTIN
from worlds import D, tiny


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "crossings.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_run_prints_yearly_table_and_writes_tables(tmp_path):
    d = tiny(end=D(2021, 6, 30))
    p = tmp_path / "s.toml"
    p.write_text(tomli_w.dumps(d))
    r = cli("run", str(p), "--no-progress", "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "2020" in r.stdout and "2021" in r.stdout and "crossed" in r.stdout
    yearly = pd.read_csv(tmp_path / "out" / "yearly.csv")
    daily = pd.read_parquet(tmp_path / "out" / "daily.parquet")
    assert len(yearly) == 2 and len(daily) == 547
    assert daily.crossings_total.sum() == yearly.crossings_total.sum()
    monthly = pd.read_csv(tmp_path / "out" / "monthly.csv")
    assert monthly.arrivals_corridor.sum() == daily.arrivals_corridor.sum()


def test_loop_lists_the_stages_in_model_order():
    r = cli("loop", "channel")
    assert r.returncode == 0, r.stderr
    order = ["policies", "inflow", "movement", "camps", "clearances", "decisions", "crossings", "results"]
    pos = [r.stdout.find(f" {s} ") for s in order]
    assert all(p >= 0 for p in pos) and pos == sorted(pos)


def test_new_scenario_from_template_runs(tmp_path):
    r = cli("new-scenario", "myborder", "--dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    sc = load_scenario(tmp_path / "myborder")
    assert sc.name == "myborder"
    again = cli("new-scenario", "myborder", "--dir", str(tmp_path))
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr


def test_new_scenario_inheriting_channel(tmp_path):
    r = cli("new-scenario", "what-if", "--dir", str(tmp_path), "--inherit", "channel")
    assert r.returncode == 0, r.stderr
    sc = load_scenario(tmp_path / "what-if")
    assert sc.name == "what-if" and sc.inherits == "channel"
    assert sc.start == load_scenario("channel").start


def test_scenario_round_trips_through_toml(tmp_path):
    sc = load_scenario("channel")
    text = dump_toml(sc)
    p = tmp_path / "again.toml"
    p.write_text(text)
    again = load_scenario(p)
    # everything but the posterior file, which is named relative to the file that names it
    # (a dumped scenario elsewhere does not carry it; a scenario that inherits the Channel does)
    assert sc.posterior is not None and again.posterior is None
    assert again == sc.model_copy(update={"posterior": None})
    assert len(again.policies) == len(sc.policies) > 5


def test_builtin_channel_carries_required_world():
    sc = load_scenario("channel")
    kinds = {s.kind for s in sc.sites}
    assert {"camp", "port", "coast", "shelter", "destination", "elsewhere"} <= kinds
    names = {s.name for s in sc.sites}
    assert {"Calais camps", "Grande-Synthe camps", "Calais port", "Coquelles tunnel terminal", "Dunkirk port"} <= names
    types = {p.type for p in sc.policies}
    assert {"camp_clearance", "traffic_shock", "returns_agreement", "routine_evictions"} <= types
    assert sc.start == D(2014, 1, 1) and sc.end == D(2025, 12, 31)
    # every spending entry names its source
    assert all(s.source for s in sc.enforcement.spending)
    assert (BUILTIN / "channel" / "scenario.toml").is_file()


def test_reference_doc_is_up_to_date():
    from crossings.scenario.reference import render

    doc = Path(__file__).parent.parent / "docs" / "reference.md"
    assert doc.read_text() == render(), "run: crossings reference --out docs/reference.md"


def test_run_channel_full_horizon_one_agent_per_person():
    r = cli("run", "channel", "--no-progress", "--no-save")
    assert r.returncode == 0, r.stderr
    for year in range(2014, 2026):
        assert str(year) in r.stdout
    assert "1 people per agent" in r.stdout
