"""Stages whose day runs in a few compiled calls against the same day written stage by stage
(the reference each keeps as ``step_by_stage``): the market, the camps, the inflow and the clearances. The runs
must agree bit for bit: daily results, site populations, people and the gangs' state."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crossings
from worlds import D, scenario, tiny


STAGES = ("market", "camps", "inflow", "clearances")


def _run(sc, staged: tuple[str, ...], days: int | None = None):
    sim = crossings.Sim(sc)
    for name in staged:
        proc = sim.loop[name]
        proc.step = proc.step_by_stage
    res = sim.run(days=days)
    return sim, res


def _same(sc, days: int | None = None, staged: tuple[str, ...] = STAGES) -> None:
    a, ra = _run(sc, (), days)
    b, rb = _run(sc, staged, days)
    pd.testing.assert_frame_equal(ra.daily, rb.daily, check_exact=True)
    pd.testing.assert_frame_equal(ra.sites, rb.sites, check_exact=True)
    pa, pb = a.people, b.people
    assert pa.n == pb.n
    np.testing.assert_array_equal(pa.active, pb.active)
    for f in ("state", "site", "funds", "risk_tolerance", "next_day", "household", "off_camp", "gang"):
        np.testing.assert_array_equal(getattr(pa, f)[: pa.n], getattr(pb, f)[: pb.n])
    np.testing.assert_array_equal(a.camp_utility, b.camp_utility)
    np.testing.assert_array_equal(a.camp_counts, b.camp_counts)
    np.testing.assert_array_equal(a.camp_density, b.camp_density)
    if not a.market_on:
        return
    ga, gb = a.loop["market"].g, b.loop["market"].g
    np.testing.assert_array_equal(ga.F, gb.F)
    for f in ("active", "boat_line", "home_coast", "network", "entered_day"):
        np.testing.assert_array_equal(getattr(ga, f), getattr(gb, f))
    ma, mb = a.loop["market"], b.loop["market"]
    np.testing.assert_array_equal(ma.boat_customers, mb.boat_customers)
    assert (ma.gross_margin, ma.recruited, ma.kit_cost, ma.hhi) == (mb.gross_margin, mb.recruited, mb.kit_cost, mb.hhi)


def test_fused_days_channel():
    """The Channel's first 400 days (the market opens, prices move, gangs enter and leave; camps
    fill, incidents and clearances), each stage on its own and all three together."""
    for staged in [(name,) for name in STAGES] + [STAGES]:
        _same("channel", days=400, staged=staged)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    rate=st.sampled_from([0.0, 0.5, 5.0]),
    exponent=st.sampled_from([0.0, 0.5, 1.5, 2.0]),
    mix=st.sampled_from([0.0, 1.0]),
    floor=st.sampled_from([0.0, 0.2]),
    inflow=st.sampled_from([0.0, 5.0, 40.0]),
    market=st.booleans(),
    interval=st.sampled_from([None, 1, 3]),
    acceptance=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_corridor_stages_match_stage_by_stage(seed, rate, exponent, mix, floor, inflow, market, interval, acceptance):
    """Camps, inflow and clearances: random incident rates, density exponents and nationality mix
    effects; a risk-tolerance floor or none (one nationality with a mean of its own); no inflow, some or much; routine evictions or none, and
    a major clearance whose people accept the buses or not."""
    d = tiny(market=market, seed=seed)
    d["camps"] = {"incident_rate_per_1000_per_day": rate, "incident_density_exponent": exponent,
                  "incident_mix_effect": mix}
    d["people"] = {"risk_tolerance_min": floor}
    d["nationalities"][1]["risk_tolerance_mean"] = 2.0  # a nationality with its own mean (the other: the people's)
    d["inflow"] = {"knots": [[D(2020, 1, 1), inflow]]}
    d["policies"] = [{"type": "camp_clearance", "site": "A", "date": D(2020, 6, 1), "buses": 4, "seats_per_bus": 50,
                      "acceptance": acceptance, "disperse_share": 0.5}]
    if interval is not None:
        d["policies"].append({"type": "routine_evictions", "sites": ["A", "B"], "start": D(2020, 3, 1),
                              "interval_days": interval})
    _same(scenario(d), staged=("camps", "inflow", "clearances"))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    network=st.booleans(),
    territories=st.booleans(),
    recruitment=st.sampled_from([None, 20.0]),
    dismantle=st.sampled_from([0.0, 2.0, 40.0]),
    exponent=st.sampled_from([0.0, 0.5, 1.0, 1.7]),
    entry_rate=st.sampled_from([0.0, 0.05, 0.5]),
    gangs=st.integers(1, 6),
)
def test_market_day_matches_stage_by_stage(seed, network, territories, recruitment, dismantle, exponent, entry_rate,
                                           gangs):
    """Random market settings on a small world: networks and territories (segmented markups),
    driver recruitment, frequent dismantling, exits and entries."""
    d = tiny(market=True, seed=seed)
    d["market"].update(network_gangs=network, coast_territories=territories, guaranteed_recruitment_days=recruitment,
                       dismantle_rate_per_year=dismantle, dismantle_size_exponent=exponent,
                       entry_rate_per_day=entry_rate, initial_gangs=gangs, max_gangs=8)
    _same(scenario(d))


@settings(max_examples=200, deadline=None)
@given(
    volume=st.lists(st.floats(-1.0, 1e4, allow_nan=False) | st.just(0.0), min_size=1, max_size=12),
    data=st.data(),
)
def test_group_index_is_the_index_over_the_group(volume, data):
    """The price kernel's concentration index of a gang's group (same network, and the same coast
    for boat markups), summed without building the group, equals ``hhi`` over the group, exactly."""
    from crossings.processes.market.pricing import _group_hhi, hhi

    n = len(volume)
    v = np.array(volume)
    network = np.array(data.draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n)), np.int64)
    coast = np.array(data.draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n)), np.int64)
    act = np.flatnonzero(np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    for j in act:
        for by_coast in (False, True):
            same = act[(network[act] == network[j]) & ((not by_coast) | (coast[act] == coast[j]))]
            assert _group_hhi(v, act, network, coast, j, by_coast) == hhi(v[same])


def test_gang_fields_stay_rows_of_the_kernels_array():
    """A gang field assigned a new array keeps being the row of ``Gangs.F`` the day kernels read."""
    from crossings.processes.market.gangs import Gangs

    g = Gangs(5, 3)
    g.capital = np.arange(5.0)
    g.boats += 2.0
    np.testing.assert_array_equal(g.F[Gangs.FIELD_INDEX["capital"]], np.arange(5.0))
    np.testing.assert_array_equal(g.F[Gangs.FIELD_INDEX["boats"]], np.full(5, 2.0))
    assert g.capital.base is g.F
    import pickle

    h = pickle.loads(pickle.dumps(g))
    assert h.capital.base is h.F
    np.testing.assert_array_equal(h.capital, np.arange(5.0))


def test_first_pricing_in_the_evening_kernel_matches_price():
    """The market's first pricing (``Market.price_fused``, at installation) sets the gangs' prices,
    costs and markups as ``Market.price`` does, on any day."""
    sim = crossings.Sim("channel", seed=1)
    mk = sim.loop["market"]
    g = mk.g
    start = g.F.copy()
    for day in (0, 900, 2500):
        g.F[...] = start
        mk.price(day)
        by_stage, h = g.F.copy(), mk.hhi
        g.F[...] = start
        mk.price_fused(day)
        np.testing.assert_array_equal(g.F, by_stage)
        assert mk.hhi == h
