"""The observed-vs-model comparison lines up the right periods, series and sites, and its two
summaries (score, distance) behave as documented on hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crossings.calibrate import SERIES, compare, distance, model_value, period_bounds, row_distance, score
from crossings.data import observed, yearly
from crossings.engine.results import METRICS, Results


def fake_results(boat_per_year: dict[int, float], start="2014-01-01", end="2024-12-31") -> Results:
    """Daily results that spread a yearly number of boat crossings evenly over each year."""
    days = pd.date_range(start, end, freq="D", name="date")
    daily = pd.DataFrame(0.0, index=days, columns=[m[0] for m in METRICS])
    for y, v in boat_per_year.items():
        sel = daily.index.year == y
        daily.loc[sel, "crossings_boat"] = v / sel.sum()
    sites = pd.DataFrame({"Calais camps": 100.0, "Grande-Synthe camps": 50.0}, index=days)
    return Results(daily=daily, sites=sites, scenario_name="fake", seed=0, notes=[])


def test_compare_matches_observed_years_and_scores_a_perfect_fit_zero():
    obs = yearly("small_boat_arrivals")  # independent: the published Home Office series
    res = fake_results({int(y): float(v) for y, v in obs.items()})
    table = compare([res])
    boats = table[(table.series == "small_boat_arrivals") & table.period.str.fullmatch(r"\d{4}")].set_index("period")
    assert set(boats.index) == {str(y) for y in obs.index}
    assert np.allclose(boats["ratio"], 1.0)
    assert score(boats) < 1e-9


def test_compare_reports_spread_over_runs_and_camp_months():
    a = fake_results({2022: 40000.0})
    b = fake_results({2022: 50000.0})
    row = compare([a, b]).query("series == 'small_boat_arrivals' and period == '2022'").iloc[0]
    assert np.isclose(row.model_min, 40000) and np.isclose(row.model_max, 50000) and np.isclose(row.model_mean, 45000)
    camps = compare([a]).query("series == 'camp_population_calais'")
    assert len(camps) > 0 and (camps.model_mean == 100.0).all()


@pytest.mark.parametrize("period,first,last", [
    ("2022", "2022-01-01", "2022-12-31"),
    ("2022-02", "2022-02-01", "2022-02-28"),
    ("2020-Q1", "2020-01-01", "2020-03-31"),
    ("2020-Q4", "2020-10-01", "2020-12-31"),
    ("2021-H1", "2021-01-01", "2021-06-30"),
    ("2021-H2", "2021-07-01", "2021-12-31"),
    ("2020-07/2023-09", "2020-07-01", "2023-09-30"),
    ("2018/2024", "2018-01-01", "2024-12-31"),
    ("2022-08-22", "2022-08-22", "2022-08-22"),
    ("2021-01-01/2021-11-17", "2021-01-01", "2021-11-17"),
    ("2015-04/2015-09", "2015-04-01", "2015-09-30"),
])
def test_period_bounds_cover_each_kind_of_period(period, first, last):
    assert period_bounds(period) == (pd.Timestamp(first), pd.Timestamp(last))


def test_flows_sum_over_the_period_and_ratios_are_ratios_of_sums():
    res = fake_results({2021: 365.0})  # one boat arrival a day in 2021
    assert np.isclose(model_value(res, "small_boat_arrivals", "2021-H1"), 181.0)  # Jan-Jun 2021: 181 days
    assert np.isclose(model_value(res, "small_boat_arrivals", "2020-07/2021-03"), 90.0)
    assert np.isclose(model_value(res, "small_boat_arrivals", "2021-03-05"), 1.0)  # one day
    assert np.isclose(model_value(res, "small_boat_arrivals", "2021-01-01/2021-11-17"), 321.0)  # 31+28+31+30+31+30+31+31+30+31+17
    d = res.daily
    d.loc["2021-01-01", ["people_on_arrived_boats", "boats_arrived"]] = [10.0, 1.0]
    d.loc["2021-01-02", ["people_on_arrived_boats", "boats_arrived"]] = [50.0, 3.0]
    # 60 people on 4 boats is 15 per boat; the mean of the daily ratios (10 and 16.7) would be 13.3
    assert np.isclose(model_value(res, "people_per_boat", "2021-01"), 15.0)
    d.loc["2021-01-02", "crossings_boat"] = 40.0
    assert model_value(res, "small_boat_arrivals_max_day", "2021") == 40.0


def test_rows_outside_the_run_are_not_compared():
    res = fake_results({2019: 1000.0}, start="2019-01-01", end="2019-12-31")
    t = compare([res])
    assert set(t.period) <= {"2019"} | {p for p in t.period if p.startswith("2019-")}


def test_every_observed_series_is_either_compared_or_explained():
    from crossings.calibrate import NOT_MODELLED

    for s in observed().series.unique():
        assert s in SERIES or s in NOT_MODELLED, s


def test_distance_is_zero_inside_the_source_spread_and_weights_series_equally():
    t = pd.DataFrame({
        "series": ["a", "a", "a", "b"],
        "observed": [100.0, 100.0, 100.0, 10.0],
        "observed_low": [80.0, 80.0, 80.0, 10.0],
        "observed_high": [120.0, 120.0, 120.0, 10.0],
        "model_mean": [110.0, 90.0, 240.0, 20.0],
    })
    d = row_distance(t)
    assert d.iloc[0] == 0 and d.iloc[1] == 0  # inside [low, high]
    assert np.isclose(d.iloc[2], np.log(2.0))  # twice the high end
    assert np.isclose(d.iloc[3], np.log(2.0))
    # series a (3 rows, mean log 2 / 3) and series b (1 row, log 2) weigh the same
    assert np.isclose(distance(t), (np.log(2.0) / 3 + np.log(2.0)) / 2)


@pytest.mark.parametrize("period", ["2021-02-30", "2021-13", "2021-Q5", "21-01-01", "2021-1-1", "2021-06/2021-02"])
def test_period_bounds_refuse_what_is_not_a_period(period):
    # a day that does not exist is as wrong as a malformed period: refused, never rounded to a neighbour
    with pytest.raises(ValueError, match="unrecognised period"):
        period_bounds(period)
