"""Stage 6: the smuggling market (MODEL §6). Gangs, costs, prices, credit, entry, exit,
dismantling, evasion, boat stock; the paid-option decisions and the paid-lorry crossings.

Gangs are agents held in small arrays (:class:`Gangs`, tens of slots). Each day,
before people decide, the market stage

1. books yesterday's cash flows into each gang's capital, recent volume and profit;
2. dismantles gangs (hazard rising with intelligence effectiveness, crackdowns and
   gang size) and removes gangs with losses; rivals take over their customers;
3. lets one new gang enter when expected profit exceeds an entry cost that rises
   with enforcement;
4. updates evasion skill (investment in "studying the controls", decaying as the
   police adapt) and buys boats up to a stock target, within a supply that
   intelligence work disrupts;
5. computes each gang's cost per customer by mode, its boat load (people per boat
   minimising cost per seat, see :mod:`crossings.processes.sea`), and its prices:
   cost x markup, the markup from the Herfindahl index and a demand elasticity that
   falls as crossing alone gets harder, capped by what crossing alone (or waiting)
   is worth to the customer; posted prices move toward that target gradually.

The module also registers the two paid options of the decisions stage (a lorry
place and a boat place, with price against funds and credit) and the paid-lorry
handler of the crossings stage; boats are handled by :mod:`crossings.processes.sea`.
Every equation is written out in ``docs/ODD.md`` §7.6.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

from crossings.engine.loop import Process
from crossings.engine.rng import uniform
from crossings.engine.state import IN_CAMP, NO_GANG, TRAVELLING
from crossings.engine.timeline import COAST, PORT
from crossings.policies.interventions import CHANNELS
from crossings.processes.crossings import lorry_alone_success
from crossings.processes.decisions import BOAT, LORRY_ALONE, LORRY_PAID, Option
from crossings.processes.sea import beach_interception, optimal_load, seat_cost, stock_seizure

E_PORT, E_BEACH, E_SEA, E_INTEL = (CHANNELS.index(c) for c in ("port", "beach", "sea", "intelligence"))
DAYS_PER_YEAR = 365.25
MODES = (LORRY_PAID, BOAT)
# draw counters on the "market" stream (slot = gang index, or household head for people)
K_DISMANTLE, K_EXIT = 0, 1
K_ENTRY = 2  # slot = max_gangs (the market's own slot)
K_CHOOSE_GANG = 40  # + option code
K_TAKEOVER = 60


@functools.lru_cache(maxsize=64)
def memory_weight(days: float) -> float:
    """Weight of today in an exponential memory with time scale ``days``: 1 - exp(-1 / days)."""
    return 1.0 - np.exp(-1.0 / days)


def enabled(scenario) -> bool:
    """Whether a scenario runs the market (``[market] enabled``)."""
    return bool(scenario.market.enabled)


# -- NumPy-order reductions ------------------------------------------------------------------------
# Compiled loops must reproduce NumPy's results bit for bit. ``a.sum()`` and ``a.mean()`` on float64
# use pairwise summation (eight accumulators up to 128 values, then halving), so a plain running sum
# can differ in the last bit; these replicate NumPy's order exactly (checked against NumPy 2.4 on random
# arrays of every length up to 300 and some up to 5000: no mismatch). Transcendental
# functions (exp, log, power) stay in NumPy: its SIMD versions differ from Numba's in the last bit.
@njit(cache=True)
def _block_sum(a, lo, n):
    """NumPy's sum of at most 128 values: a running sum below 8, else eight accumulators."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pairwise(a):
    """NumPy's pairwise sum: blocks of at most 128 values, larger ranges split in two (the first
    half a multiple of 8) and the halves' sums added. Written with an explicit stack because
    Numba cannot reliably cache recursive functions."""
    if a.shape[0] <= 128:
        return _block_sum(a, 0, a.shape[0])
    lo_s = np.empty(64, np.int64)
    n_s = np.empty(64, np.int64)
    stage = np.empty(64, np.int64)
    vals = np.empty(64)
    top, n_vals = 0, 0
    lo_s[0], n_s[0], stage[0] = 0, a.shape[0], 0
    while top >= 0:
        lo, n = lo_s[top], n_s[top]
        if n <= 128:
            vals[n_vals] = _block_sum(a, lo, n)
            n_vals += 1
            top -= 1
            continue
        n2 = n // 2
        n2 -= n2 % 8
        if stage[top] == 2:  # both halves summed: combine
            n_vals -= 1
            vals[n_vals - 1] = vals[n_vals - 1] + vals[n_vals]
            top -= 1
            continue
        first = stage[top] == 0
        stage[top] += 1
        top += 1
        lo_s[top], n_s[top], stage[top] = (lo, n2, 0) if first else (lo + n2, n - n2, 0)
    return vals[0]


@njit(cache=True)
def np_sum(a):
    """``a.sum()`` of a 1-D float64 array, in NumPy's summation order."""
    return 0.0 + _pairwise(a)


@njit(cache=True)
def np_mean(a):
    """``a.mean()`` of a non-empty 1-D float64 array, in NumPy's summation order."""
    return np_sum(a) / a.shape[0]


# -- pure functions (unit-tested; scalar and compiled so kernels can call them) ---------------
@njit(cache=True)
def expected_attempts(success, attempts_per_fee):
    """Mean attempts a fee covering ``n`` tries pays for: sum_{k<n} (1 - s)^k = (1 - (1-s)^n) / s."""
    s = min(max(success, 0.0), 1.0)
    if s < 1e-9:
        return float(attempts_per_fee)
    return (1.0 - (1.0 - s) ** attempts_per_fee) / s


@njit(cache=True)
def episode_success(success, attempts):
    """Chance that at least one of ``attempts`` independent tries succeeds."""
    s = min(max(success, 0.0), 1.0)
    return 1.0 - (1.0 - s) ** attempts


@njit(cache=True)
def hhi(volume):
    """Herfindahl-Hirschman index (0-1) of volumes; equal shares if all volumes are zero."""
    n = volume.shape[0]
    if n == 0:
        return 1.0
    tot = 0.0
    for v in volume:
        tot += max(v, 0.0)
    if tot <= 0.0:
        return 1.0 / n
    h = 0.0
    for v in volume:
        sh = max(v, 0.0) / tot
        h += sh * sh
    return h


@njit(cache=True)
def demand_elasticity(alone_success, paid_success, base, floor):
    """Elasticity of demand for paid places: ``base`` when crossing alone is as likely to succeed as
    paying, falling linearly to ``floor`` as crossing alone becomes impossible."""
    if paid_success <= 0.0:
        return base
    r = min(max(alone_success / paid_success, 0.0), 1.0)
    return floor + (base - floor) * r


@njit(cache=True)
def markup(hhi_value, elasticity, max_lerner):
    """Price over cost from the Lerner condition (P - c) / P = HHI / elasticity (Cournot)."""
    lerner = min(hhi_value / elasticity, max_lerner)
    return 1.0 / (1.0 - lerner)


@njit(cache=True)
def entry_cost(base_eur, slope, enforcement):
    """Entry cost rising with mean enforcement effectiveness (0-1)."""
    return base_eur * (1.0 + slope * enforcement)


def dismantle_probability(rate_base, rate_intel, e_intel, multiplier, rel_size, exponent):
    """Daily chance a gang is dismantled: hazard (per year) x (size / mean size) ** exponent."""
    h = (rate_base + rate_intel * e_intel) * multiplier / DAYS_PER_YEAR * np.maximum(rel_size, 0.0) ** exponent
    return 1.0 - np.exp(-h)


# -- gang arrays ---------------------------------------------------------------------------------
class Gangs:
    """Arrays with one slot per gang (active or free)."""

    FIELDS = (
        "capital", "boats", "evasion", "volume", "profit", "price_boat", "price_lorry", "cost_boat",
        "cost_lorry", "markup_boat", "markup_lorry", "load", "success_boat", "success_lorry",
        "stock_seizure", "beach_interception", "waiting_days", "revenue_last", "cash_today", "costs_today", "revenue_today",
        "attempts_today",
    )

    def __init__(self, n: int, n_sites: int):
        self.n = n
        self.active = np.zeros(n, bool)
        self.home_coast = np.full(n, -1, np.int64)
        self.territory = np.zeros((n, n_sites), bool)  # departure points the gang uses
        self.entered_day = np.zeros(n, np.int64)
        for f in self.FIELDS:
            setattr(self, f, np.zeros(n))

    def table(self):
        """The active gangs as a pandas table (for inspection)."""
        import pandas as pd

        a = np.flatnonzero(self.active)
        d = {f: getattr(self, f)[a] for f in self.FIELDS if not f.endswith(("_today", "_last"))}
        d["home_coast"] = self.home_coast[a]
        return pd.DataFrame(d, index=pd.Index(a, name="gang"))


# -- decision options ----------------------------------------------------------------------------
class PaidPlace(Option):
    """Buy a place (or use a place already paid for) with a gang."""

    def __init__(self, market: "Market", code: int, name: str):
        self.market = market
        self.code = code
        self.name = name

    def utility(self, sim, ctx, day):
        mk = self.market
        price = mk.posted_price(self.code)
        if price is None:
            return None
        pp = sim.scenario.people
        m = sim.scenario.market
        p = sim.people
        mk.ensure_capacity()
        asc = m.asc_boat if self.code == BOAT else m.asc_lorry_paid
        return paid_utility_kernel(
            ctx.idx, ctx.site, ctx.attempts, ctx.funds, ctx.uk_ties, ctx.risk_tolerance, p.gang, p.paid_attempts_left,
            mk.contract_mode, p.debt, sim.belief[self.code], self.code, price, int(m.attempts_per_fee),
            float(m.credit_share_max), float(m.credit_disutility), float(pp.beta_cost_per_1000_eur),
            float(pp.beta_success), float(pp.beta_uk_ties), float(pp.beta_risk), float(pp.own_failure_discount),
            float(asc), float(mk.perceived_death_risk(self.code)),
        )


# -- kernels -------------------------------------------------------------------------------------
@njit(cache=True)
def paid_utility_kernel(
    idx, site, attempts, funds, uk_ties, risk_tol, gang, paid_left, contract_mode, debt, belief_row, code, price,
    n_fee, credit_share, credit_disutility, beta_cost, beta_success, beta_ties, beta_risk, own_discount, asc, risk,
):
    """Systematic utility of a paid place for each decider (see ``docs/ODD.md`` §7.6): expected success over
    the attempts the fee covers (or those left on a contract), ties, death risk against risk tolerance,
    and the price (none if already paid), heavier when borrowed; -inf if unaffordable even with credit."""
    n = idx.shape[0]
    V = np.empty(n)
    # expected success depends only on (site, own attempts, attempts covered): computed once per
    # combination (same operations, so the same values) in a table indexed by those three
    max_att = 0
    max_left = n_fee
    for r in range(n):
        max_att = max(max_att, np.int64(attempts[r]))
        max_left = max(max_left, np.int64(paid_left[idx[r]]))
    if max_att < 0 or max_att > 1000 or max_left > 1000:
        max_att, max_left = -1, -1  # no table (negative or unusually many attempts)
    memo = np.full((belief_row.shape[0], max_att + 1, max_left + 1), np.nan)
    for r in range(n):
        i = idx[r]
        holds = gang[i] >= 0 and paid_left[i] > 0 and contract_mode[i] == code
        n_left = paid_left[i] if holds else n_fee
        a = attempts[r]
        if 0 <= a <= max_att and 0 <= n_left <= max_left:
            es = memo[site[r], a, n_left]
            if np.isnan(es):
                es = episode_success(belief_row[site[r]] * np.exp(-own_discount * attempts[r]), n_left)
                memo[site[r], a, n_left] = es
        else:
            es = episode_success(belief_row[site[r]] * np.exp(-own_discount * attempts[r]), n_left)
        v = asc + beta_success * es - beta_risk * risk / risk_tol[r]
        if uk_ties[r]:
            v += beta_ties
        if not holds:
            credit = max(credit_share * price - debt[i], 0.0)
            if funds[r] + credit < price:
                V[r] = -np.inf
                continue
            borrow = 0.0
            if price > 0.0:
                borrow = min(max((price - funds[r]) / price, 0.0), 1.0)
            v -= beta_cost * price / 1000.0 * (1.0 + credit_disutility * borrow)
        V[r] = v
    return V


# indices of the scalar parameters passed to price_kernel
(PAR_N_FEE, PAR_PREMIUM, PAR_TRAFFIC, PAR_LORRY_S0, PAR_LORRY_RED, PAR_E_PORT, PAR_DRIVER, PAR_LOG_LORRY,
 PAR_STOCK_MAX, PAR_E_BEACH, PAR_E_INTEL, PAR_BEACH_MAX, PAR_CROWDING, PAR_CONGESTION, PAR_P_SEA, PAR_KIT,
 PAR_CREW, PAR_PHI, PAR_RATED, PAR_GAMMA, PAR_MAX_LOAD, PAR_DEATH_BOAT, PAR_DEATH_LORRY, PAR_LOG_BOAT,
 PAR_ALONE, PAR_ELAST, PAR_ELAST_FLOOR, PAR_MAX_LERNER, PAR_ASC_LORRY, PAR_ASC_BOAT, PAR_BETA_S, PAR_BETA_RISK,
 PAR_RISK_TOL, PAR_OUTSIDE, PAR_BETA_COST, PAR_ADJUST, N_PAR) = range(37)


@njit(cache=True)
def price_kernel(active, evasion, volume, price_lorry, price_boat, cost_lorry, cost_boat, markup_lorry, markup_boat,
                 load, success_lorry, success_boat, stock_seiz, beach_int, par):
    """Costs per customer, loads and posted prices of every active gang (arrays updated in place).
    Returns the Herfindahl index of recent volume."""
    n_fee = int(par[PAR_N_FEE])
    act = np.flatnonzero(active)
    h = hhi(volume[act])
    mean_sl = 0.0
    mean_sb = 0.0
    for j in act:
        ev = evasion[j]
        sl = par[PAR_LORRY_S0] * par[PAR_TRAFFIC] * (1.0 - par[PAR_LORRY_RED] * par[PAR_E_PORT] * (1.0 - ev))
        success_lorry[j] = sl
        cost_lorry[j] = expected_attempts(sl, n_fee) * (par[PAR_DRIVER] + par[PAR_LOG_LORRY]) + par[PAR_PREMIUM]
        q = stock_seizure(par[PAR_STOCK_MAX], par[PAR_E_BEACH], par[PAR_E_INTEL], ev)
        stock_seiz[j] = q
        pb = beach_interception(par[PAR_BEACH_MAX], par[PAR_E_BEACH], ev, par[PAR_CROWDING], par[PAR_CONGESTION])
        beach_int[j] = pb
        fixed = par[PAR_KIT] / (1.0 - q) + par[PAR_CREW]
        L = optimal_load(fixed, par[PAR_PHI], par[PAR_RATED], par[PAR_GAMMA], par[PAR_MAX_LOAD])
        load[j] = L
        sb = (1.0 - pb) * (1.0 - par[PAR_P_SEA]) * (1.0 - par[PAR_DEATH_BOAT])
        success_boat[j] = sb
        seat = seat_cost(L, fixed, par[PAR_PHI], par[PAR_RATED], par[PAR_GAMMA])
        cost_boat[j] = expected_attempts(sb, n_fee) * (seat + par[PAR_LOG_BOAT]) + par[PAR_PREMIUM]
        mean_sl += sl / act.shape[0]
        mean_sb += sb / act.shape[0]
    a = par[PAR_ADJUST]
    for mode in range(2):
        mean_s = mean_sl if mode == 0 else mean_sb
        eps = demand_elasticity(par[PAR_ALONE], mean_s, par[PAR_ELAST], par[PAR_ELAST_FLOOR])
        mu = markup(h, eps, par[PAR_MAX_LERNER])
        asc = par[PAR_ASC_LORRY] if mode == 0 else par[PAR_ASC_BOAT]
        risk = par[PAR_DEATH_LORRY] if mode == 0 else par[PAR_DEATH_BOAT]
        for j in act:
            succ = success_lorry[j] if mode == 0 else success_boat[j]
            cost = cost_lorry[j] if mode == 0 else cost_boat[j]
            v_paid = asc + par[PAR_BETA_S] * episode_success(succ, n_fee) - par[PAR_BETA_RISK] * risk / par[PAR_RISK_TOL]
            cap = (v_paid - par[PAR_OUTSIDE]) / par[PAR_BETA_COST] if par[PAR_BETA_COST] > 0 else np.inf
            target = max(min(cost * mu, cap), cost)
            old = price_lorry[j] if mode == 0 else price_boat[j]
            new = target if old <= 0.0 else old + a * (target - old)
            mk = new / cost if cost > 0 else 1.0
            if mode == 0:
                price_lorry[j] = new
                markup_lorry[j] = mk
            else:
                price_boat[j] = new
                markup_boat[j] = mk
    return h


@njit(cache=True)
def sell_kernel(
    idx, household, funds, debt, gang, paid_left, contract_mode, mode, key, k, prices, weights, ok,
    credit_share, attempts_per_fee,
):
    """Customers without a contract for ``mode`` choose a gang (Gumbel-max over log weight - price
    disutility, among gangs they can afford) and pay from funds, the rest on credit.

    Returns (holder mask, chosen gang or -1 for new buyers, amount paid from funds, amount lent)."""
    n = idx.shape[0]
    g_n = prices.shape[0]
    holder = np.zeros(n, np.bool_)
    bought = np.full(n, -1, np.int64)
    cash = np.zeros(n)
    lent = np.zeros(n)
    for r in range(n):
        i = idx[r]
        if gang[i] >= 0 and paid_left[i] > 0 and contract_mode[i] == mode:
            holder[r] = True
            continue
        hh = household[r]
        best = -1
        best_v = -np.inf
        for g in range(g_n):
            if not ok[g]:
                continue
            pr = prices[g]
            credit = credit_share * pr - debt[i]
            if credit < 0.0:
                credit = 0.0
            if funds[i] + credit < pr:
                continue
            u = uniform(key, hh, k + g)
            if u < 1e-300:
                u = 1e-300
            v = weights[g] - np.log(-np.log(u))
            if v > best_v:
                best_v = v
                best = g
        if best < 0:
            continue
        pr = prices[best]
        pay = funds[i] if funds[i] < pr else pr
        funds[i] -= pay
        debt[i] += pr - pay
        cash[r] = pay
        lent[r] = pr - pay
        gang[i] = best
        paid_left[i] = attempts_per_fee
        contract_mode[i] = mode
        holder[r] = True
        bought[r] = best
    return holder, bought, cash, lent


@njit(cache=True)
def takeover_kernel(active, household, gang, paid_left, removed, cum_weights, key, k):
    """Customers of removed gangs move to a rival drawn in proportion to ``cum_weights``."""
    moved = 0
    lost = 0
    total = cum_weights[-1] if cum_weights.shape[0] > 0 else 0.0
    for j in range(active.shape[0]):
        i = active[j]
        g = gang[i]
        if g < 0 or not removed[g]:
            continue
        if total <= 0.0:
            gang[i] = -1
            paid_left[i] = 0
            lost += 1
            continue
        u = uniform(key, household[i], k) * total
        new = 0
        while new < cum_weights.shape[0] - 1 and cum_weights[new] <= u:
            new += 1
        gang[i] = new
        moved += 1
    return moved, lost


# -- the day's gang bookkeeping (compiled: a few dozen slots, every day) --------------------------
@njit(cache=True)
def book_kernel(active, capital, volume, profit, cash_today, costs_today, revenue_today, revenue_last, attempts_today, a):
    """Fold yesterday's flows into capital, volume and profit memories (weight ``a``) and clear
    today's flows. Returns the number of active gangs and their summed cash minus costs."""
    n = active.shape[0]
    margins = np.empty(n)
    n_act = 0
    for j in range(n):
        pj = cash_today[j] - costs_today[j]
        capital[j] += pj if active[j] else 0.0
        volume[j] += a * (attempts_today[j] - volume[j])
        profit[j] += a * (pj - profit[j])
        if active[j]:
            margins[n_act] = pj
            n_act += 1
        revenue_last[j] = revenue_today[j]
        cash_today[j] = 0.0
        costs_today[j] = 0.0
        revenue_today[j] = 0.0
        attempts_today[j] = 0.0
    return n_act, np_sum(margins[:n_act])


@njit(cache=True)
def relative_volume(active, volume):
    """Active gang slots and each one's recent volume over the mean (all 1 if the mean is 0)."""
    act = np.flatnonzero(active)
    rel = np.ones(act.shape[0])
    if act.shape[0]:
        v = volume[act]
        mean = np_mean(v)
        if mean > 0:
            rel = v / mean
    return act, rel


@njit(cache=True)
def dismantle_exit_kernel(act, p_dis, key, capital, profit, entered_day, day, p_exit, patience):
    """Today's dismantled gangs (draw below ``p_dis``) and, among the others, those leaving: negative
    capital, or losses with a ``p_exit`` daily chance once older than ``patience`` days."""
    dis = np.empty(act.shape[0], np.int64)
    ex = np.empty(act.shape[0], np.int64)
    n_dis = 0
    n_ex = 0
    for r in range(act.shape[0]):
        j = act[r]
        if uniform(key, j, K_DISMANTLE) < p_dis[r]:
            dis[n_dis] = j
            n_dis += 1
        elif capital[j] < 0 or (profit[j] < 0 and uniform(key, j, K_EXIT) < p_exit and day - entered_day[j] > patience):
            ex[n_ex] = j
            n_ex += 1
    return dis[:n_dis], ex[:n_ex]


@njit(cache=True)
def adapt_kernel(active, home_coast, evasion, keep, revenue_last, costs_today, volume, load, capital, boats,
                 invest_share, fixed_cost, evasion_max, decay_per_year, restock_days, supply, kit_cost):
    """Evasion: gain ``(max - evasion)(1 - keep)`` from investing a share of yesterday's revenue
    (``keep = exp(-investment / evasion cost)``, from NumPy), minus decay; investment and fixed
    costs booked for today. Gangs with a coast buy boats up to ``restock_days`` of launches + 1,
    within today's ``supply`` and their capital, at ``kit_cost`` each."""
    n = active.shape[0]
    any_coast = False
    for j in range(n):
        if active[j]:
            ev = evasion[j]
            gain = (evasion_max - ev) * (1.0 - keep[j])
            evasion[j] = min(max(ev + gain - ev * decay_per_year / DAYS_PER_YEAR, 0.0), evasion_max)
            costs_today[j] += invest_share * revenue_last[j] + fixed_cost
            any_coast = any_coast or home_coast[j] >= 0
    if not any_coast:
        return
    afford_div = max(kit_cost, 1e-9)
    for j in range(n):
        buy = 0.0
        if active[j] and home_coast[j] >= 0:
            launches = volume[j] / max(load[j], 1.0) if load[j] > 0 else 0.0
            target = restock_days * launches + 1.0
            afford = max(capital[j], 0.0) / afford_div
            buy = max(min(min(target - boats[j], supply), afford), 0.0)
        boats[j] += buy
        costs_today[j] += buy * kit_cost


@njit(cache=True)
def _offering(active, home_coast, boat, has_ports):
    """Gangs offering boat places (active, with a coast) or lorry places (active, if there are ports)."""
    n = active.shape[0]
    ok = np.zeros(n, np.bool_)
    for j in range(n):
        ok[j] = active[j] and (home_coast[j] >= 0 if boat else has_ports)
    return ok


@njit(cache=True)
def offer_means(active, home_coast, has_ports, price_boat, price_lorry, markup_boat, markup_lorry, cost_boat, cost_lorry):
    """Means over the gangs offering each mode: (number offering boats, number offering lorry places,
    mean boat price, mean lorry price, mean markup over both modes' offers, mean boat cost, mean
    lorry cost); 0 where nobody offers."""
    boat = _offering(active, home_coast, True, has_ports)
    lorry = _offering(active, home_coast, False, has_ports)
    pb, cb, pl, cl = price_boat[boat], cost_boat[boat], price_lorry[lorry], cost_lorry[lorry]
    mks = np.concatenate((markup_boat[boat], markup_lorry[lorry]))
    nb, nl = pb.shape[0], pl.shape[0]
    m_pb = np_mean(pb) if nb else 0.0
    m_cb = np_mean(cb) if nb else 0.0
    m_pl = np_mean(pl) if nl else 0.0
    m_cl = np_mean(cl) if nl else 0.0
    m_mk = np_mean(mks) if nb + nl else 0.0
    return nb, nl, m_pb, m_pl, m_mk, m_cb, m_cl


@njit(cache=True)
def posted_price_kernel(active, home_coast, boat, has_ports, price, volume):
    """Number of gangs offering the mode and their volume-weighted mean posted price (0 if none)."""
    ok = _offering(active, home_coast, boat, has_ports)
    w = volume[ok] + 1e-6
    if w.shape[0] == 0:
        return 0, 0.0
    return w.shape[0], np_sum(price[ok] * w) / np_sum(w)


@njit(cache=True)
def sell_log_argument(active, home_coast, boat, has_ports, volume):
    """Gangs offering the mode, and the argument of each gang's log choice weight:
    volume + 0.2 x (mean volume of the offering gangs) + 1e-6."""
    ok = _offering(active, home_coast, boat, has_ports)
    v = volume[ok]
    ref = np_mean(v) if v.shape[0] else 0.0
    x = np.empty(volume.shape[0])
    for j in range(volume.shape[0]):
        x[j] = max(volume[j], 0.0) + 0.2 * ref + 1e-6
    return ok, x


@njit(cache=True)
def sell_and_book(
    idx, household, funds, debt, gang, paid_left, contract_mode, mode, key, k, prices, log_x, beta_cost, ok,
    credit_share, attempts_per_fee, scale, cash_today, revenue_today,
):
    """:func:`sell_kernel` (``household``: everybody's household head) with weights
    ``log_x - beta_cost x price``, then books the sales into the gangs' cash and revenue (x scale).
    Returns (holder mask, places sold, their summed price)."""
    n_g = prices.shape[0]
    weights = np.empty(n_g)
    for j in range(n_g):
        weights[j] = log_x[j] - beta_cost * prices[j]
    holder, bought, cash, lent = sell_kernel(
        idx, household[idx], funds, debt, gang, paid_left, contract_mode, mode, key, k, prices, weights, ok,
        credit_share, attempts_per_fee,
    )
    cash_by = np.zeros(n_g)
    rev_by = np.zeros(n_g)
    sold = np.empty(idx.shape[0])
    n_new = 0
    for r in range(idx.shape[0]):
        b = bought[r]
        if b >= 0:
            cash_by[b] += cash[r]
            rev_by[b] += prices[b]
            sold[n_new] = prices[b]
            n_new += 1
    if n_new:
        for j in range(n_g):
            cash_today[j] += cash_by[j] * scale
            revenue_today[j] += rev_by[j] * scale
    return holder, n_new, np_sum(sold[:n_new])


@njit(cache=True)
def settle_kernel(crossed, stopped, dead, gang, debt, paid_left, contract_mode, repaid_share, cash_today, scale):
    """See :meth:`Market.settle`. ``repaid_share`` is float32, like the debts it multiplies."""
    n_g = cash_today.shape[0]
    repaid = np.zeros(n_g)
    any_repaid = False
    for i in crossed:
        if gang[i] >= 0:
            repaid[gang[i]] += debt[i] * repaid_share
            any_repaid = True
    if any_repaid:
        for j in range(n_g):
            cash_today[j] += repaid[j] * scale
    for i in crossed:
        debt[i] = 0.0
        gang[i] = NO_GANG
        paid_left[i] = 0
        contract_mode[i] = 0
    for i in stopped:
        left = np.int64(paid_left[i]) - 1
        paid_left[i] = max(left, 0)
        if left <= 0:
            gang[i] = NO_GANG
            contract_mode[i] = 0
    for i in dead:
        gang[i] = NO_GANG
        paid_left[i] = 0
        contract_mode[i] = 0


@njit(cache=True)
def lorry_book_kernel(users, gang, success_lorry, scale, cost_per_attempt, attempts_today, costs_today):
    """Books today's paid-lorry attempts per gang (attempts, driver and logistics costs, x scale);
    returns each user's chance of success (their gang's)."""
    n_g = attempts_today.shape[0]
    counts = np.zeros(n_g, np.int64)
    p = np.empty(users.shape[0])
    for r in range(users.shape[0]):
        g = gang[users[r]]
        counts[g] += 1
        p[r] = success_lorry[g]
    for j in range(n_g):
        per = counts[j] * scale
        attempts_today[j] += per
        costs_today[j] += per * cost_per_attempt
    return p


# -- the process ----------------------------------------------------------------------------------
class Market(Process):
    """Market: gangs book cash flows, get dismantled or exit on losses (rivals take their customers),
    enter when profit exceeds a rising entry cost, invest in evasion, restock boats, and set prices as
    cost x markup (Herfindahl index and demand elasticity), capped by the value of crossing alone."""

    name = "market"
    reads = ("timeline.effectiveness", "timeline.dismantle_multiplier", "timeline.lorry_traffic", "people.gang")
    writes = ("gangs.*", "market.prices", "people.gang", "people.paid_attempts_left", "results.market")

    def __init__(self, sim):
        super().__init__(sim)
        sc = sim.scenario
        m = sc.market
        w = sim.world
        self.g = Gangs(int(m.max_gangs), w.n_sites)
        self.coasts = np.flatnonzero(w.site_kind == COAST)
        self.ports = np.flatnonzero(w.site_kind == PORT)
        self.contract_mode = np.zeros(0, np.int8)
        # market-level memories (exponentially weighted)
        self.seized_share = 0.0  # boats seized / boats prepared
        self.launch_crowding = 1.0  # boats launching from one site on a launch day
        s = sc.sea
        # people's perceived death risk per boat attempt: a prior worth ``sea.prior_weight_attempts``
        # attempts, updated with deaths and attempts discounted over ``sea.risk_memory_days``
        self.risk_prior = (
            s.distress_probability * (1.0 - s.rescue_share) if s.perceived_death_risk_prior is None else s.perceived_death_risk_prior
        )
        self.risk_prior_weight = s.prior_weight_attempts
        self.risk_decay = np.exp(-1.0 / s.risk_memory_days)
        self.boat_deaths_seen = 0.0
        self.boat_attempts_seen = 0.0
        self.gross_margin = 0.0  # market-wide EUR/day before fixed costs
        self.last_price = 0.0  # last mean posted price and cost per customer, remembered for would-be
        self.last_cost = 0.0  # entrants when no gang is active
        self.kit_cost = s.kit_cost_eur
        self._par = np.zeros(N_PAR)
        self.hhi = 1.0
        for j in range(min(int(m.initial_gangs), self.g.n)):
            self._open(j, 0)
        self.ensure_capacity()

    # -- helpers ------------------------------------------------------------------------------------
    def ensure_capacity(self) -> None:
        cap = self.sim.people.capacity
        if self.contract_mode.size < cap:
            new = np.zeros(cap, np.int8)
            new[: self.contract_mode.size] = self.contract_mode
            self.contract_mode = new

    def _open(self, j: int, day: int) -> None:
        g = self.g
        m = self.sim.scenario.market
        g.active[j] = True
        g.entered_day[j] = day
        g.capital[j] = m.initial_capital_eur
        g.evasion[j] = m.initial_evasion
        act = np.flatnonzero(g.active)
        others = act[act != j]
        g.volume[j] = 0.0
        g.profit[j] = 0.0
        g.boats[j] = 0.0
        g.territory[j, :] = False
        g.territory[j, self.ports] = True
        if self.coasts.size:
            taken = np.array([(g.home_coast[others] == c).sum() for c in self.coasts])
            g.home_coast[j] = int(self.coasts[int(np.argmin(taken))])
            g.territory[j, g.home_coast[j]] = True
            g.boats[j] = 1.0
        else:
            g.home_coast[j] = -1
        if others.size:
            g.price_boat[j] = g.price_boat[others].mean()
            g.price_lorry[j] = g.price_lorry[others].mean()
        else:
            g.price_boat[j] = 0.0  # set to the target on the next pricing
            g.price_lorry[j] = 0.0

    def _close(self, removed: np.ndarray, day: int) -> None:
        """Deactivate gangs; rivals (in proportion to recent volume) take over their customers."""
        g = self.g
        g.active[removed] = False
        g.boats[removed] = 0.0
        g.home_coast[removed] = -1
        g.territory[removed, :] = False
        mask = np.zeros(g.n, bool)
        mask[removed] = True
        w = np.where(g.active, g.volume + 1e-6, 0.0)
        p = self.sim.people
        key = self.sim.streams.key("market", day)
        takeover_kernel(p.active, p.household, p.gang, p.paid_attempts_left, mask, np.cumsum(w), key, K_TAKEOVER)

    def dismantle(self, day: int, gangs) -> None:
        """Dismantle the given gangs now (police action); rivals take over their customers."""
        gangs = np.atleast_1d(np.asarray(gangs, np.int64))
        gangs = gangs[self.g.active[gangs]]
        if gangs.size:
            self._close(gangs, day)
            self.sim.rec.add("gangs_dismantled", gangs.size)

    def posted_price(self, code: int) -> float | None:
        """The price people hear about in camps: the volume-weighted mean posted price of gangs
        offering the mode, or None if nobody offers it."""
        g = self.g
        price = g.price_boat if code == BOAT else g.price_lorry
        n, mean = posted_price_kernel(g.active, g.home_coast, code == BOAT, self.ports.size > 0, price, g.volume)
        return float(mean) if n else None

    def offers(self, code: int) -> np.ndarray:
        g = self.g
        if code == BOAT:
            return g.active & (g.home_coast >= 0)
        if self.ports.size == 0:
            return np.zeros(g.n, bool)
        return g.active.copy()

    @property
    def death_risk_boat(self) -> float:
        w = self.risk_prior_weight
        return (self.boat_deaths_seen + w * self.risk_prior) / (self.boat_attempts_seen + w)

    def observe_boat_deaths(self, deaths: float, attempts: float) -> None:
        decay = self.risk_decay
        self.boat_deaths_seen = self.boat_deaths_seen * decay + deaths
        self.boat_attempts_seen = self.boat_attempts_seen * decay + attempts

    def perceived_death_risk(self, code: int) -> float:
        if code == BOAT:
            return self.death_risk_boat
        return float(self.sim.scenario.lorry.death_risk)

    def enforcement(self, day: int) -> np.ndarray:
        return self.sim.timeline.effectiveness[:, day]

    # -- the day ----------------------------------------------------------------------------------
    def step(self, day: int) -> None:
        self.ensure_capacity()
        self._book(day)
        self._dismantle_and_exit(day)
        self._entry(day)
        self._adapt(day)
        self.price(day)
        self._record(day)

    def _book(self, day: int) -> None:
        """Fold yesterday's flows into capital, volume and profit memories."""
        g = self.g
        m = self.sim.scenario.market
        a = memory_weight(m.volume_memory_days)
        n_act, cash_less_costs = book_kernel(
            g.active, g.capital, g.volume, g.profit, g.cash_today, g.costs_today, g.revenue_today, g.revenue_last,
            g.attempts_today, a,
        )
        if n_act:
            margin = cash_less_costs + m.fixed_cost_eur_per_day * n_act
            self.gross_margin += a * (margin - self.gross_margin)

    def _dismantle_and_exit(self, day: int) -> None:
        g = self.g
        act, rel = relative_volume(g.active, g.volume)
        if act.size == 0:
            return
        sim = self.sim
        m = sim.scenario.market
        e = self.enforcement(day)
        key = sim.streams.key("market", day)
        p_dis = dismantle_probability(
            m.dismantle_rate_per_year, m.dismantle_rate_intelligence_per_year, e[E_INTEL],
            sim.timeline.dismantle_multiplier[day], rel, m.dismantle_size_exponent,
        )
        dis, ex = dismantle_exit_kernel(
            act, p_dis, key, g.capital, g.profit, g.entered_day, day, 1.0 / m.exit_patience_days, m.exit_patience_days,
        )
        if dis.size:
            self._close(dis, day)
            sim.rec.add("gangs_dismantled", dis.size)
        if ex.size:
            self._close(ex, day)
            sim.rec.add("gangs_exited", ex.size)

    def _entry(self, day: int) -> None:
        g = self.g
        n_act = int(np.count_nonzero(g.active))
        gross = self.gross_margin if n_act > 0 else self.untapped_margin()
        if n_act == g.n or gross <= 0:
            return
        sim = self.sim
        m = sim.scenario.market
        e = self.enforcement(day)
        expected = m.entry_horizon_days * (gross / (n_act + 1) - m.fixed_cost_eur_per_day)
        cost = entry_cost(m.entry_cost_eur, m.entry_cost_enforcement, (e[E_PORT] + e[E_BEACH] + e[E_INTEL]) / 3.0)
        ratio = expected / cost if cost > 0 else np.inf
        p = m.entry_rate_per_day * min(max(ratio - 1.0, 0.0), 1.0)
        key = sim.streams.key("market", day)
        if p > 0 and uniform(key, g.n, K_ENTRY) < p:
            self._open(int(np.argmin(g.active)), day)  # the first free slot
            sim.rec.add("gangs_entered", 1)

    def untapped_margin(self) -> float:
        """Gross margin a gang entering an empty market could expect (EUR/day): the people in camps
        who could pay the last known price (with credit), deciding every
        ``people.decision_interval_days``, times the margin a monopolist would earn on the last
        known cost per customer (markup at HHI = 1). Without it a market that emptied (all gangs
        dismantled or bankrupt) could never restart."""
        sim = self.sim
        m = sim.scenario.market
        unit = self.last_cost * (markup(1.0, m.demand_elasticity, m.max_lerner) - 1.0)
        if self.last_price <= 0 or unit <= 0:
            return 0.0
        p = sim.people
        act = p.active
        residents = act[p.state[act] == IN_CAMP]
        credit = sim.scenario.market.credit_share_max * self.last_price
        able = int(np.count_nonzero(p.funds[residents] + credit >= self.last_price))
        return able / sim.scenario.people.decision_interval_days * unit

    def _adapt(self, day: int) -> None:
        """Evasion investment and decay; boat purchases; fixed costs (booked for today)."""
        g = self.g
        sim = self.sim
        m = sim.scenario.market
        s = sim.scenario.sea
        e = self.enforcement(day)
        invest = m.evasion_investment_share * g.revenue_last
        keep = np.exp(-invest / m.evasion_cost_eur)  # NumPy's exp (bit-identical to earlier versions)
        # boats: replacement cost rises with the market-wide seizure share
        self.kit_cost = s.kit_cost_eur * (1.0 + s.kit_cost_seizure_effect * self.seized_share)
        supply = s.supply_per_gang_per_day * (1.0 - s.supply_disruption * e[E_INTEL])
        adapt_kernel(
            g.active, g.home_coast, g.evasion, keep, g.revenue_last, g.costs_today, g.volume, g.load, g.capital,
            g.boats, m.evasion_investment_share, m.fixed_cost_eur_per_day, m.evasion_max, m.evasion_decay_per_year,
            s.restock_days, supply, self.kit_cost,
        )

    def price(self, day: int) -> None:
        """Costs per customer, boat loads and prices of every active gang (moves posted prices)."""
        g = self.g
        if not g.active.any():
            return
        sim = self.sim
        sc = sim.scenario
        m, s, pp = sc.market, sc.sea, sc.people
        tl = sim.timeline
        e = self.enforcement(day)
        alone = lorry_alone_success(sim, day) if sim.has_ports else 0.0
        risk_t = pp.risk_tolerance_mean
        v_alone = pp.asc_lorry_alone + pp.beta_success * alone - pp.beta_risk * sc.lorry.death_risk / risk_t
        par = self._par
        par[PAR_N_FEE] = m.attempts_per_fee
        par[PAR_PREMIUM] = m.risk_premium_eur * e[E_INTEL]
        par[PAR_TRAFFIC] = min(tl.lorry_traffic[day], 1.5)
        par[PAR_LORRY_S0] = m.lorry_success_unenforced
        par[PAR_LORRY_RED] = m.lorry_max_reduction
        par[PAR_E_PORT] = e[E_PORT]
        par[PAR_DRIVER] = m.driver_payment_eur * (1.0 + m.driver_payment_enforcement * e[E_PORT])
        par[PAR_LOG_LORRY] = m.logistics_lorry_eur
        par[PAR_STOCK_MAX] = s.stock_seizure_max
        par[PAR_E_BEACH] = e[E_BEACH]
        par[PAR_E_INTEL] = e[E_INTEL]
        par[PAR_BEACH_MAX] = s.beach_interception_max
        par[PAR_CROWDING] = self.launch_crowding
        par[PAR_CONGESTION] = s.congestion_boats
        par[PAR_P_SEA] = tl.sea_interception[day] * e[E_SEA]
        par[PAR_KIT] = self.kit_cost
        par[PAR_CREW] = s.crew_cost_eur
        par[PAR_PHI] = s.overload_cost_eur
        par[PAR_RATED] = s.rated_capacity
        par[PAR_GAMMA] = s.overload_exponent
        par[PAR_MAX_LOAD] = s.max_load
        par[PAR_DEATH_BOAT] = self.death_risk_boat
        par[PAR_DEATH_LORRY] = sc.lorry.death_risk
        par[PAR_LOG_BOAT] = m.logistics_boat_eur
        par[PAR_ALONE] = alone
        par[PAR_ELAST] = m.demand_elasticity
        par[PAR_ELAST_FLOOR] = m.demand_elasticity_floor
        par[PAR_MAX_LERNER] = m.max_lerner
        par[PAR_ASC_LORRY] = m.asc_lorry_paid
        par[PAR_ASC_BOAT] = m.asc_boat
        par[PAR_BETA_S] = pp.beta_success
        par[PAR_BETA_RISK] = pp.beta_risk
        par[PAR_RISK_TOL] = risk_t
        par[PAR_OUTSIDE] = max(v_alone, 0.0) if sim.has_ports else 0.0  # crossing alone, or waiting (utility 0)
        par[PAR_BETA_COST] = pp.beta_cost_per_1000_eur / 1000.0
        par[PAR_ADJUST] = memory_weight(m.price_adjust_days)
        self.hhi = price_kernel(
            g.active, g.evasion, g.volume, g.price_lorry, g.price_boat, g.cost_lorry, g.cost_boat, g.markup_lorry,
            g.markup_boat, g.load, g.success_lorry, g.success_boat, g.stock_seizure, g.beach_interception, par,
        )

    def _record(self, day: int) -> None:
        g = self.g
        rec = self.sim.rec
        n = int(np.count_nonzero(g.active))
        rec.set("gangs_active", n)
        rec.set("weather_viable", float(self.sim.timeline.weather_viable[day]))
        if n == 0:
            return
        rec.set("market_hhi", self.hhi)
        n_boat, n_lorry, price_boat, price_lorry, mean_markup, cost_boat, cost_lorry = offer_means(
            g.active, g.home_coast, self.ports.size > 0, g.price_boat, g.price_lorry, g.markup_boat, g.markup_lorry,
            g.cost_boat, g.cost_lorry,
        )
        if n_boat:
            rec.set("price_boat_eur", price_boat)
        if n_lorry:
            rec.set("price_lorry_eur", price_lorry)
        if n_boat or n_lorry:
            rec.set("markup", mean_markup)
        if n_boat:
            self.last_price, self.last_cost = price_boat, cost_boat
        elif n_lorry:
            self.last_price, self.last_cost = price_lorry, cost_lorry

    # -- selling ---------------------------------------------------------------------------------------
    def sell(self, day: int, idx: np.ndarray, code: int) -> np.ndarray:
        """Today's customers of ``code`` who have no contract buy one; returns those holding one."""
        sim = self.sim
        p = sim.people
        m = sim.scenario.market
        g = self.g
        self.ensure_capacity()
        prices = g.price_boat if code == BOAT else g.price_lorry
        bc = sim.scenario.people.beta_cost_per_1000_eur / 1000.0
        # gang weights: log(volume + 0.2 x mean volume of those offering + 1e-6) - bc x price
        ok, log_x = sell_log_argument(g.active, g.home_coast, code == BOAT, self.ports.size > 0, g.volume)
        np.log(log_x, out=log_x)  # NumPy's log (bit-identical to earlier versions)
        key = sim.streams.key("market", day)
        holder, n_sold, sold_eur = sell_and_book(
            idx, p.household, p.funds, p.debt, p.gang, p.paid_attempts_left, self.contract_mode, code,
            key, K_CHOOSE_GANG + 100 * code, prices, log_x, bc, ok, float(m.credit_share_max), int(m.attempts_per_fee),
            float(sim.scenario.scale), g.cash_today, g.revenue_today,
        )
        if n_sold:
            rec = sim.rec
            rec.add("revenue_eur", sold_eur)
            tag = "boat" if code == BOAT else "lorry"
            rec.add(f"places_sold_{tag}", n_sold)
            rec.add(f"price_{tag}_x_sold", sold_eur)
        return idx[holder]

    def settle(self, crossed: np.ndarray, stopped: np.ndarray, dead: np.ndarray) -> None:
        """After attempts: arrivals repay debt to their gang and end their contract; people stopped use
        up one paid attempt; contracts of the dead end."""
        sim = self.sim
        p = sim.people
        # debts are float32: the repaid share is applied in float32 arithmetic
        share = np.float32(sim.scenario.market.credit_repaid_share)
        settle_kernel(
            crossed, stopped, dead, p.gang, p.debt, p.paid_attempts_left, self.contract_mode, share, self.g.cash_today,
            float(sim.scenario.scale),
        )

    # -- paid lorry places -------------------------------------------------------------------------------
    def lorry_paid(self, day: int, idx: np.ndarray) -> None:
        """Crossings handler for paid lorry places: success depends on the gang's evasion skill."""
        if idx.size == 0:
            return
        sim = self.sim
        users = self.sell(day, idx, LORRY_PAID)
        if users.size == 0:
            return
        p = sim.people
        g = self.g
        m = sim.scenario.market
        lo = sim.scenario.lorry
        scale = sim.scenario.scale
        e = self.enforcement(day)
        driver = m.driver_payment_eur * (1.0 + m.driver_payment_enforcement * e[E_PORT])
        success = lorry_book_kernel(
            users, p.gang, g.success_lorry, float(scale), float(driver + m.logistics_lorry_eur), g.attempts_today,
            g.costs_today,
        )
        cr = sim.loop["crossings"]
        crossed, died = cr.resolve(day, users, LORRY_PAID, success, lo.death_risk, lo.caught_return_days)
        stopped = users[p.state[users] == TRAVELLING]  # detected: back to camp
        self.settle(crossed, stopped, died)
        rec = sim.rec
        rec.add("attempts_lorry_paid", users.size)
        rec.add("crossings_lorry_paid", crossed.size)
        rec.add("deaths_lorry", died.size)
        rec.add("intercepted_port", stopped.size)
        sim.today["irregular_crossers"].append(crossed)


def install(sim) -> None:
    """Register the paid options and crossing handlers, and set initial beliefs and prices."""
    from crossings.processes import sea  # noqa: PLC0415 (sea's handler is bound to the market)

    mk: Market = sim.loop["market"]
    dec = sim.loop["decisions"]
    dec.add_option(PaidPlace(mk, LORRY_PAID, "lorry_paid"))
    dec.add_option(PaidPlace(mk, BOAT, "boat"))
    cr = sim.loop["crossings"]
    cr.handlers[LORRY_PAID] = mk.lorry_paid
    cr.handlers[BOAT] = sea.BoatCrossings(mk).handle
    mk.price(0)
    g = mk.g
    act = g.active
    if act.any():
        sim.belief[LORRY_PAID, :] = float(g.success_lorry[act].mean()) if sim.has_ports else 0.0
        sim.belief[BOAT, :] = float(g.success_boat[act].mean()) if mk.coasts.size else 0.0
    if sim.scenario.sea.initial_success_belief is not None:
        sim.belief[BOAT, :] = sim.scenario.sea.initial_success_belief
    else:
        sim.belief[LORRY_PAID, :] = sim.belief[LORRY_ALONE, :]
        sim.belief[BOAT, :] = 0.5
