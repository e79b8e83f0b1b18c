"""What a report shows, gathered once: the scenario, its runs (one group, or a baseline and
a policy on the same seeds), their bands, the observed figures and the provenance.

A *group* is one scenario run with several seeds. Every figure draws each group's median
with its 90% band (5th-95th percentile across seeds; :mod:`crossings.ensemble.reductions`),
so a comparison shows the baseline and the policy side by side on the same axes.
"""

from __future__ import annotations

import functools

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from crossings.calibrate import SERIES, period_bounds
from crossings.data import observed
from crossings.ensemble import reductions

# Column sums the figures use that the results do not hold as one column.
DERIVED: dict[str, tuple[str, ...]] = {
    "crossings_lorry": ("crossings_lorry_alone", "crossings_lorry_paid", "crossings_lorry_access"),
    "attempts_lorry": ("attempts_lorry_alone", "attempts_lorry_paid", "attempts_lorry_access"),
}


@dataclass
class Group:
    """One scenario run with several seeds: ``runs`` are :class:`crossings.Results`."""

    label: str
    scenario: Any
    runs: list
    keys: list[str] = field(default_factory=list)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def seeds(self) -> list[int]:
        return [int(r.seed) for r in self.runs]

    def table(self, name: str) -> list[pd.DataFrame]:
        """``monthly`` or ``yearly`` tables (with the derived sums), or ``sites_monthly``."""
        if name == "sites_monthly":
            return [r.sites.resample("MS").mean() for r in self.runs]
        out = []
        for r in self.runs:
            t = getattr(r, name).copy()
            for col, parts in DERIVED.items():
                t[col] = sum(t[c] for c in parts if c in t.columns)
            out.append(t)
        return out

    def bands(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = reductions.reduce(self.table(name))
        return self._cache[name]

    def band(self, name: str, metric: str) -> pd.DataFrame | None:
        """``median``, ``low``, ``high`` (90% band) of ``metric`` in table ``name``; None if absent."""
        b = self.bands(name)
        if metric not in b.columns.get_level_values(0):
            return None
        return reductions.band(b, metric, 90)


@dataclass
class ReportData:
    """Everything a report shows. ``groups[0]`` is the baseline (or the only scenario)."""

    title: str
    groups: list[Group]
    comparison: Any = None  # a crossings.ensemble.compare.Comparison for a baseline and a policy
    source: str = ""        # what the user asked for (scenario name, file or stored run key)
    version: str = ""
    posterior: str = "none: the scenario's own parameter values (no calibrated posterior was used)"
    created: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))

    @property
    def scenario(self):
        return self.groups[0].scenario

    @property
    def observed(self) -> pd.DataFrame | None:
        """The observed figures of the report's scenario (its folder's ``observed.csv``, or its
        parent's), or None when it has none."""
        return scenario_observed(self.scenario.name)

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.scenario.start)

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.scenario.end)


@functools.lru_cache(maxsize=16)
def scenario_observed(name: str) -> pd.DataFrame | None:
    """The observed figures a scenario (by name or file) is checked against, or None."""
    from crossings.scenario.loader import observed_file

    try:
        path = observed_file(name)
    except Exception:  # a scenario known only in memory (no file): no observed points
        return None
    return observed(path) if path is not None else None


def observed_points(series: str, start: pd.Timestamp, end: pd.Timestamp, per_month: bool,
                    obs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Observed rows of ``series`` inside ``[start, end]`` of the table ``obs`` (a scenario's
    observed figures; none if None): period bounds, value and source spread.

    With ``per_month`` a flow is divided by the months its period covers, so that a yearly
    figure sits on a monthly chart as the mean month of that year."""
    cols = ["start", "end", "value", "low", "high", "source", "period"]
    if obs is None:
        return pd.DataFrame(columns=cols)
    obs = obs[obs["series"] == series]
    kind = SERIES[series][0] if series in SERIES else "flow"
    rows = []
    for _, o in obs.iterrows():
        try:
            a, b = period_bounds(str(o.period))
        except ValueError:
            continue
        if a < start or b > end + pd.Timedelta(days=1):
            continue
        months = max(1.0, (b - a).days / 30.44) if (per_month and kind in ("flow",)) else 1.0
        low = o.low if pd.notna(o.low) else o.value
        high = o.high if pd.notna(o.high) else o.value
        rows.append({"start": a, "end": b, "value": o.value / months, "low": low / months, "high": high / months,
                     "source": o.source, "period": str(o.period)})
    return pd.DataFrame(rows, columns=cols)


def key_figures(group: Group) -> pd.DataFrame:
    """Headline yearly figures: median with its 90% band as text, one row per figure."""
    y = group.bands("yearly")
    cols = ["crossings_total", "crossings_boat", "crossings_lorry", "crossings_legal", "attempts_boat_all",
            "interceptions_total", "deaths", "people_per_boat", "mean_price_boat_paid_eur", "gangs_active",
            "revenue_eur", "in_camps", "people_bused", "public_spending_eur"]
    out = {}
    for c in cols:
        if c not in y.columns.get_level_values(0):
            continue
        b = reductions.band(y, c, 90)
        out[LABELS.get(c, c)] = [_band_text(m, lo, hi, len(group.runs)) for m, lo, hi in
                                 zip(b["median"], b["low"], b["high"], strict=True)]
    df = pd.DataFrame(out, index=[d.year for d in y.index]).T
    df.columns = [str(c) for c in df.columns]
    return df


def _band_text(m: float, lo: float, hi: float, n: int) -> str:
    if not np.isfinite(m):
        return "-"
    if n < 2 or lo == hi:
        return compact(m)
    return f"{compact(m)} ({compact(lo)}–{compact(hi)})"


def compact(v: float) -> str:
    if v != v:
        return "-"
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.2f}bn"
    if a >= 1e6:
        return f"{v / 1e6:.1f}M"
    if a >= 1e4:
        return f"{v / 1e3:.1f}k"
    if a >= 100 or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.2f}"


LABELS = {
    "crossings_total": "crossings, all modes",
    "crossings_boat": "crossings by small boat",
    "crossings_lorry": "crossings by lorry",
    "crossings_legal": "crossings by a legal route",
    "attempts_boat_all": "people on boats that tried to launch",
    "interceptions_total": "people intercepted",
    "deaths": "deaths",
    "people_per_boat": "people per boat",
    "mean_price_boat_paid_eur": "boat place price paid (EUR)",
    "mean_price_lorry_paid_eur": "lorry place price paid (EUR)",
    "gangs_active": "smuggling groups active",
    "market_hhi": "market concentration (HHI)",
    "revenue_eur": "smugglers' revenue (EUR)",
    "in_camps": "people in camps (mean)",
    "people_bused": "people bused to shelters",
    "public_spending_eur": "public spending (EUR)",
    "mean_days_to_cross": "days from arrival to crossing (mean)",
}


def sum_metric(groups: Sequence[Group], name: str, metric: str) -> list[float]:
    """The median over seeds of ``metric`` summed over the whole table, per group."""
    out = []
    for g in groups:
        vals = [float(t[metric].sum()) for t in g.table(name) if metric in t.columns]
        out.append(float(np.median(vals)) if vals else np.nan)
    return out


def key_text(group: Group) -> str:
    """A few sentences on the last year of the run (medians over seeds, 90% band of the total)."""
    y = group.bands("yearly")
    if not len(y.index):
        return ""
    i = len(y.index) - 1
    year = y.index[i].year
    part = "" if y.index[i].month == 1 and group.runs[0].daily.index[-1].month == 12 else " (part of the year)"

    def med(m):
        return float(y[m]["median"].iloc[i]) if m in y.columns.get_level_values(0) else float("nan")

    lo, hi = float(y["crossings_total"]["p5"].iloc[i]), float(y["crossings_total"]["p95"].iloc[i])
    band = f" (90% of seeds between {compact(lo)} and {compact(hi)})" if len(group.runs) > 1 and lo != hi else ""
    return (f"In {year}{part}, {group.label} gives {compact(med('crossings_total'))} crossings{band}: "
            f"{compact(med('crossings_boat'))} by small boat, {compact(med('crossings_lorry'))} by lorry and "
            f"{compact(med('crossings_legal'))} by a legal route; {compact(med('deaths'))} deaths; "
            f"{compact(med('in_camps'))} people in the camps on an average day; public spending of "
            f"EUR {compact(med('public_spending_eur'))}. Figures are medians over {len(group.runs)} seed(s).")


def comparison_text(c) -> str:
    """The policy's effect on a few headline figures, in words."""
    tab = c.table().set_index("key")

    def eff(key, what):
        r = tab.loc[key]
        if not np.isfinite(r["difference"]):
            return None
        return (f"{what} by {('+' if r['difference'] > 0 else '')}{compact(r['difference'])} "
                f"(90% band {compact(r['low90'])} to {compact(r['high90'])})")

    parts = [p for p in (eff("crossings_total", "crossings"), eff("deaths", "deaths"),
                         eff("public_spending_eur", "public spending (EUR)")) if p]
    text = f"From {c.start} to {c.end}, {c.policy_name} changes " + "; ".join(parts) + "."
    cost = tab.loc["cost_per_prevented_eur"]
    if np.isfinite(cost["difference"]):
        text += (f" Each crossing prevented cost EUR {compact(cost['difference'])} of public money (median over the "
                 f"{int(cost['seeds'])} of {len(c.seeds)} seeds where crossings fell).")
    return text
