"""One simulation as the calibration sees it: parameter values in, per-series distances out.

A :class:`Target` holds the scenario (at the calibration's scale and horizon), the free
priors and the observed rows it is fitted to. ``target.run(theta, seed)`` sets the free
parameters (prior space, :class:`~crossings.calibrate.priors.Priors`), runs one seed and
returns the distance of each observed series (:func:`~crossings.calibrate.targets.series_distances`:
the mean log distance of its rows outside the sources' spread, 0 inside; or, with ``summary =
"point"``, :func:`~crossings.calibrate.targets.series_log_ratios`: the mean |log ratio| of its rows
to their observed values). Parameters that are
not free keep the scenario's values. A parameter set the scenario refuses (a value out of its
documented range) or a series the run does not produce counts as the largest distance (a
factor of 100).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crossings.calibrate.priors import Priors, safe_name
from crossings.calibrate.targets import compare, modelled_rows, period_end, series_distances, series_log_ratios
from crossings.errors import CrossingsError

WORST = math.log(100.0)  # a series not produced counts as a factor of 100, as in targets.row_distance


@dataclass
class Target:
    """The scenario, its free priors and the observed rows a calibration fits."""

    scenario: object
    priors: Priors
    observed: pd.DataFrame
    series: list[str] = field(default_factory=list)
    # what each series is summarised by: "spread" (mean log distance outside the sources' spread,
    # 0 inside it) or "point" (mean |log(model / observed)|, the validation's median score)
    summary: str = "spread"
    # the horizon the calibration was asked for (the scenario's end, or 31 December of --until);
    # runs stop earlier, at the last observed row (build). None: the scenario's end.
    horizon: dt.date | None = None

    @property
    def horizon_end(self) -> dt.date:
        return self.horizon if self.horizon is not None else self.scenario.end

    @classmethod
    def build(cls, scenario, priors: Priors, observed: pd.DataFrame, scale: float | None = None,
              until: int | None = None) -> "Target":
        """The target for ``scenario`` (optionally at another ``scale`` and simulated only up to
        the end of year ``until``), fitted to the rows of ``observed`` the model produces in it.

        Each run stops at the end of the last of those rows' periods (``rows_end``) when that comes
        before the scenario's end: a run is causal (nothing on a day depends on a later one), so the
        days after the last observed row change no row's value, and a calibration's runs are shorter
        by them (the Channel's 2025: 0.87 x the time of a run to the scenario's end, docs/calibration.md,
        Scale and speed)."""
        update = {}
        if scale is not None:
            update["scale"] = float(scale)
        end = scenario.end
        if until is not None:
            last = dt.date(int(until), 12, 31)
            if last < scenario.start:
                raise CrossingsError(f"--until: a year from {scenario.start.year} on (got {until})")
            end = min(end, last)
        horizon = end
        rows = modelled_rows(observed, scenario.start, end)
        if not rows.empty:
            end = min(end, rows_end(rows))
        if end != scenario.end:
            update["end"] = end
        sc = scenario.model_copy(update=update) if update else scenario
        if update:
            from crossings.scenario.loader import validate

            sc = validate(sc.model_dump(mode="python"), "(calibration)")
        if rows.empty:  # the runs' end is the last row's, so these are the rows within it
            raise CrossingsError("observed.csv: no row the model produces within the calibrated period")
        return cls(sc, priors, rows, list(dict.fromkeys(rows["series"])), horizon=horizon)

    @property
    def names(self) -> list[str]:
        return self.priors.names

    @property
    def keys(self) -> list[str]:
        """The free parameters' names as pyabc stores them."""
        return [safe_name(n) for n in self.names]

    def scenario_for(self, theta: dict[str, float]):
        return self.priors.apply(self.scenario, theta, source="(calibration draw)")

    def distances(self, runs) -> dict[str, float]:
        """Per-series distance of the mean of ``runs`` (one or more Results) to the observed rows."""
        table = compare(list(runs), self.observed)
        per_series = series_log_ratios if self.summary == "point" else series_distances
        d = per_series(table) if not table.empty else pd.Series(dtype=float)
        return {s: float(min(d.get(s, WORST), WORST)) if np.isfinite(d.get(s, WORST)) else WORST for s in self.series}

    def run(self, theta: dict[str, float], seed: int) -> dict[str, float]:
        """Per-series distances of one run with the free parameters at ``theta`` (prior space)."""
        from crossings.errors import ScenarioError
        from crossings.sim import Sim

        try:
            sc = self.scenario_for(theta)
        except ScenarioError:
            return dict.fromkeys(self.series, WORST)
        return self.distances([Sim(sc, seed=int(seed)).run()])


def rows_end(rows: pd.DataFrame) -> dt.date:
    """The last day of the latest period among observed ``rows`` (not empty)."""
    return max(period_end(str(p)) for p in rows["period"]).date()


def total(d: dict[str, float]) -> float:
    """The check's distance: the unweighted mean of the per-series distances."""
    return float(np.mean(list(d.values()))) if d else float("nan")


class ABCModel:
    """The pyabc model: sampling-space parameters in, per-series distances out (picklable)."""

    def __init__(self, target: Target):
        self.target = target

    def __call__(self, pars) -> dict[str, float]:
        theta = {n: p.from_abc(float(pars[k])) for n, k, p in zip(self.target.names, self.target.keys, self.target.priors.items, strict=True)}
        seed = int(np.random.randint(1, 2**31 - 1))  # pyabc seeds each worker's numpy stream
        return self.target.run(theta, seed)
