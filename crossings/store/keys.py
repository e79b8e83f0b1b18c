"""What identifies a stored run: the resolved scenario, the seed and the code version.

A run's key is the SHA-256 of the canonical JSON of ``(resolved scenario, seed, code
version)``. The scenario is the fully resolved model (inheritance applied, every default
filled; its name included, its description and parent reference left out), so two files
that resolve to the same parameters share stored runs, and any parameter change gives a
new key. The code version is the package version plus a digest
of the Python source of the model (everything but the command line and the layers that
schedule, store and report runs), so a change to the model's code never returns results
computed by older code.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


# Parts of the package that do not compute a run's results (the command line, the layers
# that schedule, store, compare or report runs): editing them keeps stored runs valid.
NOT_MODEL_CODE = ("cli.py", "ensemble/", "store/", "calibrate/", "report/", "web/")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """``<package version>+<12 hex digits of the model's source digest>``: the version part of a run key."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE_ROOT.rglob("*.py")):
        rel = p.relative_to(PACKAGE_ROOT).as_posix()
        if rel.startswith(NOT_MODEL_CODE):
            continue
        h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")
    return f"{package_version()}+{h.hexdigest()[:12]}"


def package_version() -> str:
    """The installed package's version (``unknown`` when run from a source tree not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crossings")
    except PackageNotFoundError:
        return "unknown"


# Provenance text that does not change a simulation: a scenario written as a file that
# inherits the Channel and the same scenario built in Python share their stored runs.
NOT_KEYED = ("inherits", "description", "posterior")


def scenario_payload(scenario: Any) -> dict:
    """The resolved scenario as plain JSON-able data (dates as ISO strings), without the
    fields that do not change results (``inherits``, ``description``)."""
    data = scenario.model_dump(mode="json")
    for k in NOT_KEYED:
        data.pop(k, None)
    return data


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)


def run_key(payload: dict, seed: int, version: str) -> str:
    """The 64-hex key of a run of the resolved scenario ``payload`` with ``seed`` under ``version``."""
    return hashlib.sha256(canonical({"scenario": payload, "seed": int(seed), "version": version}).encode()).hexdigest()
