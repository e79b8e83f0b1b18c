"""CPU time of a warm run, in total and per stage (best of ``--repeat`` runs in this process).

    python benchmarks/stage_cpu.py                  # the Channel
    python benchmarks/stage_cpu.py --people 1000000 # the synthetic world of benchmarks/engine.py

On a machine shared with other jobs, wall times move with their load; the process's CPU time moves
much less. Run it on two checkouts alternately (``PYTHONPATH=<checkout>``) to compare versions.
"""

from __future__ import annotations

import argparse
import time

import crossings
from engine import synthetic


def timed_run(make) -> tuple[float, dict[str, float]]:
    sim = make()
    stages: dict[str, float] = {}
    for proc in sim.loop:
        stages[proc.name] = 0.0

        def step(day, _step=proc.step, _name=proc.name):
            t = time.process_time()
            _step(day)
            stages[_name] += time.process_time() - t

        proc.step = step
    t = time.process_time()
    sim.run()
    return time.process_time() - t, stages


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=0, help="a synthetic world of this many people (0: the Channel)")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    if a.people:
        def make():
            return crossings.Sim(synthetic(a.people, 365, True))
    else:
        def make():
            return crossings.Sim("channel", seed=1)
    crossings.Sim(synthetic(2000, 30, True)).run()  # JIT warm-up (kernels cached on disk)
    if not a.people:
        make().run()
    total, stages = min((timed_run(make) for _ in range(a.repeat)), key=lambda r: r[0])
    what = f"{a.people:,} people x 365 days" if a.people else "the Channel"
    print(f"{crossings.__file__}: {what}: CPU {total:.2f} s; "
          + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))


if __name__ == "__main__":
    main()
