"""Replicates reduced to a median and 50% and 90% bands.

Every table of a run (daily, monthly, yearly, sites) has the same rows and columns in
every replicate, so a reduction stacks the replicates and takes quantiles across them,
cell by cell. Ratios (price paid, people per boat, days to cross) are computed within each
run before reducing, so a band of a ratio is a band of per-run ratios.

Quantiles are NumPy's default (linear interpolation between order statistics): with 20
replicates the 90% band runs from the 5th to the 95th percentile of the 20 values.
Cells that are undefined in some runs (a ratio with a zero denominator) are reduced over
the runs where they are defined.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd

STATS = ("p5", "p25", "median", "p75", "p95")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
BAND_STATS = {50: ("p25", "p75"), 90: ("p5", "p95")}


def reduce(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Median and 50%/90% bands across replicates of one table.

    Returns a frame with the same index and columns ``(metric, stat)`` for stat in
    ``p5, p25, median, p75, p95``. All frames must share index and columns."""
    if not frames:
        raise ValueError("no replicates to reduce")
    first = frames[0]
    for f in frames[1:]:
        if not (f.index.equals(first.index) and f.columns.equals(first.columns)):
            raise ValueError("replicates do not share rows and columns")
    cube = np.stack([f.to_numpy(dtype=float) for f in frames])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells stay NaN
        q = np.nanquantile(cube, QUANTILES, axis=0)
    # q: (stat, row, metric) -> columns (metric, stat)
    data = np.transpose(q, (1, 2, 0)).reshape(len(first.index), len(first.columns) * len(STATS))
    cols = pd.MultiIndex.from_product([list(first.columns), list(STATS)], names=["metric", "stat"])
    return pd.DataFrame(data, index=first.index.copy(), columns=cols)


def band(reduced: pd.DataFrame, metric: str, width: int = 90) -> pd.DataFrame:
    """``median``, ``low`` and ``high`` of one metric for a band width of 50 or 90 (%)."""
    lo, hi = BAND_STATS[width]
    sub = reduced[metric]
    return pd.DataFrame({"median": sub["median"], "low": sub[lo], "high": sub[hi]})


def tidy(reduced: pd.DataFrame) -> pd.DataFrame:
    """A reduced frame in long form: one row per (index, metric), one column per stat."""
    out = reduced.stack(level="metric", future_stack=True)
    out.columns.name = None
    return out[list(STATS)]
