"""The compiled world: site arrays, travel times and every daily input series.

``compile_world`` turns a validated :class:`~crossings.scenario.schema.Scenario`
into plain NumPy arrays once, before the first day: the sites (kind, capacity,
coordinates), the matrix of shortest travel times between sites, the nationality
table, and a :class:`Timeline` of daily parameter series (inflow, spending by
channel and the enforcement effectiveness it buys, lorry traffic, shelter places,
legal-route quota, returns, eviction intervals, weather). Policies edit the
timeline (``Intervention.shape``) before effectiveness is computed, so their
effect on every downstream series is explicit and cheap.

The engine imports nothing above itself: it reads the scenario and its policies by
attribute (``sc.sites``, ``pol.shape``...), so ``sc`` below is any object shaped like a
:class:`~crossings.scenario.schema.Scenario`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from crossings.engine import rng

# The site kinds and enforcement channels the engine codes by position (the scenario schema
# declares the same names; tests/test_architecture.py checks that they agree).
SITE_KINDS = ("camp", "port", "coast", "shelter", "destination", "elsewhere", "detention")
CHANNELS = ("port", "beach", "sea", "intelligence", "camps")
KIND = {k: i for i, k in enumerate(SITE_KINDS)}
CAMP, PORT, COAST, SHELTER, DESTINATION, ELSEWHERE, DETENTION = (KIND[k] for k in SITE_KINDS)
UNREACHABLE = 1 << 29  # days: never arrives (the schema refuses sites no route reaches)


@dataclass
class World:
    """Static arrays of sites and nationalities."""

    site_names: list[str]
    site_kind: np.ndarray  # int8, KIND codes
    site_capacity: np.ndarray  # float64, soft (camps) or hard (shelters)
    site_attractiveness: np.ndarray
    site_lat: np.ndarray
    site_lon: np.ndarray
    travel_days: np.ndarray  # int32 [from, to], whole days; UNREACHABLE where no path (the destination)
    nat_names: list[str]
    nat_funds_median: np.ndarray
    nat_funds_sigma: np.ndarray
    nat_risk_own: np.ndarray  # each nationality's own mean risk tolerance (NaN: the people's, see risk_means)
    nat_family_share: np.ndarray
    nat_uam_share: np.ndarray
    nat_ties_share: np.ndarray
    nat_legal_flag: np.ndarray
    nat_camp_network: np.ndarray  # [nat, site] utility
    entry_site: int
    destination: int
    elsewhere: int

    def risk_means(self, people_mean: float) -> np.ndarray:
        """Mean risk tolerance per nationality: its own, or ``people_mean`` (today's
        ``people.risk_tolerance_mean``, which a parameter path may move)."""
        return np.where(np.isnan(self.nat_risk_own), people_mean, self.nat_risk_own)

    @property
    def n_sites(self) -> int:
        return len(self.site_names)

    def sites_of(self, kind: int) -> np.ndarray:
        return np.flatnonzero(self.site_kind == kind)


@dataclass
class Timeline:
    """Daily parameter series over the horizon (index = day since start)."""

    start: dt.date
    n_days: int
    site_index: dict[str, int]
    nationality_index: dict[str, int]
    nationality_legal_flag: np.ndarray
    inflow_per_day: np.ndarray
    nationality_share: np.ndarray  # [nat, day], rows sum to 1
    spending_eur_per_day: np.ndarray  # [channel, day]
    lorry_traffic: np.ndarray
    eviction_interval_days: np.ndarray  # [site, day], 0 = none
    shelter_capacity: np.ndarray  # [site, day]
    legal_quota_per_day: np.ndarray
    legal_eligible: np.ndarray  # [nat, day] bool
    legal_requires_ties: np.ndarray  # [day] bool
    returns_per_day: np.ndarray
    dismantle_multiplier: np.ndarray
    sea_interception: np.ndarray
    weather_viable: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    effectiveness: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # [channel, day]
    inflow_multiplier: np.ndarray = field(default_factory=lambda: np.zeros(0))
    actions: dict[int, list] = field(default_factory=dict)
    # dated values of scenario parameters by dotted name ("sea.rescue_share"): one value per day,
    # NaN where the scenario's own value holds (set by parameter_path policies)
    parameter_paths: dict[str, np.ndarray] = field(default_factory=dict)
    # actors at sea by period (sea_actor policies): one dict each with an ``active`` [day] mask,
    # rescue capacity and response, interception, landing shares and a detention site index
    sea_actors: list[dict] = field(default_factory=list)
    # boat types (scenario boat_types): share of each type per day [type, day] (rows sum to 1),
    # and each type's rated capacity and distress multiplier; empty: one kind of boat
    boat_type_share: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    boat_type_rated: np.ndarray = field(default_factory=lambda: np.zeros(0))
    boat_type_distress: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def dates(self) -> np.ndarray:
        return np.datetime64(self.start, "D") + np.arange(self.n_days)

    def day_of(self, d: dt.date) -> int:
        return (d - self.start).days


def _shortest_paths(n: int, edges: list[tuple[int, int, float]]) -> np.ndarray:
    dist = np.full((n, n), np.inf)
    np.fill_diagonal(dist, 0.0)
    for a, b, d in edges:
        dist[a, b] = min(dist[a, b], d)
        dist[b, a] = min(dist[b, a], d)
    for k in range(n):  # Floyd-Warshall; site counts are small (tens)
        dist = np.minimum(dist, dist[:, k : k + 1] + dist[k : k + 1, :])
    out = np.where(np.isfinite(dist), np.minimum(np.round(dist), UNREACHABLE), UNREACHABLE)
    return out.astype(np.int32)


def compile_world(sc) -> World:
    names = [s.name for s in sc.sites]
    idx = {n: i for i, n in enumerate(names)}
    kinds = np.array([KIND[s.kind] for s in sc.sites], dtype=np.int8)
    travel = _shortest_paths(len(names), [(idx[r.a], idx[r.b], r.days) for r in sc.routes])
    nats = sc.nationalities
    network = np.zeros((len(nats), len(names)))
    for i, n in enumerate(nats):
        for site, u in n.camp_network.items():
            network[i, idx[site]] = u
    elsewhere = int(np.flatnonzero(kinds == ELSEWHERE)[0]) if (kinds == ELSEWHERE).any() else -1
    if sc.inflow.entry_site:
        entry = idx[sc.inflow.entry_site]
    else:
        entry = elsewhere if elsewhere >= 0 else int(np.flatnonzero(kinds == CAMP)[0])
    return World(
        site_names=names,
        site_kind=kinds,
        site_capacity=np.array([s.capacity for s in sc.sites], dtype=np.float64),
        site_attractiveness=np.array([s.attractiveness for s in sc.sites], dtype=np.float64),
        site_lat=np.array([s.lat for s in sc.sites]),
        site_lon=np.array([s.lon for s in sc.sites]),
        travel_days=travel,
        nat_names=[n.name for n in nats],
        nat_funds_median=np.array([n.funds_median_eur for n in nats]),
        nat_funds_sigma=np.array([n.funds_sigma for n in nats]),
        nat_risk_own=np.array([np.nan if n.risk_tolerance_mean is None else n.risk_tolerance_mean for n in nats],
                              dtype=np.float64),
        nat_family_share=np.array([n.family_share for n in nats]),
        nat_uam_share=np.array([n.unaccompanied_minor_share for n in nats]),
        nat_ties_share=np.array([n.ties_share for n in nats]),
        nat_legal_flag=np.array([n.legal_route_eligible for n in nats], dtype=bool),
        nat_camp_network=network,
        entry_site=entry,
        destination=int(np.flatnonzero(kinds == DESTINATION)[0]),
        elsewhere=elsewhere,
    )


def _weather(sc, start: dt.date, n_days: int, seed: int) -> np.ndarray:
    """Seasonal two-state (Markov) weather: viable days for small boats.

    The stationary viable share follows a cosine between the January and July
    values; ``persistence`` sets spell length. Supplied daily observations
    override the model on their dates.
    """
    w = sc.weather
    dates = np.datetime64(start, "D") + np.arange(n_days)
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    share = w.viable_share_winter + (w.viable_share_summer - w.viable_share_winter) * 0.5 * (
        1 - np.cos(2 * np.pi * (doy - 15) / 365.25)
    )
    by_month = getattr(w, "viable_share_by_month", None)
    if by_month:  # a share per calendar month replaces the cosine
        month = (dates.astype("datetime64[M]") - dates.astype("datetime64[Y]")).astype(np.int64)
        share = np.asarray(by_month, dtype=np.float64)[month]
    key = np.uint64(rng.day_key(seed, rng.stream_id("weather"), 0))
    u = rng.uniforms(key, n_days, 0)
    out = np.zeros(n_days, dtype=bool)
    prev = u[0] < share[0]
    rho = w.persistence
    for d in range(n_days):
        # mixture: keep yesterday's state with prob rho, else draw from the seasonal share
        v = rng.uniform(key, d, 1)
        today = prev if v < rho else (u[d] < share[d])
        out[d] = today
        prev = today
    obs = {(dd - start).days: bool(v) for dd, v in w.series}
    for d, v in obs.items():
        if 0 <= d < n_days:
            out[d] = v
    return out


def compile_timeline(sc, world: World) -> Timeline:
    n_days = (sc.end - sc.start).days + 1
    n_sites = world.n_sites
    n_nat = len(world.nat_names)
    shares = np.vstack(
        [daily_series(n.share, sc.start, n_days, step=True, default=0.0) for n in sc.nationalities]
    )
    tot = shares.sum(axis=0)
    shares = np.where(tot > 0, shares / np.where(tot > 0, tot, 1.0), 1.0 / n_nat)
    spending = np.zeros((len(CHANNELS), n_days))
    for sp in sc.enforcement.spending:
        a = (sp.start - sc.start).days
        b = (sp.end - sc.start).days
        length = b - a + 1
        lo, hi = max(a, 0), min(b, n_days - 1)
        if hi >= lo:
            spending[CHANNELS.index(sp.channel), lo : hi + 1] += sp.eur_million * 1e6 / length
    shelter_cap = np.zeros((n_sites, n_days))
    shelter_cap[world.site_kind == SHELTER, :] = world.site_capacity[world.site_kind == SHELTER, None]
    tl = Timeline(
        start=sc.start,
        n_days=n_days,
        site_index={n: i for i, n in enumerate(world.site_names)},
        nationality_index={n: i for i, n in enumerate(world.nat_names)},
        nationality_legal_flag=world.nat_legal_flag.copy(),
        inflow_per_day=daily_series(sc.inflow.knots, sc.start, n_days, step=False, default=0.0)
        * seasonal_factor(sc.start, n_days, sc.inflow.seasonal_amplitude, sc.inflow.seasonal_peak_month),
        nationality_share=shares,
        spending_eur_per_day=spending,
        lorry_traffic=daily_series(sc.lorry_traffic, sc.start, n_days, step=True, default=1.0),
        eviction_interval_days=np.zeros((n_sites, n_days)),
        shelter_capacity=shelter_cap,
        legal_quota_per_day=np.zeros(n_days),
        legal_eligible=np.zeros((n_nat, n_days), dtype=bool),
        legal_requires_ties=np.zeros(n_days, dtype=bool),
        returns_per_day=np.zeros(n_days),
        dismantle_multiplier=np.ones(n_days),
        sea_interception=np.zeros(n_days),
    )
    types = getattr(sc, "boat_types", None) or []
    chosen = bool(types) and bool(getattr(sc.sea, "boat_type_choice", False))
    if types:
        sh = np.vstack([daily_series(b.share, sc.start, n_days, step=True, default=0.0) for b in types])
        tot = sh.sum(axis=0)
        tl.boat_type_share = np.where(tot > 0, sh / np.where(tot > 0, tot, 1.0), 1.0 / len(types))
        tl.boat_type_rated = np.array([b.rated_capacity for b in types], dtype=np.float64)
        tl.boat_type_distress = np.array([b.distress_multiplier for b in types], dtype=np.float64)
        kit = np.array([b.kit_cost_eur for b in types], dtype=np.float64)
        if not chosen:
            # the day's mix sets the gangs' boat cost and the capacity they load against (dated paths,
            # so parameter_path policies on the same parameters, applied next, take precedence)
            tl.parameter_paths["sea.kit_cost_eur"] = kit @ tl.boat_type_share
            tl.parameter_paths["sea.rated_capacity"] = tl.boat_type_rated @ tl.boat_type_share
    for pol in sc.policies:
        pol.shape(tl)
        for d in pol.action_days(tl):
            tl.actions.setdefault(d, []).append(pol)
    tl.effectiveness = effectiveness(sc, tl.spending_eur_per_day)
    if chosen:
        # the gangs' choice needs the day's enforcement, known only now (after the policies that
        # shape spending); parameter_path policies on the same parameters still take precedence
        disruption = np.array([b.supply_disruption for b in types], dtype=np.float64)
        tl.boat_type_share = choose_boat_types(sc.sea, kit, tl.boat_type_rated, disruption, sh > 0,
                                               tl.effectiveness[CHANNELS.index("beach")],
                                               tl.effectiveness[CHANNELS.index("intelligence")])
        for name, vals in (("sea.kit_cost_eur", kit @ tl.boat_type_share),
                           ("sea.rated_capacity", tl.boat_type_rated @ tl.boat_type_share)):
            old = tl.parameter_paths.get(name)
            tl.parameter_paths[name] = vals if old is None else np.where(np.isnan(old), vals, old)
    total = tl.effectiveness.sum(axis=0)
    # Deterrence: inflow scales as ((E + E_ref) / (E0 + E_ref)) ** elasticity, with E the
    # summed effectiveness of all channels and E_ref = 0.5 (assumption: keeps the ratio finite).
    tl.inflow_multiplier = ((total + 0.5) / (total[0] + 0.5)) ** sc.inflow.deterrence_elasticity
    tl.weather_viable = _weather(sc, sc.start, n_days, sc.seed)
    return tl


def boat_seat_costs(kit, rated, crew, overload_cost, exponent, max_load, seizure):
    """Each boat type's cost per seat at its best load, on each day (arrays broadcast: types x days):
    the launch's fixed cost ``F = kit / (1 - seizure) + crew`` and ``c(L) = F / L + phi (L / R) ** gamma``
    at ``L* = (F R ** gamma / (gamma phi)) ** (1 / (1 + gamma))`` clipped to [1, max_load] (the gangs'
    load rule, ``processes.sea.optimal_load`` and ``seat_cost``, element-wise; a test holds them equal)."""
    f = np.maximum(kit / (1.0 - seizure) + crew, 0.0)
    per_seat = exponent * overload_cost
    if per_seat <= 0.0:
        load = np.where(f > 0.0, max(max_load, 1.0), 1.0) + 0.0 * f
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            load = (f * rated**exponent / per_seat) ** (1.0 / (1.0 + exponent))
        load = np.where(np.isfinite(load), load, max_load)
    load = np.minimum(np.maximum(load, 1.0), max_load)
    return f / load + overload_cost * (load / rated) ** exponent


def choose_boat_types(sea, kit, rated, disruption, available, e_beach, e_intel) -> np.ndarray:
    """The boat type the gangs buy each day (``sea.boat_type_choice``): among the types on sale that
    day (declared share above 0), the one with the lowest cost per seat at its best load
    (:func:`boat_seat_costs`), each type's kit cost raised by its ``supply_disruption`` times the
    day's enforcement against boats, ``E = 1 - (1 - E_beach)(1 - E_intel)`` (shops that stop
    selling, buyers watched, stocks raided), and every launch facing the seizure chance of a gang
    with no evasion skill, ``stock_seizure_max x E``. Returns one-hot shares (types x days); a day
    with no type on sale keeps equal shares. Ties go to the type declared first."""
    e = 1.0 - (1.0 - e_beach) * (1.0 - e_intel)
    seizure = np.minimum(sea.stock_seizure_max * e, 0.999)
    cost = boat_seat_costs(kit[:, None] * (1.0 + disruption[:, None] * e[None, :]), rated[:, None],
                           sea.crew_cost_eur, sea.overload_cost_eur, sea.overload_exponent, sea.max_load,
                           seizure[None, :])
    cost = np.where(available, cost, np.inf)
    share = np.full(cost.shape, 1.0 / cost.shape[0])
    some = available.any(axis=0)
    best = np.argmin(cost, axis=0)
    share[:, some] = 0.0
    share[best[some], np.flatnonzero(some)] = 1.0
    return share


def effectiveness(sc, spending_eur_per_day: np.ndarray) -> np.ndarray:
    """Effectiveness (0-1) of each channel from its depreciated spending stock.

    stock[t+1] = stock[t] * (1 - delta/365.25) + spending[t], starting at the
    scenario's initial stock or else the steady state of the first day's spending;
    effectiveness = 1 - exp(-stock/h).
    """
    enf = sc.enforcement
    n_ch, n_days = spending_eur_per_day.shape
    out = np.zeros_like(spending_eur_per_day)
    for c, ch in enumerate(CHANNELS):
        delta = getattr(enf.depreciation_per_year, ch) / 365.25
        h = getattr(enf.half_saturation_eur_million, ch) * 1e6
        s = spending_eur_per_day[c]
        init = getattr(enf.initial_stock_eur_million, ch)
        if init is not None:
            stock = init * 1e6
        else:
            stock = s[0] / delta if delta > 0 else 0.0
        for d in range(n_days):
            # (a tiny half-saturation makes the ratio huge: effectiveness 1, without an overflow)
            out[c, d] = (1.0 - np.exp(-stock / h) if stock < 700.0 * h else 1.0) if h > 0 else 1.0
            stock = stock * (1 - delta) + s[d]
    return out


def seasonal_factor(start: dt.date, n_days: int, amplitude: float, peak_month: int) -> np.ndarray:
    """Daily multiplier ``1 + amplitude x cos(2 pi (day of year - peak day) / 365.25)``, the peak in
    the middle of ``peak_month``; its mean over a year is 1, so knots keep their meaning."""
    if amplitude == 0:
        return np.ones(n_days)
    doy = np.array([(start + dt.timedelta(days=i)).timetuple().tm_yday for i in range(n_days)], dtype=np.float64)
    peak = dt.date(2001, int(peak_month), 15).timetuple().tm_yday
    return 1.0 + amplitude * np.cos(2.0 * np.pi * (doy - peak) / 365.25)


def daily_series(knots, start: dt.date, n_days: int, *, step: bool, default: float) -> np.ndarray:
    """Expand [date, value] knots into one value per simulated day.

    ``step=True`` holds each knot's value until the next knot; otherwise values
    are linearly interpolated between knots and held flat outside them.
    """
    if not knots:
        return np.full(n_days, default, dtype=np.float64)
    x = np.array([(d - start).days for d, _ in knots], dtype=np.float64)
    y = np.array([v for _, v in knots], dtype=np.float64)
    days = np.arange(n_days, dtype=np.float64)
    if step:
        idx = np.searchsorted(x, days, side="right") - 1
        out = np.where(idx >= 0, y[np.clip(idx, 0, None)], default)
        return out.astype(np.float64)
    return np.interp(days, x, y).astype(np.float64)
