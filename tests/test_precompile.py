"""The helper that compiles kernels on the second core on a first run (crossings.engine.precompile)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from numba.core.dispatcher import Dispatcher

import crossings
from crossings.engine import precompile


@pytest.fixture(autouse=True)
def _gc_thresholds_kept(monkeypatch):
    """start() on a (faked) cold cache relaxes the garbage collector: give the test process its
    thresholds back; and forget that an earlier run found the cache full."""
    import gc

    before = gc.get_threshold()
    monkeypatch.setattr(precompile, "_gc_saved", None)
    monkeypatch.setattr(precompile, "_warm", False)
    yield
    gc.set_threshold(*before)


def test_full_garbage_collections_are_put_off_while_compiling_and_restored_after(monkeypatch):
    """On a cold cache start() raises the third gc threshold before the helper forks (full
    collections walk every object compiling has made: measured 6.0 s of a 54 s compile), with the
    helper switched off too, and again on a later start while the cache is still cold; settling gives
    the thresholds from before back; a warm cache changes nothing."""
    import gc

    gc.set_threshold(700, 10, 10)
    relaxed = (700, 10, precompile.GC_THRESHOLD_2_COMPILING)
    at_launch = []
    monkeypatch.setattr(precompile, "_launch", lambda: at_launch.append(gc.get_threshold()))
    monkeypatch.setattr(precompile, "spare_core", lambda: True)
    monkeypatch.setattr(precompile, "_started", False)
    monkeypatch.setattr(precompile, "cache_is_cold", lambda: False)
    monkeypatch.delenv("CROSSINGS_PRECOMPILE", raising=False)
    precompile.start()
    assert gc.get_threshold() == (700, 10, 10) and at_launch == []  # warm: nothing compiles, nothing changes
    monkeypatch.setattr(precompile, "_warm", False)
    monkeypatch.setattr(precompile, "cache_is_cold", lambda: True)
    precompile.start()
    assert at_launch == [relaxed]  # relaxed before the fork, so the helper inherits it
    precompile.settle_gc()
    assert gc.get_threshold() == (700, 10, 10)
    precompile.start()  # a later Sim while the cache is still cold (after a partial run): relaxed again
    assert gc.get_threshold() == relaxed and len(at_launch) == 1  # but no second helper
    precompile.settle_gc()
    monkeypatch.setenv("CROSSINGS_PRECOMPILE", "0")
    precompile.start()
    assert gc.get_threshold() == relaxed  # no helper wanted: the run's own compiling still gains
    precompile.settle_gc()
    precompile.settle_gc()
    assert gc.get_threshold() == (700, 10, 10)


def test_a_run_gives_the_gc_thresholds_back_even_when_it_fails(monkeypatch):
    import gc

    gc.set_threshold(700, 10, 10)
    precompile.relax_gc()
    crossings.Sim("channel", seed=1).run(days=3)
    assert gc.get_threshold() == (700, 10, 10)
    sim = crossings.Sim("channel", seed=1)
    precompile.relax_gc()

    def fail(timed=False):
        raise RuntimeError("a day that fails")

    monkeypatch.setattr(sim, "step", fail)
    with pytest.raises(RuntimeError):
        sim.run()
    assert gc.get_threshold() == (700, 10, 10)
    # a Sim that cannot be built (a horizon past the limit) will not run either: settled at once
    import datetime as dt

    from crossings.errors import ScenarioError
    from crossings.scenario.loader import load_scenario

    sc = load_scenario("channel")
    sc = sc.model_copy(update={"end": sc.start + dt.timedelta(days=10**6)})
    monkeypatch.setattr(precompile, "_warm", False)
    monkeypatch.setattr(precompile, "cache_is_cold", lambda: True)
    monkeypatch.setattr(precompile, "_started", True)  # no helper
    with pytest.raises(ScenarioError):
        crossings.Sim(sc)
    assert gc.get_threshold() == (700, 10, 10)


def test_signature_list_names_the_kernels_and_types_a_channel_run_compiles():
    # a stale line (a renamed kernel or changed argument types) would have the helper compile in vain
    entries = precompile.read_signatures()
    assert len(entries) > 20
    assert len({(m, f, s) for m, f, s in entries}) == len(entries)
    crossings.Sim("channel", seed=1).run()
    for module, func, sig in entries:
        d = precompile.dispatcher(module, func)
        assert isinstance(d, Dispatcher), f"{module}.{func}"
        assert sig in d.signatures, f"{module}.{func} is not called with {sig}"


def test_no_helper_when_switched_off(monkeypatch):
    calls = []
    monkeypatch.setenv("CROSSINGS_PRECOMPILE", "0")
    monkeypatch.setattr(precompile, "_started", False)
    monkeypatch.setattr(precompile, "cache_is_cold", lambda: True)
    monkeypatch.setattr(precompile, "spare_core", lambda: True)
    monkeypatch.setattr(precompile, "_launch", lambda: calls.append(1))
    precompile.start()
    assert calls == []
    monkeypatch.delenv("CROSSINGS_PRECOMPILE")
    precompile.start()
    assert len(calls) == 1  # on a cold cache with an idle core: one helper
    precompile.start()
    assert len(calls) == 1  # and only once per process


def test_a_helper_whatever_the_load_but_not_on_one_core(monkeypatch):
    # the helper runs niced: a busy machine (load average high) still gets one
    calls = []
    monkeypatch.delenv("CROSSINGS_PRECOMPILE", raising=False)
    monkeypatch.setattr(precompile, "_started", False)
    monkeypatch.setattr(precompile, "cache_is_cold", lambda: True)
    monkeypatch.setattr(precompile.os, "getloadavg", lambda: (1000.0, 1000.0, 1000.0))
    monkeypatch.setattr(precompile.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(precompile, "_launch", lambda: calls.append(1))
    precompile.start()
    assert len(calls) == 1
    monkeypatch.setattr(precompile.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(precompile, "_started", False)
    precompile.start()
    assert len(calls) == 1  # one core: no helper
    monkeypatch.setenv("CROSSINGS_PRECOMPILE", "1")  # forced: even on one core
    monkeypatch.setattr(precompile, "_started", False)
    precompile.start()
    assert len(calls) == 2


FORKED = textwrap.dedent("""
    import os, sys, time
    from crossings.engine import precompile
    entries = [e for e in precompile.read_signatures() if e[1] == "uniform_slots"]  # one small kernel
    precompile.read_signatures = lambda *a: entries
    d = precompile.dispatcher(*entries[0][:2])
    index = d._cache._cache_file._index_path
    print("before the helper", flush=True)
    precompile._launch()
    pid, status = os.waitpid(precompile._child, 0)  # the helper exits once its list is compiled
    print(pid > 0, os.waitstatus_to_exitcode(status), os.path.exists(index), len(d.signatures))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the helper is a fork on Linux only")
def test_forked_helper_compiles_into_the_cache_and_exits(tmp_path):
    # the helper is a fork of the run: it writes the kernel into the on-disk cache (the run, which
    # compiled nothing itself, would then load it) and exits without running the parent's exit code
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "CROSSINGS_PRECOMPILE": "0",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", FORKED], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["before the helper", "True 0 True 0"]
