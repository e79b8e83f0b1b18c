"""Rewrite crossings/engine/kernel_signatures.txt: each kernel a Channel run compiles, with its
argument types, in the order the run first calls it (read by crossings.engine.precompile).

    python benchmarks/kernel_signatures.py

Runs the Channel once in a new process whose Numba cache is empty, so that every kernel compiles.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def record() -> None:
    from numba.core import event

    import crossings
    from crossings.engine.precompile import SIGNATURES

    seen: list[tuple[str, str]] = []
    depth = [0]

    class Recorder(event.Listener):
        def on_start(self, ev):
            f = getattr(ev.data["dispatcher"], "py_func", None)
            if depth[0] == 0 and f is not None and f.__module__.startswith("crossings."):
                entry = (f"{f.__module__}.{f.__name__}", str(tuple(ev.data["args"])))
                if entry not in seen:
                    seen.append(entry)
            depth[0] += 1  # kernels called by kernels compile inside their caller

        def on_end(self, ev):
            depth[0] -= 1

    event.register("numba:compile", Recorder())
    crossings.Sim("channel", seed=1).run()
    lines = ["# kernel<TAB>argument types, in the order a Channel run first calls them "
             "(python benchmarks/kernel_signatures.py)"]
    lines += [f"{name}\t{sig}" for name, sig in seen]
    SIGNATURES.write_text("\n".join(lines) + "\n")
    print(f"{len(seen)} kernels -> {SIGNATURES}")


if __name__ == "__main__":
    if "--record" in sys.argv[1:]:
        record()
    else:
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache, "CROSSINGS_PRECOMPILE": "0"}
            subprocess.run([sys.executable, __file__, "--record"], env=env, check=True)
