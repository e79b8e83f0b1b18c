"""Bad scenarios give one clear line (file, field, what was expected), a non-zero exit and no
traceback; a fuzz test proves no other exception escapes the loader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossings.errors import ScenarioError
from crossings.scenario.loader import load_scenario
from worlds import D, tiny


def write(tmp_path: Path, d: dict, name="bad.toml") -> Path:
    p = tmp_path / name
    p.write_text(tomli_w.dumps(d))
    return p


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "crossings.cli", *args], capture_output=True, text=True, cwd=cwd)


def unknown_key(d):
    d["camps"] = {"bogus_parameter": 1}
    return "camps.bogus_parameter", "unknown key"


def wrong_type(d):
    d["seed"] = "twelve"
    return "seed", "integer"


def negative_capacity(d):
    d["sites"][0]["capacity"] = -5
    return "sites[0].capacity", "greater than or equal to 0"


def route_to_unknown_site(d):
    d["routes"].append({"a": "A", "b": "Atlantis", "days": 1})
    return "routes[5].b", "unknown site 'Atlantis'"


def dates_out_of_order(d):
    d["end"] = D(2019, 1, 1)
    return "end", "must not be before start"


def policy_dates_out_of_order(d):
    d["policies"] = [{"type": "returns_agreement", "start": D(2020, 5, 1), "end": D(2020, 1, 1), "returns_per_week": 5}]
    return "policies[0]", "end must not be before start"


def nationality_tolerance_below_floor(d):
    d["people"] = {"risk_tolerance_min": 0.5}
    d["nationalities"][1]["risk_tolerance_mean"] = 0.4
    return "nationalities[1].risk_tolerance_mean", "must be above people.risk_tolerance_min"


CASES = [unknown_key, wrong_type, negative_capacity, route_to_unknown_site, dates_out_of_order, policy_dates_out_of_order,
         nationality_tolerance_below_floor]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_bad_scenario_one_line_naming_file_field_expectation(tmp_path, case):
    d = tiny()
    field, expected = case(d)
    path = write(tmp_path, d)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert e.value.file == str(path)
    assert field in e.value.field
    assert expected in e.value.expected
    r = cli("run", str(path), "--no-progress", "--out", str(tmp_path / "out"))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert str(path) in lines[0] and field in lines[0]
    assert "Traceback" not in r.stderr + r.stdout
    assert not (tmp_path / "out").exists()  # nothing written


def test_unreadable_and_missing_files(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('name = "x"\nstart = [unclosed\n')
    for target, field in ((bad, "(syntax)"), (tmp_path / "missing.toml", "(file)")):
        r = cli("validate", str(target))
        assert r.returncode == 2
        assert len(r.stderr.strip().splitlines()) == 1
        assert str(target) in r.stderr and field in r.stderr
        assert "Traceback" not in r.stderr
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ScenarioError):
        load_scenario(binary)


def test_inheritance_overrides_and_appends_policies(tmp_path):
    base = write(tmp_path, tiny(), "base.toml")
    child = tmp_path / "child.toml"
    child.write_text(
        'inherits = "base.toml"\nname = "child"\nseed = 99\n[camps]\nbeta_network = 2.0\n'
        '[[policies]]\ntype = "traffic_shock"\nstart = 2020-03-01\nmultiplier = 0.5\n'
    )
    sc = load_scenario(child)
    assert sc.name == "child" and sc.seed == 99 and sc.camps.beta_network == 2.0
    assert sc.camps.beta_crowding == 1.0  # untouched defaults survive the merge
    assert [p.type for p in sc.policies] == ["traffic_shock"]
    assert len(sc.sites) == 7
    loop = tmp_path / "loop.toml"
    loop.write_text('inherits = "loop.toml"\nname = "x"\n')
    with pytest.raises(ScenarioError, match="inherits"):
        load_scenario(loop)
    assert base.exists()


# ---------------------------------------------------------------- fuzz
def _mutate(d, path, value):
    cur = d
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value


PATHS = [
    ("seed",), ("start",), ("end",), ("scale",), ("name",), ("sites", 0, "capacity"), ("sites", 0, "kind"),
    ("sites", 1, "name"), ("sites", 2, "lat"), ("routes", 0, "a"), ("routes", 1, "days"),
    ("nationalities", 0, "share"), ("nationalities", 0, "camp_network"), ("inflow", "knots"),
    ("inflow", "entry_site"), ("enforcement", "spending", 0, "channel"), ("enforcement", "spending", 0, "end"),
    ("people",), ("camps", "beta_network"), ("policies",), ("weather", "series"), ("market",), ("model",), ("inherits",),
]
values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True) | st.text(max_size=8)
    | st.dates(min_value=D(1, 1, 1)),
    lambda ch: st.lists(ch, max_size=3) | st.dictionaries(st.text(max_size=6), ch, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(muts=st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=3))
def test_fuzz_loader_raises_only_scenario_errors(tmp_path, muts):
    d = tiny()
    d["camps"] = {"beta_network": 1.0}
    for path, v in muts:
        try:
            _mutate(d, path, v)
        except (KeyError, IndexError, TypeError):
            pass
    d = {k: v for k, v in d.items() if v is not None}
    try:
        text = tomli_w.dumps(_strip_none(d))
    except (TypeError, ValueError):
        return  # not representable as TOML: the loader would never see it
    p = tmp_path / "fuzz.toml"
    p.write_text(text)
    try:
        load_scenario(p)
    except ScenarioError as e:
        assert str(p) in str(e) and "\n" not in str(e)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_fuzz_loader_on_raw_bytes(tmp_path, raw):
    p = tmp_path / "raw.toml"
    p.write_bytes(raw)
    try:
        load_scenario(p)
    except ScenarioError:
        pass


def _strip_none(x):
    if isinstance(x, dict):
        return {str(k): _strip_none(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [_strip_none(v) for v in x if v is not None]
    return x
