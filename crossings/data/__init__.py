"""Observed data with sources (see ``README.md`` and ``SOURCES.md`` in this folder)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
# The Channel's observed outcomes live in its scenario folder, like any scenario's (observed.csv)
CHANNEL_OBSERVED = HERE.parent / "scenario" / "builtin" / "channel" / "observed.csv"
OBSERVED_COLUMNS = ("series", "period", "value", "low", "high", "unit", "scope", "source", "note")


def observed(path: str | Path | None = None) -> pd.DataFrame:
    """Observed outcomes (series, period, value, low, high, unit, scope, source, note) from a
    scenario folder's ``observed.csv``; the Channel's by default."""
    return pd.read_csv(CHANNEL_OBSERVED if path is None else path)


def nationalities() -> pd.DataFrame:
    return pd.read_csv(HERE / "channel_nationalities.csv")


def policy_inputs() -> pd.DataFrame:
    return pd.read_csv(HERE / "channel_policy_inputs.csv")


def yearly(series: str) -> pd.Series:
    """Observed yearly values of one series, indexed by year (rows whose period is a year)."""
    df = observed()
    df = df[(df.series == series) & df.period.astype(str).str.fullmatch(r"\d{4}")]
    return pd.Series(df.value.values, index=df.period.astype(int).values, name=series)
