"""``crossings serve``: the app under uvicorn, on loopback unless told otherwise (then with a token)."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Callable


LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def prepare(host: str = "127.0.0.1", token: str | None = None, **options):
    """The app for listening on ``host`` and its token: beyond loopback a token is required,
    and one is generated when none is given. Returns ``(app, token)``."""
    from crossings.web.app import create_app

    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(24)
    if is_loopback(host):
        options.setdefault("hosts", LOOPBACK_NAMES)
    return create_app(token=token, **options), token


def serve(host: str = "127.0.0.1", port: int = 8000, token: str | None = None, store: str | Path | None = None,
          scenarios: str | Path | None = None, queue: int = 8, max_seeds: int = 20, max_agent_days: float = 2e9,
          echo: Callable[[str], None] = print) -> None:
    import uvicorn

    given = token
    app, token = prepare(host, token, store=store, scenarios=scenarios, queue=queue, max_seeds=max_seeds,
                         max_agent_days=max_agent_days)
    if token and not given:
        echo(f"listening on {host} (beyond this machine): every API call needs the token {token}")
    where = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    echo(f"crossings web app: open {where}" + (f"#token={token}" if token else "") + f" (results store: {app.state.store.root})")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        app.state.jobs.close()
