"""Patterns: ratios between observed figures that ``crossings check`` tests (patterns.csv)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossings.calibrate.patterns import load_patterns, pattern_table
from crossings.calibrate.targets import load_observed
from crossings.errors import ScenarioError
from worlds import observed_folder

OBS = pd.DataFrame({"series": ["a", "a", "b"], "period": ["2020", "2021", "2020"], "value": [10.0, 40.0, 5.0]})
PAT = pd.DataFrame([{"name": "a 2021 / 2020", "num_series": "a", "num_period": "2021", "den_series": "a",
                     "den_period": "2020", "factor": 1.5, "why": "test"}])


def _table(num_obs, num_lo, num_hi, den_obs, den_lo, den_hi, num_model, den_model):
    return pd.DataFrame({
        "series": ["a", "a"], "period": ["2021", "2020"], "observed": [num_obs, den_obs],
        "observed_low": [num_lo, den_lo], "observed_high": [num_hi, den_hi], "model_mean": [num_model, den_model],
    })


@settings(max_examples=100, deadline=None)
@given(
    num=st.floats(1.0, 1e5), den=st.floats(1.0, 1e5), spread=st.floats(1.0, 3.0),
    m_num=st.floats(0.01, 1e5), m_den=st.floats(0.01, 1e5), factor=st.floats(1.0, 4.0),
)
def test_a_pattern_is_within_exactly_when_the_model_ratio_is_inside_the_widened_observed_range(
        num, den, spread, m_num, m_den, factor):
    """The observed range runs from numerator low / denominator high to numerator high / denominator
    low; the model's ratio of means is within when it lies in [low / factor, high x factor], and the
    factor outside is 1 inside the range and the distance to its nearer end otherwise."""
    t = _table(num, num / spread, num * spread, den, den / spread, den * spread, m_num, m_den)
    r = pattern_table(t, PAT.assign(factor=factor)).iloc[0]
    low, high = num / den / spread**2, num / den * spread**2
    model = m_num / m_den
    assert r.observed_low == pytest.approx(low) and r.observed_high == pytest.approx(high)
    assert r.model == pytest.approx(model)
    assert r.factor_outside >= 1.0
    expected_off = max(1.0, low / model, model / high)
    assert r.factor_outside == pytest.approx(expected_off)
    inside = low / factor <= model <= high * factor
    if abs(np.log(expected_off) - np.log(factor)) > 1e-9:  # away from the boundary, where rounding decides
        assert bool(r.within) == inside


def test_patterns_without_a_spread_use_the_values_and_rows_outside_the_run_are_left_out():
    t = _table(40.0, np.nan, np.nan, 10.0, np.nan, np.nan, 80.0, 10.0)
    r = pattern_table(t, PAT).iloc[0]
    assert r.observed == r.observed_low == r.observed_high == 4.0
    assert r.model == 8.0 and r.factor_outside == pytest.approx(2.0) and not r.within
    # a pattern on a row the run does not cover (its period outside the simulated years) is skipped
    assert pattern_table(t[t.period == "2021"], PAT).empty


def _write(tmp_path, text):
    p = tmp_path / "patterns.csv"
    p.write_text(text)
    return p


@pytest.mark.parametrize("text,field", [
    ("name,numerator,denominator,factor\nx,a@2021,a@2020,1.5\n", "why"),
    ("name,numerator,denominator,factor,why\nx,a@2022,a@2020,1.5,\n", "row 2: numerator"),
    ("name,numerator,denominator,factor,why\nx,a@2021,a-2020,1.5,\n", "row 2: denominator"),
    ("name,numerator,denominator,factor,why\nx,a@2021,a@2020,0.5,\n", "row 2: factor"),
    ("name,numerator,denominator,factor,why\nx,a@2021,a@2020,many,\n", "row 2: factor"),
    ("name,numerator,denominator,factor,why\n,a@2021,a@2020,1.5,\n", "row 2: name"),
])
def test_a_bad_patterns_file_is_a_one_line_error_naming_the_file_and_field(tmp_path, text, field):
    p = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as e:
        load_patterns(p, OBS)
    msg = str(e.value)
    assert "patterns.csv" in msg and field in msg and "\n" not in msg


def test_the_channel_patterns_name_rows_of_its_observed_data():
    """Every Channel pattern refers to two rows of the Channel's observed.csv, so a change to the
    observed data that drops one is caught here rather than silently skipped by the check."""
    from crossings.calibrate.patterns import pattern_file

    obs, _ = load_observed("channel")
    pats = load_patterns(pattern_file("channel"), obs)
    assert len(pats) == 6 and (pats.factor == 1.5).all()


def test_check_prints_the_patterns_of_the_scenario_folder_and_writes_them_beside_the_table(tmp_path):
    folder = observed_folder(tmp_path, ["arrivals_corridor,2020-03,150,,,people,arrivals,TEST,",
                                        "arrivals_corridor,2020-02,100,,,people,arrivals,TEST,"])
    (folder / "patterns.csv").write_text(
        "name,numerator,denominator,factor,why\n"
        "March over February,arrivals_corridor@2020-03,arrivals_corridor@2020-02,1.5,a test\n"
    )
    r = subprocess.run([sys.executable, "-m", "crossings.cli", "check", str(folder), "--seeds", "1",
                        "--out", str(tmp_path / "t.csv")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "patterns within their factor:" in r.stdout
    p = pd.read_csv(tmp_path / "t_patterns.csv")
    t = pd.read_csv(tmp_path / "t.csv")
    by = dict(zip(t.period.astype(str), t.model_mean, strict=True))
    assert p.loc[0, "model"] == pytest.approx(by["2020-03"] / by["2020-02"])
    assert p.loc[0, "observed"] == pytest.approx(1.5)
    (folder / "patterns.csv").write_text("name,numerator,denominator,factor,why\nx,arrivals_corridor@2021,arrivals_corridor@2020-02,1.5,\n")
    r = subprocess.run([sys.executable, "-m", "crossings.cli", "check", str(folder), "--seeds", "1"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "patterns.csv" in r.stderr and "Traceback" not in r.stderr
