"""Invariants checked every simulated day on random small worlds (hypothesis).

* every person is in exactly one valid state, and the population is conserved:
  initial residents + arrivals = people counted across all states;
* funds, debt, shelter occupancy and capacities never go negative, and shelters
  never hold more people than their places.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossings import Sim
from crossings.engine.state import STATE_NAMES
from worlds import D, scenario, tiny

VALID = np.array(sorted(STATE_NAMES), dtype=np.int8)

policies = st.lists(
    st.one_of(
        st.builds(
            lambda day, buses, acc: {
                "type": "camp_clearance", "site": "A", "date": D(2020, 1, 1) + dt.timedelta(days=day),
                "buses": buses, "seats_per_bus": 20, "acceptance": acc,
            },
            st.integers(0, 80), st.integers(0, 40), st.floats(0, 1),
        ),
        st.builds(
            lambda start, interval: {
                "type": "routine_evictions", "sites": ["A", "B"], "start": D(2020, 1, 1) + dt.timedelta(days=start),
                "interval_days": interval,
            },
            st.integers(0, 60), st.floats(0.5, 10),
        ),
        st.builds(
            lambda start, q: {"type": "legal_route", "start": D(2020, 1, 1) + dt.timedelta(days=start),
                              "quota_per_week": q, "nationalities": ["X"]},
            st.integers(0, 60), st.floats(0, 50),
        ),
        st.builds(
            lambda start, r: {"type": "returns_agreement", "start": D(2020, 1, 1) + dt.timedelta(days=start),
                              "returns_per_week": r},
            st.integers(0, 60), st.floats(0, 50),
        ),
        st.builds(
            lambda start, m: {"type": "traffic_shock", "start": D(2020, 1, 1) + dt.timedelta(days=start),
                              "end": D(2020, 1, 1) + dt.timedelta(days=start + 20), "multiplier": m},
            st.integers(0, 60), st.floats(0, 2),
        ),
        st.builds(
            lambda start, cap: {"type": "shelter_capacity", "site": "Shelter", "start": D(2020, 1, 1) + dt.timedelta(days=start),
                                "capacity": cap},
            st.integers(0, 60), st.floats(0, 1000),
        ),
        st.builds(
            lambda start, m: {"type": "gang_crackdown", "start": D(2020, 1, 1) + dt.timedelta(days=start),
                              "dismantle_multiplier": m},
            st.integers(0, 60), st.floats(0, 20),
        ),
        st.builds(
            lambda start, e: {"type": "sea_interception", "start": D(2020, 1, 1) + dt.timedelta(days=start),
                              "effectiveness": e},
            st.integers(0, 60), st.floats(0, 1),
        ),
    ),
    max_size=4,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31),
    inflow=st.floats(0, 40),
    port_spend=st.floats(0, 300),
    pols=policies,
    leave=st.floats(-8, 0),
    family=st.floats(0, 0.5),
    market=st.booleans(),
)
def test_every_person_in_one_state_and_nothing_negative(seed, inflow, port_spend, pols, leave, family, market):
    d = tiny(market=market, seed=seed, end=D(2020, 4, 30), policies=pols)
    d["inflow"]["knots"] = [[D(2020, 1, 1), inflow]]
    d["enforcement"]["spending"][0]["eur_million"] = port_spend
    d["people"] = {"asc_leave": leave}
    d["nationalities"][0]["family_share"] = family
    sim = Sim(scenario(d))
    p = sim.people
    initial = sim.initial_people
    arrivals = 0.0
    shelter_sites = np.flatnonzero(sim.world.site_kind == 3)
    for day in range(sim.n_days):
        sim.step()
        n = p.n
        states = p.state[:n]
        assert np.isin(states, VALID).all(), "a person is in no valid state"
        arrivals += sim.rec.values[day, 0]
        assert initial + arrivals == n == np.bincount(states, minlength=8).sum()
        assert (p.funds[:n] >= 0).all() and (p.debt[:n] >= 0).all()
        occ = np.bincount(p.site[:n][states == 3], minlength=sim.world.n_sites)
        assert (occ[shelter_sites] <= np.floor(sim.timeline.shelter_capacity[shelter_sites, day]) + 1e-9).all()
        assert (sim.timeline.shelter_capacity >= 0).all()
        assert (sim.rec.values[day] >= 0).all(), "a daily count went negative"
        if market:
            g = sim.loop["market"].g
            a = g.active
            for name in ("capital", "boats", "price_boat", "price_lorry", "cost_boat", "cost_lorry", "volume"):
                assert (getattr(g, name)[a] >= 0).all(), f"gang {name} went negative"
            assert (p.paid_attempts_left[:n] >= 0).all()
        # active index holds exactly the non-terminal people
        live = np.flatnonzero(np.isin(states, [1, 2, 3, 6]))
        assert np.array_equal(np.sort(p.active), live)
