"""Selling and settling: the paid options of the decisions stage (a lorry place and a boat place,
price against funds and credit), customers choosing a gang and paying from funds or on credit,
sales booked into the gangs' cash, debts repaid and contracts ended after attempts, and the
paid-lorry attempts booked per gang.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.rng import uniform
from crossings.engine.state import NO_GANG
from crossings.processes.crossings import resolve_kernel
from crossings.processes.decisions import BOAT, BOAT_ALONE, LORRY_ACCESS, Option
from crossings.processes.draws import GUMBEL_BINS, GUMBEL_BOUND
from crossings.processes.market.gangs import _offering, boat_coast_kernel
from crossings.processes.numpy_order import np_mean, np_sum
from crossings.processes.market.pricing import episode_success, posted_price_kernel


# -- decision options ----------------------------------------------------------------------------
class PaidPlace(Option):
    """Buy a place (or use a place already paid for) with a gang."""

    def __init__(self, market, code: int, name: str):
        self.market = market  # the Market process (process.py)
        self.code = code
        self.name = name

    def utility(self, sim, ctx, day):
        mk = self.market
        if not sim.scenario.market.network_gangs:
            price = mk.posted_price(self.code)
            return None if price is None else self._utility(sim, ctx, price)
        # each network hears its own gangs' price
        if mk.posted_price(self.code) is None:
            return None
        V = np.full(ctx.idx.size, -np.inf)
        for n in np.unique(ctx.nationality):
            rows = np.flatnonzero(ctx.nationality == n)
            price = mk.posted_price(self.code, int(n))
            if price is not None:
                V[rows] = self._utility(sim, _rows(ctx, rows), price)
        return V

    def latent_utility(self, sim, ctx, day):
        """Boat places nobody sells yet, at the mean price the gangs with a coast would ask."""
        if self.code != BOAT:
            return None
        price = self.market.would_be_boat_price()
        return None if price is None else self._utility(sim, ctx, price)

    def may_be_latent(self) -> bool:
        return self.code == BOAT  # the only paid place with a latent demand (see latent_utility)

    def latent_displaces(self, sim):
        """A gang that opens a boat line holds its stretch of beach: the people who would go out in a
        boat of their own there (``sea.alone_asc``) are among the places it expects to sell, unless
        ``sea.alone_on_gang_coasts``."""
        if self.code == BOAT and not sim.scenario.sea.alone_on_gang_coasts:
            return (BOAT_ALONE,)
        return ()

    def observe_demand(self, people, day):
        self.market.observe_demand(self.code, people)

    @staticmethod
    def joint_utility(options, sim, ctx, day, VT) -> bool:
        """The utilities of several paid places of one market in one kernel call, written to rows
        ``code`` of ``VT`` (options x deciders; rows of options nobody offers are left as they are):
        the values :meth:`utility` returns, with less work per day. False (nothing written) when
        each network hears its own gangs' price: then each option's :meth:`utility` is used."""
        if sim.scenario.market.network_gangs or any(o.market is not options[0].market for o in options):
            return False
        mk = options[0].market
        pp = sim.scenario.people
        m = sim.scenario.market
        g = mk.g
        mk.ensure_capacity()
        # the options' codes, constants, perceived risks and availability, written into arrays kept
        # between days (four small arrays built from lists each day cost more than the kernel's typing)
        per = mk.__dict__.get("_joint_arrays")
        if per is None or per[0] is not options or len(per[1]) != len(options):
            per = mk._joint_arrays = (options, np.array([o.code for o in options], np.int64),
                                      np.empty(len(options)), np.empty(len(options)), np.empty(len(options)))
        _, codes, ascs, risks, avail = per
        for j, o in enumerate(options):
            ascs[j] = o._asc(pp, m)
            risks[j] = mk.perceived_death_risk(o.code)
            avail[j] = mk.availability(o.code, sim.day)
        paid_utilities_kernel(
            VT, ctx.idx, ctx.site, ctx.attempts, ctx.funds, ctx.uk_ties, ctx.risk_tolerance, ctx.gang, ctx.paid_left,
            mk.contract_mode, ctx.debt, sim.belief, codes, ascs, risks, avail, g.active, g.home_coast, g.boat_line,
            mk.ports.size > 0, g.volume, g.price_lorry, g.price_boat, g.price_access, int(m.attempts_per_fee),
            float(m.credit_share_max), float(m.credit_disutility), float(pp.beta_cost_per_1000_eur),
            float(pp.beta_success), float(pp.beta_uk_ties), float(pp.beta_risk), float(pp.own_failure_discount),
        )
        return True

    def _asc(self, pp, m) -> float:
        """The option's alternative-specific constant."""
        if self.code == BOAT:
            return float(m.asc_boat)
        if self.code == LORRY_ACCESS:
            return float(pp.asc_lorry_alone + m.asc_lorry_access)  # hiding in a lorry, without the fences to pass
        return float(m.asc_lorry_paid)

    def _utility(self, sim, ctx, price):
        mk = self.market
        pp = sim.scenario.people
        m = sim.scenario.market
        mk.ensure_capacity()
        asc = self._asc(pp, m)
        return paid_utility_kernel(
            ctx.idx, ctx.site, ctx.attempts, ctx.funds, ctx.uk_ties, ctx.risk_tolerance, ctx.gang, ctx.paid_left,
            mk.contract_mode, ctx.debt, sim.belief[self.code], self.code, price, int(m.attempts_per_fee),
            float(m.credit_share_max), float(m.credit_disutility), float(pp.beta_cost_per_1000_eur),
            float(pp.beta_success), float(pp.beta_uk_ties), float(pp.beta_risk), float(pp.own_failure_discount),
            float(asc), float(mk.perceived_death_risk(self.code)), float(mk.availability(self.code, sim.day)),
        )


def _rows(ctx, rows):
    """The deciders ``rows`` of a decisions context."""
    return type(ctx)(**{f: getattr(ctx, f)[rows] for f in ctx.__dataclass_fields__})


# -- kernels -------------------------------------------------------------------------------------
@njit(cache=True)
def paid_utility_kernel(
    idx, site, attempts, funds, uk_ties, risk_tol, gang, paid_left, contract_mode, debt, belief_row, code, price,
    n_fee, credit_share, credit_disutility, beta_cost, beta_success, beta_ties, beta_risk, own_discount, asc, risk,
    availability,
):
    """Systematic utility of a paid place for each decider (see ``docs/ODD.md`` §7.6): expected success over
    the attempts the fee covers (or those left on a contract), ties, death risk against risk tolerance,
    and the price (none if already paid), heavier when borrowed; -inf if unaffordable even with credit.
    Every array is one row per decider (as gathered by the decisions stage) but ``contract_mode``,
    indexed by ``idx``."""
    V = np.empty(idx.shape[0], np.float64)
    _paid_utility_into(
        V, idx, site, attempts, funds, uk_ties, risk_tol, gang, paid_left, contract_mode, debt, belief_row, code,
        price, n_fee, credit_share, credit_disutility, beta_cost, beta_success, beta_ties, beta_risk, own_discount,
        asc, risk, availability,
    )
    return V


@njit(cache=True)
def paid_utilities_kernel(
    VT, idx, site, attempts, funds, uk_ties, risk_tol, gang, paid_left, contract_mode, debt, belief, codes, ascs,
    risks, availabilities, active, home_coast, boat_line, has_ports, volume, price_lorry, price_boat, price_access,
    n_fee, credit_share, credit_disutility, beta_cost, beta_success, beta_ties, beta_risk, own_discount,
):
    """:func:`paid_utility_kernel` for several paid options in one call (the decisions stage's paid
    places, one call a day rather than one per option): option ``codes[j]`` at its posted price (as
    :meth:`~crossings.processes.market.process.Market.posted_price` computes it, from the gangs'
    ``active``, ``home_coast``, ``boat_line``, ``volume`` and posted prices), with ``ascs[j]``,
    perceived death risk ``risks[j]`` and availability ``availabilities[j]``; its utilities are written
    to row ``codes[j]`` of ``VT`` (options x deciders) with belief row ``belief[codes[j]]``, unless no
    gang offers it (the row is left as it is). Returns the number of options offered."""
    coast = boat_coast_kernel(boat_line, home_coast)
    offered = 0
    for j in range(codes.shape[0]):
        c = codes[j]
        boat = c == BOAT
        price_by_gang = price_boat if boat else price_access if c == LORRY_ACCESS else price_lorry
        n_off, price = posted_price_kernel(active, coast if boat else home_coast, boat, has_ports, price_by_gang,
                                           volume)
        if n_off == 0:
            continue
        offered += 1
        _paid_utility_into(
            VT[c], idx, site, attempts, funds, uk_ties, risk_tol, gang, paid_left, contract_mode, debt, belief[c], c,
            price, n_fee, credit_share, credit_disutility, beta_cost, beta_success, beta_ties, beta_risk,
            own_discount, ascs[j], risks[j], availabilities[j],
        )
    return offered


@njit(cache=True)
def _paid_utility_into(
    V, idx, site, attempts, funds, uk_ties, risk_tol, gang, paid_left, contract_mode, debt, belief_row, code, price,
    n_fee, credit_share, credit_disutility, beta_cost, beta_success, beta_ties, beta_risk, own_discount, asc, risk,
    availability,
):
    """The body of :func:`paid_utility_kernel`, written into ``V``."""
    n = idx.shape[0]
    # expected success depends only on (site, own attempts, attempts covered): computed once per
    # combination (same operations, so the same values) in a table indexed by those three
    max_att = 0
    max_left = n_fee
    for r in range(n):
        max_att = max(max_att, np.int64(attempts[r]))
        max_left = max(max_left, np.int64(paid_left[r]))
    if max_att < 0 or max_att > 1000 or max_left > 1000:
        max_att, max_left = -1, -1  # no table (negative or unusually many attempts)
    else:
        max_att = min(max_att, 63)  # the rare people with more attempts are computed directly
        if belief_row.shape[0] * (max_att + 1) * (max_left + 1) > 32 * n + 8192:
            max_att, max_left = -1, -1  # no table: filling it would cost more than it saves (few deciders)
    # np.full(..., np.nan), written out (see numpy_order)
    memo = np.empty((belief_row.shape[0], max_att + 1, max_left + 1), np.float64)
    for r0 in range(memo.shape[0]):
        for r1 in range(memo.shape[1]):
            for r2 in range(memo.shape[2]):
                memo[r0, r1, r2] = np.nan
    for r in range(n):
        i = np.uint32(idx[r])  # unsigned: no negative-index wraparound (slots are never negative)
        holds = gang[r] >= 0 and paid_left[r] > 0 and contract_mode[i] == code
        if not holds:  # most deciders cannot afford a place: nothing else to compute for them
            credit = max(credit_share * price - debt[r], 0.0)
            if funds[r] + credit < price:
                V[r] = -np.inf
                continue
        n_left = paid_left[r] if holds else n_fee
        a = attempts[r]
        if 0 <= a <= max_att and 0 <= n_left <= max_left:
            es = memo[site[r], a, n_left]
            if np.isnan(es):
                es = episode_success(belief_row[site[r]] * np.exp(-own_discount * attempts[r]), n_left)
                memo[site[r], a, n_left] = es
        else:
            es = episode_success(belief_row[site[r]] * np.exp(-own_discount * attempts[r]), n_left)
        if not holds:
            es *= availability  # the chance of getting one of the scarce places at all
        v = asc + beta_success * es - beta_risk * risk / risk_tol[r]
        if uk_ties[r]:
            v += beta_ties
        if not holds:
            borrow = 0.0
            if price > 0.0:
                borrow = min(max((price - funds[r]) / price, 0.0), 1.0)
            v -= beta_cost * price / 1000.0 * (1.0 + credit_disutility * borrow)
        V[r] = v


@njit(cache=True, inline="always")
def sell_kernel(
    idx, household, funds, debt, gang, paid_left, contract_mode, mode, key, k, prices, weights, ok,
    credit_share, attempts_per_fee, escrow, escrow_share, capacity, unit,
):
    """Customers without a contract for ``mode`` choose a gang (Gumbel-max over log weight - price
    disutility, among gangs they can afford that have places left today: ``capacity`` people per
    gang, each sale using ``unit`` people) and pay from funds, the rest on credit. A share
    ``escrow_share`` of what they pay from funds is deposited with a broker (``escrow``) and
    released to the gang only on arrival.

    Returns (holder mask, chosen gang or -1 for new buyers, amount paid to the gang now, amount lent)."""
    n = idx.shape[0]
    g_n = prices.shape[0]
    holder = np.empty(n, np.bool_)
    bought = np.empty(n, np.int64)
    cash = np.empty(n, np.float64)
    lent = np.empty(n, np.float64)
    for z in range(holder.shape[0]):  # np.full / np.zeros, written out (see numpy_order)
        holder[z] = cash[z] = lent[z] = 0
        bought[z] = -1
    for r in range(n):
        i = idx[r]
        if gang[i] >= 0 and paid_left[i] > 0 and contract_mode[i] == mode:
            holder[r] = True
            continue
        hh = household[r]
        best = -1
        best_v = -np.inf
        for g in range(g_n):
            if not ok[g] or capacity[g] <= 0.0:
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
            if weights[g] + GUMBEL_BOUND[int(u * GUMBEL_BINS)] <= best_v:
                continue  # cannot win (see draws.GUMBEL_BOUND)
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
        held = pay * escrow_share
        escrow[i] += held
        cash[r] = pay - held
        lent[r] = pr - pay
        gang[i] = best
        capacity[best] -= unit
        paid_left[i] = attempts_per_fee
        contract_mode[i] = mode
        holder[r] = True
        bought[r] = best
    return holder, bought, cash, lent


@njit(cache=True)
def sell_log_argument(active, home_coast, boat_line, boat, has_ports, volume):
    """Gangs offering the mode (for boat places, gangs with a coast and a boat line: the coasts of
    :func:`~crossings.processes.market.gangs.boat_coast_kernel`, computed here), and the argument
    of each gang's log choice weight: volume + 0.2 x (mean volume of the offering gangs) + 1e-6."""
    coast = boat_coast_kernel(boat_line, home_coast) if boat else home_coast
    ok = _offering(active, coast, boat, has_ports)
    v = volume[ok]
    ref = np_mean(v) if v.shape[0] else 0.0
    x = np.empty(volume.shape[0], np.float64)
    for j in range(volume.shape[0]):
        x[j] = max(volume[j], 0.0) + 0.2 * ref + 1e-6
    return ok, x


@njit(cache=True)
def sell_and_book(
    idx, household, funds, debt, gang, paid_left, contract_mode, mode, key, k, prices, log_x, beta_cost, ok,
    credit_share, attempts_per_fee, scale, cash_today, revenue_today, escrow, escrow_share, capacity,
    off_camp, safe_house_share, k_safe_house, sold_places, values, row, cols,
):
    """:func:`sell_kernel` (``household``: everybody's household head) with weights
    ``log_x - beta_cost x price``, then books the sales into the gangs' cash and revenue (x scale).
    Each new buyer's household then moves off-camp (a gang's safe house) with probability
    ``safe_house_share`` (draw ``k_safe_house`` on the head's slot; 0: nobody moves).

    The bookkeeping the caller would otherwise do in NumPy and Python after the call (one call per
    sale day and product instead of several; the same arithmetic): unless ``sold_places`` is empty,
    each gang's places sold today, ``capacity`` before less after, are added to it; unless ``cols``
    is empty, the places sold and their summed price are added to the record ``values[row]``:
    the summed price to column ``cols[0]``, then for each pair ``cols[1 + 2q], cols[2 + 2q]`` the
    places and the summed price (what ``Recorder.add`` does for each: a float64 addition).
    Returns (holder mask, the holders ``idx[holder]``, places sold, their summed price)."""
    n_g = prices.shape[0]
    weights = np.empty(n_g, np.float64)
    for j in range(n_g):
        weights[j] = log_x[j] - beta_cost * prices[j]
    before = capacity.copy() if sold_places.shape[0] else capacity[:0]
    holder, bought, cash, lent = sell_kernel(
        idx, household[idx], funds, debt, gang, paid_left, contract_mode, mode, key, k, prices, weights, ok,
        credit_share, attempts_per_fee, escrow, escrow_share, capacity, scale,
    )
    cash_by = np.empty(n_g, np.float64)
    rev_by = np.empty(n_g, np.float64)
    for z in range(cash_by.shape[0]):  # np.zeros, written out (see numpy_order)
        cash_by[z] = rev_by[z] = 0
    sold = np.empty(idx.shape[0], np.float64)
    n_new = 0
    n_hold = 0
    for r in range(idx.shape[0]):
        if holder[r]:
            n_hold += 1
        b = bought[r]
        if b >= 0:
            cash_by[b] += cash[r]
            rev_by[b] += prices[b]
            sold[n_new] = prices[b]
            n_new += 1
    users = np.empty(n_hold, idx.dtype)
    n_hold = 0
    for r in range(idx.shape[0]):
        if holder[r]:
            users[n_hold] = idx[r]
            n_hold += 1
    for j in range(sold_places.shape[0]):  # ``sold_places += before - capacity``
        sold_places[j] += before[j] - capacity[j]
    sold_eur = np_sum(sold[:n_new])
    if n_new:
        for j in range(n_g):
            cash_today[j] += cash_by[j] * scale
            revenue_today[j] += rev_by[j] * scale
        if safe_house_share > 0.0:
            for r in range(idx.shape[0]):
                if bought[r] >= 0 and uniform(key, household[idx[r]], k_safe_house) < safe_house_share:
                    off_camp[idx[r]] = True
        if cols.shape[0]:
            values[row, cols[0]] += sold_eur
            for q in range(1, cols.shape[0] - 1, 2):
                values[row, cols[q]] += float(n_new)
                values[row, cols[q + 1]] += sold_eur
    return holder, users, n_new, sold_eur


@njit(cache=True)
def settle_kernel(crossed, stopped, dead, gang, debt, paid_left, contract_mode, repaid_share, cash_today, scale,
                  funds, escrow, escrow_share):
    """See :meth:`Market.settle`. ``repaid_share`` is float32, like the debts it multiplies."""
    n_g = cash_today.shape[0]
    repaid = np.empty(n_g, np.float64)
    for z in range(repaid.shape[0]):  # np.zeros, written out (see numpy_order)
        repaid[z] = 0
    any_repaid = False
    for i in crossed:
        if gang[i] >= 0:
            repaid[gang[i]] += debt[i] * repaid_share + escrow[i]
            any_repaid = True
    if any_repaid:
        for j in range(n_g):
            cash_today[j] += repaid[j] * scale
    for i in crossed:
        debt[i] = 0.0
        escrow[i] = 0.0
        gang[i] = NO_GANG
        paid_left[i] = 0
        contract_mode[i] = 0
    for i in stopped:
        left = np.int64(paid_left[i]) - 1
        paid_left[i] = max(left, 0)
        if left <= 0:
            gang[i] = NO_GANG
            contract_mode[i] = 0
            # a contract that ends without arrival: the broker returns the deposit, and the part of
            # the price owed on arrival is not owed
            funds[i] += escrow[i]
            escrow[i] = 0.0
            debt[i] = debt[i] * (np.float32(1.0) - escrow_share)
    for i in dead:
        escrow[i] = 0.0
        gang[i] = NO_GANG
        paid_left[i] = 0
        contract_mode[i] = 0


@njit(cache=True, inline="always")
def lorry_book_kernel(users, gang, success_lorry, scale, cost_per_attempt, attempts_today, costs_today):
    """Books today's paid-lorry attempts per gang (attempts, driver and logistics costs, x scale);
    returns each user's chance of success (their gang's)."""
    n_g = attempts_today.shape[0]
    counts = np.empty(n_g, np.int64)
    for z in range(counts.shape[0]):  # np.zeros, written out (see numpy_order)
        counts[z] = 0
    p = np.empty(users.shape[0], np.float64)
    for r in range(users.shape[0]):
        g = gang[users[r]]
        counts[g] += 1
        p[r] = success_lorry[g]
    for j in range(n_g):
        per = counts[j] * scale
        attempts_today[j] += per
        costs_today[j] += per * cost_per_attempt
    return p


@njit(cache=True, inline="always")
def detected_share_kernel(failed, gang, household, reach, success, key, k):
    """Of people whose paid access attempt failed, how many were detected at the controls (the rest
    were stopped before a lorry). Given failure, a person reached the controls with chance
    ``reach (1 - pass) / (1 - success)``, ``pass = success / reach`` (their gang's); one draw per
    person on the household head's slot."""
    n = 0
    for r in range(failed.shape[0]):
        i = failed[r]
        g = gang[i]
        if g < 0:
            n += 1
            continue
        ra = reach[g]
        s = success[g]
        denom = 1.0 - s
        q = (ra - s) / denom if denom > 0 and ra > 0 else 1.0
        if uniform(key, household[i], k) < q:
            n += 1
    return n


@njit(cache=True)
def lorry_attempts_kernel(
    users, gang, success_by_gang, reach_by_gang, scale, cost_per_attempt, attempts_today, costs_today, household,
    p_death, key, k, state, site, next_day, attempts, crossed_day, arrival_day, destination, day, return_days,
    att_site, ok_site, debt, paid_left, contract_mode, repaid_share, cash_today, funds, escrow, escrow_share,
    elsewhere_share, values, row, cols,
):
    """Today's attempts of one paid lorry product, in one call: :func:`lorry_book_kernel` (the gangs'
    attempts and costs), :func:`resolve_kernel` (draw ``k`` and ``k + 1`` on the household head's
    slot), for access places (``reach_by_gang`` not empty) :func:`detected_share_kernel` (draw
    ``k + 2``, before settling, which may end contracts), then :func:`settle_kernel`. Returns the
    crossed people.

    The day's figures are added to the record ``values[row]`` (float64 additions, as
    ``Recorder.add`` makes them), at ``cols``: days from arrival to crossing summed over the crossed
    (if anyone crossed), attempts, crossings, deaths, people stopped, of whom detected at the port
    controls, detected at ports outside France, stopped before a lorry. Unless ``elsewhere_share``
    is negative, that share of the detected were detected elsewhere (complicit drivers' trips moved
    to other ports); otherwise nothing is added to that column."""
    success = lorry_book_kernel(users, gang, success_by_gang, scale, cost_per_attempt, attempts_today, costs_today)
    crossed, died, stopped, days = resolve_kernel(
        users, household, success, p_death, key, k, state, site, next_day, attempts, crossed_day, arrival_day,
        destination, day, return_days, att_site, ok_site,
    )
    detected = stopped.shape[0]
    if reach_by_gang.shape[0] > 0 and stopped.shape[0] > 0:
        detected = detected_share_kernel(stopped, gang, household, reach_by_gang, success_by_gang, key, k + 2)
    settle_kernel(crossed, stopped, died, gang, debt, paid_left, contract_mode, repaid_share, cash_today, scale,
                  funds, escrow, escrow_share)
    n_stopped = stopped.shape[0]
    if crossed.shape[0]:
        values[row, cols[0]] += float(days)
    values[row, cols[1]] += float(users.shape[0])
    values[row, cols[2]] += float(crossed.shape[0])
    values[row, cols[3]] += float(died.shape[0])
    values[row, cols[4]] += float(n_stopped)
    if elsewhere_share >= 0.0:
        elsewhere = detected * elsewhere_share
        values[row, cols[5]] += detected - elsewhere
        values[row, cols[6]] += elsewhere
    else:
        values[row, cols[5]] += float(detected)
    values[row, cols[7]] += float(n_stopped - detected)
    return crossed
