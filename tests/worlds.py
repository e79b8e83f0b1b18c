"""Small hand-built worlds for tests (dictionaries validated into Scenarios)."""

from __future__ import annotations

import copy
import datetime as dt

from crossings.scenario.schema import Scenario

D = dt.date


def tiny(market: bool = False, **overrides) -> dict:
    """Two camps, a port, a coast, one shelter, the destination and elsewhere; one year.

    The smuggling market is off unless ``market=True``: engine-process tests isolate the
    corridor processes; the market has its own tests, and the invariant and determinism
    tests run with it on."""
    d = {
        "market": {"enabled": market},
        "name": "tiny",
        "start": D(2020, 1, 1),
        "end": D(2020, 12, 31),
        "seed": 3,
        "sites": [
            {"name": "A", "kind": "camp", "lat": 50.9, "lon": 1.8, "capacity": 500, "initial_population": 200},
            {"name": "B", "kind": "camp", "lat": 51.0, "lon": 2.3, "capacity": 300, "initial_population": 50},
            {"name": "Port", "kind": "port", "lat": 50.96, "lon": 1.86},
            {"name": "Coast", "kind": "coast", "lat": 50.8, "lon": 1.6},
            {"name": "Shelter", "kind": "shelter", "lat": 48.8, "lon": 2.3, "capacity": 400},
            {"name": "Dest", "kind": "destination", "lat": 51.1, "lon": 1.3},
            {"name": "Away", "kind": "elsewhere", "lat": 48.0, "lon": 8.0},
        ],
        "routes": [
            {"a": "A", "b": "Port", "days": 0},
            {"a": "A", "b": "B", "days": 1},
            {"a": "A", "b": "Coast", "days": 0},
            {"a": "Shelter", "b": "A", "days": 1},
            {"a": "Away", "b": "A", "days": 2},
        ],
        "nationalities": [
            {"name": "X", "share": [[D(2020, 1, 1), 0.7]], "camp_network": {"A": 0.5}},
            {"name": "Y", "share": [[D(2020, 1, 1), 0.3]], "camp_network": {"B": 0.5}},
        ],
        "inflow": {"knots": [[D(2020, 1, 1), 5.0]]},
        "enforcement": {
            "spending": [
                {"channel": "port", "start": D(2020, 1, 1), "end": D(2020, 12, 31), "eur_million": 30.0},
                {"channel": "beach", "start": D(2020, 1, 1), "end": D(2020, 12, 31), "eur_million": 60.0},
            ]
        },
    }
    for k, v in overrides.items():
        d[k] = v
    return copy.deepcopy(d)


def scenario(d: dict) -> Scenario:
    return Scenario.model_validate(d)


OBSERVED_HEADER = "series,period,value,low,high,unit,scope,source,note\n"


def observed_folder(tmp_path, rows: list[str], name: str = "myborder"):
    """A scenario folder: the tiny world to mid-2020 (``scenario.toml``) beside an ``observed.csv``
    holding ``rows`` (CSV lines in the layout of :data:`OBSERVED_HEADER`). Returns the folder."""
    import tomli_w

    folder = tmp_path / name
    folder.mkdir()
    (folder / "scenario.toml").write_text(tomli_w.dumps(tiny(end=D(2020, 6, 30))))
    (folder / "observed.csv").write_text(OBSERVED_HEADER + "".join(r + "\n" for r in rows))
    return folder
