"""Calibration and validation: the model against the observed Channel series.

``compare(results)`` lines up one or more runs (e.g. several seeds) with every
observed figure in ``crossings/data/channel_observed.csv`` that the model produces,
year by year (and month by month for camp populations): the observed value and
its low-high spread between sources, the model's mean and its range over runs.
``crossings check channel --seeds 5`` prints it. This is the starting point for
the likelihood-free calibration of MODEL §8, which is not implemented yet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crossings.data import observed

# observed series -> function of a yearly (or monthly) results table and the daily site table
SERIES = {
    "small_boat_arrivals": ("crossings_boat", "people reaching the UK by small boat"),
    "small_boats": ("boats_arrived", "boats reaching the UK"),
    "people_per_boat": ("people_per_boat", "people per arrived boat"),
    "lorry_detections_france": ("intercepted_port", "lorry attempts stopped at the ports and tunnel"),
    "lorry_arrivals_uk": (("crossings_lorry_alone", "crossings_lorry_paid"), "people reaching the UK by lorry"),
    "deaths_small_boats": ("deaths_boat", "deaths on small boats"),
    "price_boat_eur": ("mean_price_boat_paid_eur", "mean price paid for a boat place (EUR)"),
    "price_lorry_eur": ("mean_price_lorry_paid_eur", "mean price paid for a lorry place (EUR)"),
    "prevented_share_attempts": ("prevented_share", "share of boat attempts stopped"),
}
CAMPS = {"camp_population_calais": "Calais camps", "camp_population_dunkirk": "Grande-Synthe camps"}


def _value(table: pd.DataFrame, col) -> pd.Series:
    if col == "prevented_share":
        stopped = table["intercepted_beach"] + table["intercepted_sea"]
        return stopped / (stopped + table["crossings_boat"]).replace(0, np.nan)
    if isinstance(col, tuple):
        return sum(table[c] for c in col)
    return table[col]


def compare(results) -> pd.DataFrame:
    """Observed vs modelled, one row per observed figure the model produces."""
    if not isinstance(results, (list, tuple)):
        results = [results]
    obs = observed()
    rows = []
    yearly = [r.yearly for r in results]
    monthly_sites = [r.sites.resample("MS").mean() for r in results]
    for _, o in obs.iterrows():
        period = str(o.period)
        model = []
        if o.series in SERIES and period.isdigit():
            col, what = SERIES[o.series]
            for y in yearly:
                s = _value(y, col)
                hit = s[s.index.year == int(period)]
                if len(hit):
                    model.append(float(hit.iloc[0]))
        elif o.series in CAMPS and len(period) == 7 and period[4] == "-":
            what = f"people in {CAMPS[o.series]}"
            for m in monthly_sites:
                if CAMPS[o.series] in m.columns:
                    hit = m.loc[m.index == pd.Timestamp(period + "-01"), CAMPS[o.series]]
                    if len(hit):
                        model.append(float(hit.iloc[0]))
        else:
            continue
        vals = np.array([v for v in model if np.isfinite(v)])
        if vals.size == 0:
            continue
        rows.append({
            "series": o.series, "period": period, "what": what, "observed": o.value,
            "observed_low": o.low, "observed_high": o.high, "source": o.source,
            "model_mean": vals.mean(), "model_min": vals.min(), "model_max": vals.max(),
            "ratio": vals.mean() / o.value if o.value else np.nan,
        })
    return pd.DataFrame(rows)


def score(table: pd.DataFrame) -> float:
    """Mean absolute log ratio of model to observed (0 is a perfect fit; 0.69 is a factor 2)."""
    r = table["ratio"].replace(0, np.nan).dropna()
    return float(np.abs(np.log(r)).mean())
