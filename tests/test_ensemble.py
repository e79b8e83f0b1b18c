"""Ensembles: reductions to bands, and identical results whichever backend runs them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import crossings
from crossings.ensemble import Ensemble
from crossings.ensemble.params import get_param, parse_name, set_params
from crossings.ensemble.reductions import STATS, band, reduce, tidy
from crossings.errors import ScenarioError
from ensemble_worlds import short_channel

SEEDS = [1, 2, 3, 4]


# ------------------------------------------------------------------ reductions
@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 9), st.integers(1, 4), st.integers(1, 3)),
           elements=st.floats(-1e9, 1e9, allow_nan=False)),
    st.randoms(use_true_random=False),
)
def test_bands_are_ordered_contain_the_median_and_ignore_replicate_order(cube, rnd):
    frames = [pd.DataFrame(c, columns=[f"m{j}" for j in range(cube.shape[2])]) for c in cube]
    red = reduce(frames)
    for m in frames[0].columns:
        q = red[m][list(STATS)].to_numpy()
        assert (np.diff(q, axis=1) >= -1e-6 * (1 + np.abs(q[:, :-1]))).all()
        lo, hi = cube[:, :, list(frames[0].columns).index(m)].min(0), cube[:, :, list(frames[0].columns).index(m)].max(0)
        assert (q[:, 0] >= lo - 1e-6 * (1 + abs(lo))).all() and (q[:, -1] <= hi + 1e-6 * (1 + abs(hi))).all()
    shuffled = list(frames)
    rnd.shuffle(shuffled)
    pd.testing.assert_frame_equal(reduce(shuffled), red)


def test_identical_replicates_have_zero_width_bands():
    f = pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan, 3.0]})
    red = reduce([f, f, f])
    for s in STATS:
        pd.testing.assert_series_equal(red[("a", s)], f["a"], check_names=False)
    assert np.isnan(red[("b", "median")].iloc[0])  # undefined in every run stays undefined
    b = band(red, "a", 90)
    assert (b["low"] == b["high"]).all()
    assert list(tidy(red).columns) == list(STATS)


def test_reduce_refuses_replicates_with_different_rows():
    with pytest.raises(ValueError):
        reduce([pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [1.0, 2.0]})])


# ------------------------------------------------------------------ parameters by dotted name
def test_dotted_names_reach_tables_named_items_and_dictionaries():
    sc = short_channel()
    assert parse_name("sites[Calais camps].capacity") == ["sites", "Calais camps", "capacity"]
    new = set_params(sc, {"people.beta_success": 9.5, "sites[Calais camps].capacity": 1234.0,
                          "sites[1].attractiveness": 0.25, "enforcement.half_saturation_eur_million.port": 77.0})
    assert get_param(new, "people.beta_success") == 9.5
    assert new.sites[0].capacity == 1234.0 and new.sites[1].attractiveness == 0.25
    assert get_param(new, "enforcement.half_saturation_eur_million.port") == 77.0
    assert sc.people.beta_success != 9.5  # the original is unchanged


@pytest.mark.parametrize("name,value,field", [
    ("people.beta_sucess", 1.0, "people.beta_sucess"),          # a typo
    ("sites[Nowhere].capacity", 1.0, "sites[Nowhere].capacity"),
    ("lorry.success_unenforced", 1.5, "lorry.success_unenforced"),  # out of range, from the schema
    ("people", 1.0, "people"),                                  # a table, not a value
])
def test_bad_parameter_names_and_values_are_one_line_errors(name, value, field):
    with pytest.raises(ScenarioError) as e:
        set_params(short_channel(), {name: value}, source="(test)")
    msg = str(e.value)
    assert "\n" not in msg and field in msg


# ------------------------------------------------------------------ ensembles and backends
@pytest.fixture(scope="module")
def serial():
    return Ensemble(short_channel(), seeds=SEEDS).run(backend="serial")


def _assert_same(a, b):
    assert len(a.runs) == len(b.runs)
    for x, y in zip(a.runs, b.runs, strict=True):
        assert x.seed == y.seed
        pd.testing.assert_frame_equal(x.daily, y.daily, check_exact=True)
        pd.testing.assert_frame_equal(x.sites, y.sites, check_exact=True)
        pd.testing.assert_frame_equal(x.yearly, y.yearly, check_exact=True)
    for t in ("yearly", "monthly", "sites_yearly"):
        pd.testing.assert_frame_equal(a.bands(t), b.bands(t), check_exact=True)


def test_ensemble_replicates_are_the_single_runs_of_each_seed(serial):
    sc = short_channel()
    for seed, run in zip(SEEDS, serial.runs, strict=True):
        one = crossings.Sim(sc, seed=seed).run()
        pd.testing.assert_frame_equal(run.daily, one.daily, check_exact=True)
    y = serial.yearly
    assert y.columns.names == ["metric", "stat"]
    med = y[("crossings_total", "median")].iloc[0]
    per_seed = [r.yearly["crossings_total"].iloc[0] for r in serial.runs]
    assert med == np.median(per_seed)  # four seeds: the median is the mean of the middle two
    assert min(per_seed) <= y[("crossings_total", "p5")].iloc[0] <= med <= y[("crossings_total", "p95")].iloc[0] <= max(per_seed)


def test_local_processes_match_a_single_process(serial):
    local = Ensemble(short_channel(), seeds=SEEDS).run(backend="local", workers=2)
    _assert_same(serial, local)


def test_a_dask_cluster_matches_local_processes_and_a_single_process(serial):
    distributed = pytest.importorskip("distributed")
    local = Ensemble(short_channel(), seeds=SEEDS).run(backend="local", workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0", memory_limit="1GiB") as cluster:
        on_dask = Ensemble(short_channel(), seeds=SEEDS).run(dask=cluster.scheduler_address)
    assert on_dask.batch.backend.startswith("dask")
    _assert_same(serial, on_dask)
    _assert_same(local, on_dask)


def test_draws_are_parameter_sets_run_with_every_seed():
    ens = Ensemble(short_channel(), seeds=[1, 2], draws=[{"people.beta_success": 10.0}, {"people.beta_success": 14.0}])
    assert [(r.draw, r.seed) for r in ens.replicates] == [(0, 1), (0, 2), (1, 1), (1, 2)]
    assert [r.scenario.people.beta_success for r in ens.replicates] == [10.0, 10.0, 14.0, 14.0]
    assert len({r.key for r in ens.replicates}) == 4


def test_progress_shows_runs_done_runs_per_second_and_time_left():
    import io
    import re
    import time

    from rich.console import Console

    from crossings.ensemble.progress import RunProgress

    buf = io.StringIO()
    with RunProgress(40, 10, "compare", console=Console(file=buf, force_terminal=True, width=150)) as p:
        time.sleep(0.05)
        p.advance(2)
        p._progress.refresh()
        text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", buf.getvalue())
    assert "12/40 runs" in text and "(10 from store)" in text
    assert re.search(r"\d+\.\d\d runs/s", text) and re.search(r"left \d+:\d\d:\d\d", text)
    quiet = RunProgress(5, 5, "all stored")  # nothing to compute: no display
    assert not quiet.enabled


def test_a_worker_with_other_code_refuses_the_work():
    from crossings.ensemble.tasks import Task, simulate
    from crossings.errors import CrossingsError

    with pytest.raises(CrossingsError, match="same version"):
        simulate(Task(short_channel(), 1, "0.0.0+000000000000"))
