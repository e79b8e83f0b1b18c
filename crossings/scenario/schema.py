"""The scenario schema: every parameter of the model, its unit, default and source.

A scenario file (TOML) is validated against :class:`Scenario`. Unknown keys are
errors, every number carries a unit and either a published source or the word
"assumption" (a modelling choice to calibrate). ``crossings reference`` renders
this module as ``docs/reference.md``; the schema *is* the parameter documentation.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crossings.policies.interventions import Intervention
from crossings.scenario.market_schema import Market, Sea
from crossings.scenario.params import NonNeg, P, Prob


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Site(Strict):
    """A place in the world: a camp, a departure point, a shelter, the destination, elsewhere."""

    name: str = Field(description="Unique name of the site.", min_length=1)
    kind: Literal["camp", "port", "coast", "shelter", "destination", "elsewhere"] = Field(
        description="camp: informal living site; port: lorry departure point (port, tunnel "
        "terminal); coast: small-boat departure stretch; shelter: reception centre away from the "
        "border; destination: the country people try to reach; elsewhere: the rest of the world."
    )
    lat: float = Field(description="Latitude (WGS84 degrees).", ge=-90, le=90)
    lon: float = Field(description="Longitude (WGS84 degrees).", ge=-180, le=180)
    capacity: NonNeg = P(
        0.0,
        "Camps: soft capacity above which density raises tension and crowding; shelters: places "
        "(hard). Ignored for other kinds.",
        "people",
    )
    attractiveness: float = P(
        0.0, "Baseline utility of settling at this camp (services, proximity to departure points).",
        "utility units",
    )
    initial_population: NonNeg = P(0.0, "People living here on the start date (camps only).", "people")
    source: str = Field("", description="Where the site's figures come from.")


class Route(Strict):
    """A direct connection between two sites with a travel time (like Flee's routes.csv)."""

    a: str = Field(description="Name of one end (must be a declared site).")
    b: str = Field(description="Name of the other end (must be a declared site).")
    days: NonNeg = Field(description="Travel time in days (0 = same day). Routes are symmetric.")


class Knot(Strict):
    date: dt.date
    value: float


class Nationality(Strict):
    """A group of people with a shared network, funds distribution and arrival share."""

    name: str = Field(min_length=1)
    share: list[tuple[dt.date, NonNeg]] = Field(
        description="Share of arrivals, as [date, share] knots (step function, normalised across "
        "nationalities each day)."
    )
    funds_median_eur: NonNeg = P(1500.0, "Median funds on arrival (log-normal).", "EUR")
    funds_sigma: NonNeg = P(0.8, "Log-scale spread of funds on arrival.", "log EUR")
    family_share: Prob = P(0.1, "Share of arriving groups who are families with children.", "share")
    unaccompanied_minor_share: Prob = P(0.05, "Share of arriving groups who are unaccompanied minors.", "share")
    uk_ties_share: Prob = P(0.3, "Share with family or community at the destination.", "share")
    legal_route_eligible: bool = P(False, "Whether this nationality qualifies for a legal route when one exists.")
    camp_network: dict[str, NonNeg] = P(
        {}, "Extra utility of settling at named camps (nationality networks).", "utility units"
    )
    source: str = Field("", description="Where the shares and funds come from.")

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

    knots: list[tuple[dt.date, NonNeg]] = Field(
        description="Arrivals per day as [date, people_per_day] knots, linearly interpolated. "
        "Unit: people/day."
    )
    deterrence_elasticity: float = P(
        -0.1,
        "Elasticity of inflow with respect to total enforcement effectiveness (relative to the "
        "start). 0 switches the response off.",
        "dimensionless",
        "Gathmann 2008; Angelucci 2012 (about -0.1)",
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
    eur_million: NonNeg = Field(description="Total spent over [start, end]. Unit: EUR million.")
    source: str = Field("", description="Source key (see data/SOURCES.md) or 'assumption'.")
    note: str = ""

    @model_validator(mode="after")
    def _order(self) -> "Spending":
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Enforcement(Strict):
    """How money turns into effect (diminishing returns, depreciating stock)."""

    spending: list[Spending] = Field(default_factory=list, description="Spending by channel over time.")
    depreciation_per_year: dict[str, NonNeg] | NonNeg = P(
        {"port": 0.1, "beach": 1.0, "sea": 0.5, "intelligence": 0.5, "camps": 1.0},
        "Rate at which each channel's enforcement stock loses value (one number for all channels, or "
        "one per channel); the stock is the depreciated sum of past spending. Fences and scanners "
        "last (port), patrols are mostly wages (beach).",
        "1/year",
        "assumption",
    )
    initial_stock_eur_million: dict[str, NonNeg] = P(
        {},
        "Enforcement stock of a channel on the start date (infrastructure and staff already in "
        "place); channels not listed start at the steady state of their first day's spending.",
        "EUR million",
    )
    half_saturation_eur_million: dict[str, NonNeg] = P(
        {"port": 60.0, "beach": 150.0, "sea": 100.0, "intelligence": 40.0, "camps": 30.0},
        "Stock at which a channel reaches 1 - 1/e of its maximum effect (effectiveness = "
        "1 - exp(-stock / half_saturation)).",
        "EUR million",
        "assumption, diminishing returns as in Hanson & Spilimbergo 1999",
    )


class People(Strict):
    """Decisions of people in the corridor (multinomial logit, Klabunde & Willekens 2016)."""

    decision_interval_days: Annotated[float, Field(gt=0)] = P(
        7.0, "Mean days between two decisions of a person in a camp (geometric).", "days",
        "assumption; ~20 lorry attempts per person-year in 2015-16 (BBC-FOI-2017 detections / camp population)",
    )
    beta_success: float = P(6.0, "Utility per unit of expected success probability of an option.", "utility")
    beta_cost_per_1000_eur: float = P(0.6, "Disutility per EUR 1,000 of price, scaled by 1/(funds share).", "utility")
    beta_risk: float = P(400.0, "Disutility per unit of death probability, divided by risk tolerance.", "utility")
    asc_lorry_alone: float = P(-0.6, "Alternative-specific constant of hiding in a lorry alone.", "utility")
    asc_leave: float = P(-5.5, "Alternative-specific constant of leaving the corridor.", "utility")
    beta_leave_per_month: float = P(0.08, "Extra utility of leaving per month spent in the corridor.", "utility")
    beta_leave_per_failed_attempt: float = P(0.03, "Extra utility of leaving per failed attempt.", "utility")
    beta_uk_ties: float = P(1.0, "Utility of crossing options (and disutility of leaving) for people with ties at the destination.", "utility")
    asc_legal_route: float = P(3.0, "Alternative-specific constant of a legal route, when eligible and open.", "utility")
    own_failure_discount: NonNeg = P(0.05, "Each failed attempt lowers a person's expected success by this factor (exp(-k n)).", "1/attempt")
    belief_memory_days: Annotated[float, Field(gt=0)] = P(30.0, "Time scale of the camp's shared memory of recent success rates.", "days")
    risk_tolerance_mean: Annotated[float, Field(gt=0)] = P(1.0, "Mean of the exponential risk-tolerance distribution.", "dimensionless")
    income_eur_per_day: NonNeg = P(0.0, "Money a person in a camp receives per day (transfers from family, informal work), added to funds.", "EUR/day")


class Camps(Strict):
    """Camp choice, density, tension and incidents."""

    beta_network: float = P(0.8, "Utility per log(1 + compatriots at the camp).", "utility", "assumption; nationality networks (MODEL §6)")
    beta_crowding: float = P(1.0, "Disutility per unit of density above soft capacity.", "utility")
    incident_rate_per_1000_per_day: NonNeg = P(0.02, "Incidents (brawls involving ~30 people) per 1,000 residents per day at density 1.", "1/(1000 people day)", "assumption (HRW-2021 describes recurrent fights)")
    incident_density_exponent: NonNeg = P(1.5, "Incidents rise as density**exponent above soft capacity.", "dimensionless")
    incident_mix_effect: NonNeg = P(1.0, "Relative rise in incidents per unit of nationality diversity (1 - sum of squared shares).", "dimensionless")
    people_per_incident: NonNeg = P(30.0, "People involved per incident.", "people", "MODEL §6 (brawls involving ~30 people)")
    clearance_hazard_per_incident: NonNeg = P(0.0, "Chance per incident that it triggers a major clearance of the camp (0 = only scheduled clearances).", "probability")
    off_camp_share: Prob = P(
        0.1, "Share of people settling at a corridor site who wait off-camp (towns, relatives, rented rooms, inland cities) rather than in its camp, when they can pay for a month of it.", "share",
        "assumption; HRW-2021 and HRO-2020 describe people sleeping in towns and moving to the coast only to cross",
    )
    off_camp_cost_eur_per_day: NonNeg = P(
        3.0, "Daily cost of waiting off-camp (rooms, transport to the coast); people who can no longer pay it move into the camp.", "EUR/day",
        "assumption",
    )


class Clearances(Strict):
    """Routine evictions and major operations."""

    eviction_funds_loss_eur: NonNeg = P(2.0, "Belongings lost per person per eviction (tents, sleeping bags, phones), on average over residents.", "EUR", "derived from HRO-2022: 5,794 tents and tarps seized in 2021 over 1,229 operations, at ~EUR 30 an item and ~1,500 residents exposed, with one modelled operation standing for ~5-10 observed ones")
    eviction_delay_days: NonNeg = P(1.0, "Days an eviction delays the person's next attempt.", "days")
    eviction_off_camp_share: Prob = P(
        0.05, "Share of evicted camp residents who then wait off-camp (if they can pay for a month of it) rather than rebuild in the camp.", "share",
        "assumption; HRW-2021: evictions every ~48 hours push people to hide in woods and towns",
    )
    eviction_move_share: Prob = P(0.05, "Share of evicted people who resettle at another camp rather than the same place.", "share", "assumption; HRW-2021: people resettle within hours")
    disperse_share: Prob = P(0.5, "In a major clearance, share of people not bused who disperse to other sites (the rest stay).", "share")
    minor_acceptance_boost: Prob = P(0.5, "Extra acceptance for households with minors (protection offers).", "share")
    eviction_cost_eur: NonNeg = P(5000.0, "Public cost of one routine eviction operation.", "EUR")
    bus_cost_eur: NonNeg = P(3000.0, "Public cost of one bus in a major clearance.", "EUR")
    triggered_buses: NonNeg = P(25, "Buses in a clearance triggered by incidents.", "buses", "the Calais operation of Nov 2023 (RADIO6-2023)")
    triggered_seats_per_bus: NonNeg = P(20, "Seats per bus in a triggered clearance.", "seats")
    triggered_acceptance: Prob = P(0.37, "Acceptance in a triggered clearance.", "share", "RADIO6-2023 (~300 of ~800)")


class Shelters(Strict):
    """Reception centres away from the border."""

    stay_days_mean: Annotated[float, Field(gt=0)] = P(10.0, "Mean days in a shelter before deciding to stay in the asylum system or return.", "days", "assumption; ATLANTICO-2017 (most returns within a week)")
    return_share: Prob = P(0.4, "Share of people leaving shelters who return to the border.", "share", "RADIO6-2017 (40% left CAES shelters); ATLANTICO-2017 (0.63 within a week)")
    cost_per_place_day_eur: NonNeg = P(30.0, "Public cost per occupied place per day.", "EUR")


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
    caught_return_days: NonNeg = P(1.0, "Days before a detected person is back in a camp.", "days")


class Outflow(Strict):
    """Leaving the corridor and returns."""

    returned_back_days: NonNeg = P(21.0, "Days before a person returned under a returns agreement is back in the corridor.", "days")
    returned_back_share: Prob = P(0.5, "Share of returned people who come back to the border (others leave).", "share")


class Weather(Strict):
    """Sea conditions (used by sea crossings)."""

    viable_share_summer: Prob = P(0.6, "Share of days in July with weather viable for small boats.", "share", "assumption; arrivals peak in Aug-Oct (HO-YEMAR2023)")
    viable_share_winter: Prob = P(0.15, "Share of days in January with weather viable for small boats.", "share", "assumption")
    persistence: Prob = P(0.6, "Chance that tomorrow's viability equals today's (weather spells).", "probability")
    series: list[tuple[dt.date, bool]] = P([], "Optional observed daily viability; overrides the seasonal model on those dates.")


class Scenario(Strict):
    """A complete scenario: the world, its people, the state's spending and the policy timeline."""

    model: Literal["corridor"] = P("corridor", "Which model this scenario runs ('corridor'; Flee scenarios use 'flee').")
    name: str = Field(min_length=1, description="Short name of the scenario.")
    description: str = ""
    inherits: str | None = Field(None, description="Built-in scenario name or path this one overrides.")
    start: dt.date = Field(description="First simulated day.")
    end: dt.date = Field(description="Last simulated day (inclusive).")
    seed: Annotated[int, Field(ge=0, lt=2**63)] = P(1, "Seed of every random stream.")
    scale: Annotated[float, Field(ge=1)] = P(1.0, "People represented by one agent.", "people/agent")
    sites: list[Site]
    routes: list[Route] = Field(default_factory=list)
    nationalities: list[Nationality]
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
    lorry_traffic: list[tuple[dt.date, NonNeg]] = P(
        [], "Lorry-traffic multiplier knots [date, multiplier] (step function; 1 = normal).", "multiplier"
    )
    policies: list[Intervention] = Field(default_factory=list, description="Interventions on the timeline.")

    @model_validator(mode="after")
    def _check(self) -> "Scenario":
        if self.end < self.start:
            raise ValueError("end: must not be before start")
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
        kinds = {s.kind for s in self.sites}
        for k in ("camp", "destination"):
            if k not in kinds:
                raise ValueError(f"sites: at least one site of kind '{k}' is required")
        for i, nat in enumerate(self.nationalities):
            for camp in nat.camp_network:
                if camp not in seen:
                    raise ValueError(f"nationalities[{i}].camp_network: unknown site '{camp}'")
        if self.inflow.entry_site and self.inflow.entry_site not in seen:
            raise ValueError(f"inflow.entry_site: unknown site '{self.inflow.entry_site}'")
        for i, pol in enumerate(self.policies):
            pol.check(self, f"policies[{i}]")
        return self
