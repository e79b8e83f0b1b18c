"""The ARD metric and the observed daily series (Flee's DataTable conventions)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossings.flee import ard
from crossings.flee.schema import FleeValidation

MALI = Path(__file__).resolve().parents[1] / "crossings" / "scenario" / "builtin" / "mali2012"


def test_perfect_and_proportional_simulations_score_zero():
    obs = np.array([[10, 30], [20, 60], [0, 0]])
    assert ard.ard(obs, obs) == 0.0
    assert ard.ard(obs * 7, obs) == pytest.approx(0.0)  # rescaled to the observed total


def test_known_value():
    obs = np.array([[50, 50]])
    sim = np.array([[100, 0]])  # rescaled: [100, 0] -> |100-50| + |0-50| = 100, / 100
    assert ard.ard(sim, obs) == pytest.approx(1.0)
    sim = np.array([[75, 25]])
    assert ard.ard(sim, obs) == pytest.approx(0.5)


def test_empty_simulation_day_counts_as_full_error():
    obs = np.array([[5, 5], [10, 10]])
    sim = np.array([[0, 0], [10, 10]])
    assert ard.ard_by_day(sim, obs).tolist() == [1.0, 0.0]


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        ard.ard(np.zeros((3, 2)), np.zeros((3, 3)))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(0, 10_000), min_size=3, max_size=3), min_size=1,
                max_size=20),
       st.lists(st.lists(st.integers(0, 10_000), min_size=3, max_size=3), min_size=1,
                max_size=20))
def test_ard_is_between_zero_and_two(sim, obs):
    n = min(len(sim), len(obs))
    value = ard.ard(np.array(sim[:n]), np.array(obs[:n]))
    assert 0.0 <= value <= 2.0 + 1e-12


def test_daily_series_interpolates_like_flee():
    x = np.array([-3, 2, 6])
    y = np.array([10.0, 20.0, 0.0])
    got = ard.daily_series(x, y, 9).tolist()
    # day 0: between -3 and 2 -> 10 + 3/5*10 = 16; day 4: 20 - 2/4*20 = 10; after 6: last value.
    assert got == [16, 18, 20, 15, 10, 5, 0, 0, 0]
    assert ard.daily_series(np.array([5]), np.array([7.9]), 3).tolist() == [7, 7, 7]


def test_registration_correction_rescales_earlier_counts():
    start = dt.date(2020, 1, 1)
    val = FleeValidation.model_validate({
        "total": {"name": "total", "dates": [start], "counts": [0]},
        "camps": [{"name": "C", "dates": [start, start + dt.timedelta(days=2),
                                          start + dt.timedelta(days=4)],
                   "counts": [100, 200, 100]}],
        "registration_corrections": [{"location": "C", "date": start + dt.timedelta(days=4)}],
    })
    counts = ard.corrected_counts(val, val.camps[0])
    assert counts.tolist() == [50, 100, 100]
