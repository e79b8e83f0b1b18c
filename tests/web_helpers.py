"""Servers for the web tests: each started by the test on 127.0.0.1 (or all addresses) on a
free port and stopped after, and a short scenario for the page to offer."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")


def artifacts() -> Path:
    """Where tests leave screenshots (``$CROSSINGS_TEST_ARTIFACTS`` or ``test-artifacts/``)."""
    d = Path(os.environ.get("CROSSINGS_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    d.mkdir(parents=True, exist_ok=True)
    return d


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def write_short(folder: Path, name: str = "short", end: str = "2014-04-30", scale: float = 2.0) -> Path:
    """A Channel that ends after a few months, one agent for ``scale`` people (fast runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{name}.toml"
    p.write_text(f'inherits = "channel"\nname = "{name}"\nend = {end}\nscale = {scale}\n')
    return p


@contextlib.contextmanager
def thread_server(app, host: str = "127.0.0.1"):
    """``app`` under uvicorn in a thread of this process; yields the base URL (on 127.0.0.1)."""
    import uvicorn

    port = free_port("0.0.0.0" if host == "0.0.0.0" else host)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not t.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        t.join(timeout=30)
        app.state.jobs.close()


@contextlib.contextmanager
def cli_server(store: Path, scenarios: Path, *extra: str):
    """``crossings serve`` in its own process; yields the base URL; stopped (SIGTERM) after."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "crossings.cli", "serve", "--port", str(port), "--store", str(store),
                             "--scenarios", str(scenarios), *extra], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"crossings serve exited: {proc.stdout.read()}")
            try:
                if httpx.get(url + "/api/limits", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("crossings serve did not answer within 90 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def wait_done(client: httpx.Client, job_id: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed", "interrupted"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")
        time.sleep(0.1)
