"""A real Calais operation as a case (Nov 2023, RADIO6-2023): a camp of ~800 people, about 30 of
them children, cleared with 25 buses of 20 seats. Structural expectations: at most
25 x 20 = 500 relocated; households with minors are offered places first; the rest stay or
disperse to other sites; people come back from shelters over the following weeks."""

from __future__ import annotations

import numpy as np
import pytest

from crossings import Sim
from crossings.engine.state import IN_CAMP, IN_SHELTER, TRAVELLING
from worlds import D, scenario, tiny

DAY = 10  # the operation happens on 11 Jan


def calais(acceptance, seed=1, end=D(2020, 3, 31)):
    d = tiny(seed=seed, end=end)
    d["sites"][0].update(name="A", initial_population=800, capacity=800)
    d["sites"][1]["initial_population"] = 0
    d["sites"][4]["capacity"] = 2000
    d["inflow"]["knots"] = [[D(2020, 1, 1), 0.0]]
    # ~30 children among 800: 1% families (2 adults + ~1.7 children) and 2% unaccompanied minors
    d["nationalities"] = [{"name": "X", "share": [[D(2020, 1, 1), 1.0]], "family_share": 0.01,
                           "unaccompanied_minor_share": 0.02}]
    d["people"] = {"asc_lorry_alone": -50.0, "asc_leave": -50.0}  # isolate the clearance
    d["shelters"] = {"stay_days_mean": 10, "return_share": 0.4}
    d["policies"] = [{"type": "camp_clearance", "site": "A", "date": D(2020, 1, 1 + DAY), "buses": 25,
                      "seats_per_bus": 20, "acceptance": acceptance, "disperse_share": 0.3}]
    return Sim(scenario(d))


def snapshot(sim, day):
    while sim.day <= day:
        sim.step()
    p = sim.people
    return p.state[: p.n].copy(), p.site[: p.n].copy()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_calais_clearance_relocates_at_most_the_seats_minors_first(seed):
    sim = calais(acceptance=1.0, seed=seed)
    p = sim.people
    n = p.n
    assert 760 <= n <= 840
    minors = p.minor[:n]
    assert 15 <= minors.sum() <= 50  # "about 30 children"
    state, site = snapshot(sim, DAY)
    bused = state == IN_SHELTER
    assert 0 < bused.sum() <= 500
    assert bused.sum() >= 480  # everyone accepts: seats fill up except for household rounding
    assert bused[minors].all()  # minors first: all children got a seat
    rest = ~bused
    # the rest stay in the camp or disperse to another site
    assert np.isin(state[rest], [IN_CAMP, TRAVELLING]).all()
    stayed = (state[rest] == IN_CAMP) & (site[rest] == 0)
    dispersed = state[rest] == TRAVELLING
    assert stayed.any() and dispersed.any()
    assert dispersed.mean() == pytest.approx(0.3, abs=0.12)


def test_observed_acceptance_gives_observed_uptake_and_people_return_over_weeks():
    """With the observed acceptance (0.37) about 300 of 800 board (RADIO6-2023: ~300)."""
    sim = calais(acceptance=0.37)
    res = sim.run()
    bused = res.daily.people_bused.sum()
    assert 220 <= bused <= 420
    back = res.daily.shelter_returns
    weeks = back.loc["2020-01-11":].resample("7D").sum()
    assert back.loc[:"2020-01-11"].sum() == 0
    # returns are spread over several weeks, not all at once
    assert (weeks > 0).sum() >= 3
    assert back.sum() == pytest.approx(0.4 * bused, abs=0.15 * bused)
    assert res.daily.in_shelters.iloc[-1] < 0.1 * bused


def test_shelter_capacity_limits_relocation():
    sim = calais(acceptance=1.0)
    sim.timeline.shelter_capacity[:, :] = np.where(sim.world.site_kind[:, None] == 3, 120.0, 0.0)
    state, _ = snapshot(sim, DAY)
    assert (state == IN_SHELTER).sum() <= 120
