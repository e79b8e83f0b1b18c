"""Any border as a scenario file (issue 10): dated parameter paths, observed data per scenario,
modes switched on and off, rescue actors, detention and pull-backs, people who give up.

Every world is built here from ``worlds.tiny``; nothing is read from the Channel's figures."""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

import crossings
from crossings.errors import ScenarioError
from crossings.scenario.loader import dump_toml, load_scenario, validate
from worlds import D, observed_folder, scenario, tiny


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "crossings.cli", *args], capture_output=True, text=True, cwd=cwd)


# -- 1. dated parameter paths ---------------------------------------------------------------------
def _path_world(interpolation="step"):
    d = tiny(end=D(2020, 3, 31))
    d["policies"] = [{
        "type": "parameter_path", "parameter": "sea.rescue_capacity_people_per_day", "interpolation": interpolation,
        "path": [[D(2020, 1, 11), 500.0], [D(2020, 1, 21), 100.0]],
    }]
    return d


def test_a_step_path_is_applied_on_its_days_and_the_declared_scenario_is_unchanged():
    sc = scenario(_path_world())
    base = sc.sea.rescue_capacity_people_per_day
    sim = crossings.Sim(sc)
    seen = []
    for _ in range(30):
        sim.run(days=1)
        seen.append(sim.scenario.sea.rescue_capacity_people_per_day)
    # day k of the run is 2020-01-01 + k: the scenario's value until Jan 10, 500 from Jan 11, 100 from Jan 21
    assert seen[:10] == [base] * 10
    assert seen[10:20] == [500.0] * 10
    assert seen[20:] == [100.0] * 10
    assert sc.sea.rescue_capacity_people_per_day == base  # the caller's scenario is not edited
    assert "parameter_path" in sim.results().scenario_toml


def test_a_linear_path_interpolates_between_knots():
    sim = crossings.Sim(scenario(_path_world("linear")))
    seen = []
    for _ in range(25):
        sim.run(days=1)
        seen.append(sim.scenario.sea.rescue_capacity_people_per_day)
    assert seen[10] == 500.0 and seen[20] == 100.0 and seen[24] == 100.0
    assert seen[15] == pytest.approx(300.0)
    assert all(a >= b for a, b in zip(seen[10:20], seen[11:21], strict=True))


def test_a_path_round_trips_through_show(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(tomli_w.dumps(_path_world("linear")))
    r = cli("show", str(p))
    assert r.returncode == 0, r.stderr
    assert 'parameter = "sea.rescue_capacity_people_per_day"' in r.stdout
    back = tmp_path / "back.toml"
    back.write_text(r.stdout)
    a, b = load_scenario(p), load_scenario(back)
    assert a.policies == b.policies
    ra, rb = crossings.Sim(a).run(), crossings.Sim(b).run()
    assert ra.daily.equals(rb.daily)


@pytest.mark.parametrize("param,value,expect", [
    ("sea.no_such_thing", 1.0, "no parameter 'no_such_thing'"),
    ("nowhere.x", 1.0, "section one of"),
    ("sea.rescue_share", 1.5, "path[0]"),
    ("inflow.deterrence_elasticity", 0.0, "knots instead"),
    ("enforcement.spending", 0.0, "security_funding"),
    ("market.max_gangs", 10.0, "gang arrays"),
])
def test_a_bad_path_is_a_one_line_error(param, value, expect):
    d = tiny()
    d["policies"] = [{"type": "parameter_path", "parameter": param, "path": [[D(2020, 2, 1), value]]}]
    with pytest.raises(ScenarioError) as e:
        validate(d, __import__("pathlib").Path("s.toml"))
    assert expect in str(e.value) and "policies[0]" in str(e.value) and "\n" not in str(e.value)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 120), st.floats(0, 1)), min_size=1, max_size=5, unique_by=lambda t: t[0]),
       st.sampled_from(["step", "linear"]))
def test_path_values_lie_within_the_knots_and_hold_before_the_first(knots, interp):
    from crossings.engine.timeline import compile_timeline, compile_world

    knots = sorted(knots)
    d = tiny(end=D(2020, 4, 30))
    d["policies"] = [{"type": "parameter_path", "parameter": "sea.rescue_share", "interpolation": interp,
                      "path": [[D(2020, 1, 1) + __import__("datetime").timedelta(days=k), v] for k, v in knots]}]
    sc = scenario(d)
    tl = compile_timeline(sc, compile_world(sc))
    v = tl.parameter_paths["sea.rescue_share"]
    first = knots[0][0]
    assert np.isnan(v[:first]).all()
    ys = [y for _, y in knots]
    assert (v[first:] >= min(ys) - 1e-12).all() and (v[first:] <= max(ys) + 1e-12).all()
    for k, y in knots:
        if k < v.size:
            assert v[k] == pytest.approx(y)


# -- 6. observed data for any scenario -----------------------------------------------------------
def test_check_uses_the_scenario_folders_observed_csv(tmp_path):
    from crossings.scenario.loader import observed_file

    folder = observed_folder(tmp_path, ["arrivals_corridor,2020-03,150,,,people,arrivals,TEST,",
                                        "site:A,2020-02,200,,,people,camp A,TEST,",
                                        "unknown_series,2020,1,,,people,,TEST,"])
    child = tmp_path / "whatif.toml"
    child.write_text(tomli_w.dumps({"inherits": str(folder / "scenario.toml"), "name": "whatif"}))
    assert observed_file(folder) == folder / "observed.csv"
    assert observed_file(child) == folder / "observed.csv"  # a what-if is checked against its parent's data
    assert observed_file("channel").name == "observed.csv"
    r = cli("check", str(folder), "--seeds", "1", "--out", str(tmp_path / "t.csv"))
    assert r.returncode == 0, r.stderr
    import pandas as pd

    t = pd.read_csv(tmp_path / "t.csv")
    assert set(t.series) == {"arrivals_corridor", "site:A"}  # the unknown series is left out
    assert (t.source == "TEST").all() and (t.model_mean > 0).all()


def test_check_without_observed_data_is_a_one_line_error(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(tomli_w.dumps(tiny()))
    r = cli("check", str(p), "--seeds", "1")
    assert r.returncode == 2 and "observed.csv" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("period", ["2020-02-30", "2020-13", "2020-06/2020-02", "spring 2020"])
def test_a_bad_period_in_observed_csv_is_a_one_line_error_before_any_run(tmp_path, period):
    folder = observed_folder(tmp_path, ["arrivals_corridor,2020-03,150,,,people,arrivals,TEST,",
                                        f"arrivals_corridor,{period},150,,,people,arrivals,TEST,"])
    out = tmp_path / "t.csv"
    r = cli("check", str(folder), "--seeds", "1", "--out", str(out))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    line = r.stderr.strip()
    assert "\n" not in line and "observed.csv" in line and "row 3: period" in line and period in line
    assert not out.exists()  # refused before any run: nothing written


# -- 5. modes and destination-neutral names -----------------------------------------------------
LORRY_COLUMNS = ("crossings_lorry_alone", "crossings_lorry_paid", "crossings_lorry_access", "attempts_lorry_alone",
                 "attempts_lorry_paid", "attempts_lorry_access", "intercepted_port", "stopped_access",
                 "detected_port_controls", "deaths_lorry", "places_sold_lorry", "places_sold_lorry_access")


def test_a_sea_route_with_lorries_off_runs_with_no_lorry_output():
    d = tiny(market=True, end=D(2020, 9, 30))  # the world keeps its port site: the switch alone turns lorries off
    on = crossings.Sim(scenario(d)).run()
    assert on.daily[list(LORRY_COLUMNS)].to_numpy().sum() > 0  # lorries are used when the mode is on
    d["modes"] = {"lorry": False}
    res = crossings.Sim(scenario(d)).run()
    assert res.daily[list(LORRY_COLUMNS)].to_numpy().sum() == 0
    assert res.daily.crossings_boat.sum() > 0
    assert not [c for c in res.summary().columns if "lorry" in c or c == "intercepted_port"]


def test_boats_off_leaves_only_lorries():
    d = tiny(market=True, end=D(2020, 6, 30))
    d["modes"] = {"boat": False}
    res = crossings.Sim(scenario(d)).run()
    assert res.daily[["crossings_boat", "attempts_boat", "boats_launched", "deaths_boat"]].to_numpy().sum() == 0
    assert res.daily.crossings_total.sum() > 0


def test_deprecated_uk_names_are_accepted_with_a_warning_and_mean_the_same():
    new = tiny(end=D(2020, 3, 31))
    old = tiny(end=D(2020, 3, 31))
    for n_new, n_old in zip(new["nationalities"], old["nationalities"], strict=True):
        n_new["ties_share"] = 0.6
        n_old["uk_ties_share"] = 0.6
    new["people"] = {"beta_ties": 2.0}
    old["people"] = {"beta_uk_ties": 2.0}
    old["policies"] = [{"type": "legal_route", "start": D(2020, 2, 1), "quota_per_week": 5.0, "requires_uk_ties": True}]
    new["policies"] = [{"type": "legal_route", "start": D(2020, 2, 1), "quota_per_week": 5.0, "requires_ties": True}]
    with pytest.warns(FutureWarning, match="deprecated"):
        sc_old = scenario(old)
    sc_new = scenario(new)
    assert sc_old == sc_new and sc_old.people.beta_uk_ties == 2.0
    assert "uk_ties" not in dump_toml(sc_old)
    both = tiny()
    both["people"] = {"beta_ties": 1.0, "beta_uk_ties": 1.0}
    with pytest.raises(ScenarioError, match="give only beta_ties"):
        validate(both, __import__("pathlib").Path("s.toml"))


# -- 2, 3. rescue actors by period, detention and pull-backs -------------------------------------
def sea_route(**extra) -> dict:
    """A sea route: the tiny world with lorries off, a detention site behind the first camp, more
    people arriving, nine months."""
    d = tiny(market=True, end=D(2020, 9, 30))
    d["modes"] = {"lorry": False}
    d["inflow"] = {"knots": [[D(2020, 1, 1), 15.0]]}
    d["sites"].append({"name": "Det", "kind": "detention", "lat": 50.5, "lon": 2.0, "capacity": 60})
    d["routes"].append({"a": "Det", "b": "A", "days": 1})
    d.update(extra)
    return d


def test_a_rescue_capacity_that_drops_on_a_date_raises_deaths_per_crossing_after_it():
    drop = D(2020, 5, 1)
    sea = {"distress_probability": 0.3, "rescue_share": 0.0, "distress_death_share_unreached": 0.3,
           "distress_death_share_reached": 0.01, "perceived_death_risk_prior": 0.001}
    actor = {"type": "sea_actor", "name": "State operation", "start": D(2020, 1, 1), "capacity_people_per_day": 1e4,
             "response": 0.95, "landed_destination": 1.0}
    kept = sea_route(sea=sea, policies=[actor])
    ended = sea_route(sea=sea, policies=[{**actor, "end": drop - __import__("datetime").timedelta(days=1)}])
    a, b = crossings.Sim(scenario(kept)).run().daily, crossings.Sim(scenario(ended)).run().daily

    def rate(df, before):
        part = df[df.index < str(drop)] if before else df[df.index >= str(drop)]
        return part.deaths_boat.sum() / max(part.crossings_boat.sum(), 1.0)

    assert rate(a, True) == rate(b, True)  # identical before the date (common random numbers)
    assert a[a.index < str(drop)].rescued_by_actors.sum() > 0
    assert b[b.index >= str(drop)].rescued_by_actors.sum() == 0
    assert rate(b, False) > 3 * rate(a, False) and rate(b, False) > rate(b, True)


def test_pull_backs_fill_a_detention_site_within_its_capacity_and_release_people_to_the_waiting_area():
    d = sea_route(detention={"stay_days_mean": 14, "deported_share": 0.2, "funds_loss_share": 0.5})
    d["policies"] = [{"type": "sea_actor", "name": "Third coastguard", "start": D(2020, 3, 1), "interception": 0.5,
                      "landed_detention": 0.8, "detention_site": "Det"}]
    res = crossings.Sim(scenario(d)).run()
    daily, sites = res.daily, res.sites
    before = daily.index < "2020-03-01"
    assert daily.pulled_back[before].sum() == 0 and daily.pulled_back[~before].sum() > 0
    assert daily.people_detained.sum() > 0
    assert sites["Det"].max() <= 60 and sites["Det"].max() > 0  # within its places
    assert (sites["Det"] == daily.in_detention).all()
    assert daily.released_detention.sum() > 0 and daily.deported_detention.sum() > 0
    assert daily.funds_lost_detention_eur.sum() > 0
    # nobody detained is "bused": detention is its own outcome
    assert daily.people_bused.sum() == 0
    # landed for detention = admitted + refused for want of places
    assert daily.landed_detention.sum() == daily.people_detained.sum() + daily.detention_full.sum()


def test_a_sea_actor_needs_a_detention_site_of_kind_detention():
    d = sea_route()
    d["policies"] = [{"type": "sea_actor", "name": "x", "start": D(2020, 3, 1), "landed_detention": 0.5,
                      "detention_site": "Shelter"}]
    with pytest.raises(ScenarioError, match="expected a site of kind detention"):
        validate(d, __import__("pathlib").Path("s.toml"))
    d["policies"][0].update(detention_site="Det", landed_destination=0.7)
    with pytest.raises(ScenarioError, match="at most 1"):
        validate(d, __import__("pathlib").Path("s.toml"))


# -- 4. people who give up, and an inflow that answers -------------------------------------------
def _hopeless_world(beta: float, block: bool, elasticity: float = 0.0) -> dict:
    d = sea_route(end=D(2020, 10, 31))
    d["inflow"]["success_elasticity"] = elasticity
    d["people"] = {"beta_leave_hopeless": beta}
    if block:  # from May a third country's coastguard stops almost every boat and lands people back
        d["policies"] = [{"type": "sea_actor", "name": "Third coastguard", "start": D(2020, 5, 1), "interception": 0.95}]
    return d


def test_when_crossing_becomes_hopeless_departures_fall_the_inflow_stays_and_people_leave():
    base = crossings.Sim(scenario(_hopeless_world(6.0, block=False))).run().monthly
    hope = crossings.Sim(scenario(_hopeless_world(6.0, block=True))).run().monthly
    stay = crossings.Sim(scenario(_hopeless_world(0.0, block=True))).run().monthly
    before, after = hope.index < "2020-05-01", hope.index >= "2020-06-01"
    # the inflow does not answer (elasticity 0): arrivals into the region are the same with or without the block
    assert (hope.arrivals_corridor == base.arrivals_corridor).all()
    # departures collapse
    assert hope.attempts_boat[after].mean() < 0.2 * hope.attempts_boat[before].mean()
    assert hope.crossings_boat[after].sum() < 0.05 * base.crossings_boat[after].sum()
    # people leave the corridor: far more than before the block, and than people who never give up
    assert hope.left_corridor[after].mean() > 5 * hope.left_corridor[before].mean()
    assert hope.left_corridor[after].sum() > 3 * stay.left_corridor[after].sum()
    # so the waiting areas do not fill up as they do when nobody gives up
    assert hope.in_camps.iloc[-1] < 0.5 * stay.in_camps.iloc[-1]


def test_an_inflow_with_a_success_elasticity_falls_when_crossing_becomes_hopeless():
    fixed = crossings.Sim(scenario(_hopeless_world(0.0, block=True))).run().monthly
    answers = crossings.Sim(scenario(_hopeless_world(0.0, block=True, elasticity=1.0))).run().monthly
    after = fixed.index >= "2020-06-01"
    assert answers.arrivals_corridor[after].sum() < 0.5 * fixed.arrivals_corridor[after].sum()


# -- 7. the Aegean -------------------------------------------------------------------------------
def test_the_aegean_is_built_in_with_its_observed_data():
    from crossings.scenario.loader import builtin_names, observed_file

    assert "aegean" in builtin_names()
    r = cli("validate", "aegean")
    assert r.returncode == 0, r.stderr
    obs = __import__("pandas").read_csv(observed_file("aegean"))
    assert {"sea_arrivals_greece", "dead_missing_eastern_med", "tcg_apprehended_aegean"} <= set(obs.series)
    assert obs.source.notna().all() and (obs.source != "").all()
    sc = load_scenario("aegean")
    assert sc.modes.lorry is False and not any(s.kind == "port" for s in sc.sites)


def test_the_aegean_collapse_after_the_statement_comes_from_the_policies_not_the_inflow():
    import datetime as dt

    sc = load_scenario("aegean", end=dt.date(2016, 9, 30))
    statement = dt.date(2016, 2, 18)  # the first of the dated Statement-era inputs (policy_inputs.csv)
    # without: no Balkan closure, containment, returns, new coastguard period (the earlier ones stay)
    without = sc.model_copy(update={"policies": [
        p for p in sc.policies
        if not (getattr(p, "type", "") == "parameter_path" or (getattr(p, "start", dt.date.min) >= statement))
    ]})
    a = crossings.Sim(sc).run().monthly
    b = crossings.Sim(without).run().monthly
    winter, after = slice("2015-12", "2016-02"), slice("2016-04", "2016-09")
    # the inflow into the region is the same with and without the Statement, and it does not collapse
    assert (a.arrivals_corridor == b.arrivals_corridor).all()
    assert a.arrivals_corridor[after].mean() > 0.7 * a.arrivals_corridor[winter].mean()
    # arrivals on the islands collapse with the Statement's inputs, and not without them
    assert a.crossings_boat[after].mean() < 0.25 * a.crossings_boat[winter].mean()
    assert b.crossings_boat[after].mean() > 0.5 * b.crossings_boat[winter].mean()
    # the Turkish coastguard intercepts a larger share of attempts, and people give up
    share = lambda m, s: m.pulled_back[s].sum() / max(m.attempts_boat[s].sum(), 1)  # noqa: E731
    assert share(a, after) > 2 * share(a, winter)
    assert a.left_corridor[after].sum() > 5 * b.left_corridor[after].sum()


# -- 8. templates --------------------------------------------------------------------------------
@pytest.mark.parametrize("template,mode_off", [("sea-route", "lorry"), ("land-border", "boat")])
def test_new_scenario_templates_validate_and_run(tmp_path, template, mode_off):
    r = cli("new-scenario", "myborder", "--template", template, "--dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    sc = load_scenario(tmp_path / "myborder")
    assert sc.name == "myborder" and getattr(sc.modes, mode_off) is False
    short = sc.model_copy(update={"end": D(2020, 4, 30)})
    res = crossings.Sim(short).run()
    assert res.daily.arrivals_corridor.sum() > 0
    bad = cli("new-scenario", "other", "--template", "nowhere", "--dir", str(tmp_path))
    assert bad.returncode == 2 and "--template" in bad.stderr


def test_monthly_weather_shares_set_the_viable_days_of_each_month():
    from crossings.engine.timeline import compile_timeline, compile_world

    d = tiny(start=D(2020, 1, 1), end=D(2023, 12, 31))
    d["weather"] = {"viable_share_by_month": [0.0] * 6 + [1.0] * 6, "persistence": 0.0}
    sc = scenario(d)
    tl = compile_timeline(sc, compile_world(sc))
    months = (tl.dates.astype("datetime64[M]") - tl.dates.astype("datetime64[Y]")).astype(int)
    assert not tl.weather_viable[months < 6].any() and tl.weather_viable[months >= 6].all()
    d["weather"] = {"viable_share_by_month": [0.5] * 11}
    with pytest.raises(Exception, match="12 shares"):
        scenario(d)


def test_boat_types_set_costs_loads_and_risks_by_their_mix():
    switch = D(2020, 5, 1)
    dinghy = {"name": "rubber dinghy", "rated_capacity": 10.0, "kit_cost_eur": 3000.0, "distress_multiplier": 1.0}
    wooden = {"name": "wooden boat", "rated_capacity": 60.0, "kit_cost_eur": 15000.0, "distress_multiplier": 4.0}
    sea = {"distress_probability": 0.05, "rescue_share": 0.3, "perceived_death_risk_prior": 0.001, "max_load": 80.0}
    only = sea_route(sea=sea, boat_types=[{**dinghy, "share": [[D(2020, 1, 1), 1.0]]}])
    mixed = sea_route(sea=sea, boat_types=[
        {**dinghy, "share": [[D(2020, 1, 1), 1.0], [switch, 0.0]]},
        {**wooden, "share": [[D(2020, 1, 1), 0.0], [switch, 1.0]]},
    ])
    sim = crossings.Sim(scenario(mixed))
    sim.run(days=(switch - D(2020, 1, 1)).days)
    assert sim.scenario.sea.kit_cost_eur == 3000.0 and sim.scenario.sea.rated_capacity == 10.0
    sim.run(days=1)
    assert sim.scenario.sea.kit_cost_eur == 15000.0 and sim.scenario.sea.rated_capacity == 60.0
    a = sim.run().monthly
    b = crossings.Sim(scenario(only)).run().monthly
    before, after = a.index < str(switch), a.index >= "2020-06-01"
    assert (a.crossings_boat[before] == b.crossings_boat[before]).all()  # one kind until the switch
    ppb = lambda m, s: m.people_on_arrived_boats[s].sum() / m.boats_arrived[s].sum()  # noqa: E731
    assert ppb(a, after) > 1.25 * ppb(b, after)  # bigger boats carry more people (as many as wait)
    dpc = lambda m, s: m.deaths_boat[s].sum() / max(m.crossings_boat[s].sum(), 1)  # noqa: E731
    assert dpc(a, after) > dpc(b, after)  # and, riskier, kill more per crossing


@settings(max_examples=40, deadline=None)
@given(kit=st.floats(1.0, 1e5), rated=st.floats(1.0, 200.0), crew=st.floats(0.0, 1e4), phi=st.floats(0.0, 1e3),
       gamma=st.floats(0.1, 5.0), max_load=st.floats(1.0, 200.0), seizure=st.floats(0.0, 0.9))
def test_boat_seat_costs_are_the_gangs_own_load_rule(kit, rated, crew, phi, gamma, max_load, seizure):
    """The timeline's element-wise seat cost (used to choose boat types) is the one the gangs price
    with: processes.sea.optimal_load and seat_cost on the same fixed cost."""
    from crossings.engine.timeline import boat_seat_costs
    from crossings.processes.sea import optimal_load, seat_cost

    f = kit / (1.0 - seizure) + crew
    want = seat_cost(optimal_load(f, phi, rated, gamma, max_load), f, phi, rated, gamma)
    got = boat_seat_costs(np.array([kit]), np.array([rated]), crew, phi, gamma, max_load, np.array([seizure]))[0]
    assert got == pytest.approx(want, rel=1e-9)


def _two_boats(d_local, e_beach):
    """Choose between a cheap small boat bought locally and a dearer, larger imported one, over a
    rising enforcement against boats."""
    from crossings.engine.timeline import choose_boat_types
    from crossings.scenario.market_schema import Sea

    e = np.asarray(e_beach, dtype=np.float64)
    return choose_boat_types(Sea(), np.array([1500.0, 6000.0]), np.array([8.0, 10.0]), np.array([d_local, 0.0]),
                             np.ones((2, e.size), bool), e, np.zeros(e.size))


@settings(max_examples=30, deadline=None)
@given(d=st.floats(0.0, 20.0), extra=st.floats(0.1, 20.0))
def test_disrupted_local_supply_moves_the_gangs_to_imported_boats_earlier(d, extra):
    """``sea.boat_type_choice``: each day one type is bought (one-hot), and once enforcement makes
    the imported boat cheaper per seat it stays so while enforcement only rises. Expected: a larger
    supply disruption of the local boat never delays the switch (its cost only rises with it)."""
    e = np.linspace(0.0, 1.0, 201)
    a, b = _two_boats(d, e), _two_boats(d + extra, e)
    for s in (a, b):
        assert ((s == 0) | (s == 1)).all() and (s.sum(axis=0) == 1).all()
        assert (np.diff(s[1]) >= 0).all()  # no switch back while enforcement rises
    first = lambda s: int(np.argmax(s[1])) if s[1].any() else e.size  # noqa: E731
    assert first(b) <= first(a)


def test_without_enforcement_the_cheap_boat_wins_and_a_type_off_sale_is_never_chosen():
    from crossings.engine.timeline import choose_boat_types
    from crossings.scenario.market_schema import Sea

    assert (_two_boats(5.0, [0.0, 0.0])[0] == 1).all()  # 1,500 EUR for 8 beats 6,000 for 10 at no enforcement
    on_sale = np.array([[False, False], [True, True]])
    s = choose_boat_types(Sea(), np.array([1500.0, 6000.0]), np.array([8.0, 10.0]), np.zeros(2), on_sale,
                          np.zeros(2), np.zeros(2))
    assert (s[1] == 1).all()


def test_chosen_boat_types_raise_loads_once_enforcement_disrupts_the_local_supply():
    """A sea route whose beach spending rises mid-run, with a small local boat and a larger imported
    one. Expected: the day's boat cost and rated capacity are the local boat's before the switch and
    the imported boat's after, and boats carry more people after the switch than in the same world
    with the local boat only (larger boats, loaded at their best load)."""
    types = [{"name": "local", "rated_capacity": 6.0, "kit_cost_eur": 1000.0, "supply_disruption": 12.0,
              "share": [[D(2020, 1, 1), 1.0]]},
             {"name": "imported", "rated_capacity": 20.0, "kit_cost_eur": 8000.0, "share": [[D(2020, 1, 1), 1.0]]}]
    spending = [{"channel": "beach", "start": D(2020, 1, 1), "end": D(2020, 3, 31), "eur_million": 0.5},
                {"channel": "beach", "start": D(2020, 4, 1), "end": D(2020, 9, 30), "eur_million": 400.0}]
    sea = {"boat_type_choice": True, "perceived_death_risk_prior": 0.001, "max_load": 80.0}
    chosen = sea_route(sea=sea, boat_types=types)
    chosen["enforcement"] = {"spending": spending}
    local = copy.deepcopy(chosen)
    local["boat_types"] = types[:1]
    sim = crossings.Sim(scenario(chosen))
    sim.run(days=30)
    assert sim.scenario.sea.kit_cost_eur == 1000.0 and sim.scenario.sea.rated_capacity == 6.0
    a = sim.run().monthly
    assert sim.scenario.sea.kit_cost_eur == 8000.0 and sim.scenario.sea.rated_capacity == 20.0
    b = crossings.Sim(scenario(local)).run().monthly
    after = a.index >= "2020-07-01"
    ppb = lambda m, s: m.people_on_arrived_boats[s].sum() / m.boats_arrived[s].sum()  # noqa: E731
    assert ppb(a, after) > 1.25 * ppb(b, after)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31), capacity=st.integers(0, 80), interception=st.floats(0, 1),
       detention=st.floats(0, 1), stay=st.floats(1, 60), deported=st.floats(0, 1), loss=st.floats(0, 1),
       response=st.floats(0, 1))
def test_detention_invariants(seed, capacity, interception, detention, stay, deported, loss, response):
    """Every day: every person in one valid state, the population conserved, detention within its
    places, funds never negative, and the active index holds exactly the people not finished."""
    from crossings.engine.state import STATE_NAMES

    d = sea_route(end=D(2020, 4, 30), seed=seed,
                  detention={"stay_days_mean": stay, "deported_share": deported, "funds_loss_share": loss})
    d["sites"][-1]["capacity"] = capacity
    d["policies"] = [{"type": "sea_actor", "name": "x", "start": D(2020, 1, 15), "interception": interception,
                      "landed_detention": detention, "detention_site": "Det", "capacity_people_per_day": 50.0,
                      "response": response}]
    sim = crossings.Sim(scenario(d))
    p = sim.people
    det = sim.world.site_names.index("Det")
    arrivals = 0.0
    for day in range(sim.n_days):
        sim.step()
        n = p.n
        states = p.state[:n]
        assert np.isin(states, sorted(STATE_NAMES)).all()
        arrivals += sim.rec.values[day, 0]
        assert sim.initial_people + arrivals == n
        held = (states == 9) & (p.site[:n] == det)
        assert held.sum() == (states == 9).sum() <= capacity
        assert (p.funds[:n] >= 0).all() and (sim.rec.values[day] >= 0).all()
        live = np.flatnonzero(np.isin(states, [1, 2, 3, 6, 9]))
        assert np.array_equal(np.sort(p.active), live)
