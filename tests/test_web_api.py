"""The web API: bad requests named, the token beyond loopback, a burst against the bounded
queue, restarts, headers, and the levers as scenario policies."""

from __future__ import annotations

import datetime as dt
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_helpers import ROOT, thread_server, wait_done, write_short

from crossings.web import create_app
from crossings.web.levers import EXAMPLES
from crossings.web.models import Levers, RunRequest
from crossings.web.server import is_loopback, prepare
from crossings.web.service import Scenarios, build


@pytest.fixture(scope="module")
def scen_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("scenarios")
    write_short(d)
    return d


@pytest.fixture(scope="module")
def client(tmp_path_factory, scen_dir):
    """An app whose jobs never run (no worker): requests are checked and queued only."""
    from fastapi.testclient import TestClient

    app = create_app(store=tmp_path_factory.mktemp("store"), scenarios=scen_dir, start_worker=False, queue=2, max_seeds=5)
    with TestClient(app) as c:
        yield c
    app.state.jobs.close()


def _field(resp) -> list[str]:
    assert resp.status_code == 422, resp.text
    return [d["field"] for d in resp.json()["detail"]]


@pytest.mark.parametrize("body, field", [
    ({"scenario": "short", "overrides": {"scale": -1}}, "overrides.scale"),
    ({"scenario": "short", "overrides": {"people": {"beta_success": "many"}}}, "overrides.people.beta_success"),
    ({"scenario": "short", "overrides": {"no_such_table": {"x": 1}}}, "overrides.no_such_table"),
    ({"scenario": "short", "overrides": {"inherits": "/etc/passwd"}}, "overrides.inherits"),
    ({"scenario": "short", "policies": [{"type": "legal_route", "start": "2014-03-01", "quota_per_week": -5}]},
     "policies.0.quota_per_week"),
    ({"scenario": "short", "policies": [{"type": "camp_clearance", "site": "Nowhere", "date": "2014-03-01", "buses": 1,
                                         "seats_per_bus": 20, "acceptance": 0.5}]}, "policies.0.site"),
    ({"scenario": "short", "levers": {"clearance_interval_days": 0}}, "levers.clearance_interval_days"),
    ({"scenario": "short", "levers": {"spending": {"moon": 2}}}, "levers.spending.moon"),
    ({"scenario": "short", "seeds": 6}, "seeds"),
    ({"scenario": "../../etc/passwd"}, "scenario"),
    ({"scenario": "nowhere"}, "scenario"),
    ({"scenario": "short", "path": "/tmp/x"}, "path"),
])
def test_bad_requests_are_422_naming_the_field(client, body, field):
    fields = _field(client.post("/api/jobs", json=body))
    assert any(f == field or f.startswith(field + ".") for f in fields), fields


def test_a_run_too_large_for_the_server_is_refused(tmp_path, scen_dir):
    from fastapi.testclient import TestClient

    app = create_app(store=tmp_path, scenarios=scen_dir, start_worker=False, max_agent_days=1000.0)
    with TestClient(app) as c:
        r = c.post("/api/jobs", json={"scenario": "short", "seeds": 1})
        assert _field(r) == ["overrides"] and "agents x days" in r.json()["detail"][0]["msg"]
    app.state.jobs.close()


def test_no_file_paths_and_security_headers(client):
    for path in ("/api/jobs/..%2F..%2Fetc%2Fpasswd", "/api/jobs/0123", "/api/jobs/" + "a" * 32):
        assert client.get(path).status_code == 404
    assert client.get("/api/jobs/" + "a" * 32 + "/figures/../../x").status_code == 404
    assert client.get("/api/jobs/" + "a" * 32 + "/figures/passwd").status_code == 422
    for path in ("/", "/api/scenarios", "/static/app.js"):
        h = client.get(path).headers
        assert "default-src 'none'" in h["content-security-policy"] and "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"
    assert client.get("/api/limits").headers["cache-control"] == "no-store"


def test_the_page_loads_nothing_from_elsewhere(client):
    html = client.get("/").text + client.get("/static/app.js").text + client.get("/static/app.css").text
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "//cdn" not in html


def test_a_full_queue_refuses_with_429(client):
    codes = [client.post("/api/jobs", json={"scenario": "short", "seeds": 1}).status_code for _ in range(4)]
    assert codes.count(202) <= 2 and codes[-1] == 429  # the queue holds 2 and nothing drains it
    assert client.post("/api/jobs", json={"scenario": "short"}).headers.get("retry-after")


def test_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_a_server_beyond_loopback_refuses_calls_without_its_token(tmp_path, scen_dir):
    app, token = prepare("0.0.0.0", None, store=tmp_path, scenarios=scen_dir, start_worker=False)
    assert token and len(token) >= 20
    with thread_server(app, host="0.0.0.0") as url:
        for path in ("/api/scenarios", "/api/jobs", "/api/runs", "/openapi.json"):
            assert httpx.get(url + path).status_code == 401
            assert httpx.get(url + path, headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert httpx.get(url + path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        r = httpx.post(url + "/api/jobs", json={"scenario": "short"})
        assert r.status_code == 401 and not list((tmp_path / "web" / "jobs").glob("*.json"))
        assert httpx.get(url + "/").status_code == 200  # the page itself holds no data; it asks for the token


def test_burst_of_50_submissions_then_restart(tmp_path, scen_dir):
    """50 submissions at once: each is accepted (and completes, stored) or refused with 429;
    a new server on the same store lists the accepted jobs and their runs."""
    store = tmp_path / "store"
    app = create_app(store=store, scenarios=scen_dir, queue=3, max_seeds=5)
    with thread_server(app) as url:
        def submit(i):
            return httpx.post(url + "/api/jobs", json={"scenario": "short", "seeds": 1 + i % 2,
                                                       "overrides": {"scale": 2.0 + (i % 5)}}, timeout=60)

        with ThreadPoolExecutor(50) as ex:
            resps = list(ex.map(submit, range(50)))
        codes = [r.status_code for r in resps]
        assert set(codes) <= {202, 429}, codes
        accepted = [r.json()["id"] for r in resps if r.status_code == 202]
        assert len(accepted) >= 2 and codes.count(429) >= 1, codes
        with httpx.Client(base_url=url, timeout=30) as c:
            jobs = [wait_done(c, j) for j in accepted]
            assert all(j["state"] == "done" for j in jobs), [j["message"] for j in jobs]
            listed = {j["id"]: j["state"] for j in c.get("/api/jobs").json()}
            stored = {r["key"] for r in c.get("/api/runs?limit=1000").json()}
    assert set(listed) == set(accepted) and set(listed.values()) == {"done"}
    keys = {k for j in jobs for ks in j["keys"].values() for k in ks}
    assert keys and keys <= stored
    # restart: a new app over the same store
    app2 = create_app(store=store, scenarios=scen_dir)
    with thread_server(app2) as url, httpx.Client(base_url=url, timeout=30) as c:
        again = {j["id"]: j for j in c.get("/api/jobs").json()}
        assert set(again) == set(accepted) and {j["state"] for j in again.values()} == {"done"}
        one = c.get(f"/api/jobs/{accepted[0]}").json()
        assert one["result"]["groups"][0]["series"]["crossings_total"]["median"]
        assert keys <= {r["key"] for r in c.get("/api/runs?limit=1000").json()}
        fig = c.get(f"/api/jobs/{accepted[0]}/figures/crossings_by_mode")
        assert fig.status_code == 200 and fig.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_comparison_with_a_legal_route_moves_legal_crossings(tmp_path, scen_dir):
    from fastapi.testclient import TestClient

    app = create_app(store=tmp_path, scenarios=scen_dir)
    with TestClient(app) as c:
        r = c.post("/api/jobs", json={"scenario": "short", "seeds": 2, "levers": {"legal_route_per_week": 300}})
        assert r.status_code == 202
        job = wait_done(c, r.json()["id"])
    app.state.jobs.close()
    assert job["state"] == "done" and job["kind"] == "comparison"
    rows = {row["key"]: row for row in job["result"]["summary"]}
    # people offered a legal route take it: legal crossings can only appear with the policy
    assert rows["crossings_legal"]["baseline"] == 0 and rows["crossings_legal"]["policy"] > 0
    assert job["policies"] and job["policies"][0]["type"] == "legal_route"


def test_example_policies_say_what_the_files_say():
    for name, description, policies in EXAMPLES:
        data = tomllib.loads((ROOT / "examples" / "policies" / f"{name}.toml").read_text())
        assert data["description"] == description
        got = [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in p.items() if k != "label"}
               for p in data["policies"]]
        assert got == policies


CATALOGUE = None


def _catalogue(folder: Path) -> Scenarios:
    global CATALOGUE
    if CATALOGUE is None:
        CATALOGUE = Scenarios(folder)
    return CATALOGUE


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spending=st.dictionaries(st.sampled_from(["port", "beach", "sea", "intelligence", "camps"]),
                                st.floats(0, 50, allow_nan=False)),
       interval=st.one_of(st.none(), st.integers(1, 3650)), buses=st.integers(0, 1000),
       shelter=st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)), legal=st.floats(0, 1e5, allow_nan=False),
       returns=st.floats(0, 1e5, allow_nan=False), sea=st.booleans(), evictions=st.booleans(),
       start=st.dates(dt.date(2014, 1, 1), dt.date(2014, 4, 30)))
def test_any_lever_setting_is_a_valid_scenario(scen_dir, spending, interval, buses, shelter, legal, returns, sea,
                                               evictions, start):
    """Every position of the levers gives policies the scenario schema accepts, and levers at
    their neutral positions add none (the baseline itself)."""
    lev = Levers(start=start, spending=spending, clearance_interval_days=interval, clearance_buses=buses,
                 shelter_places=shelter, legal_route_per_week=legal, returns_per_week=returns,
                 sea_interception=sea, evictions=evictions)
    base, pol, added = build(RunRequest(scenario="short", seeds=1, levers=lev), _catalogue(scen_dir), 5, 1e12)
    neutral = (all(v == 1.0 for v in spending.values()) and interval is None and shelter is None and legal == 0
               and returns == 0 and not sea and evictions)
    assert (pol is None) == neutral == (added == [])
    if pol is not None:
        assert len(pol.policies) == len(base.policies) + len(added)
        assert all(getattr(p, "start", None) == start or getattr(p, "date", None) == start for p in pol.policies[len(base.policies):])


def test_a_loopback_server_answers_loopback_names_only_and_refuses_cross_site_requests(tmp_path, scen_dir):
    """No DNS rebinding (a page elsewhere whose name points at 127.0.0.1) and no job submitted
    by another site through the user's browser."""
    from fastapi.testclient import TestClient

    app, token = prepare("127.0.0.1", None, store=tmp_path, scenarios=scen_dir, start_worker=False)
    assert token is None
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/limits").status_code == 200
        assert c.get("/api/limits", headers={"Host": "localhost:8000"}).status_code == 200
        assert c.get("/api/limits", headers={"Host": "attacker.example:8000"}).status_code == 400
        assert c.get("/api/limits", headers={"Origin": "http://127.0.0.1:8000"}).status_code == 200
        r = c.post("/api/jobs", content='{"scenario": "short"}', headers={"Origin": "https://attacker.example",
                                                                          "Content-Type": "text/plain"})
        assert r.status_code == 403
        r = c.post("/api/jobs", content='{"scenario": "short"}', headers={"Content-Type": "text/plain"})
        assert r.status_code == 422  # a form or text/plain body is not JSON: never queued
    assert not list((tmp_path / "web" / "jobs").glob("*.json"))


def test_jobs_submitted_in_the_same_second_are_listed_newest_first_after_a_restart(tmp_path):
    # jobs are listed by their creation time; at a resolution of one second two quick jobs tied and,
    # after a restart, came back in the random order of their file names (seen in the browser test)
    from crossings.web.models import RunRequest
    from crossings.web.service import Jobs, LockedStore, Scenarios

    store = LockedStore(tmp_path / "store")
    jobs = Jobs(store, Scenarios(), start=False)
    ids = [jobs.submit(RunRequest(scenario="channel", seeds=1), None, None, [])["id"] for _ in range(6)]
    again = Jobs(store, Scenarios(), start=False)
    assert [j["id"] for j in again.list()] == ids[::-1]
