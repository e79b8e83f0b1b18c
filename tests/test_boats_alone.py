"""Boats of one's own (``sea.alone_asc``, crossings/processes/boats_alone.py): the boat plan, the
utility, the launch coasts, and the mechanism's direction on small worlds and on the Channel.

Each mechanism test states the direction expected and why; comparisons use common random numbers.
"""

from __future__ import annotations

import datetime as dt

import crossings
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossings.engine.timeline import COAST, compile_world
from crossings.processes.boats_alone import alone_boats_kernel, alone_utility_kernel, launch_coasts
from crossings.processes.decisions import BOAT
from crossings.scenario.loader import load_scenario
from test_market_mechanisms import SEEDS, world


# -- the boat plan ---------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(sizes=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 7)), min_size=1, max_size=40),
       cap=st.integers(1, 8))
def test_boats_keep_households_together_and_respect_the_load(sizes, cap):
    """Everyone gets a boat at their own coast; boats are numbered 0, 1, ... per coast; a household
    is never split; a boat holds at most ``cap`` people unless it carries one household alone."""
    gg_l, hh_l = [], []
    for h, (coast, size) in enumerate(sorted(sizes)):  # sorted by coast, households in order
        gg_l += [coast] * size
        hh_l += [h] * size
    gg = np.array(gg_l, np.int64)
    hh = np.array(hh_l, np.int64)
    number, n_boats = alone_boats_kernel(hh, gg, 3, cap)
    for c in range(3):
        at = number[gg == c]
        assert n_boats[c] == (np.unique(at).size if at.size else 0)
        if at.size:
            assert set(np.unique(at)) == set(range(n_boats[c]))
    for h in np.unique(hh):
        assert np.unique(number[hh == h]).size == 1
    for c in range(3):
        for b in range(n_boats[c]):
            on = (gg == c) & (number == b)
            if on.sum() > cap:
                assert np.unique(hh[on]).size == 1, (c, b, hh[on])


# -- the utility --------------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(funds=st.floats(0, 5000), cost=st.floats(0, 3000), belief=st.floats(0, 1), risk=st.floats(0, 0.2),
       tol=st.floats(0.05, 5), paid=st.integers(0, 2), open_=st.booleans())
def test_the_utility_is_unavailable_exactly_when_it_should_be_and_moves_the_right_way(funds, cost, belief, risk,
                                                                                      tol, paid, open_):
    """-inf exactly when the person cannot pay, holds a paid place, or their coast is held by a gang;
    otherwise higher with a higher belief in boats and lower with a higher perceived risk (people
    prefer ways that work and fear dying)."""
    def v(b, r):
        return alone_utility_kernel(
            np.zeros(1, np.int64), np.zeros(1, np.int16), np.array([funds], np.float32), np.zeros(1, np.bool_),
            np.array([tol], np.float32), np.array([0 if paid else -1], np.int16), np.array([paid], np.int16),
            np.array([b]), np.zeros(1, np.int64), np.array([open_]), cost, 1.0, 12.0, 1.0, 400.0, r, 0.6, 0.3,
        )[0]
    base = v(belief, risk)
    blocked = float(np.float32(funds)) < cost or paid > 0 or not open_  # funds are float32, compared in float64
    assert (base == -np.inf) == blocked
    if not blocked:
        assert v(min(belief + 0.1, 1.0), risk) >= base
        assert v(belief, risk + 0.01) < base


# -- where people launch -------------------------------------------------------------------------------
def test_people_launch_from_the_coast_next_to_their_camp():
    """In the Channel, people in the Grande-Synthe camps go out from the Dunkirk-Gravelines coast and
    people in the Calais camps from the Calais-Wimereux coast (geography: each is the stretch of
    beach next to the camp); every site maps to a coast."""
    w = compile_world(load_scenario("channel"))
    coasts, nearest = launch_coasts(w)
    assert (w.site_kind[coasts] == COAST).all()
    names = w.site_names
    assert names[coasts[nearest[names.index("Grande-Synthe camps")]]] == "Dunkirk-Gravelines coast"
    assert names[coasts[nearest[names.index("Calais camps")]]] == "Calais-Wimereux coast"
    assert (nearest >= 0).all()


# -- the mechanism ------------------------------------------------------------------------------------
def _sea_learning(sc, seed):
    sim = crossings.Sim(sc, seed=seed)
    res = sim.run()
    mk = sim.loop["market"]
    return res.daily, float(sim.belief[BOAT, sim.camp_sites].mean()), float(mk.death_risk_boat)


def test_crossings_on_ones_own_teach_the_camps_about_boats():
    """Where no gang sells boats yet (lines not open from the start, a boat seen as deadly), the
    people who go out on their own are the camps' only observations of the sea. Expected: with the
    option, people cross by boat (all on boats of their own), the camps' remembered success of boat
    crossings rises above the 0.1 they started with, and the perceived death risk falls below the
    prior (few of them die); without it nothing is learnt."""
    sea = {"perceived_death_risk_prior": 0.05, "initial_success_belief": 0.1}
    closed = {"boat_lines_from_start": False}
    for s in SEEDS[:3]:
        d0, b0, r0 = _sea_learning(world(port=400.0, market=closed, sea=sea), s)
        d1, b1, r1 = _sea_learning(world(port=400.0, market=closed, sea=dict(sea, alone_asc=3.0)), s)
        assert d0.crossings_boat.sum() == 0 and b0 == pytest.approx(0.1) and r0 == pytest.approx(0.05)
        assert d1.crossings_boat_alone.sum() > 0
        assert d1.crossings_boat.sum() == d1.crossings_boat_alone.sum()
        assert (d1.crossings_paid == d1.crossings_lorry_paid + d1.crossings_lorry_access).all()
        assert b1 > 0.1 and r1 < 0.05, (s, b1, r1)


def test_gangs_hold_their_coasts_against_boats_of_ones_own():
    """With boat lines open on every coast from the first day, people may launch a boat of their own
    only where gangs do not hold the beach (``sea.alone_on_gang_coasts``). Expected: none at all when
    the gangs hold the coasts, some when they let people through."""
    for s in SEEDS[:2]:
        held = crossings.Sim(world(port=400.0, sea={"alone_asc": 3.0}), seed=s).run().daily
        free = crossings.Sim(world(port=400.0, sea={"alone_asc": 3.0, "alone_on_gang_coasts": True}), seed=s).run().daily
        assert held.attempts_boat_alone.sum() == 0
        assert free.attempts_boat_alone.sum() > 0


def _channel_to_2017(**sea):
    sc = load_scenario("channel")
    d = sc.model_dump()
    d["end"] = dt.date(2017, 12, 31)
    d["market"]["boat_lines_from_start"] = False
    d["sea"].update(sea)
    return type(sc).model_validate(d)


def test_in_the_channel_boats_of_ones_own_come_first():
    """The Channel with boat lines opened only when gangs expect them to pay. Expected: without boats
    of one's own nobody crosses by boat by the end of 2017 (nobody has seen a boat cross, so no gang
    expects boat places to sell); with them, people cross by boat from 2015-16 on their own (as the
    2016 dinghies did, THELOCAL-2016), every boat crossing before a gang's first line is one of those,
    and a line, where one opens, opens after the first of them."""
    for s in (1, 2):
        none = crossings.Sim(_channel_to_2017(), seed=s).run().daily
        own = crossings.Sim(_channel_to_2017(alone_asc=2.0), seed=s).run().daily
        assert none.boat_lines_opened.sum() == 0 and none.crossings_boat.sum() == 0
        first_own = np.flatnonzero(own.boats_alone_launched.to_numpy() > 0)
        assert first_own.size and own.index[first_own[0]].year <= 2016, (s, first_own[:3])
        opened = np.flatnonzero(own.boat_lines_opened.to_numpy() > 0)
        before = slice(0, opened[0] if opened.size else len(own))
        assert own.crossings_boat.iloc[before].sum() == own.crossings_boat_alone.iloc[before].sum() > 0
        if opened.size:
            assert opened[0] > first_own[0]
