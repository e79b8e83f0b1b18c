"""FabFlee SWEEP variants as a set of scenarios run one after the other.

A thin layer: :func:`load_sweep` gives the scenarios of a sweep (a FabFlee config folder
with ``SWEEP/``, or a folder of scenario TOML files written by ``crossings import-flee
--sweep``), and :func:`run_sweep` runs each for the given seeds and tabulates the ARD.
When the ensemble runner exists, it can take these scenarios instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from crossings.errors import ScenarioError
from crossings.flee.importer import import_sweep
from crossings.flee.schema import FleeScenario, load_flee_scenario
from crossings.flee.sim import FleeResults, FleeSim


def load_sweep(folder: str | Path, **import_options) -> list[FleeScenario]:
    """The scenarios of a sweep: each SWEEP variant of a FabFlee config folder (imported with
    ``import_options``), or every ``*.toml`` Flee scenario of a folder."""
    folder = Path(folder)
    if (folder / "SWEEP").is_dir():
        return import_sweep(folder, **import_options)
    if not folder.is_dir():
        raise ScenarioError(str(folder), "(folder)", "a FabFlee config folder with SWEEP/, or a "
                            "folder of scenario files written by 'crossings import-flee --sweep'")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ScenarioError(str(folder), "(folder)", "a SWEEP/ folder or at least one *.toml "
                            "Flee scenario")
    return [load_flee_scenario(f) for f in files]


def iter_sweep(scenarios: list[FleeScenario], seeds: list[int]
               ) -> Iterator[tuple[FleeScenario, int, FleeResults]]:
    """Run every scenario with every seed, in turn (scenario-major)."""
    for sc in scenarios:
        for seed in seeds:
            yield sc, seed, FleeSim(sc, seed=seed).run()


def run_sweep(scenarios: list[FleeScenario], seeds: list[int],
              on_result: Callable[[FleeScenario, int, FleeResults], None] | None = None
              ) -> pd.DataFrame:
    """One row per (scenario, seed): ARD (None without camp series), people at the end,
    agent-days and wall time."""
    rows = []
    for sc, seed, res in iter_sweep(scenarios, seeds):
        has_series = sc.validation is not None and bool(sc.validation.camps)
        rows.append({"scenario": sc.name, "seed": seed,
                     "ard": res.ard() if has_series else None,
                     "people_end": int(res.agents[-1]), "agent_days": res.agent_days,
                     "wall_s": res.wall_s})
        if on_result is not None:
            on_result(sc, seed, res)
    return pd.DataFrame(rows)
