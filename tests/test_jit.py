"""Kernels with an explicit signature compile on first use, for that signature only (crossings.engine.jit)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

DEFERRED = textwrap.dedent("""
    import numpy as np
    import crossings
    from crossings.engine import jit
    from crossings.engine.rng import poisson, uniform
    from crossings.processes.numpy_order import flatnonzero
    names = [d.py_func.__name__ for d in jit.DEFERRED]
    print(len(names) >= 7, "uniform" in names, sum(len(d.signatures) for d in jit.DEFERRED))  # none compiled at import

    @jit.njit(cache=False)
    def caller(key):  # constants of several integer widths: one copy of poisson all the same
        return poisson(key, 1, 2, 3.0) + poisson(key, np.int32(1), np.int8(3), 30.0)

    print(caller(np.uint64(5)) >= 0, poisson.signatures, uniform.signatures == [])
    print(uniform(1, 2, 3) == uniform(np.uint64(1), 2, 3), uniform.signatures)
    print(flatnonzero(np.array([True, False, True])).tolist(), len(flatnonzero.signatures))
    try:
        flatnonzero(np.arange(3))  # off the signature: Numba's usual error, no new copy
    except TypeError:
        print("TypeError", len(flatnonzero.signatures))
    jit.compile_deferred()
    print(all(len(d.signatures) == len(d._crossings_sigs) for d in jit.DEFERRED))
""")


def test_explicit_signatures_compile_on_first_use_for_that_signature_only(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "CROSSINGS_PRECOMPILE": "0",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", DEFERRED], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "True True 0",
        "True [(uint64, int64, int64, float64)] False",
        "True [(uint64, int64, int64)]",
        "[0, 2] 1",
        "TypeError 1",
        "True",
    ]
