"""The scenario schema: every parameter of the model, its unit, default and source.

A scenario file (TOML) is validated against :class:`Scenario`. Unknown keys are
errors, every number carries a unit and either a published source or the word
"assumption" (a modelling choice to calibrate). ``crossings reference`` renders
this module as ``docs/reference.md``; the schema *is* the parameter documentation.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from crossings.policies.interventions import Intervention
from crossings.scenario.market_schema import Market, Sea
from crossings.scenario.params import (
    HORIZON_MAX_DAYS,
    STRICT,
    Days,
    Eur,
    EurMillion,
    EurPerPerson,
    Exponent,
    MemoryDays,
    Multiplier,
    P,
    PeopleCount,
    PosDays,
    Prob,
    Utility,
    renamed,
)
from crossings.engine.rundir import check_name


class Strict(BaseModel):
    model_config = STRICT


class Site(Strict):
    """A place in the world: a camp, a departure point, a shelter, the destination, elsewhere."""

    name: str = Field(description="Unique name of the site.", min_length=1)
    kind: Literal["camp", "port", "coast", "shelter", "destination", "elsewhere", "detention"] = Field(
        description="camp: informal living site; port: lorry departure point (port, tunnel "
        "terminal); coast: small-boat departure stretch; shelter: reception centre away from the "
        "border; destination: the country people try to reach; elsewhere: the rest of the world; "
        "detention: a detention centre that people landed by a sea_actor are taken to (places = capacity)."
    )
    lat: float = Field(description="Latitude (WGS84 degrees).", ge=-90, le=90)
    lon: float = Field(description="Longitude (WGS84 degrees).", ge=-180, le=180)
    capacity: PeopleCount = P(
        0.0,
        "Camps: soft capacity above which density raises tension and crowding; shelters and detention "
        "sites: places (hard). Ignored for other kinds.",
        "people",
    )
    attractiveness: Utility = P(
        0.0, "Baseline utility of settling at this camp (services, proximity to departure points).",
        "utility units",
    )
    initial_population: PeopleCount = P(0.0, "People living here on the start date (camps only).", "people")
    source: str = Field("", description="Where the site's figures come from.")


class Route(Strict):
    """A direct connection between two sites with a travel time (like Flee's routes.csv)."""

    a: str = Field(description="Name of one end (must be a declared site).")
    b: str = Field(description="Name of the other end (must be a declared site).")
    days: Days = Field(description="Travel time in days (0 = same day; rounded to whole days). Routes are symmetric.")


class Knot(Strict):
    date: dt.date
    value: float


class Nationality(Strict):
    """A group of people with a shared network, funds distribution and arrival share."""

    name: str = Field(min_length=1)
    share: list[tuple[dt.date, Annotated[float, Field(ge=0, le=1e6)]]] = Field(
        description="Share of arrivals, as [date, share] knots (step function, normalised across "
        "nationalities each day)."
    )
    funds_median_eur: EurPerPerson = P(1500.0, "Median funds on arrival (log-normal).", "EUR")
    funds_sigma: Annotated[float, Field(ge=0, le=5)] = P(0.8, "Log-scale spread of funds on arrival.", "log EUR")
    family_share: Prob = P(0.1, "Share of arriving groups who are families with children.", "share")
    unaccompanied_minor_share: Prob = P(0.05, "Share of arriving groups who are unaccompanied minors.", "share")
    ties_share: Prob = P(0.3, "Share with family or community at the destination (was uk_ties_share, a deprecated alias for one release).", "share")
    legal_route_eligible: bool = P(False, "Whether this nationality qualifies for a legal route when one exists.")
    camp_network: dict[str, Annotated[float, Field(ge=0, le=1e6)]] = P(
        {}, "Extra utility of settling at named camps (nationality networks).", "utility units"
    )
    risk_tolerance_mean: Annotated[float, Field(gt=0, le=1e3)] | None = P(
        None, "Mean risk tolerance of people of this nationality (one value for the whole horizon): tolerance is people.risk_tolerance_min plus an exponential with the rest of this mean. None: people.risk_tolerance_mean. Must be above people.risk_tolerance_min.", "dimensionless",
        "assumption (None = the people's mean); the Channel sets it for the people who took to boats first (docs/ODD.md 6)",
    )
    source: str = Field("", description="Where the shares and funds come from.")

    _renamed = model_validator(mode="before")(renamed({"uk_ties_share": "ties_share"}))

    @property
    def uk_ties_share(self) -> float:
        """Deprecated name of :attr:`ties_share` (kept for one release)."""
        return self.ties_share

    @field_validator("share")
    @classmethod
    def _sorted(cls, v: list) -> list:
        if not v:
            raise ValueError("at least one [date, share] knot is required")
        dates = [d for d, _ in v]
        if dates != sorted(dates):
            raise ValueError("knot dates must be in increasing order")
        return v


class Inflow(Strict):
    """People arriving in the border region (exogenous, with optional deterrence)."""

    knots: list[tuple[dt.date, PeopleCount]] = Field(
        description="Arrivals per day as [date, people_per_day] knots, linearly interpolated. "
        "Unit: people/day."
    )
    deterrence_elasticity: Annotated[float, Field(ge=-3, le=3)] = P(
        -0.1,
        "Elasticity of inflow with respect to total enforcement effectiveness (relative to the "
        "start). 0 switches the response off.",
        "dimensionless",
        "Gathmann 2008; Angelucci 2012 (about -0.1)",
    )
    success_elasticity: Annotated[float, Field(ge=-3, le=3)] = P(
        0.0, "Elasticity of the inflow with respect to the expected success of crossing (the best option's "
        "success belief averaged over camps, plus 0.05, relative to the first day): people stop coming when "
        "crossing looks hopeless. Read each day.", "dimensionless",
        "assumption (0 = off: no estimate for the Channel; deterrence studies find small elasticities, Gathmann 2008)",
    )
    price_elasticity: Annotated[float, Field(ge=-3, le=3)] = P(
        0.0, "Elasticity of the inflow with respect to the cheapest mean posted price of a paid crossing "
        "(yesterday's, relative to the first day a price was posted; negative: fewer people come as prices rise). Read each day.", "dimensionless",
        "assumption (0 = off; Gathmann 2008 finds a small negative elasticity of crossings to smuggling prices)",
    )
    seasonal_amplitude: Prob = P(
        0.0, "Relative seasonal swing of arrivals around the knots (the knots give the mean): arrivals x (1 + amplitude x cos(2 pi (day of year - peak) / 365.25)).",
        "share", "assumption (0 = no seasonality)",
    )
    seasonal_peak_month: Annotated[int, Field(ge=1, le=12)] = P(
        8, "Month in which arrivals peak (the middle of the month).", "month", "assumption",
    )
    entry_site: str = P("", "Site people travel from on arrival (default: the first 'elsewhere' site).")
    source: str = Field("", description="Where the knots come from.")

    @field_validator("knots")
    @classmethod
    def _sorted(cls, v: list) -> list:
        if not v:
            raise ValueError("at least one [date, people_per_day] knot is required")
        dates = [d for d, _ in v]
        if dates != sorted(dates):
            raise ValueError("knot dates must be in increasing order")
        return v


class Spending(Strict):
    """Public money spent on one enforcement channel over a period."""

    channel: Literal["port", "beach", "sea", "intelligence", "camps"] = Field(
        description="port: fences, scanners, dogs at ports and the tunnel; beach: patrols on the "
        "coast; sea: maritime interception; intelligence: investigations of smuggling networks; "
        "camps: camp operations (evictions, clearances)."
    )
    start: dt.date
    end: dt.date
    eur_million: EurMillion = Field(description="Total spent over [start, end]. Unit: EUR million.")
    source: str = Field("", description="Source key (see data/SOURCES.md) or 'assumption'.")
    note: str = ""

    @model_validator(mode="after")
    def _order(self) -> "Spending":
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Depreciation(Strict):
    """Rate at which each channel's enforcement stock loses value (``[enforcement.depreciation_per_year]``).

    A channel left out takes the default below; one number instead of the table sets every channel."""

    port: Annotated[float, Field(ge=0, le=365.25)] = P(0.1, "Ports and the tunnel: fences and scanners last.", "1/year")
    beach: Annotated[float, Field(ge=0, le=365.25)] = P(1.0, "Beach patrols: mostly wages.", "1/year")
    sea: Annotated[float, Field(ge=0, le=365.25)] = P(0.5, "Maritime interception.", "1/year")
    intelligence: Annotated[float, Field(ge=0, le=365.25)] = P(0.5, "Investigations of smuggling networks.", "1/year")
    camps: Annotated[float, Field(ge=0, le=365.25)] = P(1.0, "Camp operations.", "1/year")


class HalfSaturation(Strict):
    """Stock at which each channel reaches 1 - 1/e of its maximum effect
    (``[enforcement.half_saturation_eur_million]``); a channel left out takes the default below."""

    port: EurMillion = P(60.0, "Ports and the tunnel.", "EUR million", "assumption, diminishing returns as in Hanson & Spilimbergo 1999")
    beach: EurMillion = P(150.0, "Beach patrols.", "EUR million", "assumption, diminishing returns as in Hanson & Spilimbergo 1999")
    sea: EurMillion = P(100.0, "Maritime interception.", "EUR million", "assumption, diminishing returns as in Hanson & Spilimbergo 1999")
    intelligence: EurMillion = P(40.0, "Investigations of smuggling networks.", "EUR million", "assumption, diminishing returns as in Hanson & Spilimbergo 1999")
    camps: EurMillion = P(30.0, "Camp operations.", "EUR million", "assumption, diminishing returns as in Hanson & Spilimbergo 1999")


class InitialStock(Strict):
    """Enforcement stock of each channel on the start date (``[enforcement.initial_stock_eur_million]``);
    a channel left out starts at the steady state of its first day's spending."""

    port: EurMillion | None = P(None, "Ports and the tunnel (none = steady state of the first day's spending).", "EUR million")
    beach: EurMillion | None = P(None, "Beach patrols (none = steady state).", "EUR million")
    sea: EurMillion | None = P(None, "Maritime interception (none = steady state).", "EUR million")
    intelligence: EurMillion | None = P(None, "Investigations (none = steady state).", "EUR million")
    camps: EurMillion | None = P(None, "Camp operations (none = steady state).", "EUR million")


class Enforcement(Strict):
    """How money turns into effect (diminishing returns, depreciating stock)."""

    spending: list[Spending] = Field(default_factory=list, description="Spending by channel over time.")
    depreciation_per_year: Depreciation = Field(
        default_factory=Depreciation,
        description="Rate at which each channel's enforcement stock loses value (a table with one rate "
        "per channel, or one number for all channels); the stock is the depreciated sum of past spending. "
        "Channels left out take their documented defaults (table below). Unit: 1/year (at most 365.25: "
        "the whole stock lost in a day). Source: assumption.",
    )
    initial_stock_eur_million: InitialStock = Field(
        default_factory=InitialStock,
        description="Enforcement stock of a channel on the start date (infrastructure and staff already in "
        "place); channels not listed start at the steady state of their first day's spending. Unit: EUR million.",
    )
    half_saturation_eur_million: HalfSaturation = Field(
        default_factory=HalfSaturation,
        description="Stock at which a channel reaches 1 - 1/e of its maximum effect (effectiveness = "
        "1 - exp(-stock / half_saturation)); channels left out take their documented defaults (table below). "
        "Unit: EUR million. Source: assumption, diminishing returns as in Hanson & Spilimbergo 1999.",
    )

    @field_validator("depreciation_per_year", mode="before")
    @classmethod
    def _one_rate_for_all(cls, v):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return {ch: v for ch in Depreciation.model_fields}
        return v


class People(Strict):
    """Decisions of people in the corridor (multinomial logit, Klabunde & Willekens 2016)."""

    decision_interval_days: PosDays = P(
        7.0, "Mean days between two decisions of a person in a camp (geometric).", "days",
        "assumption; ~20 lorry attempts per person-year in 2015-16 (BBC-FOI-2017 detections / camp population)",
    )
    beta_success: Utility = P(6.0, "Utility per unit of expected success probability of an option.", "utility")
    beta_cost_per_1000_eur: Utility = P(0.6, "Disutility per EUR 1,000 of price, scaled by 1/(funds share).", "utility")
    beta_risk: Utility = P(400.0, "Disutility per unit of death probability, divided by risk tolerance.", "utility")
    asc_lorry_alone: Utility = P(-0.6, "Alternative-specific constant of hiding in a lorry alone.", "utility")
    alone_persistence_attempts: Annotated[float, Field(ge=1, le=365)] = P(
        1.0, "Attempts a person hiding in lorries alone expects to make before giving up on this way (trying night after night costs no fare): the lorry-alone option is valued by its success over that many attempts, 1 - (1 - b)**n, not by one attempt's success b.", "attempts",
        "assumption (1 = one attempt); people in the 2015-16 Calais camps described trying most nights for weeks (BBC-FOI-2017: ~80,000 detections in 2015 for a camp population of 3,000-6,000)",
    )
    asc_leave: Utility = P(-5.5, "Alternative-specific constant of leaving the corridor.", "utility")
    beta_wait_per_month: Utility = P(
        0.0, "Disutility of waiting one more time per month already spent in the corridor (hardship, evictions, money running out): waiting's utility is -beta_wait_per_month x months, so every way out becomes relatively more attractive as time passes.", "utility",
        "assumption",
    )
    beta_leave_per_month: Utility = P(0.08, "Extra utility of leaving per month spent in the corridor.", "utility")
    beta_leave_per_failed_attempt: Utility = P(0.03, "Extra utility of leaving per failed attempt.", "utility")
    beta_leave_hopeless: Utility = P(
        0.0, "Extra utility of leaving (going home, a voluntary-return programme, another route) per unit of hopelessness, 1 - the best expected success per attempt of the crossing options at this border (the camp's belief, discounted by the person's own failures).", "utility",
        "assumption (0 = off; the Channel's data give no estimate, so its results do not use it)",
    )
    beta_ties: Utility = P(1.0, "Utility of crossing options (and disutility of leaving) for people with ties at the destination (was beta_uk_ties, a deprecated alias for one release).", "utility")
    asc_legal_route: Utility = P(3.0, "Alternative-specific constant of a legal route, when eligible and open.", "utility")
    own_failure_discount: Annotated[float, Field(ge=0, le=100)] = P(0.05, "Each failed attempt lowers a person's expected success by this factor (exp(-k n)).", "1/attempt")
    belief_memory_days: MemoryDays = P(30.0, "Time scale of the camp's shared memory of recent success rates.", "days")
    risk_tolerance_mean: Annotated[float, Field(gt=0, le=1e3)] = P(1.0, "Mean of the risk-tolerance distribution of people whose nationality has no risk_tolerance_mean of its own; also the distribution from which the market takes the buyer whose willingness to pay caps prices (market.price_cap_buyer_quantile).", "dimensionless")
    risk_tolerance_min: Annotated[float, Field(ge=0, le=1e3)] = P(
        0.0, "Lowest risk tolerance anyone has: tolerance is this floor plus an exponential with the rest of the mean (0: exponential, so some people accept almost no risk and never take any dangerous way; must be below risk_tolerance_mean).", "dimensionless",
        "assumption (0 = exponential)",
    )
    income_eur_per_day: EurPerPerson = P(0.0, "Money a person in a camp receives per day (transfers from family, informal work), added to funds.", "EUR/day")

    _renamed = model_validator(mode="before")(renamed({"beta_uk_ties": "beta_ties"}))

    @model_validator(mode="after")
    def _floor_below_mean(self) -> "People":
        if self.risk_tolerance_min >= self.risk_tolerance_mean and self.risk_tolerance_min > 0:
            raise ValueError("risk_tolerance_min must be below risk_tolerance_mean")
        return self

    @property
    def beta_uk_ties(self) -> float:
        """Deprecated name of :attr:`beta_ties` (kept for one release)."""
        return self.beta_ties


class Camps(Strict):
    """Camp choice, density, tension and incidents."""

    beta_network: Utility = P(0.8, "Utility per log(1 + compatriots at the camp).", "utility", "assumption; nationality networks (MODEL §6)")
    beta_crowding: Utility = P(1.0, "Disutility per unit of density above soft capacity.", "utility")
    incident_rate_per_1000_per_day: Annotated[float, Field(ge=0, le=1000)] = P(0.02, "Incidents (brawls involving ~30 people) per 1,000 residents per day at density 1.", "1/(1000 people day)", "assumption (HRW-2021 describes recurrent fights)")
    incident_density_exponent: Exponent = P(1.5, "Incidents rise as density**exponent above soft capacity.", "dimensionless")
    incident_mix_effect: Multiplier = P(1.0, "Relative rise in incidents per unit of nationality diversity (1 - sum of squared shares).", "dimensionless")
    people_per_incident: Annotated[float, Field(ge=0, le=1e4)] = P(30.0, "People involved per incident.", "people", "MODEL §6 (brawls involving ~30 people)")
    clearance_hazard_per_incident: Prob = P(0.0, "Chance per incident that it triggers a major clearance of the camp (0 = only scheduled clearances).", "probability")
    off_camp_share: Prob = P(
        0.1, "Share of people settling at a corridor site who wait off-camp (towns, relatives, rented rooms, inland cities) rather than in its camp, when they can pay for a month of it.", "share",
        "assumption; HRW-2021 and HRO-2020 describe people sleeping in towns and moving to the coast only to cross",
    )
    off_camp_cost_eur_per_day: EurPerPerson = P(
        3.0, "Daily cost of waiting off-camp (rooms, transport to the coast); people who can no longer pay it move into the camp.", "EUR/day",
        "assumption",
    )


class Clearances(Strict):
    """Routine evictions and major operations."""

    eviction_funds_loss_eur: EurPerPerson = P(2.0, "Belongings lost per person per eviction (tents, sleeping bags, phones), on average over residents.", "EUR", "derived from HRO-2022: 5,794 tents and tarps seized in 2021 over 1,229 operations, at ~EUR 30 an item and ~1,500 residents exposed, with one modelled operation standing for ~5-10 observed ones")
    eviction_delay_days: Days = P(1.0, "Days an eviction delays the person's next attempt.", "days")
    eviction_off_camp_share: Prob = P(
        0.05, "Share of evicted camp residents who then wait off-camp (if they can pay for a month of it) rather than rebuild in the camp.", "share",
        "assumption; HRW-2021: evictions every ~48 hours push people to hide in woods and towns",
    )
    eviction_move_share: Prob = P(0.05, "Share of evicted people who resettle at another camp rather than the same place.", "share", "assumption; HRW-2021: people resettle within hours")
    disperse_share: Prob = P(0.5, "In a major clearance, share of people not bused who disperse to other sites (the rest stay).", "share")
    minor_acceptance_boost: Prob = P(0.5, "Extra acceptance for households with minors (protection offers).", "share")
    eviction_cost_eur: Eur = P(5000.0, "Public cost of one routine eviction operation.", "EUR")
    bus_cost_eur: Eur = P(3000.0, "Public cost of one bus in a major clearance.", "EUR")
    triggered_buses: Annotated[int, Field(ge=0, le=10_000)] = P(25, "Buses in a clearance triggered by incidents.", "buses", "the Calais operation of Nov 2023 (RADIO6-2023)")
    triggered_seats_per_bus: Annotated[int, Field(ge=0, le=1_000)] = P(20, "Seats per bus in a triggered clearance.", "seats")
    triggered_acceptance: Prob = P(0.37, "Acceptance in a triggered clearance.", "share", "RADIO6-2023 (~300 of ~800)")
    camps_spending_effect: Multiplier = P(
        1.0, "What money for camp operations buys: routine evictions come (1 + effect x E_camps) times as often as a routine_evictions policy sets, and a clearance triggered by incidents has (1 + effect x E_camps) times the buses and is that much more likely (E_camps: the camps channel's effectiveness).", "multiplier",
        "assumption",
    )


class Shelters(Strict):
    """Reception centres away from the border."""

    stay_days_mean: PosDays = P(10.0, "Mean days in a shelter before deciding to stay in the asylum system or return.", "days", "assumption; ATLANTICO-2017 (most returns within a week)")
    return_share: Prob = P(0.4, "Share of people leaving shelters who return to the border.", "share", "RADIO6-2017 (40% left CAES shelters); ATLANTICO-2017 (0.63 within a week)")
    cost_per_place_day_eur: EurPerPerson = P(30.0, "Public cost per occupied place per day.", "EUR")


class Lorry(Strict):
    """Hiding in a lorry alone at a port or the tunnel terminal."""

    reach_unenforced: Prob = P(
        0.6, "Chance that an attempt to hide in a lorry gets past the fences, secured parking and patrols to a lorry, with no port enforcement (the access stage).", "probability",
        "assumption",
    )
    access_max_reduction: Prob = P(
        0.9, "Largest relative cut in reaching a lorry that port enforcement (fences, patrols) can achieve.", "share",
        "assumption; UK-PQ-105470 (fencing at the juxtaposed controls)",
    )
    success_unenforced: Prob = P(
        0.4, "Chance that a person hidden in a lorry passes the controls (scanners, dogs, CO2 probes) with no port enforcement and normal traffic.", "probability",
        "assumption; Massey & Singer 1995 give per-attempt apprehension 0.2-0.4 at moderate enforcement",
    )
    max_reduction: Prob = P(0.9, "Largest relative cut in passing the controls that port enforcement can achieve.", "share")
    death_risk: Prob = P(0.0002, "Chance of death per lorry attempt.", "probability", "assumption (deaths in lorries are rare but recurrent)")
    caught_return_days: Days = P(1.0, "Days before a detected person is back in a camp.", "days")
    nights_per_try: Annotated[int, Field(ge=1, le=60)] = P(
        1, "Nights in a row a person who chooses to hide in lorries alone tries before deciding again (a try is a spell of nightly attempts, ended by the first success or a death). Every night is one attempt: it counts as an attempt, its failure as a person stopped at access or detected at the controls, and it teaches the camp. Whoever crosses is counted on the day the spell starts (at most nights - 1 days early); the others are back in their camp after the spell's nights and caught_return_days.", "nights",
        "assumption (1 = one attempt per decision); people in the 2015-16 Calais camps described trying most nights (BBC-FOI-2017: ~80,000 detections in 2015 for a camp population of 3,000-6,000)",
    )


class Outflow(Strict):
    """Leaving the corridor and returns."""

    returned_back_days: Days = P(21.0, "Days before a person returned under a returns agreement is back in the corridor.", "days")
    returned_back_share: Prob = P(0.5, "Share of returned people who come back to the border (others leave).", "share")


class Weather(Strict):
    """Sea conditions (used by sea crossings)."""

    viable_share_summer: Prob = P(0.6, "Share of days in July with weather viable for small boats.", "share", "assumption; arrivals peak in Aug-Oct (HO-YEMAR2023)")
    viable_share_winter: Prob = P(0.15, "Share of days in January with weather viable for small boats.", "share", "assumption")
    persistence: Prob = P(0.6, "Chance that tomorrow's viability equals today's (weather spells).", "probability")
    viable_share_by_month: list[Prob] = P(
        [], "Optional share of viable days for each month, January to December (12 values); replaces the "
        "cosine between viable_share_winter and viable_share_summer.", "share",
        "assumption (empty = the cosine)",
    )
    series: list[tuple[dt.date, bool]] = P([], "Optional observed daily viability; overrides the seasonal model on those dates.")

    @field_validator("viable_share_by_month")
    @classmethod
    def _twelve(cls, v: list) -> list:
        if v and len(v) != 12:
            raise ValueError(f"12 shares, January to December (got {len(v)})")
        return v


class Detention(Strict):
    """Detention sites (sites of kind ``detention``): length of stay, release, deportation, funds lost.

    People landed at a detention site by a ``sea_actor`` (pull-backs by a third country's coastguard,
    or rescues landed in detention) are admitted while it has places; the rest go back to the
    waiting areas. Each stay lasts a geometric time; then a share is deported (leaves the corridor)
    and the rest are released back to a camp."""

    stay_days_mean: PosDays = P(
        30.0, "Mean days held in detention before release or deportation (geometric).", "days",
        "assumption; detention after interception at sea lasts from days to months (assumption for a generic border)",
    )
    deported_share: Prob = P(
        0.1, "Share of people leaving detention who are deported (they leave the corridor); the rest are released back to a camp.", "share",
        "assumption",
    )
    funds_loss_share: Prob = P(
        0.0, "Share of a detained person's funds taken on admission (extortion, ransom, fees).", "share",
        "assumption (0: none unless the border's sources report it)",
    )
    cost_per_place_day_eur: EurPerPerson = P(
        0.0, "Public cost per occupied detention place per day (booked as camps spending).", "EUR", "assumption",
    )


class BoatType(Strict):
    """A kind of boat (rubber dinghy, wooden boat...) with its capacity, cost and risk, and its share
    of the boats launched over time (or, with ``sea.boat_type_choice``, when it is on sale).

    With boat types declared, each day's mix sets the gangs' cost of a boat (``sea.kit_cost_eur``)
    and the rated capacity they load against (``sea.rated_capacity``) as share-weighted means, so
    loads and prices follow the mix; each boat that launches draws its type, whose rated capacity
    and distress multiplier set its chance of distress."""

    name: str = Field(min_length=1, description="Name of the boat type.")
    share: list[tuple[dt.date, Annotated[float, Field(ge=0, le=1e6)]]] = Field(
        description="Share of boats of this type, as [date, share] knots (step function, normalised across "
        "types each day)."
    )
    rated_capacity: Annotated[float, Field(ge=1, le=1000)] = P(10.0, "People a boat of this type is built to carry.", "people/boat", "assumption")
    kit_cost_eur: EurPerPerson = P(6_000.0, "Cost of a boat of this type with its engine.", "EUR/boat", "assumption")
    distress_multiplier: Multiplier = P(1.0, "Multiplier of sea.distress_probability for this type (hull, engine, seaworthiness).", "dimensionless", "assumption")
    supply_disruption: Annotated[float, Field(ge=0, le=1000)] = P(
        0.0, "With sea.boat_type_choice: relative rise of this type's kit cost at full enforcement against boats (kit x (1 + k x E), E = 1 - (1 - E_beach)(1 - E_intel)): shops that stop selling, buyers watched, stocks raided.",
        "dimensionless", "assumption",
    )
    source: str = Field("", description="Where the figures come from.")

    @field_validator("share")
    @classmethod
    def _sorted(cls, v: list) -> list:
        if not v:
            raise ValueError("at least one [date, share] knot is required")
        dates = [d for d, _ in v]
        if dates != sorted(dates):
            raise ValueError("knot dates must be in increasing order")
        return v


class Modes(Strict):
    """Which ways of crossing exist at this border (a sea route switches lorries off)."""

    lorry: bool = P(True, "Hiding in lorries at port sites, alone or in a place bought from a gang; off: port sites offer no crossing and every lorry output stays zero.", "", "assumption (a property of the border)")
    boat: bool = P(True, "Small boats from coast sites (needs the market); off: coast sites offer no crossing and every boat output stays zero.", "", "assumption (a property of the border)")


class Scenario(Strict):
    """A complete scenario: the world, its people, the state's spending and the policy timeline."""

    model: Literal["corridor"] = P("corridor", "Which model this scenario runs ('corridor'; Flee scenarios use 'flee').")
    name: str = Field(min_length=1, description="Short name of the scenario.")
    description: str = ""
    inherits: str | None = Field(None, description="Built-in scenario name or path this one overrides.")
    start: dt.date = Field(description="First simulated day.")
    end: dt.date = Field(description="Last simulated day (inclusive).")
    seed: Annotated[int, Field(ge=0, lt=2**63)] = P(1, "Seed of every random stream.")
    scale: Annotated[float, Field(ge=1, le=1e6)] = P(
        1.0, "People represented by one agent: at most sea.max_load when boats run; a run warns when a boat at its rated capacity holds fewer than five agents or a bus fewer than one (docs/scenarios.md, Scale, measures how large a scale stays faithful).", "people/agent"
    )
    sites: list[Site] = Field(min_length=1, max_length=1000, description="Every place of the world (at least a camp and the destination).")
    routes: list[Route] = Field(default_factory=list)
    nationalities: list[Nationality] = Field(
        min_length=1, max_length=127, description="Groups of people by network, funds and arrival share (1 to 127)."
    )
    inflow: Inflow
    enforcement: Enforcement = Field(default_factory=Enforcement)
    people: People = Field(default_factory=People)
    camps: Camps = Field(default_factory=Camps)
    clearances: Clearances = Field(default_factory=Clearances)
    shelters: Shelters = Field(default_factory=Shelters)
    lorry: Lorry = Field(default_factory=Lorry)
    outflow: Outflow = Field(default_factory=Outflow)
    weather: Weather = Field(default_factory=Weather)
    market: Market = Field(default_factory=Market)
    sea: Sea = Field(default_factory=Sea)
    modes: Modes = Field(default_factory=Modes, description="Which ways of crossing exist at this border.")
    detention: Detention = Field(default_factory=Detention)
    boat_types: list[BoatType] = Field(
        default_factory=list, max_length=16,
        description="Kinds of boat with their capacity, cost, risk and share over time (none: one kind, set by [sea]).",
    )
    lorry_traffic: list[tuple[dt.date, Multiplier]] = P(
        [], "Lorry-traffic multiplier knots [date, multiplier] (step function; 1 = normal).", "multiplier"
    )
    policies: list[Intervention] = Field(default_factory=list, description="Interventions on the timeline.")
    posterior: str | None = Field(
        None, pattern=r"^[^\x00]*\.csv$",
        description="Posterior of the calibrated parameters (a CSV file written by crossings calibrate, with its "
        "JSON sidecar), relative to the scenario file that names it; crossings run --posterior draws from it. "
        "A scenario that inherits one uses its parent's; crossings show does not write it.",
    )

    _name = field_validator("name")(classmethod(lambda cls, v: check_name(v)))

    @model_validator(mode="after")
    def _check(self) -> "Scenario":
        if self.end < self.start:
            raise ValueError("end: must not be before start")
        n_days = (self.end - self.start).days + 1
        if n_days > HORIZON_MAX_DAYS:
            raise ValueError(f"end: a horizon of at most {HORIZON_MAX_DAYS} days from start; this one has {n_days}")
        kinds = {s.kind for s in self.sites}
        for k in ("camp", "destination"):
            if k not in kinds:
                raise ValueError(f"sites: at least one site of kind '{k}' is required")
        names = [s.name for s in self.sites]
        seen: set[str] = set()
        for i, n in enumerate(names):
            if n in seen:
                raise ValueError(f"sites[{i}].name: duplicate site name '{n}'")
            seen.add(n)
        for i, r in enumerate(self.routes):
            for end in ("a", "b"):
                if getattr(r, end) not in seen:
                    raise ValueError(f"routes[{i}].{end}: unknown site '{getattr(r, end)}'; expected one of the declared sites")
        floor = self.people.risk_tolerance_min
        for i, nat in enumerate(self.nationalities):
            for camp in nat.camp_network:
                if camp not in seen:
                    raise ValueError(f"nationalities[{i}].camp_network: unknown site '{camp}'")
            if nat.risk_tolerance_mean is not None and floor > 0 and nat.risk_tolerance_mean <= floor:
                raise ValueError(
                    f"nationalities[{i}].risk_tolerance_mean: must be above people.risk_tolerance_min ({floor:g}); "
                    f"got {nat.risk_tolerance_mean:g}"
                )
        type_names = [b.name for b in self.boat_types]
        for i, n in enumerate(type_names):
            if n in type_names[:i]:
                raise ValueError(f"boat_types[{i}].name: duplicate boat type '{n}'")
        if self.inflow.entry_site and self.inflow.entry_site not in seen:
            raise ValueError(f"inflow.entry_site: unknown site '{self.inflow.entry_site}'")
        _check_connected(self)
        if self.market.enabled and "coast" in kinds and self.scale > self.sea.max_load:
            raise ValueError(
                f"scale: at most sea.max_load ({self.sea.max_load:g}) people per agent, so that a boat can carry "
                f"one agent (got {self.scale:g}); see docs/scenarios.md, Scale"
            )
        for i, pol in enumerate(self.policies):
            pol.check(self, f"policies[{i}]")
        return self


def _check_connected(sc: Scenario) -> None:
    """Every site but the destination must be reachable by routes from the first camp.

    People travel between camps, shelters, the entry site and the rest of the world along the
    shortest chain of routes; a site with no route to the camps could never be reached (the
    destination is reached by crossing, not by a route)."""
    neighbours: dict[str, set[str]] = {s.name: set() for s in sc.sites}
    for r in sc.routes:
        neighbours[r.a].add(r.b)
        neighbours[r.b].add(r.a)
    first_camp = next(s.name for s in sc.sites if s.kind == "camp")
    reached = {first_camp}
    todo = [first_camp]
    while todo:
        for n in neighbours[todo.pop()]:
            if n not in reached:
                reached.add(n)
                todo.append(n)
    for i, s in enumerate(sc.sites):
        if s.kind != "destination" and s.name not in reached:
            raise ValueError(
                f"routes: no route (or chain of routes) connects {s.kind} '{s.name}' (sites[{i}]) to camp "
                f"'{first_camp}'; add a [[routes]] entry for it (only the destination needs none)"
            )
