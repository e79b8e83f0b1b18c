"""A baseline and policy overlays on the same random streams, compared with bands.

A policy file is a small TOML overlay on the baseline scenario: ``[[policies]]`` to add
(appended to the baseline's, or replacing them with ``replace_policies = true``) and,
optionally, parameter tables to override. It may say ``inherits = "channel"`` so that it
also runs on its own (``crossings run FILE``); it must then inherit the baseline it is
compared with. It may not change the dates or the seed: both scenarios run the same days
with the same seeds.

Both scenarios run with every seed. Because every random number is a function of (seed,
process, day, agent slot) (:mod:`crossings.engine.rng`), the two runs of a seed share
every draw until the policy acts: their difference is the policy's effect on that
realisation (common random numbers), and the spread of the per-seed differences is the
uncertainty about the effect. The comparison window runs from the first day any added
policy acts (or ``start``) to the last simulated day (or ``end``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from crossings.ensemble import reductions
from crossings.ensemble.params import set_params
from crossings.ensemble.replicates import _scenario, replicate, run_replicates, seed_list
from crossings.errors import CrossingsError, ScenarioError

# (column, label): flows are summed over the window, stocks averaged, ratios from sums
INDICATORS: list[tuple[str, str]] = [
    ("crossings_total", "crossings, all modes"),
    ("crossings_lorry_alone", "  lorry, alone"),
    ("crossings_lorry_paid", "  lorry, paid place"),
    ("crossings_boat", "  small boat"),
    ("crossings_legal", "  legal route"),
    ("attempts_total", "attempts, all modes"),
    ("deaths", "deaths"),
    ("mean_days_to_cross", "days from arrival to crossing (mean)"),
    ("in_camps", "people in camps (daily mean)"),
    # camp sites are inserted here: ("camp:<name>", "  <name>")
    ("mean_price_boat_paid_eur", "boat place price paid (EUR, mean)"),
    ("mean_price_lorry_paid_eur", "lorry place price paid (EUR, mean)"),
    ("revenue_eur", "smugglers' revenue (EUR)"),
    ("public_spending_eur", "public spending (EUR)"),
]
COST = ("cost_per_prevented_eur", "public cost per crossing prevented (EUR)")
ATTEMPTS = ("attempts_lorry_alone", "attempts_lorry_paid", "attempts_boat")


def _merge(parent: dict, child: dict) -> dict:
    out = dict(parent)
    for k, v in child.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def apply_policy_file(baseline, path: str | Path, baseline_ref: str | Path | None = None):
    """The baseline scenario with the overlay in ``path`` applied, and the policies it adds.

    ``baseline_ref`` (the name or path the baseline was loaded from) lets a file that says
    ``inherits`` be checked against the baseline. Errors name the policy file and the field."""
    from crossings.scenario.loader import read_toml, resolve, validate

    path = Path(path)
    data = read_toml(path)
    inherits = data.pop("inherits", None)
    if inherits is not None:
        if not isinstance(inherits, str):
            raise ScenarioError(path, "inherits", "a built-in scenario name or a path (string)")
        if baseline_ref is not None and resolve(inherits, path.parent).resolve() != resolve(baseline_ref).resolve():
            raise ScenarioError(path, "inherits", f"the comparison's baseline '{baseline_ref}' (this file inherits '{inherits}')")
    for k in ("start", "end", "seed"):
        if k in data:
            raise ScenarioError(path, k, "not set in a policy file: the baseline and the policy run the same days and seeds")
    replace = data.pop("replace_policies", False)
    if not isinstance(replace, bool):
        raise ScenarioError(path, "replace_policies", "true or false")
    added = data.pop("policies", [])
    if not isinstance(added, list):
        raise ScenarioError(path, "policies", "an array of tables ([[policies]])")
    base = baseline.model_dump(mode="python", exclude_none=True)
    base_pols = [] if replace else list(base.get("policies", []))
    merged = _merge(base, data)
    merged["name"] = data.get("name", path.stem)
    merged["policies"] = base_pols + added
    try:
        sc = validate(merged, path)
    except ScenarioError as e:
        m = re.match(r"^policies\[(\d+)\](.*)$", e.field)
        if m and int(m.group(1)) >= len(base_pols):
            raise ScenarioError(path, f"policies[{int(m.group(1)) - len(base_pols)}]{m.group(2)}", e.expected) from None
        raise
    return sc, list(sc.policies[len(base_pols):])


def first_policy_day(policies) -> dt.date | None:
    days = [d for p in policies for d in (getattr(p, "start", None), getattr(p, "date", None)) if isinstance(d, dt.date)]
    return min(days) if days else None


def window_values(run, start: dt.date, end: dt.date, camps: Sequence[str]) -> pd.Series:
    """Every indicator of one run over ``[start, end]`` (flows summed, stocks averaged)."""
    from crossings.engine.results import Results

    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    daily = run.daily.loc[lo:hi]
    sites = run.sites.loc[lo:hi]
    one = Results(daily=daily, sites=sites, scenario_name="", seed=0, notes=[]).rollup(f"{len(daily)}D").iloc[0]
    out = {c: float(one[c]) for c, _ in INDICATORS if c in one.index}
    out["attempts_total"] = float(sum(daily[c].sum() for c in ATTEMPTS if c in daily.columns))
    for c in camps:
        out[f"camp:{c}"] = float(sites[c].mean()) if c in sites.columns else np.nan
    return pd.Series(out)


@dataclass
class Comparison:
    """A policy against the baseline over the same seeds: per-seed values, differences, bands."""

    baseline_name: str
    policy_name: str
    start: dt.date
    end: dt.date
    seeds: list[int]
    camps: list[str]
    baseline_runs: list
    policy_runs: list
    source: str = ""
    batch: Any = None  # what run_replicates did for the whole comparison (computed, from store)
    _cache: dict = field(default_factory=dict, repr=False)

    def indicators(self) -> list[tuple[str, str]]:
        out = []
        for col, label in INDICATORS:
            out.append((col, label))
            if col == "in_camps":
                out += [(f"camp:{c}", f"  {c}") for c in self.camps]
        return out + [COST]

    def values(self, which: str = "baseline") -> pd.DataFrame:
        """Indicators over the window, one row per seed (``which``: baseline or policy)."""
        if which not in self._cache:
            runs = self.baseline_runs if which == "baseline" else self.policy_runs
            df = pd.DataFrame([window_values(r, self.start, self.end, self.camps) for r in runs], index=self.seeds)
            df.index.name = "seed"
            self._cache[which] = df
        return self._cache[which]

    def differences(self) -> pd.DataFrame:
        """Policy minus baseline per seed, and the public cost per crossing prevented.

        The cost is the extra public spending divided by the crossings prevented, in the
        seeds where the policy prevented crossings (undefined in the others)."""
        b, p = self.values("baseline"), self.values("policy")
        d = p - b
        prevented = -d["crossings_total"]
        with np.errstate(divide="ignore", invalid="ignore"):
            d[COST[0]] = np.where(prevented > 0, d["public_spending_eur"] / prevented.where(prevented > 0, 1.0), np.nan)
        return d

    def table(self) -> pd.DataFrame:
        """One row per indicator: baseline and policy medians, the median difference and its
        50% and 90% bands across seeds, and the number of seeds where the row is defined."""
        b, p, d = self.values("baseline"), self.values("policy"), self.differences()
        rows = []
        for col, label in self.indicators():
            dv = d[col].to_numpy(dtype=float)
            q = _quantiles(dv)
            rows.append({
                "indicator": label,
                "key": col,
                "baseline": _median(b[col]) if col in b else np.nan,
                "policy": _median(p[col]) if col in p else np.nan,
                "difference": q["median"],
                "low50": q["p25"], "high50": q["p75"],
                "low90": q["p5"], "high90": q["p95"],
                "seeds": int(np.isfinite(dv).sum()),
            })
        return pd.DataFrame(rows).set_index("indicator")

    def yearly_differences(self) -> pd.DataFrame:
        """Yearly differences (policy minus baseline) reduced: columns ``(metric, stat)``."""
        diffs = [p.yearly - b.yearly for b, p in zip(self.baseline_runs, self.policy_runs, strict=True)]
        return reductions.reduce(diffs)


def _median(s: pd.Series) -> float:
    v = s.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else np.nan


def _quantiles(v: np.ndarray) -> dict[str, float]:
    v = v[np.isfinite(v)]
    if not v.size:
        return {s: np.nan for s in reductions.STATS}
    return dict(zip(reductions.STATS, (float(x) for x in np.quantile(v, reductions.QUANTILES)), strict=True))


def compare(
    baseline,
    policies: Sequence[Any],
    seeds: int | Sequence[int] = 20,
    start: dt.date | None = None,
    end: dt.date | None = None,
    store=None,
    backend=None,
    workers: int | None = None,
    dask=None,
    progress: bool = False,
    draws: Sequence[dict[str, Any]] | None = None,
) -> list[Comparison]:
    """Compare each policy (a policy file path, or a Scenario) with ``baseline`` on the same seeds.

    ``draws`` (parameter sets by dotted name, one per seed: posterior draws) are applied to the
    baseline and to every policy alike, draw k with seed k, so a difference is the policy's
    effect under that parameter set. Runs every (scenario, seed) once (from the store when
    there) in one batch."""
    base = _scenario(baseline)
    ref = baseline if isinstance(baseline, (str, Path)) else None
    seeds_ = seed_list(seeds)
    if not policies:
        raise CrossingsError("--policy: at least one policy file to compare with the baseline")
    alts = []
    for pol in policies:
        if isinstance(pol, (str, Path)):
            sc, added = apply_policy_file(base, pol, ref)
            alts.append((sc, added, str(pol)))
        else:
            sc = _scenario(pol)
            n = len(base.policies)
            added = list(sc.policies[n:]) if list(sc.policies[:n]) == list(base.policies) else list(sc.policies)
            alts.append((sc, added, sc.name))
    for sc, _, src in alts:
        if (sc.start, sc.end) != (base.start, base.end):
            raise ScenarioError(src, "start/end", f"the baseline's days ({base.start} to {base.end})")
    hi = min(end or base.end, base.end)
    if start is not None and not base.start <= start <= hi:
        raise CrossingsError(f"--from: a day from {base.start} to {hi} (got {start})")
    windows = []
    for _sc, added, src in alts:
        w0 = start or max(first_policy_day(added) or base.start, base.start)
        if w0 > hi:
            raise ScenarioError(src, "policies", f"a policy in force by the last compared day ({hi}); the first starts on {w0} "
                                "(move it earlier, or compare a later scenario end)")
        windows.append(w0)
    if draws is not None and len(draws) != len(seeds_):
        raise CrossingsError(f"draws: one parameter set per seed ({len(seeds_)} seeds, {len(draws)} draws)")

    def reps_of(sc):
        if draws is None:
            return [replicate(sc, s) for s in seeds_]
        return [replicate(set_params(sc, d, source=f"draws[{k}]"), s, k) for k, (d, s) in enumerate(zip(draws, seeds_, strict=True))]

    reps = reps_of(base)
    for sc, _, _ in alts:
        reps += reps_of(sc)
    batch = run_replicates(reps, store, backend, workers, dask, progress, label=f"compare {base.name}")
    n = len(seeds_)
    camps = [s.name for s in base.sites if s.kind == "camp"]
    out = []
    for k, ((sc, _, src), w0) in enumerate(zip(alts, windows, strict=True)):
        out.append(Comparison(base.name, sc.name, w0, hi, seeds_, camps, batch.results[:n],
                              batch.results[(k + 1) * n:(k + 2) * n], source=src, batch=batch))
    return out
