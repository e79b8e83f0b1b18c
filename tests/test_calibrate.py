"""The observed-vs-model comparison lines up the right years, series and sites."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crossings.calibrate import compare, score
from crossings.data import yearly
from crossings.engine.results import METRICS, Results


def fake_results(boat_per_year: dict[int, float]) -> Results:
    """Daily results that spread a yearly number of boat crossings evenly over each year."""
    days = pd.date_range("2018-01-01", "2024-12-31", freq="D", name="date")
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
    boats = table[table.series == "small_boat_arrivals"].set_index("period")
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
