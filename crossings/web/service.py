"""What the API does, without HTTP: the scenarios offered, requests checked against the
scenario schema and the server's limits, jobs queued, run in the background, stored.

Jobs run one at a time in a background thread (so one request cannot starve the machine)
from a bounded queue: a submission that finds the queue full is refused (429). Every run
goes to the results store (:class:`crossings.store.Store`); each job is recorded as a JSON
file under ``<store>/web/jobs/`` (written atomically), so after a restart the server lists
earlier jobs and reopens their results. A job that was queued or running when the server
stopped is listed as interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from crossings.errors import CrossingsError, ScenarioError
from crossings.store import Store
from crossings.web.levers import to_policies
from crossings.web.models import RunRequest

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
# Series the page charts (monthly median and 90% band) and the observed series drawn with them.
CHART = {
    "crossings_total": None, "crossings_boat": "small_boat_arrivals", "crossings_lorry": "lorry_arrivals_uk",
    "deaths": "deaths_small_boats", "in_camps": None, "public_spending_eur": None,
    "people_per_boat": "people_per_boat", "mean_price_boat_paid_eur": "price_boat_eur",
}
SUMMARY = ["crossings_total", "crossings_boat", "deaths", "in_camps", "public_spending_eur"]


class RequestError(Exception):
    """A request the server refuses: ``loc`` names the field (as FastAPI's 422 does)."""

    def __init__(self, loc: list, msg: str, status: int = 422):
        super().__init__(msg)
        self.loc, self.msg, self.status = loc, msg, status


class QueueFull(Exception):
    pass


class LockedStore(Store):
    """The results store shared by the API threads and the job thread: one lock around each
    use of the catalogue (DuckDB allows one writer per file)."""

    _lock = threading.RLock()

    def _locked(name):  # noqa: N805 - a decorator factory in the class body
        def method(self, *a, **kw):
            with self._lock:
                return getattr(Store, name)(self, *a, **kw)
        return method

    get = _locked("get")
    put = _locked("put")
    flush = _locked("flush")
    reconcile = _locked("reconcile")
    runs = _locked("runs")
    sql = _locked("sql")
    load = _locked("load")


class Scenarios:
    """The scenarios offered: the built-in corridor scenarios and the files of ``extra`` (a
    folder given on the command line). Clients name them; they never send paths."""

    def __init__(self, extra: Path | None = None):
        from crossings.scenario import Scenario, load_scenario
        from crossings.scenario.loader import BUILTIN

        self.paths: dict[str, Path] = {}
        for d in sorted(BUILTIN.iterdir()):
            if (d / "scenario.toml").is_file():
                self.paths[d.name] = d / "scenario.toml"
        if extra is not None:
            for f in sorted(Path(extra).glob("*.toml")):
                self.paths[f.stem] = f
        self.loaded: dict[str, Any] = {}
        for name, p in list(self.paths.items()):
            sc = load_scenario(p)
            if isinstance(sc, Scenario):  # Flee scenarios have no corridor to put levers on
                self.loaded[name] = sc
        self._agent_days: dict[str, float] = {}

    def get(self, name: str):
        if name not in self.loaded:
            raise RequestError(["body", "scenario"], f"one of {', '.join(sorted(self.loaded))} (not {name!r})")
        return self.loaded[name]

    def agent_days(self, sc) -> float:
        """Agents (expected arrivals and initial residents, per agent) times days: the size of a run."""
        from crossings.engine.timeline import compile_timeline, compile_world
        from crossings.store.keys import canonical, scenario_payload

        k = canonical(scenario_payload(sc.model_copy(update={"policies": [], "seed": 0})))
        if k not in self._agent_days:
            tl = compile_timeline(sc, compile_world(sc))
            agents = (float(tl.inflow_per_day.sum()) + sum(s.initial_population for s in sc.sites)) / sc.scale
            self._agent_days[k] = agents * ((sc.end - sc.start).days + 1)
            if len(self._agent_days) > 256:
                self._agent_days.pop(next(iter(self._agent_days)))
        return self._agent_days[k]


def _merge(parent: dict, child: dict) -> dict:
    out = dict(parent)
    for k, v in child.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def build(req: RunRequest, scenarios: Scenarios, max_seeds: int, max_agent_days: float):
    """``(baseline, policy or None, added policies)`` for a request, or :class:`RequestError`."""
    from crossings.scenario.loader import validate

    if req.seeds > max_seeds:
        raise RequestError(["body", "seeds"], f"at most {max_seeds} seeds on this server (got {req.seeds})")
    base0 = scenarios.get(req.scenario)
    for k in ("inherits", "name", "seed", "policies", "model"):
        if k in req.overrides:
            raise RequestError(["body", "overrides", k], f"'{k}' cannot be overridden here" +
                               (" (send policies in 'policies')" if k == "policies" else ""))
    data = base0.model_dump(mode="python", exclude_none=True)
    data.pop("inherits", None)
    try:
        base = validate(_merge(data, req.overrides), Path("overrides")) if req.overrides else base0
    except ScenarioError as e:
        raise RequestError(["body", "overrides", *_loc(e.field)], e.expected) from None
    added = to_policies(req.levers, base) if req.levers is not None else []
    n_levers = len(added)
    added += [dict(p) for p in req.policies]
    pol = None
    if added:
        d = base.model_dump(mode="python", exclude_none=True)
        n_base = len(d.get("policies", []))
        d["policies"] = list(d.get("policies", [])) + added
        d["name"] = f"{base.name}-policy"
        try:
            pol = validate(d, Path("policies"))
        except ScenarioError as e:
            m = re.match(r"^policies\[(\d+)\](.*)$", e.field)
            if m and int(m.group(1)) >= n_base:
                k = int(m.group(1)) - n_base
                where = ["body", "levers"] if k < n_levers else ["body", "policies", k - n_levers, *_loc(m.group(2))]
                raise RequestError(where, e.expected) from None
            raise RequestError(["body", "policies"], f"{e.field}: {e.expected}") from None
        from crossings.ensemble.compare import first_policy_day

        first = first_policy_day(pol.policies[n_base:])
        if first is not None and first > base.end:
            raise RequestError(["body", "levers" if n_levers else "policies"],
                               f"a policy in force by the scenario's last day ({base.end}); the first starts on {first}")
    for which, sc in (("overrides", base), ("policies", pol)):
        if sc is None:
            continue
        try:
            size = scenarios.agent_days(sc)
        except CrossingsError as e:
            raise RequestError(["body", which], str(e)) from None
        if size > max_agent_days:
            raise RequestError(["body", "overrides"], f"a run of at most {max_agent_days:.3g} agents x days on this server "
                               f"(this one: {size:.3g}; raise 'scale' or shorten the horizon)")
    return base, pol, added


def _loc(field: str) -> list:
    out: list = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", field or ""):
        out.append(int(part[1:-1]) if part.startswith("[") else part)
    return out


def _now() -> str:
    """UTC time to the microsecond: jobs are listed newest first by it, and two jobs submitted within
    the same second must not tie (a tie was listed in file-name order after a restart)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def clean(x):
    """JSON-safe: NaN and infinities as null, NumPy scalars as Python numbers."""
    if isinstance(x, dict):
        return {str(k): clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if np.isfinite(v) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    return x


class Jobs:
    """The queue, the job thread and the job records."""

    def __init__(self, store: LockedStore, scenarios: Scenarios, queue_size: int = 8, start: bool = True):
        self.store, self.scenarios = store, scenarios
        self.dir = store.root / "web" / "jobs"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.queue: queue.Queue = queue.Queue(maxsize=queue_size)
        self.jobs: dict[str, dict] = {}
        self.lock = threading.RLock()
        self._load()
        self._stop = threading.Event()
        self.thread = None
        if start:
            self.thread = threading.Thread(target=self._work, name="crossings-jobs", daemon=True)
            self.thread.start()

    # ---------------------------------------------------------------- records
    def _load(self) -> None:
        for f in sorted(self.dir.glob("*.json")):
            try:
                job = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(job, dict) or not JOB_ID.match(str(job.get("id", ""))) or job["id"] != f.stem:
                continue
            if job.get("state") in ("queued", "running"):
                job["state"] = "interrupted"
                job["message"] = "the server stopped before this job finished; submit it again"
                self._save(job)
            self.jobs[job["id"]] = job

    def _save(self, job: dict) -> None:
        path = self.dir / f"{job['id']}.json"
        tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(clean(job)), encoding="utf-8")
        os.replace(tmp, path)

    # ---------------------------------------------------------------- API
    def submit(self, req: RunRequest, base, pol, added: list[dict]) -> dict:
        job = {"id": uuid.uuid4().hex, "state": "queued", "scenario": req.scenario,
               "kind": "comparison" if pol is not None else "run", "seeds": req.seeds, "created": _now(),
               "finished": None, "progress": 0.0, "message": "", "request": req.model_dump(mode="json"),
               "policies": added, "keys": {}, "result": None}
        with self.lock:
            if self.queue.full():
                raise QueueFull()
            self._save(job)
            self.jobs[job["id"]] = job
            position = self.queue.qsize()
            self.queue.put_nowait((job["id"], base, pol))
        return {"id": job["id"], "state": "queued", "position": position}

    def get(self, job_id: str) -> dict | None:
        if not JOB_ID.match(job_id):
            return None
        with self.lock:
            job = self.jobs.get(job_id)
            return dict(job) if job is not None else None

    def list(self) -> list[dict]:
        with self.lock:
            jobs = [dict(j) for j in self.jobs.values()]
        return sorted(jobs, key=lambda j: j["created"], reverse=True)

    def close(self) -> None:
        self._stop.set()

    # ---------------------------------------------------------------- work
    def _update(self, job_id: str, **kw) -> None:
        with self.lock:
            job = self.jobs[job_id]
            job.update(kw)
            if kw.get("state") in ("done", "failed") or "keys" in kw:
                self._save(job)

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                job_id, base, pol = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self._update(job_id, state="running")
                result, keys = self.execute(job_id, base, pol)
                self._update(job_id, state="done", progress=1.0, result=result, keys=keys, finished=_now())
            except Exception as e:  # a job that fails is reported; the server goes on
                self._update(job_id, state="failed", message=" ".join(str(e).split())[:500] or type(e).__name__,
                             finished=_now())
            finally:
                self.queue.task_done()

    def execute(self, job_id: str, base, pol) -> tuple[dict, dict]:
        from crossings.ensemble.replicates import replicate
        from crossings.sim import Sim
        from crossings.store.catalogue import Run
        from crossings.store.keys import code_version

        seeds = list(range(1, int(self.jobs[job_id]["seeds"]) + 1))
        groups = [("baseline", base)] + ([("policy", pol)] if pol is not None else [])
        reps = [(g, replicate(sc, s)) for g, sc in groups for s in seeds]
        version = code_version()
        runs: dict[str, list] = {g: [] for g, _ in groups}
        keys: dict[str, list] = {g: [] for g, _ in groups}
        n = len(reps)
        last = [0.0]
        for i, (g, rep) in enumerate(reps):
            res = self.store.get(rep.key, rep.payload, rep.seed, version)
            if res is None:
                def cb(day, total, i=i):
                    now = time.monotonic()
                    if now - last[0] > 0.2 or day == total:
                        last[0] = now
                        self._update(job_id, progress=min(0.99, (i + day / total) / n))

                res = Run(Sim(rep.scenario, seed=rep.seed).run(progress=cb))
                self.store.put(rep.key, rep.payload, rep.seed, version, res)
            runs[g].append(res)
            keys[g].append(rep.key)
            self._update(job_id, progress=min(0.99, (i + 1) / n))
        self.store.flush()
        self._update(job_id, keys=keys)
        return result_json(base, pol, runs, seeds), keys


def comparison_of(base, pol, runs: dict, seeds: list[int]):
    from crossings.ensemble.compare import Comparison, first_policy_day

    n = len(base.policies)
    w0 = max(first_policy_day(pol.policies[n:]) or base.start, base.start)
    camps = [s.name for s in base.sites if s.kind == "camp"]
    return Comparison(base.name, pol.name, w0, base.end, seeds, camps, runs["baseline"], runs["policy"])


def result_json(base, pol, runs: dict, seeds: list[int]) -> dict:
    """What the page draws: monthly medians and 90% bands, observed points, summary numbers."""
    from crossings.report import Group
    from crossings.report.data import LABELS, observed_points, scenario_observed

    import pandas as pd

    groups = [Group("baseline", base, runs["baseline"])] + ([Group("policy", pol, runs["policy"])] if pol is not None else [])
    out: dict[str, Any] = {"kind": "comparison" if pol is not None else "run", "seeds": seeds,
                           "start": base.start.isoformat(), "end": base.end.isoformat(),
                           "labels": {m: LABELS.get(m, m) for m in CHART}, "groups": [], "observed": {}}
    for g in groups:
        b = g.bands("monthly")
        entry = {"label": g.label, "scenario": g.scenario.name,
                 "dates": [d.date().isoformat() for d in b.index], "series": {}}
        for m in CHART:
            band = g.band("monthly", m)
            if band is not None:
                entry["series"][m] = {"median": band["median"].tolist(), "low": band["low"].tolist(), "high": band["high"].tolist()}
        out["groups"].append(entry)
    obs = scenario_observed(base.name)
    for m, series in CHART.items():
        if series:
            per_month = m not in ("people_per_boat", "mean_price_boat_paid_eur")
            pts = observed_points(series, pd.Timestamp(base.start), pd.Timestamp(base.end), per_month, obs)
            out["observed"][m] = [{"start": r.start.date().isoformat(), "end": r.end.date().isoformat(), "value": r.value,
                                   "low": r.low, "high": r.high, "source": r.source} for r in pts.itertuples()]
    if pol is None:
        rows = []
        for m in SUMMARY:
            vals = [float(r.daily[m].mean() if m == "in_camps" else r.daily[m].sum()) for r in runs["baseline"] if m in r.daily]
            if vals:
                q = np.quantile(vals, [0.05, 0.5, 0.95])
                rows.append({"key": m, "label": LABELS.get(m, m) + (" (daily mean)" if m == "in_camps" else ", whole run"),
                             "median": q[1], "low90": q[0], "high90": q[2]})
        out["summary"] = rows
    else:
        c = comparison_of(base, pol, runs, seeds)
        tab = c.table()
        out["window"] = {"start": c.start.isoformat(), "end": c.end.isoformat()}
        out["summary"] = [{"key": r["key"], "label": str(lab).strip(), "baseline": r["baseline"], "policy": r["policy"],
                           "difference": r["difference"], "low90": r["low90"], "high90": r["high90"], "seeds": r["seeds"]}
                          for lab, r in tab.iterrows()]
    return clean(out)
