"""The helper that compiles kernels on the second core on a first run (crossings.engine.precompile)."""

from __future__ import annotations

from numba.core.dispatcher import Dispatcher

import crossings
from crossings.engine import precompile


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
    monkeypatch.setattr(precompile.subprocess, "Popen", lambda *a, **k: calls.append(a))
    precompile.start()
    assert calls == []
    monkeypatch.delenv("CROSSINGS_PRECOMPILE")
    precompile.start()
    assert len(calls) == 1  # on a cold cache with an idle core: one helper
    precompile.start()
    assert len(calls) == 1  # and only once per process


def test_no_helper_on_a_busy_machine(monkeypatch):
    calls = []
    monkeypatch.delenv("CROSSINGS_PRECOMPILE", raising=False)
    monkeypatch.setattr(precompile, "_started", False)
    monkeypatch.setattr(precompile, "cache_is_cold", lambda: True)
    monkeypatch.setattr(precompile.os, "getloadavg", lambda: (1000.0, 1000.0, 1000.0))
    monkeypatch.setattr(precompile.subprocess, "Popen", lambda *a, **k: calls.append(a))
    precompile.start()
    assert calls == []
    monkeypatch.setenv("CROSSINGS_PRECOMPILE", "1")  # forced: whatever the load
    monkeypatch.setattr(precompile, "_started", False)
    precompile.start()
    assert len(calls) == 1
