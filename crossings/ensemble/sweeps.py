"""Parameter sweeps: grid, Sobol and Morris designs over scenario parameters by dotted name.

>>> from crossings.ensemble.sweeps import Sweep, grid, sobol
>>> design = grid({"people.beta_success": [10, 12, 14]})
>>> res = Sweep("channel", design, seeds=5).run(store="results/store")
>>> res.outcome("crossings_total", year=2023)      # median and bands per point
>>> design = sobol({"people.beta_success": (10, 14), "lorry.success_unenforced": (0.2, 0.3)}, n=64)
>>> Sweep("channel", design, seeds=3).run().sensitivity("crossings_total")

Every point of a design runs with the same seeds (common random numbers across points),
and every run goes through the results store like any other. Sobol and Morris designs are
drawn and analysed with SALib (Herman & Usher 2017; Saltelli 2002 for Sobol first and
total indices, Morris 1991 / Campolongo et al. 2007 for elementary effects); the output
analysed is the mean over seeds of the chosen figure at each point.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from crossings.ensemble import reductions
from crossings.ensemble.params import get_param, set_params
from crossings.ensemble.replicates import EnsembleResult, _scenario, replicate, run_replicates, seed_list
from crossings.errors import CrossingsError


@dataclass
class Design:
    """Points of a sweep: parameter values by dotted name (and the SALib problem for Sobol/Morris)."""

    kind: str  # grid, sobol or morris
    names: list[str]
    points: list[dict[str, Any]]
    problem: dict | None = None
    X: np.ndarray | None = None
    options: dict = field(default_factory=dict)


def grid(values: dict[str, Sequence[Any]]) -> Design:
    """Every combination of the listed values (the first parameter varies slowest)."""
    if not values:
        raise CrossingsError("--param: at least one parameter to sweep")
    names = list(values)
    for n in names:
        if len(values[n]) == 0:
            raise CrossingsError(f"--param {n}: at least one value")
    points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(values[n] for n in names))]
    return Design("grid", names, points)


def _problem(bounds: dict[str, tuple[float, float]]) -> dict:
    if not bounds:
        raise CrossingsError("--param: at least one parameter to sweep")
    for n, (lo, hi) in bounds.items():
        if not lo < hi:
            raise CrossingsError(f"--param {n}: a range LOW:HIGH with LOW < HIGH (got {lo}:{hi})")
    return {"num_vars": len(bounds), "names": list(bounds), "bounds": [[float(lo), float(hi)] for lo, hi in bounds.values()]}


def sobol(bounds: dict[str, tuple[float, float]], n: int = 64, seed: int = 1) -> Design:
    """Saltelli's sampling for Sobol indices: ``n * (d + 2)`` points (first and total order)."""
    from SALib.sample import sobol as sobol_sample

    problem = _problem(bounds)
    if n < 2 or n & (n - 1):
        raise CrossingsError(f"--n: a power of 2 for a Sobol design (got {n})")
    X = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    return Design("sobol", problem["names"], _points(problem, X), problem, X, {"seed": seed})


def morris(bounds: dict[str, tuple[float, float]], n: int = 10, levels: int = 4, seed: int = 1) -> Design:
    """Morris trajectories: ``n * (d + 1)`` points on a ``levels``-level grid."""
    from SALib.sample import morris as morris_sample

    problem = _problem(bounds)
    if n < 2:
        raise CrossingsError(f"--n: at least 2 trajectories for a Morris design (got {n})")
    X = morris_sample.sample(problem, n, num_levels=levels, seed=seed)
    return Design("morris", problem["names"], _points(problem, X), problem, X, {"seed": seed, "levels": levels})


def _points(problem: dict, X: np.ndarray) -> list[dict[str, Any]]:
    return [{name: float(x) for name, x in zip(problem["names"], row, strict=True)} for row in X]


def run_value(run, metric: str, year: int | None = None) -> float:
    """One figure of one run: over ``year``, or over the whole horizon (flows summed,
    stocks averaged, ratios of sums)."""
    from crossings.engine.results import Results

    if year is not None:
        y = run.yearly
        rows = y[y.index.year == int(year)]
        if rows.empty:
            raise CrossingsError(f"--year: a simulated year ({y.index.year.min()}-{y.index.year.max()}), not {year}")
        table = rows
    else:
        d = run.daily
        table = Results(daily=d, sites=run.sites, scenario_name="", seed=0, notes=[]).rollup(f"{len(d)}D")
    if metric not in table.columns:
        raise CrossingsError(f"--output: one of the results' columns (e.g. crossings_total, deaths), not {metric!r}")
    return float(table[metric].iloc[0])


class Sweep:
    """Run a design on a scenario: each point with each seed."""

    def __init__(self, scenario, design: Design, seeds: int | Sequence[int] = 3):
        self.scenario = _scenario(scenario)
        self.design = design
        self.seeds = seed_list(seeds)
        base = self.scenario
        self.scenarios = []
        for k, point in enumerate(design.points):
            typed = {n: _typed(base, n, v) for n, v in point.items()}
            self.scenarios.append(set_params(base, typed, source=f"{design.kind} point {k}"))

    def run(self, store=None, backend=None, workers: int | None = None, dask=None, progress: bool = False) -> "SweepResult":
        reps = [replicate(sc, s, k) for k, sc in enumerate(self.scenarios) for s in self.seeds]
        batch = run_replicates(reps, store, backend, workers, dask, progress, label=f"{self.design.kind} sweep")
        n = len(self.seeds)
        ens = [EnsembleResult(self.scenario.name, reps[k * n:(k + 1) * n], batch.results[k * n:(k + 1) * n], batch)
               for k in range(len(self.scenarios))]
        return SweepResult(self.design, self.seeds, ens, batch)


def _typed(scenario, name: str, value: Any) -> Any:
    """Integer parameters take rounded values (a Sobol draw of a gang count is a count)."""
    current = get_param(scenario, name, "(sweep)")
    if isinstance(current, bool):
        return bool(round(float(value)))
    if isinstance(current, int) and not isinstance(value, bool):
        return int(round(float(value)))
    return value


@dataclass
class SweepResult:
    """Each point's ensemble (same seeds everywhere) and the design."""

    design: Design
    seeds: list[int]
    ensembles: list[EnsembleResult]
    batch: Any = None

    def values(self, metric: str, year: int | None = None) -> pd.DataFrame:
        """One row per point, one column per seed: the figure of each run."""
        rows = [[run_value(r, metric, year) for r in e.runs] for e in self.ensembles]
        return pd.DataFrame(rows, columns=pd.Index(self.seeds, name="seed"))

    def outcome(self, metric: str, year: int | None = None) -> pd.DataFrame:
        """Parameter values of each point with the median and bands of ``metric`` across seeds."""
        vals = self.values(metric, year).to_numpy(dtype=float)
        q = np.nanquantile(vals, reductions.QUANTILES, axis=1).T
        out = pd.DataFrame(self.design.points)
        for j, s in enumerate(reductions.STATS):
            out[s] = q[:, j]
        out["mean"] = np.nanmean(vals, axis=1)
        out.index.name = "point"
        return out

    def sensitivity(self, metric: str, year: int | None = None) -> pd.DataFrame:
        """Sobol (S1, ST with 95% confidence) or Morris (mu*, sigma) indices of ``metric``'s mean over seeds."""
        d = self.design
        if d.kind not in ("sobol", "morris"):
            raise CrossingsError("sensitivity indices need a Sobol or Morris design (--design sobol|morris)")
        Y = np.nanmean(self.values(metric, year).to_numpy(dtype=float), axis=1)
        if d.kind == "sobol":
            from SALib.analyze import sobol as sobol_analyze

            si = sobol_analyze.analyze(d.problem, Y, calc_second_order=False, print_to_console=False, seed=d.options.get("seed"))
            df = pd.DataFrame({"S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"], "ST_conf": si["ST_conf"]}, index=d.names)
        else:
            from SALib.analyze import morris as morris_analyze

            si = morris_analyze.analyze(d.problem, d.X, Y, num_levels=d.options.get("levels", 4), print_to_console=False,
                                        seed=d.options.get("seed"))
            df = pd.DataFrame({"mu_star": si["mu_star"], "mu_star_conf": si["mu_star_conf"], "mu": si["mu"],
                               "sigma": si["sigma"]}, index=d.names)
        df.index.name = "parameter"
        return df


def parse_param(scenario, spec: str, design: str) -> tuple[str, Any]:
    """``NAME=v1,v2,...`` or ``NAME=LOW:HIGH:COUNT`` (grid); ``NAME=LOW:HIGH`` (sobol, morris)."""
    from crossings.ensemble.params import coerce
    from crossings.errors import ScenarioError

    name, sep, rhs = spec.partition("=")
    name = name.strip()
    if not sep or not name or not rhs.strip():
        raise ScenarioError("(command line)", "--param", f"NAME=VALUES such as people.beta_success=10,12,14 (got {spec!r})")
    get_param(scenario, name, "(command line)")  # unknown names fail here, with the hint
    parts = [p.strip() for p in rhs.split(":")]
    if design == "grid":
        if len(parts) == 3:
            lo, hi = (float(coerce(scenario, name, p)) for p in parts[:2])
            try:
                k = int(parts[2])
            except ValueError:
                raise ScenarioError("(command line)", f"--param {name}", f"LOW:HIGH:COUNT with a whole COUNT (got {rhs!r})") from None
            if k < 1:
                raise ScenarioError("(command line)", f"--param {name}", "a COUNT of at least 1")
            return name, [_typed(scenario, name, v) for v in np.linspace(lo, hi, k)]
        if len(parts) != 1:
            raise ScenarioError("(command line)", f"--param {name}", f"v1,v2,... or LOW:HIGH:COUNT (got {rhs!r})")
        return name, [coerce(scenario, name, v) for v in rhs.split(",") if v.strip()]
    if len(parts) != 2:
        raise ScenarioError("(command line)", f"--param {name}", f"a range LOW:HIGH for a {design} design (got {rhs!r})")
    lo, hi = (float(coerce(scenario, name, p)) for p in parts)
    return name, (lo, hi)
