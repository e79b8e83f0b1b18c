"""The schema of a Flee-type scenario: locations, routes, closures, conflicts, rules, data.

A scenario TOML whose top level says ``model = "flee"`` is validated by
:class:`FleeScenario`. It holds what a Flee input folder holds (``locations.csv``,
``routes.csv``, ``closures.csv``, ``conflicts.csv``, ``sim_period.csv``) plus the UNHCR
series of the validation folder, embedded so the TOML file is self-contained. Every rule
parameter keeps the key name of Flee's ``simsetting.yml`` (so Flee users can copy
settings across) and carries its meaning, unit, default and source. Sources:
"simsetting.yml" is the settings file published with Flee's scenario data;
"SimulationSettings.py" is ``flee/SimulationSettings.py`` of Flee 3.1 (the fallback used
when ``simsetting.yml`` does not set the key); "Flee paper" is Suleimenova, Bell & Groen,
Scientific Reports 7:13377 (2017).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crossings.errors import ScenarioError
from crossings.engine.rundir import check_name

LOCATION_TYPES = ("conflict_zone", "town", "camp", "idpcamp", "forward")
CLOSURE_TYPES = ("country", "location", "link", "camp", "idpcamp")


def P(default: Any, desc: str, unit: str = "", source: str = "assumption", **kw: Any) -> Any:
    """A documented parameter: meaning, unit, default and source in one description."""
    text = desc
    if unit:
        text += f" Unit: {unit}."
    text += f" Default: {default!r}. Source: {source}."
    return Field(default, description=text, json_schema_extra={"unit": unit, "source": source}, **kw)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class FleeLocation(_Strict):
    """One row of Flee's ``locations.csv``."""

    name: str = Field(description="Unique location name (column 'name'). Source: locations.csv.",
                      min_length=1)
    region: str = Field("", description="Region (column 'region'); informative only. "
                        "Default: ''. Source: locations.csv.")
    country: str = Field(description="Country (column 'country'). Locations in another country "
                         "than the first row's are foreign. Source: locations.csv.", min_length=1)
    latitude: float = Field(0.0, description="Latitude in WGS84 degrees (column 'latitude'); "
                            "informative only. Default: 0.0. Source: locations.csv.",
                            ge=-90, le=90)
    longitude: float = Field(0.0, description="Longitude in WGS84 degrees (column 'longitude'); "
                             "informative only. Default: 0.0. Source: locations.csv.",
                             ge=-180, le=180)
    location_type: Literal["conflict_zone", "town", "camp", "idpcamp", "forward"] = Field(
        description="Flee location type (column 'location_type'): conflict_zone, town (Flee also "
        "accepts 'default'), camp, idpcamp or forward. It sets the daily move chance and the "
        "destination score. Source: locations.csv; Flee paper, Methods."
    )
    conflict_date: int | None = Field(
        None, description="Day (from the start date) on which conflict starts at a conflict_zone "
        "(column 'conflict_date'). As in Flee, a conflict_zone with conflict_date > 0 behaves as a "
        "town until its conflict starts. Unit: days. Default: None. Source: locations.csv.", ge=0
    )
    population: int = Field(
        0, description="Resident (non-displaced) population; weights where displaced people "
        "appear in conflict zones. Flee stores it in the 'population' column for non-camps. "
        "Unit: people. Default: 0. Source: locations.csv.", ge=0
    )
    capacity: int | None = Field(
        None, description="Camp capacity; Flee stores it in the 'population' column for camps. "
        "None means unlimited. Unit: people. Default: None. Source: locations.csv.", ge=0
    )
    conflict_intensity: float | None = Field(
        None, description="Conflict intensity of a conflict_zone that is in conflict from day 0 "
        "(extra column 'conflict_intensity'; Flee 3.1 flee.Location reads it as an attribute). "
        "None means 1.0. Unit: dimensionless. Default: None. Source: locations.csv.", ge=0
    )


class FleeRoute(_Strict):
    """One row of Flee's ``routes.csv``: a two-way link between two locations."""

    name1: str = Field(description="First end of the route (column 'name1'). Source: routes.csv.")
    name2: str = Field(description="Second end of the route (column 'name2'). Source: routes.csv.")
    distance: float = Field(description="Route length (column 'distance'). Unit: km. "
                            "Source: routes.csv.", ge=0)
    forced_redirection: int = Field(
        0, description="Flee's forced_redirection flag (0, 1 or 2). Kept for round-tripping; "
        "Flee 3.1's movement rules do not read it (its reader links a route marked 1 twice, "
        "see docs/flee.md); crossings links every route once. Default: 0. "
        "Source: routes.csv.", ge=0, le=2
    )
    max_move_speed: float | None = Field(
        None, description="Distance travelled per day on this route, replacing "
        "move_rules.max_move_speed (extra column 'max_move_speed'; Flee 3.1 Person.finish_travel "
        "reads it from the route's attributes). None means move_rules.max_move_speed. "
        "Unit: km/day. Default: None. Source: routes.csv.", gt=0
    )
    walk_probability: float = Field(
        0.0, description="Probability, each day of travel on this route, that a person walks "
        "(move_rules.max_walk_speed) instead (extra column 'walk_probability'; Flee 3.1 "
        "Person.finish_travel). Unit: 1/day. Default: 0.0. Source: routes.csv.", ge=0, le=1
    )


class FleeClosure(_Strict):
    """One row of Flee's ``closures.csv``."""

    closure_type: Literal["country", "location", "link", "camp", "idpcamp"] = Field(
        description="country: all routes between two countries close; location: all routes into "
        "and out of name1 close; link: the route name1-name2 closes (both ways); camp/idpcamp: "
        "name1 stops being a camp (becomes a town) and reopens as a camp at end. "
        "Source: closures.csv; flee.py Ecosystem.enact_border_closures."
    )
    name1: str = Field(description="Country or location (column 'name1'). Source: closures.csv.")
    name2: str = Field("", description="Second country or location (column 'name2'). "
                       "Default: ''. Source: closures.csv.")
    closure_start: int = Field(description="Day the closure starts. Unit: days from start date. "
                               "Source: closures.csv.", ge=0)
    closure_end: int = Field(description="Day the closure ends (reopens). Unit: days from start "
                             "date. Source: closures.csv.", ge=0)

    @model_validator(mode="after")
    def _order(self) -> FleeClosure:
        if self.closure_end < self.closure_start:
            raise ValueError("closure_end must not be before closure_start")
        return self


class FleeConflictEvent(_Strict):
    """A change of conflict status at one location on one day (derived from conflicts.csv)."""

    day: int = Field(description="Day of the change. Unit: days from start date. "
                     "Source: conflicts.csv.", ge=0)
    location: str = Field(description="Location whose conflict status changes. "
                          "Source: conflicts.csv header.")
    intensity: float = Field(
        description="Conflict intensity from this day on; 0 means the conflict ends (the location "
        "becomes a town). Unit: dimensionless (Flee uses 1.0 for full conflict). "
        "Source: conflicts.csv, with Flee 3.1's rule (InputGeography.AddNewConflictZones): a zone "
        "starts when the value rises above 0 and ends when it falls from 1 to 0.", ge=0
    )


class FleeSeries(_Strict):
    """An observed time series of people at one place (a UNHCR registration series)."""

    name: str = Field(description="Camp (location) name, or 'total' for the total refugee count. "
                      "Source: data_layout.csv.")
    file: str = Field("", description="File the series was read from (provenance). "
                      "Default: ''. Source: data_layout.csv.")
    dates: list[dt.date] = Field(description="Observation dates in file order (normally "
                                 "increasing; Flee 3.1 reads them in file order, and so does "
                                 "crossings.flee.ard). Source: the series CSV.", min_length=1)
    counts: list[float] = Field(description="People registered on each date. Unit: people. "
                                "Source: the series CSV (UNHCR).", min_length=1)

    @model_validator(mode="after")
    def _same_length(self) -> FleeSeries:
        if len(self.dates) != len(self.counts):
            raise ValueError("dates and counts must have the same length")
        if any(c < 0 for c in self.counts):
            raise ValueError("counts must be >= 0")
        return self


class FleeRegistrationCorrection(_Strict):
    """A 'level 1' registration correction (registration_corrections.csv)."""

    location: str = Field(description="Camp whose earlier counts are rescaled. "
                          "Source: registration_corrections.csv.")
    date: dt.date = Field(description="Date of the first level-2 count: all earlier observations "
                          "are multiplied by (count on this date / the count before). "
                          "Source: registration_corrections.csv; Flee 3.1 "
                          "RefugeeTable.correctLevel1Registrations.")


class FleeValidation(_Strict):
    """The UNHCR series used to spawn people (total) and to validate camp counts (ARD)."""

    total: FleeSeries = Field(description="Total registered refugees (the 'total' row of "
                              "data_layout.csv). Flee 3.1 spawns each day's increase of this "
                              "series. Source: UNHCR via Flee's validation data.")
    camps: list[FleeSeries] = Field(default_factory=list, description="One series per camp. "
                                    "Default: none. Source: UNHCR via Flee's validation data.")
    registration_corrections: list[FleeRegistrationCorrection] = Field(
        default_factory=list, description="Level-1 registration corrections applied to the camp "
        "series before use. Default: none. Source: registration_corrections.csv."
    )


class FleeMoveRules(_Strict):
    """Flee's move rules (simsetting.yml ``move_rules``)."""

    max_move_speed: float = P(360.0, "Distance travelled per day on a route (30 km/h for 12 h).",
                              "km/day", "simsetting.yml", gt=0)
    max_walk_speed: float = P(35.0, "Distance walked per day (3.5 km/h for 10 h); used for the "
                              "first route when start_on_foot is true.", "km/day",
                              "simsetting.yml", gt=0)
    foreign_weight: float = P(1.0, "Score multiplier of locations outside the home country.", "",
                              "simsetting.yml", ge=0)
    camp_weight: float = P(1.0, "Score multiplier of camps.", "", "simsetting.yml", ge=0)
    conflict_weight: float = P(0.25, "Score multiplier of conflict zones (raised to the power of "
                               "the conflict intensity).", "", "simsetting.yml", ge=0)
    conflict_movechance: float = P(1.0, "Daily probability that a person in a conflict zone "
                                   "moves on.", "1/day", "simsetting.yml", ge=0, le=1)
    camp_movechance: float = P(0.001, "Daily probability that a person in a camp moves on.",
                               "1/day", "simsetting.yml", ge=0, le=1)
    idpcamp_movechance: float = P(0.1, "Daily probability that a person in an IDP camp moves on.",
                                  "1/day", "SimulationSettings.py", ge=0, le=1)
    default_movechance: float = P(0.3, "Daily probability that a person in a town moves on.",
                                  "1/day", "simsetting.yml", ge=0, le=1)
    awareness_level: int = P(1, "How far people look when choosing a route: 0 picks a route at "
                             "random, 1 weighs each neighbouring location. Higher levels "
                             "(multi-hop look-ahead) are not implemented.", "route steps",
                             "simsetting.yml", ge=0, le=1)
    capacity_buffer: float = P(0.9, "Occupancy (share of capacity) above which a camp's weight "
                               "falls linearly, reaching 0 at full capacity.", "share",
                               "SimulationSettings.py", gt=0, le=1)
    softening: float = P(10.0, "Distance added to every route length in the route weight, so "
                         "very short routes are not over-favoured.", "km",
                         "SimulationSettings.py", ge=0)
    weight_softening: float = P(0.0, "Constant added to every destination score in the route "
                                "weight.", "", "SimulationSettings.py", ge=0)
    distance_power: float = P(1.0, "Power of the (softened) distance in the route weight.", "",
                              "SimulationSettings.py", ge=0)
    weight_power: float = P(1.0, "Power applied to each route weight.", "", "simsetting.yml",
                            ge=0)
    avoid_short_stints: bool = P(False, "If true, people who travelled less than half a day's "
                                 "distance on average over two days always move on from towns.",
                                 "", "simsetting.yml")
    start_on_foot: bool = P(False, "If true, people walk (max_walk_speed) on their first route.",
                            "", "simsetting.yml")
    stay_close_to_home: bool = P(False, "If true, each destination's score is divided by "
                                 "max(1, d)^home_distance_power, d the great-circle distance in "
                                 "km from the person's current location (Flee 3.1 "
                                 "moving.getEndPointScore, which takes the current location, "
                                 "not the home location, and reads the latitude column as "
                                 "longitude and vice versa).", "", "SimulationSettings.py")
    home_distance_power: float = P(0.5, "Power of the distance in stay_close_to_home.", "",
                                   "SimulationSettings.py")
    use_pop_for_loc_weight: bool = P(False, "If true, the score of every destination that is "
                                     "not a camp is multiplied by min(1, population)^"
                                     "pop_power_for_loc_weight (Flee 3.1 moving.getEndPointScore: "
                                     "0 for an empty place, 1 otherwise).", "",
                                     "SimulationSettings.py")
    pop_power_for_loc_weight: float = P(0.1, "Power used by use_pop_for_loc_weight.", "",
                                        "SimulationSettings.py")
    movechance_pop_base: float = P(10000.0, "Population at which the move-chance scaling "
                                   "factor is 1.", "people", "SimulationSettings.py", gt=0)
    movechance_pop_scale_factor: float = P(0.0, "Every move chance is multiplied by "
                                           "(max(population, capacity) / movechance_pop_base)^"
                                           "this (Flee 3.1 Person.evolve); 0 turns it off.", "",
                                           "SimulationSettings.py")
    MatchCampEthnicity: bool = P(False, "Flee 3.1 multiplies camp scores by 10 x the share of "
                                 "the person's ethnicity there; 3.1's share is a stub equal to "
                                 "1 (spawning.getAttributeRatio), so this multiplies camp "
                                 "scores by 10.", "", "SimulationSettings.py")
    MatchConflictEthnicity: bool = P(False, "As MatchCampEthnicity, for conflict zones (score x "
                                     "10 in Flee 3.1).", "", "SimulationSettings.py")
    MatchTownEthnicity: bool = P(False, "As MatchCampEthnicity, for every other location "
                                 "(score x 10 in Flee 3.1).", "", "SimulationSettings.py")


class FleeSpawnRules(_Strict):
    """Flee's spawn rules (simsetting.yml ``spawn_rules``)."""

    mode: Literal["observed_total", "conflict_driven"] = P(
        "observed_total", "observed_total: each day, as many people appear as the total refugee "
        "series rose (Flee 3.1's default, spawning.spawn_daily_displaced), placed in conflict "
        "zones with probability proportional to population x intensity; conflict_driven: each "
        "conflict zone produces displaced_per_conflict_day x intensity people a day.", "",
        "SimulationSettings.py (conflict_driven_spawning absent)"
    )
    conflict_spawn_mode: Literal["constant", "pop_ratio"] = P(
        "constant", "conflict_driven mode: 'constant' spawns int(displaced_per_conflict_day x "
        "intensity) a day at each conflict zone; 'pop_ratio' spawns int(displaced_per_conflict_day "
        "x population x intensity) (Flee 3.1 spawning.spawn_daily_displaced).", "",
        "SimulationSettings.py (conflict_driven_spawning.spawn_mode)")
    displaced_per_conflict_day: float = P(500, "People displaced per day of conflict at full "
                                          "intensity ('constant'), or the share of the "
                                          "population displaced per day ('pop_ratio'; Flee's "
                                          "default there is 0.01). conflict_driven mode only.",
                                          "people/day or 1/day", "SimulationSettings.py", ge=0)
    conflict_spawn_decay: list[float] | None = P(
        None, "Multipliers of conflict intensity by time since the conflict started, one per "
        "30 days (the last one holds after); they weigh where people appear and the conflict "
        "term of location scores (Flee 3.1 SimulationSettings.get_conflict_decay). None: no "
        "decay.", "", "simsetting.yml spawn_rules.conflict_spawn_decay")
    insert_day0: bool = P(True, "Place each camp's day-0 registered count in the camp at the "
                          "start (and spawn nobody on day 0).", "", "simsetting.yml")
    take_from_population: bool = P(False, "Subtract spawned people from the conflict zone's "
                                   "population (lowering its later spawn weight).", "",
                                   "simsetting.yml")


class FleeOptimisations(_Strict):
    """Flee's run-time options (simsetting.yml ``optimisations``)."""

    hasten: int = P(1, "Population scale-down factor: every number of people (spawns, day-0 "
                    "registrations, populations, capacities) is divided by it, so a run has "
                    "hasten times fewer agents.", "", "simsetting.yml", ge=1)


class FleeInitialPeople(_Strict):
    """People placed at a location on day 0 (a group of rows of Flee's ``agents.csv``)."""

    location: str = Field(description="Location name (agents.csv column 1). Source: agents.csv.")
    people: int = Field(description="Number of people (rows of agents.csv naming this "
                        "location). Unit: people. Source: agents.csv.", ge=1)


class FleeScenario(_Strict):
    """A Flee-type scenario: Flee's input folder and validation series in one document."""

    model: Literal["flee"] = Field("flee", description="Selects the Flee movement model. "
                                   "Default: 'flee'. Source: crossings scenario format.")
    name: str = Field(description="Scenario name (e.g. 'mali2012'). Source: the importer "
                      "(folder name unless given).", min_length=1)
    description: str = Field("", description="What the scenario represents. Default: ''. "
                             "Source: whoever imports the scenario.")
    source: str = Field("", description="Where the data come from (attribution). Default: ''. "
                        "Source: whoever imports the scenario.")
    seed: int = Field(0, description="Run seed used by `crossings run` when none is given on "
                      "the command line. Default: 0. Source: crossings convention.", ge=0)
    inherits: str | None = Field(None, description="Set by the scenario loader when this "
                                 "scenario inherits from another file. Default: None. "
                                 "Source: crossings scenario loader.")
    start_date: dt.date = Field(description="Date of day 0. Source: sim_period.csv "
                                "'StartDate'.")
    days: int = Field(description="Number of simulated days. Unit: days. Source: "
                      "sim_period.csv 'Length'.", ge=1)
    locations: list[FleeLocation] = Field(description="Places. Source: locations.csv rows.",
                                          min_length=1)
    routes: list[FleeRoute] = Field(default_factory=list, description="Two-way routes. "
                                    "Default: none. Source: routes.csv rows.")
    closures: list[FleeClosure] = Field(default_factory=list, description="Closures. "
                                        "Default: none. Source: closures.csv rows.")
    conflicts: list[FleeConflictEvent] = Field(
        default_factory=list, description="Conflict changes by day. Default: none. Source: "
        "conflicts.csv, or locations.csv conflict_date when there is no conflicts.csv."
    )
    move_rules: FleeMoveRules = Field(default_factory=FleeMoveRules,
                                      description="Movement rules. Default: Flee's defaults. "
                                      "Source: simsetting.yml move_rules.")
    spawn_rules: FleeSpawnRules = Field(default_factory=FleeSpawnRules,
                                        description="Spawn rules. Default: Flee's defaults. "
                                        "Source: simsetting.yml spawn_rules.")
    optimisations: FleeOptimisations = Field(default_factory=FleeOptimisations,
                                             description="Run-time options. Default: Flee's "
                                             "defaults. Source: simsetting.yml optimisations.")
    initial_people: list[FleeInitialPeople] = Field(
        default_factory=list, description="People present on day 0 besides the camps' day-0 "
        "registrations. Default: none. Source: agents.csv (with spawn_rules "
        "read_from_agents_csv_file)."
    )
    validation: FleeValidation | None = Field(
        None, description="UNHCR series: the total drives spawning (observed_total mode), the "
        "camp series give the ARD. Default: None. Source: the validation folder "
        "(data_layout.csv)."
    )
    import_notes: list[str] = Field(
        default_factory=list, description="What the importer repaired, ignored or could not "
        "map (one line each), so that `crossings show` tells what differs from the Flee "
        "folder. Default: none. Source: crossings.flee.importer."
    )

    _name = field_validator("name")(classmethod(lambda cls, v: check_name(v)))

    @model_validator(mode="after")
    def _references(self) -> FleeScenario:
        names = [loc.name for loc in self.locations]
        seen: set[str] = set()
        for i, n in enumerate(names):
            if n in seen:
                raise ValueError(f"locations[{i}].name: duplicate location name {n!r}")
            seen.add(n)
        for i, loc in enumerate(self.locations):
            if loc.location_type == "conflict_zone" and loc.conflict_date is None:
                raise ValueError(f"locations[{i}].conflict_date: a conflict_zone needs a day")
        countries = {loc.country for loc in self.locations}
        for i, r in enumerate(self.routes):
            for f in ("name1", "name2"):
                if getattr(r, f) not in seen:
                    raise ValueError(f"routes[{i}].{f}: unknown location {getattr(r, f)!r}")
            if r.name1 == r.name2:
                raise ValueError(f"routes[{i}]: a route must join two different locations")
        for i, c in enumerate(self.closures):
            if c.closure_type == "country":
                for f in ("name1", "name2"):
                    if getattr(c, f) not in countries:
                        raise ValueError(f"closures[{i}].{f}: unknown country {getattr(c, f)!r}")
            else:
                if c.name1 not in seen:
                    raise ValueError(f"closures[{i}].name1: unknown location {c.name1!r}")
                if c.closure_type == "link" and c.name2 not in seen:
                    raise ValueError(f"closures[{i}].name2: unknown location {c.name2!r}")
        for i, ev in enumerate(self.conflicts):
            if ev.location not in seen:
                raise ValueError(f"conflicts[{i}].location: unknown location {ev.location!r}")
        for i, ip in enumerate(self.initial_people):
            if ip.location not in seen:
                raise ValueError(f"initial_people[{i}].location: unknown location "
                                 f"{ip.location!r}")
        if self.validation is not None:
            for i, s in enumerate(self.validation.camps):
                if s.name not in seen:
                    raise ValueError(f"validation.camps[{i}].name: unknown location {s.name!r}")
            for i, rc in enumerate(self.validation.registration_corrections):
                if rc.location not in {s.name for s in self.validation.camps}:
                    raise ValueError(f"validation.registration_corrections[{i}].location: "
                                     f"no camp series named {rc.location!r}")
        if self.spawn_rules.mode == "observed_total" and self.validation is None:
            raise ValueError("spawn_rules.mode: 'observed_total' needs validation.total "
                             "(or use 'conflict_driven')")
        return self


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def validation_error_to_scenario_error(file: str | Path, err: ValidationError) -> ScenarioError:
    """The first problem of a pydantic ValidationError as a one-line ScenarioError."""
    first = err.errors()[0]
    field = _loc_to_field(tuple(first.get("loc", ())))
    msg = first.get("msg", "a valid value")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
        if ": " in msg and field == "(top level)":
            field, msg = msg.split(": ", 1)
    return ScenarioError(str(file), field, msg)


def load_flee_scenario(path: str | Path) -> FleeScenario:
    """Read a Flee scenario TOML (data embedded) and validate it; ScenarioError on any problem."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(str(path), "(file)", "an existing scenario TOML file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), "(syntax)", f"valid TOML ({exc})") from None
    except OSError as exc:
        raise ScenarioError(str(path), "(file)", f"a readable file ({exc.strerror})") from None
    if data.get("model") != "flee":
        raise ScenarioError(str(path), "model", "'flee' for a Flee-type scenario")
    try:
        return FleeScenario.model_validate(data)
    except ValidationError as err:
        raise validation_error_to_scenario_error(path, err) from None
