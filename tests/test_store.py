"""Results folders are written atomically and checked when read (crossings.store.atomic).

* a reader refuses a folder its manifest does not vouch for (truncated, missing, altered or
  stray files, no manifest);
* a second save replaces the folder as a whole (no stale files from another format);
* a failed save (disk full, file too large) says so on one line and leaves the earlier
  results as they were;
* concurrent writers never interleave;
* ``kill -9`` of a real ``crossings run`` at random points of its save leaves the target
  holding the complete old or the complete new results.
"""

from __future__ import annotations

import errno
import os
import random
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import tomli_w

from crossings import Results, Sim
from crossings.errors import CrossingsError
from crossings.engine import rundir as atomic  # the implementation behind crossings.store.atomic
from crossings.store.atomic import MANIFEST, ResultsError, read_run_dir, write_run_dir
from worlds import D, scenario, tiny

ROOT = Path(__file__).parent.parent


def short(**kw) -> dict:
    return tiny(end=D(2020, 6, 30), **kw)


def cli(*args, cwd=None, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "crossings.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, **kw)


def popen(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "crossings.cli", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)


@pytest.fixture(scope="module")
def runs():
    """Results of two seeds of a short scenario."""
    return {s: Sim(scenario(short()), seed=s).run() for s in (1, 2)}


def test_saved_folder_has_manifest_and_loads_back(tmp_path, runs):
    res = runs[1]
    res.save(tmp_path / "out")
    tables, manifest = read_run_dir(tmp_path / "out")
    assert manifest["seed"] == 1 and manifest["scenario_name"] == "tiny"
    assert manifest["formats"] == ["parquet", "csv"]
    assert "[[sites]]" in manifest["scenario_toml"] and len(manifest["scenario_sha256"]) == 64
    assert manifest["files"]["daily.csv"]["rows"] == len(res.daily) == 182
    again = Results.load(tmp_path / "out")
    pd.testing.assert_frame_equal(again.daily, res.daily, check_freq=False)
    pd.testing.assert_frame_equal(again.sites, res.sites, check_freq=False)
    assert again.seed == 1 and again.scenario_toml == res.scenario_toml


@pytest.mark.parametrize("damage", ["truncate", "delete", "alter", "stray", "no_manifest", "bad_manifest"])
def test_reader_refuses_a_folder_its_manifest_does_not_vouch_for(tmp_path, runs, damage):
    out = tmp_path / "out"
    runs[1].save(out)
    daily = out / "daily.csv"
    if damage == "truncate":  # what a killed writer used to leave: a shorter file pandas reads happily
        text = daily.read_text()
        daily.write_text(text[: len(text) // 3].rsplit("\n", 1)[0] + "\n")
        assert 0 < len(pd.read_csv(daily)) < 182
    elif damage == "delete":
        (out / "yearly.parquet").unlink()
    elif damage == "alter":
        df = pd.read_csv(daily)
        df.loc[5, "crossings_total"] += 1
        df.to_csv(daily, index=False)
    elif damage == "stray":
        runs[2].daily.reset_index().to_csv(out / "old_daily.csv", index=False)
    elif damage == "no_manifest":
        (out / MANIFEST).unlink()
    elif damage == "bad_manifest":
        (out / MANIFEST).write_text("{")
    with pytest.raises(ResultsError) as e:
        read_run_dir(out)
    assert str(out) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(CrossingsError):
        Results.load(out)


def test_second_save_replaces_the_whole_folder(tmp_path, runs):
    out = tmp_path / "out"
    runs[1].save(out, ("csv",))
    runs[2].save(out, ("parquet",))
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MANIFEST, "daily.parquet", "monthly.parquet", "yearly.parquet", "sites_daily.parquet"]
    )
    assert Results.load(out).seed == 2
    assert not list(tmp_path.glob(".out.tmp-*")) and not list(tmp_path.glob(".out.old-*"))


def test_disk_full_during_save_leaves_earlier_results(tmp_path, runs, monkeypatch):
    out = tmp_path / "out"
    runs[1].save(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real, calls = atomic._write_file, []

    def full(path, data):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(atomic, "_write_file", full)
    with pytest.raises(ResultsError) as e:
        runs[2].save(out)
    msg = str(e.value)
    assert "No space left on device" in msg and str(out) in msg and "unchanged" in msg and "\n" not in msg
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_interrupted_swap_is_recovered_by_the_next_writer(tmp_path, runs, monkeypatch):
    """Where no atomic exchange exists, the old folder is renamed aside, then the new one in;
    a crash between the two leaves no target: the next writer puts the old results back first."""
    out = tmp_path / "out"
    runs[1].save(out)
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    real_rename, n = os.rename, []

    def crash_after_first(a, b):
        n.append(1)
        real_rename(a, b)
        if len(n) == 1:
            raise KeyboardInterrupt  # stands for the process dying here

    monkeypatch.setattr(atomic.os, "rename", crash_after_first)
    with pytest.raises(KeyboardInterrupt):
        runs[2].save(out)
    monkeypatch.setattr(atomic.os, "rename", real_rename)
    assert not out.exists()
    with pytest.raises(ResultsError, match="interrupted save"):
        read_run_dir(out)
    # The next save first restores the old results (a reader could then see them), then swaps
    seen = []
    real_swap = atomic._swap_in
    monkeypatch.setattr(atomic, "_swap_in", lambda new, target: (seen.append(Results.load(target).seed), real_swap(new, target)))
    runs[2].save(out)
    assert seen == [1] and Results.load(out).seed == 2
    assert not list(tmp_path.glob(".out.*-*"))


def test_refuses_to_replace_a_folder_that_is_not_a_results_folder(tmp_path, runs):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(ResultsError, match="not a crossings results folder"):
        runs[1].save(mine)
    assert (mine / "thesis.tex").read_text() == "precious"
    # an older save (tables only, no manifest) may be replaced
    old = tmp_path / "old"
    old.mkdir()
    runs[2].daily.to_csv(old / "daily.csv")
    runs[1].save(old)
    assert Results.load(old).seed == 1


def test_concurrent_writers_wait_for_each_other(tmp_path, runs):
    out = tmp_path / "out"
    errors = []

    def save(res, k):
        try:
            for _ in range(k):
                res.save(out)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=save, args=(runs[s], 4)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    _, manifest = read_run_dir(out)
    pd.testing.assert_frame_equal(Results.load(out).daily, runs[manifest["seed"]].daily, check_freq=False)


def test_lock_held_too_long_is_a_one_line_refusal(tmp_path, runs):
    from filelock import FileLock

    out = tmp_path / "out"
    with FileLock(str(tmp_path / ".out.lock")):
        done = []
        t = threading.Thread(target=lambda: done.append(_try(lambda: write_run_dir(
            out, {"daily": runs[1].daily.reset_index()}, ("csv",), {"seed": 1}, lock_timeout_s=0.2))))
        t.start()
        t.join()
    assert isinstance(done[0], ResultsError) and "another process" in str(done[0])
    assert not out.exists()


def _try(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001
        return e


# ------------------------------------------------------------------------- real processes
def test_two_cli_runs_into_one_folder_never_interleave(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(tomli_w.dumps(short()))
    out = tmp_path / "out"
    procs = [popen("run", str(p), "--seed", str(s), "--no-progress", "--out", str(out)) for s in (1, 2)]
    codes = [pr.wait(timeout=300) for pr in procs]
    assert codes == [0, 0], [pr.stderr.read() for pr in procs]
    tables, manifest = read_run_dir(out)
    assert len(tables["daily"]) == 182
    assert manifest["seed"] in (1, 2)


def test_file_too_large_in_a_real_run_leaves_earlier_results(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(tomli_w.dumps(short()))
    out = tmp_path / "out"
    first = cli("run", str(p), "--seed", "1", "--no-progress", "--out", str(out))
    assert first.returncode == 0, first.stderr
    before = {q.name: q.read_bytes() for q in out.iterdir()}

    def limit():  # the kernel refuses to grow any file beyond 30 kB (like a full disk)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (30_000, 30_000))

    r = cli("run", str(p), "--seed", "2", "--no-progress", "--out", str(out), preexec_fn=limit)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "File too large" in lines[0] and str(out) in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert {q.name: q.read_bytes() for q in out.iterdir()} == before


def test_kill_9_during_save_leaves_complete_old_or_new_results(tmp_path, runs):
    """Kill real `crossings run` processes at random points (mostly while their save is under
    way), many times: the target is always a complete run, the old one or the new one."""
    p = tmp_path / "s.toml"
    p.write_text(tomli_w.dumps(short()))
    rng = random.Random(8)
    chains = 2  # two independent targets killed in parallel (the machine has two cores)
    trials_per_chain = 6
    max_trials = 16
    landed, outcomes = [], []

    def temps(c):
        return set(tmp_path.glob(f".out{c}.tmp-*"))

    def save_window(proc, c, before):
        """Wait until the save makes its temporary folder (folders left by killed runs are in
        ``before``); return the moment it appeared (None if the process ended first)."""
        deadline = time.time() + 120
        while proc.poll() is None and time.time() < deadline:
            if temps(c) - before:
                return time.time()
            time.sleep(0.001)
        return None

    def chain(c):
        out = tmp_path / f"out{c}"
        first = popen("run", str(p), "--seed", "1", "--no-progress", "--out", str(out))
        began = save_window(first, c, set())
        while temps(c) and first.poll() is None:
            time.sleep(0.001)
        save_s = time.time() - began  # how long a save lasts on this machine now
        assert first.wait() == 0, first.stderr.read()
        t = mid = 0
        # at least trials_per_chain kills; on a loaded machine a kill may miss the save's window, so go on
        # (at most max_trials) until two of this chain's kills have landed during a save
        while t < trials_per_chain or (mid < 2 and t < max_trials):
            old = read_run_dir(out)[1]
            new_seed = 2 if old["seed"] == 1 else 1
            before = temps(c)
            proc = popen("run", str(p), "--seed", str(new_seed), "--no-progress", "--out", str(out))
            if t % 4 == 3:  # anywhere in the run
                time.sleep(rng.uniform(0.5, 6.0))
            else:  # during the save: wait for its temporary folder, then a random moment of the save
                save_window(proc, c, before)
                time.sleep(rng.uniform(0.0, 1.3 * save_s))
            mid_save = proc.poll() is None and bool(temps(c) - before)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            tables, manifest = read_run_dir(out)  # every file present and matching the manifest
            assert manifest["seed"] in (old["seed"], new_seed)
            if manifest["seed"] == old["seed"]:
                assert manifest == old
            ref, got = runs[manifest["seed"]], Results.load(out)  # the same seed, run in this process
            pd.testing.assert_frame_equal(got.daily, ref.daily, check_freq=False)
            pd.testing.assert_frame_equal(got.sites, ref.sites, check_freq=False)
            landed.append(mid_save)
            outcomes.append("new" if manifest["seed"] == new_seed else "old")
            mid += int(mid_save)
            t += 1

    failures: list = []

    def collect(c):
        try:
            chain(c)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            failures.append(e)

    threads = [threading.Thread(target=collect, args=(c,)) for c in range(chains)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures, failures[0]
    assert len(landed) >= chains * trials_per_chain
    print(f"{sum(landed)} of {len(landed)} kills landed during a save; outcomes {outcomes}")
    assert sum(landed) >= 4, f"only {sum(landed)} kills landed during a save"
    # the next complete run clears what the killed writers left behind
    r = cli("run", str(p), "--seed", "3", "--no-progress", "--out", str(tmp_path / "out0"))
    assert r.returncode == 0, r.stderr
    assert Results.load(tmp_path / "out0").seed == 3
    assert not list(tmp_path.glob(".out0.tmp-*")) and not list(tmp_path.glob(".out0.old-*"))
