"""Where replicates run: in this process, in local worker processes, or on a Dask cluster.

Every backend takes a list of :class:`~crossings.ensemble.tasks.Task` and yields
``(index, Results)`` pairs as runs finish, in any order; callers put them back in task
order, so the reductions are identical whichever backend and however many workers ran
them (each run depends only on its scenario and seed).

* ``serial``: one run after another in this process (no start-up cost);
* ``local``: a pool of worker processes on this machine (default: one per core),
  started with ``spawn`` so that workers share nothing with the caller but the task;
* ``dask``: an existing ``distributed`` scheduler (``--dask tcp://host:8786``, or the
  ``CROSSINGS_DASK`` environment variable); the workers need the same version of
  crossings installed (a mismatch is refused).
"""

from __future__ import annotations

import atexit
import os
from typing import Iterator, Sequence

from crossings.ensemble.tasks import Task, simulate
from crossings.errors import CrossingsError


def _worker_init() -> None:
    """Workers compile in parallel already: no helper compiling process for each
    (crossings.engine.precompile)."""
    os.environ["CROSSINGS_PRECOMPILE"] = "0"


class Backend:
    name = "backend"
    workers = 1

    def map_unordered(self, tasks: Sequence[Task]) -> Iterator[tuple[int, object]]:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def describe(self) -> str:
        return f"{self.name}, {self.workers} worker{'s' if self.workers != 1 else ''}"


class Serial(Backend):
    """Runs in this process, one after another."""

    name = "this process"

    def map_unordered(self, tasks):
        for i, t in enumerate(tasks):
            yield i, simulate(t)


class LocalProcesses(Backend):
    """A pool of worker processes on this machine (``workers`` = number of cores by default).

    Workers are started with ``spawn`` (a fresh interpreter that shares nothing with the
    caller but the task), so a script that uses them needs the usual
    ``if __name__ == "__main__":`` guard. Starting a worker costs a few seconds (imports,
    loading the compiled model), so pools are kept for the life of the calling process and
    reused by later ensembles; :func:`shutdown` stops them.
    """

    name = "local processes"

    def __init__(self, workers: int | None = None):
        n = workers or default_workers()
        if n < 1:
            raise CrossingsError(f"--workers: at least 1 worker, not {n}")
        self.workers = n

    def _pool(self):
        pool = _POOLS.get(self.workers)
        if pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            pool = _POOLS[self.workers] = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=mp.get_context("spawn"), initializer=_worker_init
            )
        return pool

    def warm_up(self) -> None:
        """Start every worker and load the compiled model (for benchmarks)."""
        list(self._pool().map(_warm, range(self.workers)))

    def map_unordered(self, tasks):
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        if not tasks:
            return
        pool = self._pool()
        try:
            futures = {pool.submit(simulate, t): i for i, t in enumerate(tasks)}
            pending = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in done:
                        yield futures[f], f.result()
            finally:
                for f in pending:
                    f.cancel()
        except BrokenProcessPool:
            _POOLS.pop(self.workers, None)
            raise CrossingsError(
                "a local worker process stopped abruptly (out of memory, killed, or a script that starts "
                "ensembles without an `if __name__ == \"__main__\":` guard)"
            ) from None

    def restart(self) -> None:
        """Stop this size of pool; the next use starts fresh workers."""
        pool = _POOLS.pop(self.workers, None)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_POOLS: dict = {}


def shutdown() -> None:
    """Stop every pool of local worker processes started by this process."""
    while _POOLS:
        _, pool = _POOLS.popitem()
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)


class Dask(Backend):
    """An existing Dask ``distributed`` cluster, by scheduler address or ``Client``."""

    name = "dask"

    def __init__(self, address):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a runtime dependency
            raise CrossingsError("--dask: the 'distributed' package is needed (pip install distributed)") from None
        if isinstance(address, Client):
            self.client, self._own = address, False
        else:
            try:
                self.client = Client(address, timeout="20s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as e:
                raise CrossingsError(f"--dask: cannot reach a Dask scheduler at {address} ({e.__class__.__name__}: {e})") from None
            self._own = True
        self.address = getattr(self.client.scheduler, "address", str(address))
        self.workers = max(1, sum(self.client.nthreads().values()))

    def warm_up(self) -> None:
        self.client.run(_warm, 0)

    def map_unordered(self, tasks):
        from distributed import as_completed

        if not tasks:
            return
        futures = [self.client.submit(simulate, t, pure=False, key=f"crossings-run-{i}-{os.urandom(4).hex()}") for i, t in enumerate(tasks)]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for f in as_completed(futures, loop=self.client.loop):
                yield index[f.key], f.result()
        finally:
            for f in futures:
                if not f.done():
                    f.cancel()

    def close(self):
        if self._own:
            self.client.close()

    def describe(self) -> str:
        return f"dask at {self.address}, {self.workers} worker threads"


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def make_backend(backend: str | Backend | None = None, workers: int | None = None, dask=None) -> Backend:
    """A backend from user choices: ``dask`` (address or Client) wins, then ``backend`` by name.

    With nothing given, ``CROSSINGS_DASK`` names a scheduler if set; otherwise local
    processes (one per core), or this process when one worker is asked for."""
    if isinstance(backend, Backend):
        return backend
    if dask is None and backend in (None, "dask"):
        dask = os.environ.get("CROSSINGS_DASK") or None
    if dask is not None:
        return Dask(dask)
    if backend == "dask":
        raise CrossingsError("--backend dask: give the scheduler address with --dask ADDRESS or CROSSINGS_DASK")
    if backend in (None, "local"):
        if backend is None and workers == 1:
            return Serial()
        return LocalProcesses(workers)
    if backend == "serial":
        return Serial()
    raise CrossingsError(f"--backend: one of local, serial, dask (not {backend!r})")


def _warm(_):
    """Import the model and load its compiled functions (runs once on each worker)."""
    import datetime as dt

    from crossings.sim import Sim
    from crossings.scenario.loader import load_scenario

    sc = load_scenario("channel")
    Sim(sc.model_copy(update={"end": sc.start + dt.timedelta(days=30)}), seed=1).run()
    return os.getpid()
