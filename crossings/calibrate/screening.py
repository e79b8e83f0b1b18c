"""Screening: which free parameters move the fit (Morris elementary effects, SALib).

``screen("channel", trajectories=R, scale=S, seeds=K)`` draws R Morris trajectories over the
unit cube of every prior (R x (d + 1) points; each coordinate mapped through the prior's
quantile function, a normal prior's cube spanning its 2.5%-97.5% quantiles), runs each point
with K seeds (common random numbers across points), and computes mu* (mean absolute
elementary effect) and sigma for the calibration distance (series weighted equally) and for
each series' distance. Parameters are ranked by mu* on the distance; the calibrated set is the
top ones, those with mu* >= 10% of the largest, at least 8 and at most 15 (Campolongo et al.
2007 for mu*; the cut is an assumption). The rest stay at the scenario's values.

Runs go through the ensemble backends (local processes by default, or Dask), not the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crossings.calibrate.model import Target, total
from crossings.calibrate.priors import Priors, sample_unit

KEEP_MIN, KEEP_MAX, KEEP_SHARE = 8, 15, 0.10  # assumption: see the module docstring
SCREENING_FILE = "screening.csv"


@dataclass
class Screening:
    table: pd.DataFrame  # index parameter: mu_star, mu_star_conf, mu, sigma, rank, kept (+ source)
    per_series: pd.DataFrame  # mu* of each series' distance: index parameter, columns series
    points: pd.DataFrame  # each design point: parameter values (prior space), distance, per-series distances
    trajectories: int
    seeds: list[int]
    scale: float
    seconds: float
    runs: int

    @property
    def kept(self) -> list[str]:
        return list(self.table.index[self.table["kept"]])

    def markdown(self) -> str:
        t = self.table
        lines = ["| rank | parameter | mu* | mu* 95% conf | sigma | kept |", "|---:|---|---:|---:|---:|:---:|"]
        for name, r in t.iterrows():
            lines.append(f"| {int(r['rank'])} | `{name}` | {r.mu_star:.3f} | {r.mu_star_conf:.3f} | {r.sigma:.3f} | {'yes' if r.kept else ''} |")
        return "\n".join(lines)

    def save(self, out: str | Path) -> list[Path]:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / SCREENING_FILE, out / "screening_per_series.csv", out / "screening_points.csv", out / "screening.md"]
        self.table.to_csv(paths[0])
        self.per_series.to_csv(paths[1])
        self.points.to_csv(paths[2], index=False)
        head = (f"Morris screening: {self.trajectories} trajectories x {len(self.table) + 1} points x {len(self.seeds)} "
                f"seeds = {self.runs} runs at scale {self.scale:g}, {self.seconds:.0f} s. Output: the calibration "
                "distance (series weighted equally). Kept: mu* >= 10% of the largest, 8 to 15 parameters.\n\n")
        paths[3].write_text(head + self.markdown() + "\n")
        return paths


def choose(mu_star: pd.Series, share: float = KEEP_SHARE, lo: int = KEEP_MIN, hi: int = KEEP_MAX) -> list[str]:
    """The parameters kept: mu* >= share x the largest, at least ``lo`` and at most ``hi``, by rank."""
    ranked = mu_star.sort_values(ascending=False)
    n = int((ranked >= share * ranked.iloc[0]).sum()) if len(ranked) and ranked.iloc[0] > 0 else 0
    n = max(min(n, hi), min(lo, len(ranked)))
    return list(ranked.index[:n])


def screen(target: Target, trajectories: int = 4, seeds: list[int] | None = None, levels: int = 4, seed: int = 1,
           backend=None, workers: int | None = None, dask=None, progress: bool = False) -> Screening:
    """Morris screening of every prior of ``target`` against its distance and each series'."""
    import time

    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    from crossings.ensemble.replicates import replicate, run_replicates
    from crossings.errors import CrossingsError

    if trajectories < 2:
        raise CrossingsError(f"--trajectories: at least 2 (got {trajectories})")
    seeds = seeds or [1]
    priors: Priors = target.priors
    d = len(priors.items)
    problem = {"num_vars": d, "names": priors.names, "bounds": [[0.0, 1.0]] * d}
    t0 = time.perf_counter()
    U = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    thetas = sample_unit(priors, U)
    reps = [replicate(target.scenario_for(th), s, k) for k, th in enumerate(thetas) for s in seeds]
    batch = run_replicates(reps, None, backend, workers, dask, progress, label="Morris screening")
    n = len(seeds)
    per_point = [target.distances(batch.results[k * n:(k + 1) * n]) for k in range(len(thetas))]
    Y = np.array([total(p) for p in per_point])
    si = morris_analyze.analyze(problem, U, Y, num_levels=levels, print_to_console=False, seed=seed)
    table = pd.DataFrame({"mu_star": si["mu_star"], "mu_star_conf": si["mu_star_conf"], "mu": si["mu"],
                          "sigma": si["sigma"]}, index=pd.Index(priors.names, name="parameter"))
    per_series = {}
    for s in target.series:
        ys = np.array([p[s] for p in per_point])
        per_series[s] = morris_analyze.analyze(problem, U, ys, num_levels=levels, print_to_console=False, seed=seed)["mu_star"]
    per_series = pd.DataFrame(per_series, index=table.index)
    table = table.sort_values("mu_star", ascending=False)
    table["rank"] = np.arange(1, d + 1)
    keep = set(choose(table["mu_star"]))
    table["kept"] = [n_ in keep for n_ in table.index]
    table["source"] = [priors.by_name[n_].source for n_ in table.index]
    points = pd.DataFrame(thetas)
    points["distance"] = Y
    for s in target.series:
        points[f"d:{s}"] = [p[s] for p in per_point]
    return Screening(table, per_series.loc[table.index], points, trajectories, list(seeds), float(target.scenario.scale),
                     time.perf_counter() - t0, len(reps))


def read_kept(path: str | Path, top: int | None = None) -> list[str]:
    """The parameters a saved screening kept (its ``screening.csv``), or with ``top`` its ``top``
    highest-ranked parameters (by mu* on the distance, the ``rank`` column), kept or not."""
    from crossings.errors import ScenarioError

    try:
        t = pd.read_csv(path)
    except Exception as e:  # noqa: BLE001 - any unreadable CSV is a user error
        raise ScenarioError(path, "(file)", f"a screening table written by crossings screen ({e.__class__.__name__})") from None
    if "parameter" not in t.columns or "kept" not in t.columns:
        raise ScenarioError(path, "kept", "columns parameter and kept (a screening table written by crossings screen)")
    if top is None:
        return [str(p) for p, k in zip(t["parameter"], t["kept"], strict=True) if bool(k)]
    if "rank" not in t.columns or not pd.api.types.is_numeric_dtype(t["rank"]) or t["rank"].isna().any():
        raise ScenarioError(path, "rank", "a numeric rank for every parameter (a screening table written by crossings screen)")
    if not 1 <= top <= len(t):
        raise ScenarioError("(command line)", "--free", f"from 1 to {len(t)} (the parameters {path} ranks; got {top})")
    return [str(p) for p in t.sort_values("rank", kind="stable")["parameter"].iloc[:top]]


def free_priors(scenario_ref, scenario, priors_path=None, screening_path=None, all_free: bool = False,
                top: int | None = None, also=()):
    """The priors a calibration frees: those the screening kept (``--screening``, else the
    ``screening.csv`` beside the scenario or its parent's), or its ``top`` highest-ranked ones
    (``--free N``: a smaller budget explores fewer dimensions); every prior when there is no
    screening or ``all_free``. ``also`` (``--also NAME``) frees named priors too, whatever the
    screening ranked them: the screening ranks by the distance summed over all series, so a
    parameter that moves one series only (the deaths' scale) ranks low however much that series
    needs it."""
    from crossings.calibrate.priors import priors_for
    from crossings.errors import ScenarioError
    from crossings.scenario.loader import folder_file

    priors = priors_for(scenario_ref, scenario, priors_path)
    for name in also:
        if name not in priors.by_name:
            raise ScenarioError("(command line)", "--also", f"a parameter of the priors file (got {name!r})")
    if all_free and top is not None:
        raise ScenarioError("(command line)", "--free", "either --all-free or --free N, not both")
    if all_free:
        return priors
    path = screening_path if screening_path is not None else folder_file(scenario_ref, SCREENING_FILE) if isinstance(scenario_ref, (str, Path)) else None
    if path is None:
        if top is not None:
            raise ScenarioError("(command line)", "--free", "a screening table to rank the parameters (--screening, or screening.csv beside the scenario)")
        return priors
    kept = read_kept(path, top)
    unknown = [k for k in kept if k not in priors.by_name]
    if unknown:
        raise ScenarioError(path, "parameter", f"parameters of the priors file ({unknown[0]} is not one)")
    if not kept:
        raise ScenarioError(path, "kept", "at least one parameter kept")
    return priors.subset([*kept, *also])  # in the priors file's order
