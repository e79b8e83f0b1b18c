"""Policy comparison with common random numbers, the example policy files, and sweeps."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crossings
from crossings.ensemble.compare import apply_policy_file, compare
from crossings.ensemble.sweeps import Sweep, grid, morris, sobol
from crossings.errors import CrossingsError, ScenarioError
from ensemble_worlds import LEGAL_ROUTE, invoke, short_channel, write_policy, write_short_channel

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "policies"
SEEDS = [1, 2, 3]


@pytest.fixture(scope="module")
def legal(tmp_path_factory):
    d = tmp_path_factory.mktemp("pol")
    return compare(short_channel(), [write_policy(d, "legal", LEGAL_ROUTE)], seeds=SEEDS, backend="serial")[0]


def test_runs_share_every_draw_until_the_policy_acts(legal):
    """Common random numbers: before the policy's first day the two runs of a seed are identical."""
    first = pd.Timestamp("2014-03-01")
    for b, p in zip(legal.baseline_runs, legal.policy_runs, strict=True):
        before = b.daily.index < first
        pd.testing.assert_frame_equal(b.daily[before], p.daily[before], check_exact=True)
        assert not b.daily[~before].equals(p.daily[~before])
    assert legal.start == dt.date(2014, 3, 1) and legal.end == dt.date(2014, 6, 30)


def test_a_legal_route_shows_legal_crossings_only_with_the_policy(legal):
    t = legal.table()
    row = t[t["key"] == "crossings_legal"].iloc[0]
    assert row["baseline"] == 0 and row["policy"] > 0  # the baseline has no legal route
    assert row["low90"] > 0 and row["low90"] <= row["low50"] <= row["difference"] <= row["high50"] <= row["high90"]
    d = legal.differences()
    assert (d["crossings_legal"] > 0).all()
    keys = set(t["key"])
    for k in ("crossings_boat", "attempts_total", "deaths", "mean_days_to_cross", "in_camps", "camp:Calais camps",
              "mean_price_boat_paid_eur", "revenue_eur", "public_spending_eur", "cost_per_prevented_eur"):
        assert k in keys
    # window values are the runs' own sums over the window
    lo, hi = pd.Timestamp(legal.start), pd.Timestamp(legal.end)
    got = legal.values("policy")["crossings_total"].to_numpy()
    want = [r.daily.loc[lo:hi, "crossings_total"].sum() for r in legal.policy_runs]
    np.testing.assert_array_equal(got, want)


def test_cost_per_prevented_crossing_is_undefined_where_no_crossing_is_prevented(legal):
    d = legal.differences()
    prevented = -d["crossings_total"]
    assert d.loc[prevented <= 0, "cost_per_prevented_eur"].isna().all()
    assert np.isfinite(d.loc[prevented > 0, "cost_per_prevented_eur"]).all()


def test_every_example_policy_file_applies_to_the_channel_and_cites_its_source():
    files = sorted(EXAMPLES.glob("*.toml"))
    names = {f.stem for f in files}
    assert {"legal-route-quota", "returns-agreement", "clearances-every-48h", "beach-funding-plus-50",
            "sea-interception", "end-routine-evictions"} <= names
    base = crossings.load_scenario("channel")
    for f in files:
        sc, added = apply_policy_file(base, f, "channel")
        assert added, f"{f.name} adds no policy"
        assert sc.name == f.stem
        comments = "\n".join(line for line in f.read_text().splitlines() if line.startswith("#"))
        assert "Represents:" in comments, f"{f.name} does not say which proposal it represents"
        assert re.search(r"\b(19|20)\d\d\b", comments), f"{f.name} cites no dated source"
        assert crossings.load_scenario(f).policies[-len(added):] == added  # runs on its own too


def test_policy_file_errors_name_the_file_and_the_policy(tmp_path):
    bad = write_policy(tmp_path, "bad", '[[policies]]\ntype = "camp_clearance"\nsite = "Nowhere"\ndate = 2014-03-01\n'
                       "buses = 1\nseats_per_bus = 1\nacceptance = 0.5\n")
    with pytest.raises(ScenarioError) as e:
        apply_policy_file(short_channel(), bad)
    assert str(e.value).startswith(str(bad)) and "policies[0].site" in str(e.value) and "Nowhere" in str(e.value)
    dates = write_policy(tmp_path, "dates", "end = 2030-01-01\n")
    with pytest.raises(ScenarioError, match="end"):
        apply_policy_file(short_channel(), dates)
    other = write_policy(tmp_path, "other", 'inherits = "mali2012"\n')
    with pytest.raises(ScenarioError, match="inherits"):
        apply_policy_file(crossings.load_scenario("channel"), other, "channel")
    late = write_policy(tmp_path, "late", LEGAL_ROUTE.replace("2014-03-01", "2015-03-01"))
    with pytest.raises(CrossingsError, match="policies"):
        compare(short_channel(), [late], seeds=[1], backend="serial")


def test_compare_command_prints_bands_stores_every_run_and_returns_from_the_store(tmp_path):
    scen = write_short_channel(tmp_path)
    pol = write_policy(tmp_path, "legal", 'inherits = "short.toml"\n' + LEGAL_ROUTE)
    store = tmp_path / "store"
    args = ("compare", str(scen), "--policy", str(pol), "--seeds", "3", "--workers", "1", "--store", str(store),
            "--no-progress")
    r = invoke(*args)
    assert r.returncode == 0, r.stderr
    for words in ("legal minus short-channel", "90% band", "50% band", "legal route", "cost per crossing prevented",
                  "6 runs: 6 computed"):
        assert words in r.stdout, (words, r.stdout)
    again = invoke(*args)
    assert again.returncode == 0, again.stderr
    assert "6 runs: 0 computed, 6 from the store" in again.stdout
    strip = re.compile(r"^\d+ runs:.*$", re.M)
    assert strip.sub("", again.stdout) == strip.sub("", r.stdout)  # the same table
    listed = invoke("runs", "--store", str(store))
    assert listed.returncode == 0 and "6 stored runs" in listed.stdout
    q = invoke("sql", "select scenario, count(*) as n from runs group by 1 order by 1", "--store", str(store), "--csv")
    assert q.stdout.splitlines() == ["scenario,n", "legal,3", "short-channel,3"]
    bad = invoke("sql", "select * from nowhere", "--store", str(store))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------ sweeps
def test_grid_sweep_sets_each_point_by_dotted_name_with_common_seeds():
    d = grid({"sites[Calais camps].initial_population": [0.0, 2000.0], "people.asc_leave": [-5.5, -2.0]})
    assert len(d.points) == 4
    sw = Sweep(short_channel(), d, seeds=[1, 2])
    assert [sc.sites[0].initial_population for sc in sw.scenarios] == [0.0, 0.0, 2000.0, 2000.0]
    res = sw.run(backend="serial")
    out = res.outcome("in_camps", year=2014)
    assert list(out.columns[:2]) == d.names and len(out) == 4
    # more people in Calais at the start means more people in camps on average (same seeds)
    assert (out.loc[2:3, "median"].to_numpy() > out.loc[0:1, "median"].to_numpy()).all()
    assert (out["p5"] <= out["median"]).all() and (out["median"] <= out["p95"]).all()


def test_sobol_and_morris_designs_run_and_give_indices_per_parameter():
    bounds = {"people.asc_leave": (-6.0, -2.0), "lorry.success_unenforced": (0.1, 0.3)}
    s = sobol(bounds, n=4)
    assert len(s.points) == 4 * (2 + 2)
    m = morris(bounds, n=2)
    assert len(m.points) == 2 * (2 + 1)
    sc = short_channel(dt.date(2014, 1, 31))
    si = Sweep(sc, s, seeds=[1]).run(backend="serial").sensitivity("left_corridor")
    assert list(si.index) == list(bounds) and {"S1", "ST"} <= set(si.columns)
    mi = Sweep(sc, m, seeds=[1]).run(backend="serial").sensitivity("left_corridor")
    assert list(mi.index) == list(bounds) and (mi["mu_star"] >= 0).all()
    with pytest.raises(CrossingsError):
        sobol(bounds, n=6)  # Saltelli sampling needs a power of 2


def test_sweep_command_rejects_an_unknown_parameter_on_one_line(tmp_path):
    r = invoke("sweep", str(write_short_channel(tmp_path)), "--param", "people.beta_sucess=1,2", "--no-store")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "people.beta_sucess" in r.stderr
