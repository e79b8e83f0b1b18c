"""Flee scenarios as Flee users keep them: FabFlee config folders with their own
simsetting.yml and SWEEP variants, and the inputs Flee 3.1 accepts (each folder is built in
the test)."""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typer.testing import CliRunner

from crossings.cli import app
from crossings.errors import ScenarioError
from crossings.flee import ard
from crossings.flee.importer import import_flee, import_sweep
from crossings.flee.schema import load_flee_scenario
from crossings.flee.settings import SETTINGS as FLEE_SETTINGS
from crossings.flee.settings import read_settings
from crossings.flee.sim import FleeSim

ROOT = Path(__file__).resolve().parents[1]
MALI = ROOT / "crossings" / "scenario" / "builtin" / "mali2012"

LOCATIONS = """#name,region,country,latitude,longitude,location_type,conflict_date,population
A,North,Home,15.0,1.0,conflict_zone,0,10000
B,North,Home,14.0,1.0,conflict_zone,2,5000
T,Centre,Home,13.0,0.5,town,,20000
C,East,Away,13.5,3.0,camp,,500
D,West,Other,12.0,-2.0,camp,,
"""
ROUTES = """#name1,name2,distance,forced_redirection
A,T,120,0
B,T,80,0
T,C,300,0
T,D,400,0
"""
CLOSURES = "#closure_type,name1,name2,closure_start,closure_end\n"
CONFLICTS = """#Day,A,B
0,1,0
1,1,0
2,1,1
3,1,1
4,1,1
5,1,1
"""
SIM_PERIOD = "StartDate,2020-01-01\nLength,6\n"
LAYOUT = "total,refugees.csv\nC,c.csv\nD,d.csv\n"
TOTAL = "Date,Refugee_numbers\n2020-01-01,100\n2020-01-03,300\n2020-01-06,600\n"
CAMP_C = "2020-01-01,40\n2020-01-03,150\n2020-01-06,300\n"
CAMP_D = "2020-01-01,0\n2020-01-06,100\n"
# Settings that differ from Flee's defaults, one of them unsupported.
SETTINGS = """log_levels:
  agent: 0
spawn_rules:
  take_from_population: True
  conflict_spawn_decay: [1.0, 0.5]
move_rules:
  max_move_speed: 200.0
  camp_weight: 2.0
  conflict_weight: 0.5
  default_movechance: 0.4
  softening: 5.0
  max_crossing_speed: 20.0
optimisations:
  hasten: 2
"""


def write(root: Path, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        p = root / rel
        if text is None:
            if p.exists():
                p.unlink()
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def fabflee(root: Path, **override: str | None) -> Path:
    """A FabFlee config folder: input_csv/, source_data/, simsetting.yml."""
    folder = root / "config_files" / "tiny"
    files = {
        "input_csv/locations.csv": LOCATIONS, "input_csv/routes.csv": ROUTES,
        "input_csv/closures.csv": CLOSURES, "input_csv/conflicts.csv": CONFLICTS,
        "input_csv/sim_period.csv": SIM_PERIOD, "source_data/data_layout.csv": LAYOUT,
        "source_data/refugees.csv": TOTAL, "source_data/c.csv": CAMP_C,
        "source_data/d.csv": CAMP_D, "simsetting.yml": SETTINGS,
    }
    files.update(override)
    write(folder, files)
    return folder


def flat(root: Path, **override: str | None) -> Path:
    """A flat Flee input folder holding its validation files too."""
    folder = root / "flat"
    files = {
        "locations.csv": LOCATIONS, "routes.csv": ROUTES, "closures.csv": CLOSURES,
        "conflicts.csv": CONFLICTS, "sim_period.csv": SIM_PERIOD, "data_layout.csv": LAYOUT,
        "refugees.csv": TOTAL, "c.csv": CAMP_C, "d.csv": CAMP_D,
    }
    files.update(override)
    write(folder, files)
    return folder


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def cli(*args: str) -> Ran:
    """The command line, in process (as ``python -m crossings.cli ARGS``)."""
    r = CliRunner().invoke(app, list(args))
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return Ran(r.exit_code, r.stdout, r.stderr)


def notes_with(sc, *words: str) -> list[str]:
    return [n for n in sc.import_notes if all(w in n for w in words)]


# ------------------------------------------------------------------ FabFlee folders
def test_fabflee_settings_are_applied_and_shown(tmp_path):
    folder = fabflee(tmp_path)
    out = tmp_path / "tiny.toml"
    r = cli("import-flee", str(folder), "-o", str(out))
    assert r.returncode == 0, r.stderr
    shown = cli("show", str(out))
    assert shown.returncode == 0, shown.stderr
    doc = tomllib.loads(shown.stdout)
    mv, sp = doc["move_rules"], doc["spawn_rules"]
    assert (mv["max_move_speed"], mv["camp_weight"], mv["conflict_weight"]) == (200.0, 2.0, 0.5)
    assert (mv["default_movechance"], mv["softening"]) == (0.4, 5.0)
    assert mv["camp_movechance"] == 0.001  # not in the file: Flee's fallback
    assert sp["take_from_population"] is True and sp["conflict_spawn_decay"] == [1.0, 0.5]
    assert doc["optimisations"]["hasten"] == 2
    # the validation data came from source_data/, and the notes are in the scenario too
    assert [s["name"] for s in doc["validation"]["camps"]] == ["C", "D"]
    assert any("max_crossing_speed" in n for n in doc["import_notes"])


def test_unsupported_setting_is_reported_by_name(tmp_path):
    folder = fabflee(tmp_path)
    r = cli("import-flee", str(folder), "-o", str(tmp_path / "x.toml"))
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "max_crossing_speed" in ln]
    assert len(lines) == 1 and lines[0].startswith("note: ") and "ignored" in lines[0]
    # a setting that would change the rules and that crossings cannot run: one-line error
    bad = fabflee(tmp_path / "b", **{"simsetting.yml": SETTINGS.replace(
        "  softening: 5.0", "  softening: 5.0\n  awareness_level: 2")})
    r = cli("import-flee", str(bad), "-o", str(tmp_path / "y.toml"))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "simsetting.yml: move_rules.awareness_level:" in r.stderr
    assert not (tmp_path / "y.toml").exists()


@pytest.mark.parametrize("text,key", [
    (SETTINGS + "flood_rules:\n  max_flood_level: 3\n", "flood_rules"),
    (SETTINGS.replace("spawn_rules:\n", "spawn_rules:\n  flood_zone_spawning_only: True\n"),
     "spawn_rules.flood_zone_spawning_only"),
    (SETTINGS.replace("spawn_rules:\n", "spawn_rules:\n  conflict_driven_spawning:\n"
                      "    spawn_mode: Poisson\n"), "spawn_rules.conflict_driven_spawning.spawn_mode"),
    (SETTINGS.replace("move_rules:\n", "move_rules:\n  ChildrenAvoidHazards: True\n"),
     "move_rules.ChildrenAvoidHazards"),
    (SETTINGS.replace("200.0", "fast"), "move_rules.max_move_speed"),
    (SETTINGS.replace("take_from_population: True", "take_from_population: 'False'"),
     "spawn_rules.take_from_population"),
    (SETTINGS.replace("0.4", "1.5"), "move_rules.default_movechance"),
    (SETTINGS.replace("move_rules:\n", "move_rules: [\n"), "(syntax)"),
])
def test_settings_flee_fails_on_are_errors_naming_the_setting(tmp_path, text, key):
    folder = fabflee(tmp_path, **{"simsetting.yml": text})
    with pytest.raises(ScenarioError) as err:
        import_flee(folder)
    assert Path(err.value.file).name == "simsetting.yml"
    assert err.value.field == key


def test_settings_with_no_effect_or_other_names_are_noted(tmp_path):
    text = SETTINGS.replace("move_rules:\n", "move_rules:\n  awareness_level: -1\n"
                            "  capacity_scaling: 1.0\n  BoysTakeRisk: True\n").replace(
        "log_levels:\n  agent: 0\n", "log_levels:\n  agent: 1\n  granularity: location\n")
    text = text.replace("spawn_rules:\n", "spawn_rules:\n  camps_are_sinks: True\n"
                        "  camps_are_sicks: True\n  conflict_zone_spawning_only: False\n")
    text += "number_of_steps: 10\n"
    sc = import_flee(fabflee(tmp_path, **{"simsetting.yml": text}))
    for key in ("move_rules.awareness_level", "move_rules.capacity_scaling",
                "move_rules.BoysTakeRisk", "log_levels.agent", "log_levels.granularity",
                "spawn_rules.camps_are_sinks", "spawn_rules.camps_are_sicks",
                "spawn_rules.conflict_zone_spawning_only", "number_of_steps",
                "move_rules.max_crossing_speed"):
        assert len(notes_with(sc, f"simsetting.yml: {key}:")) == 1, key
    assert sc.move_rules.awareness_level == 1


def test_conflict_weight_left_out_takes_flee_fallback_and_says_so(tmp_path):
    sc = import_flee(fabflee(tmp_path, **{"simsetting.yml": "move_rules:\n"}))
    assert sc.move_rules.conflict_weight == pytest.approx(1 / np.sqrt(10), rel=1e-9)
    assert notes_with(sc, "move_rules.conflict_weight", "1/sqrt(10)")
    # without any settings file, the published simsetting.yml values apply (0.25), noted
    sc = import_flee(fabflee(tmp_path / "n", **{"simsetting.yml": None}))
    assert sc.move_rules.conflict_weight == 0.25 and notes_with(sc, "published defaults")


def test_use_v1_rules_applies_flee1_values(tmp_path):
    text = SETTINGS.replace("move_rules:\n", "move_rules:\n  use_v1_rules: True\n")
    sc = import_flee(fabflee(tmp_path, **{"simsetting.yml": text}))
    mv = sc.move_rules
    assert (mv.max_move_speed, mv.camp_weight, mv.conflict_weight) == (200.0, 2.0, 0.25)


def test_settings_file_elsewhere_replaces_the_folders_own(tmp_path):
    folder = fabflee(tmp_path)
    other = tmp_path / "elsewhere.yml"
    other.write_text("move_rules:\n  max_move_speed: 90\n  conflict_weight: 0.25\n")
    sc = import_flee(folder, settings=other)
    assert sc.move_rules.max_move_speed == 90.0 and sc.move_rules.camp_weight == 1.0
    r = cli("import-flee", str(folder), "--settings", str(other), "-o", str(tmp_path / "s.toml"))
    assert r.returncode == 0, r.stderr
    assert load_flee_scenario(tmp_path / "s.toml").move_rules.max_move_speed == 90.0


def test_flat_folder_with_its_own_settings(tmp_path):
    folder = flat(tmp_path, **{"simsetting.yml": SETTINGS})
    sc = import_flee(folder)
    assert sc.move_rules.max_move_speed == 200.0 and sc.validation is not None


def test_malformed_row_is_reported_by_file_row_and_column(tmp_path):
    folder = fabflee(tmp_path, **{"input_csv/routes.csv": ROUTES.replace("B,T,80", "B,T,far")})
    out = tmp_path / "bad.toml"
    r = cli("import-flee", str(folder), "-o", str(out))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1
    assert "routes.csv: row 3, column 'distance': a number (found 'far')" in r.stderr
    assert not out.exists()


# ------------------------------------------------------------------ SWEEP
def sweep_folder(tmp_path: Path) -> Path:
    folder = fabflee(tmp_path)
    write(folder / "SWEEP" / "slow", {"simsetting.yml": SETTINGS.replace("200.0", "50.0")})
    write(folder / "SWEEP" / "closed", {
        "input_csv/closures.csv": CLOSURES + "country,Home,Away,0,99\n"})
    return folder


def test_sweep_variants_are_imported_over_the_base(tmp_path):
    scs = import_sweep(sweep_folder(tmp_path))
    assert [sc.name for sc in scs] == ["tiny-closed", "tiny-slow"]
    closed, slow = scs
    assert slow.move_rules.max_move_speed == 50.0 and slow.closures == []
    assert closed.move_rules.max_move_speed == 200.0  # the base settings
    assert [c.closure_type for c in closed.closures] == ["country"]
    assert closed.locations == slow.locations  # the base input files


def test_two_sweep_variants_run_as_two_scenarios(tmp_path):
    folder = sweep_folder(tmp_path)
    out = tmp_path / "sweep"
    r = cli("import-flee", str(folder), "--sweep", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.glob("*.toml")) == ["tiny-closed.toml", "tiny-slow.toml"]
    res = tmp_path / "res"
    r = cli("run-sweep", str(out), "--seeds", "2", "--out", str(res))
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(res / "sweep.csv")
    assert sorted(set(table["scenario"])) == ["tiny-closed", "tiny-slow"] and len(table) == 4
    assert table["ard"].between(0, 2).all()
    for name in ("tiny-closed", "tiny-slow"):
        daily = pd.read_csv(res / name / "seed-0" / "daily.csv")
        assert len(daily) == 6
    # each variant ran with its own inputs: the closed border keeps newcomers out of camp C
    # (in Away); at 50 km a day nobody is on the last route yet, at 200 km some are
    closed = pd.read_csv(res / "tiny-closed" / "seed-0" / "daily.csv")
    slow = pd.read_csv(res / "tiny-slow" / "seed-0" / "daily.csv")
    assert closed["C"].iloc[1:].max() == closed["C"].iloc[0]
    assert not closed["in_transit"].equals(slow["in_transit"])
    # run-sweep also takes the FabFlee folder itself
    r = cli("run-sweep", str(folder), "--no-save")
    assert r.returncode == 0, r.stderr and "tiny-slow" in r.stdout


def test_sweep_without_sweep_folder_is_an_error(tmp_path):
    with pytest.raises(ScenarioError) as err:
        import_sweep(fabflee(tmp_path))
    assert err.value.file.endswith("SWEEP")


# ------------------------------------------------------------------ what Flee 3.1 accepts
def events(sc):
    return [(e.day, e.location, e.intensity) for e in sc.conflicts]


def test_trailing_comma_in_conflicts_header(tmp_path):
    # Flee 3.1 skips the empty header cell; data rows have one column fewer.
    text = CONFLICTS.replace("#Day,A,B", "#Day,A,B,")
    sc = import_flee(flat(tmp_path, **{"conflicts.csv": text}))
    assert events(sc) == events(import_flee(flat(tmp_path / "ref")))
    assert notes_with(sc, "conflicts.csv", "trailing comma")
    # a value under the empty header cell: Flee 3.1 fails too -> row and column named
    bad = text.replace("2,1,1\n", "2,1,1,1\n")
    with pytest.raises(ScenarioError) as err:
        import_flee(flat(tmp_path / "bad", **{"conflicts.csv": bad}))
    assert Path(err.value.file).name == "conflicts.csv" and err.value.field == "row 4, column 4"


def test_conflicts_column_naming_no_location(tmp_path):
    text = "#Day,A,Nowhere,B\n" + "".join(
        f"{t},1,1,{int(t >= 2)}\n" for t in range(6))
    sc = import_flee(flat(tmp_path, **{"conflicts.csv": text}))
    assert {e[1] for e in events(sc)} == {"A", "B"}
    assert notes_with(sc, "conflicts.csv", "column 3 'Nowhere'")


def test_validation_dates_out_of_order(tmp_path):
    camp = "2020-01-01,40\n2020-01-06,300\n2020-01-03,150\n"
    sc = import_flee(flat(tmp_path, **{"c.csv": camp}))
    s = sc.validation.camps[0]
    assert [d.day for d in s.dates] == [1, 6, 3]  # kept in file order
    assert notes_with(sc, "c.csv", "out of order", "row 3")
    # Flee 3.1's DataTable.get_interpolated_data on these rows (days 0, 5, 2): days 1..4
    # interpolate between rows 1 and 2 (day 0 -> 5), day 5 onwards interpolate from row 2
    # (day 5) to row 3 (day 2) never happens: the last row's value is taken.
    got = ard.daily_series(np.array([0, 5, 2]), np.array([40.0, 300.0, 150.0]), 8).tolist()
    assert got == [40, 92, 144, 196, 248, 150, 150, 150]


def test_daily_series_follows_flee_row_scan_in_any_order():
    # x = [0, 10, 5, 20]: a day in (10, 20) interpolates between the rows dated 5 and 20
    x, y = np.array([0, 10, 5, 20]), np.array([0.0, 100.0, 50.0, 200.0])
    got = ard.daily_series(x, y, 22)
    assert got[7] == 70 and got[12] == 50 + int(7 / 15 * 150)
    assert got[21] == 200


def test_conflicts_shorter_than_the_period(tmp_path):
    short = "".join(CONFLICTS.splitlines(keepends=True)[:5])  # days 0..3
    folder = fabflee(tmp_path, **{"input_csv/conflicts.csv": short})
    with pytest.raises(ScenarioError) as err:
        import_flee(folder)
    assert Path(err.value.file).name == "conflicts.csv"
    assert "sim_period.csv asks for 6 days" in err.value.expected
    assert "--days 4" in err.value.expected
    sc = import_flee(folder, days=4)
    assert sc.days == 4 and notes_with(sc, "simulating 4 days")
    r = cli("import-flee", str(folder), "--days", "4", "-o", str(tmp_path / "d.toml"))
    assert r.returncode == 0, r.stderr
    assert load_flee_scenario(tmp_path / "d.toml").days == 4


def test_duplicate_location_names(tmp_path):
    # two rows name T; Flee links routes to the last one, so crossings keeps that one
    text = LOCATIONS + "T,South,Home,11.0,0.1,town,,777\n"
    sc = import_flee(flat(tmp_path, **{"locations.csv": text}))
    ts = [loc for loc in sc.locations if loc.name == "T"]
    assert len(ts) == 1 and ts[0].population == 777 and ts[0].region == "South"
    (note,) = notes_with(sc, "locations.csv", "'T'")
    assert "rows 4, 7" in note and "last (row 7)" in note and "first" in note


def test_day_column_and_negative_values_read_as_flee(tmp_path):
    text = CONFLICTS.replace("3,1,1", "x,1,-1")
    sc = import_flee(flat(tmp_path, **{"conflicts.csv": text}))
    assert notes_with(sc, "column '#Day'", "row order") and notes_with(sc, "negative")
    # B: 1 on day 2, -1 (no conflict) on day 3 -> ends (fell from exactly 1), 1 again day 4
    assert [e for e in events(sc) if e[1] == "B"] == [(2, "B", 1.0), (3, "B", 0.0), (4, "B", 1.0)]


def test_closure_ending_before_it_starts_never_ends(tmp_path):
    text = CLOSURES + "country,Home,Away,3,1\nwall,Home,Away,0,2\n"
    sc = import_flee(flat(tmp_path, **{"closures.csv": text}))
    assert len(sc.closures) == 1 and sc.closures[0].closure_end > 10**6
    assert notes_with(sc, "closures.csv", "never ends") and notes_with(sc, "closure_type")


def test_validation_layout_rows_flee_reads_but_does_not_use(tmp_path):
    layout = LAYOUT + "Nowhere,c.csv\nC,d.csv\n"
    sc = import_flee(flat(tmp_path, **{"data_layout.csv": layout}))
    assert [s.name for s in sc.validation.camps] == ["C", "D"]
    assert sc.validation.camps[0].counts[0] == 40  # the first C row is used, as in Flee
    assert notes_with(sc, "'Nowhere'") and notes_with(sc, "repeats 'C'")


# ------------------------------------------------------------------ files dropped before
def test_unused_files_and_columns_are_reported_by_name(tmp_path):
    locations = LOCATIONS.replace("population\n", "population,food_security\n")
    folder = fabflee(tmp_path, **{
        "input_csv/locations.csv": locations,
        "input_csv/demographics_age.csv": "age,Default\n10,0.5\n30,0.5\n",
        "input_csv/agents.csv": "#location,age\nlocation,age\nA,10\n",
        "source_data/unused.csv": "2020-01-01,5\n",
    })
    sc = import_flee(folder)
    assert notes_with(sc, "demographics_age.csv", "not used")
    assert notes_with(sc, "agents.csv", "read_from_agents_csv_file is false")
    assert notes_with(sc, "column 9 'food_security'")
    assert notes_with(sc, "unused.csv", "ignored")


def test_agents_csv_places_people_on_day_0(tmp_path):
    folder = fabflee(tmp_path, **{
        "simsetting.yml": SETTINGS.replace("spawn_rules:\n", "spawn_rules:\n"
                                           "  read_from_agents_csv_file: True\n"),
        "input_csv/agents.csv": "location,age,gender\nT,30,f\nT,20,m\nZ,5,m\nA,1,f\n",
    })
    sc = import_flee(folder)
    assert [(p.location, p.people) for p in sc.initial_people] == [("T", 2), ("A", 1)]
    assert notes_with(sc, "agents.csv", "'age', 'gender'") and notes_with(sc, "row", "no location")
    # hasten 2 in SETTINGS: the 2 people at T become 1 agent, A's 1 person 0
    res = FleeSim(sc, seed=0).run()
    assert res.agents[0] >= 1
    missing = fabflee(tmp_path / "m", **{"simsetting.yml": SETTINGS.replace(
        "spawn_rules:\n", "spawn_rules:\n  read_from_agents_csv_file: True\n")})
    with pytest.raises(ScenarioError) as err:
        import_flee(missing)
    assert Path(err.value.file).name == "agents.csv"


def test_route_attributes_are_used(tmp_path):
    routes = ROUTES.replace("forced_redirection\n", "forced_redirection,max_move_speed,"
                            "walk_probability,surface\n")
    routes = routes.replace("T,C,300,0\n", "T,C,300,0,50,,tarmac\n").replace(
        "T,D,400,0\n", "T,D,400,1,,1.0,\n")
    sc = import_flee(flat(tmp_path, **{"routes.csv": routes}))
    by = {(r.name1, r.name2): r for r in sc.routes}
    assert by[("T", "C")].max_move_speed == 50.0 and by[("T", "D")].walk_probability == 1.0
    assert by[("A", "T")].max_move_speed is None
    assert notes_with(sc, "column 7 'surface'")
    assert notes_with(sc, "forced_redirection = 1", "twice")
    bad = routes.replace(",50,,tarmac", ",slow,,tarmac")
    with pytest.raises(ScenarioError) as err:
        import_flee(flat(tmp_path / "b", **{"routes.csv": bad}))
    assert err.value.field == "row 4, column 'max_move_speed'"


def test_conflict_intensity_column_sets_the_starting_intensity(tmp_path):
    locations = LOCATIONS.replace("population\n", "population,conflict_intensity\n").replace(
        "conflict_zone,0,10000", "conflict_zone,0,10000,0.5")
    sc = import_flee(flat(tmp_path, **{"locations.csv": locations,
                                       "conflicts.csv": None}))
    assert {loc.name: loc.conflict_intensity for loc in sc.locations}["A"] == 0.5
    assert FleeSim(sc).conflict[0] == 0.5


def test_header_row_without_hash_is_skipped(tmp_path):
    text = LOCATIONS.lstrip("#")
    sc = import_flee(flat(tmp_path, **{"locations.csv": text}))
    assert [loc.name for loc in sc.locations] == ["A", "B", "T", "C", "D"]
    assert notes_with(sc, "header without '#'")


# ------------------------------------------------------------------ Mali 2012, FabFlee-style
def test_mali_from_a_fabflee_folder_gives_the_shipped_ard(tmp_path):
    folder = tmp_path / "config_files" / "mali2012"
    shutil.copytree(MALI / "input", folder / "input_csv")
    shutil.copytree(MALI / "validation", folder / "source_data")
    shutil.copy(MALI / "simsetting.yml", folder / "simsetting.yml")
    sc = import_flee(folder)
    shipped = load_flee_scenario(MALI / "scenario.toml")
    same = ("start_date", "days", "locations", "routes", "closures", "conflicts", "move_rules",
            "spawn_rules", "optimisations", "validation")
    assert all(getattr(sc, k) == getattr(shipped, k) for k in same)
    a = FleeSim(sc, seed=3, agents_scale=0.05).run().ard()
    b = FleeSim(shipped, seed=3, agents_scale=0.05).run().ard()
    assert a == b and 0 < a < 0.5


def test_run_prints_ard_by_day_and_writes_flee_out_csv(tmp_path):
    out = tmp_path / "tiny.toml"
    assert cli("import-flee", str(fabflee(tmp_path)), "-o", str(out)).returncode == 0
    r = cli("run", str(out), "--out", str(tmp_path / "res"), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "validation error by day" in r.stdout and "ARD over 6 days" in r.stdout
    flee_out = pd.read_csv(tmp_path / "res" / "out.csv")
    for col in ("Day", "Date", "C sim", "C data", "C error", "D sim", "Total error",
                "refugees in camps (UNHCR)", "refugees in camps (simulation)", "refugee_debt"):
        assert col in flee_out.columns, col
    daily = pd.read_csv(tmp_path / "res" / "ard_daily.csv")
    sim = flee_out[["C sim", "D sim"]].to_numpy()
    obs = flee_out[["C data", "D data"]].to_numpy()
    assert np.allclose(daily["ard"], ard.ard_by_day(sim, obs))
    assert "ARD over 6 days (rescaled, Flee's metric): " + f"{daily['ard'].mean():.4f}" in r.stdout


# ------------------------------------------------------------------ the settings registry
@pytest.mark.parametrize("setting", FLEE_SETTINGS, ids=[s.key for s in FLEE_SETTINGS])
def test_every_listed_setting_is_read(tmp_path, setting):
    """The reader knows every setting of the registry: a value is either read (an error
    names the setting when the value is unusable) or noted, never reported as unknown."""
    *section, key = setting.key.split(".")
    text = (f"{section[0]}:\n  {key}: null\n" if section else f"{key}: null\n")
    path = tmp_path / "simsetting.yml"
    path.write_text(text)
    try:
        notes = read_settings(path).notes
    except ScenarioError as err:
        assert err.field.startswith(setting.key)
        return
    assert not [n for n in notes if setting.key in n and "not a Flee 3.1 setting" in n]


def test_docs_list_every_setting_with_its_status():
    text = (ROOT / "docs" / "flee.md").read_text()
    assert {s.status for s in FLEE_SETTINGS} <= {"supported", "approximated", "not supported"}
    for s in FLEE_SETTINGS:
        assert f"| `{s.key}` | {s.status} |" in text, s.key


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from([
    "move_rules:", "spawn_rules:", "log_levels:", "optimisations:", "flood_rules:", "\n",
    "  ", "    ", "max_move_speed: ", "awareness_level: ", "conflict_spawn_decay: ",
    "conflict_driven_spawning:", "spawn_mode: ", "take_from_population: ", "hasten: ",
    "agent: ", "use_v1_rules: ", "[1, 2]", "{a: 1}", "0", "-1", "2.5", "True", "'x'", "null",
    "? [a]\n: b", "&a 1", "*a", "- 3", ":", "#", "\t", "2020-01-01", "1e400", "\xff"]),
    max_size=30).map("".join))
def test_arbitrary_settings_only_raise_scenario_error(tmp_path, text):
    path = tmp_path / "simsetting.yml"
    path.write_text(text, encoding="utf-8")
    try:
        read_settings(path)
    except ScenarioError as err:
        assert "\n" not in str(err)


def test_arbitrary_settings_file_in_a_folder_only_raises_scenario_error(tmp_path):
    folder = fabflee(tmp_path, **{"simsetting.yml": "move_rules:\n  - 1\n  - 2\n"})
    with pytest.raises(ScenarioError) as err:
        import_flee(folder)
    assert err.value.field == "move_rules"


def test_nothing_in_a_settings_file_is_dropped_silently(tmp_path):
    text = (MALI / "simsetting.yml").read_text() + """number_of_steps: 5
flood_rules:
"""
    text = text.replace("spawn_rules:\n", "spawn_rules:\n  conflict_driven_spawning:\n"
                        "    spawn_mode: pop_ratio\n    extra_key: 1\n  camps_are_sicks: false\n"
                        "  read_from_agents_csv_file: false\n")
    text = text.replace("move_rules:\n", "move_rules:\n  use_v1_rules: false\n"
                        "  ChildrenAvoidHazards: false\n  stay_close_to_home: true\n")
    path = tmp_path / "simsetting.yml"
    path.write_text(text)
    sc = import_flee(fabflee(tmp_path), settings=path)
    import yaml

    mapped = {"move_rules": sc.move_rules.model_dump(), "spawn_rules": sc.spawn_rules.model_dump(),
              "optimisations": sc.optimisations.model_dump()}
    renamed = {"spawn_rules.conflict_driven_spawning": "conflict_spawn_mode"}
    for section, body in yaml.safe_load(text).items():
        leaves = [(section, None)] if not isinstance(body, dict) else [
            (section, k) for k in body]
        for sec, key in leaves:
            name = sec if key is None else f"{sec}.{key}"
            in_toml = key is not None and (key in mapped.get(sec, {}) or
                                           renamed.get(name) in mapped.get(sec, {}))
            in_notes = any(name in n for n in sc.import_notes)
            assert in_toml or in_notes, name
    assert sc.spawn_rules.conflict_spawn_mode == "pop_ratio"
    assert any("conflict_driven_spawning.extra_key" in n for n in sc.import_notes)
