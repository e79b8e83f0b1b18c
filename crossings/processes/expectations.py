"""An inflow that answers expectations: people stop coming when crossing looks hopeless or dear.

The inflow of a day is multiplied by ``((S + 0.05) / (S0 + 0.05)) ** inflow.success_elasticity x
(P / P0) ** inflow.price_elasticity``, with ``S`` the expected success of crossing (the best
crossing option's success belief, averaged over camps) and ``P`` the cheapest mean posted price
of a paid crossing (yesterday's), each relative to its first value (the 0.05 keeps the ratio
finite when success collapses; assumption). Both elasticities are 0 by default: the response is
off and the inflow is exactly the scenario's.
"""

from __future__ import annotations

import numpy as np

from crossings.processes.decisions import BOAT, LORRY_ACCESS, LORRY_ALONE, LORRY_PAID

SUCCESS_FLOOR = 0.05  # assumption: keeps the success ratio finite


def expected_success_now(sim) -> float:
    """The best crossing option's success belief, averaged over camps."""
    options = []
    if sim.has_ports:
        options += [LORRY_ALONE] + ([LORRY_PAID, LORRY_ACCESS] if sim.market_on else [])
    if getattr(sim, "has_coasts", False) and sim.market_on:
        options.append(BOAT)
    if not options or sim.camp_sites.size == 0:
        return 0.0
    return float(sim.belief[options][:, sim.camp_sites].max(axis=0).mean())


def cheapest_price(sim, day: int) -> float:
    """Yesterday's cheapest mean posted price of a paid crossing that exists here (0: none)."""
    if day == 0 or not sim.market_on:
        return 0.0
    prices = []
    if getattr(sim, "has_coasts", False):
        prices.append(sim.rec.get("price_boat_eur", day - 1))
    if sim.has_ports:
        prices.append(sim.rec.get("price_lorry_eur", day - 1))
    prices = [x for x in prices if x > 0]
    return min(prices) if prices else 0.0


def inflow_response(sim, day: int) -> float:
    """Today's multiplier of the inflow (1 when both elasticities are 0)."""
    inf = sim.scenario.inflow
    if inf.success_elasticity == 0 and inf.price_elasticity == 0:
        return 1.0
    ref = sim.__dict__.setdefault("_expectation_ref", {})
    out = 1.0
    if inf.success_elasticity:
        s = expected_success_now(sim)
        s0 = ref.setdefault("success", s)
        out *= ((s + SUCCESS_FLOOR) / (s0 + SUCCESS_FLOOR)) ** inf.success_elasticity
    if inf.price_elasticity:
        price = cheapest_price(sim, day)
        if price > 0:
            p0 = ref.setdefault("price", price)
            out *= (price / p0) ** inf.price_elasticity
    return float(np.clip(out, 0.0, 1e3))
