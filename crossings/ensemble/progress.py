"""A progress display for batches of runs: runs done, runs per second, time left (rich).

Runs found in the store count as done at once and are left out of the speed, so the
time left is the time to compute what is missing.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.text import Text


class _Rate(ProgressColumn):
    def render(self, task) -> Text:
        rate = _rate(task)
        return Text("-- runs/s" if rate is None else f"{rate:.2f} runs/s", style="progress.data.speed")


class _Left(ProgressColumn):
    def render(self, task) -> Text:
        rate = _rate(task)
        if rate is None or rate <= 0:
            return Text("left -:--:--", style="progress.remaining")
        s = int(round((task.total - task.completed) / rate))
        return Text(f"left {s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}", style="progress.remaining")


def _rate(task):
    start = task.fields.get("t0")
    done = task.completed - task.fields.get("cached", 0)
    if start is None or done <= 0:
        return None
    return done / max(time.perf_counter() - start, 1e-9)


class RunProgress:
    """``with RunProgress(total, cached, label) as p: p.advance()`` after each computed run."""

    def __init__(self, total: int, cached: int, label: str, enabled: bool = True, console: Console | None = None):
        self.enabled = enabled and total > cached
        self.total, self.cached = total, cached
        self._progress = None
        if self.enabled:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} runs"),
                TextColumn("({task.fields[cached]} from store)"), _Rate(), _Left(), TimeElapsedColumn(),
                console=console or Console(stderr=True), transient=True,
            )
            self._task = self._progress.add_task(label, total=total, completed=cached, cached=cached, t0=time.perf_counter())

    def __enter__(self):
        if self._progress is not None:
            self._progress.start()
        return self

    def advance(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()
