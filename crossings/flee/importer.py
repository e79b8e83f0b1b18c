"""Read a Flee scenario folder into a validated :class:`~crossings.flee.schema.FleeScenario`.

A Flee input folder holds ``locations.csv``, ``routes.csv``, ``closures.csv``,
``conflicts.csv`` (optional), ``sim_period.csv`` and ``registration_corrections.csv``
(optional); its validation folder holds ``data_layout.csv`` and one CSV per series. This
module reads them with Flee 3.1's conventions (rows starting with ``#`` are comments,
columns are positional, see ``flee/InputGeography.py`` and ``flee/datamanager``) and
turns every malformed value into a :class:`~crossings.errors.ScenarioError` naming the
file, row and column. ``write_scenario`` saves the result as a self-contained TOML file.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w
from pydantic import ValidationError

from crossings.errors import ScenarioError
from crossings.flee.schema import FleeScenario, validation_error_to_scenario_error

# Threshold under which Flee 3.1 treats a conflicts.csv value as "no conflict"
# (InputGeography.AddNewConflictZones).
_CONFLICT_EPS = 0.000001


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


def _data_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Rows that are not comments (Flee: a first cell starting with '#')."""
    return [(n, r) for n, r in _read_rows(path) if not r[0].startswith("#")]


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
                        f"conflict_zone, town, camp, idpcamp or forward (found {text!r})")


def read_locations(path: Path) -> list[dict[str, Any]]:
    """locations.csv: name, region, country, latitude, longitude, location_type,
    conflict_date, population (population is the capacity for camps)."""
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for line, r in _data_rows(path):
        if len(r) < 6:
            raise ScenarioError(str(path), f"row {line}", "at least 6 columns: name, region, "
                                "country, latitude, longitude, location_type[, conflict_date, "
                                f"population] (found {len(r)})")
        r = r + [""] * (8 - len(r))
        name = r[0]
        if name in names:
            raise ScenarioError(str(path), f"row {line}, column 'name'",
                                f"a unique location name ({name!r} appears twice)")
        names.add(name)
        if not r[2]:
            raise ScenarioError(str(path), f"row {line}, column 'country'", "a country name")
        ltype = _location_type(path, line, r[5])
        pop = _int(path, line, "population", r[7]) if r[7] else 0
        loc: dict[str, Any] = {
            "name": name,
            "region": r[1],
            "country": r[2],
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
        if ltype in ("camp", "idpcamp"):
            # Flee: a camp's population column is its capacity; 0 or empty means unlimited.
            if pop > 0:
                loc["capacity"] = pop
        else:
            loc["population"] = pop
        out.append(loc)
    if not out:
        raise ScenarioError(str(path), "(rows)", "at least one location row")
    return out


def read_routes(path: Path, names: set[str]) -> list[dict[str, Any]]:
    """routes.csv: name1, name2, distance[, forced_redirection]."""
    out = []
    for line, r in _data_rows(path):
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
        if dist <= 0:
            raise ScenarioError(str(path), f"row {line}, column 'distance'",
                                f"a distance in km > 0 (found {r[2]!r})")
        fr = 0
        if len(r) > 3 and r[3]:
            fr = _int(path, line, "forced_redirection", r[3])
            if fr > 2:
                raise ScenarioError(str(path), f"row {line}, column 'forced_redirection'",
                                    "0, 1 or 2")
        out.append({"name1": r[0], "name2": r[1], "distance": dist, "forced_redirection": fr})
    return out


def read_closures(path: Path, names: set[str], countries: set[str]) -> list[dict[str, Any]]:
    """closures.csv: closure_type, name1, name2, closure_start, closure_end."""
    out = []
    for line, r in _data_rows(path):
        if len(r) < 5:
            raise ScenarioError(str(path), f"row {line}", "5 columns: closure_type, name1, name2, "
                                f"closure_start, closure_end (found {len(r)})")
        ctype = r[0]
        if ctype == "remove_forced_redirection":
            continue  # forced_redirection is not read by Flee 3.1's movement rules
        if ctype not in ("country", "location", "link", "camp", "idpcamp"):
            raise ScenarioError(str(path), f"row {line}, column 'closure_type'",
                                f"country, location, link, camp or idpcamp (found {ctype!r})")
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
        start = _int(path, line, "closure_start", r[3])
        end = _int(path, line, "closure_end", r[4])
        if end < start:
            raise ScenarioError(str(path), f"row {line}, column 'closure_end'",
                                f"a day >= closure_start ({start})")
        out.append({"closure_type": ctype, "name1": r[1], "name2": r[2],
                    "closure_start": start, "closure_end": end})
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


def read_conflicts(path: Path, names: set[str], days: int) -> list[dict[str, Any]]:
    """conflicts.csv (a day column, then one intensity column per location) as change events.

    Flee 3.1 rules (InputGeography.AddNewConflictZones): a location becomes a conflict zone
    on a day its value is above 1e-6 while the day before was not (or on day 0), with that
    day's value as intensity; it stops being one when its value drops below 1e-6 from
    exactly 1.
    """
    rows = _read_rows(path)
    if not rows:
        raise ScenarioError(str(path), "(header)", "a header row: day, then location names")
    hline, header = rows[0]
    cols = header[1:]
    for j, name in enumerate(cols):
        if name and name not in names:
            raise ScenarioError(str(path), f"row {hline}, column {j + 2}",
                                f"a location named in locations.csv (found {name!r})")
    values = []
    for idx, (line, r) in enumerate(rows[1:]):
        if len(r) != len(header):
            raise ScenarioError(str(path), f"row {line}",
                                f"{len(header)} columns like the header (found {len(r)})")
        day = _int(path, line, header[0] or "day", r[0])
        if day != idx:
            raise ScenarioError(str(path), f"row {line}, column '{header[0] or 'day'}'",
                                f"consecutive days from 0 (expected {idx}, found {day})")
        vals = []
        for j, name in enumerate(cols):
            v = _float(path, line, name or str(j + 2), r[j + 1])
            if v < 0:
                raise ScenarioError(str(path), f"row {line}, column '{name}'",
                                    "an intensity >= 0")
            vals.append(v)
        values.append(vals)
    if len(values) < days:
        raise ScenarioError(str(path), "(rows)", f"one row per simulated day 0..{days - 1} "
                            f"(sim_period.csv Length {days}; found {len(values)})")
    events = []
    for t in range(days):
        for j, name in enumerate(cols):
            if not name:
                continue
            v = values[t][j]
            prev = values[t - 1][j] if t > 0 else 0.0
            if v > _CONFLICT_EPS and (t == 0 or prev < _CONFLICT_EPS):
                events.append({"day": t, "location": name, "intensity": v})
            elif v < _CONFLICT_EPS and t > 0 and prev == 1:
                events.append({"day": t, "location": name, "intensity": 0.0})
    return events


def _read_series_file(path: Path) -> tuple[list[dt.date], list[float]]:
    """One UNHCR series CSV: date,count rows; a header row and '#' rows are skipped."""
    dates: list[dt.date] = []
    counts: list[float] = []
    rows = _read_rows(path)
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
        if dates and d < dates[-1]:
            raise ScenarioError(str(path), f"row {line}, column 'date'",
                                f"dates in increasing order ({d} comes after {dates[-1]})")
        dates.append(d)
        counts.append(c)
    if not dates:
        raise ScenarioError(str(path), "(rows)", "at least one 'YYYY-MM-DD,count' row")
    return dates, counts


def _sum_series(parts: list[tuple[list[dt.date], list[float]]]) -> tuple[list[dt.date], list[float]]:
    """Sum several series on the union of their dates (each linearly interpolated)."""
    all_dates = sorted({d for ds, _ in parts for d in ds})
    x = np.array([d.toordinal() for d in all_dates], float)
    total = np.zeros(len(all_dates))
    for ds, cs in parts:
        total += np.interp(x, [d.toordinal() for d in ds], cs)
    return all_dates, [float(v) for v in total]


def read_validation(folder: Path, names: set[str]) -> dict[str, Any]:
    """data_layout.csv ('total' row and one row per camp: name, file[, more files])."""
    layout = folder / "data_layout.csv"
    total = None
    camps = []
    seen: set[str] = set()
    for line, r in _data_rows(layout):
        if len(r) < 2 or not r[1]:
            raise ScenarioError(str(layout), f"row {line}", "name,file[,file...]")
        name = r[0]
        if name in seen:
            raise ScenarioError(str(layout), f"row {line}, column 1",
                                f"a unique series name ({name!r} appears twice)")
        seen.add(name)
        if name != "total" and name not in names:
            raise ScenarioError(str(layout), f"row {line}, column 1",
                                f"'total' or a location named in locations.csv (found {name!r})")
        parts = [_read_series_file(folder / f) for f in r[1:] if f]
        dates, counts = parts[0] if len(parts) == 1 else _sum_series(parts)
        series = {"name": name, "file": "+".join(f for f in r[1:] if f),
                  "dates": dates, "counts": counts}
        if name == "total":
            total = series
        else:
            camps.append(series)
    if total is None:
        raise ScenarioError(str(layout), "total", "a row 'total,<file>' with the total "
                            "refugee count")
    return {"total": total, "camps": camps}


def read_registration_corrections(path: Path, camps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """registration_corrections.csv: camp, date[, note]; the date must be an observation date."""
    by_name = {c["name"]: c for c in camps}
    out = []
    for line, r in _data_rows(path):
        if len(r) < 2:
            continue  # Flee ignores rows with fewer than two fields
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


def import_flee(folder: Path, validation: Path | None = None, *, name: str | None = None,
                description: str = "", source: str = "") -> FleeScenario:
    """Read a Flee input folder (and its validation folder) into a validated FleeScenario.

    ``validation`` is the folder holding ``data_layout.csv``; when None, ``folder`` itself
    is used if it holds one, otherwise the scenario has no validation data and spawns by
    conflict (Flee's conflict_driven_spawning). Raises ScenarioError on malformed input.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(str(folder), "(folder)", "an existing Flee input folder")
    locations = read_locations(folder / "locations.csv")
    names = {loc["name"] for loc in locations}
    countries = {loc["country"] for loc in locations}
    routes = read_routes(folder / "routes.csv", names)
    closures = (read_closures(folder / "closures.csv", names, countries)
                if (folder / "closures.csv").exists() else [])
    start, days = read_sim_period(folder / "sim_period.csv")
    if (folder / "conflicts.csv").exists():
        conflicts = read_conflicts(folder / "conflicts.csv", names, days)
    else:
        # Without conflicts.csv, conflicts start on each conflict_zone's conflict_date.
        conflicts = [{"day": loc["conflict_date"], "location": loc["name"], "intensity": 1.0}
                     for loc in locations
                     if loc["location_type"] == "conflict_zone" and loc["conflict_date"] > 0]
    if validation is None and (folder / "data_layout.csv").exists():
        validation = folder
    data: dict[str, Any] = {
        "model": "flee",
        "name": name or folder.name,
        "description": description,
        "source": source,
        "start_date": start,
        "days": days,
        "locations": locations,
        "routes": routes,
        "closures": closures,
        "conflicts": conflicts,
    }
    if validation is not None:
        validation = Path(validation)
        if not validation.is_dir():
            raise ScenarioError(str(validation), "(folder)", "an existing validation folder "
                                "with data_layout.csv")
        val = read_validation(validation, names)
        corr = folder / "registration_corrections.csv"
        val["registration_corrections"] = (read_registration_corrections(corr, val["camps"])
                                           if corr.exists() else [])
        data["validation"] = val
    else:
        data["spawn_rules"] = {"mode": "conflict_driven"}
    try:
        return FleeScenario.model_validate(data)
    except ValidationError as err:
        raise validation_error_to_scenario_error(folder, err) from None


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
