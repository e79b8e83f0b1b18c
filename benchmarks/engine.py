"""Engine speed: agent-days per second on synthetic worlds, and the full Channel run.

    python benchmarks/engine.py                 # 10^5 and 10^6 people x 365 days, and the Channel
    python benchmarks/engine.py --sizes 100000  # one size only
    python benchmarks/engine.py --no-market     # the corridor processes alone
    python benchmarks/engine.py --no-cold       # without the first run on an empty Numba cache
    CROSSINGS_PRECOMPILE=0 python benchmarks/engine.py --sizes --no-channel   # the first run alone, no helper
    CROSSINGS_PRECOMPILE=1 python benchmarks/engine.py --cold-only --repeat 3 # the first run alone, 3 times, helper on

Agent-days are counted as the people alive in the corridor (in camps, travelling, in
shelters) summed over simulated days, so finished people do not inflate the figure.
Each figure is the best of ``--repeat`` runs after a JIT warm-up. The baseline,
run in the same process on the same arrays, is one NumPy pass per day that reads
every person's state and decision day and counts people due to decide: the least
any day loop must do. The ratio says how many such passes one engine day costs.

The cold start is a first Channel run (import included) in a fresh Python process whose Numba
cache (``NUMBA_CACHE_DIR``) is an empty folder, as on a fresh install: it compiles every kernel.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

import crossings
from crossings.scenario.schema import Scenario


def synthetic(n_people: int, days: int = 365, market: bool = True) -> Scenario:
    """A border with four camps holding ``n_people`` at the start, two ports, two coasts,
    two shelters; modest inflow; enforcement high enough that most people stay all year."""
    start = dt.date(2021, 1, 1)
    end = start + dt.timedelta(days=days - 1)
    camps = [
        {"name": f"camp{i}", "kind": "camp", "lat": 50.9 + 0.05 * i, "lon": 1.8 + 0.1 * i,
         "capacity": n_people / 4, "initial_population": n_people / 4}
        for i in range(4)
    ]
    other = [
        {"name": "port1", "kind": "port", "lat": 50.96, "lon": 1.86},
        {"name": "port2", "kind": "port", "lat": 51.05, "lon": 2.35},
        {"name": "coast1", "kind": "coast", "lat": 50.87, "lon": 1.63},
        {"name": "coast2", "kind": "coast", "lat": 51.01, "lon": 2.15},
        {"name": "shelter1", "kind": "shelter", "lat": 48.86, "lon": 2.35, "capacity": n_people / 20},
        {"name": "shelter2", "kind": "shelter", "lat": 45.76, "lon": 4.84, "capacity": n_people / 20},
        {"name": "dest", "kind": "destination", "lat": 51.13, "lon": 1.31},
        {"name": "away", "kind": "elsewhere", "lat": 48.5, "lon": 7.7},
    ]
    routes = [{"a": f"camp{i}", "b": f"camp{(i + 1) % 4}", "days": 1} for i in range(4)]
    routes += [{"a": "camp0", "b": "port1", "days": 0}, {"a": "camp2", "b": "port2", "days": 0},
               {"a": "shelter1", "b": "camp0", "days": 1}, {"a": "shelter2", "b": "shelter1", "days": 1},
               {"a": "away", "b": "camp0", "days": 2},
               {"a": "camp1", "b": "coast1", "days": 0}, {"a": "camp3", "b": "coast2", "days": 0}]
    nats = [{"name": f"n{k}", "share": [[start, 1.0 / 6]], "camp_network": {f"camp{k % 4}": 0.5}} for k in range(6)]
    d = {
        "name": f"synthetic-{n_people}", "start": start, "end": end, "seed": 1,
        "sites": camps + other, "routes": routes, "nationalities": nats,
        "inflow": {"knots": [[start, n_people / 2000]]},
        "enforcement": {"spending": [
            {"channel": c, "start": start, "end": end, "eur_million": v}
            for c, v in (("port", 400.0), ("beach", 600.0), ("intelligence", 50.0))]},
        "people": {"asc_leave": -8.0},
        "policies": [
            {"type": "routine_evictions", "sites": ["camp0", "camp1"], "start": start, "interval_days": 7},
            {"type": "camp_clearance", "site": "camp3", "date": start + dt.timedelta(days=180), "buses": 50,
             "seats_per_bus": 50, "acceptance": 0.4},
        ],
        "market": {"enabled": market},
    }
    return Scenario.model_validate(d)


def agent_days(res) -> float:
    d = res.daily
    return float((d.in_camps + d.travelling + d.in_shelters + d.returned_waiting).sum())


def baseline(sim_people, days: int) -> float:
    """One vectorised pass per day over state and decision day (seconds)."""
    st = sim_people.state[: sim_people.n]
    nd = sim_people.next_day[: sim_people.n]
    t0 = time.perf_counter()
    total = 0
    for day in range(days):
        total += int(np.count_nonzero((st == 2) & (nd <= day)))
    return time.perf_counter() - t0


COLD = """
import time
t0 = time.perf_counter()
c0 = time.process_time()
import crossings
crossings.Sim("channel", seed=1{market}).run()
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def cold_start(market: bool = True) -> tuple[float, float]:
    """Seconds (wall, and CPU of that process) for a first Channel run (import included) in a new
    process with an empty Numba cache. On an idle second core a helper process compiles beside it
    (crossings.engine.precompile; CROSSINGS_PRECOMPILE=0 never, =1 always): its CPU is not counted."""
    # a helper still finishing its kernel when the run ends may write into the folder as it goes
    with tempfile.TemporaryDirectory(prefix="numba-cache-", ignore_cleanup_errors=True) as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        code = COLD.format(market="" if market else ", market=False")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def best_of(fn, repeat: int):
    best = None
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-market", action="store_true")
    ap.add_argument("--no-channel", action="store_true")
    ap.add_argument("--no-cold", action="store_true", help="skip the first run on an empty Numba cache")
    ap.add_argument("--cold-only", action="store_true",
                    help="only the first run on an empty Numba cache, --repeat times (each in a new empty cache)")
    a = ap.parse_args()
    market = not a.no_market
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, numpy {np.__version__}; market {'on' if market else 'off'}")
    if not a.no_cold:
        print("cold start: compiling every kernel into an empty Numba cache (a first run after installing) ...",
              flush=True)
        for _ in range(a.repeat if a.cold_only else 1):
            load = os.getloadavg()[0]
            wall, cpu = cold_start(market)
            print(f"cold start (import + first Channel run, empty NUMBA_CACHE_DIR): {wall:.1f} s "
                  f"(CPU of that process {cpu:.1f} s; load average {load:.1f} before, "
                  f"{os.getloadavg()[0]:.1f} after)", flush=True)
    if a.cold_only:
        return
    crossings.Sim(synthetic(2000, 30, market)).run()  # JIT warm-up (compiled kernels are cached on disk)
    for n in a.sizes:
        sc = synthetic(n, a.days, market)
        build = time.perf_counter()
        crossings.Sim(sc)
        build = time.perf_counter() - build

        def once(sc=sc):
            s = crossings.Sim(sc)
            t0 = time.perf_counter()
            r = s.run()
            return time.perf_counter() - t0, r, s

        runs = [once() for _ in range(a.repeat)]
        t_run, res, sim = min(runs, key=lambda x: x[0])
        ad = agent_days(res)
        t_base = baseline(sim.people, a.days)
        print(f"{n:>9,} people x {a.days} days: {ad:,.0f} agent-days in {t_run:.2f} s "
              f"(+{build:.2f} s set-up) = {ad / t_run:,.0f} agent-days/s; "
              f"baseline pass {ad / t_base:,.0f} agent-days/s; engine day = {t_run / t_base:.1f} baseline passes; "
              f"{sim.people.bytes_per_person()} bytes/person")
    if not a.no_channel:
        crossings.Sim("channel", market=market).run()  # warm-up
        t, res = best_of(lambda: crossings.Sim("channel", market=market).run(), a.repeat)
        ad = agent_days(res)
        print(f"channel 2014-2025 (1 agent per person): {t:.2f} s wall including set-up "
              f"({ad:,.0f} agent-days, {ad / t:,.0f} agent-days/s, "
              f"{int(res.daily.arrivals_corridor.sum()):,} arrivals)")
        s = crossings.Sim("channel", market=market)
        s.run(profile=True)
        prof = s.loop.profile_table().sort_values("seconds", ascending=False)
        print("channel time per stage: " + ", ".join(f"{r.stage} {r.seconds:.2f}s" for r in prof.itertuples()))


if __name__ == "__main__":
    main()
