"""How coarse a scale the calibration can use: every target series at each scale against scale 1.

    python benchmarks/calibration_scale.py [SCENARIO] --scales 1,2,5,10 --seeds 4 [--until 2022]

Runs the scenario at each scale (people per agent) with the same seeds, one run at a time in
this process (so the seconds per run are one core's), and reports per target series of the
scenario's observed.csv (the rows the calibration fits):

* ``within``: the share of the series' rows where the mean over seeds at that scale lies
  within the seed spread at scale 1 (mean +- 2 standard deviations across seeds);
* ``|log|``: the mean |log(mean at that scale / mean at scale 1)| over the rows;
* a series is faithful at a scale when at least 80% of its rows are within (assumption).

Then simulations per second on one core, and what two cores give (x2, the calibration's
parallel samplers use one process per core). Not a test: it measures. Figures go in
docs/calibration.md ("Scale").
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from crossings import Sim, load_scenario
from crossings.calibrate.targets import load_observed, model_value, modelled_rows

FAITHFUL_SHARE = 0.8  # assumption: see the docstring


def values(sc, obs: pd.DataFrame, seeds: list[int]) -> tuple[np.ndarray, float]:
    """Model values (rows x seeds) and seconds per run."""
    out = np.full((len(obs), len(seeds)), np.nan)
    t = time.perf_counter()
    for j, s in enumerate(seeds):
        res = Sim(sc, seed=s).run()
        for i, (series, period) in enumerate(zip(obs["series"], obs["period"], strict=True)):
            out[i, j] = model_value(res, series, str(period))
    return out, (time.perf_counter() - t) / len(seeds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", nargs="?", default="channel")
    ap.add_argument("--scales", default="1,2,5,10")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--until", type=int, default=None, help="simulate only to the end of this year")
    ap.add_argument("--out", default=None, help="also write the per-series table (CSV)")
    a = ap.parse_args()
    scales = [float(x) for x in a.scales.split(",")]
    seeds = list(range(1, a.seeds + 1))
    base = load_scenario(a.scenario)
    if a.until:
        import datetime as dt

        base = base.model_copy(update={"end": min(base.end, dt.date(a.until, 12, 31))})
    obs, _ = load_observed(a.scenario)
    obs = modelled_rows(obs, base.start, base.end)
    Sim(base.model_copy(update={"end": base.start.replace(month=2)}), seed=1).run()  # compile outside the timing
    vals, secs = {}, {}
    for scale in scales:
        sc = base.model_copy(update={"scale": scale})
        vals[scale], secs[scale] = values(sc, obs, seeds)
        print(f"scale {scale:g}: {secs[scale]:.2f} s per run ({1 / secs[scale]:.2f} simulations/s on one core, "
              f"~{2 / secs[scale]:.2f} on two)", flush=True)
    ref = vals[scales[0]]
    mean0, sd0 = np.nanmean(ref, axis=1), np.nanstd(ref, axis=1, ddof=1)
    rows = []
    for series in dict.fromkeys(obs["series"]):
        sel = (obs["series"] == series).to_numpy()
        row = {"series": series, "rows": int(sel.sum())}
        for scale in scales[1:]:
            m = np.nanmean(vals[scale][sel], axis=1)
            lo, hi = mean0[sel] - 2 * sd0[sel], mean0[sel] + 2 * sd0[sel]
            inside = (m >= lo - 1e-9) & (m <= hi + 1e-9)
            with np.errstate(divide="ignore", invalid="ignore"):
                lr = np.abs(np.log(np.where(m > 0, m, np.nan) / np.where(mean0[sel] > 0, mean0[sel], np.nan)))
            row[f"within@{scale:g}"] = float(inside.mean())
            row[f"|log|@{scale:g}"] = float(np.nanmean(lr)) if np.isfinite(lr).any() else np.nan
        rows.append(row)
    table = pd.DataFrame(rows).set_index("series")
    pd.set_option("display.width", 200)
    print()
    print(f"{a.scenario}, seeds {seeds[0]}-{seeds[-1]}: share of each series' rows whose mean lies within the seed spread "
          f"at scale {scales[0]:g} (mean +- 2 sd), and mean |log ratio| to scale {scales[0]:g}")
    print(table.round(2).to_string())
    print()
    for scale in scales[1:]:
        ok = table[f"within@{scale:g}"] >= FAITHFUL_SHARE
        print(f"scale {scale:g}: {int(ok.sum())} of {len(ok)} series faithful (>= {FAITHFUL_SHARE:.0%} of rows within); "
              f"not: {', '.join(table.index[~ok]) or 'none'}")
    if a.out:
        table.to_csv(a.out)


if __name__ == "__main__":
    main()
