"""What one calibration run costs: runs stopped at the last observed row against runs to the scenario's end.

    python benchmarks/calibration_runs.py [SCENARIO] --seeds 6

A calibration (and a screening) scores each run on the scenario's observed rows only, and a run is
causal, so ``Target.build`` stops its runs at the end of the last observed row's period (the
Channel's last row is December 2024; its scenario runs to the end of 2025). This script runs the
same seeds both ways, one run at a time in this process (one core, after a warm-up run each way
so that compilation is not timed), checks that every series' distance is the same, and prints the
seconds per run and the ratio (the baseline, to the scenario's end, is measured in the same
process). Not a test: it measures. Figures go in docs/calibration.md ("Scale and speed").
"""

from __future__ import annotations

import argparse
import time

from crossings import load_scenario
from crossings.calibrate.model import Target
from crossings.calibrate.priors import Priors
from crossings.calibrate.targets import load_observed


def seconds_per_run(target: Target, seeds: list[int]) -> tuple[float, list[dict]]:
    target.run({}, seeds[0] + 10_000)  # warm-up (compiled kernels, caches)
    t = time.perf_counter()
    out = [target.run({}, s) for s in seeds]
    return (time.perf_counter() - t) / len(seeds), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="channel")
    ap.add_argument("--seeds", type=int, default=6)
    a = ap.parse_args()
    sc = load_scenario(a.scenario)
    obs, _ = load_observed(a.scenario)
    cut = Target.build(sc, Priors([]), obs)
    full = Target(sc, Priors([]), cut.observed, cut.series)
    seeds = list(range(1, a.seeds + 1))
    t_full, d_full = seconds_per_run(full, seeds)
    t_cut, d_cut = seconds_per_run(cut, seeds)
    same = d_full == d_cut
    print(f"{a.scenario}: {len(cut.observed)} observed rows, the last ending {cut.scenario.end}; scenario to {sc.end}")
    print(f"to the scenario's end (baseline): {t_full:.2f} s a run; to the last observed row: {t_cut:.2f} s a run "
          f"({t_cut / t_full:.2f} x the baseline; {a.seeds} seeds, one core)")
    print(f"every series' distance the same both ways: {same}")
    if not same:
        raise SystemExit("the distances differ: a run is not causal, or a row reaches past its period")


if __name__ == "__main__":
    main()
