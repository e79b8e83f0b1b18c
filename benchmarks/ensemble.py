"""Ensemble throughput: Channel runs per second on 1 and 2 local worker processes and on a
2-worker Dask LocalCluster; parallel efficiency and the Dask overhead.

    python benchmarks/ensemble.py               # 8 Channel runs per configuration, 2 rounds
    python benchmarks/ensemble.py --runs 16 --rounds 3   # steadier figures
    python benchmarks/ensemble.py --store       # include writing every run to a fresh store

Every configuration runs the same seeds (1..runs) on workers that were started and warmed
up first (imports and the compiled model loaded), so the figures measure steady-state
throughput; the start-up time of each pool is printed separately. The configurations take
turns for ``--rounds`` rounds and each reports its best round, so that other jobs starting
or stopping on the machine do not favour whichever ran first. Results are checked to
be bit-identical across the three configurations. Targets (2 cores): speed-up of 2 local
workers over 1 of at least 1.7x, and Dask within 10% of local processes. The machine's
load is printed before and after: other processes on the same cores lower every figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import pandas as pd


def load() -> str:
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"
    except OSError:  # pragma: no cover - not Unix
        return "load average unknown"


def measure(backend, reps, store_root=None):
    from crossings.ensemble import run_replicates

    t0 = time.perf_counter()
    batch = run_replicates(reps, store=store_root, backend=backend)
    seconds = time.perf_counter() - t0
    assert batch.computed == len(reps), "the store answered: use a fresh store"
    return len(reps) / seconds, seconds, batch.results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="channel")
    ap.add_argument("--runs", type=int, default=8, help="runs per configuration (seeds 1..runs)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds; configurations take turns and keep their best round")
    ap.add_argument("--store", action="store_true", help="write every run to a fresh results store as it finishes")
    args = ap.parse_args()

    import distributed

    import crossings
    from crossings.ensemble.backends import Dask, LocalProcesses
    from crossings.ensemble.replicates import replicate

    sc = crossings.load_scenario(args.scenario)
    reps = [replicate(sc, s) for s in range(1, args.runs + 1)]
    print(f"crossings {crossings.__version__}, Python {platform.python_version()}, {platform.machine()}; "
          f"{args.scenario}: {args.runs} runs per configuration and round, {args.rounds} rounds"
          f"{', stored' if args.store else ''}")
    print(f"before: {load()}")

    def store():
        return tempfile.mkdtemp(prefix="crossings-bench-") if args.store else None

    names = ["local processes, 1 worker", "local processes, 2 workers", "dask LocalCluster, 2 workers"]
    best = {n: 0.0 for n in names}
    seconds = {n: 0.0 for n in names}
    start_up, results = {}, {}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        backends = {}
        for name, make in zip(names, (lambda: LocalProcesses(1), lambda: LocalProcesses(2),
                                      lambda: Dask(cluster.scheduler_address)), strict=True):
            t0 = time.perf_counter()
            backends[name] = make()
            backends[name].warm_up()
            start_up[name] = time.perf_counter() - t0
        # configurations take turns, round after round, so that a change in the machine's load
        # (other jobs) falls on all of them; each keeps its best round
        for r in range(args.rounds):
            for name in names:
                rate, secs, res = measure(backends[name], reps, store())
                print(f"  round {r + 1}: {name}: {rate:.3f} runs/s ({load()})", flush=True)
                if rate > best[name]:
                    best[name], seconds[name] = rate, secs
                results[name] = res
        backends[names[2]].close()
    rows = [(n, best[n], seconds[n], start_up[n]) for n in names]
    print(f"after:  {load()}")

    table = pd.DataFrame(rows, columns=["configuration", "runs/s", "seconds", "start-up s"]).set_index("configuration")
    print(table.round(3).to_string())
    r1, r2, rd = (r[1] for r in rows)
    print(f"speed-up of 2 local workers over 1: {r2 / r1:.2f}x (parallel efficiency {r2 / r1 / 2:.0%}; target >= 1.7x)")
    print(f"Dask overhead against 2 local workers: {r2 / rd - 1:+.1%} (target <= 10%)")
    same = all(
        a.daily.equals(b.daily) and a.sites.equals(b.sites)
        for other in (results[names[1]], results[names[2]]) for a, b in zip(results[names[0]], other, strict=True)
    )
    print(f"results bit-identical across the three configurations: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
