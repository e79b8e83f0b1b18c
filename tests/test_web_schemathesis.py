"""Schemathesis against the app's OpenAPI document: generated requests to every operation
(valid and invalid bodies, parameters, ids) never get a server error. Jobs are queued but
not run (no job thread), so the queue fills and answers 429.

The operations are driven through schemathesis's Python API (a Hypothesis strategy per
operation) rather than its pytest plugin, whose internals change with pytest's releases."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from web_helpers import write_short


def test_no_server_errors(tmp_path):
    from crossings.web import create_app

    write_short(tmp_path / "scenarios")
    app = create_app(store=tmp_path / "store", scenarios=tmp_path / "scenarios", start_worker=False, queue=3,
                     max_seeds=4)
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 8, [op.label for op in operations]
        for op in operations:

            @given(case=op.as_strategy())
            @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def check(case):
                case.call_and_validate(checks=[not_a_server_error])

            check()
    finally:
        app.state.jobs.close()
