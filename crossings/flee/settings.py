"""Flee's ``simsetting.yml``: every setting Flee 3.1 reads, what crossings does with it.

:data:`SETTINGS` lists every key that Flee 3.1's ``SimulationSettings.ReadFromYML`` reads
(plus the spellings users write that 3.1 does not read), each with its status in crossings:

- ``supported``: mapped into the scenario (``[move_rules]``, ``[spawn_rules]``,
  ``[optimisations]``, ``initial_people``), so ``crossings show`` displays it, and run with
  Flee 3.1's rule;
- ``approximated``: mapped, with a stated difference;
- ``not supported``: an import error when the value would change the simulation and Flee
  3.1 fails on it too, otherwise a one-line note naming the setting.

:func:`read_settings` turns a file into the scenario's rule sections plus those notes.
Settings the file leaves out take Flee 3.1's fallbacks (``SimulationSettings.py``), as in
Flee; the one that differs from the published ``simsetting.yml`` is ``conflict_weight``
(1/sqrt(10) instead of 0.25), and the importer says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from crossings.errors import ScenarioError
from crossings.flee.schema import FleeMoveRules, FleeOptimisations, FleeSpawnRules

# Flee 3.1 SimulationSettings.py: conflict_weight falls back to 1 / sqrt_ten with this constant.
FLEE_FALLBACK_CONFLICT_WEIGHT = 1.0 / 3.16227766017


@dataclass(frozen=True)
class Setting:
    """One key of simsetting.yml and what crossings does with it."""

    key: str
    status: str  # "supported", "approximated" or "not supported"
    how: str


SETTINGS: tuple[Setting, ...] = (
    Setting("number_of_steps", "not supported",
            "Flee 3.1 reads it but its run script takes the length from sim_period.csv (or its "
            "duration argument); crossings likewise (sim_period.csv, or import with --days). "
            "Noted and ignored."),
    Setting("conflict_input_file", "not supported",
            "Flee 3.1's run script overrides it with conflicts.csv of the input folder; crossings "
            "reads that file too. Noted and ignored."),
    Setting("log_levels.agent", "not supported",
            "Flee's per-agent log files; crossings writes its own tables. A non-zero value is "
            "noted and ignored."),
    Setting("log_levels.link", "not supported", "Flee's link log. Non-zero: noted, ignored."),
    Setting("log_levels.camp", "not supported", "Flee's camp arrival log. Non-zero: noted, ignored."),
    Setting("log_levels.init", "not supported", "Flee's set-up messages. Non-zero: noted, ignored."),
    Setting("log_levels.conflict", "not supported",
            "Flee's conflict messages. Non-zero: noted, ignored."),
    Setting("log_levels.idp_totals", "not supported",
            "Flee's IDP total column in out.csv. Non-zero: noted, ignored."),
    Setting("spawn_rules.take_from_population", "supported", "spawn_rules.take_from_population."),
    Setting("spawn_rules.insert_day0", "supported", "spawn_rules.insert_day0."),
    Setting("spawn_rules.conflict_zone_spawning_only", "supported",
            "No effect in Flee 3.1 (spawn weights are zero outside conflict zones either way), "
            "none in crossings; false is noted."),
    Setting("spawn_rules.flood_zone_spawning_only", "not supported",
            "DFlee flood spawning. true is an import error (Flee 3.1 stops on it as well: its "
            "spawn-weight code then misses a setting)."),
    Setting("spawn_rules.conflict_driven_spawning", "supported",
            "spawn_rules.mode = 'conflict_driven'; spawn_mode 'constant' and 'pop_ratio' -> "
            "spawn_rules.conflict_spawn_mode, displaced_per_conflict_day. spawn_mode 'Poisson' "
            "(or anything else) is an import error: Flee 3.1 compares a lower-cased mode with "
            "'Poisson' and fails on the first location."),
    Setting("spawn_rules.flood_driven_spawning", "not supported",
            "Only read by Flee 3.1 with flood_zone_spawning_only. Noted and ignored."),
    Setting("spawn_rules.conflict_spawn_decay", "supported",
            "spawn_rules.conflict_spawn_decay: multiplies conflict intensity in spawn weights "
            "and location scores, one factor per 30 days since the conflict started."),
    Setting("spawn_rules.camps_are_sicks", "approximated",
            "Flee 3.1 reads camps_are_sinks under this misspelt key: people in a camp are "
            "deactivated with the camp's deactivation_probability (a locations.csv column) but "
            "stay counted in the camp, so the only effect is that they never move on. crossings "
            "keeps them as camp residents who may move on (camp move chance 0.001 a day). true "
            "is noted."),
    Setting("spawn_rules.camps_are_sinks", "not supported",
            "Not read by Flee 3.1 (it reads 'camps_are_sicks'). Noted and ignored, as in Flee."),
    Setting("spawn_rules.read_from_agents_csv_file", "supported",
            "agents.csv rows become initial_people (people present on day 0, placed before the "
            "camps' day-0 registrations); their attribute columns are noted and not used."),
    Setting("move_rules.max_move_speed", "supported", "move_rules.max_move_speed."),
    Setting("move_rules.max_walk_speed", "supported", "move_rules.max_walk_speed."),
    Setting("move_rules.max_crossing_speed", "not supported",
            "Read by Flee 3.1, used by none of its rules. Noted and ignored."),
    Setting("move_rules.foreign_weight", "supported", "move_rules.foreign_weight."),
    Setting("move_rules.camp_weight", "supported", "move_rules.camp_weight."),
    Setting("move_rules.conflict_weight", "supported",
            "move_rules.conflict_weight; when the file leaves it out, Flee 3.1's fallback "
            "1/sqrt(10) = 0.316 (noted)."),
    Setting("move_rules.conflict_movechance", "supported", "move_rules.conflict_movechance."),
    Setting("move_rules.camp_movechance", "supported", "move_rules.camp_movechance."),
    Setting("move_rules.idpcamp_movechance", "supported", "move_rules.idpcamp_movechance."),
    Setting("move_rules.default_movechance", "supported", "move_rules.default_movechance."),
    Setting("move_rules.awareness_level", "approximated",
            "Level 1 as Flee 3.1; -1 behaves as 1 in Flee 3.1 and is mapped to 1 (noted). Level 0: "
            "crossings picks an open route uniformly, while Flee 3.1's level-0 route never "
            "matches a route name so nobody moves. Levels >= 2 (multi-step look-ahead) are an "
            "import error."),
    Setting("move_rules.capacity_buffer", "supported", "move_rules.capacity_buffer."),
    Setting("move_rules.avoid_short_stints", "supported", "move_rules.avoid_short_stints."),
    Setting("move_rules.start_on_foot", "supported", "move_rules.start_on_foot."),
    Setting("move_rules.use_v1_rules", "supported",
            "Applied at import as Flee 3.1 does: max_move_speed 200, camp_weight 2.0, "
            "conflict_weight 0.25, start_on_foot and avoid_short_stints off (noted)."),
    Setting("move_rules.softening", "supported", "move_rules.softening."),
    Setting("move_rules.weight_softening", "supported", "move_rules.weight_softening."),
    Setting("move_rules.weight_power", "supported", "move_rules.weight_power."),
    Setting("move_rules.distance_power", "supported", "move_rules.distance_power."),
    Setting("move_rules.stay_close_to_home", "supported",
            "move_rules.stay_close_to_home, with Flee 3.1's distance (from the current location, "
            "latitude and longitude columns swapped)."),
    Setting("move_rules.home_distance_power", "supported", "move_rules.home_distance_power."),
    Setting("move_rules.use_pop_for_loc_weight", "supported",
            "move_rules.use_pop_for_loc_weight (Flee 3.1's min(1, population) factor)."),
    Setting("move_rules.pop_power_for_loc_weight", "supported",
            "move_rules.pop_power_for_loc_weight."),
    Setting("move_rules.movechance_pop_base", "supported", "move_rules.movechance_pop_base."),
    Setting("move_rules.movechance_pop_scale_factor", "supported",
            "move_rules.movechance_pop_scale_factor."),
    Setting("move_rules.ChildrenAvoidHazards", "not supported",
            "Needs each person's age (demographics files). true is an import error (Flee 3.1 "
            "fails on it too without an 'age' attribute)."),
    Setting("move_rules.BoysTakeRisk", "not supported",
            "Only read inside ChildrenAvoidHazards in Flee 3.1, so alone it has no effect; true "
            "is noted."),
    Setting("move_rules.MatchCampEthnicity", "supported",
            "move_rules.MatchCampEthnicity: camp scores x 10, which is what Flee 3.1 computes "
            "(its ethnicity share is a stub equal to 1)."),
    Setting("move_rules.MatchTownEthnicity", "supported", "move_rules.MatchTownEthnicity (x 10)."),
    Setting("move_rules.MatchConflictEthnicity", "supported",
            "move_rules.MatchConflictEthnicity (x 10)."),
    Setting("flood_rules", "not supported",
            "DFlee flood rules. A non-empty section is an import error; Flee 3.1 stops on it "
            "too (it looks the flood settings up in spawn_rules and fails)."),
    Setting("optimisations.hasten", "supported",
            "optimisations.hasten: populations, capacities and the UNHCR counts divided by "
            "it, as in Flee 3.1 (which does not divide agents.csv or conflict-driven "
            "'constant' spawning either)."),
)

_FLOAT_MOVE = ("max_move_speed", "max_walk_speed", "foreign_weight", "camp_weight",
               "conflict_weight", "conflict_movechance", "camp_movechance",
               "idpcamp_movechance", "default_movechance", "capacity_buffer", "softening",
               "weight_softening", "weight_power", "distance_power", "home_distance_power",
               "pop_power_for_loc_weight", "movechance_pop_base", "movechance_pop_scale_factor")
_BOOL_MOVE = ("avoid_short_stints", "start_on_foot", "stay_close_to_home",
              "use_pop_for_loc_weight", "MatchCampEthnicity", "MatchTownEthnicity",
              "MatchConflictEthnicity")
_LOG_LEVELS = ("agent", "link", "camp", "init", "conflict", "idp_totals")


@dataclass
class Settings:
    """The scenario sections a settings file maps to, and what could not be mapped."""

    move_rules: dict[str, Any] = field(default_factory=dict)
    spawn_rules: dict[str, Any] = field(default_factory=dict)
    optimisations: dict[str, Any] = field(default_factory=dict)
    read_agents_csv: bool = False
    notes: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.out = Settings()
        self.off: list[str] = []  # read, and at a value that needs nothing in the scenario

    def note(self, key: str, text: str) -> None:
        self.out.notes.append(f"{self.path.name}: {key}: {text}")

    def fail(self, key: str, expected: str) -> ScenarioError:
        return ScenarioError(str(self.path), key, expected)

    def number(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(key, f"a number (found {value!r})")
        try:
            x = float(value)  # Flee 3.1 applies float() to the value, so "360" is accepted
        except ValueError:
            raise self.fail(key, f"a number (found {value!r})") from None
        if not math.isfinite(x):
            raise self.fail(key, "a finite number")
        return x

    def integer(self, key: str, value: Any) -> int:
        x = self.number(key, value)
        if x != int(x):
            raise self.fail(key, f"a whole number (found {value!r})")
        return int(x)

    def boolean(self, key: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        hint = (" in quotes, which Flee 3.1 would read as true" if isinstance(value, str)
                else "")
        raise self.fail(key, f"true or false (found {value!r}{hint})")

    def section(self, key: str, value: Any) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, "a mapping of settings (key: value lines indented under it)")
        return value


def read_settings(path: str | Path) -> Settings:
    """Read a Flee ``simsetting.yml``; ScenarioError (file, setting, expected) on bad input."""
    path = Path(path)
    r = _Reader(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), "(file)", "an existing simsetting.yml") from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), "(encoding)", "a UTF-8 text file") from None
    except OSError as exc:
        raise ScenarioError(str(path), "(file)", f"a readable file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ScenarioError(str(path), "(syntax)", f"valid YAML ({problem}{where})") from None
    data = r.section("(top level)", data)
    for key, value in data.items():
        k = str(key)
        if k == "log_levels":
            _log_levels(r, r.section(k, value))
        elif k == "spawn_rules":
            _spawn_rules(r, r.section(k, value))
        elif k == "move_rules":
            pass  # read below, after the defaults, whatever its position in the file
        elif k == "optimisations":
            for sk, sv in r.section(k, value).items():
                if sk == "hasten":
                    r.out.optimisations["hasten"] = r.integer("optimisations.hasten", sv)
                else:
                    r.note(f"optimisations.{sk}", "not a Flee 3.1 setting; ignored (Flee 3.1 "
                           "ignores it too)")
        elif k == "flood_rules":
            if value is not None:
                raise r.fail("flood_rules", "no flood_rules section: DFlee flood rules are not "
                             "supported by crossings, and Flee 3.1 stops on this section too")
            r.off.append("flood_rules (empty)")
        elif k == "number_of_steps":
            r.note(k, f"= {value!r}: not used by Flee 3.1's run script (the length comes from "
                   "sim_period.csv, or --days); ignored")
        elif k == "conflict_input_file":
            r.note(k, f"= {value!r}: Flee 3.1's run script reads conflicts.csv of the input "
                   "folder instead, and so does crossings; ignored")
        else:
            r.note(k, "not a Flee 3.1 setting; ignored (Flee 3.1 ignores it too)")
    _move_rules(r, r.section("move_rules", data.get("move_rules")))
    _validate(r)
    if r.off:
        r.out.notes.append(f"{path.name}: {', '.join(r.off)}: read; at these values nothing "
                           "needs mapping (logs and features off, as crossings runs)")
    return r.out


def _log_levels(r: _Reader, sec: dict) -> None:
    for key, value in sec.items():
        k = f"log_levels.{key}"
        if key in _LOG_LEVELS:
            level = r.integer(k, value)
            if level != 0:
                r.note(k, f"= {level}: Flee's diagnostic log is not written by crossings "
                       "(it writes its own tables); ignored")
            else:
                r.off.append(f"{k} = 0")
        else:
            r.note(k, "not a Flee 3.1 setting; ignored (Flee 3.1 ignores it too)")


def _spawn_rules(r: _Reader, sec: dict) -> None:
    sp = r.out.spawn_rules
    flood = False
    conflict_only = True
    for key, value in sec.items():
        k = f"spawn_rules.{key}"
        if key in ("take_from_population", "insert_day0"):
            sp[key] = r.boolean(k, value)
        elif key == "conflict_zone_spawning_only":
            conflict_only = r.boolean(k, value)
            if not conflict_only:
                r.note(k, "= false: no effect in Flee 3.1 (people appear only in conflict "
                       "zones either way), none in crossings")
            else:
                r.off.append(f"{k} = true")
        elif key == "flood_zone_spawning_only":
            flood = r.boolean(k, value)
            if not flood:
                r.off.append(f"{k} = false")
        elif key == "camps_are_sicks":
            if r.boolean(k, value):
                r.note(k, "= true (Flee 3.1's spelling of camps_are_sinks): not supported; "
                       "people in camps are not deactivated (in Flee 3.1 they stay counted in "
                       "the camp and only stop moving on, camp move chance 0.001 a day)")
            else:
                r.off.append(f"{k} = false")
        elif key == "camps_are_sinks":
            r.note(k, "not read by Flee 3.1 (it reads 'camps_are_sicks'); ignored, as in Flee")
        elif key == "read_from_agents_csv_file":
            r.out.read_agents_csv = r.boolean(k, value)
            if not r.out.read_agents_csv:
                r.off.append(f"{k} = false")
        elif key == "conflict_driven_spawning":
            _conflict_driven(r, value)
        elif key == "flood_driven_spawning":
            r.note(k, "only read by Flee 3.1 with flood_zone_spawning_only; ignored")
        elif key == "conflict_spawn_decay":
            sp["conflict_spawn_decay"] = _decay(r, k, value)
        else:
            r.note(k, "not a Flee 3.1 setting; ignored (Flee 3.1 ignores it too)")
    if flood:
        both = " (with conflict_zone_spawning_only also true Flee 3.1 exits)" if conflict_only else ""
        raise r.fail("spawn_rules.flood_zone_spawning_only", "false: DFlee flood spawning is not "
                     f"supported by crossings, and Flee 3.1 fails on it too{both}")


def _conflict_driven(r: _Reader, value: Any) -> None:
    k = "spawn_rules.conflict_driven_spawning"
    if value is None:
        r.note(k, "empty: Flee 3.1 treats an empty conflict_driven_spawning as absent, and so "
               "does crossings (people appear as the total refugee series rises)")
        return
    sec = r.section(k, value)
    mode = sec.get("spawn_mode", "constant")
    if mode not in ("constant", "pop_ratio"):
        raise r.fail(f"{k}.spawn_mode", f"'constant' or 'pop_ratio' (found {mode!r}; Flee 3.1 "
                     "fails on any other mode, 'Poisson' included)")
    sp = r.out.spawn_rules
    sp["mode"] = "conflict_driven"
    sp["conflict_spawn_mode"] = mode
    if "displaced_per_conflict_day" in sec:
        x = r.number(f"{k}.displaced_per_conflict_day", sec["displaced_per_conflict_day"])
        sp["displaced_per_conflict_day"] = float(int(x)) if mode == "constant" else x
    elif mode == "pop_ratio":
        sp["displaced_per_conflict_day"] = 0.01  # Flee 3.1's default for pop_ratio
    for sk in sec:
        if sk not in ("spawn_mode", "displaced_per_conflict_day"):
            r.note(f"{k}.{sk}", "not a Flee 3.1 setting; ignored (Flee 3.1 ignores it too)")


def _decay(r: _Reader, key: str, value: Any) -> list[float] | None:
    if value is None:
        return None
    if isinstance(value, dict):
        if sorted(value) != list(range(len(value))):
            raise r.fail(key, "a list of multipliers, one per 30 days (or a mapping 0: x, 1: y, "
                         "...)")
        value = [value[i] for i in range(len(value))]
    if not isinstance(value, list):
        raise r.fail(key, f"a list of multipliers, one per 30 days (found {value!r})")
    return [r.number(f"{key}[{i}]", v) for i, v in enumerate(value)]


def _move_rules(r: _Reader, sec: dict) -> None:
    mv = r.out.move_rules
    if "conflict_weight" not in sec:
        mv["conflict_weight"] = FLEE_FALLBACK_CONFLICT_WEIGHT
        r.note("move_rules.conflict_weight", "not set: Flee 3.1's fallback 1/sqrt(10) = "
               f"{FLEE_FALLBACK_CONFLICT_WEIGHT:.4f} applies (the published simsetting.yml sets "
               "0.25)")
    v1 = False
    for key, value in sec.items():
        k = f"move_rules.{key}"
        if key in _FLOAT_MOVE:
            mv[key] = r.number(k, value)
        elif key in _BOOL_MOVE:
            mv[key] = r.boolean(k, value)
        elif key == "awareness_level":
            level = r.integer(k, value)
            if level == -1:
                r.note(k, "= -1: Flee 3.1 weighs routes exactly as at level 1; mapped to 1")
                level = 1
            if level > 1 or level < -1:
                raise r.fail(k, f"0 or 1 (found {level}): multi-step route look-ahead is not "
                             "supported by crossings")
            mv[key] = level
        elif key == "use_v1_rules":
            v1 = r.boolean(k, value)
            if not v1:
                r.off.append(f"{k} = false")
        elif key == "max_crossing_speed":
            r.note(k, f"= {value!r}: read by Flee 3.1 but used by none of its rules; ignored")
        elif key == "ChildrenAvoidHazards":
            if r.boolean(k, value):
                raise r.fail(k, "false: the rule needs each person's age (demographics), which "
                             "crossings does not model; Flee 3.1 fails on it too without an "
                             "'age' attribute")
            r.off.append(f"{k} = false")
        elif key == "BoysTakeRisk":
            if r.boolean(k, value):
                r.note(k, "= true: no effect in Flee 3.1 without ChildrenAvoidHazards, none in "
                       "crossings")
            else:
                r.off.append(f"{k} = false")
        else:
            r.note(k, "not a Flee 3.1 setting; ignored (Flee 3.1 ignores it too)")
    if v1:
        mv.update(max_move_speed=200.0, start_on_foot=False, avoid_short_stints=False,
                  camp_weight=2.0, conflict_weight=0.25)
        r.note("move_rules.use_v1_rules", "= true: Flee 1 rules applied as Flee 3.1 does "
               "(max_move_speed 200, camp_weight 2.0, conflict_weight 0.25, start_on_foot and "
               "avoid_short_stints off)")


def _validate(r: _Reader) -> None:
    for name, model, data in (("move_rules", FleeMoveRules, r.out.move_rules),
                              ("spawn_rules", FleeSpawnRules, r.out.spawn_rules),
                              ("optimisations", FleeOptimisations, r.out.optimisations)):
        try:
            model.model_validate(data)
        except ValidationError as err:
            first = err.errors()[0]
            loc = ".".join(str(p) for p in first.get("loc", ()))
            raise r.fail(f"{name}.{loc}" if loc else name,
                         f"{first.get('msg', 'a valid value')} (found "
                         f"{first.get('input')!r})") from None
