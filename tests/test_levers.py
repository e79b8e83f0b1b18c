"""Every lever does something: each numeric or switch parameter of the scenario schema, changed on
its own in a small world where its mechanism applies, changes some output.

The world is the template border with every mechanism switched on (all five spending channels,
evictions, a clearance, incidents that can trigger clearances, a returns agreement, a legal route,
launch crushes, escrow, safe houses, seasonality). A parameter that cannot change any output in such
a world is listed in ``NOT_LIVE`` with the reason, and the reason is written in docs/reference.md's
preamble, so nothing is read nowhere without saying so.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel

import crossings
from crossings.scenario.loader import load_dict
from crossings.scenario.schema import Scenario

_BASE, _ = load_dict("crossings/scenario/template/scenario.toml")
D = dt.date

# parameters that change no output in a world of this kind, and why (also in docs/reference.md)
NOT_LIVE: dict[str, str] = {}


def _much_money_for_the_sea(d: dict) -> None:
    """A world where money for the sea is large and boats are not intercepted at sea, so the rescue
    response it buys is reached by many boats in distress."""
    for s in d["enforcement"]["spending"]:
        if s["channel"] == "sea":
            s["eur_million"] *= 20
    d["policies"] = [pol for pol in d["policies"] if pol.get("type") != "sea_interception"]
    d["sea"].update(distress_probability=0.3, rescue_share=0.2, perceived_death_risk_prior=0.001)


def _detention_and_pull_backs(d: dict) -> None:
    """A detention site behind the first camp and a third country's coastguard that intercepts boats
    from March and lands most people it stops there (sea_actor), so detention parameters apply."""
    d["sites"].append({"name": "Detention", "kind": "detention", "lat": 50.5, "lon": 2.0, "capacity": 200})
    d["routes"].append({"a": "Detention", "b": "North camp", "days": 1})
    d["policies"].append({"type": "sea_actor", "name": "Coastguard", "start": D(2020, 3, 1), "interception": 0.5,
                          "landed_detention": 0.9, "detention_site": "Detention"})


def _rescue_capacity_binds(d: dict) -> None:
    """The world of :func:`_much_money_for_the_sea` with so few rescuers that their capacity binds."""
    _much_money_for_the_sea(d)
    d["sea"]["rescue_capacity_people_per_day"] = 1.0


def _crowded_launches(d: dict) -> None:
    """A world with heavy beach policing and small boats that fill to their largest load, where
    crushes at launch happen."""
    d["sea"]["max_load"] = 12.0
    for s in d["enforcement"]["spending"]:
        if s["channel"] == "beach":
            s["eur_million"] *= 10


def _crowded_launches_partly_policed(d: dict) -> None:
    """Small boats that fill to their largest load on a partly policed coast (the common world's
    beach spending), where the crush chance's convexity in beach effectiveness matters (on a fully
    policed coast E_beach ** (1 + c) is ~1 whatever c)."""
    d["sea"]["max_load"] = 12.0


def _scarce_guaranteed_places(d: dict) -> None:
    """A world where the guaranteed lorry places are few enough to sell out (the default is no limit)."""
    d.setdefault("market", {})["guaranteed_places_per_day"] = 5.0


def _scarce_places_little_port_money(d: dict) -> None:
    """:func:`_scarce_guaranteed_places` with a twentieth of the port money, so port enforcement stays
    below the level at which gangs stop recruiting complicit drivers (E_port < 0.6)."""
    _scarce_guaranteed_places(d)
    for s in d["enforcement"]["spending"]:
        if s["channel"] == "port":
            s["eur_million"] *= 0.05


def _scarce_places_recruiting(d: dict) -> None:
    """:func:`_scarce_places_little_port_money` with gangs recruiting complicit drivers, so the level
    of port enforcement at which recruiting stops applies."""
    _scarce_places_little_port_money(d)
    d["market"]["guaranteed_recruitment_days"] = 30.0


def _gangs_short_of_capital(d: dict) -> None:
    """A world where people borrow much of their fare and gangs start with little capital, so the
    debts repaid on arrival decide what gangs can buy and whether they last."""
    d["market"]["initial_capital_eur"] = 3000.0
    for n in d["nationalities"]:
        n["funds_median_eur"] *= 0.3


def _two_coasts(d: dict) -> None:
    """A second stretch of coast, so gangs can hold different territories, and people who care less
    about price on a safer sea, so that boat prices are set by markups rather than by what people
    will pay."""
    d["sites"].append({"name": "South coast", "kind": "coast", "lat": 50.6, "lon": 1.6})
    d["routes"].append({"a": "South camp", "b": "South coast", "days": 0})
    d["people"]["beta_cost_per_1000_eur"] = 0.1
    d["sea"].update(distress_probability=0.001, perceived_death_risk_prior=0.001)


def _tolerant_on_average(d: dict) -> None:
    """A mean risk tolerance of 2, so that a floor of 1 (the value tried from 0) is below the mean."""
    d["people"]["risk_tolerance_mean"] = 2.0


def _untried_crossings(d: dict) -> None:
    """Boats that capsize while the crossing is untried (the learning's scale and the deaths in a
    capsize act only on capsized boats)."""
    d["sea"]["capsize_inexperienced"] = 0.3


def _boats_of_ones_own(d: dict) -> None:
    """People who go out in boats of their own: gangs open boat lines only when they expect them to
    pay (so some coasts stay free of gangs for a while), and the option is on."""
    d["market"]["boat_lines_from_start"] = False
    d["sea"]["alone_asc"] = 3.0


def _boats_from_the_supply_side(d: dict) -> None:
    """Boat lines opened by the supply side (not from the first day), where new groups may enter to
    sell boat places; people believe boats safe and entry is cheap, so a boat line pays for a group's
    entry."""
    d["market"]["boat_lines_from_start"] = False
    d["market"]["entry_cost_eur"] = 5_000.0
    d["sea"]["perceived_death_risk_prior"] = 0.005


def _two_boat_types(d: dict) -> None:
    """A cheap local boat whose supply enforcement disrupts and a larger imported one, both on sale
    (with the choice off, the mix is half and half)."""
    d["boat_types"] = [
        {"name": "local", "rated_capacity": 6.0, "kit_cost_eur": 1000.0, "supply_disruption": 12.0,
         "share": [[D(2020, 1, 1), 1.0]]},
        {"name": "imported", "rated_capacity": 20.0, "kit_cost_eur": 8000.0, "share": [[D(2020, 1, 1), 1.0]]},
    ]


def _boats_of_ones_own_on_gang_coasts(d: dict) -> None:
    """Boats of one's own where gangs run boats on every coast from the first day: whether people
    may still launch there is the whole difference."""
    d["sea"]["alone_asc"] = 3.0


# parameters whose mechanism needs more of the world than the common one gives it
WORLD_FOR = {"sea.rescue_reach_sea_effect": _much_money_for_the_sea,
             "sea.rescue_capacity_sea_effect": _rescue_capacity_binds,
             "market.guaranteed_places_per_day": _scarce_guaranteed_places,
             "market.guaranteed_places_enforcement_effect": _scarce_guaranteed_places,
             "market.guaranteed_recruitment_days": _scarce_places_little_port_money,
             "market.guaranteed_recruitment_enforcement": _scarce_places_recruiting,
             "market.guaranteed_recruitment_disruption": _scarce_places_recruiting,
             "market.credit_repaid_share": _gangs_short_of_capital,
             "market.coast_territories": _two_coasts,
             "people.risk_tolerance_min": _tolerant_on_average,
             "sea.launch_crush_max": _crowded_launches,
             "sea.launch_crush_load_exponent": _crowded_launches,
             "sea.launch_crush_beach_convexity": _crowded_launches_partly_policed,
             "sea.capsize_experience_boats": _untried_crossings,
             "sea.capsize_death_share": _untried_crossings}
WORLD_FOR.update({f"sea.{k}": _boats_of_ones_own
                  for k in ("alone_asc", "alone_cost_eur", "alone_load", "alone_distress_multiplier")})
WORLD_FOR["sea.alone_on_gang_coasts"] = _boats_of_ones_own_on_gang_coasts
WORLD_FOR["market.boat_entrants"] = _boats_from_the_supply_side
WORLD_FOR["sea.boat_type_choice"] = _two_boat_types
WORLD_FOR.update({f"detention.{k}": _detention_and_pull_backs
                  for k in ("stay_days_mean", "deported_share", "funds_loss_share", "cost_per_place_day_eur")})


def lever_world() -> dict:
    d = copy.deepcopy(_BASE)
    d["start"], d["end"] = D(2020, 1, 1), D(2021, 3, 31)
    d["inflow"]["knots"] = [[D(2020, 1, 1), 30.0]]
    d["inflow"]["seasonal_amplitude"] = 0.3
    # spending rises mid-year, so responses to changes in enforcement (deterrence) are live
    d["enforcement"]["spending"] = [
        {"channel": ch, "start": start, "end": end, "eur_million": v * k}
        for ch, v in (("port", 20.0), ("beach", 30.0), ("sea", 10.0), ("intelligence", 10.0), ("camps", 5.0))
        for start, end, k in ((D(2020, 1, 1), D(2020, 12, 31), 1.0), (D(2021, 1, 1), D(2021, 3, 31), 3.0))
    ]
    d["policies"] = list(d.get("policies", [])) + [
        {"type": "returns_agreement", "start": D(2020, 3, 1), "end": D(2020, 12, 31), "returns_per_week": 10.0},
        {"type": "legal_route", "start": D(2020, 2, 1), "end": D(2020, 12, 31), "quota_per_week": 10.0,
         "nationalities": ["A"]},
        {"type": "sea_interception", "start": D(2020, 1, 1), "end": D(2020, 12, 31), "effectiveness": 0.2},
    ]
    d["camps"] = {"clearance_hazard_per_incident": 0.2, "incident_rate_per_1000_per_day": 0.2}
    d["clearances"] = {"triggered_buses": 5}
    d["sea"] = {"launch_crush_max": 1.0, "launch_crush_load_exponent": 0.5, "launch_crush_death_share": 0.3, "safe_house_share": 0.5, "distress_probability": 0.1, "rescue_share": 0.7,
                "rescue_capacity_people_per_day": 20.0, "marginal_weather_share": 0.3, "max_load": 30.0}
    d["market"] = {"escrow_share": 0.5, "dismantle_rate_per_year": 3.0, "dismantle_rate_intelligence_per_year": 3.0}
    d["people"] = {"income_eur_per_day": 3.0}
    return d


def _leaves():
    """(section, name, default) for every numeric, boolean or optional-number parameter."""
    out = []
    for section, f in Scenario.model_fields.items():
        sub = f.annotation
        if not (isinstance(sub, type) and issubclass(sub, BaseModel)):
            continue
        for name, sf in sub.model_fields.items():
            out.append((section, name, sf.default))
    return out


def _perturbed(section: str, name: str, value, base: dict):
    """Different, valid values to try (up, then down): 0 -> 0.3 (or 1), numbers x1.5 and x0.5
    (probabilities kept inside [0, 1]), integers + 1 and x2 (months move by one), booleans flipped,
    None -> a value; None when not a scalar lever."""
    cur = base.get(section, {}).get(name, value)
    if isinstance(cur, bool):
        return [not cur]
    if cur is None:
        return [0.3]
    if isinstance(cur, int):
        if name.endswith("month"):
            return [cur % 12 + 1]
        return [cur + 1, cur * 2] if cur > 0 else [1]
    if isinstance(cur, float):
        desc = Scenario.model_fields[section].annotation.model_fields[name].description or ""
        is_share = any(w in desc.lower() for w in ("share", "chance", "probability", "quantile")) and cur <= 1
        if cur == 0:
            return [0.3 if is_share else 1.0]
        if is_share:
            return [min(cur * 1.5, 0.99), cur * 0.5]
        return [cur * 1.5, cur * 0.5]
    return None


def _outputs(d: dict):
    res = crossings.Sim(Scenario.model_validate(d), seed=1).run()
    return res.daily.to_numpy(), res.sites.to_numpy()


_BASE_OUT = None


def _base_out():
    global _BASE_OUT
    if _BASE_OUT is None:
        _BASE_OUT = _outputs(lever_world())
    return _BASE_OUT


LEVERS = [(s, n) for s, n, v in _leaves() if _perturbed(s, n, v, lever_world()) is not None]


@pytest.mark.parametrize("section,name", LEVERS, ids=[f"{s}.{n}" for s, n in LEVERS])
def test_every_lever_changes_some_output(section, name):
    if f"{section}.{name}" in NOT_LIVE:
        pytest.skip(NOT_LIVE[f"{section}.{name}"])
    default = Scenario.model_fields[section].annotation.model_fields[name].default
    tweak = WORLD_FOR.get(f"{section}.{name}")
    if tweak is None:
        base_daily, base_sites = _base_out()
    else:
        d0 = lever_world()
        tweak(d0)
        base_daily, base_sites = _outputs(d0)
    tried = []
    world = lever_world()
    if tweak is not None:
        tweak(world)
    for value in _perturbed(section, name, default, world):
        d = lever_world()
        if tweak is not None:
            tweak(d)
        d.setdefault(section, {})[name] = value
        daily, sites = _outputs(d)
        if not (np.array_equal(daily, base_daily, equal_nan=True) and np.array_equal(sites, base_sites, equal_nan=True)):
            return
        tried.append(value)
    raise AssertionError(f"{section}.{name}: none of {tried} changed any output")


def test_parameters_without_effect_are_documented():
    text = Path("docs/reference.md").read_text()
    for key in NOT_LIVE:
        assert key in text, f"{key} is listed as having no effect but docs/reference.md does not say why"
