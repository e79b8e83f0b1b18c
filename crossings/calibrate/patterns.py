"""Patterns: ratios between observed figures that the model must reproduce.

A scenario folder may carry ``patterns.csv`` beside its ``observed.csv`` (or inherit its parent's,
as ``observed.csv`` is). Each row names a ratio of two observed rows, ``series@period`` over
``series@period``, and the factor within which the model's ratio must fall. The observed ratio is
the ratio of the rows' values; its range runs from ``numerator low / denominator high`` to
``numerator high / denominator low`` where the sources give a spread (the values otherwise). The
model's ratio is the ratio of the two rows' model means over the seeds (ratios of means, as the
rows themselves are compared), and it is *within* when it lies in ``[low / factor, high x
factor]``. These are pattern-oriented checks in the sense of Grimm et al. 2005 (Science 310:987):
several weak patterns at different scales, each of which a structurally wrong model misses.

Columns: ``name, numerator, denominator, factor, why``. ``crossings check`` prints the table and
how many patterns hold; :func:`pattern_table` computes it from a check table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crossings.errors import ScenarioError

PATTERN_COLUMNS = ("name", "numerator", "denominator", "factor", "why")


def pattern_file(scenario: str | Path) -> Path | None:
    """The ``patterns.csv`` beside the scenario or the nearest one up its inheritance chain."""
    from crossings.scenario.loader import folder_file

    return folder_file(scenario, "patterns.csv")


def _ref(path: Path, k: int, field: str, text) -> tuple[str, str]:
    if not isinstance(text, str) or text.count("@") != 1 or not all(p.strip() for p in text.split("@")):
        raise ScenarioError(path, f"row {k + 2}: {field}", f"series@period naming a row of observed.csv (got {text!r})")
    s, p = text.split("@")
    return s.strip(), p.strip()


def load_patterns(path: str | Path, observed: pd.DataFrame) -> pd.DataFrame:
    """Read and check a patterns file against the observed table: one-line errors naming the file,
    the row and the field (an unknown row of observed.csv, a factor that is not a number >= 1)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as e:  # noqa: BLE001 - any unreadable CSV is a user error
        raise ScenarioError(path, "(file)", f"a CSV file ({e.__class__.__name__})") from None
    missing = [c for c in PATTERN_COLUMNS if c not in df.columns]
    if missing:
        raise ScenarioError(path, missing[0], "a column of patterns.csv (" + ",".join(PATTERN_COLUMNS) + ")")
    rows = set(zip(observed["series"].astype(str), observed["period"].astype(str), strict=True))
    out = []
    for k, r in df.iterrows():
        if not r["name"].strip():
            raise ScenarioError(path, f"row {k + 2}: name", "a non-empty name")
        refs = []
        for field in ("numerator", "denominator"):
            s, p = _ref(path, k, field, r[field])
            if (s, p) not in rows:
                raise ScenarioError(path, f"row {k + 2}: {field}", f"a row of observed.csv (no row {s} for period {p})")
            refs.append((s, p))
        try:
            factor = float(r["factor"])
        except ValueError:
            factor = float("nan")
        if not np.isfinite(factor) or factor < 1:
            raise ScenarioError(path, f"row {k + 2}: factor", f"a number >= 1 (got {r['factor']!r})")
        out.append({"name": r["name"].strip(), "num_series": refs[0][0], "num_period": refs[0][1],
                    "den_series": refs[1][0], "den_period": refs[1][1], "factor": factor, "why": r["why"]})
    return pd.DataFrame(out, columns=["name", "num_series", "num_period", "den_series", "den_period", "factor", "why"])


def _bounds(row) -> tuple[float, float, float]:
    v = float(row["observed"])
    lo = row.get("observed_low", np.nan)
    hi = row.get("observed_high", np.nan)
    lo = v if lo is None or not np.isfinite(lo) else float(lo)
    hi = v if hi is None or not np.isfinite(hi) else float(hi)
    return v, min(lo, v), max(hi, v)


def pattern_table(table: pd.DataFrame, patterns: pd.DataFrame) -> pd.DataFrame:
    """Each pattern's observed ratio (value and range), the model's ratio of means, how far outside
    the observed range it lies (a factor, 1 = inside) and whether that is within the pattern's
    factor. Patterns whose rows the run does not cover (a period outside the simulated years) are
    left out."""
    t = table.assign(period=table["period"].astype(str)).set_index(["series", "period"])
    out = []
    for _, p in patterns.iterrows():
        a, b = (p.num_series, p.num_period), (p.den_series, p.den_period)
        if a not in t.index or b not in t.index:
            continue
        na, nb = t.loc[a], t.loc[b]
        va, la, ha = _bounds(na)
        vb, lb, hb = _bounds(nb)
        if vb <= 0 or lb <= 0:
            continue
        obs, low, high = va / vb, la / hb, ha / lb
        den = float(nb["model_mean"])
        model = float(na["model_mean"]) / den if den > 0 else np.inf
        if model <= 0:
            off = np.inf
        else:
            off = max(1.0, low / model, model / high)
        out.append({"pattern": p["name"], "observed": obs, "observed_low": low, "observed_high": high, "model": model,
                    "factor_outside": off, "allowed": p.factor, "within": bool(off <= p.factor), "why": p.why})
    return pd.DataFrame(out, columns=["pattern", "observed", "observed_low", "observed_high", "model", "factor_outside",
                                      "allowed", "within", "why"])
