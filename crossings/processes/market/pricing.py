"""Pricing: each gang's cost per customer by mode (expected attempts x per-attempt costs, boat
loads that minimise cost per seat), the Herfindahl index of recent volume, a demand elasticity
that falls as crossing alone gets harder, the Lerner markup, the cap at what crossing alone (or
waiting) is worth, gradual adjustment of posted prices, and the prices people hear about.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.processes.market.gangs import _offering
from crossings.processes.numpy_order import flatnonzero, np_mean, np_sum
from crossings.processes.sea import beach_interception, optimal_load, seat_cost, stock_seizure


# -- pure functions (unit-tested; scalar and compiled so kernels can call them) ---------------
@njit(cache=True, inline="always")
def expected_attempts(success, attempts_per_fee):
    """Mean attempts a fee covering ``n`` tries pays for: sum_{k<n} (1 - s)^k = (1 - (1-s)^n) / s."""
    s = min(max(success, 0.0), 1.0)
    if s < 1e-9:
        return float(attempts_per_fee)
    return (1.0 - (1.0 - s) ** attempts_per_fee) / s


@njit(cache=True, inline="always")
def episode_success(success, attempts):
    """Chance that at least one of ``attempts`` independent tries succeeds."""
    s = min(max(success, 0.0), 1.0)
    return 1.0 - (1.0 - s) ** attempts


@njit(cache=True, inline="always")
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


@njit(cache=True, inline="always")
def demand_elasticity(alone_success, paid_success, base, floor):
    """Elasticity of demand for paid places: ``base`` when crossing alone is as likely to succeed as
    paying, falling linearly to ``floor`` as crossing alone becomes impossible."""
    if paid_success <= 0.0:
        return base
    r = min(max(alone_success / paid_success, 0.0), 1.0)
    return floor + (base - floor) * r


@njit(cache=True, inline="always")
def markup(hhi_value, elasticity, max_lerner):
    """Price over cost from the Lerner condition (P - c) / P = HHI / elasticity (Cournot)."""
    lerner = min(hhi_value / elasticity, max_lerner)
    return 1.0 / (1.0 - lerner)


# indices of the scalar parameters passed to price_kernel
(PAR_N_FEE, PAR_PREMIUM, PAR_TRAFFIC, PAR_LORRY_S0, PAR_LORRY_RED, PAR_E_PORT, PAR_DRIVER, PAR_LOG_LORRY,
 PAR_STOCK_MAX, PAR_E_BEACH, PAR_E_INTEL, PAR_BEACH_MAX, PAR_CROWDING, PAR_CONGESTION, PAR_P_SEA, PAR_KIT,
 PAR_CREW, PAR_PHI, PAR_RATED, PAR_GAMMA, PAR_MAX_LOAD, PAR_DEATH_BOAT, PAR_DEATH_LORRY, PAR_LOG_BOAT,
 PAR_ALONE, PAR_ELAST, PAR_ELAST_FLOOR, PAR_MAX_LERNER, PAR_ASC_LORRY, PAR_ASC_BOAT, PAR_BETA_S, PAR_BETA_RISK,
 PAR_RISK_TOL, PAR_OUTSIDE, PAR_BETA_COST, PAR_ADJUST, PAR_CONTROLS_S0, PAR_CONTROLS_RED, PAR_ACCESS_COST,
 PAR_ASC_ACCESS, PAR_REACH_ALONE, PAR_FENCE_SHARE, PAR_TERRITORY, PAR_COLLUSION, PAR_CAP_AMONG_BUYERS, PAR_TOL_FLOOR,
 PAR_TOL_SPAN, PAR_ASC_ALONE, PAR_BEACH_EXP, N_PAR) = range(50)


@njit(cache=True, inline="always")
def cap_risk_tolerance(v_no_risk, risk, beta_risk, tol_floor, tol_span, tol_pop):
    """Risk tolerance of the buyer whose willingness to pay caps a price, among those who buy.

    ``tol_pop`` is the q-quantile buyer of the whole population (``floor + span``, span =
    ``(mean - floor) x (-ln(1 - q))``). With ``v_no_risk`` the product's value over the outside
    option at a price equal to cost, before its death risk (``asc + beta_s x success - outside -
    beta_cost x cost``), the people who would buy at cost are those with tolerance above ``r0 =
    beta_risk x risk / v_no_risk``; tolerance above the floor is exponential (memoryless), so the
    q-quantile among them is ``max(r0, floor) + span``. Equal to ``tol_pop`` when everyone above the
    floor would buy at cost (``r0 <= floor``) and when nobody would (``v_no_risk <= 0``: the cap
    cannot bind above cost then)."""
    if risk <= 0.0 or v_no_risk <= 0.0:
        return tol_pop
    r0 = beta_risk * risk / v_no_risk
    if r0 <= tol_floor:
        return tol_pop
    return max(r0 + tol_span, tol_pop)


@njit(cache=True, inline="always")
def _first_in_group(act, r, network, home_coast, by_coast):
    """The first position in ``act`` of a gang in the same group as ``act[r]`` (the same network,
    and with ``by_coast`` the same home coast): ``r`` itself if none comes before."""
    j = act[r]
    for q in range(r):
        k = act[q]
        if network[k] == network[j] and (not by_coast or home_coast[k] == home_coast[j]):
            return q
    return r


@njit(cache=True, inline="always")
def _group_hhi(volume, act, network, home_coast, j, by_coast):
    """``hhi(volume[same])`` over the gangs ``same`` of ``act`` in ``j``'s group (the same network,
    and with ``by_coast`` the same home coast), in the same order, without building ``same``."""
    n = 0
    tot = 0.0
    for k in act:
        if network[k] == network[j] and (not by_coast or home_coast[k] == home_coast[j]):
            n += 1
            tot += max(volume[k], 0.0)
    if n == 0:
        return 1.0
    if tot <= 0.0:
        return 1.0 / n
    h = 0.0
    for k in act:
        if network[k] == network[j] and (not by_coast or home_coast[k] == home_coast[j]):
            sh = max(volume[k], 0.0) / tot
            h += sh * sh
    return h


@njit(cache=True)
def price_kernel(active, evasion, volume, price_lorry, price_boat, cost_lorry, cost_boat, markup_lorry, markup_boat,
                 load, success_lorry, success_boat, stock_seiz, beach_int, par, price_access, cost_access,
                 markup_access, success_access, reach_access, scarcity_lorry, network, home_coast):
    """Costs per customer, loads and posted prices of every active gang (arrays updated in place) for
    its three products: a guaranteed lorry place (mode 0), a boat place (mode 1) and a lorry access
    place (mode 2: to a lorry past the fences, which stop a share ``PAR_FENCE_SHARE`` of those that
    stop people alone, lowered by the gang's evasion; then the controls, faced as alone with the
    gang's knowledge of them). A guaranteed place's target price is multiplied by the gang's
    scarcity factor (above 1 while it sells out its places). Each gang's markup uses the Herfindahl
    index of recent volume among the active gangs of its ``network`` (all gangs when every network
    is the same); with ``PAR_TERRITORY`` set, a boat markup uses the index among the gangs of the
    same network launching from the same ``home_coast`` (its territory). The index ``h`` enters the
    Lerner condition as ``h + collusion (1 - h)`` (``PAR_COLLUSION``: 0 = Cournot, 1 = a cartel).
    Returns the Herfindahl index of the whole market."""
    n_fee = int(par[PAR_N_FEE])
    act = flatnonzero(active)
    h = hhi(volume[act])
    h_g = np.empty(volume.shape[0], np.float64)
    for z in range(h_g.shape[0]):  # np.full, written out (see numpy_order)
        h_g[z] = h
    segmented = False
    for j in act:
        if network[j] != network[act[0]]:
            segmented = True
            break
    # each group's index is computed once, for its first member, and copied to the others (every
    # member's index is the same sum over the same gangs in the same order)
    if segmented:
        for r in range(act.shape[0]):
            j = act[r]
            first = _first_in_group(act, r, network, home_coast, False)
            h_g[j] = h_g[act[first]] if first < r else _group_hhi(volume, act, network, home_coast, j, False)
    h_b = h_g  # boat markups use the same index unless gangs hold territory
    if par[PAR_TERRITORY] > 0.0:
        h_b = h_g.copy()
        for r in range(act.shape[0]):
            j = act[r]
            if home_coast[j] >= 0:
                first = _first_in_group(act, r, network, home_coast, True)
                h_b[j] = h_b[act[first]] if first < r else _group_hhi(volume, act, network, home_coast, j, True)
    mean_sl = 0.0
    mean_sb = 0.0
    for j in act:
        ev = evasion[j]
        sl = par[PAR_LORRY_S0] * par[PAR_TRAFFIC] * (1.0 - par[PAR_LORRY_RED] * par[PAR_E_PORT] * (1.0 - ev))
        success_lorry[j] = sl
        cost_lorry[j] = expected_attempts(sl, n_fee) * (par[PAR_DRIVER] + par[PAR_LOG_LORRY]) + par[PAR_PREMIUM]
        q = stock_seizure(par[PAR_STOCK_MAX], par[PAR_E_BEACH], par[PAR_E_INTEL], ev)
        stock_seiz[j] = q
        pb = beach_interception(par[PAR_BEACH_MAX], par[PAR_E_BEACH], ev, par[PAR_CROWDING], par[PAR_CONGESTION],
                                par[PAR_BEACH_EXP])
        beach_int[j] = pb
        fixed = par[PAR_KIT] / (1.0 - q) + par[PAR_CREW]
        L = optimal_load(fixed, par[PAR_PHI], par[PAR_RATED], par[PAR_GAMMA], par[PAR_MAX_LOAD])
        load[j] = L
        sb = (1.0 - pb) * (1.0 - par[PAR_P_SEA]) * (1.0 - par[PAR_DEATH_BOAT])
        success_boat[j] = sb
        seat = seat_cost(L, fixed, par[PAR_PHI], par[PAR_RATED], par[PAR_GAMMA])
        cost_boat[j] = expected_attempts(sb, n_fee) * (seat + par[PAR_LOG_BOAT]) + par[PAR_PREMIUM]
        sa = par[PAR_CONTROLS_S0] * par[PAR_TRAFFIC] * (1.0 - par[PAR_CONTROLS_RED] * par[PAR_E_PORT] * (1.0 - ev))
        ra = 1.0 - par[PAR_FENCE_SHARE] * (1.0 - par[PAR_REACH_ALONE]) * (1.0 - ev)
        reach_access[j] = ra
        sa = sa * ra
        success_access[j] = sa
        cost_access[j] = expected_attempts(sa, n_fee) * par[PAR_ACCESS_COST] + par[PAR_PREMIUM]
        mean_sl += sl / act.shape[0]
        mean_sb += sb / act.shape[0]
    a = par[PAR_ADJUST]
    ep_alone = episode_success(par[PAR_ALONE], n_fee)  # trying alone over a fee's tries (access caps)
    for mode in range(3):
        if mode == 0:
            prices, costs, markups, succ_arr = price_lorry, cost_lorry, markup_lorry, success_lorry
            asc, risk, mean_s = par[PAR_ASC_LORRY], par[PAR_DEATH_LORRY], mean_sl
        elif mode == 1:
            prices, costs, markups, succ_arr = price_boat, cost_boat, markup_boat, success_boat
            asc, risk, mean_s = par[PAR_ASC_BOAT], par[PAR_DEATH_BOAT], mean_sb
        else:
            prices, costs, markups, succ_arr = price_access, cost_access, markup_access, success_access
            asc, risk, mean_s = par[PAR_ASC_ACCESS], par[PAR_DEATH_LORRY], mean_sl
        eps = demand_elasticity(par[PAR_ALONE], mean_s, par[PAR_ELAST], par[PAR_ELAST_FLOOR])
        for j in act:
            hj = h_b[j] if mode == 1 else h_g[j]
            mu = markup(hj + par[PAR_COLLUSION] * (1.0 - hj), eps, par[PAR_MAX_LERNER])  # conduct: + 0 is exact
            succ = succ_arr[j]
            cost = costs[j]
            es = episode_success(succ, n_fee)
            tol = par[PAR_RISK_TOL]
            if par[PAR_CAP_AMONG_BUYERS] > 0.0:  # the marginal buyer among those who would buy at cost
                v0 = asc + par[PAR_BETA_S] * es - par[PAR_OUTSIDE] - par[PAR_BETA_COST] * cost
                tol = cap_risk_tolerance(v0, risk, par[PAR_BETA_RISK], par[PAR_TOL_FLOOR], par[PAR_TOL_SPAN], tol)
            v_paid = asc + par[PAR_BETA_S] * es - par[PAR_BETA_RISK] * risk / tol
            outside = par[PAR_OUTSIDE]
            if mode == 2 and par[PAR_CAP_AMONG_BUYERS] > 0.0:
                # a buyer of an access place is trying lorries: the place is worth what it adds to
                # trying alone over as many tries (same lorries, same death risk)
                outside = par[PAR_ASC_ALONE] + par[PAR_BETA_S] * ep_alone - par[PAR_BETA_RISK] * risk / tol
            cap = (v_paid - outside) / par[PAR_BETA_COST] if par[PAR_BETA_COST] > 0 else np.inf
            scarce = scarcity_lorry[j] if mode == 0 else 1.0
            target = max(min(cost * mu * scarce, cap), cost)
            old = prices[j]
            new = target if old <= 0.0 else old + a * (target - old)
            prices[j] = new
            markups[j] = new / cost if cost > 0 else 1.0
    return h


@njit(cache=True, inline="always")
def offer_means(active, home_coast, has_ports, price_boat, price_lorry, markup_boat, markup_lorry, cost_boat, cost_lorry):
    """Means over the gangs offering each mode: (number offering boats, number offering lorry places,
    mean boat price, mean lorry price, mean markup over both modes' offers, mean boat cost, mean
    lorry cost); 0 where nobody offers."""
    boat = _offering(active, home_coast, True, has_ports)
    lorry = _offering(active, home_coast, False, has_ports)
    pb, cb, pl, cl = price_boat[boat], cost_boat[boat], price_lorry[lorry], cost_lorry[lorry]
    mb, ml = markup_boat[boat], markup_lorry[lorry]
    mks = np.empty(mb.shape[0] + ml.shape[0], np.float64)  # np.concatenate, written out
    for r in range(mb.shape[0]):
        mks[r] = mb[r]
    for r in range(ml.shape[0]):
        mks[mb.shape[0] + r] = ml[r]
    nb, nl = pb.shape[0], pl.shape[0]
    m_pb = np_mean(pb) if nb else 0.0
    m_cb = np_mean(cb) if nb else 0.0
    m_pl = np_mean(pl) if nl else 0.0
    m_cl = np_mean(cl) if nl else 0.0
    m_mk = np_mean(mks) if nb + nl else 0.0
    return nb, nl, m_pb, m_pl, m_mk, m_cb, m_cl


@njit(cache=True, inline="always")
def posted_price_kernel(active, home_coast, boat, has_ports, price, volume):
    """Number of gangs offering the mode and their volume-weighted mean posted price (0 if none)."""
    ok = _offering(active, home_coast, boat, has_ports)
    w = volume[ok] + 1e-6
    if w.shape[0] == 0:
        return 0, 0.0
    return w.shape[0], np_sum(price[ok] * w) / np_sum(w)
