"""The market stage itself: the :class:`Market` process that runs the day (bookkeeping,
dismantling and exit, entry, evasion and boat purchases, pricing, records) and sells places to
people during the decisions and crossings stages, and :func:`install`, which registers the paid
options and crossing handlers with the other stages.
"""

from __future__ import annotations

import numpy as np

from crossings.engine.loop import Process
from crossings.engine.results import INDEX
from crossings.engine.rng import uniform
from crossings.engine.state import IN_CAMP
from crossings.engine.timeline import COAST, PORT
from crossings.processes.crossings import lorry_access, lorry_alone_success
from crossings.processes.decisions import BOAT, LORRY_ACCESS, LORRY_ALONE, LORRY_PAID
from crossings.processes.draws import memory_weight, uniform_slots
from crossings.processes.market import day as market_day
from crossings.processes.market.common import (
    E_BEACH, E_INTEL, E_PORT, E_SEA, K_BOAT_ENTRY, K_BOAT_LINE, K_CHOOSE_GANG, K_ENTRY, K_SAFE_HOUSE, K_TAKEOVER,
)
from crossings.processes.market.entry_exit import dismantle_exit_kernel, dismantle_probability, entry_cost, takeover_kernel
from crossings.processes.market.gangs import (
    Gangs, boat_coast_kernel, boat_line_candidates, book_kernel, guaranteed_kernel, recruitment_step, relative_volume,
)
from crossings.processes.market.pricing import (
    N_PAR, PAR_ACCESS_COST, PAR_ADJUST, PAR_ALONE, PAR_ASC_ACCESS, PAR_FENCE_SHARE, PAR_REACH_ALONE, PAR_CONTROLS_RED, PAR_CONTROLS_S0, PAR_ASC_BOAT, PAR_ASC_LORRY, PAR_BEACH_EXP, PAR_BEACH_MAX, PAR_BETA_COST, PAR_BETA_RISK, PAR_BETA_S,
    PAR_CONGESTION, PAR_CREW, PAR_CROWDING, PAR_DEATH_BOAT, PAR_DEATH_LORRY, PAR_DRIVER, PAR_E_BEACH, PAR_E_INTEL,
    PAR_E_PORT, PAR_ELAST, PAR_ELAST_FLOOR, PAR_GAMMA, PAR_KIT, PAR_LOG_BOAT, PAR_LOG_LORRY, PAR_LORRY_RED,
    PAR_LORRY_S0, PAR_MAX_LERNER, PAR_MAX_LOAD, PAR_N_FEE, PAR_OUTSIDE, PAR_P_SEA, PAR_PHI, PAR_PREMIUM, PAR_RATED,
    PAR_RISK_TOL, PAR_STOCK_MAX, PAR_TERRITORY, PAR_TRAFFIC, PAR_COLLUSION, PAR_CAP_AMONG_BUYERS, PAR_TOL_FLOOR, PAR_TOL_SPAN, PAR_ASC_ALONE, markup, offer_means, posted_price_kernel, price_kernel,
)
from crossings.processes.market.selling import PaidPlace, lorry_attempts_kernel, sell_and_book, sell_log_argument, settle_kernel
from crossings.processes.market.supply import adapt_kernel
from crossings.processes.sea import BoatCrossings, boat_customers, merge_customers


GUARANTEED_CARRY_DAYS = 7.0  # assumption: unused guaranteed places carry over for a week

# the metrics of places sold (places, their summed price) for each paid product (Market.sell is
# called for these three only), in the order they are added: both lorry products count as lorry
# places, and each also by itself
_SOLD_METRICS = {
    BOAT: (("places_sold_boat", "price_boat_x_sold"),),
    LORRY_PAID: (("places_sold_lorry", "price_lorry_x_sold"),
                 ("places_sold_lorry_guaranteed", "price_lorry_guaranteed_x_sold")),
    LORRY_ACCESS: (("places_sold_lorry", "price_lorry_x_sold"),
                   ("places_sold_lorry_access", "price_lorry_access_x_sold")),
}

# the record's columns the sale kernel adds a product's sales to, in the order sell_and_book reads
# them: the revenue, then (places, summed price) pairs; none when the caller records them itself
_SOLD_COLS = {code: np.array([INDEX["revenue_eur"]] + [INDEX[k] for pair in pairs for k in pair], np.int64)
              for code, pairs in _SOLD_METRICS.items()}
_NO_COLS = np.zeros(0, np.int64)
# the record's columns lorry_attempts_kernel adds a paid lorry product's day to, in its order
_LORRY_COLS = {tag: np.array([INDEX[k] for k in (
    "days_to_cross_sum", f"attempts_{tag}", f"crossings_{tag}", "deaths_lorry", "intercepted_port",
    "detected_port_controls", "detected_other_ports", "stopped_access")], np.int64)
    for tag in ("lorry_paid", "lorry_access")}

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
        self.coasts = np.flatnonzero(w.site_kind == COAST) if sim.has_coasts else np.zeros(0, np.int64)
        self.ports = np.flatnonzero(w.site_kind == PORT) if sim.has_ports else np.zeros(0, np.int64)
        self.contract_mode = np.zeros(0, np.int8)
        self.escrow = np.zeros(0, np.float32)  # EUR held by a broker for each customer until arrival
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
        self.risk_prior_weight0 = s.prior_weight_attempts
        self.risk_prior_fade = s.prior_fade_attempts  # None: the prior's weight never fades
        self.boat_attempts_total = 0.0  # every boat attempt seen since the first day (not forgotten)
        self.boat_deaths_seen = 0.0
        self.boat_attempts_seen = 0.0
        # market-wide EUR/day before fixed costs (gross_margin) and the drivers' recruitment factor
        # (recruited): properties reading this array, which the day's kernels update in place
        self._state = np.zeros(2)
        self.gross_margin = 0.0
        self.last_price = 0.0  # last mean posted price and cost per customer, remembered for would-be
        self.last_cost = 0.0  # entrants when no gang is active
        self.kit_cost = s.kit_cost_eur
        self.demand = np.zeros(7)  # people per day choosing (or who would choose) each paid option, recent mean
        self._par = np.zeros(N_PAR)
        self._no_limit = np.full(self.g.n, np.inf)
        self._no_gangs = np.zeros(0)  # no per-gang reach: guaranteed places always reach a lorry
        # slots (ascending) of the people who bought a boat place and may still hold it: the waiting
        # lists and boat queues are read from them rather than from every active person
        self.boat_customers = np.zeros(0, np.int32)
        self._crossings = None  # the crossings stage (looked up on first use)
        self.hhi = 1.0
        # complicit drivers recruited beyond the base pool (a factor >= 1 on the guaranteed places;
        # stays 1 without market.guaranteed_recruitment_days)
        self.recruited = 1.0
        self._consts = None  # the day kernels' constants (market_day.C_*), built on the first day
        self._const_days: set[int] = set()  # days on which a dated parameter path edits the scenario
        self._x = np.zeros(2 * self.g.n)  # arguments of the day's NumPy power and exp
        self._act = np.zeros(self.g.n, np.int64)  # today's active gangs
        self._gone = np.zeros(self.g.n, np.int64)  # today's dismantled gangs, then those leaving
        self._coast = np.zeros(self.g.n, np.int64)  # today's boat coast of each gang
        self._cols = np.array([INDEX[k] for k in (
            "gangs_active", "weather_viable", "market_hhi", "price_boat_eur", "price_lorry_eur", "markup",
            "boat_lines_opened")], np.int64)
        for j in range(min(int(m.initial_gangs), self.g.n)):
            self._open(j, 0)
        self.ensure_capacity()

    @property
    def gross_margin(self) -> float:
        return float(self._state[market_day.S_GROSS_MARGIN])

    @gross_margin.setter
    def gross_margin(self, v: float) -> None:
        self._state[market_day.S_GROSS_MARGIN] = v

    @property
    def recruited(self) -> float:
        return float(self._state[market_day.S_RECRUITED])

    @recruited.setter
    def recruited(self, v: float) -> None:
        self._state[market_day.S_RECRUITED] = v

    # -- helpers ------------------------------------------------------------------------------------
    def _network_for_new_gang(self, others: np.ndarray) -> int:
        """The nationality with the most people waiting in the corridor per gang already serving it
        (ties: the first); before anyone waits, the nationality with the largest share of the inflow."""
        sim = self.sim
        waiting = sim.camp_counts.sum(axis=0) if sim.camp_counts.size else np.zeros(0)
        if waiting.size == 0 or waiting.sum() <= 0:
            waiting = sim.timeline.nationality_share[:, getattr(sim, "day", 0)].astype(float)
        served = np.bincount(self.g.network[others][self.g.network[others] >= 0], minlength=waiting.size)[: waiting.size]
        return int(np.argmax(waiting / (1.0 + served)))

    def reachable(self, ok: np.ndarray, nationality: int) -> np.ndarray:
        """Of the gangs in ``ok``, those a person of ``nationality`` can buy from: their network's
        (or all of them when no gang serves that network, or networks are off)."""
        net = self.g.network
        mine = ok & ((net == nationality) | (net < 0))
        return mine if mine.any() else ok

    def boat_coast(self) -> np.ndarray:
        """Each gang's stretch of coast if it sells boat places, else -1."""
        g = self.g
        return boat_coast_kernel(g.boat_line, g.home_coast)

    def _coast_for(self, code: int) -> np.ndarray:
        """The coasts the kernels that find the gangs offering ``code`` read: :meth:`boat_coast` for
        boat places; for lorry places they are not read, so the gangs' home coasts (no copy)."""
        return self.boat_coast() if code == BOAT else self.g.home_coast

    def guaranteed_share(self, day: int) -> float:
        """Guaranteed lorry places each active gang can sell on ``day`` (people): the market's daily
        places at that day's lorry traffic, less those port enforcement deters, shared equally."""
        n = max(int(np.count_nonzero(self.g.active)), 1)
        d = max(day, 0)
        traffic = min(float(self.sim.timeline.lorry_traffic[d]), 1.5)
        m = self.sim.scenario.market
        deterred = m.guaranteed_places_enforcement_effect * float(self.enforcement(d)[E_PORT])
        return m.guaranteed_places_per_day * traffic * (1.0 - deterred) * self.recruited / n

    def recruit_drivers(self, day: int) -> None:
        """Complicit drivers recruited or lost today (``market.guaranteed_recruitment_days``): the
        recruitment factor moves by ``(1 - E_port / E0) / days - disruption x (today's rise in
        E_port)`` (:func:`~crossings.processes.market.gangs.recruitment_step`), up only while
        guaranteed places sell out (people hear they are scarce), down (never below 1) whenever that
        rate is negative: port enforcement above ``E0 = market.guaranteed_recruitment_enforcement``,
        or a new bout of it (``market.guaranteed_recruitment_disruption``)."""
        m = self.sim.scenario.market
        if m.guaranteed_recruitment_days is None:
            return
        e = float(self.enforcement(max(day, 0))[E_PORT])
        rise = e - float(self.enforcement(day - 1)[E_PORT]) if day > 0 else 0.0
        sold_out = self.availability(LORRY_PAID, day) < 1.0
        self.recruited = recruitment_step(self.recruited, e, m.guaranteed_recruitment_enforcement,
                                          m.guaranteed_recruitment_days, sold_out, rise,
                                          m.guaranteed_recruitment_disruption)

    def availability(self, code: int, day: int) -> float:
        """People's chance of getting a place of ``code`` they decide to buy: for guaranteed lorry
        places, today's places over the recent number of people choosing them (at most 1; people
        hear that places are scarce); 1 for the other products."""
        if code != LORRY_PAID:
            return 1.0
        places = self.guaranteed_share(day) * max(int(np.count_nonzero(self.g.active)), 1)
        demand = self.demand[LORRY_PAID]
        return 1.0 if demand <= places else places / demand

    def would_be_boat_price(self) -> float | None:
        """The mean price the active gangs with a coast would ask for a boat place (None if none)."""
        g = self.g
        ok = g.active & (g.home_coast >= 0) & (g.price_boat > 0)
        return float(g.price_boat[ok].mean()) if ok.any() else None

    def observe_demand(self, code: int, people: float) -> None:
        a = memory_weight(self.sim.scenario.market.volume_memory_days)
        self.demand[code] += a * (people - self.demand[code])

    def ensure_capacity(self) -> None:
        cap = self.sim.people.capacity
        if self.contract_mode.size < cap:
            new = np.zeros(cap, np.int8)
            new[: self.contract_mode.size] = self.contract_mode
            self.contract_mode = new
            esc = np.zeros(cap, np.float32)
            esc[: self.escrow.size] = self.escrow
            self.escrow = esc

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
        g.scarcity[j] = 1.0
        g.network[j] = self._network_for_new_gang(others) if m.network_gangs else -1
        g.guaranteed_sold[j] = 0.0
        g.guaranteed_balance[j] = 0.0
        g.territory[j, :] = False
        g.territory[j, self.ports] = True
        if self.coasts.size:
            taken = np.array([(g.home_coast[others] == c).sum() for c in self.coasts])
            g.home_coast[j] = int(self.coasts[int(np.argmin(taken))])
            g.territory[j, g.home_coast[j]] = True
            g.boat_line[j] = bool(m.boat_lines_from_start) or bool(g.boat_line[others].any())
            g.boats[j] = 1.0 if g.boat_line[j] else 0.0
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
        g.boat_line[removed] = False
        g.network[removed] = -1
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

    def posted_price(self, code: int, nationality: int | None = None) -> float | None:
        """The price people hear about in camps: the volume-weighted mean posted price of gangs
        offering the mode (those of the person's network when networks are on), or None if nobody
        offers it."""
        g = self.g
        price = self.prices(code)
        active = g.active
        if nationality is not None and self.sim.scenario.market.network_gangs:
            active = self.reachable(self.offers(code), nationality)
        n, mean = posted_price_kernel(active, self._coast_for(code), code == BOAT, self.ports.size > 0, price, g.volume)
        return float(mean) if n else None

    def offers(self, code: int) -> np.ndarray:
        g = self.g
        if code == BOAT:
            return g.active & (self.boat_coast() >= 0)
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
        if self.risk_prior_fade is not None:  # experience displaces the prior
            self.boat_attempts_total += attempts
            self.risk_prior_weight = self.risk_prior_weight0 * float(np.exp(-self.boat_attempts_total / self.risk_prior_fade))

    def perceived_death_risk(self, code: int) -> float:
        if code == BOAT:
            return self.death_risk_boat
        return float(self.sim.scenario.lorry.death_risk)

    def enforcement(self, day: int) -> np.ndarray:
        return self.sim.timeline.effectiveness[:, day]

    # -- the day ----------------------------------------------------------------------------------
    def step(self, day: int) -> None:
        """The day in five kernels (:mod:`~crossings.processes.market.day`): the same steps, in the
        same order and arithmetic, as :meth:`step_by_stage`."""
        self.ensure_capacity()
        sim = self.sim
        g = self.g
        tl = sim.timeline
        if self._consts is None or day in self._const_days:
            self._consts = self._constants()
        c = self._consts
        n, factor = market_day.morning_kernel(g.F, g.active, day, tl.effectiveness, tl.lorry_traffic,
                                              tl.dismantle_multiplier, self.demand, c, self._state, self._x, self._act)
        x = self._x[: n + g.n]
        if n:  # dismantling chances 1 - exp(-factor x max(relative volume, 0) ** exponent), NumPy's ** and exp
            np.multiply(x[:n] ** sim.scenario.market.dismantle_size_exponent, -factor, out=x[:n])
        np.exp(x, out=x)  # and the evasion investment's keep = exp(-investment / cost)
        key = sim.streams.key("market", day)
        rec = sim.rec
        if n:
            n_dis, n_ex, enter = market_day.midday_kernel(g.F, g.active, self._act, n, x, key, g.entered_day, day,
                                                          tl.effectiveness, c, self._state, self._gone)
            if n_dis:
                self._close(self._gone[:n_dis].copy(), day)
                rec.add("gangs_dismantled", n_dis)
            if n_ex:
                self._close(self._gone[n_dis: n_dis + n_ex].copy(), day)
                rec.add("gangs_exited", n_ex)
            if n_dis or n_ex:
                self._entry(day)
            elif enter:
                self._open(int(np.argmin(g.active)), day)  # the first free slot
                rec.add("gangs_entered", 1)
        else:
            self._entry(day)
        self._open_boat_lines(day)
        self._boat_entry(day)
        self._evening(day, x[n:], False)

    def _evening(self, day: int, keep: np.ndarray, price_only: bool) -> None:
        """The evening kernel, the price kernel and the record kernel
        (:mod:`~crossings.processes.market.day`); with ``price_only``, :meth:`price`."""
        sim = self.sim
        g = self.g
        tl = sim.timeline
        p = sim.people
        rec = sim.rec
        row = rec.values[rec.day]
        alone = lorry_alone_success(sim, day) if sim.has_ports else 0.0
        reach = lorry_access(sim, day) if sim.has_ports else 1.0
        c = self._consts
        self.boat_customers, self.kit_cost, n_act = market_day.evening_kernel(
            g.F, g.active, g.home_coast, g.boat_line, keep, self.boat_customers, p.state, p.gang,
            p.paid_attempts_left, self.contract_mode, p.crossed_day, day, c, self._par, tl.effectiveness,
            tl.lorry_traffic, tl.sea_interception, self.seized_share, self.launch_crowding, self.death_risk_boat,
            alone, reach, price_only, float(self.kit_cost), self._coast,
        )
        if n_act:
            self.hhi = price_kernel(
                g.active, g.evasion, g.volume, g.price_lorry, g.price_boat, g.cost_lorry, g.cost_boat, g.markup_lorry,
                g.markup_boat, g.load, g.success_lorry, g.success_boat, g.stock_seizure, g.beach_interception,
                self._par, g.price_access, g.cost_access, g.markup_access, g.success_access, g.reach_access,
                g.scarcity, g.network, g.home_coast,
            )
        if price_only:
            return
        remembered, mean_price, mean_cost = market_day.record_kernel(g.F, g.active, self._coast, c, self.hhi,
                                                                     tl.weather_viable, day, row, self._cols)
        if remembered:
            self.last_price, self.last_cost = mean_price, mean_cost

    def price_fused(self, day: int) -> None:
        """:meth:`price` in the evening kernel (the market's first pricing, at installation)."""
        self.ensure_capacity()
        if self._consts is None:
            self._consts = self._constants()
        self._evening(day, self._x[: self.g.n], True)

    def step_by_stage(self, day: int) -> None:
        """The day stage by stage in Python (the reference :meth:`step` is tested against)."""
        self.ensure_capacity()
        self._book(day)
        self._dismantle_and_exit(day)
        self._entry(day)
        self._open_boat_lines(day)
        self._boat_entry(day)
        coast = self.boat_coast()  # the gangs' lines are set for the day
        self._adapt(day, coast)
        self.price(day)
        self._record(day, coast)

    def _constants(self) -> np.ndarray:
        """The day kernels' constants from the scenario (and the price kernel's constant entries of
        ``self._par``). On the first day, also the days on which a dated parameter path edits the
        scenario: they are rebuilt on those days."""
        sim = self.sim
        sc = sim.scenario
        m, s, pp = sc.market, sc.sea, sc.people
        if self._consts is None:
            for vals in sim.timeline.parameter_paths.values():
                v = np.asarray(vals, float)
                changed = ~np.isnan(v)
                changed[1:] &= v[:-1] != v[1:]
                self._const_days.update(np.flatnonzero(changed).tolist())
        d = market_day
        c = np.zeros(d.N_C)
        c[d.C_VOLUME_A] = memory_weight(m.volume_memory_days)
        c[d.C_ADJUST_A] = memory_weight(m.price_adjust_days)
        c[d.C_RECRUIT_DAYS] = np.nan if m.guaranteed_recruitment_days is None else m.guaranteed_recruitment_days
        c[d.C_RECRUIT_E0] = m.guaranteed_recruitment_enforcement
        c[d.C_RECRUIT_DISRUPTION] = m.guaranteed_recruitment_disruption
        c[d.C_GP_PER_DAY] = m.guaranteed_places_per_day
        c[d.C_GP_ENFORCEMENT] = m.guaranteed_places_enforcement_effect
        c[d.C_CARRY_DAYS] = GUARANTEED_CARRY_DAYS
        c[d.C_FIXED_COST] = m.fixed_cost_eur_per_day
        c[d.C_DIS_BASE] = m.dismantle_rate_per_year
        c[d.C_DIS_INTEL] = m.dismantle_rate_intelligence_per_year
        c[d.C_EXIT_PATIENCE] = m.exit_patience_days
        c[d.C_ENTRY_HORIZON] = m.entry_horizon_days
        c[d.C_ENTRY_COST] = m.entry_cost_eur
        c[d.C_ENTRY_SLOPE] = m.entry_cost_enforcement
        c[d.C_ENTRY_RATE] = m.entry_rate_per_day
        c[d.C_INVEST_SHARE] = m.evasion_investment_share
        c[d.C_EVASION_COST] = m.evasion_cost_eur
        c[d.C_KIT] = s.kit_cost_eur
        c[d.C_KIT_SEIZURE] = s.kit_cost_seizure_effect
        c[d.C_SUPPLY] = s.supply_per_gang_per_day
        c[d.C_SUPPLY_DISRUPTION] = s.supply_disruption
        c[d.C_EVASION_MAX] = m.evasion_max
        c[d.C_EVASION_DECAY] = m.evasion_decay_per_year
        c[d.C_RESTOCK_DAYS] = s.restock_days
        c[d.C_SCALE] = float(sc.scale)
        c[d.C_RISK_PREMIUM] = m.risk_premium_eur
        c[d.C_DRIVER] = m.driver_payment_eur
        c[d.C_DRIVER_ENFORCEMENT] = m.driver_payment_enforcement
        c[d.C_ASC_ALONE] = pp.asc_lorry_alone
        c[d.C_BETA_S] = pp.beta_success
        c[d.C_BETA_RISK] = pp.beta_risk
        c[d.C_DEATH_LORRY] = sc.lorry.death_risk
        c[d.C_RISK_T] = self._price_constants()
        c[d.C_HAS_PORTS] = 1.0 if sim.has_ports else 0.0
        c[d.C_PORTS_LISTED] = 1.0 if self.ports.size > 0 else 0.0
        return c

    def _book(self, day: int) -> None:
        """Fold yesterday's flows into capital, volume and profit memories."""
        g = self.g
        m = self.sim.scenario.market
        a = memory_weight(m.volume_memory_days)
        self.recruit_drivers(day)
        # guaranteed lorry places: gangs that sold out their places yesterday raise their price,
        # others ease it; each gang's balance of places grows by its share of today's places (unused
        # places carry over for at most GUARANTEED_CARRY_DAYS; a sale may overdraw it by one agent)
        guaranteed_kernel(g.active, g.scarcity, g.guaranteed_sold, g.guaranteed_balance,
                          memory_weight(m.price_adjust_days), float(self.guaranteed_share(day)), GUARANTEED_CARRY_DAYS)
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
        p = self._entry_chance(gross / (n_act + 1), day)
        key = sim.streams.key("market", day)
        if p > 0 and uniform(key, g.n, K_ENTRY) < p:
            self._open(int(np.argmin(g.active)), day)  # the first free slot
            sim.rec.add("gangs_entered", 1)

    def _open_boat_lines(self, day: int) -> None:
        """Gangs with a coast but no boat line open one when a boat line is expected to earn more per
        day than lorry places. Expected margin per day of each product: (price - cost per customer) x
        the recent demand for it (people per day choosing it, or who would choose it at the price
        asked if nobody sells it yet), shared among the gangs selling it (for boats, those with a
        line and the gang itself); guaranteed places within the gangs' daily places."""
        g = self.g
        m = self.sim.scenario.market
        d = self.demand
        if d[BOAT] <= 0:
            return
        cand, lines = boat_line_candidates(g.active, g.home_coast, g.boat_line)
        if cand.size == 0:
            return
        boat_gross = (g.price_boat[cand] - g.cost_boat[cand]) * d[BOAT] / (lines + 1)
        n_act = int(np.count_nonzero(g.active))
        paid = min(d[LORRY_PAID], self.guaranteed_share(day) * n_act)
        lorry_gross = (np.mean(g.price_lorry[cand] - g.cost_lorry[cand]) * paid
                       + np.mean(g.price_access[cand] - g.cost_access[cand]) * d[LORRY_ACCESS]) / max(n_act, 1)
        key = self.sim.streams.key("market", day)
        u = uniform_slots(key, cand.astype(np.int64), K_BOAT_LINE)
        opened = cand[(boat_gross > lorry_gross) & (u < m.entry_rate_per_day)]
        if opened.size:
            g.boat_line[opened] = True
            self.sim.rec.add("boat_lines_opened", opened.size)

    def _entry_chance(self, gross_per_day: float, day: int) -> float:
        """Today's chance that a would-be entrant expecting ``gross_per_day`` (EUR/day before fixed
        costs) enters: ``entry_rate_per_day x min(ratio - 1, 1)``, ratio = its profit over
        ``entry_horizon_days`` over the entry cost at today's enforcement."""
        m = self.sim.scenario.market
        e = self.enforcement(day)
        expected = m.entry_horizon_days * (gross_per_day - m.fixed_cost_eur_per_day)
        cost = entry_cost(m.entry_cost_eur, m.entry_cost_enforcement, (e[E_PORT] + e[E_BEACH] + e[E_INTEL]) / 3.0)
        # Python floats: a tiny cost makes the ratio infinite, as intended (no NumPy overflow warning)
        ratio = float(expected) / float(cost) if cost > 0 else np.inf
        return m.entry_rate_per_day * min(max(ratio - 1.0, 0.0), 1.0)

    def _boat_entry(self, day: int) -> None:
        """A new group enters to sell boat places (``market.boat_entrants``, with boat lines opened by
        the supply side): it compares what a boat line would earn over ``entry_horizon_days``, the
        boat margin (mean price minus cost per customer that the gangs with a coast would ask) times
        the recent demand for boat places (or the latent demand while nobody sells them, which
        includes the people going out in boats of their own), shared with the gangs already selling
        boats and itself, less the fixed costs, with the entry cost, as :meth:`_entry` does for the
        whole market; and enters, with a boat line, with chance ``entry_rate_per_day`` x
        min(ratio - 1, 1). Unlike a lorry gang opening a line (:meth:`_open_boat_lines`), it gives
        up no lorry margin: the groups that took the sea in 2018-19 were new to the Channel
        (NCA-2020). One draw a day on the market's own slot."""
        sim = self.sim
        m = sim.scenario.market
        if not m.boat_entrants or m.boat_lines_from_start or not self.coasts.size:
            return
        demand = float(self.demand[BOAT])
        g = self.g
        n_act = int(np.count_nonzero(g.active))
        if demand <= 0 or n_act == g.n:
            return
        ok = g.active & (g.home_coast >= 0) & (g.price_boat > 0)
        if not ok.any():
            return
        margin = float(np.mean(g.price_boat[ok] - g.cost_boat[ok]))
        lines = int(np.count_nonzero(g.active & g.boat_line))
        p = self._entry_chance(margin * demand / (lines + 1), day)
        if p > 0 and uniform(sim.streams.key("market", day), g.n, K_BOAT_ENTRY) < p:
            j = int(np.argmin(g.active))  # the first free slot
            self._open(j, day)
            g.boat_line[j] = True
            g.boats[j] = 1.0
            sim.rec.add("gangs_entered", 1)
            sim.rec.add("boat_lines_opened", 1)

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

    def _adapt(self, day: int, coast: np.ndarray | None = None) -> None:
        """Evasion investment and decay; boat purchases; fixed costs (booked for today). ``coast``:
        today's :meth:`boat_coast`, if already known."""
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
            g.active, self.boat_coast() if coast is None else coast, g.evasion, keep, g.revenue_last, g.costs_today, g.volume, g.load, g.capital,
            g.boats, m.evasion_investment_share, m.fixed_cost_eur_per_day, m.evasion_max, m.evasion_decay_per_year,
            s.restock_days, supply, self.kit_cost, self.waiting_boat_people(day),
        )

    def waiting_boat_people(self, day: int | None = None) -> np.ndarray:
        """People (not agents) waiting in a camp with a boat contract, per gang, on ``day`` (default:
        the simulation's)."""
        _, w = self._boat_customers(self.sim.day if day is None else day)
        return w * float(self.sim.scenario.scale)

    def boat_queue(self, day: int) -> np.ndarray:
        """The people in a camp holding a boat contract, in slot order."""
        queue, _ = self._boat_customers(day)
        return queue

    def _boat_customers(self, day: int):
        """Boat queue and waiting people per gang (agents) from the boat customers, whose list drops
        those who can no longer be in a queue."""
        p = self.sim.people
        self.ensure_capacity()
        queue, waiting, self.boat_customers = boat_customers(
            self.boat_customers, p.state, p.gang, p.paid_attempts_left, self.contract_mode, p.crossed_day, day, BOAT,
            self.g.n,
        )
        return queue, waiting

    def price(self, day: int) -> None:
        """Costs per customer, boat loads and prices of every active gang (moves posted prices)."""
        g = self.g
        if not np.count_nonzero(g.active):
            return
        sim = self.sim
        sc = sim.scenario
        m, pp = sc.market, sc.people
        tl = sim.timeline
        e = self.enforcement(day)
        alone = lorry_alone_success(sim, day) if sim.has_ports else 0.0
        risk_t = self._price_constants()
        v_alone = pp.asc_lorry_alone + pp.beta_success * alone - pp.beta_risk * sc.lorry.death_risk / risk_t
        par = self._par
        par[PAR_PREMIUM] = m.risk_premium_eur * e[E_INTEL]
        par[PAR_TRAFFIC] = min(tl.lorry_traffic[day], 1.5)
        par[PAR_E_PORT] = e[E_PORT]
        par[PAR_DRIVER] = m.driver_payment_eur * (1.0 + m.driver_payment_enforcement * e[E_PORT])
        par[PAR_E_BEACH] = e[E_BEACH]
        par[PAR_E_INTEL] = e[E_INTEL]
        par[PAR_CROWDING] = self.launch_crowding
        par[PAR_P_SEA] = tl.sea_interception[day] * e[E_SEA]
        par[PAR_KIT] = self.kit_cost
        par[PAR_DEATH_BOAT] = self.death_risk_boat
        par[PAR_ALONE] = alone
        par[PAR_OUTSIDE] = max(v_alone, 0.0) if sim.has_ports else 0.0  # crossing alone, or waiting (utility 0)
        par[PAR_REACH_ALONE] = lorry_access(sim, day) if sim.has_ports else 1.0
        self.hhi = price_kernel(
            g.active, g.evasion, g.volume, g.price_lorry, g.price_boat, g.cost_lorry, g.cost_boat, g.markup_lorry,
            g.markup_boat, g.load, g.success_lorry, g.success_boat, g.stock_seizure, g.beach_interception, par,
            g.price_access, g.cost_access, g.markup_access, g.success_access, g.reach_access, g.scarcity,
            g.network, g.home_coast,
        )

    def _price_constants(self) -> float:
        """The entries of the price kernel's parameters that only the scenario sets; returns the risk
        tolerance of the buyer whose willingness to pay caps prices."""
        sc = self.sim.scenario
        m, s, pp = sc.market, sc.sea, sc.people
        # the buyer whose willingness to pay caps prices: risk tolerance is a floor plus an exponential
        # with the rest of the mean, so the q-quantile buyer has risk tolerance
        # floor - (mean - floor) x ln(1 - q) (with no floor, q = 1 - 1/e gives the mean)
        # (floored at 1e-3, as people's own risk tolerance is in the decisions stage)
        floor = pp.risk_tolerance_min
        span = (pp.risk_tolerance_mean - floor) * -np.log1p(-m.price_cap_buyer_quantile)
        risk_t = max(floor + span, 1e-3)
        par = self._par
        par[PAR_N_FEE] = m.attempts_per_fee
        par[PAR_LORRY_S0] = m.lorry_success_unenforced
        par[PAR_LORRY_RED] = m.lorry_max_reduction
        par[PAR_LOG_LORRY] = m.logistics_lorry_eur
        par[PAR_STOCK_MAX] = s.stock_seizure_max
        par[PAR_BEACH_MAX] = s.beach_interception_max
        par[PAR_BEACH_EXP] = s.beach_interception_exponent
        par[PAR_CONGESTION] = s.congestion_boats
        par[PAR_CREW] = s.crew_cost_eur
        par[PAR_PHI] = s.overload_cost_eur
        par[PAR_RATED] = s.rated_capacity
        par[PAR_GAMMA] = s.overload_exponent
        par[PAR_MAX_LOAD] = s.max_load
        par[PAR_DEATH_LORRY] = sc.lorry.death_risk
        par[PAR_LOG_BOAT] = m.logistics_boat_eur
        par[PAR_ELAST] = m.demand_elasticity
        par[PAR_ELAST_FLOOR] = m.demand_elasticity_floor
        par[PAR_MAX_LERNER] = m.max_lerner
        par[PAR_ASC_LORRY] = m.asc_lorry_paid
        par[PAR_ASC_BOAT] = m.asc_boat
        par[PAR_BETA_S] = pp.beta_success
        par[PAR_BETA_RISK] = pp.beta_risk
        par[PAR_RISK_TOL] = risk_t
        par[PAR_BETA_COST] = pp.beta_cost_per_1000_eur / 1000.0
        par[PAR_ADJUST] = memory_weight(m.price_adjust_days)
        par[PAR_CONTROLS_S0] = sc.lorry.success_unenforced
        par[PAR_CONTROLS_RED] = sc.lorry.max_reduction
        par[PAR_ACCESS_COST] = m.access_cost_eur
        par[PAR_ASC_ACCESS] = pp.asc_lorry_alone + m.asc_lorry_access
        par[PAR_FENCE_SHARE] = m.access_fence_share
        par[PAR_TERRITORY] = 1.0 if m.coast_territories else 0.0
        par[PAR_COLLUSION] = m.collusion
        par[PAR_CAP_AMONG_BUYERS] = 1.0 if m.price_cap_among_buyers else 0.0
        par[PAR_TOL_FLOOR] = floor
        par[PAR_ASC_ALONE] = pp.asc_lorry_alone
        par[PAR_TOL_SPAN] = span
        return risk_t

    def _record(self, day: int, coast: np.ndarray | None = None) -> None:
        g = self.g
        rec = self.sim.rec
        n = int(np.count_nonzero(g.active))
        rec.set("gangs_active", n)
        rec.set("weather_viable", float(self.sim.timeline.weather_viable[day]))
        if n == 0:
            return
        rec.set("market_hhi", self.hhi)
        n_boat, n_lorry, price_boat, price_lorry, mean_markup, cost_boat, cost_lorry = offer_means(
            g.active, self.boat_coast() if coast is None else coast, self.ports.size > 0, g.price_boat, g.price_lorry, g.markup_boat, g.markup_lorry,
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
        prices = self.prices(code)
        bc = sim.scenario.people.beta_cost_per_1000_eur / 1000.0
        # gang weights: log(volume + 0.2 x mean volume of those offering + 1e-6) - bc x price
        ok, log_x = sell_log_argument(g.active, g.home_coast, g.boat_line, code == BOAT, self.ports.size > 0,
                                      g.volume)
        np.log(log_x, out=log_x)  # NumPy's log (bit-identical to earlier versions)
        key = sim.streams.key("market", day)
        # new boat customers whom their gang lodges off-camp (safe houses, hotels, inland) until it
        # calls them to the coast, with probability ``sea.safe_house_share`` per household
        safe_share = float(sim.scenario.sea.safe_house_share) if code == BOAT else 0.0
        # sales draw the gangs' balances of guaranteed places down in place (other places: no limit,
        # and inf less anything stays inf)
        capacity = g.guaranteed_balance if code == LORRY_PAID else self._no_limit
        args = (p.household, p.funds, p.debt, p.gang, p.paid_attempts_left, self.contract_mode, code, key,
                K_CHOOSE_GANG + 100 * code, prices, log_x, bc)
        tail = (float(m.credit_share_max), int(m.attempts_per_fee), float(sim.scenario.scale), g.cash_today,
                g.revenue_today, self.escrow, np.float32(m.escrow_share), capacity, p.off_camp, safe_share,
                K_SAFE_HOUSE)
        rec = sim.rec
        if not m.network_gangs:  # the kernel books the places sold and records the sales itself
            _, users, n_sold, _ = sell_and_book(
                idx, *args, ok, *tail, g.guaranteed_sold if code == LORRY_PAID else self._no_gangs, rec.values,
                rec.day, _SOLD_COLS[code])
        else:  # each network's people buy from its gangs
            left_before = capacity.copy() if code == LORRY_PAID else None
            holder = np.zeros(idx.size, bool)
            n_sold, sold_eur = 0, 0.0
            nat = p.nationality[idx]
            for n in np.unique(nat):
                rows = np.flatnonzero(nat == n)
                h, _, k, e = sell_and_book(idx[rows], *args, self.reachable(ok, int(n)), *tail, self._no_gangs,
                                           rec.values, rec.day, _NO_COLS)
                holder[rows] = h
                n_sold += k
                sold_eur += e
            if code == LORRY_PAID:
                g.guaranteed_sold += left_before - capacity
            users = idx[holder]
            if n_sold:
                rec.add("revenue_eur", sold_eur)
                for places, price in _SOLD_METRICS[code]:
                    rec.add(places, n_sold)
                    rec.add(price, sold_eur)
        if code == BOAT and n_sold:  # new boat customers join the list (kept sorted, without repeats)
            self.boat_customers = merge_customers(self.boat_customers, np.sort(users).astype(np.int32, copy=False))
        return users

    def prices(self, code: int) -> np.ndarray:
        """Each gang's posted price of a product."""
        g = self.g
        return g.price_boat if code == BOAT else g.price_access if code == LORRY_ACCESS else g.price_lorry

    def settle(self, crossed: np.ndarray, stopped: np.ndarray, dead: np.ndarray) -> None:
        """After attempts: arrivals repay debt to their gang and end their contract; people stopped use
        up one paid attempt; contracts of the dead end."""
        sim = self.sim
        p = sim.people
        # debts are float32: the repaid share is applied in float32 arithmetic
        share = np.float32(sim.scenario.market.credit_repaid_share)
        settle_kernel(
            crossed, stopped, dead, p.gang, p.debt, p.paid_attempts_left, self.contract_mode, share, self.g.cash_today,
            float(sim.scenario.scale), p.funds, self.escrow, np.float32(sim.scenario.market.escrow_share),
        )

    # -- paid lorry places -------------------------------------------------------------------------------
    def lorry_paid(self, day: int, idx: np.ndarray) -> None:
        """Crossings handler for guaranteed places (a driver's complicity): success depends on the
        gang's evasion skill; the gang pays the driver and logistics per attempt."""
        m = self.sim.scenario.market
        driver = m.driver_payment_eur * (1.0 + m.driver_payment_enforcement * self.enforcement(day)[E_PORT])
        self._lorry_product(day, idx, LORRY_PAID, self.g.success_lorry, driver + m.logistics_lorry_eur, "lorry_paid")

    def lorry_access(self, day: int, idx: np.ndarray) -> None:
        """Crossings handler for access places: the gang gets the customer past the fences to a lorry
        (no access stage); the controls are faced as alone, lowered by the gang's knowledge of them."""
        m = self.sim.scenario.market
        self._lorry_product(day, idx, LORRY_ACCESS, self.g.success_access, m.access_cost_eur, "lorry_access",
                            self.g.reach_access)

    def _lorry_product(self, day: int, idx: np.ndarray, code: int, success_by_gang: np.ndarray,
                       cost_per_attempt: float, tag: str, reach_by_gang: np.ndarray | None = None) -> None:
        """Sell places of one lorry product to today's customers without a contract, book the gangs'
        attempts and costs, resolve the attempts and settle contracts. A guaranteed place always puts
        people in a lorry, so its failures are detections at the controls; an access place reaches a
        lorry with the gang's ``reach_by_gang`` chance, and its failures are split between people
        stopped before a lorry and people detected at the controls."""
        if idx.size == 0:
            return
        sim = self.sim
        users = self.sell(day, idx, code)
        if users.size == 0:
            return
        p = sim.people
        g = self.g
        sc = sim.scenario
        lo = sc.lorry
        if self._crossings is None:
            self._crossings = sim.loop["crossings"]
        cr = self._crossings
        # book the gangs' attempts, resolve them as the crossings stage does (Crossings.resolve; the
        # stopped and detected back to camp), split access failures, settle contracts, and record
        displaced = sc.market.guaranteed_displacement if code == LORRY_PAID else 0.0
        # complicit drivers' trips moved to ports outside France (Zeebrugge, ...): the share of the
        # detected found there (-1: none moved)
        elsewhere = min(1.0, displaced * float(self.enforcement(day)[E_PORT])) if displaced > 0.0 else -1.0
        rec = sim.rec
        crossed = lorry_attempts_kernel(
            users, p.gang, success_by_gang, self._no_gangs if reach_by_gang is None else reach_by_gang,
            float(sc.scale), float(cost_per_attempt), g.attempts_today, g.costs_today, p.household,
            cr._chance(lo.death_risk, cr._p_death), sim.streams.key("crossings", day), 10 * code, p.state, p.site,
            p.next_day, p.attempts, p.crossed_day, p.arrival_day, sim.world.destination, day,
            int(round(lo.caught_return_days)), sim.today["attempts_by_site"][code], sim.today["successes_by_site"][code],
            p.debt, p.paid_attempts_left, self.contract_mode, np.float32(sc.market.credit_repaid_share),
            g.cash_today, p.funds, self.escrow, np.float32(sc.market.escrow_share), elsewhere, rec.values, rec.day,
            _LORRY_COLS[tag],
        )
        sim.today["irregular_crossers"].append(crossed)


def install(sim) -> None:
    """Register the paid options and crossing handlers, and set initial beliefs and prices."""
    mk: Market = sim.loop["market"]
    dec = sim.loop["decisions"]
    dec.add_option(PaidPlace(mk, LORRY_PAID, "lorry_paid"))
    dec.add_option(PaidPlace(mk, BOAT, "boat"))
    dec.add_option(PaidPlace(mk, LORRY_ACCESS, "lorry_access"))
    cr = sim.loop["crossings"]
    cr.handlers[LORRY_PAID] = mk.lorry_paid
    cr.handlers[LORRY_ACCESS] = mk.lorry_access
    cr.handlers[BOAT] = BoatCrossings(mk).handle
    mk.price_fused(0)
    g = mk.g
    act = g.active
    if act.any():
        sim.belief[LORRY_PAID, :] = float(g.success_lorry[act].mean()) if sim.has_ports else 0.0
        sim.belief[LORRY_ACCESS, :] = float(g.success_access[act].mean()) if sim.has_ports else 0.0
        sim.belief[BOAT, :] = float(g.success_boat[act].mean()) if mk.coasts.size else 0.0
    if sim.scenario.sea.initial_success_belief is not None:
        sim.belief[BOAT, :] = sim.scenario.sea.initial_success_belief
    else:
        sim.belief[LORRY_PAID, :] = sim.belief[LORRY_ALONE, :]
        sim.belief[BOAT, :] = 0.5
