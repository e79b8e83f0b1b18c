"""Stage 7: decisions by random utility (multinomial logit).

Each person in a camp whose decision day has come chooses one option. Options
have fixed integer codes so that adding an option (the market adds paid lorry
places and boats) never changes the random draws of the others (common random
numbers): the choice is the arg-max of ``V[option] + Gumbel(u[household, option])``.

Built-in options and their systematic utilities (MODEL §4, Klabunde & Willekens 2016):

* wait: ``-beta_wait_per_month x months in corridor`` (0 on arrival: waiting grows harder);
* lorry alone: ``asc_lorry_alone + beta_success x S + beta_uk_ties x ties
  - beta_risk x death_risk / risk_tolerance``, with ``S = 1 - (1 - b)**n``, the success over
  the ``n = alone_persistence_attempts`` attempts a person expects to make (trying night after
  night costs no fare), and ``b = belief x exp(-k x attempts)``, the camp's remembered success
  rate of lorry attempts discounted by the person's own failures;
* legal route (when open today and the person qualifies):
  ``asc_legal_route + beta_success + beta_uk_ties x ties``;
* leave the corridor: ``asc_leave + beta_leave_per_month x months in corridor
  + beta_leave_per_failed_attempt x attempts - beta_uk_ties x ties``;
* a boat of one's own (where ``sea.alone_asc`` is set, :mod:`crossings.processes.boats_alone`).

After deciding, the person's next decision day is drawn (geometric, mean
``people.decision_interval_days``). Choosing to leave is immediate; crossing
options are resolved by the crossings stage the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.loop import Process
from crossings.engine.rng import uniform
from crossings.engine.state import IN_CAMP, LEFT
from crossings.processes.draws import GUMBEL_BINS, GUMBEL_BOUND, GUMBEL_LOWER, geometric_days_given

WAIT, LORRY_ALONE, LORRY_PAID, BOAT, LEGAL, LEAVE, LORRY_ACCESS, BOAT_ALONE = range(8)
OPTION_NAMES = ("wait", "lorry_alone", "lorry_paid", "boat", "legal_route", "leave", "lorry_access", "boat_alone")
N_OPTIONS = len(OPTION_NAMES)


@dataclass
class Context:
    """Attributes of today's deciders (arrays aligned with ``idx``)."""

    idx: np.ndarray
    household: np.ndarray
    nationality: np.ndarray
    site: np.ndarray
    funds: np.ndarray
    uk_ties: np.ndarray
    attempts: np.ndarray
    months_in_corridor: np.ndarray
    risk_tolerance: np.ndarray
    gang: np.ndarray  # gang holding the decider's paid contract, or NO_GANG
    paid_left: np.ndarray  # paid attempts left on that contract
    debt: np.ndarray  # EUR owed to a gang


class Option:
    """A choice people can make; ``utility`` returns V for each decider, or None if unavailable."""

    code: int = WAIT
    name: str = "wait"

    def utility(self, sim, ctx: Context, day: int) -> np.ndarray | None:
        return np.zeros(ctx.idx.size)

    def latent_utility(self, sim, ctx: Context, day: int) -> np.ndarray | None:
        """V if the option were on offer today although it is not (a product nobody sells yet), or
        None: used to count the latent demand for it."""
        return None

    def may_be_latent(self) -> bool:
        """Whether :meth:`latent_utility` can return anything but None (it is not called otherwise)."""
        return type(self).latent_utility is not Option.latent_utility

    def latent_displaces(self, sim) -> tuple[int, ...]:
        """Options the product would take off the table were it on offer (counted as unavailable in
        the latent demand): none by default."""
        return ()

    def observe_demand(self, people: float, day: int) -> None:
        """Told, after each day's decisions, how many people chose the option (or would have chosen
        it had it been on offer, see :meth:`latent_utility`)."""


class Wait(Option):
    code, name = WAIT, "wait"

    def utility(self, sim, ctx, day):
        b = sim.scenario.people.beta_wait_per_month
        if b == 0:
            return np.zeros(ctx.idx.size)
        return -b * ctx.months_in_corridor


class LorryAlone(Option):
    code, name = LORRY_ALONE, "lorry_alone"

    def utility(self, sim, ctx, day):
        pp = sim.scenario.people
        if not sim.has_ports:
            return None
        # the exponential and the power stay NumPy's (bit-identical to earlier versions), computed
        # once per combination of camp and own attempts (element-wise functions: the same values);
        # the arithmetic around them runs in kernels, in NumPy's order of operations
        inv, sites, tries = site_attempt_combos(ctx.site, ctx.attempts, sim.belief.shape[1])
        discount = np.exp(-pp.own_failure_discount * tries)
        n = pp.alone_persistence_attempts
        if n != 1.0:  # success over the attempts one expects to make
            belief = alone_failure_kernel(sim.belief[LORRY_ALONE], sites, discount)  # a new array: updated in place
            belief **= n
            np.subtract(1.0, belief, out=belief)
        else:
            belief = sim.belief[LORRY_ALONE, sites] * discount
        risk = sim.scenario.lorry.death_risk
        # ``beta_risk x risk / risk_tolerance`` divides a float32 array by a Python float, so NumPy
        # computes it in float32: the kernel does the same
        return alone_utility_kernel(
            belief, inv, float(pp.asc_lorry_alone), float(pp.beta_success), float(pp.beta_uk_ties), ctx.uk_ties,
            np.float32(pp.beta_risk * risk), ctx.risk_tolerance,
        )


class LegalRoute(Option):
    code, name = LEGAL, "legal_route"

    def utility(self, sim, ctx, day):
        tl = sim.timeline
        if tl.legal_quota_per_day[day] <= 0:
            return None
        pp = sim.scenario.people
        ok = tl.legal_eligible[ctx.nationality, day]
        if tl.legal_requires_ties[day]:
            ok = ok & ctx.uk_ties
        v = pp.asc_legal_route + pp.beta_success + pp.beta_uk_ties * ctx.uk_ties
        return np.where(ok, v, -np.inf)


def expected_success(sim, ctx) -> np.ndarray:
    """Each decider's best expected success per attempt over the crossing options that exist at
    this border (the camp's shared belief, discounted by the person's own failures)."""
    options = []
    if sim.has_ports:
        options += [LORRY_ALONE] + ([LORRY_PAID, LORRY_ACCESS] if sim.market_on else [])
    if getattr(sim, "has_coasts", False) and sim.market_on:
        options.append(BOAT)
    if not options:
        return np.zeros(ctx.idx.size)
    best = sim.belief[options][:, ctx.site].max(axis=0)
    return best * np.exp(-sim.scenario.people.own_failure_discount * ctx.attempts)


class Leave(Option):
    code, name = LEAVE, "leave"

    def utility(self, sim, ctx, day):
        pp = sim.scenario.people
        v = leave_utility_kernel(
            float(pp.asc_leave), float(pp.beta_leave_per_month), ctx.months_in_corridor,
            float(pp.beta_leave_per_failed_attempt), ctx.attempts, float(pp.beta_uk_ties), ctx.uk_ties,
        )
        if pp.beta_leave_hopeless:  # giving up as crossing looks hopeless (0 for the Channel)
            v = v + pp.beta_leave_hopeless * (1.0 - expected_success(sim, ctx))
        return v


@njit(cache=True)
def alone_failure_kernel(belief_row, site, discount):
    """``1 - clip(belief_row[site] x discount, 0, 1)`` element by element (NaN stays NaN, as in
    ``np.clip``)."""
    n = site.shape[0]
    out = np.empty(n, np.float64)
    for r in range(n):
        b = belief_row[site[r]] * discount[r]
        if b < 0.0:
            b = 0.0
        elif b > 1.0:
            b = 1.0
        out[r] = 1.0 - b
    return out


@njit(cache=True)
def site_attempt_combos(site, attempts, n_sites):
    """The distinct (site, attempts) pairs of the deciders, in order of first appearance, and each
    decider's pair: (pair per decider, site of each pair, attempts of each pair)."""
    n = site.shape[0]
    inv = np.empty(n, np.int64)
    sites = np.empty(n, site.dtype)
    tries = np.empty(n, attempts.dtype)
    max_a = 0
    for r in range(n):
        max_a = max(max_a, np.int64(attempts[r]))
    m = 0
    if max_a < 0 or max_a > 4096:  # no table: one pair per decider
        for r in range(n):
            inv[r] = r
            sites[r] = site[r]
            tries[r] = attempts[r]
        return inv, sites, tries
    table = np.empty((n_sites, max_a + 1), np.int64)  # np.full, written out (see numpy_order)
    for r0 in range(n_sites):
        for r1 in range(max_a + 1):
            table[r0, r1] = -1
    for r in range(n):
        a = np.int64(attempts[r])
        if a < 0:  # a negative count (never in a run): a pair of its own
            inv[r] = m
            sites[m] = site[r]
            tries[m] = attempts[r]
            m += 1
            continue
        j = table[site[r], a]
        if j < 0:
            j = m
            table[site[r], a] = j
            sites[m] = site[r]
            tries[m] = attempts[r]
            m += 1
        inv[r] = j
    return inv, sites[:m], tries[:m]


@njit(cache=True)
def alone_utility_kernel(belief, inv, asc, beta_success, beta_ties, uk_ties, risk32, risk_tol):
    """``asc + beta_success x belief[inv] + beta_ties x ties - risk32 / risk_tol`` as NumPy evaluates
    it (left to right; the last term in float32, since ``risk_tol`` is a float32 array)."""
    n = inv.shape[0]
    out = np.empty(n, np.float64)
    for r in range(n):
        q = risk32 / risk_tol[r]  # float32 / float32
        out[r] = asc + beta_success * belief[inv[r]] + beta_ties * (1.0 if uk_ties[r] else 0.0) - np.float64(q)
    return out


@njit(cache=True)
def leave_utility_kernel(asc, beta_month, months, beta_attempt, attempts, beta_ties, uk_ties):
    """``asc + beta_month x months + beta_attempt x attempts - beta_ties x ties`` as NumPy
    evaluates it (left to right)."""
    n = months.shape[0]
    out = np.empty(n, np.float64)
    for r in range(n):
        out[r] = asc + beta_month * months[r] + beta_attempt * np.float64(attempts[r]) - beta_ties * (
            1.0 if uk_ties[r] else 0.0)
    return out


@njit(cache=True)
def group_kernel(choice, idx, n_options):
    """Deciders grouped by option, keeping their order within each option (``idx`` sorted stably
    by ``choice``), and the number choosing each option."""
    counts = np.empty(n_options, np.int64)
    for z in range(counts.shape[0]):  # np.zeros, written out (see numpy_order)
        counts[z] = 0
    for r in range(choice.shape[0]):
        counts[choice[r]] += 1
    pos = np.empty(n_options, np.int64)
    t = 0
    for c in range(n_options):
        pos[c] = t
        t += counts[c]
    order = np.empty(idx.shape[0], idx.dtype)
    for r in range(choice.shape[0]):
        c = choice[r]
        order[pos[c]] = idx[r]
        pos[c] += 1
    return counts, order


@njit(cache=True)
def any_finite(V, c):
    """Whether column ``c`` of ``V`` holds a finite value."""
    for r in range(V.shape[0]):
        if np.isfinite(V[r, c]):
            return True
    return False


@njit(cache=True)
def gather_kernel(active, state, next_day, day, household, nationality, site, funds, uk_ties, attempts,
                  arrival_day, risk_tolerance, gang, paid_left, debt, idx, hh, nat, st, fu, ties, att, months, rt,
                  gg, left, owed):
    """People due to decide today (in camp, decision day come, in the order of ``active``) and their
    attributes (the fields of :class:`Context`, in order), written to the first rows of the arrays
    ``idx`` .. ``owed`` (at least as long as ``active``); returns how many."""
    # the deciders first, then their attributes a few at a time: fewer memory streams at once than
    # one pass copying all twelve (faster at 10^6 people, where each read is a cache miss)
    n = 0
    for j in range(active.shape[0]):
        i = np.uint32(active[j])  # unsigned: no negative-index wraparound (slots are never negative)
        if state[i] != IN_CAMP or next_day[i] > day:
            continue
        idx[n] = i
        n += 1
    for r in range(n):
        i = np.uint32(idx[r])
        hh[r] = household[i]
        nat[r] = nationality[i]
        st[r] = site[i]
    for r in range(n):
        i = np.uint32(idx[r])
        fu[r] = funds[i]
        ties[r] = uk_ties[i]
        att[r] = attempts[i]
    for r in range(n):
        i = np.uint32(idx[r])
        months[r] = (day - arrival_day[i]) / 30.44
        rt[r] = max(risk_tolerance[i], np.float32(1e-3))
    for r in range(n):
        i = np.uint32(idx[r])
        gg[r] = gang[i]
        left[r] = paid_left[i]
        owed[r] = debt[i]
    return n


@njit(cache=True)
def choose_kernel(V, idx, household, next_day, key, day, decision_mean):
    """Gumbel-max choice per decider; also draws the next decision day.

    Household members share their head's draws, so a member whose utilities equal the previous
    decider's (the same household, listed next to each other) makes the same choice and gets the
    same next decision day; that result is reused rather than drawn again."""
    n, k = V.shape
    choice = np.empty(n, np.int8)
    for z in range(choice.shape[0]):  # np.zeros, written out (see numpy_order)
        choice[z] = 0
    prev_nd = 0
    per_day = np.log(1.0 - 1.0 / decision_mean) if decision_mean > 1.0 else 0.0
    for r in range(n):
        hh = household[r]
        if r > 0 and household[r - 1] == hh:
            same = True
            for c in range(k):
                if V[r, c] != V[r - 1, c]:
                    same = False
                    break
            if same:
                choice[r] = choice[r - 1]
                next_day[np.uint32(idx[r])] = prev_nd  # unsigned: no negative-index wraparound
                continue
        choice[r] = _gumbel_best(V, r, key, hh)
        prev_nd = day + (geometric_days_given(key, hh, 200, per_day) if decision_mean > 1.0 else 1)
        next_day[np.uint32(idx[r])] = prev_nd
    return choice


@njit(cache=True)
def latent_count_kernel(V, household, key, code):
    """Deciders whose Gumbel-max choice (the draws :func:`choose_kernel` uses) over ``V`` is ``code``."""
    count = 0
    for r in range(V.shape[0]):
        if _gumbel_best(V, r, key, household[r]) == code:
            count += 1
    return count


@njit(cache=True, inline="always")
def _gumbel_best(V, r, key, hh):
    """The option of row ``r`` with the largest ``V + Gumbel`` on the household's draws (-inf: unavailable)."""
    # The option whose value is surely highest: the largest utility plus the lower bound of its
    # draw's bin; if every other option's utility plus its upper bound is below that, it wins (the
    # same option as computing every term) without any logarithm (see draws.GUMBEL_LOWER).
    lead = -1
    lead_lo = -np.inf
    for c in range(V.shape[1]):
        v = V[r, c]
        if v == -np.inf:
            continue
        lo = v + GUMBEL_LOWER[int(_u(key, hh, 100 + c) * GUMBEL_BINS)]
        if lo > lead_lo:
            lead_lo = lo
            lead = c
    if lead >= 0:
        clear = True
        for c in range(V.shape[1]):
            v = V[r, c]
            if c == lead or v == -np.inf:
                continue
            if v + GUMBEL_BOUND[int(_u(key, hh, 100 + c) * GUMBEL_BINS)] >= lead_lo:
                clear = False
                break
        if clear:
            return lead
    best = 0
    best_v = -np.inf
    for c in range(V.shape[1]):
        v = V[r, c]
        if v == -np.inf:
            continue
        u = _u(key, hh, 100 + c)
        if v + GUMBEL_BOUND[int(u * GUMBEL_BINS)] <= best_v:
            continue  # cannot win (see draws.GUMBEL_BOUND)
        v = v - np.log(-np.log(u))
        if v > best_v:
            best_v = v
            best = c
    return best


@njit(cache=True, inline="always")
def _u(key, slot, k):
    u = uniform(key, slot, k)
    return u if u > 1e-300 else 1e-300


class Decisions(Process):
    """Decisions: people due to decide choose to wait, hide in a lorry, buy a place, take a
    legal route or leave, by random utility over expected success, cost, risk and time spent."""

    name = "decisions"
    reads = ("people.*", "today.decision_candidates", "beliefs", "market.prices", "timeline.legal_quota")
    writes = ("people.next_day", "people.state", "today.intents")

    def __init__(self, sim):
        super().__init__(sim)
        self.options: list[Option] = [Wait(), LorryAlone(), LegalRoute(), Leave()]

    def _buffers(self, n: int) -> list[np.ndarray]:
        """Arrays for the deciders' attributes (the fields of :class:`Context`), at least ``n`` long."""
        buf = getattr(self, "_buf", None)
        if buf is None or buf[0].shape[0] < n:
            p = self.sim.people
            size = max(n, 2 * (0 if buf is None else buf[0].shape[0]), 1024)
            dtypes = (p.active.dtype, p.household.dtype, p.nationality.dtype, p.site.dtype, p.funds.dtype,
                      p.uk_ties.dtype, p.attempts.dtype, np.float64, p.risk_tolerance.dtype, p.gang.dtype,
                      p.paid_attempts_left.dtype, p.debt.dtype)
            buf = self._buf = [np.empty(size, dt) for dt in dtypes]
        return buf

    def _utility_plan(self) -> list:
        """The options in order as (joint, options): options whose class has a ``joint_utility``
        (a static method ``joint_utility(options, sim, ctx, day, VT) -> bool`` that writes the
        utilities of several of them at once, or returns False to leave them to :meth:`Option.utility`)
        gathered at the first one's place; the others one by one, with ``joint`` None."""
        opts = tuple(self.options)
        known = getattr(self, "_plan_options", ())
        if known != opts:  # the same objects (options compare by identity)
            plan, joint = [], {}
            for opt in opts:
                f = getattr(type(opt), "joint_utility", None)
                if f is None:
                    plan.append((None, [opt]))
                elif f in joint:
                    joint[f].append(opt)
                else:
                    joint[f] = [opt]
                    plan.append((f, joint[f]))
            self._plan, self._plan_options = plan, opts
            # the options that may have a latent demand, and those told the demand for them
            self._latent_options = [o for o in opts if o.may_be_latent()]
            self._observing_options = [o for o in opts if type(o).observe_demand is not Option.observe_demand]
        return self._plan

    def add_option(self, option: Option) -> None:
        self.options = [o for o in self.options if o.code != option.code] + [option]

    def step(self, day: int) -> None:
        sim = self.sim
        p = sim.people
        sim.today["intents"] = {}
        # the movement stage lists the camp residents whose decision day has come; the gather
        # re-checks state and day (evictions and clearances may have changed them since)
        candidates = sim.today.get("decision_candidates", p.active)
        buf = self._buffers(candidates.size)
        n = gather_kernel(
            candidates, p.state, p.next_day, day, p.household, p.nationality, p.site, p.funds, p.uk_ties,
            p.attempts, p.arrival_day, p.risk_tolerance, p.gang, p.paid_attempts_left, p.debt, *buf,
        )
        if n == 0:
            return
        # views of today's rows (the buffers are rewritten tomorrow; nothing keeps them past today)
        ctx = Context(*[b[:n] for b in buf])
        idx = ctx.idx
        # one column per option, written whole: V (deciders x options, Fortran order) is the
        # transpose of VT (options x deciders), whose rows the options write
        VT = np.empty((N_OPTIONS, idx.size))
        VT.fill(-np.inf)  # as np.full, with less overhead
        V = VT.T
        for joint, opts in self._utility_plan():
            if joint is not None and joint(opts, sim, ctx, day, VT):
                continue
            for opt in opts:
                v = opt.utility(sim, ctx, day)
                if v is not None:
                    VT[opt.code] = v
        key = sim.streams.key("decisions", day)
        latent = {}
        for opt in self._latent_options:  # demand for products nobody offers yet, counted before choosing
            lv = opt.latent_utility(sim, ctx, day) if not any_finite(V, opt.code) else None
            if lv is not None:
                V2 = V.copy()
                V2[:, opt.code] = lv
                for c in opt.latent_displaces(sim):
                    V2[:, c] = -np.inf
                latent[opt.code] = latent_count_kernel(V2, ctx.household, key, opt.code)
        choice = choose_kernel(
            V, idx, ctx.household, p.next_day, key, day, float(sim.scenario.people.decision_interval_days)
        )
        # group deciders by option, keeping their order within each option
        counts, order = group_kernel(choice, idx, N_OPTIONS)
        counts = counts.tolist()
        scale = float(sim.scenario.scale)
        for opt in self._observing_options:
            opt.observe_demand(float(latent.get(opt.code, counts[opt.code])) * scale, day)
        starts = [0, *accumulate(counts[:-1])]
        if counts[LEAVE]:
            leavers = order[starts[LEAVE] : starts[LEAVE] + counts[LEAVE]]
            p.state[leavers] = LEFT
            sim.rec.add("left_corridor", leavers.size)
        sim.today["intents"] = {
            code: order[starts[code] : starts[code] + counts[code]]
            for code in (LORRY_ALONE, LORRY_PAID, BOAT, LEGAL, LORRY_ACCESS, BOAT_ALONE)
            if counts[code]
        }
