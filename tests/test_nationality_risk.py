"""People's risk tolerance by nationality (``nationalities[].risk_tolerance_mean``, docs/ODD.md 6).

A person's risk tolerance is ``people.risk_tolerance_min`` plus an exponential with the rest of the
mean of their nationality (its own ``risk_tolerance_mean``, or ``people.risk_tolerance_mean``). The
tests check the distribution, that naming the people's mean explicitly changes nothing, and the
direction of the mechanism on the Channel: the people who took to the sea first (docs/ODD.md 6)
teach the corridor about boats, so without them the boats take off later.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crossings
from crossings.scenario.loader import load_scenario
from worlds import D, scenario, tiny


def _people(d: dict, seed: int = 1, days: int = 120):
    """Risk tolerance and nationality of everyone who arrived in the first ``days`` days (and the
    initial residents)."""
    d = dict(d)
    d["end"] = D(2020, 1, 1) + dt.timedelta(days=days - 1)
    sim = crossings.Sim(scenario(d), seed=seed)
    sim.run()
    p = sim.people
    return np.asarray(p.risk_tolerance[: p.n], np.float64), np.asarray(p.nationality[: p.n]), sim


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(floor=st.sampled_from([0.0, 0.1, 0.4]), mean_x=st.floats(0.5, 4.0), mean_y=st.floats(0.5, 4.0),
       seed=st.integers(1, 50))
def test_each_nationality_draws_around_its_own_mean_above_the_floor(floor, mean_x, mean_y, seed):
    # the floor plus an exponential with the rest of the mean: never below the floor, and the sample
    # mean of many people close to the nationality's mean (an exponential's sd equals its mean, so
    # the standard error of n draws is (mean - floor) / sqrt(n); households share a draw, so n counts
    # household heads, about four in five of the people here)
    d = tiny(people={"risk_tolerance_min": floor, "risk_tolerance_mean": 1.0},
             inflow={"knots": [[D(2020, 1, 1), 40.0]]})
    d["nationalities"][0]["risk_tolerance_mean"] = mean_x
    d["nationalities"][1]["risk_tolerance_mean"] = mean_y
    rt, nat, sim = _people(d, seed=seed)
    assert rt.min() >= np.float32(floor)
    heads = sim.people.household[: sim.people.n] == np.arange(sim.people.n)
    for k, m in enumerate((mean_x, mean_y)):
        x = rt[(nat == k) & heads]
        assert x.size > 300
        se = (m - floor) / np.sqrt(x.size)
        assert abs(x.mean() - m) < 5 * se, (k, m, x.mean(), x.size)


def test_naming_the_peoples_mean_changes_nothing():
    # a nationality whose own mean equals the people's mean draws exactly what it drew without one
    base = tiny(market=True, people={"risk_tolerance_min": 0.2, "risk_tolerance_mean": 1.3})
    named = tiny(market=True, people={"risk_tolerance_min": 0.2, "risk_tolerance_mean": 1.3})
    named["nationalities"][0]["risk_tolerance_mean"] = 1.3
    a = crossings.Sim(scenario(base), seed=4).run()
    b = crossings.Sim(scenario(named), seed=4).run()
    assert np.array_equal(a.daily.to_numpy(), b.daily.to_numpy(), equal_nan=True)


def test_a_more_tolerant_nationality_takes_more_boats():
    # same world, same draws; only nationality X's mean tolerance rises. People believe boats
    # risky (a prior death risk of 1 in 100), and the risk weighs less for X's people
    # (beta_risk x risk / tolerance), so more of them choose a boat and the world's boat attempts rise
    kw = dict(market=True, people={"risk_tolerance_min": 0.1, "risk_tolerance_mean": 0.5},
              sea={"perceived_death_risk_prior": 0.01})
    low, high = tiny(**kw), tiny(**kw)
    high["nationalities"][0]["risk_tolerance_mean"] = 3.0
    boats = [crossings.Sim(scenario(d), seed=2).run().daily["attempts_boat"].sum() for d in (low, high)]
    assert boats[1] > 1.2 * boats[0], boats


@pytest.fixture(scope="module")
def channel_boats():
    """Small-boat crossings in 2018-2020 on the Channel as shipped, and with the Iranian people's own
    mean tolerance removed (everyone at the people's mean)."""
    sc = load_scenario("channel")
    sc = sc.model_copy(update={"end": D(2020, 12, 31)})
    nats = [n.model_copy(update={"risk_tolerance_mean": None}) for n in sc.nationalities]
    without = sc.model_copy(update={"nationalities": nats})
    assert any(n.risk_tolerance_mean is not None for n in sc.nationalities)
    out = {}
    for name, s in (("shipped", sc), ("without", without)):
        y = crossings.Sim(s, seed=1).run().yearly
        out[name] = y.loc[y.index.year >= 2018, "crossings_boat"].sum()
    return out


def test_the_channel_boats_take_off_with_the_first_movers(channel_boats):
    # the people who took to the sea first teach the corridor about boats (the camp's belief is
    # learnt from the boats it sees): without them the 2018-2020 boats are a small fraction
    assert channel_boats["shipped"] > 5_000, channel_boats
    assert channel_boats["without"] < 0.2 * channel_boats["shipped"], channel_boats


def test_a_path_on_the_peoples_mean_moves_later_arrivals_without_their_own():
    # a parameter path raises people.risk_tolerance_mean from 1 to 3 on 1 March: people of the
    # nationality without a mean of its own who arrive later draw around 3; the nationality with its
    # own mean (0.8) keeps it
    d = tiny(people={"risk_tolerance_min": 0.1, "risk_tolerance_mean": 1.0}, inflow={"knots": [[D(2020, 1, 1), 40.0]]})
    d["nationalities"][1]["risk_tolerance_mean"] = 0.8
    d["policies"] = [{"type": "parameter_path", "parameter": "people.risk_tolerance_mean",
                      "path": [[D(2020, 3, 1), 3.0]]}]
    rt, nat, sim = _people(d, seed=3, days=200)
    p = sim.people
    heads = p.household[: p.n] == np.arange(p.n)
    late = np.asarray(p.arrival_day[: p.n]) >= (D(2020, 3, 2) - D(2020, 1, 1)).days
    early = ~late
    x_late, x_early = rt[heads & late & (nat == 0)], rt[heads & early & (nat == 0)]
    y_late = rt[heads & late & (nat == 1)]
    assert abs(x_late.mean() - 3.0) < 5 * 2.9 / np.sqrt(x_late.size), x_late.mean()
    assert abs(x_early.mean() - 1.0) < 5 * 0.9 / np.sqrt(x_early.size), x_early.mean()
    assert abs(y_late.mean() - 0.8) < 5 * 0.7 / np.sqrt(y_late.size), y_late.mean()


@pytest.mark.parametrize("parameter,value,field", [
    ("people.risk_tolerance_min", 0.9, "policies[0].path[0]"),   # above nationality Y's own mean (0.8)
    ("people.risk_tolerance_mean", 0.05, "policies[0].path[0]"),  # below the floor (0.1)
])
def test_a_path_that_would_cross_the_floor_and_a_mean_is_refused(tmp_path, parameter, value, field):
    import tomli_w

    from crossings.errors import ScenarioError

    d = tiny(people={"risk_tolerance_min": 0.1, "risk_tolerance_mean": 1.0})
    d["nationalities"][1]["risk_tolerance_mean"] = 0.8
    d["policies"] = [{"type": "parameter_path", "parameter": parameter, "path": [[D(2020, 3, 1), value]]}]
    path = tmp_path / "bad.toml"
    path.write_text(tomli_w.dumps(d))
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert field in e.value.field and "risk_tolerance" in e.value.expected
