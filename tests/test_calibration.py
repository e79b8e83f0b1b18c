"""The calibration: targets by period, priors files, ABC-SMC on a tiny world with a known
parameter, resuming a killed calibration, a Dask LocalCluster, and the posterior a scenario names."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from calib_worlds import PRIOR, PRIORS_TOML, TRUTH, folder, pseudo_observed, world
from crossings.calibrate.targets import (
    model_value,
    predictive_table,
    rows_after,
    rows_until,
    series_distances,
)
from crossings.engine.results import METRICS, Results
from crossings.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[1]


def daily_frame(start="2019-01-01", end="2022-12-31") -> Results:
    """One boat arrival a day, 2 boats a day with 30 people on them, 100 people at a camp
    (200 in the second half of each year), and day-of-month arrivals by lorry."""
    days = pd.date_range(start, end, freq="D", name="date")
    daily = pd.DataFrame(0.0, index=days, columns=[m[0] for m in METRICS])
    daily["crossings_boat"] = 1.0
    daily["boats_arrived"] = 2.0
    daily["people_on_arrived_boats"] = 30.0
    daily["crossings_lorry_alone"] = days.day.astype(float)
    sites = pd.DataFrame({"Calais camps": np.where(days.month > 6, 200.0, 100.0)}, index=days)
    return Results(daily=daily, sites=sites, scenario_name="hand-made", seed=0, notes=[])


# calendar facts (not the code's): days in each period
@pytest.mark.parametrize("period,days", [("2020", 366), ("2021", 365), ("2020-02", 29), ("2021-02", 28),
                                         ("2021-Q1", 90), ("2020-Q1", 91), ("2021-Q3", 92), ("2021-H1", 181),
                                         ("2021-H2", 184), ("2020-07/2021-09", 457), ("2019/2020", 731)])
def test_flows_sum_over_exactly_the_days_of_each_kind_of_period(period, days):
    res = daily_frame()
    assert model_value(res, "small_boat_arrivals", period) == days
    assert model_value(res, "small_boats", period) == 2 * days
    assert model_value(res, "people_per_boat", period) == 15.0  # a ratio of sums


@pytest.mark.parametrize("period,mean", [("2021-Q1", 100.0), ("2021-Q3", 200.0), ("2021-H2", 200.0),
                                         ("2021-06/2021-07", (30 * 100 + 31 * 200) / 61), ("2021", (181 * 100 + 184 * 200) / 365)])
def test_camp_populations_are_averaged_over_each_kind_of_period(period, mean):
    assert np.isclose(model_value(daily_frame(), "camp_population_calais", period), mean)


def test_the_largest_day_and_direct_output_columns():
    res = daily_frame()
    assert model_value(res, "small_boat_arrivals_max_day", "2021") == 1.0
    assert model_value(res, "crossings_lorry_alone", "2021-02") == sum(range(1, 29))  # an output column by name: summed
    assert model_value(res, "crossings_lorry_alone", "2021-Q1") == sum(range(1, 32)) * 2 + sum(range(1, 29))
    assert np.isnan(model_value(res, "small_boat_arrivals", "2023"))  # not simulated


def test_rows_until_and_after_a_cutoff_split_on_period_ends():
    obs = pd.DataFrame({"series": ["a"] * 5, "period": ["2021", "2022-12", "2022-H2", "2020/2023", "2023-Q1"]})
    assert list(rows_until(obs, 2022)["period"]) == ["2021", "2022-12", "2022-H2"]
    assert list(rows_after(obs, 2022)["period"]) == ["2023-Q1"]  # a range starting before the cutoff is in neither


def test_series_distances_are_the_mean_row_distance_of_each_series():
    t = pd.DataFrame({"series": ["a", "a", "b"], "observed": [100.0, 100.0, 10.0], "observed_low": [80.0, 80.0, 5.0],
                      "observed_high": [120.0, 120.0, 20.0], "model_mean": [100.0, 480.0, 1.0]})
    d = series_distances(t)
    assert np.isclose(d["a"], np.log(4.0) / 2)  # one row inside (0), one at 4x the high end
    assert np.isclose(d["b"], np.log(5.0))  # a fifth of the low end
    assert np.isclose(np.mean(d), (np.log(4.0) / 2 + np.log(5.0)) / 2)


def test_series_log_ratios_count_a_row_off_its_point_even_inside_the_sources_spread():
    """The point summary is each series' mean |log(model / observed)|: a row inside its sources'
    spread but off its point counts (its spread distance is 0), a row with no positive observed value
    counts its spread distance instead, and the mean over series is the check's series-weighted score."""
    from crossings.calibrate.targets import by_series, series_log_ratios

    t = pd.DataFrame({"series": ["a", "a", "b", "c"], "period": ["1", "2", "1", "1"],
                      "observed": [100.0, 100.0, 10.0, 0.0], "observed_low": [50.0, 100.0, 4.0, 0.0],
                      "observed_high": [200.0, 100.0, 20.0, 2.0], "model_mean": [150.0, 100.0, 5.0, 8.0]})
    t["ratio"] = t["model_mean"] / t["observed"]
    d = series_log_ratios(t)
    assert np.isclose(d["a"], np.log(1.5) / 2)  # inside the spread (50-200), a factor 1.5 off its point
    assert np.isclose(d["b"], np.log(2.0))  # inside its spread too: the spread distance would be 0
    assert series_distances(t)["a"] == 0 and series_distances(t)["b"] == 0
    assert np.isclose(d["c"], np.log(4.0))  # observed 0: 4 times its high end, as row_distance
    ab = t[t["series"] != "c"]
    assert np.isclose(series_log_ratios(ab).mean(), by_series(ab)["mean_abs_log"].mean())


def test_the_predictive_table_counts_an_observation_inside_its_band():
    runs = [daily_frame()]
    for k in (2, 3):  # three runs with 1, 2 and 3 boat arrivals a day
        r = daily_frame()
        r.daily["crossings_boat"] = float(k)
        runs.append(r)
    obs = pd.DataFrame({"series": ["small_boat_arrivals"] * 2, "period": ["2021", "2022"], "value": [700.0, 2000.0],
                        "low": [np.nan, np.nan], "high": [np.nan, np.nan]})
    t = predictive_table(runs, obs)
    assert t["median"].tolist() == [730.0, 730.0]
    assert t["inside_90"].tolist() == [True, False]  # 700 lies within [365 x 1.1, 365 x 2.9]; 2000 beyond it


def _rows(n_rows):
    """Hand-made observed rows: annual small-boat arrivals of 100 a year from 2014 (their low/high unset)."""
    return pd.DataFrame({"series": ["small_boat_arrivals"] * n_rows, "period": [str(2014 + i) for i in range(n_rows)],
                         "value": [100.0] * n_rows, "low": [np.nan] * n_rows, "high": [np.nan] * n_rows})


@settings(max_examples=40, deadline=None)
@given(n_rows=st.integers(1, 5), n_draws=st.integers(1, 8), data=st.data())
def test_the_bootstrap_over_draws_is_seeded_bounded_and_still_when_every_draw_agrees(n_rows, n_draws, data):
    """Resampling the draws gives coverages in [0, 1] and scores >= 0, the same on every call with the same seed;
    when every draw gives the same values, every resample is the same table, so its headline is the full one's."""
    from crossings.calibrate.targets import table_from_values
    from crossings.calibrate.validation import bootstrap_headline, headline

    rows = _rows(n_rows)
    flat = st.floats(1.0, 1000.0)
    values = np.array(data.draw(st.lists(st.lists(flat, min_size=n_draws, max_size=n_draws), min_size=n_rows, max_size=n_rows)))
    b = bootstrap_headline(rows, values, n=20, seed=4)
    assert b.shape == (20, 2) and np.all((0 <= b[:, 0]) & (b[:, 0] <= 1)) and np.all(b[:, 1] >= 0)
    np.testing.assert_array_equal(b, bootstrap_headline(rows, values, n=20, seed=4))
    same = np.repeat(values[:, :1], n_draws, axis=1)
    np.testing.assert_allclose(bootstrap_headline(rows, same, n=5), [headline(table_from_values(rows, same))] * 5)


def test_the_bootstrap_spreads_a_score_that_rests_on_a_few_draws():
    """Five of nine draws on the observed value and four 100 times above it: the median is the observed value
    (a score of 0), but a resample that draws the high ones five times or more (about a third of them) has a
    median 100 times too high (a score of log 100), so the score's bootstrap interval is not a point."""
    from crossings.calibrate.validation import bootstrap_headline

    rows = _rows(1)
    values = np.array([[100.0] * 5 + [1e4] * 4])
    b = bootstrap_headline(rows, values, n=200)
    assert np.quantile(b[:, 1], 0.05) == 0.0 and np.quantile(b[:, 1], 0.95) > 1.0


def test_a_median_of_zero_counts_as_a_factor_of_100_as_in_the_check():
    """The validation's median score follows the check's rule for a model value of 0 (a factor of
    100): one year with a median of zero deaths must not weigh like a factor of 10^9."""
    runs = [daily_frame() for _ in range(3)]
    for r in runs:
        r.daily["crossings_boat"] = 0.0  # no boat arrivals at all
    obs = pd.DataFrame({"series": ["small_boat_arrivals"] * 2, "period": ["2021", "2022"], "value": [4.0, 0.0],
                        "low": [np.nan, np.nan], "high": [np.nan, np.nan]})
    t = predictive_table(runs, obs)
    assert t["median"].tolist() == [0.0, 0.0]
    assert np.isclose(t["abs_log_ratio"].iloc[0], np.log(100.0))
    assert np.isnan(t["abs_log_ratio"].iloc[1])  # nothing observed: no ratio


# ---------------------------------------------------------------- priors files


def test_the_channel_priors_load_and_each_cites_a_source():
    from crossings.calibrate.priors import priors_for
    from crossings.scenario.loader import load_scenario

    sc = load_scenario("channel")
    p = priors_for("channel", sc)
    knots = [n for n in p.names if n.startswith("inflow.knots[")]
    assert len(knots) == len(sc.inflow.knots)  # only the inflow knots vary by year
    assert 20 <= len(p.names) - len(knots) <= 35  # the structural parameters of docs/calibration.md
    for pr in p.items:
        assert pr.source.strip()
        if pr.transform == "value":  # the scenario's hand-set value is inside the prior's range
            v = p.values(sc, {pr.name: pr.median()})
            from crossings.ensemble.params import get_param

            cur = get_param(sc, pr.name)
            assert pr.distribution == "normal" or pr.low <= cur <= pr.high, pr.name
            assert pr.name in v


def test_log_multipliers_scale_every_item_and_each_knot():
    from crossings.calibrate.priors import Prior, Priors

    sc = world()
    p = Priors([Prior(name="nationalities[*].funds_median_eur", transform="log_multiplier", distribution="normal",
                      mean=0, sd=0.3, source="t"),
                Prior(name="inflow.knots[0]", transform="log_multiplier", distribution="normal", mean=0, sd=0.3, source="t")])
    out = p.apply(sc, {"nationalities[*].funds_median_eur": np.log(2.0), "inflow.knots[0]": np.log(0.5)})
    assert [n.funds_median_eur for n in out.nationalities] == [2 * n.funds_median_eur for n in sc.nationalities]
    assert out.inflow.knots[0] == (sc.inflow.knots[0][0], 10.0)  # the date stays, the value halves


@pytest.mark.parametrize("text,field", [
    ('[[priors]]\nname = "people.beta_success"\ndistribution = "uniform"\nlow = 5\nhigh = 1\nsource = "x"\n', "priors[0].high"),
    ('[[priors]]\nname = "people.beta_success"\ndistribution = "beta"\nlow = 1\nhigh = 2\nsource = "x"\n', "priors[0].distribution"),
    ('[[priors]]\nname = "people.nope"\ndistribution = "uniform"\nlow = 1\nhigh = 2\nsource = "x"\n', "priors[0].name"),
    ('[[priors]]\nname = "people.beta_success"\ndistribution = "uniform"\nlow = 1\nhigh = 2\n', "priors[0].source"),
    ('[[priors]]\nname = "people.beta_success"\ndistribution = "normal"\nmean = 0\nsd = -1\nsource = "x"\n', "priors[0].sd"),
    ('[[priors]]\nname = "people.beta_success"\ndistribution = "loguniform"\nlow = 0\nhigh = 2\nsource = "x"\n', "priors[0].low"),
    ('[[prior]]\nname = "x"\n', "prior"),
])
def test_a_bad_priors_file_is_one_line_naming_file_and_field(tmp_path, text, field):
    from crossings.calibrate.priors import load_priors

    f = tmp_path / "priors.toml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as e:
        load_priors(f, world())
    assert e.value.field == field and str(f) in str(e.value) and "\n" not in str(e.value)


def test_bad_priors_and_bad_posterior_paths_exit_2_with_one_line(tmp_path):
    from crossings.cli import app

    path = folder(tmp_path, obs=pseudo_observed(seeds=(101,)))
    (tmp_path / "bad.toml").write_text('[[priors]]\nname = "people.beta_success"\ndistribution = "uniform"\nsource = "x"\n')
    r = CliRunner().invoke(app, ["calibrate", str(path), "--budget", "10", "--priors", str(tmp_path / "bad.toml"),
                                 "--db", str(tmp_path / "c.db")])
    assert r.exit_code == 2 and "bad.toml: priors[0].low" in r.output and r.output.count("\n") == 1
    assert not (tmp_path / "c.db").exists()  # nothing stored
    text = path.read_text()
    path.write_text('posterior = "missing.csv"\n' + text)
    for args in (["validate", str(path)], ["run", str(path), "--posterior", "--draws", "2", "--no-save"]):
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 2 and "posterior" in r.output and "missing.csv" in r.output and r.output.count("\n") == 1
    path.write_text(text)  # names none: --posterior is refused before anything runs
    r = CliRunner().invoke(app, ["run", str(path), "--posterior", "--no-save"])
    assert r.exit_code == 2 and "names none" in r.output and r.output.count("\n") == 1
    # a --db that is not a calibration database is refused, and left as it was
    foreign = tmp_path / "notes.db"
    foreign.write_text("not a database\n")
    r = CliRunner().invoke(app, ["calibrate", str(path), "--budget", "10", "--population", "5", "--db", str(foreign)])
    assert r.exit_code == 2 and "notes.db" in r.output and "not a calibration database" in r.output, r.output
    assert foreign.read_text() == "not a database\n"
    # an unknown proposal is refused on both commands before anything runs
    for cmd in (["calibrate", str(path), "--budget", "10"], ["backtest", str(path), "--budget", "10"]):
        r = CliRunner().invoke(app, [*cmd, "--transition", "kde", "--db", str(tmp_path / "t.db")])
        assert r.exit_code == 2 and "--transition: one of normal, local" in r.output and r.output.count("\n") == 1, r.output
        assert not (tmp_path / "t.db").exists()
    # so is a prior to free (--also) that the priors file does not hold
    for cmd in (["calibrate", str(path), "--budget", "10"], ["backtest", str(path), "--budget", "10"]):
        r = CliRunner().invoke(app, [*cmd, "--also", "sea.nope", "--db", str(tmp_path / "t.db")])
        assert r.exit_code == 2 and "--also" in r.output and "sea.nope" in r.output and r.output.count("\n") == 1, r.output
        assert not (tmp_path / "t.db").exists()


# ---------------------------------------------------------------- ABC-SMC


def _target(obs=None, **kw):
    from crossings.calibrate.model import Target
    from crossings.calibrate.priors import load_priors

    sc = world()
    return Target.build(sc, load_priors(_priors_file(), sc), obs if obs is not None else pseudo_observed(), **kw)


def _priors_file() -> Path:
    import tempfile

    f = Path(tempfile.mkdtemp()) / "priors.toml"
    f.write_text(PRIORS_TOML)
    return f


def weighted_quantiles(x, w, qs):
    o = np.argsort(x)
    cw = np.cumsum(w[o]) / w.sum()
    return [x[o][min(np.searchsorted(cw, q), len(x) - 1)] for q in qs]


@settings(max_examples=8, deadline=None)
@given(x=st.floats(PRIOR[0], PRIOR[1]), seed=st.integers(1, 10_000), last_month=st.integers(2, 5))
def test_a_calibration_run_stops_at_the_last_observed_row_and_scores_as_the_full_run(x, seed, last_month):
    """The tiny world runs to June 2020; observed rows up to ``last_month`` only. A run is causal (no
    day depends on a later one), so stopping at the end of the last row's month changes no row's
    value: every series' distance equals that of the run to the scenario's end, for any parameter and
    seed. The horizon asked for (recorded in the database, checked on resume) is still the scenario's."""
    import datetime as dt

    from crossings.calibrate.model import Target

    obs = pseudo_observed(seeds=(101,))
    obs = obs[[int(p[5:7]) <= last_month for p in obs["period"]]]
    cut = _target(obs)
    nxt = dt.date(2020, last_month + 1, 1)
    assert cut.scenario.end == nxt - dt.timedelta(days=1) and cut.horizon_end == world().end
    full = Target(world(), cut.priors, cut.observed, cut.series)
    assert full.scenario.end == world().end
    theta = {"lorry.success_unenforced": x}
    assert cut.run(theta, seed) == full.run(theta, seed)


def test_a_database_resumes_with_runs_cut_at_the_last_row_and_refuses_another_horizon(tmp_path):
    """The database records the horizon asked for, not where runs stop: a calibration whose runs
    stop at its last observed row (April) continues one made over the same rows to June (the same
    horizon, the same distances), while a target asked to another horizon (as --until would) is
    refused in one line, as before runs were cut."""
    import dataclasses
    import datetime as dt

    from crossings.calibrate.abc import _check_same, calibrate
    from crossings.errors import CrossingsError

    np.random.seed(3)
    obs = pseudo_observed(seeds=(101,))
    obs = obs[[int(p[5:7]) <= 4 for p in obs["period"]]]
    cut = _target(obs)
    full = dataclasses.replace(cut, scenario=world())  # runs to June, as before session 27
    calibrate(full, budget=12, population=4, db=tmp_path / "c.db", workers=1)
    url = f"sqlite:///{(tmp_path / 'c.db').resolve()}"
    _check_same(url, cut, tmp_path / "c.db")  # no error: same rows, same horizon
    other = dataclasses.replace(cut, horizon=dt.date(2020, 5, 31))
    with pytest.raises(CrossingsError, match="calibrated to 2020-06-30"):
        _check_same(url, other, tmp_path / "c.db")


def test_a_tiny_world_calibration_recovers_the_known_parameter(tmp_path):
    from crossings.calibrate.abc import calibrate
    from crossings.calibrate.posterior import draws, read_posterior, write_posterior

    np.random.seed(5)  # one process: pyabc's draws and the runs' seeds come from numpy's global stream
    cal = calibrate(_target(), budget=90, population=15, db=tmp_path / "c.db", workers=1)
    x, w = cal.particles["lorry.success_unenforced"].to_numpy(), cal.weights.to_numpy()
    lo, hi = weighted_quantiles(x, w, (0.05, 0.95))
    assert lo <= TRUTH <= hi
    assert hi - lo < 0.6 * 0.9 * (PRIOR[1] - PRIOR[0])  # and the data narrowed the prior's 90% interval
    assert cal.meta["simulations"] <= 90 and cal.meta["generations"] >= 1
    # the posterior file round-trips, and draws by weight are parameter sets of the scenario
    p = write_posterior(cal.particles, cal.weights, cal.meta, tmp_path / "posterior.csv")
    vals, ww, meta, _ = read_posterior(p)
    assert np.isclose(ww.sum(), 1) and meta["budget"] == 90 and list(vals.columns) == ["lorry.success_unenforced"]
    d1, d2 = draws(world(), p, 5, seed=3), draws(world(), p, 5, seed=3)
    assert d1 == d2 and all(set(d) == {"lorry.success_unenforced"} for d in d1)
    particles = vals["lorry.success_unenforced"].to_numpy()
    assert all(np.isclose(particles, v["lorry.success_unenforced"]).any() for v in d1)  # each draw is a particle


def _two_series_observed():
    """The tiny world's pseudo-observed crossings plus a second series (lorry detections) set 1.5 times
    what the true world gives, so its distance is not 0 and a mean of the two differs from their sum."""
    from crossings.calibrate.targets import model_value
    from crossings.sim import Sim

    runs = [Sim(world(lorry={"success_unenforced": TRUTH}), seed=s).run() for s in (101, 102)]
    extra = []
    for m in range(1, 7):
        p = f"2020-{m:02d}"
        v = 1.5 * float(np.mean([model_value(r, "lorry_detections_france", p) for r in runs]))
        extra.append({"series": "lorry_detections_france", "period": p, "value": v, "low": v, "high": v,
                      "unit": "people", "scope": "tiny", "source": "test", "note": ""})
    return pd.concat([pseudo_observed(), pd.DataFrame(extra)], ignore_index=True)


def test_the_equal_distance_is_the_checks_distance_and_a_database_keeps_its_distance(tmp_path):
    """With ``distance="equal"`` each particle's distance is the check's (the unweighted mean of
    its per-series distances, ``model.total``; with two series a sum or other weights would differ),
    and a history continues only with the distance it was started with (one-line error, nothing
    written); it continues with the same one."""
    import pyabc

    from crossings.calibrate.abc import calibrate
    from crossings.calibrate.model import total
    from crossings.errors import CrossingsError

    np.random.seed(11)
    db = tmp_path / "eq.db"
    target = _target(_two_series_observed())
    assert len(target.series) == 2
    cal = calibrate(target, budget=40, population=8, db=db, workers=1, distance="equal")
    assert cal.meta["distance_kind"] == "equal" and cal.meta["generations"] >= 1
    h = pyabc.History(f"sqlite:///{db}")
    h.id = 1
    parts = h.get_population(t=h.max_t).particles
    assert parts, "a finished generation has particles"
    assert any(min(p.sum_stat.values()) > 0 for p in parts)  # both series off: a sum would be twice the mean
    for part in parts:
        assert np.isclose(part.distance, total(dict(part.sum_stat)))
    size, t_before = db.stat().st_size, h.max_t
    with pytest.raises(CrossingsError, match="--distance equal"):
        calibrate(target, budget=80, population=8, db=db, workers=1, distance="adaptive")
    assert db.stat().st_size == size and pyabc.History(f"sqlite:///{db}").max_t == t_before
    more = calibrate(target, budget=80, population=8, db=db, workers=1, distance="equal")
    assert more.meta["resumed"] and more.meta["generations"] > cal.meta["generations"]
    with pytest.raises(CrossingsError, match="--distance"):
        calibrate(target, budget=80, population=8, db=tmp_path / "other.db", workers=1, distance="weighted")


def test_the_point_distance_calibrates_on_log_ratios_to_the_observed_values(tmp_path):
    """With sources' spreads of -60% to +60%, the spread summaries are 0 over much of the prior; the
    point distance summarises each particle by its series' mean |log(model / observed)|
    (``Target.run`` with ``summary="point"`` is ``series_log_ratios`` of the run), so every particle's
    summary is positive (no run lands exactly on its points) and some are within a factor 1.6 of
    their points on average (the spread's upper edge, where spread summaries can be 0); it still
    recovers the known parameter within its 90% interval, and a database keeps its distance."""
    import pyabc
    from dataclasses import replace

    from crossings.calibrate.abc import calibrate
    from crossings.calibrate.targets import compare, series_log_ratios
    from crossings.errors import CrossingsError
    from crossings.sim import Sim

    target = _target(pseudo_observed(spread=0.6))
    point = replace(target, summary="point")
    theta = {target.names[0]: 0.3}
    run = Sim(target.scenario_for(theta), seed=5).run()
    assert point.run(theta, 5) == pytest.approx(series_log_ratios(compare([run], target.observed)).to_dict())
    assert target.run(theta, 5)["crossings_total"] < point.run(theta, 5)["crossings_total"]  # 0 inside the spread, and less than the log ratio outside it
    np.random.seed(5)
    db = tmp_path / "point.db"
    cal = calibrate(target, budget=90, population=15, db=db, workers=1, distance="point")
    assert cal.meta["distance_kind"] == "point" and "log(model / observed)" in cal.meta["distance"]
    h = pyabc.History(f"sqlite:///{db}")
    h.id = 1
    stats = np.array([p.sum_stat["crossings_total"] for p in h.get_population(t=h.max_t).particles])
    assert (stats > 0).all() and (stats < np.log(1.6)).any()
    x, w = cal.particles["lorry.success_unenforced"].to_numpy(), cal.weights.to_numpy()
    lo, hi = weighted_quantiles(x, w, (0.05, 0.95))
    assert lo <= TRUTH <= hi and hi - lo < 0.6 * 0.9 * (PRIOR[1] - PRIOR[0])
    with pytest.raises(CrossingsError, match="--distance point"):
        calibrate(target, budget=120, population=15, db=db, workers=1, distance="balanced")


def _weights_of_generation(h, t, series):
    """The p=1 weights a generation's distances were computed with, solved from its particles
    (distance = sum of weight x |per-series distance|; exact with more particles than series)."""
    parts = h.get_population(t=t).particles
    s = np.array([[abs(p.sum_stat[k]) for k in series] for p in parts])
    d = np.array([p.distance for p in parts])
    w, *_ = np.linalg.lstsq(s, d, rcond=None)
    assert np.allclose(s @ w, d), "the distances are a weighted sum of the per-series distances"
    return w


@pytest.mark.parametrize("kind, capped", [("adaptive", False), ("balanced", True)])
def test_the_balanced_distance_caps_the_ratio_of_series_weights_at_4(tmp_path, kind, capped):
    """With one series 45 times off everywhere (its distances far larger and more spread than the
    other's), the adaptive distance's root-mean-square scaling weighs it less than a quarter of the
    other series (the cap of 20 does not bind); the balanced distance's weights differ by at most 4,
    the cap it is defined by; the posterior's metadata names the distance."""
    import pyabc

    from crossings.calibrate.abc import calibrate

    obs = _two_series_observed()
    off = obs["series"] == "lorry_detections_france"
    obs.loc[off, ["value", "low", "high"]] *= 30.0
    np.random.seed(11)
    db = tmp_path / f"{kind}.db"
    target = _target(obs)
    cal = calibrate(target, budget=40, population=8, db=db, workers=1, distance=kind)
    assert cal.meta["distance_kind"] == kind and "max weight ratio" in cal.meta["distance"]
    h = pyabc.History(f"sqlite:///{db}")
    h.id = 1
    for t in range(h.max_t + 1):
        w = _weights_of_generation(h, t, target.series)
        ratio = w.max() / w.min()
        if capped:
            assert ratio <= 4.0 + 1e-9
        else:
            assert ratio > 4.0


def test_a_finished_generation_is_written_from_the_database_as_the_calibration_would_have_written_it(tmp_path):
    """``posterior_of_generation`` (``crossings calibrate --generation N``) reads generation N of a
    history and runs nothing: the last one is exactly the posterior the calibration returned; an
    earlier one holds pyabc's particles and weights of that generation and counts only the
    simulations up to it; it needs the calibration's distance, and a generation the database holds.
    The database is left as it was."""
    import pyabc

    from crossings.calibrate.abc import calibrate, posterior_of_generation
    from crossings.errors import CrossingsError

    np.random.seed(12)
    db = tmp_path / "c.db"
    target = _target()
    cal = calibrate(target, budget=60, population=8, db=db, workers=1, distance="balanced")
    n = cal.meta["generations"]
    assert n >= 2, "the budget finishes at least two generations"
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    h = pyabc.History(f"sqlite:///{db}")
    h.id = 1
    pops = h.get_all_populations()
    last = posterior_of_generation(target, db, n, distance="balanced")
    pd.testing.assert_frame_equal(last.particles, cal.particles)
    assert np.allclose(last.weights, cal.weights) and last.meta["simulations"] == cal.meta["simulations"]
    first = posterior_of_generation(target, db, 1, distance="balanced")
    df, w = h.get_distribution(m=0, t=0)
    (key,) = df.columns
    prior = next(p for p in target.priors.items if p.name == "lorry.success_unenforced")
    assert np.allclose(first.particles["lorry.success_unenforced"], [prior.from_abc(x) for x in df[key]])
    assert np.allclose(first.weights, np.asarray(w) / np.sum(w))
    assert first.meta["generations"] == 1 and first.meta["generations_in_database"] == n
    assert first.meta["simulations"] == int(pops[pops.t <= 0]["samples"].sum()) < cal.meta["simulations"]
    assert first.meta["budget"] == first.meta["simulations"] and first.meta["distance_kind"] == "balanced"
    assert first.meta["population"] == 8 and len(first.meta["epsilons"]) == 1
    assert first.meta["final_epsilon"] == pytest.approx(float(pops.loc[pops.t == 0, "epsilon"].iloc[0]))
    with pytest.raises(CrossingsError, match=f"holds {n} finished generation"):
        posterior_of_generation(target, db, n + 1, distance="balanced")
    with pytest.raises(CrossingsError, match="--distance balanced"):
        posterior_of_generation(target, db, 1)  # read with another distance than it ran with
    with pytest.raises(CrossingsError, match="--scale"):
        posterior_of_generation(_target(scale=2.0), db, 1, distance="balanced")  # ran at scale 1
    (tmp_path / "other.db").write_text("not a database")
    with pytest.raises(CrossingsError, match="not a calibration database"):
        posterior_of_generation(target, tmp_path / "other.db", 1, distance="balanced")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest  # reading wrote nothing


def test_calibrate_takes_either_a_budget_or_a_generation(tmp_path):
    """``--budget`` runs a calibration and ``--generation`` writes one of its generations to
    ``--out`` without touching the database; both, neither, or a generation without ``--out`` (the
    default file is the calibration's own posterior) is one line (exit 2)."""

    from crossings.cli import app

    path = folder(tmp_path, obs=pseudo_observed(seeds=(101,)))
    db = tmp_path / "c.db"
    np.random.seed(13)
    r = CliRunner().invoke(app, ["calibrate", str(path), "--budget", "40", "--population", "8", "--workers", "1",
                                 "--db", str(db), "--out", str(tmp_path / "posterior.csv")])
    assert r.exit_code == 0, r.output
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    r = CliRunner().invoke(app, ["calibrate", str(path), "--db", str(db), "--generation", "1",
                                 "--out", str(tmp_path / "g1.csv")])
    assert r.exit_code == 0, r.output
    meta = json.loads((tmp_path / "g1.json").read_text())
    assert meta["generations"] == 1 and (tmp_path / "g1.csv").exists() and "generation 1 of" in r.output
    assert meta["also"] == []  # no prior freed beyond the screening's
    for extra in ([], ["--budget", "10", "--generation", "1"], ["--generation", "1"]):
        r = CliRunner().invoke(app, ["calibrate", str(path), "--db", str(db), *extra])
        assert r.exit_code == 2 and ("--budget" in r.output or "--out" in r.output), r.output
        assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def test_the_local_proposal_recovers_the_known_parameter_and_a_database_keeps_its_proposal(tmp_path):
    """``transition="local"`` (pyabc's LocalTransition) is a proposal, not a different posterior: on the
    tiny world it still puts the true parameter inside the 90% interval and narrows the prior. The
    database records it, continues only with it (one-line error naming the held choice, nothing written),
    and refuses a proposal it does not know."""
    import pyabc

    from crossings.calibrate.abc import calibrate
    from crossings.errors import CrossingsError

    np.random.seed(5)
    db = tmp_path / "local.db"
    cal = calibrate(_target(), budget=90, population=15, db=db, workers=1, transition="local")
    assert cal.meta["transition_kind"] == "local" and "LocalTransition" in cal.meta["transition"]
    x, w = cal.particles["lorry.success_unenforced"].to_numpy(), cal.weights.to_numpy()
    lo, hi = weighted_quantiles(x, w, (0.05, 0.95))
    assert lo <= TRUTH <= hi
    assert hi - lo < 0.6 * 0.9 * (PRIOR[1] - PRIOR[0])
    h = pyabc.History(f"sqlite:///{db}")
    h.id = 1
    size, t_before = db.stat().st_size, h.max_t
    with pytest.raises(CrossingsError, match="--transition local"):
        calibrate(_target(), budget=150, population=15, db=db, workers=1)
    assert db.stat().st_size == size and pyabc.History(f"sqlite:///{db}").max_t == t_before
    more = calibrate(_target(), budget=150, population=15, db=db, workers=1, transition="local")
    assert more.meta["resumed"] and more.meta["generations"] > cal.meta["generations"]
    with pytest.raises(CrossingsError, match="--transition: one of normal, local"):
        calibrate(_target(), budget=90, population=15, db=tmp_path / "other.db", workers=1, transition="kde")
    assert not (tmp_path / "other.db").exists()


def test_a_history_from_before_the_distance_choice_continues_as_adaptive(tmp_path):
    """Databases written before ``--distance`` existed record no distance: they hold an adaptive
    calibration, so they continue with the default and refuse ``equal``."""
    import pyabc

    from crossings.calibrate.abc import _prior, calibrate
    from crossings.calibrate.model import ABCModel
    from crossings.errors import CrossingsError

    np.random.seed(12)
    target = _target()
    db = tmp_path / "old.db"
    old = pyabc.ABCSMC(ABCModel(target), _prior(target), pyabc.AdaptivePNormDistance(p=1), population_size=6,
                       sampler=pyabc.sampler.SingleCoreSampler())
    old.new(f"sqlite:///{db}", dict.fromkeys(target.series, 0.0), meta_info={"crossings_scenario": "tiny", "label": "old"})
    old.run(max_nr_populations=1)
    with pytest.raises(CrossingsError, match="--distance adaptive"):
        calibrate(target, budget=60, population=6, db=db, workers=1, distance="equal")
    cal = calibrate(target, budget=60, population=6, db=db, workers=1)
    assert cal.meta["resumed"] and cal.meta["generations"] >= 2


KILLED = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from test_calibration import _target
    import numpy as np
    from crossings.calibrate.abc import calibrate
    np.random.seed(7)
    calibrate(_target(), budget=100000, population=8, db={db!r}, workers=1)
""")


def test_a_calibration_killed_with_kill_9_resumes_without_redoing_generations(tmp_path):
    import pyabc

    from crossings.calibrate.abc import calibrate, generations

    db = tmp_path / "killed.db"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-c", KILLED.format(tests=str(ROOT / "tests"), db=str(db))], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not db.exists() or generations(db) < 1):
            assert proc.poll() is None, "the calibration stopped by itself"
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = generations(db)
    assert before >= 1

    def populations():
        h = pyabc.History(f"sqlite:///{db}")
        h.id = 1
        pops = h.get_all_populations()
        return pops[pops.t >= 0].set_index("t")[["epsilon", "samples", "population_end_time"]]

    first = populations()
    h = pyabc.History(f"sqlite:///{db}")
    h.id = 1
    np.random.seed(8)
    cal = calibrate(_target(), budget=h.total_nr_simulations + 80, population=8, db=db, workers=1)
    after = populations()
    assert cal.meta["resumed"] and len(after) > before
    pd.testing.assert_frame_equal(after.loc[first.index], first)  # the finished generations are untouched


def test_calibrate_runs_on_a_dask_local_cluster(tmp_path):
    from distributed import LocalCluster

    from crossings.cli import app

    path = folder(tmp_path, obs=pseudo_observed(seeds=(101,)))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, host="127.0.0.1", protocol="tcp",
                      dashboard_address=None) as cluster:
        r = CliRunner().invoke(app, ["calibrate", str(path), "--budget", "30", "--population", "8", "--dask",
                                     cluster.scheduler_address, "--db", str(tmp_path / "d.db"),
                                     "--out", str(tmp_path / "posterior.csv")])
    assert r.exit_code == 0, r.output
    post = pd.read_csv(tmp_path / "posterior.csv")
    assert len(post) == 8 and np.isclose(post["weight"].sum(), 1)
    assert post["lorry.success_unenforced"].between(*PRIOR).all()
    # a scenario that names the posterior runs over draws from it (each with its own seed)
    path.write_text('posterior = "posterior.csv"\n' + path.read_text())
    r = CliRunner().invoke(app, ["run", str(path), "--posterior", "--draws", "3", "--no-save", "--no-store", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "3 runs: 3 computed" in r.output
    # and a policy comparison over posterior draws: draw k applied to baseline and policy alike, with seed k
    pol = tmp_path / "ports.toml"
    pol.write_text('[[policies]]\ntype = "security_funding"\nchannel = "port"\nstart = 2020-03-01\nend = 2020-06-30\n'
                   "eur_million_per_year = 500.0\n")
    from crossings.calibrate.posterior import draws
    from crossings.ensemble.compare import compare
    from crossings.scenario.loader import load_scenario

    ds = draws(load_scenario(path), tmp_path / "posterior.csv", 2, seed=1)
    comp = compare(str(path), [str(pol)], seeds=2, draws=ds, workers=1)[0]
    for k, (b, p) in enumerate(zip(comp.baseline_runs, comp.policy_runs, strict=True)):
        want = ds[k]["lorry.success_unenforced"]
        assert f"success_unenforced = {want!r}" in b.scenario_toml and f"success_unenforced = {want!r}" in p.scenario_toml
        assert b.seed == p.seed == k + 1
    r = CliRunner().invoke(app, ["compare", str(path), "--policy", str(pol), "--posterior", "--seeds", "2", "--no-store",
                                 "--workers", "1", "--no-progress"])
    assert r.exit_code == 0, r.output


def test_screening_ranks_a_parameter_the_world_uses_above_one_it_ignores(tmp_path):
    from crossings.calibrate.model import Target
    from crossings.calibrate.priors import Prior, Priors
    from crossings.calibrate.screening import choose, read_kept, screen

    pri = Priors([Prior(name="lorry.success_unenforced", distribution="uniform", low=0.05, high=0.8, source="t"),
                  Prior(name="market.demand_elasticity", distribution="uniform", low=1.5, high=6, source="t")])
    target = Target.build(world(), pri, pseudo_observed(seeds=(101,)))
    res = screen(target, trajectories=3, seeds=[1], workers=1)
    mu = res.table["mu_star"]
    assert mu["market.demand_elasticity"] == 0  # the market is off in this world: same seed, same run
    assert mu["lorry.success_unenforced"] > 0
    assert res.runs == 3 * (2 + 1)
    res.save(tmp_path)
    assert read_kept(tmp_path / "screening.csv") == res.kept == ["lorry.success_unenforced", "market.demand_elasticity"]
    # --free N takes the N highest-ranked, kept or not; out of range, one line naming --free
    assert read_kept(tmp_path / "screening.csv", top=1) == ["lorry.success_unenforced"]
    # --also frees a prior whatever its rank, once, in the priors file's order; an unknown name is refused
    from crossings.calibrate.screening import free_priors

    pri_path = tmp_path / "priors.toml"
    pri_path.write_text("".join(f'[[priors]]\nname = "{p.name}"\ndistribution = "uniform"\nlow = {p.low}\nhigh = {p.high}\nsource = "t"\n\n'
                                for p in pri.items))
    sc = world()
    top1 = free_priors(tmp_path, sc, pri_path, tmp_path / "screening.csv", top=1)
    assert top1.names == ["lorry.success_unenforced"]
    both = free_priors(tmp_path, sc, pri_path, tmp_path / "screening.csv", top=1, also=["market.demand_elasticity"])
    assert both.names == ["lorry.success_unenforced", "market.demand_elasticity"]
    again = free_priors(tmp_path, sc, pri_path, tmp_path / "screening.csv", top=1, also=["lorry.success_unenforced"])
    assert again.names == ["lorry.success_unenforced"]
    with pytest.raises(ScenarioError) as e:
        free_priors(tmp_path, sc, pri_path, tmp_path / "screening.csv", top=1, also=["sea.nope"])
    assert e.value.field == "--also" and "sea.nope" in str(e.value)
    for top in (0, 3):
        with pytest.raises(ScenarioError) as e:
            read_kept(tmp_path / "screening.csv", top=top)
        assert e.value.field == "--free" and "from 1 to 2" in str(e.value)
    # the cut: mu* >= 10% of the largest, at least lo and at most hi, by rank
    s = pd.Series({"a": 1.0, "b": 0.5, "c": 0.05, "d": 0.0})
    assert choose(s, lo=1, hi=3) == ["a", "b"]
    assert choose(s, lo=3, hi=3) == ["a", "b", "c"]
    assert choose(s, lo=1, hi=1) == ["a"]


def test_the_channel_ships_a_posterior_with_its_provenance():
    from crossings.calibrate.posterior import draws, read_posterior, scenario_posterior
    from crossings.calibrate.screening import free_priors
    from crossings.ensemble.params import set_params
    from crossings.scenario.loader import load_scenario

    sc = load_scenario("channel")
    path = scenario_posterior("channel")
    vals, w, meta, _ = read_posterior(path)
    for key in ("budget", "simulations", "wall_seconds", "scale", "generations", "final_epsilon", "version", "date"):
        assert key in meta, key
    assert 0 < meta["simulations"] <= meta["budget"] and meta["generations"] >= 1
    # what the shipped screening kept, or (calibrate --free N) the N it ranks highest, with the
    # priors the calibration freed beyond them (--also, recorded in the sidecar)
    also = meta.get("also", [])
    top = vals.shape[1] - len(also)
    assert set(vals.columns) in ({*free_priors("channel", sc, also=also).names}, {*free_priors("channel", sc, top=top, also=also).names})
    assert set(vals.columns) == {p["name"] for p in meta["priors"]}
    assert np.isclose(w.sum(), 1) and len(vals) == meta["population"]
    for d in draws(sc, path, 3, seed=2):
        set_params(sc, d)  # every draw is a valid Channel


def test_generations_is_zero_for_a_database_not_yet_written(tmp_path):
    """A polling reader may open the file between its creation and pyabc writing its tables (a CI race):
    it must read 0 finished generations, not fail on pyabc's schema-version check."""
    import sqlite3

    from crossings.calibrate.abc import generations

    assert generations(tmp_path / "absent.db") == 0
    (tmp_path / "empty.db").touch()
    assert generations(tmp_path / "empty.db") == 0
    sqlite3.connect(tmp_path / "bare.db").execute("CREATE TABLE version (version_num TEXT)").connection.close()
    assert generations(tmp_path / "bare.db") == 0


# ---------------------------------------------------------------- backtest: the inflow after the cutoff

_KNOT_DATES = [(2020, 1, 1), (2020, 9, 1), (2021, 3, 1), (2021, 10, 1)]


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.floats(1.0, 200.0), min_size=4, max_size=4), until=st.sampled_from([2020, 2021]))
def test_holding_the_inflow_keeps_it_to_the_last_knot_before_the_cutoff_then_flat(values, until):
    """With --inflow-after hold the knots after 31 December of the cutoff are dropped: the daily inflow
    is the scenario's up to the last knot on or before the cutoff and that knot's value after it,
    whatever the knots; so nothing dated after the cutoff can reach the calibration or the forecast."""
    import datetime as dt

    from crossings.calibrate.backtest import inflow_until
    from crossings.engine.timeline import daily_series

    from worlds import D, scenario, tiny

    knots = [[D(*d), v] for d, v in zip(_KNOT_DATES, values, strict=True)]
    sc = scenario(tiny(inflow={"knots": knots}, end=D(2022, 6, 30)))
    held, n = inflow_until(sc, until)
    kept = [k for k in sc.inflow.knots if k[0] <= dt.date(until, 12, 31)]
    assert n == len(kept) and held.inflow.knots == kept
    n_days = (sc.end - sc.start).days + 1
    a = daily_series(sc.inflow.knots, sc.start, n_days, step=False, default=0.0)
    b = daily_series(held.inflow.knots, sc.start, n_days, step=False, default=0.0)
    last = (kept[-1][0] - sc.start).days
    np.testing.assert_array_equal(a[: last + 1], b[: last + 1])
    assert np.all(b[last:] == kept[-1][1])
    assert held.inflow.model_dump(exclude={"knots"}) == sc.inflow.model_dump(exclude={"knots"})


def test_holding_the_inflow_drops_the_priors_of_dropped_knots_and_refuses_a_cutoff_before_every_knot():
    from crossings.calibrate.backtest import inflow_until, knots_kept
    from crossings.calibrate.priors import Prior, Priors

    from worlds import D, scenario, tiny

    priors = Priors([Prior(name=n, distribution="uniform", low=-1.0, high=1.0, source="test")
                     for n in ("people.beta_success", "inflow.knots[0]", "inflow.knots[1]", "inflow.knots[3]")])
    assert knots_kept(priors, 2).names == ["people.beta_success", "inflow.knots[0]", "inflow.knots[1]"]
    sc = scenario(tiny(inflow={"knots": [[D(2020, 3, 1), 10.0]]}))
    with pytest.raises(ScenarioError, match="--inflow-after"):
        inflow_until(sc, 2019)


def test_a_backtest_that_holds_the_inflow_forecasts_fewer_crossings_when_the_knots_after_the_cutoff_rise(tmp_path, monkeypatch):
    """A world whose inflow rises from 20 to 80 a day after the cutoff (2020): with the scenario's knots the
    forecast follows the rise; with --inflow-after hold it cannot know of it and forecasts fewer crossings in
    every held-out month (fewer people arriving, fewer crossing). Both are recorded in backtest.json."""
    from crossings.calibrate.backtest import run_backtest
    from crossings.calibrate.targets import model_value
    from crossings.scenario.loader import dump_toml
    from crossings.cli import app
    from crossings.sim import Sim

    from worlds import D, scenario, tiny

    knots = [[D(2020, 1, 1), 20.0], [D(2020, 6, 1), 20.0], [D(2021, 2, 1), 80.0]]
    spending = {"spending": [{"channel": "port", "start": D(2020, 1, 1), "end": D(2021, 12, 31), "eur_million": 3.0}]}

    def sixteen_months(**over):
        return scenario(tiny(inflow={"knots": knots}, end=D(2021, 4, 30), enforcement=spending, **over))

    sc = sixteen_months()
    truth = [Sim(sixteen_months(lorry={"success_unenforced": TRUTH}), seed=s).run() for s in (101, 102)]
    rows = []
    for p in [f"2020-{m:02d}" for m in range(1, 13)] + [f"2021-{m:02d}" for m in range(1, 5)]:
        v = float(np.mean([model_value(r, "crossings_total", p) for r in truth]))
        rows.append({"series": "crossings_total", "period": p, "value": v, "low": 0.95 * v, "high": 1.05 * v,
                     "unit": "people", "scope": "tiny", "source": "pseudo-observed", "note": ""})
    (tmp_path / "scenario.toml").write_text(dump_toml(sc))
    pd.DataFrame(rows).to_csv(tmp_path / "observed.csv", index=False)
    (tmp_path / "priors.toml").write_text(PRIORS_TOML)
    out = {}
    for mode in ("scenario", "hold"):
        np.random.seed(7)
        bt = run_backtest(tmp_path / "scenario.toml", 2020, budget=20, population=5, draws_n=3,
                          out=tmp_path / mode, workers=1, inflow_after=mode)
        assert bt.meta["inflow_after"] == mode and list(bt.rows["period"]) == [f"2021-{m:02d}" for m in range(1, 5)]
        out[mode] = bt.rows["median"].to_numpy()
    assert np.all(out["hold"] < out["scenario"]), out
    # by default each mode has its own folder (and database): a held backtest never resumes the other's
    monkeypatch.chdir(tmp_path)
    run_backtest(tmp_path / "scenario.toml", 2020, budget=20, population=5, draws_n=2, workers=1, inflow_after="hold",
                 also=["lorry.success_unenforced"])
    held = tmp_path / "results/calibration/tiny/backtest-2020-hold"
    assert (held / "backtest.json").is_file()
    # the priors freed beyond the screening's (--also) are recorded, as `crossings calibrate` records them
    assert json.loads((held / "backtest.json").read_text())["also"] == ["lorry.success_unenforced"]
    assert json.loads((held / "posterior_until_2020.json").read_text())["also"] == ["lorry.success_unenforced"]
    assert bt.meta["also"] == []
    assert not (tmp_path / "results/calibration/tiny/backtest-2020").exists()
    r = CliRunner().invoke(app, ["backtest", str(tmp_path / "scenario.toml"), "--budget", "10", "--inflow-after", "later",
                                 "--out", str(tmp_path / "bad")])
    assert r.exit_code == 2 and "--inflow-after: one of scenario, hold" in r.output and r.output.count("\n") == 1, r.output
    assert not (tmp_path / "bad").exists()


def test_each_runs_own_fit_is_zero_on_the_observed_values_and_a_log_factor_away_from_them():
    """run_scores on hand-made rows: a run equal to every observed value scores 0 on both figures; a
    run at twice every value scores log 2 on the median's score, and on the check's distance log 2
    where the sources agree (low = high = value) but log(2 x 10 / 15) where their spread reaches 15;
    each series weighs the same whatever its rows (series a: 1 row, b: 2 rows)."""
    from crossings.calibrate.validation import run_scores

    rows = pd.DataFrame({"series": ["a", "b", "b"], "period": ["2020", "2020", "2021"], "value": [10.0, 4.0, 8.0],
                         "low": [5.0, 4.0, 8.0], "high": [15.0, 4.0, 8.0]})
    values = np.array([[10.0, 20.0], [4.0, 8.0], [8.0, 16.0]])
    sc = run_scores(rows, values)
    assert sc.shape == (2, 2)
    assert sc[0] == pytest.approx([0.0, 0.0])
    ln2 = np.log(2.0)
    assert sc[1, 1] == pytest.approx(ln2)
    assert sc[1, 0] == pytest.approx((np.log(20.0 / 15.0) + ln2) / 2)


def test_the_parameter_whose_upper_draws_fit_the_data_scores_apart_by_half_and_correlates_negatively():
    """parameter_fit on hand-made draws: four draws of parameter x = 1, 2, 3, 4, one observed row (10,
    sources agreeing). The two lower draws ran at 20 (a factor of 2), the two upper ones at 10: the
    lower half's median scores log 2, the upper half's 0, and x ranks against the draws' own check
    distance (log 2, log 2, 0, 0) at -4 / sqrt(20) (ties take their mean rank). A parameter that
    never moves puts every draw in its lower half: the upper half has no draws and no score."""
    from crossings.calibrate.validation import parameter_fit, run_scores

    rows = pd.DataFrame({"series": ["a"], "period": ["2020"], "value": [10.0], "low": [10.0], "high": [10.0]})
    values = np.array([[20.0, 20.0, 10.0, 10.0]])
    params = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "fixed": [5.0, 5.0, 5.0, 5.0]})
    t = parameter_fit(params, rows, values, run_scores(rows, values)[:, 0])
    assert t.loc["x", "score_lower_half"] == pytest.approx(np.log(2.0))
    assert t.loc["x", "score_upper_half"] == pytest.approx(0.0)
    assert t.loc["x", "spearman_check_distance"] == pytest.approx(-4.0 / np.sqrt(20.0))
    assert (t.loc["x", "draws_lower_half"], t.loc["x", "draws_upper_half"]) == (2, 2)
    assert t.loc["fixed", "draws_upper_half"] == 0 and np.isnan(t.loc["fixed", "score_upper_half"])


def test_the_median_score_over_the_annual_rows_weighs_series_with_annual_rows_equally_and_skips_the_rest():
    """By hand: series a has annual rows 2 x and 1 x observed (|log| ln 2 and 0) and a monthly row 4 x
    (ln 4, not annual); series b one annual row at half (ln 2); series c only a monthly row. Series
    weighted: mean(ln 2 / 2, ln 2) = 0.75 ln 2; over the three annual rows: 2 ln 2 / 3. Without any
    annual row there is nothing to score (NaN, not 0)."""
    from crossings.calibrate.targets import table_from_values
    from crossings.calibrate.validation import annual_score

    rows = pd.DataFrame({"series": ["a", "a", "a", "b", "c"], "period": ["2019", "2020", "2020-06", "2019", "2021-03"],
                         "value": [10.0, 10.0, 10.0, 10.0, 10.0], "low": np.nan, "high": np.nan})
    values = np.array([[20.0, 20.0], [10.0, 10.0], [40.0, 40.0], [5.0, 5.0], [30.0, 30.0]])
    table = table_from_values(rows, values)
    weighted, over_rows = annual_score(table)
    assert weighted == pytest.approx(0.75 * np.log(2.0))
    assert over_rows == pytest.approx(2.0 * np.log(2.0) / 3.0)
    assert np.isnan(annual_score(table[table["period"].str.len() > 4])).all()


def test_the_validation_report_of_a_tiny_world_states_its_seed_its_draw_spread_and_both_backtests(tmp_path):
    """A hand-made posterior of the tiny world (two particles around the truth) and two saved backtests:
    the report names the --seed it ran with, gives the headline figures the returned dict gives, their
    spread over resamples of the draws, and one section per backtest, each saying what it assumed of the
    inflow. Another seed is another set of draws (different runs), so some model median differs."""

    from crossings.calibrate.backtest import Backtest
    from crossings.calibrate.posterior import write_posterior
    from crossings.calibrate.priors import Prior
    from crossings.calibrate.validation import validate_posterior

    path = folder(tmp_path)
    text = path.read_text()
    path.write_text('posterior = "posterior.csv"\n' + text)
    prior = Prior(name="lorry.success_unenforced", distribution="uniform", low=PRIOR[0], high=PRIOR[1], source="test")
    meta = {"budget": 2, "simulations": 2, "generations": 1, "population": 2, "scale": 1.0, "final_epsilon": 0.1,
            "priors": [prior.model_dump()], "series": ["crossings_total"]}
    write_posterior(pd.DataFrame({"lorry.success_unenforced": [0.2, 0.3]}), [0.5, 0.5], meta, tmp_path / "posterior.csv")
    rows = pd.DataFrame({"series": ["crossings_total"], "period": ["2020-06"], "observed": [1.0], "median": [1.0],
                         "inside_90": [True]})
    per = pd.DataFrame({"rows": [1], "coverage_90": [1.0]}, index=pd.Index(["crossings_total"], name="series"))
    for d, mode in (("backtest", "scenario"), ("backtest_hold", "hold")):
        Backtest(2020, rows, per, {"until": 2020, "inflow_after": mode, "draws": 3, "coverage_90_overall": 1.0,
                                   "calibration": {"budget": 9, "simulations": 9, "generations": 1, "population": 3,
                                                   "effective_sample_size": 2.5, "scale": 1.0}}).save(tmp_path / d)
    out = {}
    for seed in (1, 40):
        r = validate_posterior(path, draws_n=4, out=tmp_path / f"v{seed}.md", workers=1, seed=seed)
        md = (tmp_path / f"v{seed}.md").read_text()
        assert ("--seed 40" in md) == (seed == 40) and f"seeded by {seed}" in md
        assert np.isnan(r["coverage_90_annual"]) and np.isnan(r["bootstrap_90"]["coverage_90_annual"]).all()  # monthly rows only
        assert f"mean |log(model / observed)|: {r['mean_abs_log_ratio']:.2f}**" in md
        assert np.isnan(r["mean_abs_log_ratio_annual"]) and "over the annual rows alone" not in md  # monthly rows only
        lo, hi = r["bootstrap_90"]["mean_abs_log_ratio"]
        assert 0 <= lo <= hi and "resamples of the 4 draws" in md
        assert "### Inflow after the cutoff: scenario" in md and "### Inflow after the cutoff: hold" in md
        assert "ESS 2.5 of 3" in md and "nothing after the cutoff enters" in md
        # each run's own fit, the draws' beside the scenario's own values (3 runs from the report's seed)
        (d_dist, d_score), (p_dist, p_score) = r["runs_fit"]["draws_median"], r["runs_fit"]["point_median"]
        assert f"score {p_dist:.2f} and {p_score:.2f}" in md and f"seeds {seed}-{seed + 2}" in md
        assert 0 <= d_dist <= d_score and 0 <= p_dist <= p_score  # outside the spread is never further than the value
        out[seed] = md.split("## Per series")[1].split("## Backtest")[0]
        # which parameters' draws fit worse: the one free parameter, its draws split into two halves
        fit = r["by_parameter"]["lorry.success_unenforced"]
        assert fit["draws_lower_half"] + fit["draws_upper_half"] == 4 and "## Which draws fit worse" in md
    assert out[1] != out[40]
    json.loads((tmp_path / "posterior.json").read_text())  # untouched and readable
    from crossings.cli import app

    # a seed whose 4 draws take the lower particle (0.2) at least twice: the median is below 0.3, so
    # both halves hold draws and the summary line names the parameter
    from crossings.calibrate.posterior import draw_indices

    seed = next(k for k in range(1, 100) if (draw_indices(np.array([0.5, 0.5]), 4, k) == 0).sum() >= 2)
    r = CliRunner().invoke(app, ["validation", str(path), "--draws", "4", "--seed", str(seed), "--workers", "1",
                                 "--no-progress", "--out", str(tmp_path / "cli.md")])
    assert r.exit_code == 0 and "one run at a time" in r.output and "the scenario's own values" in r.output, r.output
    assert "draws that fit worse: lorry.success_unenforced" in " ".join(r.output.split()), r.output
