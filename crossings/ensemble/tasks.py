"""One unit of work: simulate one resolved scenario with one seed (runs on any worker).

The same function runs in this process, in a local worker process or on a Dask worker,
so results do not depend on where they were computed. A worker whose code differs from
the caller's (another version of crossings on a cluster node) refuses the work: its
results would be stored under the wrong key.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossings.errors import CrossingsError


@dataclass(frozen=True)
class Task:
    """Simulate ``scenario`` (a resolved Scenario) with ``seed``; ``version`` is the caller's code version."""

    scenario: object
    seed: int
    version: str


def simulate(task: Task):
    """Run one replicate: its :class:`crossings.Results` with monthly and yearly roll-ups."""
    from crossings.sim import Sim
    from crossings.store.catalogue import Run
    from crossings.store.keys import code_version

    mine = code_version()
    if mine != task.version:
        import socket

        raise CrossingsError(
            f"worker on {socket.gethostname()} runs crossings {mine} but the caller runs {task.version}; "
            "install the same version on every worker"
        )
    return Run(Sim(task.scenario, seed=task.seed).run())
