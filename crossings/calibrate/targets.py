"""Targets: the model against a scenario's observed series, and the distance of the calibration.

``compare(results)`` lines up one or more runs (e.g. several seeds) with every
observed figure in a scenario folder's ``observed.csv`` (the Channel's is
``crossings/scenario/builtin/channel/observed.csv``) that the model produces, over the period each figure covers: a year (``2022``), a month
(``2022-08``), a quarter (``2020-Q1``), a half (``2021-H1``), a day (``2022-08-22``) or a range
of these (``2020-07/2023-09``, ``2018/2024``, ``2021-01-01/2021-11-17``). Each series says what it measures
(:data:`SERIES`): flows are summed over the period, stocks averaged, ratios are
ratios of sums (never means of daily ratios), and a "largest day" takes the
maximum of the daily flow. Rows the model does not produce (and why) are listed
in :data:`NOT_MODELLED`. Any other border names its series the same way or directly by an output
column of the daily results (``crossings_boat``, ``deaths_boat``...: flows summed, stocks
averaged, ratios as ratios of sums) or by ``site:NAME`` (the mean population of a named site).

Two summaries (``crossings check channel --seeds 5`` prints both):

* ``score``: the mean |log(model / observed)| over every row (0 is a perfect
  fit; 0.69 is a factor of 2). Simple, but a series with many rows (monthly
  arrivals, camp counts) weighs more than one with few.
* ``distance``: each row's distance is how far the model mean lies outside the
  observed spread between sources, on the log scale (0 inside [low, high]); rows
  are weighted by 1 / (rows in their series), so every series counts equally,
  and the weighted mean is returned. This is the distance of the calibration.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from crossings.data import observed

# series -> (kind, columns, what the model counts)
#   flow: sum of the daily column(s) over the period
#   ratio: sum(numerator columns) / sum(denominator columns) over the period
#   site: mean over the period of the daily population of the named camp site
#   max_day: the largest daily value of the column in the period
SERIES: dict[str, tuple[str, tuple, str]] = {
    "small_boat_arrivals": ("flow", ("crossings_boat",), "people reaching the UK by small boat"),
    "small_boats": ("flow", ("boats_arrived",), "boats reaching the UK"),
    "people_per_boat": ("ratio", (("people_on_arrived_boats",), ("boats_arrived",)), "people per arrived boat"),
    "small_boat_arrivals_max_day": ("max_day", ("crossings_boat",), "largest number of boat arrivals in one day"),
    "lorry_detections_france": ("flow", ("detected_port_controls",), "people detected in lorries at the UK controls in France"),
    "lorry_arrivals_uk": ("flow", ("crossings_lorry_alone", "crossings_lorry_paid", "crossings_lorry_access"), "people reaching the UK by lorry"),
    "deaths_small_boats": ("flow", ("deaths_boat",), "deaths at sea and at launch on the small-boat route"),
    "price_boat_eur": ("ratio", (("price_boat_x_sold",), ("places_sold_boat",)), "mean price paid for a boat place (EUR)"),
    "price_lorry_eur": ("ratio", (("price_lorry_x_sold",), ("places_sold_lorry",)), "mean price paid for a lorry place (EUR)"),
    "price_lorry_access_eur": (
        "ratio", (("price_lorry_access_x_sold",), ("places_sold_lorry_access",)),
        "mean price paid for a lorry access place (a 'basic' or 'pot-luck' place: past the fences to a lorry) (EUR)"),
    "price_lorry_guaranteed_eur": (
        "ratio", (("price_lorry_guaranteed_x_sold",), ("places_sold_lorry_guaranteed",)),
        "mean price paid for a guaranteed lorry place (a driver's complicity) (EUR)"),
    "prevented_people": ("flow", ("prevented_boat",), "people stopped at launch, on boats seized at launch, or at sea"),
    "prevented_share_attempts": (
        "ratio", (("prevented_boat",), ("prevented_boat", "crossings_boat")), "share of people on boat attempts who were stopped"),
    "prevented_share_boats": (
        "ratio", (("boats_prevented",), ("boats_prevented", "boats_arrived")), "share of boats stopped"),
    # the French maritime prefecture (FR-PREMAR) counts people in operations at sea; people stopped
    # on the beach or at launch are counted by the police (the prevented series), not by it
    "sea_attempts_people": ("flow", ("people_at_sea",), "people on boats that left the beach (at sea)"),
    "sea_attempts_boats": ("flow", ("boats_launched",), "boats that left the beach (crossing attempts known at sea)"),
    "attempts_total": ("flow", ("attempts_boat_all",), "people on boats that tried to launch, including those stopped at launch"),
    "gangs_dismantled": ("flow", ("gangs_dismantled",), "smuggling groups dismantled"),
    "clearance_relocated": ("flow", ("people_bused",), "people taken by bus to shelters in a clearance"),
    "camp_population_calais": ("site", ("Calais camps",), "people living in the Calais camps"),
    "camp_population_dunkirk": ("site", ("Grande-Synthe camps",), "people living in the Grande-Synthe (Dunkirk) camps"),
    # the Aegean (crossings/scenario/builtin/aegean/observed.csv)
    "sea_arrivals_greece": ("flow", ("crossings_boat",), "people landing on the Greek islands from Turkey"),
    "dead_missing_eastern_med": ("flow", ("deaths_boat",), "dead and missing at sea on the route"),
    "tcg_apprehended_aegean": ("flow", ("pulled_back", "rescued_by_actors"), "people intercepted or rescued by the Turkish coastguard (a sea_actor)"),
    "tcg_apprehended_sea": ("flow", ("pulled_back", "rescued_by_actors"), "people intercepted or rescued by the Turkish coastguard (a sea_actor; observed: all Turkish seas)"),
}

# observed series the model does not produce, and why (documented in docs/calibration.md)
NOT_MODELLED = {
    "stowaways_uk_ports": "people found at UK ports after passing the controls in France: the model does not split lorry arrivals by where they were found",
    "evictions": "counted per living site evicted; the model evicts each camp site as one operation",
    "clearance_accept_share": "an input of the clearance policies, not an outcome",
    "clearance_return_share": "an input (shelters.return_share), not an outcome",
    "smuggler_arrests": "the model counts groups, not individual arrests",
    "asylum_claim_share": "the model does not represent asylum claims at the destination",
}


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day covered by an observed period (year, month, quarter, half, day, or a range a/b)."""
    p = str(period).strip()
    if "/" in p:
        a, b = p.split("/", 1)
        first, last = period_bounds(a)[0], period_bounds(b)[1]
        if last < first:
            raise ValueError(f"unrecognised period {period!r} (the range ends before it starts)")
        return first, last
    if re.fullmatch(r"\d{4}", p):
        y = int(p)
        return pd.Timestamp(y, 1, 1), pd.Timestamp(y, 12, 31)
    m = re.fullmatch(r"(\d{4})-(\d{2})", p)
    if m:
        if not 1 <= int(m[2]) <= 12:
            raise ValueError(f"unrecognised period {period!r} (no such month)")
        start = pd.Timestamp(int(m[1]), int(m[2]), 1)
        return start, start + pd.offsets.MonthEnd(0)
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", p)
    if m:  # one day (a range such as "2021-01-01/2021-11-17" covers both ends)
        try:
            day = pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(f"unrecognised period {period!r} (no such day)") from None
        return day, day
    m = re.fullmatch(r"(\d{4})-Q([1-4])", p)
    if m:
        start = pd.Timestamp(int(m[1]), 3 * int(m[2]) - 2, 1)
        return start, start + pd.offsets.QuarterEnd(0)
    m = re.fullmatch(r"(\d{4})-H([12])", p)
    if m:
        start = pd.Timestamp(int(m[1]), 6 * int(m[2]) - 5, 1)
        return start, start + pd.DateOffset(months=6) - pd.Timedelta(days=1)
    raise ValueError(f"unrecognised period {period!r}")


def series_spec(series: str) -> tuple[str, tuple, str] | None:
    """How the model measures an observed series: a named series (:data:`SERIES`), an output
    column of the daily results (flows summed, stocks averaged, ratios as ratios of sums), or
    ``site:NAME`` (the mean population of a site); None if the model does not produce it."""
    from crossings.engine.results import METRICS, RATIOS

    if series in SERIES:
        return SERIES[series]
    if series in NOT_MODELLED:  # measured differently from the output of the same name (e.g. evictions)
        return None
    if series.startswith("site:") and len(series) > 5:
        return ("site", (series[5:],), f"people at {series[5:]}")
    kinds = {m[0]: (m[1], m[3]) for m in METRICS}
    if series in kinds:
        kind, what = kinds[series]
        return ("stock" if kind == "stock" else "flow", (series,), what)
    for name, num, den, what in RATIOS:
        if name == series and num in kinds and den in kinds:
            return ("ratio", ((num,), (den,)), what)
    return None


def model_value(res, series: str, period: str) -> float:
    """What one run gives for an observed row; NaN when the run does not cover the period."""
    kind, cols, _ = series_spec(series)
    start, end = period_bounds(period)
    daily = res.daily
    if daily.index.min() > start or daily.index.max() < end:
        return np.nan
    if kind == "site":
        sites = res.sites
        if cols[0] not in sites.columns:
            return np.nan
        return float(sites.loc[start:end, cols[0]].mean())
    d = daily.loc[start:end]

    def total(names):
        return float(sum(d[c].sum() for c in names if c in d.columns))

    if kind == "flow":
        return total(cols)
    if kind == "stock":
        return float(d[cols[0]].mean()) if cols[0] in d.columns else np.nan
    if kind == "max_day":
        return float(d[cols[0]].max())
    num, den = cols
    den_v = total(den)
    return total(num) / den_v if den_v > 0 else np.nan


def compare(results, observed_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Observed vs modelled, one row per observed figure the model produces (the Channel's
    observed figures unless ``observed_table`` gives a scenario's own)."""
    if not isinstance(results, (list, tuple)):
        results = [results]
    obs = observed() if observed_table is None else observed_table
    rows = []
    for _, o in obs.iterrows():
        spec = series_spec(str(o.series))
        if spec is None:
            continue
        period = str(o.period)
        vals = np.array([model_value(r, o.series, period) for r in results], dtype=float)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            continue
        low = o.low if pd.notna(o.low) else o.value
        high = o.high if pd.notna(o.high) else o.value
        rows.append({
            "series": o.series, "period": period, "what": spec[2], "observed": o.value,
            "observed_low": low, "observed_high": high, "source": o.source,
            "model_mean": vals.mean(), "model_min": vals.min(), "model_max": vals.max(),
            "ratio": vals.mean() / o.value if o.value else np.nan,
        })
    return pd.DataFrame(rows)


def _log_ratio(table: pd.DataFrame) -> pd.Series:
    r = table["ratio"].where(table["ratio"] > 0)
    # a model value of 0 against a positive observation counts as a factor of 100 (not infinite)
    return np.abs(np.log(r)).fillna(np.log(100.0)).where(table["observed"] > 0)


def score(table: pd.DataFrame) -> float:
    """Mean absolute log ratio of model to observed over every row (0 is a perfect fit)."""
    return float(_log_ratio(table).dropna().mean())


def row_distance(table: pd.DataFrame) -> pd.Series:
    """Log distance of the model mean from the observed [low, high] spread (0 inside it)."""
    m = table["model_mean"].clip(lower=1e-9)
    low = table["observed_low"].clip(lower=1e-9)
    high = table["observed_high"].clip(lower=1e-9)
    d = np.maximum(0.0, np.maximum(np.log(m / high), np.log(low / m)))
    return np.minimum(d, np.log(100.0))  # a model value of 0 counts as a factor of 100, as in score


def distance(table: pd.DataFrame) -> float:
    """Weighted mean of :func:`row_distance`, each series weighing the same (1 / rows per series)."""
    d = row_distance(table)
    w = 1.0 / table.groupby("series")["series"].transform("size")
    return float((d * w).sum() / w.sum())


def by_series(table: pd.DataFrame) -> pd.DataFrame:
    """Per series: rows, mean |log ratio|, mean distance outside the observed spread, and its weight."""
    t = table.assign(abs_log=_log_ratio(table), outside=row_distance(table))
    out = t.groupby("series", sort=False).agg(rows=("period", "size"), mean_abs_log=("abs_log", "mean"),
                                               mean_outside_spread=("outside", "mean"))
    out["weight"] = 1.0 / len(out)
    return out


def series_distances(table: pd.DataFrame) -> pd.Series:
    """Mean :func:`row_distance` per series (the calibration's summary vector; 0 = every row of
    the series inside its sources' spread). :func:`distance` is their unweighted mean."""
    return row_distance(table).groupby(table["series"], sort=False).mean()


def series_log_ratios(table: pd.DataFrame) -> pd.Series:
    """Mean |log(model / observed)| per series: the validation's median score, one series at a time
    (the summary of ``crossings calibrate --distance point``; 0 = every row on its observed value).
    A row whose observed value is not positive has no log ratio and counts with its
    :func:`row_distance` instead."""
    d = _log_ratio(table).fillna(row_distance(table))
    return d.groupby(table["series"], sort=False).mean()


def period_end(period: str) -> pd.Timestamp:
    return period_bounds(period)[1]


def rows_until(obs: pd.DataFrame, cutoff_year: int | None) -> pd.DataFrame:
    """Observed rows whose period ends on or before 31 December of ``cutoff_year`` (all when None)."""
    if cutoff_year is None:
        return obs
    last = pd.Timestamp(int(cutoff_year), 12, 31)
    keep = [period_end(str(p)) <= last for p in obs["period"]]
    return obs[keep].reset_index(drop=True)


def rows_after(obs: pd.DataFrame, cutoff_year: int) -> pd.DataFrame:
    """Observed rows that start after 31 December of ``cutoff_year`` (the backtest's held-out rows)."""
    first = pd.Timestamp(int(cutoff_year) + 1, 1, 1)
    keep = [period_bounds(str(p))[0] >= first for p in obs["period"]]
    return obs[keep].reset_index(drop=True)


def load_observed(scenario: str | Path) -> tuple[pd.DataFrame, Path]:
    """The observed table a scenario is checked against (its folder's observed.csv, or its
    parent's), with one-line errors for a missing or malformed file."""
    from crossings.data import OBSERVED_COLUMNS, observed
    from crossings.errors import ScenarioError
    from crossings.scenario.loader import observed_file, resolve

    obs_path = observed_file(scenario)
    if obs_path is None:
        raise ScenarioError(resolve(scenario), "observed.csv", "a file observed.csv next to the scenario (or its parent's), "
                            "with columns " + ",".join(OBSERVED_COLUMNS))
    try:
        obs = observed(obs_path)
    except Exception as e:  # noqa: BLE001 - any unreadable CSV is a user error
        raise ScenarioError(obs_path, "(file)", f"a CSV file ({e.__class__.__name__})") from None
    missing = [c for c in ("series", "period", "value", "low", "high", "source") if c not in obs.columns]
    if missing:
        raise ScenarioError(obs_path, missing[0], "a column of observed.csv (" + ",".join(OBSERVED_COLUMNS) + ")")
    for k, p in enumerate(obs["period"]):  # before any run: a bad period would otherwise fail after them
        try:
            period_bounds(str(p))
        except ValueError as e:
            raise ScenarioError(obs_path, f"row {k + 2}: period", "a year (2022), month (2022-08), quarter (2020-Q1), "
                                f"half (2021-H1), day (2022-08-22) or a range a/b of these ({e})") from None
    return obs, obs_path


def modelled_rows(obs: pd.DataFrame, start, end) -> pd.DataFrame:
    """Observed rows the model produces and whose period lies within [start, end]."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    keep = []
    for s, p in zip(obs["series"], obs["period"], strict=True):
        if series_spec(str(s)) is None:
            keep.append(False)
            continue
        a, b = period_bounds(str(p))
        keep.append(lo <= a and b <= hi)
    return obs[keep].reset_index(drop=True)


def value_matrix(runs, obs: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The observed rows the model produces, and their model values over ``runs``: one row of the
    matrix per observed row, one column per run (NaN where a run has no value)."""
    keep = [series_spec(str(s)) is not None for s in obs["series"]]
    rows = obs[keep].reset_index(drop=True)
    values = np.array([[model_value(r, o.series, str(o.period)) for r in runs] for o in rows.itertuples()],
                      dtype=float).reshape(len(rows), len(runs))
    return rows, values


def predictive_table(runs, obs: pd.DataFrame) -> pd.DataFrame:
    """Each observed row against the spread of its model values over ``runs`` (posterior draws):
    median, 50% and 90% bands (5th-95th percentiles), and whether the observed value lies inside."""
    return table_from_values(*value_matrix(runs, obs))


def table_from_values(obs: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
    """:func:`predictive_table` from the rows and value matrix of :func:`value_matrix` (or any
    choice of its columns: the bootstrap over draws resamples them)."""
    rows = []
    for o, row in zip(obs.itertuples(), values, strict=True):
        vals = row[np.isfinite(row)]
        if vals.size == 0:
            continue
        p5, p25, med, p75, p95 = np.quantile(vals, (0.05, 0.25, 0.5, 0.75, 0.95))
        low = o.low if pd.notna(o.low) else o.value
        high = o.high if pd.notna(o.high) else o.value
        rows.append({"series": o.series, "period": str(o.period), "observed": o.value, "observed_low": low,
                     "observed_high": high, "median": med, "p5": p5, "p25": p25, "p75": p75, "p95": p95,
                     "inside_90": bool(p5 <= o.value <= p95), "inside_50": bool(p25 <= o.value <= p75),
                     "runs": int(vals.size)})
    table = pd.DataFrame(rows)
    if not table.empty:  # the median's |log(model / observed)| by the rule of score (a 0 counts as a factor of 100)
        ratio = pd.DataFrame({"ratio": table["median"] / table["observed"], "observed": table["observed"]})
        table.insert(table.columns.get_loc("runs"), "abs_log_ratio", _log_ratio(ratio))
    return table


def is_annual(period) -> bool:
    return re.fullmatch(r"\d{4}", str(period).strip()) is not None
