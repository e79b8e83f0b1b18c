"""Short scenarios for the ensemble, store and comparison tests (a few tenths of a second a run)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import crossings

SHORT_END = dt.date(2014, 6, 30)


def short_channel(end: dt.date = SHORT_END):
    """The Channel from 2014-01-01 to ``end`` (the market on, as in the built-in scenario)."""
    sc = crossings.load_scenario("channel")
    return sc.model_copy(update={"end": end, "name": "short-channel"})


def write_short_channel(folder: Path, end: dt.date = SHORT_END) -> Path:
    """The same as a TOML file that inherits the Channel (for the command line)."""
    p = folder / "short.toml"
    p.write_text(f'inherits = "channel"\nname = "short-channel"\nend = {end.isoformat()}\n')
    return p


def write_policy(folder: Path, name: str, body: str) -> Path:
    p = folder / f"{name}.toml"
    p.write_text(f'name = "{name}"\n' + body)
    return p


LEGAL_ROUTE = """
[[policies]]
type = "legal_route"
start = 2014-03-01
quota_per_week = 50.0
nationalities = ["Afghanistan", "Eritrea"]
"""


def cli(*args, cwd=None, env=None):
    """The command line in a new process (for what needs its own process, such as kill -9)."""
    return subprocess.run([sys.executable, "-m", "crossings.cli", *args], capture_output=True, text=True, cwd=cwd, env=env)


def invoke(*args):
    """The command line in this process (no start-up cost): ``returncode``, ``stdout``, ``stderr``."""
    from typer.testing import CliRunner

    from crossings.cli import app

    r = CliRunner().invoke(app, [str(a) for a in args])
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return subprocess.CompletedProcess(args, r.exit_code, r.stdout, r.stderr)
