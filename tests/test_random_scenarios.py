"""Random valid scenarios, anywhere within the schema's bounds, run without surprises.

Every numeric parameter of the behavioural sections (people, camps, clearances, shelters,
lorry, outflow, weather, market, sea, enforcement) may be drawn anywhere between the bounds
the schema declares for it (read from the schema, not restated here), together with random
policies, on the small test world over a short horizon. Each run must

* finish without an exception;
* produce no NaN or infinity in any output (daily, site and rolled-up tables; a ratio is NaN
  exactly where its denominator is zero, i.e. undefined);
* keep money, counts and capacities non-negative (daily outputs, people's funds and debt,
  shelter places, gangs' capital and prices);
* conserve people: initial residents + arrivals = people in all states, every day's end.

Only the few inputs that set how many people there are (arrivals, initial residents, scale,
the deterrence elasticity that multiplies arrivals) are drawn from small ranges, to keep
populations small and the test fast.
"""

from __future__ import annotations

import datetime as dt
import typing

import annotated_types as at
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossings import Sim
from crossings.engine.results import RATIOS
from crossings.engine.state import STATE_NAMES
from crossings.scenario import market_schema, schema
from worlds import D, scenario, tiny

SECTIONS = {
    "people": schema.People,
    "camps": schema.Camps,
    "clearances": schema.Clearances,
    "shelters": schema.Shelters,
    "lorry": schema.Lorry,
    "outflow": schema.Outflow,
    "market": market_schema.Market,
    "sea": market_schema.Sea,
}
ENFORCEMENT = {
    "depreciation_per_year": schema.Depreciation,
    "half_saturation_eur_million": schema.HalfSaturation,
    "initial_stock_eur_million": schema.InitialStock,
}
VALID_STATES = np.array(sorted(STATE_NAMES), dtype=np.int8)


def _bounds(field) -> tuple[float, float, bool, bool, bool]:
    """lo, hi, lo excluded, hi excluded, integer; from the field's annotation metadata."""
    lo, hi, xlo, xhi = -1e6, 1e6, False, False
    ann = field.annotation
    args = typing.get_args(ann)
    base = ann if not args else next(a for a in args if a is not type(None))
    metas = list(field.metadata)
    if typing.get_origin(base) is typing.Annotated:
        metas += list(base.__metadata__)
        base = typing.get_args(base)[0]
    for m in metas:
        for c in getattr(m, "metadata", [m]):
            if isinstance(c, at.Ge):
                lo = c.ge
            elif isinstance(c, at.Gt):
                lo, xlo = c.gt, True
            elif isinstance(c, at.Le):
                hi = c.le
            elif isinstance(c, at.Lt):
                hi, xhi = c.lt, True
    return lo, hi, xlo, xhi, base is int


def value_strategy(field):
    lo, hi, xlo, xhi, integer = _bounds(field)
    if integer:
        return st.integers(int(lo) + xlo, int(hi) - xhi)
    edges = [v for v, excluded in ((lo, xlo), (hi, xhi)) if not excluded]
    values = st.floats(lo, hi, exclude_min=xlo, exclude_max=xhi, allow_nan=False)
    # magnitudes spread over the whole range, not only near its middle
    if lo >= 0 and hi > 10 * max(lo, 1e-3):
        low = max(lo, 1e-3)
        logs = st.floats(np.log10(low), np.log10(hi)).map(lambda x: float(min(max(10**x, lo), hi)))
        values = values | logs.filter(lambda v: (v > lo or not xlo) and (v < hi or not xhi))
    return values | st.sampled_from(edges) if edges else values


def _numeric(model) -> dict:
    out = {}
    for name, f in model.model_fields.items():
        args = [a for a in typing.get_args(f.annotation) if a is not type(None)] or [f.annotation]
        base = args[0]
        if typing.get_origin(base) is typing.Annotated:
            base = typing.get_args(base)[0]
        if base in (float, int):
            out[name] = value_strategy(f)
    return out


def section(model):
    return st.fixed_dictionaries({}, optional=_numeric(model))


START = D(2020, 1, 1)


def day(lo=0, hi=60):
    return st.integers(lo, hi).map(lambda k: START + dt.timedelta(days=k))


def _policy_fields(name: str, **fixed):
    from crossings.policies.interventions import ALL

    cls = next(c for c in ALL if typing.get_args(c.model_fields["type"].annotation)[0] == name)
    numeric = {k: v for k, v in _numeric(cls).items() if k not in fixed}
    return st.fixed_dictionaries({"type": st.just(name), **{k: st.just(v) for k, v in fixed.items()}, **numeric})


policy = st.one_of(
    st.builds(lambda p, d: {**p, "start": d}, _policy_fields("security_funding", channel="port"), day()),
    st.builds(lambda p, d: {**p, "date": d}, _policy_fields("camp_clearance", site="A"), day()),
    st.builds(lambda p, d: {**p, "start": d}, _policy_fields("routine_evictions", sites=["A", "B"]), day()),
    st.builds(lambda p, d: {**p, "start": d}, _policy_fields("shelter_capacity", site="Shelter"), day()),
    st.builds(lambda p, d: {**p, "start": d}, _policy_fields("legal_route", nationalities=["X"]), day()),
    st.builds(lambda p, d: {**p, "start": d}, _policy_fields("returns_agreement"), day()),
    st.builds(lambda p, d: {**p, "start": d}, _policy_fields("gang_crackdown"), day()),
    st.builds(lambda p, d: {**p, "start": d}, _policy_fields("sea_interception"), day()),
    st.builds(lambda p, d: {**p, "start": d}, _policy_fields("traffic_shock"), day()),
)

world = st.fixed_dictionaries({
    "market_on": st.booleans(),
    "seed": st.integers(0, 2**63 - 1),
    "days": st.integers(1, 75),
    "scale": st.sampled_from([1.0, 1.0, 2.0, 3.5, 10.0]),
    "inflow": st.floats(0, 15),
    "initial": st.tuples(st.floats(0, 150), st.floats(0, 60)),
    "elasticity": st.floats(-1, 1),
    "sections": st.fixed_dictionaries({k: section(m) for k, m in SECTIONS.items()}),
    "enforcement": st.fixed_dictionaries({}, optional={k: section(m) for k, m in ENFORCEMENT.items()}),
    "spend": st.tuples(*[value_strategy(schema.Spending.model_fields["eur_million"])] * 2),
    "site_numbers": st.tuples(
        value_strategy(schema.Site.model_fields["capacity"]), value_strategy(schema.Site.model_fields["attractiveness"]),
        value_strategy(schema.Site.model_fields["capacity"]),
    ),
    "funds": st.tuples(value_strategy(schema.Nationality.model_fields["funds_median_eur"]),
                       value_strategy(schema.Nationality.model_fields["funds_sigma"])),
    "route_days": st.lists(value_strategy(schema.Route.model_fields["days"]) | st.integers(0, 3), min_size=5, max_size=5),
    "policies": st.lists(policy, max_size=4),
})


def build(w) -> dict:
    d = tiny(market=w["market_on"], seed=w["seed"], end=START + dt.timedelta(days=w["days"] - 1), scale=w["scale"],
             policies=w["policies"])
    for k, v in w["sections"].items():
        d[k] = dict(v)
    d["market"]["enabled"] = w["market_on"]
    d["inflow"]["knots"] = [[START, w["inflow"]]]
    d["inflow"]["deterrence_elasticity"] = w["elasticity"]
    d["sites"][0]["initial_population"], d["sites"][1]["initial_population"] = w["initial"]
    d["sites"][0]["capacity"], d["sites"][0]["attractiveness"], d["sites"][4]["capacity"] = w["site_numbers"]
    d["nationalities"][0]["funds_median_eur"], d["nationalities"][0]["funds_sigma"] = w["funds"]
    for r, days in zip(d["routes"], w["route_days"], strict=True):
        r["days"] = days
    if w["market_on"] and d["scale"] > d["sea"].get("max_load", 80.0):
        d["scale"] = 1.0  # valid scenarios only: a boat must carry at least one agent
    pp = d.get("people", {})
    if pp.get("risk_tolerance_min", 0.0) >= pp.get("risk_tolerance_mean", 1.0):
        pp["risk_tolerance_min"] = 0.5 * pp.get("risk_tolerance_mean", 1.0)  # valid: the floor is below the mean
    for (k, v) in w["enforcement"].items():
        d["enforcement"][k] = dict(v)
    for sp, eur in zip(d["enforcement"]["spending"], w["spend"], strict=True):
        sp["eur_million"] = eur
    return d


def _finite(df: pd.DataFrame, what: str) -> None:
    vals = df.to_numpy(dtype=float)
    assert np.isfinite(vals).all(), f"{what}: non-finite values in {list(df.columns[~np.isfinite(vals).all(axis=0)])}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(w=world)
def test_random_valid_scenarios_run_clean(w):
    check(w)


def check(w) -> None:
    sim = Sim(scenario(build(w)))
    p = sim.people
    arrivals = 0.0
    for day in range(sim.n_days):
        sim.step()
        n = p.n
        states = p.state[:n]
        assert np.isin(states, VALID_STATES).all(), "a person is in no valid state"
        arrivals += sim.rec.values[day, 0]
        assert sim.initial_people + arrivals == n == np.bincount(states, minlength=8).sum(), "people not conserved"
        assert np.isfinite(sim.rec.values[day]).all(), "a daily output is not finite"
        assert (sim.rec.values[day] >= 0).all(), "a daily output went negative"
    n = p.n
    for name in ("funds", "debt", "risk_tolerance"):
        a = getattr(p, name)[:n]
        assert np.isfinite(a).all() and (a >= 0).all(), f"people's {name} not finite and non-negative"
    assert (p.next_day[:n] >= 0).all()
    assert (sim.timeline.shelter_capacity >= 0).all() and np.isfinite(sim.timeline.shelter_capacity).all()
    assert np.isfinite(sim.timeline.effectiveness).all()
    assert ((sim.timeline.effectiveness >= 0) & (sim.timeline.effectiveness <= 1)).all()
    if sim.market_on:
        g = sim.loop["market"].g
        a = g.active
        for name in ("capital", "boats", "price_boat", "price_lorry", "cost_boat", "cost_lorry", "volume"):
            v = getattr(g, name)[a]
            assert np.isfinite(v).all() and (v >= 0).all(), f"gang {name} not finite and non-negative"
    res = sim.results()
    _finite(res.daily, "daily")
    _finite(res.sites, "sites")
    assert (res.daily.to_numpy() >= 0).all() and (res.sites.to_numpy() >= 0).all()
    ratio_cols = {r[0]: r[2] for r in RATIOS}
    for roll in (res.monthly, res.yearly):
        _finite(roll.drop(columns=list(ratio_cols)), "roll-up")
        for col, den in ratio_cols.items():
            defined = roll[den] > 0
            assert np.isfinite(roll.loc[defined, col]).all(), f"{col} not finite where {den} > 0"
            assert roll.loc[~defined, col].isna().all()
