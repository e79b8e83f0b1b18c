"""How coarse a scale (people per agent) stays faithful: headline totals against scale 1.

    python benchmarks/scale_faithfulness.py [SCENARIO] --scales 1,2,5,10,20,50,100 --seeds 3

Runs the scenario at each scale for the same seeds and prints, for each headline total over
the whole horizon, the mean over seeds, its difference from scale 1 (in %), and the
seed-to-seed spread at scale 1 (coefficient of variation, %), so a bias can be told from
noise. Figures go in docs/scenarios.md ("Scale"). Not a test: it measures.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from crossings import Sim, load_scenario

TOTALS = ("crossings_total", "crossings_boat", "boats_launched", "deaths", "people_bused", "left_corridor")
MEANS = ("in_camps",)


def measure(scenario: str, scale: float, seeds: list[int]) -> dict[str, np.ndarray]:
    sc = load_scenario(scenario)
    sc = sc.model_copy(update={"scale": float(scale)})
    out: dict[str, list[float]] = {k: [] for k in TOTALS + MEANS}
    for s in seeds:
        d = Sim(sc, seed=s).run().daily
        for k in TOTALS:
            out[k].append(float(d[k].sum()))
        for k in MEANS:
            out[k].append(float(d[k].mean()))
    return {k: np.array(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", nargs="?", default="channel")
    ap.add_argument("--scales", default="1,2,5,10,20,50,100")
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    scales = [float(x) for x in a.scales.split(",")]
    seeds = list(range(1, a.seeds + 1))
    rows = {}
    for scale in scales:
        t = time.perf_counter()
        rows[scale] = measure(a.scenario, scale, seeds)
        print(f"scale {scale:g}: {time.perf_counter() - t:.1f} s for {len(seeds)} seeds", flush=True)
    base = rows[scales[0]]
    keys = TOTALS + MEANS
    print()
    print(f"{a.scenario}, seeds {seeds[0]}-{seeds[-1]}: mean over seeds, and difference from scale {scales[0]:g} (%)")
    print("scale".rjust(6) + "".join(k.rjust(18) for k in keys))
    for scale in scales:
        cells = []
        for k in keys:
            m, b = rows[scale][k].mean(), base[k].mean()
            diff = "" if scale == scales[0] else f" ({100 * (m / b - 1):+.0f}%)" if b else ""
            cells.append(f"{m:,.0f}{diff}".rjust(18))
        print(f"{scale:6g}" + "".join(cells))
    cv = [100 * base[k].std(ddof=1) / base[k].mean() if len(seeds) > 1 and base[k].mean() else float("nan") for k in keys]
    print("seed CV" + "".join(f"{c:.1f}%".rjust(18) for c in cv)[1:])


if __name__ == "__main__":
    main()
