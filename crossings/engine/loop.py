"""The day plan: processes run in a fixed, documented order every day.

Each process is a module in :mod:`crossings.processes` with a ``Process``
subclass that declares its ``name``, the arrays it ``reads`` and ``writes``,
and a one-paragraph docstring. ``Loop.table()`` lists the stages in order
(``crossings loop SCENARIO`` prints it) and ``Loop.profile`` records the wall
time spent in each stage.
"""

from __future__ import annotations

import time

import pandas as pd


class Process:
    """One stage of the day. Subclasses set ``name``, ``reads``, ``writes``."""

    name: str = ""
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()

    def __init__(self, sim):
        self.sim = sim  # the running simulation (crossings.sim.Sim), read by attribute

    def step(self, day: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def summary(cls) -> str:
        doc = (cls.__doc__ or "").strip().split("\n\n")[0]
        return " ".join(doc.split())


class Loop:
    """Processes in their daily order, with a per-stage profile."""

    def __init__(self, processes: list[Process]):
        self.processes = processes
        self.profile = {p.name: 0.0 for p in processes}

    def __iter__(self):
        return iter(self.processes)

    def __getitem__(self, name: str) -> Process:
        for p in self.processes:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.processes]

    def run_day(self, day: int, timed: bool = False) -> None:
        if not timed:
            for p in self.processes:
                p.step(day)
            return
        for p in self.processes:
            t0 = time.perf_counter()
            p.step(day)
            self.profile[p.name] += time.perf_counter() - t0

    def table(self) -> pd.DataFrame:
        rows = []
        for i, p in enumerate(self.processes, 1):
            rows.append(
                {
                    "order": i,
                    "stage": p.name,
                    "module": type(p).__module__,
                    "reads": ", ".join(p.reads),
                    "writes": ", ".join(p.writes),
                    "what it does": p.summary(),
                }
            )
        return pd.DataFrame(rows)

    def profile_table(self) -> pd.DataFrame:
        total = sum(self.profile.values()) or 1.0
        return pd.DataFrame(
            [{"stage": k, "seconds": v, "share": v / total} for k, v in self.profile.items()]
        )
