"""Unit tests of the market's and the sea crossings' pure functions and kernels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import crossings
from crossings.engine.rng import day_key
from crossings.processes import market as mk
from crossings.processes import sea
from crossings.processes.decisions import BOAT, LORRY_PAID
from crossings.scenario.market_schema import Market, Sea
from test_market_mechanisms import world


def test_optimal_load_minimises_cost_per_seat():
    for fixed, phi, gamma in ((8000.0, 400.0, 1.0), (20000.0, 100.0, 1.0), (5000.0, 300.0, 2.0)):
        best = sea.optimal_load(fixed, phi, 10.0, gamma, 500.0)
        grid = np.linspace(1, 200, 4000)
        costs = [sea.seat_cost(x, fixed, phi, 10.0, gamma) for x in grid]
        assert best == pytest.approx(grid[int(np.argmin(costs))], rel=0.02)


def test_optimal_load_rises_with_boat_cost_and_is_capped():
    loads = [sea.optimal_load(f, 400.0, 10.0, 1.0, 80.0) for f in (2000.0, 8000.0, 32000.0)]
    assert loads[0] < loads[1] < loads[2]
    assert sea.optimal_load(1e9, 400.0, 10.0, 1.0, 80.0) == 80.0
    assert sea.optimal_load(0.0, 400.0, 10.0, 1.0, 80.0) == 1.0


def test_interception_and_distress_directions():
    base = sea.beach_interception(0.7, 0.5, 0.0, 1.0, 6.0, 1.0)
    assert base == pytest.approx(0.35)
    assert sea.beach_interception(0.7, 0.5, 0.0, 7.0, 6.0, 1.0) == pytest.approx(base / 2)  # congestion halves
    assert sea.beach_interception(0.7, 0.5, 0.4, 1.0, 6.0, 1.0) < base  # evasion
    assert sea.beach_interception(0.7, 0.25, 0.0, 1.0, 6.0, 0.5) == pytest.approx(0.35)  # 0.7 x 0.25 ** 0.5
    assert sea.stock_seizure(0.2, 0.0, 0.0, 0.0) == 0.0
    assert sea.stock_seizure(0.2, 1.0, 0.0, 0.5) == pytest.approx(0.1)
    d = [sea.distress_probability(x, 10.0, 0.01, 1.0, False, 4.0) for x in (5.0, 10.0, 30.0, 60.0)]
    assert d[0] == d[1] == pytest.approx(0.01) and d[1] < d[2] < d[3]
    assert sea.distress_probability(10.0, 10.0, 0.01, 1.0, True, 4.0) == pytest.approx(0.04)


def test_expected_attempts_and_episode_success():
    assert mk.expected_attempts(1.0, 3) == pytest.approx(1.0)
    assert mk.expected_attempts(0.0, 3) == pytest.approx(3.0)
    assert mk.expected_attempts(0.5, 3) == pytest.approx(1 + 0.5 + 0.25)
    assert mk.episode_success(0.5, 3) == pytest.approx(0.875)


def test_hhi_markup_and_elasticity():
    assert mk.hhi(np.array([1.0, 1.0, 1.0, 1.0])) == pytest.approx(0.25)
    assert mk.hhi(np.array([0.0, 0.0])) == pytest.approx(0.5)
    assert mk.hhi(np.array([9.0, 1.0])) == pytest.approx(0.82)
    assert mk.markup(0.1, 2.0, 0.75) == pytest.approx(1 / 0.95)
    assert mk.markup(0.3, 2.0, 0.75) > mk.markup(0.1, 2.0, 0.75)  # concentration raises the markup
    assert mk.markup(0.3, 4.0, 0.75) < mk.markup(0.3, 2.0, 0.75)  # elastic demand lowers it
    assert mk.markup(1.0, 1.01, 0.75) == pytest.approx(4.0)  # capped Lerner index
    assert mk.demand_elasticity(0.5, 0.5, 3.0, 1.3) == pytest.approx(3.0)
    assert mk.demand_elasticity(0.0, 0.5, 3.0, 1.3) == pytest.approx(1.3)


def test_entry_cost_and_dismantling_rise_with_enforcement_and_size():
    assert mk.entry_cost(100.0, 2.0, 0.5) == pytest.approx(200.0)
    p = mk.dismantle_probability(0.1, 1.0, np.array([0.0, 1.0, 1.0]), 1.0, np.array([1.0, 1.0, 4.0]), 0.5)
    assert p[0] < p[1] < p[2]
    assert p[2] == pytest.approx(1 - np.exp(-1.1 * 2 / 365.25))


def test_sell_kernel_uses_credit_and_refuses_the_unaffordable():
    n = 3
    idx = np.arange(n, dtype=np.int32)
    funds = np.array([5000.0, 800.0, 100.0], np.float32)
    debt = np.zeros(n, np.float32)
    gang = np.full(n, -1, np.int16)
    left = np.zeros(n, np.int8)
    mode = np.zeros(n, np.int8)
    prices = np.array([1000.0, 1000.0])
    key = np.uint64(day_key(1, 2, 3))
    escrow = np.zeros(n, np.float32)
    holder, bought, cash, lent = mk.sell_kernel(
        idx, idx.copy(), funds, debt, gang, left, mode, BOAT, key, 40, prices, np.zeros(2), np.array([True, True]), 0.3, 3,
        escrow, np.float32(0.0), np.full(2, np.inf), 1.0,
    )
    assert holder.tolist() == [True, True, False]  # 800 + 300 credit >= 1000; 100 + 300 < 1000
    assert cash[1] == pytest.approx(800.0) and lent[1] == pytest.approx(200.0)
    assert debt[1] == pytest.approx(200.0) and funds[1] == 0.0 and funds[0] == pytest.approx(4000.0)
    assert left[0] == 3 and mode[0] == BOAT and gang[2] == -1
    assert (escrow == 0).all()  # everything paid upfront


def test_escrow_holds_the_payment_until_arrival_and_refunds_a_failed_contract():
    """With payment in escrow the gang is paid on arrival; a contract that ends without arrival
    gives the deposit back (expected: money conserved between person, broker and gang)."""
    n = 2
    idx = np.arange(n, dtype=np.int32)
    funds = np.array([5000.0, 5000.0], np.float32)
    debt = np.zeros(n, np.float32)
    gang = np.full(n, -1, np.int16)
    left = np.zeros(n, np.int8)
    mode = np.zeros(n, np.int8)
    escrow = np.zeros(n, np.float32)
    key = np.uint64(day_key(1, 2, 3))
    holder, bought, cash, lent = mk.sell_kernel(
        idx, idx.copy(), funds, debt, gang, left, mode, BOAT, key, 40, np.array([1000.0]), np.zeros(1),
        np.array([True]), 0.3, 1, escrow, np.float32(0.8), np.full(1, np.inf), 1.0,
    )
    assert holder.all() and np.allclose(cash, 200.0) and np.allclose(escrow, 800.0) and np.allclose(funds, 4000.0)
    cash_today = np.zeros(1)
    # person 0 arrives, person 1 is stopped on their only paid attempt
    mk.settle_kernel(np.array([0]), np.array([1]), np.array([], np.int64), gang, debt, left, mode, np.float32(0.8),
                     cash_today, 1.0, funds, escrow, np.float32(0.8))
    assert cash_today[0] == pytest.approx(800.0)  # the deposit released on arrival
    assert funds[1] == pytest.approx(4800.0) and escrow[1] == 0 and gang[1] == -1  # refunded


def test_paid_utility_contract_is_free_and_unaffordable_is_excluded():
    idx = np.arange(3, dtype=np.int32)
    gang = np.array([0, -1, -1], np.int16)
    left = np.array([2, 0, 0], np.int8)
    mode = np.array([BOAT, 0, 0], np.int8)
    V = mk.paid_utility_kernel(
        idx, np.zeros(3, np.int16), np.zeros(3, np.int16), np.array([0.0, 5000.0, 10.0]), np.zeros(3, bool),
        np.ones(3), gang, left, mode, np.zeros(3, np.float32), np.full(1, 0.5), BOAT, 3000.0, 3, 0.3, 1.0, 0.6,
        6.0, 1.0, 400.0, 0.05, 0.0, 0.0, 1.0,
    )
    assert V[0] == pytest.approx(6.0 * 0.75)  # two attempts left, nothing to pay
    assert V[1] == pytest.approx(6.0 * 0.875 - 0.6 * 3.0)
    assert V[2] == -np.inf


def test_schema_documents_every_parameter_and_forbids_unknown_keys():
    for model in (Market, Sea):
        for name, f in model.model_fields.items():
            assert f.description and "Source:" in f.description, name
    with pytest.raises(ValidationError):
        Market(not_a_parameter=1)
    with pytest.raises(ValidationError):
        Sea(rated_capacity=-1)


def test_same_seed_same_results_and_late_policy_changes_nothing():
    sc = world()
    a = crossings.Sim(sc, seed=7).run().daily
    b = crossings.Sim(sc, seed=7).run().daily
    assert a.equals(b)
    late = sc.model_copy(update={"policies": list(sc.policies) + [
        crossings.load_scenario("crossings/scenario/template/scenario.toml").policies[0].__class__(
            sites=["North camp"], start="2030-01-01", interval_days=2),
    ]})
    c = crossings.Sim(late, seed=7).run().daily
    assert a.equals(c)


def test_market_off_runs_without_paid_crossings():
    y = crossings.Sim(world(), seed=1, market=False).run().yearly
    assert (y.crossings_boat == 0).all() and (y.crossings_lorry_paid == 0).all()


def test_install_registers_options_and_handlers():
    sim = crossings.Sim(world(), seed=1)
    codes = {o.code for o in sim.loop["decisions"].options}
    assert {LORRY_PAID, BOAT} <= codes
    assert {LORRY_PAID, BOAT} <= set(sim.loop["crossings"].handlers)
    assert sim.loop.names.index("market") == sim.loop.names.index("clearances") + 1
    assert 0 < sim.belief[BOAT, 0] < 1 and 0 < sim.belief[LORRY_PAID, 0] < 1


@settings(max_examples=200, deadline=None)
@given(e1=st.floats(0.01, 0.99), e2=st.floats(0.01, 0.99), g=st.floats(0.05, 0.95),
       ev=st.floats(0.0, 0.9), launching=st.floats(1.0, 50.0))
def test_a_beach_exponent_below_one_flattens_interception_in_beach_money(e1, e2, g, ev, launching):
    """The point of ``sea.beach_interception_exponent`` < 1: between two beach effectiveness levels the
    share of launches stopped changes by less than in proportion (E2 / E1) ** g, closer to flat, while
    it still rises with E (more money never stops fewer boats); with 1 it is exactly the linear rule."""
    lo, hi = sorted((e1, e2))
    args = (ev, launching, 6.0)
    a, b = (sea.beach_interception(0.6, e, *args, g) for e in (lo, hi))
    a1, b1 = (sea.beach_interception(0.6, e, *args, 1.0) for e in (lo, hi))
    assert a <= b
    if hi > lo * 1.001:
        assert b / a < b1 / a1
    assert a1 == 0.6 * lo * (1.0 - ev) / (1.0 + (launching - 1.0) / 6.0)
