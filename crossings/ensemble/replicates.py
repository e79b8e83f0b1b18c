"""Ensembles: many replicates of a scenario (seeds, and optionally parameter draws), reduced.

>>> import crossings
>>> ens = crossings.Ensemble("channel", seeds=20).run(store="results/store")
>>> ens.yearly["crossings_total"]          # p5, p25, median, p75, p95 per year
>>> ens.runs[0].daily                      # each replicate's own Results

A replicate is one resolved scenario run with one seed. :func:`run_replicates` looks each
one up in the results store first (by the hash of scenario, seed and code version),
computes only what is missing on the chosen backend, and stores every new run as soon as
it finishes, so an ensemble that is interrupted resumes where it stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from crossings.ensemble import reductions
from crossings.ensemble.backends import Backend, make_backend
from crossings.ensemble.params import set_params
from crossings.ensemble.progress import RunProgress
from crossings.ensemble.tasks import Task
from crossings.errors import CrossingsError
from crossings.store.keys import code_version, run_key, scenario_payload


@dataclass(frozen=True)
class Replicate:
    """One run to do: a resolved scenario (its seed set) and the seed."""

    scenario: Any
    seed: int
    draw: int = 0

    @cached_property
    def payload(self) -> dict:
        return scenario_payload(self.scenario)

    @cached_property
    def key(self) -> str:
        return run_key(self.payload, self.seed, code_version())


def replicate(scenario, seed: int, draw: int = 0) -> Replicate:
    return Replicate(scenario.model_copy(update={"seed": int(seed)}), int(seed), draw)


@dataclass
class Batch:
    """What :func:`run_replicates` did: results in replicate order, and where they came from."""

    results: list
    computed: int
    from_store: int
    backend: str
    seconds: float


def open_store(store):
    """``None``/``False``: no store; a path or ``True`` (the default place): a :class:`Store`."""
    if store is None or store is False:
        return None
    from crossings.store import Store, default_store_path

    if isinstance(store, Store):
        return store
    return Store(default_store_path() if store is True else Path(store))


def run_replicates(
    replicates: Sequence[Replicate],
    store=None,
    backend: str | Backend | None = None,
    workers: int | None = None,
    dask=None,
    progress: bool = False,
    label: str = "runs",
) -> Batch:
    """Results of every replicate: from the store when there, computed (and stored) when not."""
    t0 = time.perf_counter()
    st = open_store(store)
    version = code_version()
    results: list = [None] * len(replicates)
    first_of: dict[str, int] = {}
    todo: list[int] = []
    for i, rep in enumerate(replicates):
        first_of.setdefault(rep.key, i)
    unique = list(first_of.values())
    if st is not None and unique:
        # reading and checking stored runs is mostly I/O, hashing and Parquet decoding,
        # which release the GIL: a few threads make a large ensemble return at once
        from concurrent.futures import ThreadPoolExecutor

        def look(i):
            rep = replicates[i]
            return st.get(rep.key, rep.payload, rep.seed, version)

        with ThreadPoolExecutor(max_workers=min(8, len(unique))) as ex:
            found = list(ex.map(look, unique))
    else:
        found = [None] * len(unique)
    for i, got in zip(unique, found, strict=True):
        if got is None:
            todo.append(i)
        else:
            results[i] = got
    cached = len(first_of) - len(todo)
    be_name = "none needed"
    if todo:
        be = make_backend(backend, workers=workers, dask=dask)
        be_name = be.describe()
        tasks = [Task(replicates[i].scenario, replicates[i].seed, version) for i in todo]
        try:
            with RunProgress(len(first_of), cached, label, enabled=progress) as bar:
                for j, res in be.map_unordered(tasks):
                    i = todo[j]
                    if st is not None:
                        st.put(replicates[i].key, replicates[i].payload, replicates[i].seed, version, res)
                    results[i] = res
                    bar.advance()
        finally:
            if st is not None:
                st.flush()
            if not isinstance(backend, Backend):
                be.close()
    for i, rep in enumerate(replicates):
        if results[i] is None:
            results[i] = results[first_of[rep.key]]
    return Batch(results, len(todo), cached, be_name, time.perf_counter() - t0)


def seed_list(seeds: int | Iterable[int], first: int = 1) -> list[int]:
    if isinstance(seeds, int):
        if seeds < 1:
            raise CrossingsError(f"--seeds: at least 1 seed, not {seeds}")
        return list(range(first, first + seeds))
    out = [int(s) for s in seeds]
    if not out:
        raise CrossingsError("--seeds: at least 1 seed")
    return out


def _scenario(scenario):
    from crossings.scenario import Scenario, load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if not isinstance(scenario, Scenario):
        raise CrossingsError(f"{getattr(scenario, 'name', scenario)}: ensembles run corridor scenarios (not Flee scenarios)")
    return scenario


class Ensemble:
    """Replicates of one scenario over ``seeds`` (a count, from 1, or a list) and optional ``draws``.

    ``draws`` is a list of parameter sets by dotted name (e.g. posterior draws from a
    calibration: ``[{"people.beta_success": 11.2}, ...]``); every draw runs with every seed,
    or, with ``paired=True``, draw k runs with seed k only (as many seeds as draws: posterior
    predictive ensembles, ``crossings.calibrate.posterior``).
    """

    def __init__(self, scenario, seeds: int | Iterable[int] = 10, draws: Sequence[dict[str, Any]] | None = None,
                 paired: bool = False):
        self.scenario = _scenario(scenario)
        self.seeds = seed_list(seeds)
        self.draws = list(draws) if draws else [{}]
        scenarios = [set_params(self.scenario, d, source=f"draws[{k}]") for k, d in enumerate(self.draws)]
        if paired:
            if len(self.seeds) != len(scenarios):
                raise CrossingsError(f"paired draws and seeds: as many seeds as draws ({len(self.seeds)} seeds, {len(scenarios)} draws)")
            self.replicates = [replicate(sc, s, k) for k, (sc, s) in enumerate(zip(scenarios, self.seeds, strict=True))]
        else:
            self.replicates = [replicate(sc, s, k) for k, sc in enumerate(scenarios) for s in self.seeds]

    def run(self, store=None, backend: str | Backend | None = None, workers: int | None = None, dask=None,
            progress: bool = False) -> "EnsembleResult":
        batch = run_replicates(self.replicates, store, backend, workers, dask, progress, label=self.scenario.name)
        return EnsembleResult(self.scenario.name, self.replicates, batch.results, batch)


@dataclass
class EnsembleResult:
    """The replicates of an ensemble and their reductions (median, 50% and 90% bands)."""

    scenario_name: str
    replicates: list[Replicate]
    runs: list
    batch: Batch | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def computed(self) -> int:
        return self.batch.computed if self.batch else len(self.runs)

    @property
    def from_store(self) -> int:
        return self.batch.from_store if self.batch else 0

    def tables(self, name: str = "yearly") -> list[pd.DataFrame]:
        """One table per replicate: daily, monthly, yearly, sites, sites_monthly or sites_yearly."""
        if name in ("daily", "monthly", "yearly"):
            return [getattr(r, name) for r in self.runs]
        if name in ("sites", "sites_daily"):
            return [r.sites for r in self.runs]
        if name in ("sites_monthly", "sites_yearly"):
            freq = "MS" if name == "sites_monthly" else "YS"
            return [r.sites.resample(freq).mean() for r in self.runs]
        raise CrossingsError(f"table: one of daily, monthly, yearly, sites, sites_monthly, sites_yearly (not {name!r})")

    def bands(self, name: str = "yearly") -> pd.DataFrame:
        """The table reduced across replicates: columns ``(metric, stat)``."""
        if name not in self._cache:
            self._cache[name] = reductions.reduce(self.tables(name))
        return self._cache[name]

    @property
    def daily(self) -> pd.DataFrame:
        return self.bands("daily")

    @property
    def monthly(self) -> pd.DataFrame:
        return self.bands("monthly")

    @property
    def yearly(self) -> pd.DataFrame:
        return self.bands("yearly")

    @property
    def sites(self) -> pd.DataFrame:
        return self.bands("sites")

    def summary(self) -> pd.DataFrame:
        """Headline yearly figures reduced: index years, columns ``(metric, stat)``."""
        cols: list[str] = []
        for r in self.runs:
            cols += [c for c in r.summary().columns if c not in cols]
        y = self.yearly
        order = [c for c in self.runs[0].summary().columns]
        order += [c for c in cols if c not in order]
        out = y[[c for c in order if c in y.columns.get_level_values(0)]].copy()
        out.index = out.index.year
        out.index.name = "year"
        return out
