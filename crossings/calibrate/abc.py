"""ABC-SMC calibration with pyabc (Klinger, Rickert & Hasenauer 2018; Schälte et al. 2022).

``calibrate(target, budget=N)`` fits the free priors of a :class:`~crossings.calibrate.model.Target`:

* **Model output**: each particle is one run (one seed, drawn per run) summarised by the
  distance of every observed series from its sources' spread (0 inside it); the observed
  summary is 0 for every series.
* **Distance** (``distance=``):

  - ``"adaptive"`` (the default): pyabc's ``AdaptivePNormDistance`` with p = 1 (Prangle
    2017): each series is scaled in each generation by the root mean square of its
    distances over the last population (``root_mean_square_deviation``: series that are far
    off everywhere do not swamp the rest), with the ratio of the largest to the smallest
    weight capped at 20 (assumption) so no series is ignored or dominates.
  - ``"balanced"``: the same adaptive distance with the ratio capped at 4 (assumption): the
    scaling still tames the noisiest series, but no series counts for less than a quarter of
    another, nearer the equal weights of the validation's median score. With a cap of 20, the
    series that are far off or noisy in every particle (deaths, boat attempts at sea in
    2016-17, lorry detections) weigh so little that the posterior can drift on them.
  - ``"equal"``: pyabc's ``PNormDistance`` with p = 1 and every series weighted 1 / (number
    of series): the distance ``crossings check`` reports (the unweighted mean of the
    per-series distances, :func:`~crossings.calibrate.model.total`), so the calibration
    ranks parameter sets as the check and the validation's median score do. Adaptive
    weights favour the series that already fit everywhere (a small spread gets a large
    weight); equal weights do not.
  - ``"point"``: the balanced distance (ratio capped at 4) on another summary: each series'
    mean |log(model / observed)| (:func:`~crossings.calibrate.targets.series_log_ratios`), the
    validation's median score one series at a time, instead of its distance outside the
    sources' spread. The spread-based summaries are 0 anywhere inside a wide spread (deaths in
    2022: 4-16; boat prices in 2020: 500-4,500), so the calibration is indifferent there while
    the median's score is not; this summary ranks parameter sets as that score does. The
    sources' spread then enters only through the validation's coverage (docs/calibration.md).
* **Acceptance**: the threshold of each generation is the median of the previous
  generation's distances (``QuantileEpsilon(alpha=0.5)``).
* **Proposal** (``transition``): pyabc's ``MultivariateNormalTransition`` (``"normal"``, the
  default: one Gaussian kernel per particle with a covariance estimated from the whole population,
  scaled by Silverman's rule) or its ``LocalTransition`` (``"local"``: each particle's covariance
  from its nearest quarter of the population, ``k_fraction = 0.25``), which follows a curved or
  narrow posterior more closely and can keep the weights from collapsing onto a few particles
  (Filippi et al. 2013, Stat. Appl. Genet. Mol. Biol. 12:87). A database continues only with the
  proposal it was started with.
* **Budget**: N simulations in all, counted over every generation and every resumed session
  (``max_total_nr_simulations``); the calibration stops when the budget is spent (a
  generation in progress stops there too).
* **Parallel**: pyabc's multicore sampler on the local cores by default, or its
  ``DaskDistributedSampler`` on a ``distributed`` cluster (an address, or a LocalCluster).
* **History**: every finished generation is in the SQLite database (``--db``); running again
  with the same database continues from the last finished generation (``ABCSMC.load``), and
  :func:`posterior_of_generation` writes any finished generation without running anything.

The result is written as a posterior file (:mod:`~crossings.calibrate.posterior`): the last
generation's particles (prior space) with their weights, and a JSON sidecar with the budget,
simulations, wall time, scale, generations, final epsilon, version and date.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from crossings.calibrate.model import ABCModel, Target
from crossings.errors import CrossingsError

MAX_WEIGHT_RATIO = {"adaptive": 20.0, "balanced": 4.0, "point": 4.0}  # assumptions: see the module docstring
DISTANCES = ("adaptive", "equal", "balanced", "point")
DISTANCE_TEXT = {
    "adaptive": "pyabc AdaptivePNormDistance(p=1, scale = root mean square deviation, max weight ratio 20) on per-series distances",
    "balanced": "pyabc AdaptivePNormDistance(p=1, scale = root mean square deviation, max weight ratio 4) on per-series distances",
    "point": "pyabc AdaptivePNormDistance(p=1, scale = root mean square deviation, max weight ratio 4) on per-series mean |log(model / observed)|",
    "equal": "pyabc PNormDistance(p=1), every series weighted 1 / number of series: the check's distance (unweighted mean of per-series distances)",
}
TRANSITIONS = ("normal", "local")
LOCAL_K_FRACTION = 0.25  # pyabc's default share of the population that sets each particle's local covariance
TRANSITION_TEXT = {
    "normal": "pyabc MultivariateNormalTransition (Silverman's bandwidth, covariance of the whole population)",
    "local": f"pyabc LocalTransition (k_fraction={LOCAL_K_FRACTION}: each particle's covariance from its nearest neighbours)",
}


@dataclass
class Calibration:
    particles: pd.DataFrame  # prior-space values, one column per free parameter (dotted names)
    weights: pd.Series
    meta: dict
    db: Path


def _sampler(workers: int | None, dask: str | None, local_cluster: bool):
    """pyabc's sampler and whatever must be closed after the run."""
    import pyabc

    if dask is None and not local_cluster:
        from crossings.ensemble.backends import default_workers

        n = workers or default_workers()
        if n == 1:
            return pyabc.sampler.SingleCoreSampler(check_max_eval=True), []
        return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=n, check_max_eval=True), []
    from distributed import Client

    closers = []
    if local_cluster:
        from distributed import LocalCluster

        from crossings.ensemble.backends import default_workers

        cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        closers.append(cluster)
        client = Client(cluster)
    else:
        try:
            client = Client(dask, timeout="20s")
        except (OSError, TimeoutError, ValueError) as e:
            raise CrossingsError(f"--dask: cannot reach a Dask scheduler at {dask} ({e.__class__.__name__}: {e})") from None
    closers.insert(0, client)
    return pyabc.sampler.DaskDistributedSampler(dask_client=client, batch_size=1), closers


def _prior(target: Target):
    import pyabc

    return pyabc.Distribution(**{k: pyabc.RV(*p.abc_rv()) for k, p in zip(target.keys, target.priors.items, strict=True)})


def calibrate(target: Target, budget: int, population: int = 50, db: str | Path = "calibration.db",
              workers: int | None = None, dask: str | None = None, local_cluster: bool = False,
              label: str = "", quiet: bool = True, distance: str = "adaptive", transition: str = "normal") -> Calibration:
    """Run (or continue) ABC-SMC on ``target`` until ``budget`` simulations in all, with the
    ``distance`` named (``"adaptive"``, ``"equal"``, ``"balanced"`` or ``"point"``) and the proposal ``transition`` (``"normal"`` or
    ``"local"``; see the module docstring)."""
    import pyabc
    from pyabc.distance.scale import root_mean_square_deviation

    if budget < population:
        raise CrossingsError(f"--budget: at least the population size ({population}) simulations (got {budget})")
    if population < 2:
        raise CrossingsError(f"--population: at least 2 particles (got {population})")
    if distance not in DISTANCES:
        raise CrossingsError(f"--distance: one of {', '.join(DISTANCES)} (got {distance!r})")
    if transition not in TRANSITIONS:
        raise CrossingsError(f"--transition: one of {', '.join(TRANSITIONS)} (got {transition!r})")
    for name in ("ABC.Distance", "ABC.Sampler", "ABC.Epsilon", "ABC.History", "ABC.Predictor", "ABC.Transition",
                 "ABC.Acceptor", "ABC.Adaptation", "Redis-Worker"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # pyabc's own handler prints a few lines per generation (threshold, acceptance): the progress of a calibration
    logging.getLogger("ABC").setLevel(logging.WARNING if quiet else logging.INFO)
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{db.resolve()}"
    sampler, closers = _sampler(workers, dask, local_cluster)
    if distance in MAX_WEIGHT_RATIO:
        dist = pyabc.AdaptivePNormDistance(p=1, scale_function=root_mean_square_deviation,
                                           max_scale_weight_ratio=MAX_WEIGHT_RATIO[distance])
    else:
        dist = pyabc.PNormDistance(p=1, fixed_weights=dict.fromkeys(target.series, 1.0 / len(target.series)))
    kernel = (pyabc.LocalTransition(k_fraction=LOCAL_K_FRACTION) if transition == "local"
              else pyabc.MultivariateNormalTransition())
    model = ABCModel(replace(target, summary="point") if distance == "point" else target)
    abc = pyabc.ABCSMC(model, _prior(target), dist, population_size=population,
                       eps=pyabc.QuantileEpsilon(alpha=0.5), sampler=sampler, transitions=kernel)
    resumed = False
    t0 = time.perf_counter()
    try:
        if db.exists() and db.stat().st_size > 0 and not _is_pyabc(db):
            raise CrossingsError(f"{db}: --db is not a calibration database (pyabc's SQLite); use another --db")
        if db.exists() and _has_run(url):
            _check_same(url, target, db, distance, transition)
            abc.load(url, 1)
            resumed = True
        else:
            abc.new(url, dict.fromkeys(target.series, 0.0),
                    meta_info={"crossings_scenario": target.scenario.name, "label": label, "crossings_distance": distance,
                               "crossings_transition": transition, "crossings_scale": _scale_text(target),
                               "crossings_end": str(target.horizon_end)})
        run_generations(abc, budget, population)
    finally:
        for c in closers:
            c.close()
    return result(url, target, db, budget, population, time.perf_counter() - t0, resumed, distance, transition)


def run_generations(abc, budget: int, population: int) -> None:
    """One generation at a time, each allowed at most what is left of the budget.

    pyabc checks ``max_total_nr_simulations`` only between generations, so a generation
    could overrun the budget; here each generation's sampler stops at what is left
    (``min_acceptance_rate`` = population / left, with ``check_max_eval``). A generation that
    cannot finish within the budget is not recorded, and the calibration stops there. Each
    generation starts as a resumed pyabc run does: the distance's scales and the threshold
    from the last finished population."""
    while True:
        h = abc.history
        fresh = h.max_t < 0
        done = int(h.total_nr_simulations or 0) if not fresh else 0
        left = budget - done - (population if fresh else 0)  # a fresh start first samples the prior once
        if left < population:
            return
        before = h.max_t
        abc._initial_population = None  # pyabc caches it per object: each generation starts from the last one
        abc.run(max_nr_populations=1, min_acceptance_rate=population / left, max_total_nr_simulations=budget)
        if abc.history.max_t <= before:
            return


def _is_pyabc(db: Path) -> bool:
    """Whether ``db`` is an SQLite file holding pyabc's tables (read-only check)."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{db.resolve()}?mode=ro", uri=True)
        try:
            names = {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return False
    return "abc_smc" in names


def _has_run(url: str) -> bool:
    import pyabc

    try:
        h = pyabc.History(url)
        h.id = 1
        return h.max_t >= 0 or len(h.observed_sum_stat()) > 0
    except Exception:  # noqa: BLE001 - an empty or foreign file: start anew is refused below
        return False


def _check_same(url: str, target: Target, db: Path, distance: str = "adaptive", transition: str = "normal") -> None:
    """A database continues only the calibration it holds (same free parameters, series, distance and
    proposal; a database written before these choices holds an adaptive distance and a normal proposal)."""
    import pyabc

    h = pyabc.History(url)
    h.id = 1
    stat = set(h.observed_sum_stat())
    if stat != set(target.series):
        raise CrossingsError(f"{db}: --db holds a calibration of other observed series; use another --db to start anew")
    if h.max_t >= 0:
        df, _ = h.get_distribution(m=0, t=h.max_t)
        if set(df.columns) != set(target.keys):
            raise CrossingsError(f"{db}: --db holds a calibration of other free parameters; use another --db to start anew")
    # checked last: a database of other series or parameters cannot continue at all
    for flag, key, default, chosen in (("--distance", "crossings_distance", "adaptive", distance),
                                       ("--transition", "crossings_transition", "normal", transition)):
        held = _held_meta(h, key, default)
        if held != chosen:
            raise CrossingsError(f"{db}: --db holds a calibration with {flag} {held}; continue or read it with {flag} {held}, "
                                 "or use another --db to start anew")
    # recorded since session 22 (older databases hold neither, and are not checked for them)
    for flag, key, now, what in (("--scale", "crossings_scale", _scale_text(target), "at scale {}"),
                                 ("--until", "crossings_end", str(target.horizon_end), "calibrated to {}")):
        held = _held_meta(h, key, "")
        if held and held != now:
            raise CrossingsError(f"{db}: --db holds a calibration {what.format(held)} (this one: {what.format(now)}); "
                                 f"give the {flag} it ran with, or use another --db to start anew")


def _scale_text(target: Target) -> str:
    return f"{float(target.scenario.scale):g}"


def _held_meta(h, key: str, default: str) -> str:
    """One of the choices a pyabc history was started with (its meta information; ``default`` if none is recorded)."""
    try:
        info = h.get_abc().json_parameters
    except Exception:  # noqa: BLE001 - a history without its ABC row: no recorded choice
        return default
    import ast

    try:  # pyabc stores the meta information as the repr of a dict
        meta = ast.literal_eval(info) if isinstance(info, str) else dict(info or {})
    except (TypeError, ValueError, SyntaxError):
        return default
    if not isinstance(meta, dict):  # e.g. a history started with no meta information ("None")
        return default
    return str(meta.get(key, default))


def generations(db: str | Path) -> int:
    """Finished generations in a calibration database (0 if none, including a database another process
    has created but not yet written its tables or run into).

    Read with sqlite directly, read-only: pyabc.History checks the schema version on opening and fails on a
    database whose creator has made the file but not yet written the version row (seen in CI, a race)."""
    import sqlite3

    path = Path(db).resolve()
    if not path.exists():
        return 0
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        t = con.execute("SELECT MAX(t) FROM populations WHERE abc_smc_id = 1").fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet
        return 0
    finally:
        con.close()
    return int(t) + 1 if t is not None and t >= 0 else 0


def result(url: str, target: Target, db: Path, budget: int | None, population: int | None, seconds: float,
           resumed: bool, distance: str = "adaptive", transition: str = "normal", t: int | None = None) -> Calibration:
    """The posterior of the history at ``url``: its last finished generation, or generation ``t``
    (pyabc's count: 0 is the first after the prior sample) with the simulations, wall time and
    thresholds up to it. A ``budget`` or ``population`` of None records the generation's own (the
    simulations up to it, its particles)."""
    import pyabc

    from crossings.store.keys import code_version

    h = pyabc.History(url)
    h.id = 1
    if h.max_t < 0:
        raise CrossingsError(f"--budget: {budget} simulations finished no generation; raise it")
    last = h.max_t if t is None else t
    df, w = h.get_distribution(m=0, t=last)
    keys = dict(zip(target.keys, target.names, strict=True))
    priors = {p.name: p for p in target.priors.items}
    particles = pd.DataFrame({keys[k]: [priors[keys[k]].from_abc(x) for x in df[k]] for k in target.keys})
    pops = h.get_all_populations()
    pops = pops[pops.t <= last]
    done = pops[pops.t >= 0]
    simulations = int(pops["samples"].sum())
    meta = {
        "kind": "crossings posterior",
        "scenario": target.scenario.name,
        "budget": int(simulations if budget is None else budget),
        "simulations": simulations,
        "wall_seconds": float(pops["wall_time"].fillna(0).sum()),
        "wall_seconds_this_session": float(seconds),
        "resumed": bool(resumed),
        "scale": float(target.scenario.scale),
        "calibrated_until": str(target.horizon_end),
        "simulated_until": str(target.scenario.end),
        "population": int(len(df) if population is None else population),
        "generations": int(len(done)),
        "generations_in_database": int(h.max_t + 1),
        "epsilons": [float(e) for e in done["epsilon"]],
        "final_epsilon": float(done["epsilon"].iloc[-1]),
        "effective_sample_size": float(1.0 / (w ** 2).sum() * w.sum() ** 2),
        "distance": DISTANCE_TEXT[distance],
        "distance_kind": distance,
        "transition": TRANSITION_TEXT[transition],
        "transition_kind": transition,
        "epsilon": "pyabc QuantileEpsilon(alpha=0.5): the median of the previous generation's distances",
        "series": list(target.series),
        "observed_rows": int(len(target.observed)),
        "priors": [p.model_dump() for p in target.priors.items],
        "version": code_version(),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "database": str(db),
    }
    return Calibration(particles, pd.Series(w, name="weight").reset_index(drop=True), meta, db)


def posterior_of_generation(target: Target, db: str | Path, generation: int, distance: str = "adaptive",
                            transition: str = "normal") -> Calibration:
    """The posterior of the ``generation``-th finished generation (1 = the first after the prior sample)
    of the calibration in ``db``, as :func:`calibrate` would have written it had it stopped there; runs
    no simulation. Its budget is the simulations up to that generation. The database must hold a
    calibration of ``target`` with this ``distance`` and ``transition``, as a resumed calibration must
    (one-line error otherwise). For judging a calibration generation by generation
    (docs/calibration.md)."""
    db = Path(db)
    if not db.exists() or db.stat().st_size == 0 or not _is_pyabc(db):
        raise CrossingsError(f"{db}: --db is not a calibration database (pyabc's SQLite); name the one to read")
    url = f"sqlite:///{db.resolve()}"
    n = generations(db)
    if n == 0:
        raise CrossingsError(f"{db}: --generation: this database holds no finished generation yet")
    if not 1 <= generation <= n:
        raise CrossingsError(f"{db}: --generation: this database holds {n} finished generation(s); "
                             f"give 1 to {n} (got {generation})")
    _check_same(url, target, db, distance, transition)
    return result(url, target, db, None, None, 0.0, True, distance, transition, t=generation - 1)
