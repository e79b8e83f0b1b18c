"""Out-of-sample backtest: calibrate on the data up to a year, forecast the years after it.

``backtest(...)`` calibrates (ABC-SMC, :mod:`~crossings.calibrate.abc`) on the observed rows
whose period ends by 31 December of ``until``, simulating only up to then; then runs the
posterior predictive over the whole horizon with the scenario's known policy inputs
(spending, clearances, traffic, the inflow knots' calibrated multipliers) and compares the rows
that start after the cutoff: per row the median and 90% band of the draws against the observed
value, per series the mean error of the median (``median / observed - 1``), the mean |log ratio|
and the share of rows inside the 90% band.

The inflow is the one input that is neither a policy nor known in advance, and a scenario's
hand-set knots may have been set looking at the years the backtest holds out. ``inflow_after``
says what the forecast assumes about it:

- ``"scenario"``: knots dated after the cutoff keep the scenario's values (times the multipliers
  drawn for them when they are free, i.e. their prior): a forecast *given* the inflow, which
  tests the mechanisms (loads, prices, deaths, the split between modes) but not the arrivals'
  level where the knots were set from them;
- ``"hold"``: knots dated after 31 December of ``until`` are dropped, in the calibration and the
  forecast alike, so the inflow stays at the last knot on or before the cutoff (``daily_series``
  holds values flat beyond the last knot): nothing after the cutoff enters, an honest
  out-of-sample forecast of the arrivals' level.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crossings.calibrate.targets import is_annual, predictive_table, rows_after
from crossings.errors import CrossingsError, ScenarioError

HEADLINE = ("small_boat_arrivals", "people_per_boat", "deaths_small_boats", "price_boat_eur")
INFLOW_AFTER = ("scenario", "hold")


@dataclass
class Backtest:
    until: int
    rows: pd.DataFrame  # predictive_table of the held-out rows, with error
    per_series: pd.DataFrame
    meta: dict

    def save(self, out: str | Path) -> list[Path]:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        p1, p2, p3 = out / "backtest_rows.csv", out / "backtest.csv", out / "backtest.json"
        self.rows.to_csv(p1, index=False)
        self.per_series.to_csv(p2)
        p3.write_text(json.dumps(self.meta, indent=1, default=str) + "\n")
        return [p1, p2, p3]


def held_out(runs, observed: pd.DataFrame, until: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-row and per-series forecast errors and 90% coverage of the rows after ``until``."""
    table = predictive_table(runs, rows_after(observed, until))
    if table.empty:
        return table, pd.DataFrame()
    table["error"] = table["median"] / table["observed"] - 1
    table["annual"] = [is_annual(p) for p in table["period"]]
    g = table.groupby("series", sort=False)
    per = pd.DataFrame({
        "rows": g.size(),
        "annual_rows": g["annual"].sum(),
        "mean_error": g["error"].mean(),
        "mean_abs_error": g["error"].apply(lambda e: float(np.mean(np.abs(e)))),
        "mean_abs_log_ratio": g["abs_log_ratio"].mean(),
        "coverage_90": g["inside_90"].mean(),
        "coverage_50": g["inside_50"].mean(),
    })
    order = [s for s in HEADLINE if s in per.index] + [s for s in per.index if s not in HEADLINE]
    return table, per.loc[order]


def annual_errors(table: pd.DataFrame, series: str) -> dict[str, float]:
    """Median / observed - 1 for each annual row of one series (e.g. 2023, 2024 arrivals)."""
    t = table[(table["series"] == series) & table["annual"]]
    return {str(p): float(e) for p, e in zip(t["period"], t["error"], strict=True)}


def inflow_until(sc, until: int):
    """The scenario with its inflow knots dated after 31 December of ``until`` dropped (the inflow
    then stays at the last remaining knot), and the number of knots kept. A scenario whose first
    knot comes after the cutoff is refused: nothing would be known about its inflow."""
    last = dt.date(int(until), 12, 31)
    knots = [k for k in sc.inflow.knots if k[0] <= last]
    if not knots:
        raise ScenarioError("(command line)", "--inflow-after",
                            f"'scenario' when no inflow knot is dated on or before 31 December {until} (nothing to hold)")
    return sc.model_copy(update={"inflow": sc.inflow.model_copy(update={"knots": knots})}), len(knots)


def knots_kept(priors, n_knots: int):
    """The priors without those of the inflow knots past the first ``n_knots`` (dropped knots)."""
    def kept(name: str) -> bool:
        m = re.fullmatch(r"inflow\.knots\[(\d+)\]", name)
        return m is None or int(m.group(1)) < n_knots

    return priors.subset([n for n in priors.names if kept(n)])


def run_backtest(scenario_ref, until: int, budget: int, scale: float | None = None, population: int = 50,
                 draws_n: int = 40, db: str | Path | None = None, out: str | Path | None = None, workers: int | None = None,
                 dask: str | None = None, local_cluster: bool = False, priors_path=None, screening_path=None,
                 all_free: bool = False, progress: bool = False, top: int | None = None, also=(),
                 distance: str = "adaptive", transition: str = "normal", inflow_after: str = "scenario") -> Backtest:
    """Calibrate on rows up to ``until`` (with the ABC ``distance`` and ``transition``, :func:`~crossings.calibrate.abc.calibrate`),
    forecast the rest with posterior draws, score the held-out rows; ``inflow_after`` is the
    forecast's inflow after the cutoff (module docstring)."""
    from crossings.calibrate.abc import calibrate
    from crossings.calibrate.model import Target
    from crossings.calibrate.posterior import posterior_ensemble, write_posterior
    from crossings.calibrate.screening import free_priors
    from crossings.calibrate.targets import load_observed, rows_until
    from crossings.scenario.loader import load_scenario

    if inflow_after not in INFLOW_AFTER:  # before anything is read or written
        raise CrossingsError(f"--inflow-after: one of {', '.join(INFLOW_AFTER)} (got {inflow_after!r})")
    sc = load_scenario(scenario_ref)
    obs, _ = load_observed(scenario_ref)
    priors = free_priors(scenario_ref, sc, priors_path, screening_path, all_free, top, also)
    if inflow_after == "hold":
        sc, n_knots = inflow_until(sc, until)
        priors = knots_kept(priors, n_knots)
        if not priors.items:
            raise ScenarioError("(command line)", "--inflow-after", "'scenario' when every free parameter is an inflow knot after the cutoff")
    # each mode its own default folder, so that a held backtest never resumes the other's database
    suffix = "" if inflow_after == "scenario" else f"-{inflow_after}"
    out = Path(out) if out is not None else Path("results") / "calibration" / sc.name / f"backtest-{until}{suffix}"
    db = Path(db) if db is not None else out / "calibration.db"
    target = Target.build(sc, priors, rows_until(obs, until), scale=scale, until=until)
    cal = calibrate(target, budget, population, db, workers, dask, local_cluster, label=f"backtest until {until}",
                    distance=distance, transition=transition)
    cal.meta["also"] = list(also)  # priors freed beyond the screening's (--also), as `crossings calibrate` records them
    post = write_posterior(cal.particles, cal.weights, cal.meta, out / f"posterior_until_{until}.csv")
    full = sc if scale is None else sc.model_copy(update={"scale": float(scale)})
    ens = posterior_ensemble(full, draws_n, seed=1, path=post, workers=workers, dask=dask, progress=progress)
    rows, per = held_out(ens.runs, obs, until)
    meta = {"until": until, "inflow_after": inflow_after, "calibration": {k: v for k, v in cal.meta.items() if k != "priors"}, "draws": draws_n,
            "free": priors.names, "also": list(also), "headline": {s: annual_errors(rows, s) for s in HEADLINE} if not rows.empty else {},
            "coverage_90_overall": float(rows["inside_90"].mean()) if not rows.empty else None}
    bt = Backtest(until, rows, per, meta)
    bt.save(out)
    return bt


def load_backtest(folder: str | Path) -> Backtest | None:
    """A saved backtest (its folder), or None when there is none."""
    folder = Path(folder)
    if not (folder / "backtest.csv").is_file():
        return None
    meta = json.loads((folder / "backtest.json").read_text()) if (folder / "backtest.json").is_file() else {}
    return Backtest(int(meta.get("until", 0)), pd.read_csv(folder / "backtest_rows.csv"),
                    pd.read_csv(folder / "backtest.csv", index_col=0), meta)
