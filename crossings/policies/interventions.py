"""Policies as interventions on a timeline.

Each intervention is a small pydantic model declared in a scenario's
``[[policies]]`` table (``type = "camp_clearance"`` etc.) and serialised back to
the same TOML by :meth:`crossings.scenario.Scenario` dumps. An intervention acts
in two ways, both during the first stage of each day ("policies"):

* ``shape(timeline)`` edits the precomputed daily parameter series (spending by
  channel, lorry traffic, shelter places, legal-route quota, returns, evictions);
* ``fire(sim, day)`` performs a one-off action on the days returned by
  ``action_days`` (a major camp clearance).

An intervention dated after the horizon touches no series and fires on no day,
so it leaves every result bit-identical (common random numbers).
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crossings.engine.state import MAX_DAYS as _MAX_DAYS  # the longest horizon (day counters)
from crossings.engine.timeline import CHANNELS, Timeline


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    label: str = Field("", description="Free text shown in outputs (e.g. the real operation's name).")

    def check(self, scenario, path: str) -> None:  # noqa: D401 - hook
        """Validate references to the scenario (sites, nationalities)."""

    def shape(self, tl: "Timeline") -> None:
        """Edit the daily parameter series of the timeline."""

    def action_days(self, tl: "Timeline") -> list[int]:
        return []

    def fire(self, sim, day: int) -> None:
        """One-off action on an action day."""


def _window(tl: "Timeline", start: dt.date, end: dt.date | None) -> slice:
    """Slice of simulated days covered by [start, end] (end inclusive), clipped to the horizon."""
    a = (start - tl.start).days
    b = tl.n_days - 1 if end is None else (end - tl.start).days
    a = max(a, 0)
    b = min(b, tl.n_days - 1)
    if b < a:
        return slice(0, 0)
    return slice(a, b + 1)


def _site_check(scenario, path: str, name: str, kinds: tuple[str, ...]) -> None:
    for s in scenario.sites:
        if s.name == name:
            if s.kind not in kinds:
                raise ValueError(f"{path}.site: '{name}' is a {s.kind}; expected a site of kind {'/'.join(kinds)}")
            return
    raise ValueError(f"{path}.site: unknown site '{name}'; expected one of the declared sites")


class _Dated(_Base):
    start: dt.date = Field(description="First day the policy is in force.")
    end: dt.date | None = Field(None, description="Last day in force (inclusive); none = to the horizon.")

    @model_validator(mode="after")
    def _order(self):
        if self.end is not None and self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class SecurityFunding(_Dated):
    """Extra (or scaled) security funding on one enforcement channel.

    Represents bilateral funding deals such as the UK-France Sandhurst Treaty
    (2018) or the 2023 three-year EUR 541m package: money for fences and scanners
    at the ports (``port``), beach patrols (``beach``), maritime assets (``sea``),
    investigations of smuggling networks (``intelligence``) or camp operations
    (``camps``).
    """

    type: Literal["security_funding"] = "security_funding"
    channel: Literal["port", "beach", "sea", "intelligence", "camps"]
    eur_million_per_year: float = Field(0.0, ge=0, le=1e6, description="Extra spending rate. Unit: EUR million/year.")
    multiplier: float = Field(1.0, ge=0, le=1e3, description="Multiplier on the channel's baseline spending in the window.")

    def shape(self, tl):
        w = _window(tl, self.start, self.end)
        c = CHANNELS.index(self.channel)
        tl.spending_eur_per_day[c, w] *= self.multiplier
        tl.spending_eur_per_day[c, w] += self.eur_million_per_year * 1e6 / 365.25


class CampClearance(_Base):
    """A major police operation that clears a camp and buses people to shelters.

    Represents operations such as the demolition of the Calais "Jungle"
    (24-26 Oct 2016: 5,596 of ~6,400 bused to ~280 reception centres, LINFO-2016)
    or the Calais operation of November 2023 (~300 of ~800 boarded buses,
    RADIO6-2023). Places are ``buses x seats_per_bus``; households with minors
    are offered places first; each household accepts with ``acceptance``; those
    not bused disperse to other camps (``disperse_share``) or stay.
    """

    type: Literal["camp_clearance"] = "camp_clearance"
    site: str = Field(description="Camp to clear.")
    date: dt.date = Field(description="Day of the (first) operation.")
    interval_days: int | None = Field(None, ge=1, le=_MAX_DAYS, description="Repeat every N days (none = once).")
    until: dt.date | None = Field(None, description="Last day a repeated operation may happen.")
    buses: int = Field(ge=0, le=10_000, description="Buses provided.")
    seats_per_bus: int = Field(ge=0, le=1_000, description="Seats per bus.")
    acceptance: float = Field(ge=0, le=1, description="Share of offered households who board (0.02 voluntary 2016, GUARDIAN-2016; 0.37 in 2023, RADIO6-2023; ~0.9 in the 2016 demolition, LINFO-2016).")
    disperse_share: float | None = Field(None, ge=0, le=1, description="Share of the rest who disperse to other camps (default: clearances.disperse_share).")

    def check(self, scenario, path):
        _site_check(scenario, path, self.site, ("camp",))

    def action_days(self, tl):
        first = (self.date - tl.start).days
        if self.interval_days is None:
            days = [first]
        else:
            last = tl.n_days - 1 if self.until is None else (self.until - tl.start).days
            days = list(range(first, min(last, tl.n_days - 1) + 1, self.interval_days))
        return [d for d in days if 0 <= d < tl.n_days]

    def fire(self, sim, day):
        sim.clear_camp(
            day,
            self.site,
            places=self.buses * self.seats_per_bus,
            buses=self.buses,
            acceptance=self.acceptance,
            disperse_share=self.disperse_share,
        )


class RoutineEvictions(_Dated):
    """Routine police evictions of living sites every few days.

    Represents the "every 48 hours" evictions in Calais and Grande-Synthe from
    2018 (961 operations in 2019, 1,229 in 2021, 1,729 in 2022; HRO-2020..2023).
    Each eviction costs residents belongings and a day; few move camp.
    """

    type: Literal["routine_evictions"] = "routine_evictions"
    sites: list[str] = Field(min_length=1, description="Camps evicted.")
    interval_days: float = Field(gt=0, le=_MAX_DAYS, description="Days between two evictions of the same camp.")

    def check(self, scenario, path):
        for s in self.sites:
            _site_check(scenario, path, s, ("camp",))

    def shape(self, tl):
        w = _window(tl, self.start, self.end)
        for s in self.sites:
            tl.eviction_interval_days[tl.site_index[s], w] = self.interval_days


class ShelterCapacity(_Dated):
    """Change the number of places in a shelter (reception centre) for a period.

    Represents the opening of reception and orientation centres (CAO/CAES) such
    as the ~280 centres opened for the 2016 demolition.
    """

    type: Literal["shelter_capacity"] = "shelter_capacity"
    site: str = Field(description="Shelter site.")
    capacity: float = Field(ge=0, le=1e8, description="Places during the period. Unit: people.")

    def check(self, scenario, path):
        _site_check(scenario, path, self.site, ("shelter",))

    def shape(self, tl):
        w = _window(tl, self.start, self.end)
        tl.shelter_capacity[tl.site_index[self.site], w] = self.capacity


class LegalRoute(_Dated):
    """A safe and legal route with a weekly quota.

    Represents schemes such as family-reunion transfers (Dublin III before 2021)
    or a humanitarian visa. People who qualify (eligible nationality, and ties at
    the destination when required) can choose it; places go first come, first
    served.
    """

    type: Literal["legal_route"] = "legal_route"
    quota_per_week: float = Field(ge=0, le=1e7, description="Places per week. Unit: people/week.")
    nationalities: list[str] = Field(default_factory=list, description="Eligible nationalities (empty = those flagged legal_route_eligible).")
    requires_ties: bool = Field(False, description="Only people with ties at the destination qualify (was requires_uk_ties, a deprecated alias for one release).")

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data):
        import warnings

        if isinstance(data, dict) and "requires_uk_ties" in data:
            if "requires_ties" in data:
                raise ValueError("requires_uk_ties: deprecated name of requires_ties; give only requires_ties")
            warnings.warn("'requires_uk_ties' is deprecated (kept for one release); use 'requires_ties'", FutureWarning, stacklevel=2)
            data = {k if k != "requires_uk_ties" else "requires_ties": v for k, v in data.items()}
        return data

    def check(self, scenario, path):
        known = {n.name for n in scenario.nationalities}
        for n in self.nationalities:
            if n not in known:
                raise ValueError(f"{path}.nationalities: unknown nationality '{n}'")

    def shape(self, tl):
        w = _window(tl, self.start, self.end)
        tl.legal_quota_per_day[w] += self.quota_per_week / 7.0
        if self.nationalities:
            for n in self.nationalities:
                tl.legal_eligible[tl.nationality_index[n], w] = True
        else:
            tl.legal_eligible[:, w] |= tl.nationality_legal_flag[:, None]
        if self.requires_ties:
            tl.legal_requires_ties[w] = True


class ReturnsAgreement(_Dated):
    """A returns agreement sending people who arrived back across the border.

    Represents the UK-France "one in, one out" pilot from 4 August 2025 (about 50
    returns a week, REUTERS-2025). Returned people may come back to the corridor.
    """

    type: Literal["returns_agreement"] = "returns_agreement"
    returns_per_week: float = Field(ge=0, le=1e7, description="People returned per week. Unit: people/week.")

    def shape(self, tl):
        w = _window(tl, self.start, self.end)
        tl.returns_per_day[w] += self.returns_per_week / 7.0


class GangCrackdown(_Dated):
    """Stronger action against smuggling networks (arrests, asset seizures).

    Represents joint investigation teams such as the UK-France intelligence
    cell (82 groups dismantled Jul 2020 - Sep 2023, UKFR-2023). Multiplies the
    rate at which gangs are dismantled.
    """

    type: Literal["gang_crackdown"] = "gang_crackdown"
    dismantle_multiplier: float = Field(2.0, ge=0, le=1e3, description="Multiplier on the dismantling hazard.")

    def shape(self, tl):
        w = _window(tl, self.start, self.end)
        tl.dismantle_multiplier[w] *= self.dismantle_multiplier


class SeaInterception(_Dated):
    """Permission and means to intercept boats at sea, not only on beaches.

    Represents the French decision (debated 2023-2025) to let maritime
    gendarmes stop "taxi boats" in shallow water. Without it, interception
    happens only on the beach.
    """

    type: Literal["sea_interception"] = "sea_interception"
    effectiveness: float = Field(0.2, ge=0, le=1, description="Chance a launched boat is stopped at sea at full sea-channel effectiveness.")

    def shape(self, tl):
        w = _window(tl, self.start, self.end)
        tl.sea_interception[w] = self.effectiveness


class TrafficShock(_Dated):
    """A change in lorry traffic through the ports and the tunnel.

    Represents the COVID-19 collapse of traffic (Mar-Jun 2020, multiplier ~0.5,
    an assumption) or post-Brexit checks.
    """

    type: Literal["traffic_shock"] = "traffic_shock"
    multiplier: float = Field(ge=0, le=1e3, description="Multiplier on lorry traffic (1 = normal).")

    def shape(self, tl):
        w = _window(tl, self.start, self.end)
        tl.lorry_traffic[w] *= self.multiplier


class SeaActor(_Dated):
    """An actor at sea for a period: a state rescue operation, NGO ships, or a third country's
    coastguard that intercepts boats (pull-backs), with where it lands the people it takes aboard.

    Rescue: a boat in distress is reached in time by this actor with chance ``response x min(1,
    capacity_people_per_day / people in distress today)``; actors (and the standing rescue service
    of ``sea.*``) act independently, so a boat is reached with chance ``1 - prod(1 - p_a)``, and by
    the actor drawn in proportion to the ``p_a``. Interception: a boat that launched is stopped at
    sea by this actor with chance ``interception`` (independently of other actors and of a
    ``sea_interception`` policy). People taken aboard are landed at the destination with chance
    ``landed_destination``, at the detention site ``detention_site`` with chance
    ``landed_detention`` (if it has room), and otherwise back on the departure side (their camp).

    Represents, e.g., the Turkish coastguard's interceptions in the Aegean after the EU-Turkey
    Statement (March 2016), Frontex's operation Poseidon, NGO rescue ships, or the Libyan
    coastguard's pull-backs to detention centres."""

    type: Literal["sea_actor"] = "sea_actor"
    name: str = Field(min_length=1, description="Who acts (shown in outputs), e.g. 'Turkish coastguard'.")
    capacity_people_per_day: float = Field(0.0, ge=0, le=1e8, description="People in distress this actor can reach in a day. Unit: people/day.")
    response: float = Field(0.0, ge=0, le=1, description="Chance of reaching a boat in distress in time when capacity suffices.")
    interception: float = Field(0.0, ge=0, le=1, description="Chance that a launched boat is intercepted at sea by this actor.")
    landed_destination: float = Field(0.0, ge=0, le=1, description="Share of people taken aboard who are landed at the destination.")
    landed_detention: float = Field(0.0, ge=0, le=1, description="Share landed at the detention site (the rest go back to the departure side).")
    detention_site: str = Field("", description="Detention site (kind detention) for landed_detention.")

    @model_validator(mode="after")
    def _shares(self):
        if self.landed_destination + self.landed_detention > 1 + 1e-9:
            raise ValueError("landed_detention: landed_destination + landed_detention must be at most 1")
        return self

    def check(self, scenario, path):
        if self.landed_detention > 0 or self.detention_site:
            if not self.detention_site:
                raise ValueError(f"{path}.detention_site: a site of kind detention (landed_detention is above 0)")
            for s in scenario.sites:
                if s.name == self.detention_site:
                    if s.kind != "detention":
                        raise ValueError(f"{path}.detention_site: '{s.name}' is a {s.kind}; expected a site of kind detention")
                    return
            raise ValueError(f"{path}.detention_site: unknown site '{self.detention_site}'; expected one of the declared sites")

    def shape(self, tl):
        active = np.zeros(tl.n_days, dtype=bool)
        active[_window(tl, self.start, self.end)] = True
        tl.sea_actors.append(dict(
            name=self.name, active=active, capacity=float(self.capacity_people_per_day), response=float(self.response),
            interception=float(self.interception), destination=float(self.landed_destination),
            detention=float(self.landed_detention),
            site=tl.site_index[self.detention_site] if self.detention_site else -1,
        ))


# Parameters compiled into the timeline or the world before the first day (a dated path cannot
# change them while a run goes on): their sections, and single parameters read only at set-up.
STATIC_SECTIONS = {
    "inflow": "the inflow is compiled before the first day; give it knots instead",
    "enforcement": "enforcement is compiled before the first day; use security_funding policies",
    "weather": "the weather is drawn before the first day",
}
STATIC_PARAMETERS = {
    "market.enabled": "switches the market on or off for the whole run",
    "market.initial_gangs": "read on the first day only",
    "market.max_gangs": "sets the size of the gang arrays",
    "market.initial_capital_eur": "read when a gang opens; give the path on market.entry_cost_eur instead",
    "sea.prior_weight_attempts": "read at set-up",
    "sea.prior_fade_attempts": "read at set-up",
    "sea.risk_memory_days": "read at set-up",
    "sea.perceived_death_risk_prior": "read at set-up",
    "sea.initial_success_belief": "read at set-up",
    "modes.lorry": "switches a mode for the whole run",
    "modes.boat": "switches a mode for the whole run",
}


def _numeric_field(scenario, dotted: str):
    """The section object, parameter name and pydantic field of ``section.name`` (numeric only),
    or a ValueError naming what is expected."""
    from pydantic import BaseModel as _BM

    section, _, name = dotted.partition(".")
    fields = type(scenario).model_fields
    sections = sorted(k for k, f in fields.items() if isinstance(f.annotation, type) and issubclass(f.annotation, _BM))
    if section not in sections or not name or "." in name:
        raise ValueError(f"a dotted name section.parameter with section one of {', '.join(sections)} (got '{dotted}')")
    if section in STATIC_SECTIONS:
        raise ValueError(f"a parameter that is read while the run goes on; {STATIC_SECTIONS[section]} (got '{dotted}')")
    sub = getattr(scenario, section)
    sub_fields = type(sub).model_fields
    if name not in sub_fields:
        raise ValueError(f"a parameter of [{section}] (see docs/reference.md); no parameter '{name}'")
    if dotted in STATIC_PARAMETERS:
        raise ValueError(f"a parameter that is read while the run goes on; '{dotted}' {STATIC_PARAMETERS[dotted]}")
    f = sub_fields[name]
    base = typing.get_args(f.annotation) or (f.annotation,)
    kinds = {a for a in base if a is not type(None)}
    if not kinds or not kinds <= {int, float} or bool in kinds:
        # Annotated[float, ...] resolves to float in model_fields; anything else is not a number
        raise ValueError(f"a numeric parameter; '{dotted}' is not a number")
    return sub, name, f


def _check_risk_floor(scenario, path: str, parameter: str, knots) -> None:
    """Risk tolerance is a floor plus an exponential with the rest of a mean, so a path on the floor
    (``people.risk_tolerance_min``) must stay below the people's mean and every nationality's own,
    and a path on the people's mean above the floor (each checked against the scenario's values)."""
    pp = scenario.people
    if parameter == "people.risk_tolerance_min":
        means = [("people.risk_tolerance_mean", pp.risk_tolerance_mean)] + [
            (f"nationalities[{i}].risk_tolerance_mean", n.risk_tolerance_mean)
            for i, n in enumerate(scenario.nationalities) if n.risk_tolerance_mean is not None
        ]
        for k, (_, v) in enumerate(knots):
            for name, m in means:
                if v > 0 and v >= m:
                    raise ValueError(f"{path}.path[{k}]: a floor below {name} ({m:g}); got {v:g}")
    elif parameter == "people.risk_tolerance_mean" and pp.risk_tolerance_min > 0:
        for k, (_, v) in enumerate(knots):
            if v <= pp.risk_tolerance_min:
                raise ValueError(f"{path}.path[{k}]: a mean above people.risk_tolerance_min "
                                 f"({pp.risk_tolerance_min:g}); got {v:g}")


class ParameterPath(_Base):
    """Any numeric parameter of the scenario over time: a value from a date, a step, or a piecewise-linear path.

    ``parameter`` is a dotted name ``section.parameter`` (as in docs/reference.md, e.g.
    ``sea.rescue_capacity_people_per_day``); ``path`` gives ``[date, value]`` knots. Before the first
    knot the scenario's own value holds; with ``interpolation = "step"`` each knot's value holds
    until the next knot, with ``"linear"`` values are interpolated day by day between knots and the
    last one holds. Every value is validated against the parameter's bounds. Several paths on the
    same parameter apply in the order given, a later one winning where it is set. Parameters
    compiled before the first day (the inflow, enforcement spending, the weather) have their own
    series and policies and are refused here.
    """

    type: Literal["parameter_path"] = "parameter_path"
    parameter: str = Field(description="Dotted name section.parameter of a numeric parameter (docs/reference.md).")
    path: list[tuple[dt.date, float]] = Field(min_length=1, description="[date, value] knots in increasing date order.")
    interpolation: Literal["step", "linear"] = Field("step", description="step: hold each value until the next knot; linear: interpolate between knots.")

    @model_validator(mode="after")
    def _sorted(self):
        dates = [d for d, _ in self.path]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("path: knot dates must be in strictly increasing order")
        return self

    def check(self, scenario, path):
        from pydantic import TypeAdapter, ValidationError

        try:
            _, name, f = _numeric_field(scenario, self.parameter)
        except ValueError as e:
            raise ValueError(f"{path}.parameter: {e}") from None
        adapter = TypeAdapter(Annotated[(f.annotation, *f.metadata)])
        for k, (_, v) in enumerate(self.path):
            try:
                adapter.validate_python(v)
            except ValidationError as e:
                msg = e.errors()[0].get("msg", "invalid value")
                raise ValueError(f"{path}.path[{k}]: a value valid for {self.parameter} ({msg}; got {v!r})") from None
        _check_risk_floor(scenario, path, self.parameter, self.path)

    def values(self, tl: "Timeline"):
        """The parameter's value on each simulated day (NaN before the first knot)."""
        x = np.array([(d - tl.start).days for d, _ in self.path], dtype=np.float64)
        y = np.array([v for _, v in self.path], dtype=np.float64)
        days = np.arange(tl.n_days, dtype=np.float64)
        idx = np.searchsorted(x, days, side="right") - 1
        if self.interpolation == "step":
            out = np.where(idx >= 0, y[np.clip(idx, 0, None)], np.nan)
        else:
            out = np.where(days >= x[0], np.interp(days, x, y), np.nan)
        return out

    def shape(self, tl):
        vals = self.values(tl)
        old = tl.parameter_paths.get(self.parameter)
        if old is not None:
            vals = np.where(np.isnan(vals), old, vals)
        tl.parameter_paths[self.parameter] = vals


Intervention = Annotated[
    Union[
        SecurityFunding,
        CampClearance,
        RoutineEvictions,
        ShelterCapacity,
        LegalRoute,
        ReturnsAgreement,
        GangCrackdown,
        SeaInterception,
        TrafficShock,
        ParameterPath,
        SeaActor,
    ],
    Field(discriminator="type"),
]

ALL = (
    SecurityFunding,
    CampClearance,
    RoutineEvictions,
    ShelterCapacity,
    LegalRoute,
    ReturnsAgreement,
    GangCrackdown,
    SeaInterception,
    TrafficShock,
    ParameterPath,
    SeaActor,
)
