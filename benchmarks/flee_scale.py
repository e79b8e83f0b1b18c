"""Scale run of the Flee movement engine: 10^7 people, memory per person and agent-days/s.

Usage::

    python benchmarks/flee_scale.py --people 1e7                  # Mali 2012, scaled up
    python benchmarks/flee_scale.py --people 1e7 --network grid   # generated 30x30 grid

``mali``: the built-in Mali 2012 scenario with every number of people (spawns, day-0
camp residents, camp capacities) multiplied so that ``--people`` people exist by the
last day. ``grid``: a generated network (towns on a grid, routes of 50-300 km to the
four neighbours, conflict zones in one corner, camps in another country along the far
edge), with conflict-driven spawning sized to reach ``--people``. Reported: engine
state bytes per person (the per-person arrays, allocated for everyone who will appear,
divided by that number), the growth of the process's peak resident memory over the run
divided by the number of people, wall time and agent-days per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crossings.flee.schema import FleeScenario, load_flee_scenario  # noqa: E402
from crossings.flee.sim import FleeSim  # noqa: E402

MALI_FINAL_AGENTS = 148_063  # people at the end of the unscaled Mali 2012 run


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kB


def grid_scenario(side: int, people: int, days: int, seed: int = 0) -> FleeScenario:
    """A generated side x side grid; conflict zones in the top-left 3x3 corner."""
    rng = np.random.default_rng(seed)
    locs, routes = [], []

    def name(r: int, c: int) -> str:
        return f"L{r}_{c}"

    conflict = [(r, c) for r in range(3) for c in range(3)]
    for r in range(side):
        for c in range(side):
            if (r, c) in conflict:
                locs.append({"name": name(r, c), "country": "Home",
                             "location_type": "conflict_zone", "conflict_date": 0,
                             "population": int(rng.integers(10_000, 100_000))})
            else:
                locs.append({"name": name(r, c), "country": "Home", "location_type": "town",
                             "population": int(rng.integers(1_000, 50_000))})
            if r + 1 < side:
                routes.append({"name1": name(r, c), "name2": name(r + 1, c),
                               "distance": float(rng.integers(50, 300))})
            if c + 1 < side:
                routes.append({"name1": name(r, c), "name2": name(r, c + 1),
                               "distance": float(rng.integers(50, 300))})
    for k in range(side):
        camp = f"Camp{k}"
        locs.append({"name": camp, "country": "Away", "location_type": "camp",
                     "capacity": int(3 * people / side)})
        routes.append({"name1": name(side - 1, k), "name2": camp,
                       "distance": float(rng.integers(50, 300))})
    per_day = math.ceil(people / (days * len(conflict)))
    return FleeScenario.model_validate({
        "model": "flee", "name": f"grid{side}", "start_date": dt.date(2020, 1, 1),
        "days": days, "locations": locs, "routes": routes,
        "spawn_rules": {"mode": "conflict_driven", "displaced_per_conflict_day": per_day},
    })


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=float, default=1e7, help="people by the last day")
    ap.add_argument("--network", choices=("mali", "grid"), default="mali")
    ap.add_argument("--side", type=int, default=30, help="grid side (grid network)")
    ap.add_argument("--days", type=int, default=300, help="days (grid network)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    people = int(args.people)

    # Warm the Numba kernels (compile or load from cache) on a tiny run first.
    mali = load_flee_scenario(ROOT / "crossings/scenario/builtin/mali2012/scenario.toml")
    FleeSim(mali, seed=0, agents_scale=0.01).run()

    if args.network == "mali":
        sc, scale = mali, people / MALI_FINAL_AGENTS
    else:
        sc, scale = grid_scenario(args.side, people, args.days, args.seed), 1.0
    rss0 = peak_rss_bytes()
    t0 = time.perf_counter()
    sim = FleeSim(sc, seed=args.seed, agents_scale=scale)
    res = sim.run(progress=True)
    wall = time.perf_counter() - t0
    rss1 = peak_rss_bytes()
    n = int(res.agents[-1])
    print(f"command: python benchmarks/flee_scale.py {' '.join(argv or sys.argv[1:])}")
    print(f"network: {sc.name} ({len(sc.locations)} locations, {len(sc.routes)} routes), "
          f"{sc.days} days, agents_scale {scale:.3f}")
    print(f"people at the end: {n:,} (slots allocated: {sim.capacity_agents:,})")
    print(f"engine state: {res.state_bytes:,} bytes = {res.state_bytes / n:.1f} bytes per person "
          f"(location int32, link int32, km_on_link float32, flags uint8)")
    print(f"peak RSS growth during the run: {(rss1 - rss0) / 2**20:,.0f} MiB = "
          f"{(rss1 - rss0) / n:.1f} bytes per person")
    print(f"wall time {wall:.1f} s; {res.agent_days:,} agent-days; "
          f"{res.agent_days / wall:,.0f} agent-days/s")
    if sc.validation is not None and sc.validation.camps:
        print(f"ARD against the UNHCR series: {res.ard():.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
