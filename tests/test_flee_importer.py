"""The Flee folder importer: a small Flee-format folder built in each test, good and bad."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossings.errors import ScenarioError
from crossings.flee.importer import import_flee, write_scenario
from crossings.flee.schema import FleeScenario, load_flee_scenario

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
CLOSURES = """#closure_type,name1,name2,closure_start,closure_end
country,Home,Away,0,3
"""
SIM_PERIOD = "StartDate,2020-01-01\nLength,5\n"
CONFLICTS = """#Day,A,B
0,1,0
1,1,0
2,1,1
3,0,1
4,0,1
"""
CORRECTIONS = '"C","2020-01-03","normalize"\n'
LAYOUT = "total,refugees.csv\nC,c.csv\nD,d.csv\n"
TOTAL = "Date,Refugee_numbers\n2020-01-01,100\n2020-01-03,300\n2020-01-05,350\n"
CAMP_C = "#DateTime,count\n2020-01-01,40\n2020-01-02,50\n2020-01-03,200\n2020-01-05,250\n"
CAMP_D = "DateTime,count\n2020-01-01,0\n2020-01-05,100\n"


def make_folder(root: Path, **overrides: str | None) -> tuple[Path, Path]:
    """A valid Flee input folder and validation folder; overrides replace (None: delete) files."""
    inp = root / "input"
    val = root / "validation"
    inp.mkdir(parents=True, exist_ok=True)
    val.mkdir(parents=True, exist_ok=True)
    files = {
        "input/locations.csv": LOCATIONS, "input/routes.csv": ROUTES,
        "input/closures.csv": CLOSURES, "input/sim_period.csv": SIM_PERIOD,
        "input/conflicts.csv": CONFLICTS, "input/registration_corrections.csv": CORRECTIONS,
        "validation/data_layout.csv": LAYOUT, "validation/refugees.csv": TOTAL,
        "validation/c.csv": CAMP_C, "validation/d.csv": CAMP_D,
    }
    for key, text in overrides.items():
        files[key.replace("__", "/").replace("_csv", ".csv")] = text
    for rel, text in files.items():
        if text is not None:
            (root / rel).write_text(text, encoding="utf-8")
    return inp, val


def test_imports_a_small_folder(tmp_path):
    inp, val = make_folder(tmp_path)
    sc = import_flee(inp, val, name="tiny")
    assert sc.model == "flee" and sc.name == "tiny"
    assert sc.start_date == dt.date(2020, 1, 1) and sc.days == 5
    by = {loc.name: loc for loc in sc.locations}
    assert by["A"].location_type == "conflict_zone" and by["A"].conflict_date == 0
    assert by["A"].population == 10000 and by["A"].capacity is None
    assert by["C"].location_type == "camp" and by["C"].capacity == 500
    assert by["D"].capacity is None  # empty population column: unlimited camp
    assert (sc.routes[0].name1, sc.routes[0].name2, sc.routes[0].distance) == ("A", "T", 120.0)
    assert sc.closures[0].closure_type == "country" and sc.closures[0].closure_end == 3
    # Flee's rules: A starts day 0, B starts day 2, A ends day 3 (value fell from exactly 1).
    events = [(e.day, e.location, e.intensity) for e in sc.conflicts]
    assert events == [(0, "A", 1.0), (2, "B", 1.0), (3, "A", 0.0)]
    assert sc.validation.total.counts == [100, 300, 350]
    assert [s.name for s in sc.validation.camps] == ["C", "D"]
    assert sc.validation.registration_corrections[0].location == "C"


def test_round_trip_through_toml(tmp_path):
    inp, val = make_folder(tmp_path)
    sc = import_flee(inp, val, name="tiny", source="test data")
    out = write_scenario(sc, tmp_path / "out" / "scenario.toml")
    again = load_flee_scenario(out)
    assert again == sc
    # The loader contract: the raw TOML validates as it is.
    import tomllib

    FleeScenario.model_validate(tomllib.loads(out.read_text()))


def test_without_conflicts_file_conflicts_start_on_conflict_date(tmp_path):
    inp, val = make_folder(tmp_path, input__conflicts_csv=None)
    sc = import_flee(inp, val)
    assert [(e.day, e.location) for e in sc.conflicts] == [(2, "B")]


def test_without_validation_spawns_by_conflict(tmp_path):
    inp, _ = make_folder(tmp_path)
    sc = import_flee(inp)
    assert sc.validation is None
    assert sc.spawn_rules.mode == "conflict_driven"


def test_validation_found_in_input_folder(tmp_path):
    inp, val = make_folder(tmp_path)
    for f in val.iterdir():
        (inp / f.name).write_text(f.read_text())
    assert import_flee(inp).validation is not None


def test_closures_file_is_optional(tmp_path):
    inp, val = make_folder(tmp_path)
    (inp / "closures.csv").unlink()
    assert import_flee(inp, val).closures == []


BAD_CASES = [
    # (file key, content, file name in error, text expected in the field)
    ("input__locations_csv", "A,N,Home,1,1\n", "locations.csv", "row 1"),
    ("input__locations_csv", LOCATIONS.replace("15.0,1.0", "north,1.0"), "locations.csv",
     "latitude"),
    ("input__locations_csv", LOCATIONS.replace("15.0,1.0", "95.0,1.0"), "locations.csv",
     "latitude"),
    ("input__locations_csv", LOCATIONS.replace("town", "village"), "locations.csv",
     "location_type"),
    ("input__locations_csv", LOCATIONS.replace("town", "marker"), "locations.csv",
     "location_type"),
    ("input__locations_csv", LOCATIONS.replace("conflict_zone,0,10000", "conflict_zone,,10000"),
     "locations.csv", "conflict_date"),
    ("input__locations_csv", LOCATIONS.replace(",20000", ",-5"), "locations.csv",
     "population"),
    ("input__locations_csv", LOCATIONS.replace(",20000", ",2.5"), "locations.csv",
     "population"),
    ("input__locations_csv", "#only a header\n", "locations.csv", "(rows)"),
    ("input__locations_csv", None, "locations.csv", "(file)"),
    ("input__routes_csv", ROUTES.replace("A,T,120", "A,X,120"), "routes.csv", "name2"),
    ("input__routes_csv", ROUTES.replace("A,T,120", "A,T,-1"), "routes.csv", "distance"),
    ("input__routes_csv", ROUTES.replace("A,T,120,0", "A,T,120,x"), "routes.csv",
     "forced_redirection"),
    ("input__routes_csv", ROUTES.replace("A,T,120", "A,T,far"), "routes.csv", "distance"),
    ("input__routes_csv", ROUTES.replace("A,T,120", "A,A,120"), "routes.csv", "row"),
    ("input__routes_csv", ROUTES.replace("A,T,120,0", "A,T"), "routes.csv", "row"),
    ("input__closures_csv", CLOSURES.replace("Away", "Atlantis"), "closures.csv", "name2"),
    ("input__closures_csv", CLOSURES.replace("0,3", "zero,3"), "closures.csv",
     "closure_start"),
    ("input__sim_period_csv", "StartDate,2020-01-01\n", "sim_period.csv", "Length"),
    ("input__sim_period_csv", "StartDate,01/01/2020\nLength,5\n", "sim_period.csv",
     "StartDate"),
    ("input__sim_period_csv", "StartDate,2020-01-01\nLength,0\n", "sim_period.csv",
     "Length"),
    ("input__conflicts_csv", CONFLICTS.replace("2,1,1", "2,1"), "conflicts.csv", "row 4"),
    ("input__conflicts_csv", CONFLICTS.replace("2,1,1", "2,1,1,1"), "conflicts.csv",
     "row 4, column 4"),
    ("input__conflicts_csv", CONFLICTS.replace("#Day,A,B", "#Day,A,A"), "conflicts.csv",
     "column 3"),
    ("input__conflicts_csv", CONFLICTS.replace("#Day,A,B", "#Day,,B"), "conflicts.csv",
     "column 2"),
    ("input__closures_csv", CLOSURES.replace("0,3", "-1,3"), "closures.csv",
     "closure_start"),
    ("input__locations_csv", LOCATIONS.replace(",20000", ",20000,extra"), "locations.csv",
     "row 4, column 9"),
    ("input__conflicts_csv", CONFLICTS.replace("4,0,1\n", ""), "conflicts.csv", "(rows)"),
    ("input__conflicts_csv", CONFLICTS.replace("3,0,1", "3,x,1"), "conflicts.csv", "row 5"),
    ("input__registration_corrections_csv", '"C","2020-01-04"\n',
     "registration_corrections.csv", "column 2"),
    ("input__registration_corrections_csv", '"Z","2020-01-03"\n',
     "registration_corrections.csv", "column 1"),
    ("validation__data_layout_csv", "C,c.csv\n", "data_layout.csv", "total"),
    ("validation__data_layout_csv", LAYOUT.replace("d.csv", "missing.csv"), "missing.csv",
     "(file)"),
    ("validation__c_csv", CAMP_C.replace("2020-01-02", "2020-13-02"), "c.csv", "row 3"),
    ("validation__c_csv", CAMP_C.replace(",50", ",-50"), "c.csv", "row 3"),
    ("validation__c_csv", CAMP_C.replace(",50", ",many"), "c.csv", "row 3"),
    ("validation__c_csv", "DateTime,count\n", "c.csv", "(rows)"),
]


@pytest.mark.parametrize("key,content,file,field", BAD_CASES)
def test_malformed_files_raise_scenario_error(tmp_path, key, content, file, field):
    inp, val = make_folder(tmp_path, **{key: content})
    with pytest.raises(ScenarioError) as err:
        import_flee(inp, val)
    assert Path(err.value.file).name == file
    assert field in err.value.field
    assert err.value.expected


def test_not_utf8_is_a_scenario_error(tmp_path):
    inp, val = make_folder(tmp_path)
    (inp / "routes.csv").write_bytes(b"A,T,\xff\xfe120\n")
    with pytest.raises(ScenarioError) as err:
        import_flee(inp, val)
    assert err.value.field == "(encoding)"


def test_missing_folders_are_scenario_errors(tmp_path):
    with pytest.raises(ScenarioError):
        import_flee(tmp_path / "nope")
    inp, _ = make_folder(tmp_path)
    with pytest.raises(ScenarioError):
        import_flee(inp, tmp_path / "no_validation")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(["input/locations.csv", "input/routes.csv", "input/conflicts.csv",
                               "input/closures.csv", "input/sim_period.csv",
                               "validation/c.csv", "validation/data_layout.csv"]),
       text=st.lists(st.sampled_from(list("AB,TC-1.0#\n\"x \xff") + ["2020-01-02", "camp",
                                                                        "conflict_zone", "Home"]),
                     max_size=40).map("".join))
def test_arbitrary_content_only_raises_scenario_error(tmp_path, target, text):
    inp, val = make_folder(tmp_path)
    (tmp_path / target).write_text(text, encoding="utf-8")
    try:
        import_flee(inp, val)
    except ScenarioError:
        pass


def test_load_flee_scenario_errors(tmp_path):
    with pytest.raises(ScenarioError) as err:
        load_flee_scenario(tmp_path / "missing.toml")
    assert err.value.field == "(file)"
    bad = tmp_path / "bad.toml"
    bad.write_text("model = 'flee'\nname = [\n")
    with pytest.raises(ScenarioError) as err:
        load_flee_scenario(bad)
    assert err.value.field == "(syntax)"
    other = tmp_path / "other.toml"
    other.write_text("name = 'x'\n")
    with pytest.raises(ScenarioError) as err:
        load_flee_scenario(other)
    assert err.value.field == "model"
    inp, val = make_folder(tmp_path)
    good = write_scenario(import_flee(inp, val), tmp_path / "good.toml")
    text = good.read_text().replace("distance = 120.0", "distance = -120.0")
    (tmp_path / "neg.toml").write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_flee_scenario(tmp_path / "neg.toml")
    assert err.value.field == "routes[0].distance"
    text = good.read_text().replace('name1 = "A"', 'name1 = "Nowhere"')
    (tmp_path / "ref.toml").write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_flee_scenario(tmp_path / "ref.toml")
    assert err.value.field == "routes[0].name1"
    text = good.read_text().replace('model = "flee"', 'model = "flee"\ncolour = "red"')
    (tmp_path / "extra.toml").write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_flee_scenario(tmp_path / "extra.toml")
    assert err.value.field == "colour"


def test_every_schema_field_is_documented_with_its_source():
    from crossings.flee import schema

    models = [schema.FleeLocation, schema.FleeRoute, schema.FleeClosure,
              schema.FleeConflictEvent, schema.FleeSeries, schema.FleeRegistrationCorrection,
              schema.FleeValidation, schema.FleeMoveRules, schema.FleeSpawnRules,
              schema.FleeOptimisations, schema.FleeInitialPeople, schema.FleeScenario]
    for model in models:
        assert model.model_config.get("extra") == "forbid", model.__name__
        for name, f in model.model_fields.items():
            text = f.description or ""
            assert "Source" in text, f"{model.__name__}.{name}"
            if not f.is_required():
                assert "Default" in text, f"{model.__name__}.{name}"
