"""The results store: runs stored once and returned on request, refusal of damaged or
mismatched entries, SQL over the catalogue, and an ensemble resuming after kill -9."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from crossings.ensemble import Ensemble
from crossings.ensemble.replicates import replicate
from crossings.store import Store, StoreError
from crossings.store.keys import code_version, run_key, scenario_payload
from ensemble_worlds import invoke, short_channel, write_short_channel

SEEDS = [1, 2, 3]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """An ensemble computed into a fresh store, and the same ensemble without a store."""
    root = tmp_path_factory.mktemp("store")
    first = Ensemble(short_channel(), seeds=SEEDS).run(store=root, backend="serial")
    return root, first


def _folder(root: Path, seed: int) -> Path:
    return Store(root).path_of(replicate(short_channel(), seed).key)


def test_key_is_the_hash_of_resolved_scenario_seed_and_version():
    sc = short_channel()
    a, b = replicate(sc, 1), replicate(sc, 2)
    assert a.key != b.key and len(a.key) == 64
    assert a.key == run_key(scenario_payload(sc.model_copy(update={"seed": 1})), 1, code_version())
    changed = replicate(sc.model_copy(update={"people": sc.people.model_copy(update={"beta_success": 11.0})}), 1)
    assert changed.key != a.key  # any parameter change is another run
    assert run_key(a.payload, 1, "0.0.0+other") != a.key  # so is other code


def test_asking_again_returns_the_stored_runs_without_computing(stored):
    root, first = stored
    assert (first.computed, first.from_store) == (len(SEEDS), 0)
    again = Ensemble(short_channel(), seeds=SEEDS).run(store=root, backend="serial")
    assert (again.computed, again.from_store) == (0, len(SEEDS))
    for a, b in zip(first.runs, again.runs, strict=True):
        pd.testing.assert_frame_equal(a.daily, b.daily, check_exact=True)
        pd.testing.assert_frame_equal(a.sites, b.sites, check_exact=True)
        pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)
    pd.testing.assert_frame_equal(first.yearly, again.yearly, check_exact=True)
    # a bigger ensemble computes only the new seed
    more = Ensemble(short_channel(), seeds=[*SEEDS, 4]).run(store=root, backend="serial")
    assert (more.computed, more.from_store) == (1, len(SEEDS))


def test_catalogue_lists_every_run_and_answers_sql(stored):
    root, _ = stored
    st = Store(root)
    runs = st.runs()
    assert set(runs["seed"]) >= set(SEEDS) and (runs["scenario"] == "short-channel").all()
    assert runs["key"].str.len().eq(64).all()
    df = st.sql("select r.seed, sum(d.crossings_total) as crossed from daily d join runs r on r.key = d.run_key "
                "group by 1 order by 1")
    got = Ensemble(short_channel(), seeds=SEEDS).run(store=root, backend="serial")
    for seed, run in zip(SEEDS, got.runs, strict=True):
        assert df.loc[df.seed == seed, "crossed"].item() == run.daily["crossings_total"].sum()
    with pytest.raises(StoreError) as e:
        st.sql("select no_such_column from runs")
    assert "\n" not in str(e.value)


def test_a_run_folder_missing_from_the_catalogue_is_catalogued_again(stored):
    root, _ = stored
    st = Store(root)
    st.catalogue_path.unlink()  # as if killed between writing the run and cataloguing it
    assert set(st.runs()["seed"]) >= set(SEEDS)


def _copy_store(root: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(root, dest)
    return dest


def _refused(root: Path, *words: str) -> str:
    with pytest.raises(StoreError) as e:
        Ensemble(short_channel(), seeds=SEEDS).run(store=root, backend="serial")
    msg = str(e.value)
    assert "\n" not in msg, msg
    for w in words:
        assert w in msg, msg
    return msg


def test_a_corrupted_parquet_file_is_refused(stored, tmp_path):
    root = _copy_store(stored[0], tmp_path / "s")
    f = _folder(root, 2) / "daily.parquet"
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    _refused(root, "daily.parquet", "checksum", "refusing")


def test_a_damaged_parquet_file_vouched_for_by_its_manifest_is_refused(stored, tmp_path):
    """Garbage with a matching checksum (manifest rewritten) still cannot pass as a run."""
    import hashlib

    root = _copy_store(stored[0], tmp_path / "s")
    folder = _folder(root, 1)
    garbage = b"PAR1" + os.urandom(200) + b"PAR1"
    (folder / "yearly.parquet").write_bytes(garbage)
    m = json.loads((folder / "manifest.json").read_text())
    m["files"]["yearly.parquet"].update(sha256=hashlib.sha256(garbage).hexdigest(), bytes=len(garbage))
    (folder / "manifest.json").write_text(json.dumps(m))
    _refused(root, "yearly.parquet", "cannot be read")


@pytest.mark.parametrize("field,value,words", [
    ("seed", 99, ("different run", "seed")),
    ("code_version", "0.0.1+000000000000", ("different run", "crossings 0.0.1")),
    ("scenario", "other", ("different run", "scenario")),
])
def test_a_manifest_that_does_not_match_is_refused(stored, tmp_path, field, value, words):
    root = _copy_store(stored[0], tmp_path / "s")
    folder = _folder(root, 3)
    m = json.loads((folder / "manifest.json").read_text())
    if field == "scenario":
        m["scenario"]["people"]["beta_success"] = 1.0
    else:
        m[field] = value
    (folder / "manifest.json").write_text(json.dumps(m))
    _refused(root, *words)
    bad = Store(root).verify()
    assert [k for k, _ in bad] == [folder.name]  # the folder no longer hashes to its key


def test_the_command_line_refuses_a_corrupted_entry_on_one_line(stored, tmp_path):
    root = _copy_store(stored[0], tmp_path / "s")
    f = _folder(root, 1) / "sites_daily.parquet"
    f.write_bytes(f.read_bytes()[:-10])  # truncated
    scen = write_short_channel(tmp_path)
    r = invoke("run", str(scen), "--seeds", "3", "--workers", "1", "--store", str(root), "--no-save", "--no-progress")
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "sites_daily.parquet" in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def _stored_count(root: Path) -> int:
    return sum(1 for p in (root / "runs").glob("??/*/manifest.json") if re.fullmatch(r"[0-9a-f]{64}", p.parent.name))


def test_an_ensemble_killed_half_way_resumes_and_ends_identical(tmp_path):
    n = 10
    end = dt.date(2014, 4, 30)
    root = tmp_path / "store"
    scen = write_short_channel(tmp_path, end)
    args = [sys.executable, "-m", "crossings.cli", "run", str(scen), "--seeds", str(n), "--workers", "1",
            "--store", str(root), "--no-save", "--no-progress"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.monotonic()
    try:
        while _stored_count(root) < 3 if (root / "runs").is_dir() else True:
            assert proc.poll() is None, "the ensemble ended before it could be killed: " + proc.stderr.read().decode()
            assert time.monotonic() - t0 < 180, "no runs stored after 180 s"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
        proc.stderr.close()
    done = _stored_count(root)
    assert 3 <= done < n, f"kill -9 came too late to test a resume ({done} of {n} stored)"
    assert Store(root).verify() == []  # only complete runs: nothing half-written is visible
    r = invoke("run", scen, "--seeds", n, "--workers", 1, "--store", root, "--no-save", "--no-progress")
    assert r.returncode == 0, r.stderr
    m = re.search(r"(\d+) runs: (\d+) computed.*?(\d+) from the store", r.stdout)
    assert m and int(m.group(1)) == n, r.stdout
    assert (int(m.group(2)), int(m.group(3))) == (n - done, done)  # only the missing runs were computed
    resumed = Ensemble(short_channel(end), seeds=range(1, n + 1)).run(store=root, backend="serial")
    assert resumed.computed == 0
    fresh = Ensemble(short_channel(end), seeds=range(1, n + 1)).run(backend="serial")
    for a, b in zip(resumed.runs, fresh.runs, strict=True):
        pd.testing.assert_frame_equal(a.daily, b.daily, check_exact=True)
        pd.testing.assert_frame_equal(a.sites, b.sites, check_exact=True)
    for t in ("yearly", "monthly"):
        pd.testing.assert_frame_equal(resumed.bands(t), fresh.bands(t), check_exact=True)
    listed = invoke("runs", "--store", root, "--verify")
    assert listed.returncode == 0 and f"{n} stored runs" in listed.stdout and "verified 10 run folders: 0 bad" in listed.stdout
