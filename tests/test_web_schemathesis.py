"""Schemathesis against the app's OpenAPI document: generated requests to every operation
(valid and invalid bodies, parameters, ids) never get a server error. Jobs are queued but
not run (no job thread), so the queue fills and answers 429."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from web_helpers import write_short

import pytest


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    from crossings.web import create_app

    tmp = tmp_path_factory.mktemp("schemathesis")
    write_short(tmp / "scenarios")
    app = create_app(store=tmp / "store", scenarios=tmp / "scenarios", start_worker=False, queue=3, max_seeds=4)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.jobs.close()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    case.call_and_validate(checks=[not_a_server_error])
