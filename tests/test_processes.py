"""Each process on a tiny hand-built world, with expectations derived by hand."""

from __future__ import annotations

import numpy as np
import pytest

from crossings import Sim
from crossings.engine.state import CROSSED, IN_CAMP, IN_SHELTER, LEFT, TRAVELLING
from crossings.processes.crossings import lorry_alone_success
from crossings.processes.inflow import mean_group_size
from worlds import D, scenario, tiny


def quiet(**kw):
    """A world where nobody crosses or leaves unless a test says so."""
    d = tiny(**kw)
    d.setdefault("people", {})
    d["people"].update({"asc_leave": -50.0, "asc_lorry_alone": -50.0})
    return d


def test_inflow_arrivals_match_the_poisson_mean():
    d = quiet(end=D(2020, 12, 31))
    d["inflow"]["knots"] = [[D(2020, 1, 1), 20.0]]
    res = Sim(scenario(d)).run()
    total = res.daily.arrivals_corridor.sum()
    # 366 days x 20 people/day; groups are Poisson, so the sd of the total is about
    # sqrt(7320 x mean group size); 5 sd is a generous bound.
    assert abs(total - 7320) < 5 * np.sqrt(7320 * 1.3)


def test_inflow_groups_families_share_draws_and_minors():
    d = quiet(end=D(2020, 3, 31))
    d["inflow"]["knots"] = [[D(2020, 1, 1), 50.0]]
    d["nationalities"][0]["family_share"] = 0.5
    d["nationalities"][0]["unaccompanied_minor_share"] = 0.1
    sim = Sim(scenario(d))
    sim.run()
    p = sim.people
    n = p.n
    hh = p.household[:n]
    # members of a household share nationality, funds, risk tolerance and ties
    for attr in ("nationality", "funds", "risk_tolerance", "uk_ties", "site", "state", "next_day"):
        a = getattr(p, attr)[:n]
        assert (a == a[hh]).all(), attr
    sizes = np.bincount(hh)[np.unique(hh)]
    assert sizes.max() >= 3  # families exist
    assert p.minor[:n].any()
    fam = mean_group_size(0.5, 0.1)
    assert fam == pytest.approx(0.4 + 0.1 + 0.5 * 3.7)


def test_movement_travellers_settle_after_travel_time():
    d = quiet(end=D(2020, 1, 20))
    d["inflow"]["knots"] = [[D(2020, 1, 1), 30.0]]
    sim = Sim(scenario(d))
    sim.step()  # day 0: arrivals start travelling (Away -> A is 2 days, -> B is 3 days)
    p = sim.people
    new = np.arange(sim.initial_people, p.n)
    assert (p.state[new] == TRAVELLING).all()
    assert (p.next_day[new] >= 2).all()
    for _ in range(5):
        sim.step()
    assert (p.state[new] == IN_CAMP).all()


def test_shelter_stays_end_in_return_or_asylum_at_the_documented_share():
    d = quiet(end=D(2020, 6, 30))
    d["inflow"]["knots"] = [[D(2020, 1, 1), 0.0]]
    d["sites"][0]["initial_population"] = 2000
    d["sites"][4]["capacity"] = 5000
    d["shelters"] = {"return_share": 0.3, "stay_days_mean": 5}
    d["policies"] = [{"type": "camp_clearance", "site": "A", "date": D(2020, 1, 5), "buses": 100,
                      "seats_per_bus": 50, "acceptance": 1.0, "disperse_share": 0.0}]
    sim = Sim(scenario(d))
    res = sim.run()
    bused = res.daily.people_bused.sum()
    back = res.daily.shelter_returns.sum()
    assert bused > 1500
    # households decide together, so the share varies more than a binomial over people
    assert back / bused == pytest.approx(0.3, abs=0.06)
    assert (sim.people.state[: sim.people.n] != IN_SHELTER).all()  # all stays ended (mean 5 days)


def test_camp_choice_follows_networks():
    d = quiet(end=D(2020, 3, 31))
    d["inflow"]["knots"] = [[D(2020, 1, 1), 40.0]]
    d["routes"].append({"a": "Away", "b": "B", "days": 2})
    sim = Sim(scenario(d))
    sim.run()
    p = sim.people
    n = p.n
    in_camp = p.state[:n] == IN_CAMP
    nat, site = p.nationality[:n][in_camp], p.site[:n][in_camp]
    share_x_in_a = (site[nat == 0] == 0).mean()
    share_y_in_a = (site[nat == 1] == 0).mean()
    assert share_x_in_a > share_y_in_a  # X's network is at A, Y's at B


def test_incidents_rise_with_density():
    def incidents(pop):
        d = quiet(end=D(2020, 6, 30))
        d["inflow"]["knots"] = [[D(2020, 1, 1), 0.0]]
        d["sites"][0]["initial_population"] = pop
        d["sites"][0]["capacity"] = 500
        d["camps"] = {"incident_rate_per_1000_per_day": 0.05}
        return Sim(scenario(d)).run().daily.incidents.sum()

    assert incidents(2000) > 2 * incidents(400)


def test_routine_evictions_take_belongings_but_rarely_move_people():
    d = quiet(end=D(2020, 2, 29))
    d["inflow"]["knots"] = [[D(2020, 1, 1), 0.0]]
    d["policies"] = [{"type": "routine_evictions", "sites": ["A"], "start": D(2020, 1, 10), "interval_days": 2}]
    d["clearances"] = {"eviction_funds_loss_eur": 50.0, "eviction_move_share": 0.05, "eviction_off_camp_share": 0.0}
    d["camps"] = {"off_camp_share": 0.0}
    sim = Sim(scenario(d))
    p = sim.people
    funds0 = p.funds[: p.n].copy()
    site0 = p.site[: p.n].copy()
    res = sim.run()
    assert res.daily.evictions.sum() == len(range(9, 60, 2))  # every 2 days from day 9
    in_a = site0 == 0
    lost = funds0[in_a] - p.funds[: p.n][in_a]
    assert (lost > 0).mean() > 0.9 and (lost <= 50.0 * 26 + 1e-3).all()
    assert (p.funds[: p.n] >= 0).all()
    # 26 evictions with a 5% chance of moving each: 1 - 0.95**26 = 0.74 expected to have moved
    moved = (p.site[: p.n][in_a] != 0).mean()
    assert 0.55 < moved < 0.9
    assert res.daily.funds_lost_eur.sum() > 0


def test_lorry_success_rate_matches_the_formula():
    d = tiny(end=D(2020, 12, 31))
    d["people"] = {"asc_leave": -50.0, "asc_lorry_alone": 5.0}
    d["lorry"] = {"reach_unenforced": 0.7, "access_max_reduction": 0.5, "success_unenforced": 0.3,
                  "max_reduction": 0.8, "death_risk": 0.0}
    sim = Sim(scenario(d))
    res = sim.run()
    p_model = lorry_alone_success(sim, 100)
    eff = sim.timeline.effectiveness[0, 100]
    reach, passing = 0.7 * (1 - 0.5 * eff), 0.3 * (1 - 0.8 * eff)
    assert p_model == pytest.approx(reach * passing)
    att = res.daily.attempts_lorry_alone.sum()
    ok = res.daily.crossings_lorry_alone.sum()
    # households share draws, so use a design effect of ~1.5 on the binomial sd
    assert abs(ok / att - p_model) < 4 * np.sqrt(1.5 * p_model * (1 - p_model) / att)
    assert res.daily.intercepted_port.sum() == att - ok
    # failures split into access stops and detections at the controls: a failed attempt reached the
    # controls with chance reach (1 - pass) / (1 - reach pass)
    failed = att - ok
    q = reach * (1 - passing) / (1 - reach * passing)
    det = res.daily.detected_port_controls.sum()
    assert abs(det / failed - q) < 4 * np.sqrt(1.5 * q * (1 - q) / failed)
    assert np.isclose(det + res.daily.stopped_access.sum(), failed)


def test_evictions_push_people_off_camp_and_empty_the_camp_but_not_the_corridor():
    """Routine evictions make the camp a place to avoid: people who can pay for it wait off-camp
    (towns, rooms, safe houses). Expected: the camp's population falls well below the number of
    people waiting at the site, and nobody is lost (off-camp people are still in the corridor)."""
    def run(off_share):
        d = quiet(end=D(2020, 4, 30))
        d["inflow"]["knots"] = [[D(2020, 1, 1), 0.0]]
        d["policies"] = [{"type": "routine_evictions", "sites": ["A"], "start": D(2020, 1, 10), "interval_days": 2}]
        d["clearances"] = {"eviction_off_camp_share": off_share}
        d["camps"] = {"off_camp_share": 0.0, "off_camp_cost_eur_per_day": 1.0}
        return Sim(scenario(d)).run()

    none, some = run(0.0), run(0.2)
    assert none.daily.waiting_off_camp.iloc[-1] == 0
    assert some.daily.waiting_off_camp.iloc[-1] > 0
    assert some.sites["A"].iloc[-1] < 0.5 * none.sites["A"].iloc[-1]
    waiting = lambda r: r.daily.in_camps.iloc[-1] + r.daily.waiting_off_camp.iloc[-1]  # noqa: E731
    assert abs(waiting(some) - waiting(none)) <= 0.05 * waiting(none)


def test_more_port_enforcement_fewer_lorry_crossings():
    def crossed(spend):
        d = tiny(end=D(2020, 12, 31))
        d["enforcement"]["spending"][0]["eur_million"] = spend
        return Sim(scenario(d)).run().daily.crossings_lorry_alone.sum()

    assert crossed(300) < crossed(10)


def test_leaving_rises_with_time_and_failures():
    d = tiny(end=D(2020, 12, 31))
    d["people"] = {"asc_leave": -4.0, "beta_leave_per_month": 0.0, "beta_leave_per_failed_attempt": 0.0}
    base = Sim(scenario(d)).run().daily.left_corridor.sum()
    d["people"] = {"asc_leave": -4.0, "beta_leave_per_month": 0.5, "beta_leave_per_failed_attempt": 0.0}
    more = Sim(scenario(d)).run().daily.left_corridor.sum()
    assert more > base


def test_legal_route_respects_quota_and_eligibility():
    d = tiny(end=D(2020, 6, 30))
    d["people"] = {"asc_lorry_alone": -50.0, "asc_leave": -50.0}
    d["policies"] = [{"type": "legal_route", "start": D(2020, 2, 1), "quota_per_week": 14, "nationalities": ["X"]}]
    sim = Sim(scenario(d))
    res = sim.run()
    legal = res.daily.crossings_legal
    assert legal.loc[:"2020-01-31"].sum() == 0
    days = (D(2020, 6, 30) - D(2020, 2, 1)).days + 1
    assert 0.8 * 2 * days <= legal.sum() <= 2 * days + 1
    p = sim.people
    crossed = p.state[: p.n] == CROSSED
    assert (p.nationality[: p.n][crossed] == 0).all()  # only X is eligible


def test_returns_agreement_returns_people_who_come_back_or_leave():
    d = tiny(end=D(2020, 12, 31))
    d["people"] = {"asc_lorry_alone": 5.0, "asc_leave": -50.0}
    d["outflow"] = {"returned_back_days": 10, "returned_back_share": 1.0}
    d["policies"] = [{"type": "returns_agreement", "start": D(2020, 3, 1), "returns_per_week": 7}]
    sim = Sim(scenario(d))
    res = sim.run()
    ret = res.daily.returned_agreement
    assert ret.loc[:"2020-02-29"].sum() == 0
    assert 0 < ret.sum() <= (D(2020, 12, 31) - D(2020, 3, 1)).days + 7
    # everyone returned more than 10 days before the end is back in the corridor (share 1.0)
    still_returned = (sim.people.state[: sim.people.n] == 6).sum()
    assert still_returned <= ret.loc["2020-12-21":].sum()
    assert (sim.people.state[: sim.people.n] == LEFT).sum() == 0


def test_closing_shelter_places_ends_stays_beyond_the_new_capacity():
    """A shelter cut from 2,000 places to 50 holds at most 50 people from that day on; the others
    go back to the border or leave, as at the end of any stay."""
    d = quiet(end=D(2020, 2, 29))
    d["inflow"]["knots"] = [[D(2020, 1, 1), 0.0]]
    d["sites"][0]["initial_population"] = 1000
    d["sites"][4]["capacity"] = 2000
    d["shelters"] = {"stay_days_mean": 60}
    d["policies"] = [
        {"type": "camp_clearance", "site": "A", "date": D(2020, 1, 3), "buses": 40, "seats_per_bus": 20, "acceptance": 1.0},
        {"type": "shelter_capacity", "site": "Shelter", "start": D(2020, 1, 20), "capacity": 50},
    ]
    res = Sim(scenario(d)).run()
    assert res.sites.loc["2020-01-19", "Shelter"] > 500
    assert (res.sites.loc["2020-01-20":, "Shelter"] <= 50).all()
    assert res.daily.loc["2020-01-20", "shelter_returns"] + res.daily.loc["2020-01-20", "left_corridor"] > 400
