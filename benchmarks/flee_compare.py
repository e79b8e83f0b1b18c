"""Flee 3.1 and crossings side by side on one Flee scenario, in one process.

Usage (needs the bench extra, ``pip install flee==3.1``)::

    python benchmarks/flee_compare.py mali2012 --seeds 10

Both models read the same input: Flee reads the scenario's Flee folder shipped in
``crossings/scenario/builtin/<name>/`` (``input/``, ``validation/``, ``simsetting.yml``),
crossings reads ``scenario.toml`` next to it, which the script first checks is exactly
what the importer makes of that folder. Both run every seed with the same number of
agents (checked: same agents per day, hence the same agent-days). For each model the
script prints wall time (set-up + run, per seed), agent-days per second and the ARD
against the UNHCR camp series; then the ratio of mean wall times. Wall time covers
reading the scenario, setting up and running, for both. crossings' Numba
kernels are compiled (or loaded from the on-disk cache) by a warm-up run that is timed
and reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from crossings.flee import ard as ard_mod  # noqa: E402
from crossings.flee.importer import import_flee, write_scenario  # noqa: E402
from crossings.flee.schema import load_flee_scenario  # noqa: E402
from crossings.flee.sim import FleeSim  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numba

    mem = ""
    try:
        mem = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return (f"{cpu}, {os.cpu_count()} logical cores{mem}; Python {platform.python_version()}, "
            f"numpy {np.__version__}, numba {numba.__version__}")


def summary(values: list[float]) -> str:
    a = np.array(values, float)
    return f"mean {a.mean():.4f}  min {a.min():.4f}  max {a.max():.4f}  (n={len(a)})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", nargs="?", default="mali2012",
                    help="built-in Flee scenario (folder under crossings/scenario/builtin)")
    ap.add_argument("--seeds", type=int, default=10, help="seeds for Flee (0..N-1)")
    ap.add_argument("--crossings-seeds", type=int, default=None,
                    help="seeds for crossings (default: same as --seeds)")
    ap.add_argument("--days", type=int, default=None, help="simulate fewer days (quick check)")
    ap.add_argument("--json", type=Path, default=None, help="also write all figures here")
    ap.add_argument("--settings", type=Path, default=None,
                    help="run both models with this simsetting.yml instead of the scenario's "
                    "(crossings imports the folder with it)")
    args = ap.parse_args(argv)

    folder = ROOT / "crossings" / "scenario" / "builtin" / args.scenario
    inp, val, yml = folder / "input", folder / "validation", folder / "simsetting.yml"
    scenario_file = folder / "scenario.toml"
    sc = load_flee_scenario(scenario_file)
    if args.settings is not None:
        # both models read the given settings; crossings' scenario is the import with them
        yml = args.settings.resolve()
        sc = import_flee(inp, val, settings=yml, name=sc.name, description=sc.description,
                         source=sc.source)
        scenario_file = Path(tempfile.mkdtemp()) / "scenario.toml"
        write_scenario(sc, scenario_file)
        for note in sc.import_notes:
            print(f"import note: {note}")
    else:
        same = import_flee(inp, val, settings=yml, name=sc.name, description=sc.description,
                           source=sc.source)
        if same != sc:
            print(f"error: {scenario_file} differs from the import of {inp}; re-import",
                  file=sys.stderr)
            return 2
    if args.days is not None:
        sc = sc.model_copy(update={"days": args.days})
    days = sc.days
    names, obs = ard_mod.observed_camps(sc.validation, sc.start_date, days)

    try:
        from importlib.metadata import version

        import flee  # noqa: F401

        flee_version = version("flee")
    except ImportError:
        print("error: Flee is not installed; pip install flee==3.1 (the bench extra)",
              file=sys.stderr)
        return 2
    from flee_driver import run_flee

    print(f"scenario: {sc.name}, {days} days from {sc.start_date}; Flee {flee_version}; "
          f"settings: {yml}")
    print(f"machine: {machine()}")
    print(f"command: python benchmarks/flee_compare.py {' '.join(argv or sys.argv[1:])}")

    t0 = time.perf_counter()
    FleeSim(sc, seed=0, agents_scale=0.01).run()
    warmup = time.perf_counter() - t0
    print(f"crossings warm-up (Numba compile or cache load + a 1% run): {warmup:.2f} s")

    n_cx = args.crossings_seeds if args.crossings_seeds is not None else args.seeds
    cx: list[dict] = []
    fl: list[dict] = []
    # Interleave the two models seed by seed, so both see the same background load.
    for seed in range(max(n_cx, args.seeds)):
        if seed < n_cx:
            t0 = time.perf_counter()  # like Flee's timing: read the scenario, set up, run
            loaded = load_flee_scenario(scenario_file)
            if args.days is not None:
                loaded = loaded.model_copy(update={"days": args.days})
            res = FleeSim(loaded, seed=seed).run()
            wall = time.perf_counter() - t0
            cx.append({"seed": seed, "wall_s": wall, "agent_days": res.agent_days,
                       "final_agents": int(res.agents[-1]), "ard": res.ard()})
            print(f"  crossings seed {seed}: {wall:7.3f} s  ARD {cx[-1]['ard']:.4f}  "
                  f"{res.agent_days:,} agent-days  {res.agents[-1]:,} agents at the end",
                  flush=True)
        if seed < args.seeds:
            run = run_flee(inp, val, yml, seed, days=days)
            idx = [run.camp_names.index(n) for n in names]
            value = ard_mod.ard(run.camp_counts[:, idx], obs)
            fl.append({"seed": seed, "wall_s": run.wall_s, "agent_days": run.agent_days,
                       "final_agents": run.final_agents, "ard": value})
            print(f"  Flee      seed {seed}: {run.wall_s:7.3f} s  ARD {value:.4f}  "
                  f"{run.agent_days:,} agent-days  {run.final_agents:,} agents at the end",
                  flush=True)

    equal = all(f["agent_days"] == cx[0]["agent_days"] for f in fl) and all(
        c["agent_days"] == cx[0]["agent_days"] for c in cx)
    cx_wall = float(np.mean([c["wall_s"] for c in cx]))
    fl_wall = float(np.mean([f["wall_s"] for f in fl]))
    cx_rate = cx[0]["agent_days"] / cx_wall
    fl_rate = fl[0]["agent_days"] / fl_wall
    fl_ards = [f["ard"] for f in fl]
    cx_ards = [c["ard"] for c in cx]
    lo, hi = min(fl_ards), max(fl_ards)
    inside = all(lo <= a <= hi for a in cx_ards)
    mean_inside = lo <= float(np.mean(cx_ards)) <= hi

    print()
    print(f"{'':12s}{'wall s (mean)':>15s}{'agent-days/s':>16s}   ARD over seeds")
    print(f"{'Flee 3.1':12s}{fl_wall:15.3f}{fl_rate:16,.0f}   {summary(fl_ards)}")
    print(f"{'crossings':12s}{cx_wall:15.3f}{cx_rate:16,.0f}   {summary(cx_ards)}")
    cx_med = float(np.median([c["wall_s"] for c in cx]))
    fl_med = float(np.median([f["wall_s"] for f in fl]))
    print(f"ratio (Flee wall / crossings wall): {fl_wall / cx_wall:.1f}x on means, "
          f"{fl_med / cx_med:.1f}x on medians ({fl_med:.3f} s / {cx_med:.3f} s)")
    print(f"same agents in both: {equal} ({cx[0]['agent_days']:,} agent-days, "
          f"{cx[0]['final_agents']:,} agents at the end)")
    print(f"crossings ARD within Flee's spread [{lo:.4f}, {hi:.4f}]: mean {mean_inside}, "
          f"every seed {inside}")
    if args.json:
        args.json.write_text(json.dumps({
            "scenario": sc.name, "days": days, "machine": machine(), "flee_version": flee_version,
            "crossings_warmup_s": warmup, "crossings": cx, "flee": fl,
            "ratio": fl_wall / cx_wall, "ratio_medians": fl_med / cx_med, "crossings_agent_days_per_s": cx_rate,
            "flee_agent_days_per_s": fl_rate, "same_agents": equal,
        }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
