"""Where a first run's time goes with the compiling helper: the README's first command, traced.

    CROSSINGS_PRECOMPILE=1 python benchmarks/first_run_trace.py            # summary
    CROSSINGS_PRECOMPILE=1 python benchmarks/first_run_trace.py --events   # and every compile

Runs ``crossings run channel --no-save`` in a new process (an empty folder, an empty
``NUMBA_CACHE_DIR``) with every top-level compile timed by Numba's ``numba:compile`` event, in the
run's process and in the helper it forks (the fork inherits the listener). Prints, per process,
when the run reached ``Sim`` (import done), the first and last compile, the seconds spent
compiling, and the kernels both processes compiled (time lost where they meet in the list).
Figures move with the machine's load; compare versions back to back.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import os, sys, time, runpy
T0 = time.perf_counter()
out = open(os.environ["TRACE_OUT"], "a", buffering=1)
from numba.core import event
depth = [0]

class Listener(event.Listener):
    def on_start(self, ev):
        if depth[0] == 0:
            d = ev.data["dispatcher"]
            out.write(f"{os.getpid()} {time.perf_counter() - T0:.3f} S {d.py_func.__module__}.{d.py_func.__qualname__}\n")
        depth[0] += 1

    def on_end(self, ev):
        depth[0] -= 1
        if depth[0] == 0:
            d = ev.data["dispatcher"]
            out.write(f"{os.getpid()} {time.perf_counter() - T0:.3f} E {d.py_func.__module__}.{d.py_func.__qualname__}\n")

event.register("numba:compile", Listener())
import crossings.sim
out.write(f"{os.getpid()} {time.perf_counter() - T0:.3f} IMPORTED -\n")
import atexit
atexit.register(lambda: out.write(f"{os.getpid()} {time.perf_counter() - T0:.3f} EXIT -\n"))
sys.argv = ["crossings", "run", "channel", "--no-save", "--no-progress"]
runpy.run_module("crossings.cli", run_name="__main__")
"""


def _wait_for_exit(pids: set[str], limit: float) -> None:
    end = time.monotonic() + limit
    for pid in pids:
        while time.monotonic() < end:
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                break
            except PermissionError:  # a pid reused by another user's process: ours is gone
                break
            time.sleep(0.05)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", action="store_true", help="print every compile")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="crossings-trace-", ignore_cleanup_errors=True) as tmp:
        trace = os.path.join(tmp, "trace.txt")
        env = {**os.environ, "NUMBA_CACHE_DIR": os.path.join(tmp, "cache"), "TRACE_OUT": trace}
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=tmp, capture_output=True, text=True)
        if out.returncode:
            sys.exit(out.stderr)
        wall = time.perf_counter() - t0
        # a helper still finishing its kernel when the run ends writes its last lines after it: wait
        # for every traced process to be gone (at most 30 s), then read the trace
        _wait_for_exit({line.split()[0] for line in open(trace)}, limit=30.0)
        rows = [line.split() for line in open(trace)]
    pids = list(dict.fromkeys(r[0] for r in rows))
    print(f"wall {wall:.2f} s (process start to exit); load {os.getloadavg()[0]:.2f}")
    compiled: dict[str, set[str]] = {}
    for n, pid in enumerate(pids):
        mine = [r for r in rows if r[0] == pid]
        starts: dict[str, float] = {}
        busy = 0.0
        for _, t, kind, name in mine:
            if kind == "S":
                starts[name] = float(t)
            elif kind == "E" and name in starts:
                busy += float(t) - starts.pop(name)
                compiled.setdefault(name, set()).add(pid)
        times = {kind: float(t) for _, t, kind, _ in reversed(mine)}  # first of each kind
        last_e = max((float(t) for _, t, kind, _ in mine if kind == "E"), default=float("nan"))
        exit_ = [float(t) for _, t, kind, _ in mine if kind == "EXIT"]
        who = "run" if n == 0 else "helper"
        line = f"{who:6s} first compile {times.get('S', float('nan')):6.2f} s, last {last_e:6.2f} s, compiling {busy:6.2f} s"
        if n == 0:
            line = f"{who:6s} import done {times.get('IMPORTED', float('nan')):5.2f} s; " + line[7:]
            line += f"; exit {exit_[0] if exit_ else float('nan'):6.2f} s"
        print(line)
    both = sorted(k.rsplit(".", 1)[-1] for k, v in compiled.items() if len(v) > 1)
    print(f"compiled by both: {', '.join(both) or 'none'}")
    if a.events:
        for r in rows:
            print(" ".join(r))


if __name__ == "__main__":
    main()
