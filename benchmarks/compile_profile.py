"""Where a first run's compiling goes: each kernel's compile time, less the compiles nested in it.

    python benchmarks/compile_profile.py          # the 40 costliest compiles
    python benchmarks/compile_profile.py --top 0  # all of them

Runs the Channel once in this process with an empty Numba cache (a new temporary
``NUMBA_CACHE_DIR``) and no compiling helper (``CROSSINGS_PRECOMPILE=0``), timing every compile
with Numba's ``numba:compile`` event. Each line: seconds (exclusive of nested compiles), how many
signatures, the function. Lines under ``numba.`` are Numba's own implementations of NumPy or
Python functions that the kernels call (each distinct argument type compiles one more copy).
Figures move with the machine's load; compare versions back to back.
"""

from __future__ import annotations

import argparse
import collections
import os
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=40, help="lines to print (0: all)")
    a = ap.parse_args()
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="crossings-cold-")
    os.environ["CROSSINGS_PRECOMPILE"] = "0"
    t0 = time.perf_counter()
    from numba.core import event

    excl: collections.Counter = collections.Counter()
    count: collections.Counter = collections.Counter()
    stack: list[list[float]] = []

    class Timer(event.Listener):
        def on_start(self, ev):
            stack.append([time.perf_counter(), 0.0])

        def on_end(self, ev):
            start, nested = stack.pop()
            d = ev.data["dispatcher"]
            dt = time.perf_counter() - start
            name = f"{d.py_func.__module__}.{d.py_func.__qualname__}"
            excl[name] += dt - nested
            count[name] += 1
            if stack:
                stack[-1][1] += dt

    event.register("numba:compile", Timer())
    import crossings

    t1 = time.perf_counter()
    crossings.Sim("channel", seed=1).run()
    t2 = time.perf_counter()
    total = sum(excl.values())
    own = sum(v for k, v in excl.items() if not k.startswith("numba."))
    print(f"{crossings.__file__}: import {t1 - t0:.1f} s, first Channel run {t2 - t1:.1f} s; compiling "
          f"{total:.1f} s in all ({sum(count.values())} compiles): the package's kernels {own:.1f} s, "
          f"Numba's own implementations {total - own:.1f} s")
    for name, sec in excl.most_common(a.top or None):
        print(f"{sec:6.2f} {count[name]:3d} {name}")


if __name__ == "__main__":
    main()
