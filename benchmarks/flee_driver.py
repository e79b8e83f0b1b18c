"""A small driver for Flee 3.1 (``pip install flee==3.1``), used only by the benchmarks.

Flee's current run scripts (github.com/djgroen/flee, ``runscripts/run.py``) call an API
newer than the 3.1 release on PyPI, so this driver follows the same day loop written
against 3.1: ``read_period.read_conflict_period`` for the period,
``SimulationSettings.ConflictInputFile`` for the conflicts file (read explicitly with
``InputGeography.ReadConflictInputCSV``), ``spawning.spawn_daily_displaced`` and
``spawning.refresh_spawn_weights`` for spawning, then ``enact_border_closures`` and
``evolve``. Camp counts are recorded after ``evolve`` as in Flee's run script, and the
ARD is computed by :mod:`crossings.flee.ard` from those counts.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class FleeRun:
    seed: int
    wall_s: float
    agent_days: int
    final_agents: int
    camp_names: list[str]
    camp_counts: np.ndarray  # (days, camps) agents at each camp after the day's evolve


def run_flee(input_dir: Path, validation_dir: Path, settings_yml: Path, seed: int,
             days: int | None = None) -> FleeRun:
    """Run Flee 3.1 on one scenario folder with one seed; timing covers set-up and run."""
    from flee import InputGeography, flee, spawning
    from flee.datamanager import handle_refugee_data, read_period

    input_dir, validation_dir = Path(input_dir), Path(validation_dir)
    sink = io.StringIO()  # Flee reports every event on stderr; keep the benchmark output readable
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
        random.seed(seed)
        np.random.seed(seed)
        # spawning keeps module-level counters between runs; reset them for a clean run
        setattr(spawning, "__refugees_raw", 0)
        setattr(spawning, "__refugee_debt", 0)

        start_date, end_time = read_period.read_conflict_period(str(input_dir / "sim_period.csv"))
        if days is not None:
            end_time = int(days)
        flee.SimulationSettings.ReadFromYML(str(settings_yml))
        flee.SimulationSettings.ConflictInputFile = str(input_dir / "conflicts.csv")

        e = flee.Ecosystem()
        ig = InputGeography.InputGeography()
        ig.ReadConflictInputCSV(str(input_dir / "conflicts.csv"))
        ig.ReadLocationsFromCSV(str(input_dir / "locations.csv"))
        ig.ReadLinksFromCSV(str(input_dir / "routes.csv"))
        ig.ReadClosuresFromCSV(str(input_dir / "closures.csv"))
        e, lm = ig.StoreInputGeographyInEcosystem(e)

        cwd = os.getcwd()
        d = handle_refugee_data.RefugeeTable(
            csvformat="generic",
            data_directory=str(validation_dir),
            start_date=start_date,
            data_layout="data_layout.csv",
            population_scaledown_factor=1,
        )
        d.ReadL1Corrections(str(input_dir / "registration_corrections.csv"))
        os.chdir(cwd)

        camp_names = e.get_camp_names()
        for name in camp_names:
            spawning.add_initial_refugees(e, d, lm[name])

        counts = np.zeros((end_time, len(camp_names)), np.int64)
        agent_days = 0
        for t in range(end_time):
            ig.AddNewConflictZones(e, t)
            spawning.spawn_daily_displaced(e, t, d)
            spawning.refresh_spawn_weights(e)
            e.enact_border_closures(t)
            agent_days += len(e.agents)
            e.evolve()
            for j, name in enumerate(camp_names):
                counts[t, j] = lm[name].numAgents
    wall = time.perf_counter() - t0
    return FleeRun(seed, wall, agent_days, len(e.agents), list(camp_names), counts)
