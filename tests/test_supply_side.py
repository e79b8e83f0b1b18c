"""Mechanism tests of the lorry stages, the guaranteed places, the supply side of boats, waiting
and money for camp operations (issue 7), on small synthetic worlds built from the template.

Each test states the direction the mechanism predicts and why; comparisons use common random
numbers, so a difference comes from the mechanism, not from the draws.
"""

from __future__ import annotations

import crossings
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crossings.engine.rng import day_key
from crossings.processes.decisions import choose_kernel, latent_count_kernel
from crossings.processes.market.gangs import recruitment_step
from test_market_mechanisms import SEEDS, measure, second_year, world


# -- the latent demand count uses the choice's own draws --------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    k=st.integers(2, 7),
    seed=st.integers(0, 2**31 - 1),
    code=st.integers(0, 6),
)
def test_latent_count_equals_the_choices_when_the_option_is_on_offer(n, k, seed, code):
    """Counting who would choose an option with the choice's Gumbel draws gives exactly the number
    who do choose it when it is on offer (the counterfactual differs only by the option's column)."""
    code = code % k
    rng = np.random.default_rng(seed)
    V = rng.normal(0, 2, (n, k))
    V[rng.random((n, k)) < 0.2] = -np.inf
    V[:, 0] = 0.0  # waiting is always possible
    household = np.sort(rng.integers(0, n, n)).astype(np.int32)
    # distinct utilities per row so that household members do not share a reused choice
    V[:, 0] = rng.normal(0, 1e-6, n)
    key = np.uint64(day_key(seed % 1000, 7, 3))
    choice = choose_kernel(V.copy(), np.arange(n, dtype=np.int32), household, np.zeros(n, np.int32), key, 0, 7.0)
    assert latent_count_kernel(V, household, key, code) == int(np.count_nonzero(choice == code))


# -- two-stage lorry crossings --------------------------------------------------------------------------
def _access(y):
    return np.array([y.crossings_lorry_access / max(y.attempts_lorry_access, 1.0), y.stopped_access])


def test_fences_stop_access_places_when_they_apply_to_gangs():
    """With ``market.access_fence_share`` = 1 a paid access place meets the fences that stop people
    alone (less the gang's evasion), so its success per attempt is lower than when a gang always
    reaches a lorry, and some failed access places end before the lorry (stopped, not detected)."""
    free = measure(world(port=150.0), _access)
    fenced = measure(world(port=150.0, market={"access_fence_share": 1.0}), _access)
    assert (fenced[:, 0] < free[:, 0]).all(), (free, fenced)
    assert (fenced[:, 1] > free[:, 1]).all(), (free, fenced)


def test_crossing_alone_collapses_as_port_spending_grows():
    """The former smuggler's account (GUARDIAN-2021): as the obstacle course grows, crossing alone
    stops working. Expected: crossings alone (and with an access place) fall with port spending,
    while the guaranteed places (a driver's complicity beats much of the controls) fall less."""
    mk = {"access_fence_share": 1.0, "lorry_max_reduction": 0.3}

    def f(y):
        return np.array([y.crossings_lorry_alone + y.crossings_lorry_access, y.crossings_lorry_paid])

    low = measure(world(port=5.0, market=mk), f)
    high = measure(world(port=150.0, market=mk), f)
    alone_ratio = high[:, 0].sum() / low[:, 0].sum()
    paid_ratio = high[:, 1].sum() / low[:, 1].sum()
    assert alone_ratio < 0.5 and alone_ratio < paid_ratio, (low, high)


# -- guaranteed places: scarce, and dearer when scarce ---------------------------------------------------
def test_scarce_guaranteed_places_are_dearer_and_capped():
    """The market sells at most ``guaranteed_places_per_day`` guaranteed places a day (complicit
    drivers), shared by the gangs; a gang that sells out its share raises its price until demand
    fits. Expected: with one place a day, fewer guaranteed places are sold than with no limit,
    and their posted price is higher."""

    def f(y):
        return np.array([y.attempts_lorry_paid, y.price_lorry_eur])

    free = measure(world(port=40.0), f)
    scarce = measure(world(port=40.0, market={"guaranteed_places_per_day": 1.0}), f)
    assert (scarce[:, 0] < free[:, 0]).all(), (free, scarce)
    assert (scarce[:, 1] > free[:, 1]).all(), (free, scarce)


def test_guaranteed_sales_never_exceed_the_gangs_places():
    """Guaranteed places sold in a day are at most the market's places that day (plus one agent per
    gang: the sale of a gang's last place may overshoot its share)."""
    cap = 3.0
    sc = world(port=40.0, market={"guaranteed_places_per_day": cap})
    import crossings

    for seed in SEEDS[:2]:
        d = crossings.Sim(sc, seed=seed).run().daily
        sold_guaranteed = d.places_sold_lorry - d.places_sold_lorry_access
        assert (sold_guaranteed <= cap * 1.5 + sc.scale * d.gangs_active + 1e-9).all()


# -- recruiting complicit drivers ----------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(r=st.floats(1.0, 1e6), e=st.floats(0.0, 1.0), e2=st.floats(0.0, 1.0), e0=st.floats(0.01, 1.0),
       days=st.floats(1.0, 3650.0), sold_out=st.booleans(), rise=st.floats(-0.01, 0.01),
       rise2=st.floats(-0.01, 0.01), k=st.floats(0.0, 100.0))
def test_recruitment_never_drops_below_the_base_pool_and_falls_with_enforcement(r, e, e2, e0, days, sold_out, rise,
                                                                                  rise2, k):
    """One day of recruiting drivers (market.guaranteed_recruitment_days): the factor on the base pool
    stays at least 1; it grows only while places sell out, never while port enforcement is above E0
    or rising fast enough to break arrangements, holds when places do not sell out and the rate is not
    negative, and is never larger at a higher E_port or after a larger rise of it (checks, fines and
    each new bout of spending only deter drivers)."""
    out = recruitment_step(r, e, e0, days, sold_out, rise, k)
    rate = (1.0 - e / e0) / days - k * max(rise, 0.0)
    assert out >= 1.0
    if rate < 0:
        assert out <= r
    elif sold_out:
        assert out >= r
    else:
        assert out == r
    if e > e0:
        assert out <= r
    lo, hi = min(e, e2), max(e, e2)
    assert recruitment_step(r, hi, e0, days, sold_out, rise, k) <= recruitment_step(r, lo, e0, days, sold_out, rise, k)
    lo, hi = min(rise, rise2), max(rise, rise2)
    assert recruitment_step(r, e, e0, days, sold_out, hi, k) <= recruitment_step(r, e, e0, days, sold_out, lo, k)


def test_recruited_drivers_carry_more_people_where_complicity_pays():
    """With few complicit drivers' places that sell out and port enforcement below
    market.guaranteed_recruitment_enforcement (template port spending 5: E_port ~0.34 < 0.6), gangs
    recruit drivers, so more guaranteed places are sold and fewer people take boats than with a fixed
    pool. Where port enforcement is above that level (spending 40: E_port ~0.96), recruiting never
    starts and every output is as with a fixed pool."""

    def f(y):
        return np.array([y.places_sold_lorry_guaranteed, y.crossings_boat])

    mk = {"guaranteed_places_per_day": 2.0}
    fixed = measure(world(port=5.0, market=mk), f)
    hired = measure(world(port=5.0, market={**mk, "guaranteed_recruitment_days": 60.0}), f)
    assert (hired[:, 0] > 1.5 * fixed[:, 0]).all(), (fixed, hired)
    assert (hired[:, 1] < fixed[:, 1]).all(), (fixed, hired)
    import crossings

    a = crossings.Sim(world(port=40.0, market=mk), seed=1).run().daily
    b = crossings.Sim(world(port=40.0, market={**mk, "guaranteed_recruitment_days": 60.0}), seed=1).run().daily
    assert a.equals(b)


def test_a_bout_of_port_spending_stops_the_recruiting():
    """market.guaranteed_recruitment_disruption: each rise of port enforcement breaks some drivers'
    arrangements. Expected: in a world where port spending rises sharply in the second year (E_port
    still below the level at which complicity stops paying), fewer guaranteed places are sold in that
    year with the disruption than without it."""
    import copy

    from crossings.scenario.schema import Scenario

    def rising(mk):
        sc = world(port=1.0, market={"guaranteed_places_per_day": 2.0, "guaranteed_recruitment_days": 60.0,
                                     "guaranteed_recruitment_enforcement": 0.95, **mk})
        d = copy.deepcopy(sc.model_dump())
        d["enforcement"]["spending"].append({"channel": "port", "start": d["end"].replace(month=1, day=1),
                                              "end": d["end"], "eur_million": 10.0})
        return Scenario.model_validate(d)

    def f(y):
        return np.array([y.places_sold_lorry_guaranteed])

    calm = measure(rising({}), f)
    broken = measure(rising({"guaranteed_recruitment_disruption": 1000.0}), f)
    assert (broken[:, 0] < calm[:, 0]).all(), (calm, broken)


def test_displaced_guaranteed_places_are_counted_elsewhere_not_lost():
    """market.guaranteed_displacement moves where failed guaranteed places are found (ports outside the
    scenario's, REUTERS-2019), not what happens to people. Expected: every output but the two
    detection counts is as without it; the detections at the scenario's controls fall by what is
    counted elsewhere; and the share of failed guaranteed places counted elsewhere is larger where
    port enforcement is higher."""
    import crossings

    def run(port, disp):
        return crossings.Sim(world(port=port, market={"guaranteed_displacement": disp}), seed=1).run().daily

    for port in (2.0, 20.0):
        a, b = run(port, 0.0), run(port, 0.8)
        rest = [c for c in a.columns if c not in ("detected_port_controls", "detected_other_ports")]
        assert a[rest].equals(b[rest])
        assert np.allclose(a.detected_port_controls, b.detected_port_controls + b.detected_other_ports)
        assert b.detected_other_ports.sum() > 0 and a.detected_other_ports.sum() == 0
    low, high = run(2.0, 0.8), run(20.0, 0.8)
    share = [d.detected_other_ports.sum() / (d.attempts_lorry_paid.sum() - d.crossings_lorry_paid.sum())
             for d in (low, high)]  # of the failed guaranteed places (the rare deaths aside)
    assert share[1] > share[0], share


# -- boats from the supply side -----------------------------------------------------------------------
def _boats(y):
    return np.array([y.boat_lines_opened, y.crossings_boat])


def test_gangs_open_boat_lines_when_boats_pay_more_than_lorries():
    """With boat lines not open from the start, gangs move into boats when a boat line is expected
    to earn more than their lorry places. Expected: where the lorries are nearly shut (very high port
    spending) gangs open boat lines and people cross by boat; where lorries are easy and a boat is
    seen as deadly, no gang opens one and nobody crosses by boat."""
    closed = {"boat_lines_from_start": False}
    shut = np.array([_boats(second_year(world(port=400.0, market=closed, sea={"perceived_death_risk_prior": 0.01}), s))
                     for s in SEEDS])
    easy = np.array([_boats(second_year(world(port=0.0, market=closed, sea={"perceived_death_risk_prior": 0.3}), s))
                     for s in SEEDS])
    assert (shut[:, 1] > 0).all(), shut
    assert (easy[:, 1] == 0).all(), easy


def test_no_boat_crosses_before_a_gang_opens_a_line():
    """Boat places are sold only by gangs with a boat line: the first boat crossing comes after the
    first boat line opens."""
    import crossings

    sc = world(port=400.0, market={"boat_lines_from_start": False}, sea={"perceived_death_risk_prior": 0.01})
    d = crossings.Sim(sc, seed=1).run().daily
    opened = np.flatnonzero(d.boat_lines_opened.to_numpy() > 0)
    crossed = np.flatnonzero(d.crossings_boat.to_numpy() > 0)
    assert opened.size and crossed.size
    assert crossed[0] > opened[0]


def _entrant_market(boat_entrants=True, entry_cost_eur=None, days=30):
    """A small world's market after ``days`` days, gangs selling no boats, ready for a boat entry."""
    from crossings.processes.market.process import Market

    market = {"boat_lines_from_start": False, "boat_entrants": boat_entrants, "entry_rate_per_day": 1.0}
    if entry_cost_eur is not None:
        market["entry_cost_eur"] = entry_cost_eur
    sim = crossings.Sim(world(market=market, sea={"perceived_death_risk_prior": 0.005}), seed=1)
    for _ in range(days):
        sim.step()
    mk = next(p for p in sim.loop if isinstance(p, Market))
    mk.g.boat_line[:] = False
    return sim, mk


@settings(max_examples=12, deadline=None)
@given(demand=st.floats(0.0, 200.0), on=st.booleans(), cheap=st.booleans())
def test_new_groups_enter_to_sell_boats_when_a_boat_line_pays_for_entry(demand, on, cheap):
    """``market.boat_entrants``: a would-be entrant compares a boat line's margin x the demand for boat
    places over its horizon with the entry cost. Expected: with the switch on, a demand whose margin
    over the horizon is at least twice the entry cost brings a new group (entry rate 1) that sells boat
    places from its first day, recorded as an entry and a line opened; no demand, an entry cost beyond
    any margin, or the switch off bring none, and no existing gang opens a line through this rule."""
    from crossings.processes.decisions import BOAT

    sim, mk = _entrant_market(boat_entrants=on, entry_cost_eur=1e3 if cheap else 1e12)
    g = mk.g
    before = g.active.copy()
    mk.demand[BOAT] = demand
    ok = g.active & (g.home_coast >= 0) & (g.price_boat > 0)
    margin = float(np.mean(g.price_boat[ok] - g.cost_boat[ok]))
    m = sim.scenario.market
    pays = m.entry_horizon_days * (margin * demand - m.fixed_cost_eur_per_day) >= 2.0 * 1e3
    day = sim.day
    row = sim.rec.values[sim.rec.day].copy()
    mk._boat_entry(day)
    new = g.active & ~before
    assert not (g.boat_line & before).any()  # nobody who was there opened a line through this rule
    entered = sim.rec.values[sim.rec.day] - row
    if on and cheap and pays and not before.all():
        assert new.sum() == 1 and g.boat_line[new].all() and g.home_coast[new][0] >= 0
        assert entered.sum() == 2  # one gang entered, one boat line opened
    if not on or not cheap or demand == 0:
        assert new.sum() == 0 and not g.boat_line.any()


# -- waiting grows harder ------------------------------------------------------------------------------
def test_harder_waiting_shortens_the_time_in_the_corridor():
    """With ``people.beta_wait_per_month`` > 0 waiting loses utility with every month spent, so
    people take a way out sooner. Expected: fewer people in the camps and a shorter mean time from
    arrival to crossing."""

    def f(y):
        return np.array([y.in_camps, y.mean_days_to_cross])

    base = measure(world(), f)
    hard = measure(world(people={"beta_wait_per_month": 1.0}), f)
    assert (hard[:, 0] < base[:, 0]).all(), (base, hard)
    assert hard[:, 1].mean() < base[:, 1].mean(), (base, hard)


# -- money for camp operations -------------------------------------------------------------------------
def test_money_for_camp_operations_buys_evictions():
    """Spending on camp operations makes routine evictions more frequent (``camps_spending_effect``).
    Expected: more eviction operations with camp spending than without, under the same policy."""
    policy = [{"type": "routine_evictions", "sites": ["North camp", "South camp"], "start": "2020-01-01", "interval_days": 7}]

    def f(y):
        return y.evictions

    def with_camps(eur):
        sc = world(policies=policy)
        d = sc.model_dump()
        if eur:
            d["enforcement"]["spending"].append({"channel": "camps", "start": d["start"], "end": d["end"], "eur_million": eur})
        from crossings.scenario.schema import Scenario

        return Scenario.model_validate(d)

    none = measure(with_camps(0.0), f)
    funded = measure(with_camps(60.0), f)
    assert (funded > none).all(), (none, funded)


# -- market power from nationality networks ------------------------------------------------------------
def test_networks_raise_markups_over_a_market_wide_index():
    """With ``market.network_gangs`` each gang's markup comes from the concentration among the gangs
    of its nationality network, which is higher than the market-wide concentration (fewer rivals).
    Expected: higher mean posted boat prices and markups than without networks, same world."""

    def f(y):
        return np.array([y.price_boat_eur, y.markup])

    wide = measure(world(inflow=60.0), f)
    nets = measure(world(inflow=60.0, market={"network_gangs": True, "initial_gangs": 8}), f)
    wide8 = measure(world(inflow=60.0, market={"initial_gangs": 8}), f)
    assert (nets[:, 1] > wide8[:, 1]).all(), (wide8, nets)
    assert nets[:, 0].mean() > wide8[:, 0].mean() and nets[:, 0].mean() > wide[:, 0].mean(), (wide, wide8, nets)


def test_network_customers_buy_from_their_own_network():
    """Whenever a gang of a person's network sells a product, the person's contract is with such a
    gang (sales are restricted to the network; rivals taking over the customers of a dismantled gang
    are the exception, so the check runs before any gang is dismantled)."""
    import crossings

    sc = world(inflow=60.0, market={"network_gangs": True, "initial_gangs": 8, "dismantle_rate_per_year": 0.0,
                                    "dismantle_rate_intelligence_per_year": 0.0})
    sim = crossings.Sim(sc, seed=3)
    sim.run(days=200)
    p = sim.people
    g = sim.loop["market"].g
    act = p.active
    buyers = act[p.gang[act] >= 0]
    assert buyers.size > 0
    served = np.zeros(len(sim.world.nat_names), bool)
    served[g.network[g.active & (g.network >= 0)]] = True
    own = served[p.nationality[buyers]]
    assert own.any()
    assert (g.network[p.gang[buyers[own]]] == p.nationality[buyers[own]]).all()


def test_scarce_places_are_less_attractive_when_everyone_wants_them():
    """People hear that guaranteed places are scarce: their chance of getting one is today's places
    over the recent number choosing them (at most 1), and it scales the expected success of buying."""
    import crossings
    from crossings.processes.decisions import LORRY_PAID

    sim = crossings.Sim(world(market={"guaranteed_places_per_day": 4.0}), seed=1)
    mk = sim.loop["market"]
    mk.demand[LORRY_PAID] = 2.0
    assert mk.availability(LORRY_PAID, 0) == 1.0
    mk.demand[LORRY_PAID] = 40.0
    traffic = min(float(sim.timeline.lorry_traffic[0]), 1.5)
    assert np.isclose(mk.availability(LORRY_PAID, 0), 4.0 * traffic / 40.0)


# -- territories, launches and loads ---------------------------------------------------------------------
def _two_coast_world(**sections):
    """The template border with a second stretch of coast (so gangs can hold different territories),
    a constant inflow of 60 a day, people who care less about price on a safer sea (so boat prices
    are set by markups, not by what people will pay), and the given section overrides."""
    import copy

    from crossings.scenario.loader import load_dict
    from crossings.scenario.schema import Scenario

    d, _ = load_dict("crossings/scenario/template/scenario.toml")
    d = copy.deepcopy(d)
    d["inflow"]["knots"] = [[d["start"], 60.0]]
    d["sites"].append({"name": "South coast", "kind": "coast", "lat": 50.6, "lon": 1.6})
    d["routes"].append({"a": "South camp", "b": "South coast", "days": 0})
    d.setdefault("people", {})["beta_cost_per_1000_eur"] = 0.1
    d.setdefault("sea", {}).update(distress_probability=0.001, perceived_death_risk_prior=0.001)
    d.setdefault("market", {})["initial_gangs"] = 6
    for section, values in sections.items():
        d.setdefault(section, {}).update(values)
    return Scenario.model_validate(d)


def test_coast_territories_raise_boat_markups():
    """With ``market.coast_territories`` a gang's boat markup comes from the concentration among the
    gangs launching from its own stretch of coast: fewer rivals than in the whole market, so a higher
    Herfindahl index. Expected: higher mean posted boat prices, same world and draws."""

    def f(y):
        return y.price_boat_eur

    wide = measure(_two_coast_world(), f)
    local = measure(_two_coast_world(market={"coast_territories": True}), f)
    assert local.mean() > wide.mean(), (wide, local)
    assert (local >= wide).sum() >= 3, (wide, local)


def _boat_days(sc, seed):
    """The largest day of boat crossings, people per arrived boat and boats launched, over a run."""
    import crossings

    d = crossings.Sim(sc, seed=seed).run().daily
    return (d.crossings_boat.max(), d.people_on_arrived_boats.sum() / max(d.boats_arrived.sum(), 1.0),
            d.boats_launched.sum())


def test_a_launch_limit_packs_boats_and_flattens_peak_days():
    """When a gang may launch at most one boat a day, a long waiting list after bad weather leaves on
    fewer, fuller boats instead of many boats at once. Expected: a lower largest day of boat arrivals
    and more people per arrived boat than with no limit, on every seed."""
    free = np.array([_boat_days(_two_coast_world(), s) for s in SEEDS[:3]])
    one = np.array([_boat_days(_two_coast_world(sea={"max_launches_per_gang_per_day": 1.0}), s) for s in SEEDS[:3]])
    assert (one[:, 0] <= free[:, 0]).all() and one[:, 0].mean() < free[:, 0].mean(), (free, one)
    assert one[:, 1].mean() > free[:, 1].mean(), (free, one)


def test_gangs_that_wait_to_fill_boats_launch_fuller_ones():
    """``sea.min_fill_share`` = 1: a gang launches only once a boat is full at its chosen load (or after
    max_wait_days), instead of once it is half full. Expected: more people per arrived boat."""
    half = np.array([_boat_days(_two_coast_world(), s)[1] for s in SEEDS[:3]])
    full = np.array([_boat_days(_two_coast_world(sea={"min_fill_share": 1.0}), s)[1] for s in SEEDS[:3]])
    assert full.mean() > half.mean(), (half, full)


def test_gangs_with_few_customers_that_wait_longer_launch_fewer_fuller_boats():
    """``sea.max_wait_days``: a gang whose customers cannot fill a boat to min_fill_share waits this
    many viable days before launching them on a partly filled boat. When demand is thin (a tenth of
    the usual inflow, shared among six gangs, no pooling), most boats are such partly filled ones, so
    a longer wait gathers more customers for each. Expected: fewer boats launched and more people per
    arrived boat with a wait of 20 viable days than with 1, over the same seeds."""

    thin = {"inflow": {"knots": [["2020-01-01", 6.0]]}}
    short = np.array([_boat_days(_two_coast_world(sea={"max_wait_days": 1}, **thin), s) for s in SEEDS[:3]])
    long = np.array([_boat_days(_two_coast_world(sea={"max_wait_days": 20}, **thin), s) for s in SEEDS[:3]])
    assert short[:, 2].sum() > 0, short  # boats launch at all in this world
    assert long[:, 2].sum() < short[:, 2].sum(), (short, long)
    assert long[:, 1].mean() > short[:, 1].mean(), (short, long)


def test_colluding_gangs_post_higher_markups():
    """``market.collusion`` moves the gangs' conduct from Cournot competition (Lerner index = HHI /
    elasticity) toward a cartel (1 / elasticity). Expected: with eight gangs sharing the market
    (HHI ~1/8), collusion 0.7 raises the mean markup and the mean posted boat price on every seed."""

    def f(y):
        return np.array([y.price_boat_eur, y.markup])

    compete = measure(world(inflow=60.0, market={"initial_gangs": 8}), f)
    collude = measure(world(inflow=60.0, market={"initial_gangs": 8, "collusion": 0.7}), f)
    assert (collude[:, 1] > compete[:, 1]).all(), (compete, collude)
    assert (collude[:, 0] > compete[:, 0]).all(), (compete, collude)


def test_people_who_expect_to_try_many_times_try_lorries_alone_more():
    """``people.alone_persistence_attempts`` values hiding in lorries by its success over the attempts
    one expects to make (1 - (1 - b)**n), which for a small chance per attempt b is about n times
    larger. Expected: more attempts alone than when each attempt is valued on its own."""

    def f(y):
        return y.attempts_lorry_alone

    once = measure(world(port=20.0), f)
    many = measure(world(port=20.0, people={"alone_persistence_attempts": 20.0}), f)
    assert (many > once).all(), (once, many)


@settings(max_examples=80, deadline=None)
@given(
    n_gangs=st.integers(1, 5),
    people=st.lists(st.integers(0, 4), min_size=1, max_size=60),
    loads=st.lists(st.floats(1.0, 40.0), min_size=5, max_size=5),
    boats=st.lists(st.floats(0.0, 6.0), min_size=5, max_size=5),
    waited=st.lists(st.integers(0, 5), min_size=5, max_size=5),
    scale=st.sampled_from([1.0, 2.0, 5.0]),
    max_launches=st.sampled_from([0.0, 1.0, 2.0]),
    min_fill=st.sampled_from([0.5, 0.8, 1.0]),
)
def test_boat_plans_respect_stock_launch_limit_fill_and_load(n_gangs, people, loads, boats, waited, scale,
                                                            max_launches, min_fill):
    """Invariants of a day's boat plan: no gang launches more boats than it has in stock or than its
    daily launch limit; nobody boards a gang's boat that does not leave; no boat carries more than
    max_load people; and a gang that has not waited max_wait_days launches only once its customers
    fill a boat to min_fill_share of its chosen load."""
    from crossings.processes.sea import plan_kernel

    gang_of = np.array([g % n_gangs for g in people], np.int64)
    holders = np.arange(gang_of.size, dtype=np.int32)
    household = np.arange(gang_of.size, dtype=np.int64)
    load = np.array(loads[:n_gangs])
    stock = np.array(boats[:n_gangs])
    wd = np.array(waited[:n_gangs], np.int64)
    wd0 = wd.copy()
    max_load, max_wait = 60.0, 3.0
    h, gg, number, on, n_boats = plan_kernel(holders, household, gang_of, load, stock, wd, scale, max_load,
                                             max_wait, max_launches, min_fill)
    counts = np.bincount(gang_of, minlength=n_gangs)
    cap = max(1, int(np.floor(max_load / scale)))
    for j in range(n_gangs):
        assert n_boats[j] <= np.floor(stock[j] + 1e-9)
        if max_launches > 0:
            assert n_boats[j] <= max_launches
        aboard = on & (gg == j)
        if n_boats[j] == 0:
            assert not aboard.any()
        else:
            per = np.bincount(number[aboard], minlength=n_boats[j])
            assert per.max() <= cap
            if wd0[j] < max_wait:
                assert counts[j] * scale >= min_fill * load[j] - 1e-9


def test_a_floor_on_risk_tolerance_keeps_the_mean_and_puts_more_people_on_boats():
    """``people.risk_tolerance_min``: tolerance is the floor plus an exponential with the rest of the
    mean, so nobody is below the floor and the mean is unchanged (the exponential's mean is
    mean - floor). Fewer people are so averse to risk that no boat is ever worth it, so more people
    cross by boat in the same world."""
    import crossings

    sc = world(inflow=60.0, people={"risk_tolerance_min": 0.3})
    sim = crossings.Sim(sc, seed=2)
    sim.run(days=200)
    rt = sim.people.risk_tolerance[: sim.people.n].astype(float)
    assert rt.min() >= 0.3 - 1e-6
    assert abs(rt.mean() - sc.people.risk_tolerance_mean) < 0.1 * sc.people.risk_tolerance_mean, rt.mean()

    def f(y):
        return y.crossings_boat

    none = measure(world(inflow=60.0), f)
    floor = measure(world(inflow=60.0, people={"risk_tolerance_min": 0.3}), f)
    assert floor.mean() > none.mean(), (none, floor)


def test_a_fading_prior_gives_way_to_what_people_see():
    """``sea.prior_fade_attempts``: the prior belief about the death risk of a boat attempt loses
    weight as boat attempts are seen. With a prior far above the world's own risk, the belief after
    two years is then close to the observed rate rather than held up by the prior, so more people
    cross by boat. Without fading, the prior keeps a share of the belief for good, because the
    attempts seen are themselves forgotten over ``sea.risk_memory_days`` while the prior is not."""
    import crossings

    sea = {"perceived_death_risk_prior": 0.02, "prior_weight_attempts": 3000.0}

    def belief(sc, seed):
        sim = crossings.Sim(sc, seed=seed)
        res = sim.run()
        mk = sim.loop["market"]
        seen = mk.boat_deaths_seen / max(mk.boat_attempts_seen, 1e-9)
        return mk.death_risk_boat, seen, res.yearly.iloc[-1].crossings_boat

    kept = [belief(world(inflow=60.0, sea=sea), s) for s in (1, 2, 3)]
    faded = [belief(world(inflow=60.0, sea=dict(sea, prior_fade_attempts=2000.0)), s) for s in (1, 2, 3)]
    for (r_kept, seen_kept, _), (r_faded, seen_faded, _) in zip(kept, faded, strict=True):
        assert r_faded < r_kept, (kept, faded)
        # the faded belief is near the observed rate; the kept one is pulled toward the prior
        assert abs(r_faded - seen_faded) < abs(r_kept - seen_kept), (kept, faded)
    assert sum(b for _, _, b in faded) > sum(b for _, _, b in kept), (kept, faded)


# -- a try alone is a spell of nightly attempts (lorry.nights_per_try) --------------------------------
def _spell(idx, household, p_reach, p_pass, p_death, nights, seed, n_people, return_days=1, day=10):
    from crossings.engine.state import IN_CAMP
    from crossings.processes.crossings import spell_kernel

    state = np.full(n_people, IN_CAMP, np.int8)
    site = np.zeros(n_people, np.int32)
    next_day = np.zeros(n_people, np.int32)
    attempts = np.zeros(n_people, np.int32)
    crossed_day = np.full(n_people, -1, np.int32)
    arrival = np.zeros(n_people, np.int32)
    att, ok = np.zeros(3), np.zeros(3)
    out = spell_kernel(idx, household, p_reach, p_pass, p_death, nights, np.uint64(day_key(seed % 1000, 4, day)), 10, state, site,
                       next_day, attempts, crossed_day, arrival, 2, day, return_days, att, ok)
    return out, state, next_day, attempts, att, ok


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    nights=st.integers(1, 9),
    p_reach=st.floats(0.0, 1.0),
    p_pass=st.floats(0.0, 1.0),
    p_death=st.sampled_from([0.0, 0.01, 0.3]),
    seed=st.integers(0, 2**31 - 1),
    return_days=st.integers(0, 4),
)
def test_a_spell_of_nights_accounts_for_every_attempt(n, nights, p_reach, p_pass, p_death, seed, return_days):
    """Invariants of a spell of nightly attempts alone: everyone who tries ends it crossed, dead or
    stopped; each makes between 1 and ``nights`` attempts (all of them unless they crossed or died);
    every attempt is counted at the camp and every success there; detections are failed attempts;
    the stopped are back after the spell's nights and the return days."""
    from crossings.engine.state import CROSSED, DEAD, TRAVELLING

    idx = np.arange(n, dtype=np.int32)
    household = np.arange(n, dtype=np.int32)
    (crossed, died, stopped, _, n_att, n_det), state, next_day, attempts, att, ok = _spell(
        idx, household, p_reach, p_pass, p_death, nights, seed, n, return_days)
    assert crossed.size + died.size + stopped.size == n
    assert (state[crossed] == CROSSED).all() and (state[died] == DEAD).all() and (state[stopped] == TRAVELLING).all()
    assert n <= n_att <= nights * n
    assert att[0] == n_att and ok[0] == crossed.size
    assert (attempts[stopped] == nights).all()  # no early end without a success or a death
    assert attempts.sum() == n_att - crossed.size - died.size  # failed attempts
    assert 0 <= n_det <= attempts.sum()
    assert (next_day[stopped] == 10 + nights - 1 + max(1, return_days)).all()


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), p_reach=st.floats(0.0, 1.0), p_pass=st.floats(0.0, 1.0),
       seed=st.integers(0, 2**31 - 1))
def test_a_spell_of_one_night_draws_what_one_attempt_drew(n, p_reach, p_pass, seed):
    """With one night per try the spell is the one-attempt resolution: the same people cross, die
    and are stopped (same draw slots), so ``nights_per_try = 1`` leaves every result unchanged."""
    from crossings.engine.state import IN_CAMP
    from crossings.processes.crossings import resolve_kernel

    idx = np.arange(n, dtype=np.int32)
    household = (np.arange(n) // 2 * 2).astype(np.int32)  # households of two share their draws
    (c1, d1, s1, days1, n_att, _), *_ = _spell(idx, household, p_reach, p_pass, 0.01, 1, seed, n)
    state = np.full(n, IN_CAMP, np.int8)
    z = np.zeros(n, np.int32)
    c2, d2, s2, days2 = resolve_kernel(
        idx, household, np.array([p_reach * p_pass]), np.array([0.01]), np.uint64(day_key(seed % 1000, 4, 10)), 10, state,
        np.zeros(n, np.int32), z.copy(), z.copy(), np.full(n, -1, np.int32), z.copy(), 2, 10, 1, np.zeros(3),
        np.zeros(3))
    assert n_att == n and days1 == days2
    for a, b in ((c1, c2), (d1, d2), (s1, s2)):
        assert np.array_equal(a, b)


def test_a_try_alone_that_lasts_several_nights_makes_more_attempts():
    """``lorry.nights_per_try``: a person who chooses to hide in lorries alone tries night after
    night until a success (or the spell's end) instead of once per decision. Expected: more attempts
    alone and more people detected at the controls than with one attempt per try, on every seed
    (people are valued the option the same way, so the extra attempts come from the spells)."""

    def f(y):
        return np.array([y.attempts_lorry_alone, y.detected_port_controls])

    once = measure(world(port=20.0), f)
    spells = measure(world(port=20.0, lorry={"nights_per_try": 5}), f)
    assert (spells[:, 0] > once[:, 0]).all() and (spells[:, 1] > once[:, 1]).all(), (once, spells)


# -- crushes at launch: convex in beach policing --------------------------------------------------------
@settings(max_examples=80, deadline=None)
@given(
    c=st.floats(0.0, 10.0),
    e_lo=st.floats(0.01, 1.0),
    e_hi=st.floats(0.01, 1.0),
    load=st.floats(1.0, 80.0),
)
def test_crush_chance_is_convex_in_beach_policing(c, e_lo, e_hi, load):
    """``sea.launch_crush_beach_convexity`` c makes the crush chance ``max x E_beach ** (1 + c) x load
    term``: never above the proportional chance (c = 0, exactly ``launch_crush_max``), rising with
    beach effectiveness, and the more convex, the larger the step between a partly and a fully
    policed coast (launches stay orderly until patrols close most of the beach)."""
    from types import SimpleNamespace

    from crossings.processes.sea import crush_probability, crush_scale

    e_lo, e_hi = sorted((e_lo, e_hi))
    s0 = SimpleNamespace(launch_crush_max=0.1, launch_crush_beach_convexity=0.0)
    sc = SimpleNamespace(launch_crush_max=0.1, launch_crush_beach_convexity=c)
    assert crush_scale(s0, e_hi) == 0.1

    def p(s, e):
        return crush_probability(crush_scale(s, e), e, load, 80.0, 6.0)

    assert p(sc, e_lo) <= p(sc, e_hi) + 1e-15
    assert p(sc, e_hi) <= p(s0, e_hi) * (1 + 1e-12)
    if p(s0, e_lo) > 0 and p(sc, e_lo) > 0:
        assert p(sc, e_hi) / p(sc, e_lo) >= p(s0, e_hi) / p(s0, e_lo) * (1 - 1e-9)


# -- many sellers, few launches: pooling partly filled boats ---------------------------------------------
@settings(max_examples=100, deadline=None)
@given(
    n_gangs=st.integers(1, 8),
    people=st.lists(st.integers(0, 7), min_size=1, max_size=80),
    loads=st.lists(st.floats(1.0, 40.0), min_size=8, max_size=8),
    boats=st.lists(st.floats(0.0, 3.0), min_size=8, max_size=8),
    coast=st.lists(st.integers(-1, 2), min_size=8, max_size=8),
    scale=st.sampled_from([1.0, 2.0]),
    min_fill=st.sampled_from([0.3, 0.5, 1.0]),
)
def test_pooling_hands_only_small_groups_of_customers_to_a_gang_of_the_same_coast_with_a_boat(
        n_gangs, people, loads, boats, coast, scale, min_fill):
    """``sea.pool_partial_boats``: a gang that can fill a boat keeps its customers; a gang that cannot
    either keeps them or hands them to a gang of the same stretch of coast (one pool for gangs without
    one) that has customers, a whole boat and keeps its own; nobody is handed on twice; and each pool
    closes once it fills its boat to min_fill, so at most one pool per coast is short of that."""
    from crossings.processes.sea import pool_redirect

    gang_of = np.array([g % n_gangs for g in people], np.int16)
    holders = np.arange(gang_of.size, dtype=np.int32)
    load = np.array(loads[:n_gangs])
    stock = np.array(boats[:n_gangs])
    home = np.array(coast[:n_gangs], np.int64)
    n_sites = 3
    red = pool_redirect(holders, gang_of, load, stock, home, scale, min_fill, n_sites)
    counts = np.bincount(gang_of, minlength=n_gangs)
    can_fill = np.floor(counts * scale / np.maximum(load, 1.0) + (1.0 - min_fill)) > 0
    pools = {}
    for j in range(n_gangs):
        t = red[j]
        if t == j:
            continue
        assert counts[j] > 0 and not can_fill[j]
        assert red[t] == t and counts[t] > 0 and stock[t] >= 1.0 - 1e-9 and not can_fill[t]
        assert (home[t] if home[t] >= 0 else n_sites) == (home[j] if home[j] >= 0 else n_sites)
        pools.setdefault(t, counts[t])
        pools[t] += counts[j]
    short = {}
    for t, n in pools.items():
        if n * scale < min_fill * max(load[t], 1.0):
            c = home[t] if home[t] >= 0 else n_sites
            short[c] = short.get(c, 0) + 1
    assert all(v <= 1 for v in short.values())


def test_pooling_puts_more_people_on_fewer_boats_when_many_gangs_share_few_customers():
    """Expected: with many gangs and few boat customers each (a boat market's first years), gangs
    launch their few customers on small boats after max_wait_days; pooling them on one gang's boat
    per coast carries them on fuller boats (more people per boat on every seed; the number of boats
    also moves with how many people choose boats, so it is not compared)."""

    def f(y):
        return np.array([y.people_on_arrived_boats / max(y.boats_arrived, 1.0)])

    market = {"initial_gangs": 20}
    alone = measure(world(inflow=10.0, market=market), f)
    pooled = measure(world(inflow=10.0, sea={"pool_partial_boats": True}, market=market), f)
    assert (pooled[:, 0] > alone[:, 0]).all(), (alone, pooled)


# -- the buyer who caps prices is a buyer ------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(
    v0=st.floats(-5.0, 20.0),
    risk=st.floats(0.0, 0.2),
    beta_risk=st.floats(1.0, 1000.0),
    floor=st.floats(0.0, 0.5),
    span=st.floats(0.01, 3.0),
)
def test_the_capping_buyer_is_taken_among_those_who_would_buy_at_cost(v0, risk, beta_risk, floor, span):
    """``cap_risk_tolerance`` (market.price_cap_among_buyers): the population's quantile buyer
    (floor + span) whenever that buyer would buy at cost or nobody would; otherwise a buyer more
    tolerant than the population's, who would buy at cost (value at cost, less the death risk over
    their tolerance, not negative), and never less tolerant than the one who just would."""
    from crossings.processes.market.pricing import cap_risk_tolerance

    pop = floor + span
    tol = cap_risk_tolerance(v0, risk, beta_risk, floor, span, pop)
    assert tol >= pop
    if v0 <= 0.0 or risk <= 0.0 or beta_risk * risk / v0 <= floor:
        assert tol == pop
    else:
        r0 = beta_risk * risk / v0
        assert tol >= r0 + span * (1 - 1e-12)
        assert v0 - beta_risk * risk / tol >= -1e-9 * max(1.0, v0)
    # more risk never lowers the capping buyer's tolerance
    assert cap_risk_tolerance(v0, risk * 1.5 + 1e-3, beta_risk, floor, span, pop) >= tol


def test_boats_believed_deadly_sell_above_cost_when_the_cap_is_a_buyers():
    """Issue 7 item 4: when people believe boats deadly, a buyer of mean risk tolerance would not buy
    a boat place at any price, so with the cap computed for that buyer gangs sell at cost; the
    people who do buy are the more risk-tolerant, and with the cap taken among them gangs post
    their markup. Expected: a mean posted boat price at least 10% higher on every seed, and
    fewer boat crossings (dearer places)."""
    sea = {"perceived_death_risk_prior": 0.05, "prior_weight_attempts": 1e6}

    def f(y):
        return np.array([y.price_boat_eur, y.crossings_boat])

    pop = measure(world(port=150.0, sea=sea), f)
    among = measure(world(port=150.0, sea=sea, market={"price_cap_among_buyers": True}), f)
    assert (among[:, 0] > 1.1 * pop[:, 0]).all(), (pop, among)
    assert among[:, 1].sum() < pop[:, 1].sum(), (pop, among)


def test_access_places_priced_against_trying_alone_sell_above_cost():
    """Issue 7 item 3: an access place is bought by people already trying lorries, so with
    ``market.price_cap_among_buyers`` its cap is what it adds to trying alone over as many tries
    (positive: a gang's evasion gets its customers past more of the fences); against waiting
    (switch off) it is worth less than nothing (trying lorries is exhausting) and sells at cost.
    Expected, on every seed and at low and high port spending: a higher mean price paid for an
    access place with the switch on."""
    def f(y):
        return y.mean_price_lorry_access_paid_eur

    for port in (20.0, 150.0):
        on = measure(world(port=port, market={"access_fence_share": 1.0, "price_cap_among_buyers": True}), f)
        off = measure(world(port=port, market={"access_fence_share": 1.0, "price_cap_among_buyers": False}), f)
        assert (on > off).all(), (port, on, off)


# -- untried crossings capsize: the corridor learns from the boats that cross -----------------------------
@settings(max_examples=100, deadline=None)
@given(k=st.floats(0.0, 1.0), scale=st.floats(1.0, 5000.0), b_lo=st.floats(0.0, 1e5), b_hi=st.floats(0.0, 1e5))
def test_the_capsize_chance_starts_at_its_maximum_and_falls_with_the_boats_launched(k, scale, b_lo, b_hi):
    """``capsize_probability``: exactly ``sea.capsize_inexperienced`` before any boat has crossed, never
    above it nor below 0, and never higher after more boats have left the beaches (experience is
    not forgotten); 0 when the switch is off."""
    from types import SimpleNamespace

    from crossings.processes.sea import capsize_probability

    b_lo, b_hi = sorted((b_lo, b_hi))
    s = SimpleNamespace(capsize_inexperienced=k, capsize_experience_boats=scale)
    assert capsize_probability(s, 0.0) == k
    assert 0.0 <= capsize_probability(s, b_hi) <= capsize_probability(s, b_lo) <= k
    off = SimpleNamespace(capsize_inexperienced=0.0, capsize_experience_boats=scale)
    assert capsize_probability(off, b_lo) == 0.0


def test_untried_crossings_capsize_more_often_and_kill_more_than_practised_ones():
    """``sea.capsize_inexperienced``: the first boats of a corridor capsize most often, because the
    chance falls with every boat launched. Expected, on every seed: capsizes per boat launched are
    higher in the first year than in the second, and more people die at sea in the first year than
    in the same world without the learning (common random numbers: the capsize draw has its own key)."""
    sea = {"capsize_inexperienced": 0.2, "capsize_experience_boats": 100.0}

    def yearly(sc, seed):
        return crossings.Sim(sc, seed=seed).run().yearly

    for seed in SEEDS:
        on = yearly(world(sea=sea), seed)
        off = yearly(world(), seed)
        rate = on.boats_capsized / on.boats_launched.clip(lower=1.0)
        assert on.boats_capsized.iloc[0] > 0 and rate.iloc[0] > rate.iloc[1], (seed, on.boats_capsized, on.boats_launched)
        assert on.deaths_sea.iloc[0] > off.deaths_sea.iloc[0], (seed, on.deaths_sea, off.deaths_sea)
        assert off.boats_capsized.sum() == 0
