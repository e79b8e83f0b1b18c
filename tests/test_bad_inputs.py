"""Nothing wrong passes silently (issue 8): every bad scenario, argument or path is refused
with one line naming the file, the field and what was expected, by ``validate`` and ``run``
alike, before anything runs or is written; and the mistakes that used to be silently
accepted (dictionaries with unknown keys, NaN, long routes, integer overflow) are fixed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from typer.testing import CliRunner

from crossings import Sim, load_scenario
from crossings.cli import app
from crossings.engine.state import IN_CAMP, TRAVELLING
from crossings.engine.timeline import CHANNELS, compile_timeline, compile_world
from crossings.errors import ScenarioError
from test_scenario_errors import CASES as EARLIER_CASES
from worlds import D, scenario, tiny

runner = CliRunner()


def write(tmp_path: Path, d: dict, name="bad.toml") -> Path:
    p = tmp_path / name
    p.write_text(tomli_w.dumps(d))
    return p


# --------------------------------------------------------------------------- the bad files
# Each mutates the tiny world and returns (a part of the field, a part of what was expected).
def half_saturation_typo(d):  # item 2: 'portt' used to be ignored (and other channels set to 1)
    d["enforcement"]["half_saturation_eur_million"] = {"portt": 60.0}
    return "enforcement.half_saturation_eur_million.portt", "unknown key"


def depreciation_typo(d):
    d["enforcement"]["depreciation_per_year"] = {"port": 0.1, "sae": 0.5}
    return "enforcement.depreciation_per_year.sae", "unknown key"


def initial_stock_typo(d):
    d["enforcement"]["initial_stock_eur_million"] = {"ports": 60.0}
    return "enforcement.initial_stock_eur_million.ports", "unknown key"


def unconnected_site(d):  # item 3: a site no route reaches used to be reached in 1 day
    d["sites"].append({"name": "Island camp", "kind": "camp", "lat": 50.0, "lon": 1.0})
    return "routes", "'Island camp'"


def route_beyond_any_horizon(d):  # item 3: 40,000 days overflowed int16
    d["routes"][0]["days"] = 40_000
    return "routes[0].days", "less than or equal to 32766"


def scale_inf(d):  # item 4
    d["scale"] = float("inf")
    return "scale", "finite"


def beta_success_nan(d):
    d["people"] = {"beta_success": float("nan")}
    return "people.beta_success", "finite"


def attractiveness_nan(d):
    d["sites"][0]["attractiveness"] = float("nan")
    return "sites[0].attractiveness", "finite"


def inflow_knot_nan(d):
    d["inflow"]["knots"] = [[D(2020, 1, 1), float("nan")]]
    return "inflow.knots", "finite"


def chance_above_one(d):
    d["camps"] = {"clearance_hazard_per_incident": 8}
    return "camps.clearance_hazard_per_incident", "less than or equal to 1"


def depreciation_too_fast(d):
    d["enforcement"]["depreciation_per_year"] = 1000.0
    return "enforcement.depreciation_per_year.port", "less than or equal to 365.25"


def prior_weight_zero(d):
    d["sea"] = {"prior_weight_attempts": 0}
    return "sea.prior_weight_attempts", "greater than 0"


def no_nationalities(d):
    d["nationalities"] = []
    return "nationalities", "at least 1"


def too_many_nationalities(d):  # item 5: nationality is int8
    d["nationalities"] = [{"name": f"N{i}", "share": [[D(2020, 1, 1), 1.0]]} for i in range(200)]
    return "nationalities", "at most 127"


def horizon_too_long(d):  # item 5: the horizon limit, checked by validate too
    d["end"] = D(2020, 1, 1) + dt.timedelta(days=40_000)
    return "end", "at most 32766 days"


def stay_forever(d):
    d["shelters"] = {"stay_days_mean": 1e20}
    return "shelters.stay_days_mean", "less than or equal"


def returned_back_days_overflow(d):
    d["outflow"] = {"returned_back_days": 40_000}
    return "outflow.returned_back_days", "less than or equal"


def eviction_delay_huge(d):
    d["clearances"] = {"eviction_delay_days": 1e20}
    return "clearances.eviction_delay_days", "less than or equal"


def buses_huge(d):
    d["policies"] = [{"type": "camp_clearance", "site": "A", "date": D(2020, 3, 1), "buses": 10**30,
                      "seats_per_bus": 20, "acceptance": 0.5}]
    return "policies[0].buses", "less than or equal to 10000"


def funds_huge(d):
    d["nationalities"][0]["funds_median_eur"] = 1e300
    return "nationalities[0].funds_median_eur", "less than or equal"


def name_escapes_results(d):  # item 7: the name is the default output folder
    d["name"] = "../../x"
    return "name", "plain folder name"


def name_absolute(d):
    d["name"] = "/tmp/elsewhere"
    return "name", "plain folder name"


def no_sites(d):  # item 8: used to be reported as a route error
    d["sites"] = []
    return "sites", "at least 1"


BAD = [
    half_saturation_typo, depreciation_typo, initial_stock_typo, unconnected_site, route_beyond_any_horizon,
    scale_inf, beta_success_nan, attractiveness_nan, inflow_knot_nan, chance_above_one, depreciation_too_fast,
    prior_weight_zero, no_nationalities, too_many_nationalities, horizon_too_long, stay_forever,
    returned_back_days_overflow, eviction_delay_huge, buses_huge, funds_huge, name_escapes_results, name_absolute,
    no_sites,
]


@pytest.mark.parametrize("case", BAD, ids=lambda c: c.__name__)
def test_bad_scenario_is_refused_naming_file_field_and_expectation(tmp_path, case):
    d = tiny()
    field, expected = case(d)
    path = write(tmp_path, d)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert e.value.file == str(path)
    assert field in e.value.field, str(e.value)
    assert expected in e.value.expected, str(e.value)


@pytest.mark.parametrize("case", BAD + EARLIER_CASES, ids=lambda c: c.__name__)
def test_validate_and_run_agree_on_every_bad_file(tmp_path, case, monkeypatch):
    """Both exit 2 with the same single line, and run writes nothing (item 6)."""
    d = tiny()
    case(d)
    path = write(tmp_path, d)
    monkeypatch.chdir(tmp_path)
    v = runner.invoke(app, ["validate", str(path)])
    r = runner.invoke(app, ["run", str(path), "--no-progress", "--out", str(tmp_path / "out")])
    assert v.exit_code == 2 and r.exit_code == 2, (v.output, r.output)
    assert v.exception is None or isinstance(v.exception, SystemExit)
    lines_v, lines_r = v.output.strip().splitlines(), r.output.strip().splitlines()
    assert len(lines_v) == 1 and lines_v == lines_r, (v.output, r.output)
    assert str(path) in lines_v[0]
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists()


def test_validate_compiles_what_run_compiles(tmp_path, monkeypatch):
    """validate builds the world, timeline and initial population, as run does before day 1."""
    import crossings.sim as sim_mod

    built = []
    real = sim_mod.compile_timeline
    monkeypatch.setattr(sim_mod, "compile_timeline", lambda *a: built.append(1) or real(*a))
    path = write(tmp_path, tiny(), "ok.toml")
    r = runner.invoke(app, ["validate", str(path)])
    assert r.exit_code == 0, r.output
    assert built == [1] and r.output.startswith("ok: tiny")


# --------------------------------------------------------------------------- item 2: tables
def _effectiveness(d) -> np.ndarray:
    sc = scenario(d)
    return compile_timeline(sc, compile_world(sc)).effectiveness


def test_restating_one_documented_default_changes_nothing():
    base = tiny()
    restated = tiny()
    restated["enforcement"]["half_saturation_eur_million"] = {"port": 60.0}  # the documented default
    restated["enforcement"]["depreciation_per_year"] = {"beach": 1.0}
    np.testing.assert_array_equal(_effectiveness(restated), _effectiveness(base))
    assert (_effectiveness(base)[CHANNELS.index("beach")] > 0).any()


def test_one_depreciation_rate_applies_to_every_channel():
    one = tiny()
    one["enforcement"]["depreciation_per_year"] = 0.3
    table = tiny()
    table["enforcement"]["depreciation_per_year"] = {ch: 0.3 for ch in CHANNELS}
    np.testing.assert_array_equal(_effectiveness(one), _effectiveness(table))
    sc = scenario(one)
    assert all(getattr(sc.enforcement.depreciation_per_year, ch) == 0.3 for ch in CHANNELS)


# --------------------------------------------------------------------------- item 3: routes
def test_long_route_takes_as_long_as_written():
    d = tiny(end=D(2020, 6, 30))
    for r in d["routes"]:
        if "Away" in (r["a"], r["b"]):
            r["days"] = 100  # arrivals come from 'Away' (the first 'elsewhere' site)
    sim = Sim(scenario(d))
    p = sim.people
    initial = sim.initial_people
    for _ in range(99):
        sim.step()
    newcomers = np.arange(initial, p.n)
    assert newcomers.size > 100
    # nobody who arrived has reached a camp before their 100 days of travel are over
    assert (p.state[newcomers] == TRAVELLING).all()
    w = sim.world
    trip = w.travel_days[w.entry_site, p.site[newcomers]]  # 100 days to A, 101 to B
    assert set(np.unique(trip)) == {100, 101}
    assert (p.next_day[newcomers] == p.arrival_day[newcomers] + trip).all()
    for _ in range(10):
        sim.step()
    first = newcomers[p.arrival_day[newcomers] == 0]
    assert (p.state[first] != TRAVELLING).all() and (p.state[first] == IN_CAMP).any()


def test_chains_of_long_routes_do_not_overflow():
    d = tiny()
    d["routes"] = [r for r in d["routes"] if "Away" not in (r["a"], r["b"])]
    d["sites"].append({"name": "Far", "kind": "elsewhere", "lat": 10.0, "lon": 10.0})
    d["routes"] += [{"a": "Away", "b": "Far", "days": 20_000}, {"a": "Far", "b": "A", "days": 20_000}]
    w = compile_world(scenario(d))
    names = w.site_names
    assert w.travel_days[names.index("Away"), names.index("A")] == 40_000


# --------------------------------------------------------------------------- item 5: overflow
def test_long_decision_intervals_do_not_wrap_around():
    """next_day used to be int16: a wait past day 32,767 wrapped to a negative day, and people
    decided every day instead of (almost) never."""
    d = tiny(end=D(2020, 4, 30))
    d["people"] = {"decision_interval_days": 30_000}
    sim = Sim(scenario(d))
    res = sim.run()
    p = sim.people
    live = p.active
    assert (p.next_day[live] >= sim.n_days - 1).mean() > 0.9
    assert (p.next_day[: p.n] >= 0).all()
    short = tiny(end=D(2020, 4, 30))
    short["people"] = {"decision_interval_days": 3_000}
    assert res.daily.crossings_total.sum() <= Sim(scenario(short)).run().daily.crossings_total.sum() + 5


def test_127_nationalities_keep_their_codes():
    d = tiny(end=D(2020, 2, 29))
    d["nationalities"] = [{"name": f"N{i}", "share": [[D(2020, 1, 1), 1.0]]} for i in range(127)]
    d["inflow"]["knots"] = [[D(2020, 1, 1), 50.0]]
    sim = Sim(scenario(d))
    sim.run()
    nat = sim.people.nationality[: sim.people.n]
    assert nat.min() >= 0 and nat.max() <= 126 and np.unique(nat).size > 60


# --------------------------------------------------------------------------- item 7: paths
def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "crossings.cli", *args], capture_output=True, text=True, cwd=cwd)


def _one_line_error(res) -> str:
    lines = res.output.strip().splitlines()
    assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), res.output
    return lines[0]


def test_empty_out_and_empty_formats_are_refused(tmp_path, monkeypatch):
    path = write(tmp_path, tiny(end=D(2020, 1, 31)), "ok.toml")
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    _one_line_error(runner.invoke(app, ["run", str(path), "--no-progress", "--out", ""]))
    line = _one_line_error(runner.invoke(app, ["run", str(path), "--no-progress", "--formats", ""]))
    assert "--formats" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_bad_out_is_reported_before_the_run(tmp_path, monkeypatch):
    path = write(tmp_path, tiny(end=D(2020, 1, 31)), "ok.toml")
    (tmp_path / "a_file").write_text("x")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    monkeypatch.chdir(tmp_path)
    for out in (tmp_path / "a_file" / "out", mine):
        r = runner.invoke(app, ["run", str(path), "--no-progress", "--out", str(out)])
        line = _one_line_error(r)
        assert "crossed" not in r.output  # no yearly table: the run never started
        assert str(out) in line
    assert (mine / "notes.txt").read_text() == "keep"


def test_new_scenario_checks_its_parent_and_quotes_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _one_line_error(runner.invoke(app, ["new-scenario", "child", "--inherit", "no-such-parent"]))
    assert not (tmp_path / "child").exists()
    parent = tmp_path / 'we"ird\nname.toml'
    parent.write_text(tomli_w.dumps(tiny()))
    r = runner.invoke(app, ["new-scenario", "child", "--inherit", str(parent.name)])
    assert r.exit_code == 0, r.output
    sc = load_scenario(tmp_path / "child")
    assert sc.name == "child" and sc.start == D(2020, 1, 1) and len(sc.sites) == 7
    text = (tmp_path / "child" / "scenario.toml").read_text()
    assert sum(not line.startswith("#") and line.strip() != "" for line in text.splitlines()) == 2


def test_new_scenario_with_a_relative_parent_from_another_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, tiny(), "base.toml")
    r = runner.invoke(app, ["new-scenario", "kid", "--dir", "deep/er", "--inherit", "base.toml"])
    assert r.exit_code == 0, r.output
    assert load_scenario(tmp_path / "deep" / "er" / "kid").name == "kid"


# --------------------------------------------------------------------------- item 8: messages
def test_profile_with_a_negative_seed_is_one_line():
    r = cli("profile", "channel", "--seed", "-1")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "seed" in lines[0]


def test_reference_into_a_missing_folder_is_one_line(tmp_path):
    line = _one_line_error(runner.invoke(app, ["reference", "--out", str(tmp_path / "MISSING" / "ref.md")]))
    assert "MISSING" in line


@pytest.mark.parametrize("seed", [2**64, 1.7, -1, True, "3"])
def test_api_seed_is_checked(seed):
    with pytest.raises(ScenarioError, match="seed"):
        Sim(scenario(tiny()), seed=seed)


def test_inherited_policy_error_points_at_the_child(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('inherits = "channel"\nname = "c"\n[[policies]]\ntype = "camp_clearance"\n'
                     'site = "Nowhere"\ndate = 2020-01-01\nbuses = 1\nseats_per_bus = 1\nacceptance = 0.5\n')
    with pytest.raises(ScenarioError) as e:
        load_scenario(child)
    assert e.value.file == str(child)
    assert e.value.field == "policies[0].site", str(e.value)


def test_long_inheritance_chains_load_and_cycles_are_named(tmp_path):
    write(tmp_path, tiny(), "s0.toml")
    for i in range(1, 13):
        (tmp_path / f"s{i}.toml").write_text(f'inherits = "s{i - 1}.toml"\nname = "s{i}"\nseed = {i}\n')
    sc = load_scenario(tmp_path / "s12.toml")
    assert sc.name == "s12" and sc.seed == 12
    (tmp_path / "x.toml").write_text('inherits = "y.toml"\nname = "x"\n')
    (tmp_path / "y.toml").write_text('inherits = "x.toml"\nname = "y"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "x.toml")


def test_byte_order_mark_is_accepted(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + tomli_w.dumps(tiny()).encode())
    assert load_scenario(p).name == "tiny"


@pytest.mark.parametrize("text", ["x = " + "[" * 3000 + "]" * 3000, "[" + ".".join(["a"] * 200) + "]\nb = 1"], ids=["arrays", "tables"])
def test_deeply_nested_toml_is_one_line(tmp_path, text):
    p = tmp_path / "deep.toml"
    p.write_text(text)
    with pytest.raises(ScenarioError, match="nested at most"):
        load_scenario(p)
