"""The market's day in five compiled calls (:meth:`Market.step <crossings.processes.market.process.Market.step>`).

The day was a dozen small kernels with Python and NumPy around each (about 150 µs a simulated day
in the Channel, nearly all of it call overhead on a few dozen gangs). It is now:

1. :func:`morning_kernel`: recruiting drivers, the guaranteed places, the bookkeeping, each gang's
   relative volume, and the arguments of the day's NumPy ``**`` and ``exp``;
2. (NumPy) the dismantling hazards' power and the exponentials of the dismantling chances and of
   the evasion investment, in one ``exp`` call;
3. :func:`midday_kernel`: dismantling and exit draws, and the entry draw when no gang left;
4. (Python, rare) closing and opening gangs, as before;
5. :func:`evening_kernel` (after ``Market._open_boat_lines``): the boat customers' waiting lists, evasion and boats,
   today's price parameters; then :func:`~crossings.processes.market.pricing.price_kernel` (a call of
   its own: inlined, its code was compiled twice on a first run) and :func:`record_kernel`, which
   writes the day's market records into the recorder's row.

Every step computes what the stage-by-stage methods of ``Market`` computed, in the same order and
with the same floating-point operations (Python's ``min``/``max`` of two floats as
:func:`py_min`/:func:`py_max`, NumPy's means as :func:`~crossings.processes.numpy_order.np_mean`);
the transcendental functions stay NumPy's. The gangs' float fields are the rows of ``Gangs.F``.
"""

from __future__ import annotations

import numpy as np

from crossings.engine.jit import njit
from crossings.engine.rng import uniform
from crossings.processes.decisions import BOAT, LORRY_PAID
from crossings.processes.market.common import DAYS_PER_YEAR, E_BEACH, E_INTEL, E_PORT, E_SEA, K_ENTRY
from crossings.processes.market.entry_exit import dismantle_exit_kernel, entry_cost
from crossings.processes.market.gangs import (
    Gangs, boat_coast_kernel, book_kernel, guaranteed_kernel, relative_volume,
)
from crossings.processes.market.pricing import (
    PAR_ALONE, PAR_CROWDING, PAR_DEATH_BOAT, PAR_DRIVER, PAR_E_BEACH, PAR_E_INTEL, PAR_E_PORT, PAR_KIT, PAR_OUTSIDE,
    PAR_P_SEA, PAR_PREMIUM, PAR_REACH_ALONE, PAR_TRAFFIC, offer_means,
)
from crossings.processes.market.supply import adapt_kernel
from crossings.processes.sea import boat_customers

_F = Gangs.FIELD_INDEX
(CAPITAL, BOATS, EVASION, VOLUME, PROFIT, PRICE_BOAT, PRICE_LORRY, COST_BOAT, COST_LORRY, MARKUP_BOAT, MARKUP_LORRY,
 LOAD, SUCCESS_BOAT, SUCCESS_LORRY, STOCK_SEIZURE, BEACH_INTERCEPTION, REVENUE_LAST, CASH_TODAY, COSTS_TODAY,
 REVENUE_TODAY, ATTEMPTS_TODAY, PRICE_ACCESS, COST_ACCESS, MARKUP_ACCESS, SUCCESS_ACCESS, REACH_ACCESS,
 GUARANTEED_SOLD, GUARANTEED_BALANCE, SCARCITY) = (_F[f] for f in (
    "capital", "boats", "evasion", "volume", "profit", "price_boat", "price_lorry", "cost_boat", "cost_lorry",
    "markup_boat", "markup_lorry", "load", "success_boat", "success_lorry", "stock_seizure", "beach_interception",
    "revenue_last", "cash_today", "costs_today", "revenue_today", "attempts_today", "price_access", "cost_access",
    "markup_access", "success_access", "reach_access", "guaranteed_sold", "guaranteed_balance", "scarcity"))

# the run's constants of the market's day (rebuilt when a dated parameter path changes the scenario)
(C_VOLUME_A, C_ADJUST_A, C_RECRUIT_DAYS, C_RECRUIT_E0, C_RECRUIT_DISRUPTION, C_GP_PER_DAY, C_GP_ENFORCEMENT,
 C_CARRY_DAYS, C_FIXED_COST, C_DIS_BASE, C_DIS_INTEL, C_EXIT_PATIENCE, C_ENTRY_HORIZON, C_ENTRY_COST,
 C_ENTRY_SLOPE, C_ENTRY_RATE, C_INVEST_SHARE, C_EVASION_COST, C_KIT, C_KIT_SEIZURE, C_SUPPLY, C_SUPPLY_DISRUPTION,
 C_EVASION_MAX, C_EVASION_DECAY, C_RESTOCK_DAYS, C_SCALE, C_RISK_PREMIUM, C_DRIVER, C_DRIVER_ENFORCEMENT,
 C_ASC_ALONE, C_BETA_S, C_BETA_RISK, C_DEATH_LORRY, C_RISK_T, C_HAS_PORTS, C_PORTS_LISTED, N_C) = range(37)
# scalars of the market kept between days (Market.recruited, Market.gross_margin)
S_RECRUITED, S_GROSS_MARGIN = 0, 1
# the market's metrics written by the evening kernel (indices into the recorder's row)
(R_GANGS_ACTIVE, R_WEATHER, R_HHI, R_PRICE_BOAT, R_PRICE_LORRY, R_MARKUP, R_BOAT_LINES) = range(7)


@njit(cache=True, inline="always")
def py_min(a, b):
    """Python's ``min(a, b)`` of two floats (``a`` unless ``b < a``)."""
    return b if b < a else a


@njit(cache=True, inline="always")
def py_max(a, b):
    """Python's ``max(a, b)`` of two floats (``a`` unless ``b > a``)."""
    return b if b > a else a


@njit(cache=True, inline="always")
def _count(active):
    n = 0
    for j in range(active.shape[0]):
        if active[j]:
            n += 1
    return n


@njit(cache=True, inline="always")
def _guaranteed_share(c, s, active, day, eff, lorry_traffic):
    """``Market.guaranteed_share``: today's guaranteed places per active gang."""
    n = max(_count(active), 1)
    d = max(day, 0)
    traffic = py_min(lorry_traffic[d], 1.5)
    deterred = c[C_GP_ENFORCEMENT] * eff[E_PORT, d]
    return c[C_GP_PER_DAY] * traffic * (1.0 - deterred) * s[S_RECRUITED] / n


@njit(cache=True)
def morning_kernel(F, active, day, eff, lorry_traffic, dismantle_multiplier, demand, c, s, x, act_out):
    """Recruiting drivers (``Market.recruit_drivers``), the guaranteed places and the bookkeeping
    (``Market._book``), then the arguments of the day's NumPy calls: ``x[:n]`` the active gangs'
    relative volumes floored at 0 (to be raised to the size exponent), ``x[n:n + n_gangs]`` minus
    each gang's evasion investment over its cost (``Market._adapt``'s exponent); the active gangs
    into ``act_out[:n]``. Returns ``n`` and the hazard factor before the size term
    (``_dismantle_and_exit``)."""
    if c[C_RECRUIT_DAYS] == c[C_RECRUIT_DAYS]:  # market.guaranteed_recruitment_days set (NaN: None)
        e = eff[E_PORT, max(day, 0)]
        rise = e - eff[E_PORT, day - 1] if day > 0 else 0.0
        places = _guaranteed_share(c, s, active, day, eff, lorry_traffic) * max(_count(active), 1)
        want = demand[LORRY_PAID]
        sold_out = (1.0 if want <= places else places / want) < 1.0
        rate = (1.0 - e / c[C_RECRUIT_E0]) / c[C_RECRUIT_DAYS] - c[C_RECRUIT_DISRUPTION] * py_max(rise, 0.0)
        if rate < 0.0:
            s[S_RECRUITED] = py_max(1.0, s[S_RECRUITED] * (1.0 + rate))
        elif sold_out:
            s[S_RECRUITED] = s[S_RECRUITED] * (1.0 + rate)
    guaranteed_kernel(active, F[SCARCITY], F[GUARANTEED_SOLD], F[GUARANTEED_BALANCE], c[C_ADJUST_A],
                      _guaranteed_share(c, s, active, day, eff, lorry_traffic), c[C_CARRY_DAYS])
    a = c[C_VOLUME_A]
    n_act, cash_less_costs = book_kernel(active, F[CAPITAL], F[VOLUME], F[PROFIT], F[CASH_TODAY], F[COSTS_TODAY],
                                         F[REVENUE_TODAY], F[REVENUE_LAST], F[ATTEMPTS_TODAY], a)
    if n_act:
        margin = cash_less_costs + c[C_FIXED_COST] * n_act
        s[S_GROSS_MARGIN] += a * (margin - s[S_GROSS_MARGIN])
    act, rel = relative_volume(active, F[VOLUME])
    n = act.shape[0]
    for r in range(n):
        act_out[r] = act[r]
        v = rel[r]
        x[r] = v if v >= 0.0 or v != v else 0.0  # np.maximum(rel, 0.0)
    rl = F[REVENUE_LAST]
    for j in range(rl.shape[0]):
        x[n + j] = -(c[C_INVEST_SHARE] * rl[j]) / c[C_EVASION_COST]
    factor = (c[C_DIS_BASE] + c[C_DIS_INTEL] * eff[E_INTEL, day]) * dismantle_multiplier[day] / DAYS_PER_YEAR
    return n, factor


@njit(cache=True)
def midday_kernel(F, active, act_buf, n, x, key, entered_day, day, eff, c, s, out):
    """Dismantling and exit draws among the active gangs ``act_buf[:n]`` (``Market._dismantle_and_exit``;
    ``x[:n]`` holds ``exp(-hazard)``), and, when no gang is dismantled or leaves, the entry draw
    (``Market._entry``). Writes the dismantled gangs, then those leaving, into ``out``; returns
    (their two numbers, whether a gang enters)."""
    act = act_buf[:n]
    p_dis = np.empty(n, np.float64)
    for r in range(n):
        p_dis[r] = 1.0 - x[r]
    patience = c[C_EXIT_PATIENCE]
    dis, ex = dismantle_exit_kernel(act, p_dis, key, F[CAPITAL], F[PROFIT], entered_day, day, 1.0 / patience, patience)
    enter = False
    if dis.shape[0] == 0 and ex.shape[0] == 0:
        n_act = n
        gross = s[S_GROSS_MARGIN]
        if n_act != active.shape[0] and not gross <= 0:  # as `if n_act == n or gross <= 0: return`
            expected = c[C_ENTRY_HORIZON] * (gross / (n_act + 1) - c[C_FIXED_COST])
            cost = entry_cost(c[C_ENTRY_COST], c[C_ENTRY_SLOPE],
                              (eff[E_PORT, day] + eff[E_BEACH, day] + eff[E_INTEL, day]) / 3.0)
            ratio = expected / cost if cost > 0 else np.inf
            p = c[C_ENTRY_RATE] * py_min(py_max(ratio - 1.0, 0.0), 1.0)
            enter = p > 0 and uniform(key, active.shape[0], K_ENTRY) < p
    # loops, not slice assignments: those compile NumPy's shape-mismatch message (strings), ~1.5 s on a
    # first run on an empty cache
    for r in range(dis.shape[0]):
        out[r] = dis[r]
    for r in range(ex.shape[0]):
        out[dis.shape[0] + r] = ex[r]
    return dis.shape[0], ex.shape[0], enter


@njit(cache=True)
def evening_kernel(F, active, home_coast, boat_line, keep, customers, state, gang, paid_left, contract_mode,
                   crossed_day, day, c, par, eff, lorry_traffic, sea_interception, seized_share, crowding,
                   death_boat, alone, reach_alone, price_only, kit_now, coast):
    """After the day's new boat lines (``Market._open_boat_lines``, in Python: compiled in here, it
    made this kernel take 2.7 s longer to compile on a first run), each gang's coast if it sells
    boat places (into ``coast``), the boat customers' waiting lists, evasion and boats (``Market._adapt``; ``keep``
    from NumPy's ``exp``) and today's entries of the price parameters ``par`` (``Market.price``).
    Returns (the boat customers still listed, the kit cost, the number of active gangs). With
    ``price_only``, only the price parameters, at kit cost ``kit_now`` (the market's first pricing).
    :func:`price_kernel` is called next, on its own: inlined here, the compiler optimised its code
    a second time, which made a first run on an empty cache slower."""
    n_g = active.shape[0]
    if price_only:
        kit_cost = kit_now
    else:
        new_coast = boat_coast_kernel(boat_line, home_coast)
        for j in range(n_g):  # a loop, not `coast[:] = ...` (see midday_kernel)
            coast[j] = new_coast[j]
        kit_cost = c[C_KIT] * (1.0 + c[C_KIT_SEIZURE] * seized_share)
        supply = c[C_SUPPLY] * (1.0 - c[C_SUPPLY_DISRUPTION] * eff[E_INTEL, day])
        # np.int64(BOAT): the constant would be typed as a literal, a second copy of boat_customers
        # beside the one the market's Python code calls (0.3 s of a first run)
        _, waiting, customers = boat_customers(customers, state, gang, paid_left, contract_mode, crossed_day, day,
                                               np.int64(BOAT), n_g)
        for j in range(n_g):
            waiting[j] = waiting[j] * c[C_SCALE]
        adapt_kernel(active, coast, F[EVASION], keep, F[REVENUE_LAST], F[COSTS_TODAY], F[VOLUME], F[LOAD],
                     F[CAPITAL], F[BOATS], c[C_INVEST_SHARE], c[C_FIXED_COST], c[C_EVASION_MAX], c[C_EVASION_DECAY],
                     c[C_RESTOCK_DAYS], supply, kit_cost, waiting)
    n = _count(active)
    if n:
        e_port = eff[E_PORT, day]
        v_alone = c[C_ASC_ALONE] + c[C_BETA_S] * alone - c[C_BETA_RISK] * c[C_DEATH_LORRY] / c[C_RISK_T]
        par[PAR_PREMIUM] = c[C_RISK_PREMIUM] * eff[E_INTEL, day]
        par[PAR_TRAFFIC] = py_min(lorry_traffic[day], 1.5)
        par[PAR_E_PORT] = e_port
        par[PAR_DRIVER] = c[C_DRIVER] * (1.0 + c[C_DRIVER_ENFORCEMENT] * e_port)
        par[PAR_E_BEACH] = eff[E_BEACH, day]
        par[PAR_E_INTEL] = eff[E_INTEL, day]
        par[PAR_CROWDING] = crowding
        par[PAR_P_SEA] = sea_interception[day] * eff[E_SEA, day]
        par[PAR_KIT] = kit_cost
        par[PAR_DEATH_BOAT] = death_boat
        par[PAR_ALONE] = alone
        par[PAR_OUTSIDE] = py_max(v_alone, 0.0) if c[C_HAS_PORTS] > 0.0 else 0.0
        par[PAR_REACH_ALONE] = reach_alone
    return customers, kit_cost, n


@njit(cache=True)
def record_kernel(F, active, coast, c, h, weather, day, row, cols):
    """The market's records (``Market._record``) into the recorder's ``row`` at ``cols``, after
    pricing (``h``: the Herfindahl index). Returns (whether any gang offers boat or lorry places,
    the mean price and cost of the mode remembered)."""
    n = _count(active)
    row[cols[R_GANGS_ACTIVE]] = n
    row[cols[R_WEATHER]] = weather[day]
    remembered = 0
    mean_price = 0.0
    mean_cost = 0.0
    if n:
        row[cols[R_HHI]] = h
        n_boat, n_lorry, price_boat, price_lorry, mean_markup, cost_boat, cost_lorry = offer_means(
            active, coast, c[C_PORTS_LISTED] > 0.0, F[PRICE_BOAT], F[PRICE_LORRY], F[MARKUP_BOAT], F[MARKUP_LORRY],
            F[COST_BOAT], F[COST_LORRY],
        )
        if n_boat:
            row[cols[R_PRICE_BOAT]] = price_boat
        if n_lorry:
            row[cols[R_PRICE_LORRY]] = price_lorry
        if n_boat or n_lorry:
            row[cols[R_MARKUP]] = mean_markup
        if n_boat:
            remembered, mean_price, mean_cost = 1, price_boat, cost_boat
        elif n_lorry:
            remembered, mean_price, mean_cost = 1, price_lorry, cost_lorry
    return remembered, mean_price, mean_cost
