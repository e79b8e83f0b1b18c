"""Read a Flee scenario folder into a validated :class:`~crossings.flee.schema.FleeScenario`.

Two layouts are read, with or without a FabFlee ``SWEEP/`` of variants:

- a flat Flee input folder: ``locations.csv``, ``routes.csv``, ``closures.csv``,
  ``conflicts.csv``, ``sim_period.csv`` (or ``conflict_period.csv``),
  ``registration_corrections.csv``, optionally ``agents.csv``, ``simsetting.yml`` and the
  validation files (``data_layout.csv`` and its series);
- a FabFlee config folder: ``input_csv/`` (the input files), ``source_data/`` (the
  validation files) and ``simsetting.yml``; each ``SWEEP/<variant>/`` holds the files that
  differ from the base folder (FabSim copies the base, then the variant over it).

Files are read as Flee 3.1 reads them (rows starting with ``#`` are comments, columns are
positional; see ``flee/InputGeography.py`` and ``flee/datamanager``). Where Flee 3.1
accepts a file, so does the importer, and it says on one line what it repaired or ignored
(``FleeScenario.import_notes``); where Flee 3.1 fails too, the importer raises a
:class:`~crossings.errors.ScenarioError` naming the file, row and column.
``write_scenario`` saves the result as a self-contained TOML file.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w
from pydantic import ValidationError

from crossings.errors import ScenarioError
from crossings.flee.schema import FleeScenario, validation_error_to_scenario_error
from crossings.flee.settings import read_settings

# Threshold under which Flee 3.1 treats a conflicts.csv value as "no conflict"
# (InputGeography.AddNewConflictZones).
_CONFLICT_EPS = 0.000001
# Flee 3.1's named columns; further columns are attributes named by the '#' header row.
_LOCATION_COLUMNS = ("name", "region", "country", "latitude", "longitude", "location_type",
                     "conflict_date", "population")
_ROUTE_COLUMNS = ("name1", "name2", "distance", "forced_redirection")
# A closure that never ends within any simulation (Flee 3.1 never reopens a closure whose
# end day comes before its start day).
_NEVER = 10**9


# ------------------------------------------------------------------ CSV helpers
def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Rows of a CSV file with their 1-based line numbers (empty rows dropped)."""
    if not path.is_file():
        raise ScenarioError(str(path), "(file)", "an existing CSV file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [(i + 1, [c.strip() for c in row]) for i, row in enumerate(csv.reader(fh))]
    except UnicodeDecodeError:
        raise ScenarioError(str(path), "(encoding)", "a UTF-8 text file") from None
    except csv.Error as exc:
        raise ScenarioError(str(path), "(syntax)", f"valid CSV ({exc})") from None
    return [(n, r) for n, r in rows if any(c for c in r)]


def _is_comment(r: list[str]) -> bool:
    return r[0].startswith("#")


def _data_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Rows that are not comments (Flee: a first cell starting with '#')."""
    return [(n, r) for n, r in _read_rows(path) if not _is_comment(r)]


def _float(path: Path, line: int, col: str, text: str, *, default: float | None = None) -> float:
    if text == "" and default is not None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(str(path), f"row {line}, column '{col}'",
                            f"a number (found {text!r})") from None
    if not np.isfinite(value):
        raise ScenarioError(str(path), f"row {line}, column '{col}'", "a finite number")
    return value


def _int(path: Path, line: int, col: str, text: str, *, minimum: int | None = 0) -> int:
    value = _float(path, line, col, text)
    if value != int(value):
        raise ScenarioError(str(path), f"row {line}, column '{col}'",
                            f"a whole number (found {text!r})")
    if minimum is not None and value < minimum:
        raise ScenarioError(str(path), f"row {line}, column '{col}'",
                            f"a number >= {minimum} (found {text!r})")
    return int(value)


def _date(path: Path, line: int, col: str, text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise ScenarioError(str(path), f"row {line}, column '{col}'",
                            f"a date YYYY-MM-DD (found {text!r})") from None


def _rows_list(lines: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


def _extra_columns(path: Path, rows: list[tuple[int, list[str]]], fixed: int) -> list[str]:
    """Names of the columns after the fixed ones, from the first '#' header row (as Flee)."""
    for _, r in rows:
        if _is_comment(r) and len(r) > fixed:
            return [c.strip() for c in r[fixed:]]
    return []


# ------------------------------------------------------------------ folder layout
@dataclass
class FleeFolder:
    """Where the files of one Flee scenario are: a flat folder, a FabFlee config folder, or
    a SWEEP variant over its base (the variant's files win, as FabSim copies them last)."""

    roots: list[Path]  # searched in order
    validation: Path | None = None  # explicit validation folder (--validation)

    def input(self, name: str) -> Path | None:
        for root in self.roots:
            for p in (root / "input_csv" / name, root / name):
                if p.is_file():
                    return p
        return None

    def input_dirs(self) -> list[Path]:
        out = []
        for root in self.roots:
            d = root / "input_csv"
            out.append(d if d.is_dir() else root)
        return out

    def layout(self) -> Path | None:
        if self.validation is not None:
            return self.validation / "data_layout.csv"
        for root in self.roots:
            for p in (root / "source_data" / "data_layout.csv", root / "data_layout.csv",
                      root / "input_csv" / "data_layout.csv"):
                if p.is_file():
                    return p
        return None

    def series(self, layout: Path, name: str) -> Path:
        if self.validation is not None:
            return self.validation / name
        for root in self.roots:
            for d in (root / "source_data", root, root / "input_csv"):
                if (d / name).is_file():
                    return d / name
        return layout.parent / name  # missing: the error names where it was expected

    def settings(self) -> Path | None:
        for root in self.roots:
            for name in ("simsetting.yml", "simsettings.yml"):
                if (root / name).is_file():
                    return root / name
        return None


def _folder(folder: Path, validation: Path | None, overlay: Path | None = None) -> FleeFolder:
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(str(folder), "(folder)", "an existing Flee input folder or FabFlee "
                            "config folder")
    if validation is not None:
        validation = Path(validation)
        if not validation.is_dir():
            raise ScenarioError(str(validation), "(folder)", "an existing validation folder "
                                "with data_layout.csv")
    roots = [overlay, folder] if overlay is not None else [folder]
    ff = FleeFolder(roots=roots, validation=validation)
    if ff.input("locations.csv") is None:
        where = ff.input_dirs()[0] / "locations.csv"
        raise ScenarioError(str(where), "(file)", "an existing CSV file (a Flee input folder "
                            "holds locations.csv, routes.csv, ...; a FabFlee config folder holds "
                            "input_csv/, source_data/ and simsetting.yml)")
    return ff


# ------------------------------------------------------------------ input files
def _location_type(path: Path, line: int, text: str) -> str:
    # Flee matches substrings of the lower-cased type (flee.Location.__init__).
    t = text.lower()
    if "camp" in t:
        return "idpcamp" if "idp" in t else "camp"
    if "conflict" in t:
        return "conflict_zone"
    if "forward" in t:
        return "forward"
    if "default" in t or "town" in t:
        return "town"
    if "marker" in t:
        raise ScenarioError(str(path), f"row {line}, column 'location_type'",
                            "conflict_zone, town, camp, idpcamp or forward (marker locations "
                            "need multi-step route look-ahead, which crossings does not implement)")
    raise ScenarioError(str(path), f"row {line}, column 'location_type'",
                        f"conflict_zone, town, camp, idpcamp or forward (found {text!r}; Flee "
                        "3.1 reports an error for it too)")


def read_locations(path: Path, notes: list[str] | None = None) -> list[dict[str, Any]]:
    """locations.csv: name, region, country, latitude, longitude, location_type,
    conflict_date, population (population is the capacity for camps), then attribute columns
    named by the '#' header row (Flee 3.1 uses 'conflict_intensity')."""
    notes = notes if notes is not None else []
    rows = _read_rows(path)
    extra = _extra_columns(path, rows, len(_LOCATION_COLUMNS))
    data = [(n, r) for n, r in rows if not _is_comment(r)]
    if data and data[0][1][0].lower() == "name" and len(data[0][1]) > 5 \
            and data[0][1][5].lower() == "location_type":
        notes.append(f"{path.name}: row {data[0][0]} is a header without '#': skipped (Flee 3.1 "
                     "would read it as a location and fail)")
        data = data[1:]
    for j, col in enumerate(extra):
        if col == "conflict_intensity":
            continue
        what = ("only used by camps_are_sinks, which is not supported" if col ==
                "deactivation_probability" else "not read by Flee 3.1's rules")
        notes.append(f"{path.name}: column {j + 9} '{col}' is {what}; ignored")
    width = len(_LOCATION_COLUMNS) + len(extra)
    intensity_col = (len(_LOCATION_COLUMNS) + extra.index("conflict_intensity")
                     if "conflict_intensity" in extra else None)
    out: list[dict[str, Any]] = []
    line_of: dict[str, list[int]] = {}
    no_country: list[int] = []
    for line, r in data:
        if len(r) < 6:
            raise ScenarioError(str(path), f"row {line}", "at least 6 columns: name, region, "
                                "country, latitude, longitude, location_type[, conflict_date, "
                                f"population] (found {len(r)})")
        if len(r) > width and any(r[width:]):
            col = width + 1 + next(k for k, c in enumerate(r[width:]) if c)
            raise ScenarioError(str(path), f"row {line}, column {col}", "a column named in the "
                                "'#' header row (Flee 3.1 fails on unnamed extra columns)")
        r = r + [""] * (width - len(r))
        name = r[0]
        line_of.setdefault(name, []).append(line)
        country = r[2]
        if not country:
            country = "unknown"  # Flee 3.1 StoreInputGeographyInEcosystem
            no_country.append(line)
        ltype = _location_type(path, line, r[5])
        pop = _int(path, line, "population", r[7]) if r[7] else 0
        loc: dict[str, Any] = {
            "name": name,
            "region": r[1],
            "country": country,
            "latitude": _float(path, line, "latitude", r[3], default=0.0),
            "longitude": _float(path, line, "longitude", r[4], default=0.0),
            "location_type": ltype,
        }
        if not -90 <= loc["latitude"] <= 90:
            raise ScenarioError(str(path), f"row {line}, column 'latitude'",
                                "a latitude between -90 and 90")
        if not -180 <= loc["longitude"] <= 180:
            raise ScenarioError(str(path), f"row {line}, column 'longitude'",
                                "a longitude between -180 and 180")
        if ltype == "conflict_zone":
            if not r[6]:
                raise ScenarioError(str(path), f"row {line}, column 'conflict_date'",
                                    "a day number (>= 0) for a conflict_zone")
            loc["conflict_date"] = _int(path, line, "conflict_date", r[6])
            if intensity_col is not None and r[intensity_col]:
                loc["conflict_intensity"] = _float(path, line, "conflict_intensity",
                                                   r[intensity_col])
                if loc["conflict_intensity"] < 0:
                    raise ScenarioError(str(path), f"row {line}, column 'conflict_intensity'",
                                        "an intensity >= 0")
        if ltype in ("camp", "idpcamp"):
            # Flee: a camp's population column is its capacity; 0 or empty means unlimited.
            if pop > 0:
                loc["capacity"] = pop
        else:
            loc["population"] = pop
        out.append(loc)
    if not out:
        raise ScenarioError(str(path), "(rows)", "at least one location row")
    if no_country:
        notes.append(f"{path.name}: rows {_rows_list(no_country)} have no country: 'unknown', "
                     "as in Flee 3.1")
    dups = {n: ls for n, ls in line_of.items() if len(ls) > 1}
    if dups:
        for n, ls in dups.items():
            notes.append(f"{path.name}: rows {_rows_list(ls)} all name {n!r}; Flee 3.1 keeps every "
                         f"row but links routes, closures and camp data to the last (row {ls[-1]}) "
                         "and applies conflicts.csv to the first, leaving the others without "
                         f"routes; crossings keeps row {ls[-1]} only")
        keep = {n: ls[-1] for n, ls in dups.items()}
        out = [loc for (line, _), loc in zip(data, out, strict=True)
               if loc["name"] not in keep or keep[loc["name"]] == line]
    return out


def read_routes(path: Path, names: set[str], notes: list[str] | None = None) -> list[dict[str, Any]]:
    """routes.csv: name1, name2, distance[, forced_redirection], then attribute columns named
    by the '#' header row (Flee 3.1 reads 'max_move_speed' and 'walk_probability')."""
    notes = notes if notes is not None else []
    rows = _read_rows(path)
    extra = _extra_columns(path, rows, len(_ROUTE_COLUMNS))
    for j, col in enumerate(extra):
        if col not in ("max_move_speed", "walk_probability"):
            notes.append(f"{path.name}: column {j + 5} '{col}' is not read by Flee 3.1's rules; "
                         "ignored")
    out = []
    forced: list[int] = []
    other_flag: list[int] = []
    empty_attr: dict[str, list[int]] = {}
    for line, r in rows:
        if _is_comment(r):
            continue
        if len(r) < 3:
            raise ScenarioError(str(path), f"row {line}", "at least 3 columns: name1, name2, "
                                f"distance[, forced_redirection] (found {len(r)})")
        for col, v in (("name1", r[0]), ("name2", r[1])):
            if v not in names:
                raise ScenarioError(str(path), f"row {line}, column '{col}'",
                                    f"a location named in locations.csv (found {v!r})")
        if r[0] == r[1]:
            raise ScenarioError(str(path), f"row {line}", "two different locations")
        dist = _float(path, line, "distance", r[2])
        if dist < 0:
            raise ScenarioError(str(path), f"row {line}, column 'distance'",
                                f"a distance in km >= 0 (found {r[2]!r})")
        fr = 0
        if len(r) > 3 and r[3]:
            fr = _int(path, line, "forced_redirection", r[3], minimum=None)
            if fr == 1:
                forced.append(line)
            elif fr != 2 and fr != 0:
                other_flag.append(line)
                fr = 0  # Flee 3.1 links it as an ordinary route
        route: dict[str, Any] = {"name1": r[0], "name2": r[1], "distance": dist,
                                 "forced_redirection": fr}
        if len(r) > 4 + len(extra) and any(r[4 + len(extra):]):
            col = 5 + len(extra) + next(k for k, c in enumerate(r[4 + len(extra):]) if c)
            raise ScenarioError(str(path), f"row {line}, column {col}", "a column named in the "
                                "'#' header row (Flee 3.1 fails on unnamed extra columns)")
        for j, col in enumerate(extra):
            if col not in ("max_move_speed", "walk_probability"):
                continue
            text = r[4 + j] if len(r) > 4 + j else ""
            if text == "":
                empty_attr.setdefault(col, []).append(line)
                continue
            v = _float(path, line, col, text)
            if col == "max_move_speed" and v <= 0:
                raise ScenarioError(str(path), f"row {line}, column '{col}'",
                                    f"a speed in km/day > 0 (found {text!r})")
            if col == "walk_probability" and not 0 <= v <= 1:
                raise ScenarioError(str(path), f"row {line}, column '{col}'",
                                    f"a probability between 0 and 1 (found {text!r})")
            route[col] = v
        out.append(route)
    if forced:
        notes.append(f"{path.name}: forced_redirection = 1 on rows {_rows_list(forced)}: Flee 3.1 "
                     "links such a route twice, doubling its weight in route choice; crossings "
                     "links it once (docs/flee.md)")
    if other_flag:
        notes.append(f"{path.name}: forced_redirection other than 0, 1, 2 on rows "
                     f"{_rows_list(other_flag)}: an ordinary route, as in Flee 3.1")
    for col, lines in empty_attr.items():
        default = "move_rules.max_move_speed" if col == "max_move_speed" else "0"
        notes.append(f"{path.name}: column '{col}' empty on rows {_rows_list(lines)}: {default} "
                     "used (Flee 3.1 would fail when someone travels there)")
    return out


def read_closures(path: Path, names: set[str], countries: set[str],
                  notes: list[str] | None = None) -> list[dict[str, Any]]:
    """closures.csv: closure_type, name1, name2, closure_start, closure_end."""
    notes = notes if notes is not None else []
    out = []
    redirection: list[int] = []
    unknown: list[int] = []
    for line, r in _data_rows(path):
        if len(r) < 5:
            raise ScenarioError(str(path), f"row {line}", "5 columns: closure_type, name1, name2, "
                                f"closure_start, closure_end (found {len(r)})")
        ctype = r[0]
        if ctype == "remove_forced_redirection":
            redirection.append(line)
            continue
        start = _int(path, line, "closure_start", r[3], minimum=None)
        end = _int(path, line, "closure_end", r[4], minimum=None)
        if ctype not in ("country", "location", "link", "camp", "idpcamp"):
            unknown.append(line)  # Flee 3.1 enact_border_closures: no branch, nothing happens
            continue
        if ctype == "country":
            for col, v in (("name1", r[1]), ("name2", r[2])):
                if v not in countries:
                    raise ScenarioError(str(path), f"row {line}, column '{col}'",
                                        f"a country of locations.csv (found {v!r})")
        else:
            if r[1] not in names:
                raise ScenarioError(str(path), f"row {line}, column 'name1'",
                                    f"a location named in locations.csv (found {r[1]!r})")
            if ctype == "link" and r[2] not in names:
                raise ScenarioError(str(path), f"row {line}, column 'name2'",
                                    f"a location named in locations.csv (found {r[2]!r})")
        if start < 0:
            raise ScenarioError(str(path), f"row {line}, column 'closure_start'",
                                f"a day >= 0 (found {r[3]!r})")
        if end < start:
            notes.append(f"{path.name}: row {line}: closure_end ({end}) comes before "
                         f"closure_start ({start}); as in Flee 3.1 the closure starts on day "
                         f"{start} and never ends")
            end = _NEVER
        out.append({"closure_type": ctype, "name1": r[1], "name2": r[2],
                    "closure_start": start, "closure_end": end})
    if redirection:
        notes.append(f"{path.name}: remove_forced_redirection on rows {_rows_list(redirection)}: "
                     "ignored (forced_redirection is not used by Flee 3.1's movement rules)")
    if unknown:
        notes.append(f"{path.name}: rows {_rows_list(unknown)} have a closure_type other than "
                     "country, location, link, camp, idpcamp or remove_forced_redirection: "
                     "ignored, as in Flee 3.1")
    return out


def read_sim_period(path: Path) -> tuple[dt.date, int]:
    """sim_period.csv: 'StartDate,YYYY-MM-DD' and 'Length,N' rows (Flee read_period)."""
    start = None
    length = None
    for line, r in _read_rows(path):
        key = r[0].lower()
        if key == "startdate":
            if len(r) < 2:
                raise ScenarioError(str(path), f"row {line}", "StartDate,YYYY-MM-DD")
            start = _date(path, line, "StartDate", r[1])
        elif key == "length":
            if len(r) < 2:
                raise ScenarioError(str(path), f"row {line}", "Length,<days>")
            length = _int(path, line, "Length", r[1], minimum=1)
    if start is None:
        raise ScenarioError(str(path), "StartDate", "a row 'StartDate,YYYY-MM-DD'")
    if length is None:
        raise ScenarioError(str(path), "Length", "a row 'Length,<days>' (days >= 1)")
    return start, length


def read_conflicts(path: Path, names: set[str], days: int, notes: list[str] | None = None,
                   *, days_from: str = "sim_period.csv") -> list[dict[str, Any]]:
    """conflicts.csv (a day column, then one intensity column per location) as change events.

    Read as Flee 3.1 does (InputGeography.ReadConflictInputCSV and AddNewConflictZones): row
    k after the header is day k (the day column is not read); empty header cells are skipped
    (a trailing comma); a column naming no location is reported by Flee and has no effect. A
    location becomes a conflict zone on a day its value is above 1e-6 while the day before
    was not (or on day 0), with that day's value as intensity; it stops being one when its
    value drops below 1e-6 from exactly 1.
    """
    notes = notes if notes is not None else []
    rows = _read_rows(path)
    if not rows:
        raise ScenarioError(str(path), "(header)", "a header row: day, then location names")
    hline, header = rows[0]
    day_col = header[0] or "day"
    width = len(header)
    while width > 1 and header[width - 1] == "":
        width -= 1
    if width < len(header):
        notes.append(f"{path.name}: row {hline} (header) ends with {len(header) - width} empty "
                     "column(s) (a trailing comma): skipped, as Flee 3.1 does")
    cols = header[1:width]
    used: list[int] = []  # indices into cols of the columns that name a location
    seen: dict[str, int] = {}
    unknown = []
    for j, name in enumerate(cols):
        if not name:
            raise ScenarioError(str(path), f"row {hline}, column {j + 2}", "a location name "
                                "(Flee 3.1 fails on an empty header cell inside the header)")
        if name in seen:
            raise ScenarioError(str(path), f"row {hline}, column {j + 2}", f"a location named "
                                f"once ({name!r} also heads column {seen[name] + 2}; Flee 3.1 "
                                "would mix the two columns)")
        seen[name] = j
        if name in names:
            used.append(j)
        else:
            unknown.append(f"column {j + 2} {name!r}")
    if unknown:
        notes.append(f"{path.name}: {', '.join(unknown)} name(s) no location of locations.csv: "
                     "ignored (Flee 3.1 reports an error each time such a column starts a "
                     "conflict and carries on)")
    values = []
    day_labels_off: tuple[int, str] | None = None
    negative: tuple[int, str] | None = None
    for idx, (line, r) in enumerate(rows[1:]):
        if len(r) > width and any(r[width:]):
            raise ScenarioError(str(path), f"row {line}, column {width + 1}",
                                f"{width} columns like the header (found {len(r)}; Flee 3.1 "
                                "fails on a value under no location name)")
        if len(r) < width:
            raise ScenarioError(str(path), f"row {line}, column {len(r) + 1}",
                                f"{width} columns like the header (found {len(r)}; Flee 3.1 "
                                "would shift this column's later days and fail at the end)")
        if day_labels_off is None and r[0] != str(idx):
            try:
                ok = float(r[0]) == idx
            except ValueError:
                ok = False
            if not ok:
                day_labels_off = (line, r[0])
        vals = []
        for j, name in enumerate(cols):
            v = _float(path, line, name, r[j + 1])
            if v < 0 and negative is None:
                negative = (line, name)
            vals.append(v)
        values.append(vals)
    if day_labels_off is not None:
        notes.append(f"{path.name}: column '{day_col}' does not count 0, 1, 2, ... (row "
                     f"{day_labels_off[0]} says {day_labels_off[1]!r}); as in Flee 3.1 the row "
                     "order gives the day")
    if negative is not None:
        notes.append(f"{path.name}: negative values (first at row {negative[0]}, column "
                     f"{negative[1]!r}) mean no conflict, as in Flee 3.1")
    if len(values) < days:
        raise ScenarioError(str(path), "(rows)", f"one row per simulated day 0..{days - 1} "
                            f"({days_from} asks for {days} days; conflicts.csv is the short file "
                            f"with {len(values)} day rows, and Flee 3.1 fails on day "
                            f"{len(values)}); import with --days {len(values)} to simulate the "
                            "days it covers")
    events = []
    for t in range(days):
        for j in used:
            name = cols[j]
            v = values[t][j]
            prev = values[t - 1][j] if t > 0 else 0.0
            if v > _CONFLICT_EPS and (t == 0 or prev < _CONFLICT_EPS):
                events.append({"day": t, "location": name, "intensity": v})
            elif v < _CONFLICT_EPS and t > 0 and prev == 1:
                events.append({"day": t, "location": name, "intensity": 0.0})
    return events


def read_agents(path: Path, names: set[str], notes: list[str]) -> list[dict[str, Any]]:
    """agents.csv (Flee 3.1 InputGeography.ReadAgentsFromCSV): a header row (location, then
    attribute names), then one row per person: location, attributes."""
    rows = _data_rows(path)
    if not rows:
        return []
    hline, header = rows[0]
    if len(header) > 1:
        notes.append(f"{path.name}: attribute columns {', '.join(repr(c) for c in header[1:])} "
                     "are not used (crossings does not model demographic attributes)")
    counts: dict[str, int] = {}
    unknown: list[int] = []
    for line, r in rows[1:]:
        if r[0] in names:
            counts[r[0]] = counts.get(r[0], 0) + 1
        else:
            unknown.append(line)
    if unknown:
        notes.append(f"{path.name}: rows {_rows_list(unknown)} name no location: skipped, as in "
                     "Flee 3.1")
    return [{"location": n, "people": c} for n, c in counts.items()]


# ------------------------------------------------------------------ validation data
def _read_series_file(path: Path, notes: list[str] | None = None
                      ) -> tuple[list[dt.date], list[float]]:
    """One UNHCR series CSV: date,count rows; a header row and '#' rows are skipped."""
    dates: list[dt.date] = []
    counts: list[float] = []
    rows = _read_rows(path)
    unordered: tuple[int, dt.date, dt.date] | None = None
    for k, (line, r) in enumerate(rows):
        if r[0].startswith("#"):
            continue
        if k == 0 and r[0] in ("DateTime", "Date"):
            continue  # Flee skips a first row with these names (DataTable.ConvertCsvFileToNumPyTable)
        if len(r) < 2 or r[1] == "":
            continue  # Flee skips rows without a count
        d = _date(path, line, "date", r[0])
        c = _float(path, line, "count", r[1])
        if c < 0:
            raise ScenarioError(str(path), f"row {line}, column 'count'", "a count >= 0")
        if dates and d < dates[-1] and unordered is None:
            unordered = (line, d, dates[-1])
        dates.append(d)
        counts.append(c)
    if not dates:
        raise ScenarioError(str(path), "(rows)", "at least one 'YYYY-MM-DD,count' row")
    if unordered is not None and notes is not None:
        notes.append(f"{path.name}: dates out of order (row {unordered[0]}, {unordered[1]}, comes "
                     f"after {unordered[2]}); kept in file order and read as Flee 3.1 reads them "
                     "(each day interpolates towards the first row dated after it, see "
                     "docs/flee.md)")
    return dates, counts


def _sum_series(parts: list[tuple[list[dt.date], list[float]]]) -> tuple[list[dt.date], list[float]]:
    """Sum several series on the union of their dates (each linearly interpolated)."""
    all_dates = sorted({d for ds, _ in parts for d in ds})
    x = np.array([d.toordinal() for d in all_dates], float)
    total = np.zeros(len(all_dates))
    for ds, cs in parts:
        order = np.argsort([d.toordinal() for d in ds], kind="stable")
        xs = np.array([ds[i].toordinal() for i in order], float)
        total += np.interp(x, xs, np.array(cs, float)[order])
    return all_dates, [float(v) for v in total]


def read_validation(folder: Path | FleeFolder, names: set[str],
                    notes: list[str] | None = None,
                    skipped: set[str] | None = None,
                    files_read: set[Path] | None = None) -> dict[str, Any]:
    """data_layout.csv ('total' row and one row per camp: name, file[, more files]).

    Series naming no location are read (Flee reads them too) but left out; their names go
    into ``skipped``."""
    notes = notes if notes is not None else []
    skipped = skipped if skipped is not None else set()
    ff = folder if isinstance(folder, FleeFolder) else FleeFolder(roots=[], validation=Path(folder))
    layout = ff.layout()
    assert layout is not None
    total = None
    camps = []
    seen: dict[str, int] = {}
    no_location: list[str] = []
    for line, r in _data_rows(layout):
        if len(r) < 2:
            notes.append(f"{layout.name}: row {line} has one column: skipped, as in Flee 3.1")
            continue
        if not r[1]:
            raise ScenarioError(str(layout), f"row {line}, column 2", "a series file name")
        name = r[0]
        if name in seen:
            notes.append(f"{layout.name}: row {line} repeats {name!r} (row {seen[name]}); Flee "
                         "3.1 uses the first row, and so does crossings")
            continue
        seen[name] = line
        files = [f for f in r[1:] if f]
        paths = [ff.series(layout, f) for f in files]
        if files_read is not None:
            files_read.update(paths)
        parts = [_read_series_file(p, notes) for p in paths]
        if name != "total" and name not in names:
            no_location.append(f"{name!r} (row {line})")
            skipped.add(name)
            continue
        dates, counts = parts[0] if len(parts) == 1 else _sum_series(parts)
        series = {"name": name, "file": "+".join(files), "dates": dates, "counts": counts}
        if name == "total":
            total = series
        else:
            camps.append(series)
    if no_location:
        notes.append(f"{layout.name}: {', '.join(no_location)} name(s) no location of "
                     "locations.csv: not used (Flee 3.1 reads them and never uses them)")
    if total is None:
        raise ScenarioError(str(layout), "total", "a row 'total,<file>' with the total "
                            "refugee count")
    return {"total": total, "camps": camps}


def read_registration_corrections(path: Path, camps: list[dict[str, Any]],
                                  skipped: set[str] | frozenset = frozenset(),
                                  notes: list[str] | None = None) -> list[dict[str, Any]]:
    """registration_corrections.csv: camp, date[, note]; the date must be an observation date."""
    notes = notes if notes is not None else []
    by_name = {c["name"]: c for c in camps}
    out = []
    for line, r in _data_rows(path):
        if len(r) < 2:
            continue  # Flee ignores rows with fewer than two fields
        if r[0] in skipped:
            notes.append(f"{path.name}: row {line} corrects {r[0]!r}, whose series is not used: "
                         "skipped")
            continue
        if r[0] not in by_name:
            raise ScenarioError(str(path), f"row {line}, column 1",
                                f"a camp with a validation series (found {r[0]!r})")
        d = _date(path, line, "date", r[1])
        dates = by_name[r[0]]["dates"]
        if d not in dates or dates.index(d) == 0:
            raise ScenarioError(str(path), f"row {line}, column 2", f"an observation date of "
                                f"{r[0]}'s series after its first (found {d})")
        out.append({"location": r[0], "date": d})
    return out


# ------------------------------------------------------------------ the whole folder
_INPUT_FILES = {"locations.csv", "routes.csv", "closures.csv", "conflicts.csv",
                "sim_period.csv", "conflict_period.csv", "registration_corrections.csv",
                "agents.csv", "data_layout.csv"}


def _unused_files(ff: FleeFolder, used: set[Path], notes: list[str]) -> None:
    """Say which CSV files of the input and validation folders were not read."""
    dirs: list[Path] = []
    for d in ff.input_dirs():
        if d not in dirs:
            dirs.append(d)
    layout = ff.layout()
    if layout is not None and layout.parent not in dirs:
        dirs.append(layout.parent)
    used_names = {p.name for p in used}
    for d in dirs:
        other = []
        for p in sorted(d.glob("*.csv")):
            if p in used or p.name in used_names:
                continue
            if p.name.startswith("demographics_"):
                notes.append(f"{p.name}: demographic attributes are not used (crossings does not "
                             "model them, nor the rules that read them); ignored")
            elif p.name == "agents.csv":
                notes.append("agents.csv: ignored, as Flee 3.1 does "
                             "(spawn_rules.read_from_agents_csv_file is false)")
            elif p.name not in _INPUT_FILES:
                other.append(p.name)
        if other:
            notes.append(f"{d.name}/: {', '.join(other)}: neither a Flee input file nor listed "
                         "in data_layout.csv; ignored, as by Flee 3.1")


def import_flee(folder: Path, validation: Path | None = None, *, settings: Path | None = None,
                days: int | None = None, name: str | None = None, description: str = "",
                source: str = "", overlay: Path | None = None) -> FleeScenario:
    """Read a Flee input folder or FabFlee config folder into a validated FleeScenario.

    ``validation`` is the folder holding ``data_layout.csv``; when None it is looked for in
    ``source_data/`` (FabFlee) or in the folder itself; without one the scenario has no
    validation data and spawns by conflict (Flee's conflict_driven_spawning). ``settings``
    is a ``simsetting.yml``; when None, the folder's own is used if present, else Flee's
    published defaults. ``days`` shortens (or sets) the simulated period, as the duration
    argument of Flee's run script. ``overlay`` is a FabFlee SWEEP variant whose files replace
    the folder's. Raises ScenarioError on malformed input; what was repaired or ignored is
    in the result's ``import_notes``.
    """
    ff = _folder(folder, validation, overlay)
    root = overlay if overlay is not None else Path(folder)
    notes: list[str] = []
    used: set[Path] = set()

    def need(fname: str, *alternatives: str) -> Path:
        for f in (fname, *alternatives):
            p = ff.input(f)
            if p is not None:
                used.add(p)
                return p
        return ff.input_dirs()[0] / fname  # missing: the error names the expected place

    def maybe(fname: str) -> Path | None:
        p = ff.input(fname)
        if p is not None:
            used.add(p)
        return p

    locations = read_locations(need("locations.csv"), notes)
    names = {loc["name"] for loc in locations}
    countries = {loc["country"] for loc in locations}
    routes = read_routes(need("routes.csv"), names, notes)
    closures_path = maybe("closures.csv")
    closures = read_closures(closures_path, names, countries, notes) if closures_path else []
    period = need("sim_period.csv", "conflict_period.csv")
    start, length = read_sim_period(period)
    if days is not None:
        if days < 1:
            raise ScenarioError("(command line)", "--days", f"a number of days >= 1 (found {days})")
        if days != length:
            notes.append(f"{period.name}: Length {length}; simulating {days} days (--days), as "
                         "the duration argument of Flee's run script")
        length = days
    conflicts_path = maybe("conflicts.csv")
    if conflicts_path is not None:
        conflicts = read_conflicts(conflicts_path, names, length, notes,
                                   days_from="--days" if days is not None else period.name)
    else:
        # Without conflicts.csv, conflicts start on each conflict_zone's conflict_date.
        notes.append("conflicts.csv: not found; each conflict_zone's conflict starts on its "
                     "conflict_date (Flee 3.1's run script needs conflicts.csv)")
        conflicts = [{"day": loc["conflict_date"], "location": loc["name"], "intensity": 1.0}
                     for loc in locations
                     if loc["location_type"] == "conflict_zone" and loc["conflict_date"] > 0]

    settings_path = Path(settings) if settings is not None else ff.settings()
    rules = read_settings(settings_path) if settings_path is not None else None
    if rules is None:
        notes.append("simsetting.yml: none given or found; Flee's published defaults apply "
                     "(docs/flee.md)")
    else:
        notes.extend(rules.notes)

    data: dict[str, Any] = {
        "model": "flee",
        "name": name or (root.name if overlay is None else f"{Path(folder).name}-{root.name}"),
        "description": description,
        "source": source,
        "start_date": start,
        "days": length,
        "locations": locations,
        "routes": routes,
        "closures": closures,
        "conflicts": conflicts,
    }
    if rules is not None:
        data["move_rules"] = rules.move_rules
        data["spawn_rules"] = dict(rules.spawn_rules)
        data["optimisations"] = rules.optimisations
        if rules.read_agents_csv:
            agents_path = maybe("agents.csv")
            if agents_path is None:
                raise ScenarioError(str(ff.input_dirs()[0] / "agents.csv"), "(file)",
                                    "an agents.csv (spawn_rules.read_from_agents_csv_file is "
                                    "true; Flee 3.1 fails without it too)")
            data["initial_people"] = read_agents(agents_path, names, notes)

    layout = ff.layout()
    if layout is not None and layout.is_file():
        used.add(layout)
        skipped: set[str] = set()
        val = read_validation(ff, names, notes, skipped, used)
        corr = maybe("registration_corrections.csv")
        val["registration_corrections"] = (
            read_registration_corrections(corr, val["camps"], skipped, notes) if corr else [])
        have = {s["name"] for s in val["camps"]}
        missing = [loc["name"] for loc in locations
                   if loc["location_type"] in ("camp", "idpcamp") and loc["name"] not in have]
        if missing:
            notes.append(f"{layout.name}: no series for camp(s) {', '.join(missing)}: left out of "
                         "the ARD (Flee 3.1's run script stops on a camp without a series)")
        data["validation"] = val
    elif validation is not None:
        raise ScenarioError(str(layout), "(file)", "an existing data_layout.csv")
    else:
        data.setdefault("spawn_rules", {})
        if data["spawn_rules"].get("mode") != "conflict_driven":
            notes.append("data_layout.csv: none found; people appear by conflict "
                         "(spawn_rules.mode = 'conflict_driven')")
            data["spawn_rules"]["mode"] = "conflict_driven"
    _unused_files(ff, used, notes)
    data["import_notes"] = notes
    try:
        return FleeScenario.model_validate(data)
    except ValidationError as err:
        raise validation_error_to_scenario_error(root, err) from None


def sweep_variants(folder: Path) -> list[Path]:
    """The variant folders of a FabFlee config folder's ``SWEEP/`` (sorted by name)."""
    sweep = Path(folder) / "SWEEP"
    if not sweep.is_dir():
        raise ScenarioError(str(sweep), "(folder)", "a SWEEP folder with one sub-folder per "
                            "variant (FabFlee ensemble layout)")
    variants = sorted(p for p in sweep.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not variants:
        raise ScenarioError(str(sweep), "(folder)", "at least one variant sub-folder")
    return variants


def import_sweep(folder: Path, validation: Path | None = None, *, settings: Path | None = None,
                 days: int | None = None, description: str = "", source: str = ""
                 ) -> list[FleeScenario]:
    """Import every FabFlee SWEEP variant of ``folder`` (its files over the base folder's);
    each scenario is named '<folder>-<variant>'."""
    folder = Path(folder)
    return [import_flee(folder, validation, settings=settings, days=days,
                        name=f"{folder.name}-{v.name}", description=description, source=source,
                        overlay=v) for v in sweep_variants(folder)]


def write_scenario(scenario: FleeScenario, out_path: Path) -> Path:
    """Write a FleeScenario as a self-contained TOML file (the data embedded)."""
    out_path = Path(out_path)
    data = scenario.model_dump(mode="python", exclude_none=True)
    header = (
        f"# Flee-type scenario '{scenario.name}', written by crossings.flee.importer.\n"
        "# Validated by crossings.flee.schema.FleeScenario; see docs/flee.md.\n"
    )
    if scenario.source:
        header += "# Source: " + " ".join(scenario.source.split()) + "\n"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(header + tomli_w.dumps(data), encoding="utf-8")
    return out_path
