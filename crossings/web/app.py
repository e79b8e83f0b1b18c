"""The FastAPI application: a JSON API (OpenAPI at ``/openapi.json``) and the page.

Safety: every ``/api`` call and the OpenAPI document need the token when the server has
one (``Authorization: Bearer TOKEN``; required when listening beyond loopback); bodies over
64 KB are refused; responses carry security headers (a strict Content-Security-Policy: the
page loads nothing from anywhere else); clients name scenarios and jobs, never files.
"""

from __future__ import annotations

import hmac
import threading
from pathlib import Path
from typing import Literal

from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from crossings.report.figures import COMPARISON_FIGURE, FIGURES
from crossings.web.levers import EXAMPLES, default_start
from crossings.web.models import Accepted, ExamplePolicy, Job, JobSummary, Limits, RunRequest, ScenarioInfo
from crossings.web.service import Jobs, LockedStore, QueueFull, RequestError, Scenarios, build, clean

STATIC = Path(__file__).parent / "static"
MAX_BODY = 64 * 1024
FigureName = Literal[tuple(stem for stem, _, _ in [*FIGURES, COMPARISON_FIGURE])]  # type: ignore[misc]
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def create_app(store: str | Path | None = None, token: str | None = None, scenarios: str | Path | None = None,
               queue: int = 8, max_seeds: int = 20, max_agent_days: float = 2e9, start_worker: bool = True,
               hosts: list[str] | None = None) -> FastAPI:
    """The app over the results store ``store`` (default: $CROSSINGS_STORE or results/store).

    ``hosts``: the only names the server answers to (the ``Host`` header, and the ``Origin`` of
    a browser's request when it sends one). A server on loopback answers to loopback names
    only, so a web page elsewhere cannot reach it through DNS rebinding or submit jobs to it
    from the user's browser (cross-site requests); ``None`` checks nothing (the token does)."""
    st = LockedStore(store)
    catalogue = Scenarios(Path(scenarios) if scenarios is not None else None)
    jobs = Jobs(st, catalogue, queue_size=queue, start=start_worker)
    app = FastAPI(title="crossings", version=_version(), docs_url=None, redoc_url=None,
                  description="Run the crossings simulator, compare policies with a baseline, list stored runs.")
    app.state.jobs, app.state.store, app.state.token = jobs, st, token
    figure_lock = threading.Lock()
    figure_cache: dict[tuple[str, str], bytes] = {}

    @app.middleware("http")
    async def guard(request: Request, call_next):
        path = request.url.path
        if hosts is not None:
            host = _hostname(request.headers.get("host", ""))
            origin = request.headers.get("origin")
            if host not in hosts:
                return _headers(JSONResponse({"detail": "unknown host"}, status_code=400), path)
            if origin is not None and _hostname(origin.split("://", 1)[-1]) not in hosts:
                return _headers(JSONResponse({"detail": "cross-site requests are refused"}, status_code=403), path)
        if request.method in ("POST", "PUT", "PATCH"):
            try:
                size = int(request.headers.get("content-length") or 0)
            except ValueError:
                size = MAX_BODY + 1
            if size > MAX_BODY:
                return _headers(JSONResponse({"detail": f"request body over {MAX_BODY} bytes"}, status_code=413), path)
        if token and (path.startswith("/api") or path == "/openapi.json"):
            given = request.headers.get("authorization", "")
            given = given[7:] if given.lower().startswith("bearer ") else request.headers.get("x-crossings-token", "")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return _headers(JSONResponse({"detail": "this server needs its token: Authorization: Bearer TOKEN"},
                                             status_code=401, headers={"WWW-Authenticate": "Bearer"}), path)
        return _headers(await call_next(request), path)

    @app.exception_handler(RequestError)
    async def refused(request: Request, e: RequestError):
        return JSONResponse({"detail": [{"loc": e.loc, "msg": e.msg, "type": "value_error",
                                         "field": ".".join(str(x) for x in e.loc[1:])}]}, status_code=e.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError):
        errs = [{"loc": list(x.get("loc", ())), "msg": x.get("msg", ""), "type": x.get("type", ""),
                 "field": ".".join(str(p) for p in list(x.get("loc", ()))[1:])} for x in e.errors()]
        return JSONResponse({"detail": clean(errs)}, status_code=422)

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/limits", response_model=Limits, summary="The server's limits per request")
    def limits():
        return Limits(max_seeds=max_seeds, max_agent_days=max_agent_days, queue=queue, token_required=bool(token))

    @app.get("/api/scenarios", response_model=list[ScenarioInfo], summary="Scenarios offered")
    def list_scenarios():
        out = []
        for name, sc in catalogue.loaded.items():
            shelters = [s for s in sc.sites if s.kind == "shelter"]
            out.append(ScenarioInfo(name=name, description=sc.description or "", start=sc.start, end=sc.end, scale=sc.scale,
                                    camps=[s.name for s in sc.sites if s.kind == "camp"], shelters=[s.name for s in shelters],
                                    shelter_places=sum(float(s.capacity or 0) for s in shelters),
                                    default_policy_start=default_start(sc), agent_days=catalogue.agent_days(sc)))
        return out

    @app.get("/api/policies", response_model=list[ExamplePolicy], summary="Example policies (examples/policies)")
    def example_policies():
        return [ExamplePolicy(name=n, description=d, policies=p) for n, d, p in EXAMPLES]

    @app.post("/api/jobs", status_code=202, response_model=Accepted, summary="Submit a run or a comparison",
              responses={422: {"description": "a field is invalid (named in detail[].loc)"},
                         429: {"description": "the queue is full: try again later"}})
    def submit(req: RunRequest = Body(...)):
        base, pol, added = build(req, catalogue, max_seeds, max_agent_days)
        try:
            return jobs.submit(req, base, pol, added)
        except QueueFull:
            raise HTTPException(429, f"the queue is full ({queue} jobs waiting); try again later",
                                headers={"Retry-After": "5"}) from None

    @app.get("/api/jobs", response_model=list[JobSummary], summary="Jobs, newest first (earlier ones kept across restarts)")
    def list_jobs(limit: int = Query(200, ge=1, le=10_000)):
        return [JobSummary(**{k: j[k] for k in JobSummary.model_fields}) for j in jobs.list()[:limit]]

    @app.get("/api/jobs/{job_id}", response_model=Job, summary="A job: state, progress, and its results when done",
             responses={404: {"description": "no such job"}})
    def get_job(job_id: str):
        job = jobs.get(job_id)
        if job is None:
            raise HTTPException(404, "no such job")
        return job

    @app.get("/api/jobs/{job_id}/figures/{name}", summary="A figure of a finished job (PNG)",
             responses={200: {"content": {"image/png": {}}}, 404: {"description": "no such job"},
                        409: {"description": "the job has not finished"}}, response_class=Response)
    def figure(job_id: str, name: FigureName):
        job = jobs.get(job_id)
        if job is None:
            raise HTTPException(404, "no such job")
        if job["state"] != "done":
            raise HTTPException(409, f"the job is {job['state']}")
        if name == "comparison" and job["kind"] != "comparison":
            raise HTTPException(404, "a run has no comparison figure")
        with figure_lock:
            png = figure_cache.get((job_id, name))
            if png is None:
                png = _figure(job, name, st, catalogue)
                figure_cache[(job_id, name)] = png
                if len(figure_cache) > 200:
                    figure_cache.pop(next(iter(figure_cache)))
        return Response(png, media_type="image/png")

    @app.get("/api/runs", summary="Runs in the results store, newest first")
    def stored_runs(limit: int = Query(100, ge=1, le=10_000), scenario: str | None = Query(None, max_length=200)):
        df = st.runs()
        if scenario is not None:
            df = df[df["scenario"] == scenario]
        df = df.drop(columns=["path"], errors="ignore").head(limit)
        return clean(df.astype(object).where(df.notna(), None).to_dict(orient="records"))

    def openapi():
        """The generated document, with the scenarios this server offers as the choices of ``scenario``."""
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            prop = doc.get("components", {}).get("schemas", {}).get("RunRequest", {}).get("properties", {}).get("scenario")
            if prop is not None:
                prop["enum"] = sorted(catalogue.loaded)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi
    return app


def _hostname(hostport: str) -> str:
    """``host`` of ``host:port``, ``[::1]:port`` or ``host/path`` (lower case)."""
    h = hostport.split("/", 1)[0].strip().lower()
    if h.startswith("["):
        return h[: h.find("]") + 1] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def _headers(resp: Response, path: str) -> Response:
    for k, v in HEADERS.items():
        resp.headers.setdefault(k, v)
    if path.startswith("/api") or path == "/openapi.json":
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _figure(job: dict, name: str, st, catalogue) -> bytes:
    """A report figure of a finished job, from its runs in the results store."""
    from crossings.report import from_runs
    from crossings.report.html import png_bytes
    from crossings.scenario.loader import validate
    from crossings.web.service import comparison_of

    scen, runs = {}, {}
    for g, keys in job["keys"].items():
        loaded = [st.load(k) for k in keys]
        runs[g] = [r for r, _ in loaded]
        scen[g] = validate(dict(loaded[0][1]["scenario"]), Path("stored run"))
    base, pol = scen["baseline"], scen.get("policy")
    comp = comparison_of(base, pol, runs, [int(r.seed) for r in runs["baseline"]]) if pol is not None else None
    data = from_runs(base, runs["baseline"], job["keys"]["baseline"], policy=pol, policy_runs=runs.get("policy"),
                     comparison=comp, source=f"job {job['id']}")
    fn = dict((stem, f) for stem, _, f in [*FIGURES, COMPARISON_FIGURE])[name]
    return png_bytes(fn(data))


def _version() -> str:
    from crossings.store.keys import package_version

    return package_version()
