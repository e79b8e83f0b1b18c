"""Compile the kernels on the second core on a first run (empty Numba cache).

A first run on a fresh install spends most of its time compiling about 60 Numba kernels, one
after the other, as each stage first calls them. When the cache is empty, :func:`start` (called
by :class:`~crossings.sim.Sim`) launches one helper process that compiles the kernels the
Channel run uses in the opposite order (the last used first), each for the argument types listed
in ``kernel_signatures.txt``, after the helpers with an explicit signature (which the package
compiles on first use, :mod:`crossings.engine.jit`, and the run's first kernels call). On Linux
the helper is a fork of the run (``os.fork``): it starts compiling at once, with the package
already imported, where a new process (``python -m crossings.engine.precompile``, elsewhere or
with ``CROSSINGS_PRECOMPILE_FORK=0``) first spends a few seconds importing the package.
Every kernel is compiled with ``cache=True``, so each process loads from the on-disk cache what
the other has already compiled: the two meet in the middle and the run waits for about half the
compiling. A forked helper posts the kernel it is compiling in shared memory, and the run, missing
that kernel, waits for it instead of compiling it a second time. The results do not change (the
same kernels, compiled by the same Numba).

The helper is only a head start: if it fails, is slow or never starts, the run compiles what is
missing itself, as before. It runs once per cache (a lock file in the cache folder), exits with
its parent, runs below the run's priority (nice +10: on a busy machine it yields), and is not started
on a machine with one usable core or when ``CROSSINGS_PRECOMPILE=0``; ``CROSSINGS_PRECOMPILE=1``
starts it on a cold cache even on one core.

``python benchmarks/kernel_signatures.py`` rewrites the list from a Channel run (to do after changing
a kernel's arguments; a stale entry only wastes the helper's time). The list names the kernels
by module: the engine imports them by name only in the helper process.
"""

from __future__ import annotations

import gc
import importlib
import mmap
import os
import signal
import struct
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

from crossings.engine import jit

SIGNATURES = Path(__file__).with_name("kernel_signatures.txt")
_started = False
_child = 0  # the forked helper, reaped by the next call of start()
# seconds the run waits at most for one kernel the helper is compiling (the largest took 2-3 s in
# the traced first runs, loaded machine included); then it compiles the kernel itself
_WAIT_LIMIT = 15.0
HELPER_NICE = 10  # the helper's niceness above the run's


def _types_namespace() -> dict:
    from numba.core import types

    ns = {name: getattr(types, name) for name in dir(types) if not name.startswith("_")}
    ns["bool"] = types.boolean
    ns["Array"] = types.Array
    return ns


def read_signatures(path: Path = SIGNATURES) -> list[tuple[str, str, tuple]]:
    """(module, function name, argument types) for each line of the list, in first-use order."""
    ns = _types_namespace()
    out = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sig = line.split("\t")
        module, func = name.rsplit(".", 1)
        out.append((module, func, eval(sig, {"__builtins__": {}}, ns)))  # noqa: S307 (our own list)
    return out


def dispatcher(module: str, func: str):
    return getattr(importlib.import_module(module), func)


def work_list() -> list[tuple[object, tuple | None]]:
    """(dispatcher, argument types) in the helper's order: first the helpers with an explicit
    signature (:mod:`crossings.engine.jit`, ``None``: their own signature), which the run's first
    kernels call, then the list's kernels from the last used to the first."""
    entries = read_signatures()
    kernels = [(dispatcher(module, func), sig) for module, func, sig in reversed(entries)]
    return [(d, None) for d in jit.DEFERRED] + kernels


def cache_is_cold() -> bool:
    """Whether the on-disk cache lacks the compiled kernels (a first run after installing)."""
    try:
        entries = read_signatures()
        # the helper compiles the last entry first: its index file says the helper has been here
        index = dispatcher(entries[-1][0], entries[-1][1])._cache._cache_file._index_path
        return not Path(index).exists()
    except Exception:  # noqa: BLE001 (Numba internals moved or no list: no helper, the run compiles)
        return False


def _lock_path() -> Path:
    entries = read_signatures()
    return Path(dispatcher(entries[-1][0], entries[-1][1])._cache._cache_path) / "crossings-precompile.lock"


def spare_core() -> bool:
    """Whether the machine has a second usable core for the helper. Not the load average: the
    helper runs below the run (``HELPER_NICE``), so where other work holds the cores it yields to
    the run (measured, two normal-priority busy loops: no helper 49.5-58.1 s, niced helper 49.1-51.0
    s); and the load average counts work that yields to the run (the lead's calibration at
    autogroup nice 19: load 3-4, first run 26-29 s without the helper, 16-17 s with it) and lags (at
    1.3-2.2 for a minute after a run ends on an idle machine)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return cores >= 2


def start() -> None:
    """On an empty kernel cache (a first run after installing): put off full garbage collections
    while the kernels compile (:func:`relax_gc`; the run gives the thresholds back when it ends), and
    launch the helper process if the machine has two cores (at most once per process)."""
    global _started, _child
    if _child:
        try:
            if os.waitpid(_child, os.WNOHANG)[0]:
                _child = 0  # reaped: no zombie left behind
        except OSError:
            _child = 0
    if not _maybe_cold():
        return
    relax_gc()  # compiling: full garbage collections put off (inherited by a forked helper)
    mode = os.environ.get("CROSSINGS_PRECOMPILE", "")
    if _started or mode == "0":
        return
    _started = True
    if mode != "1" and not spare_core():
        return
    _launch()


_warm = False  # the cache was found full once: it stays so (no more reads of the signature list)


def _maybe_cold() -> bool:
    global _warm
    if _warm:
        return False
    if cache_is_cold():
        return True
    _warm = True
    return False


# Python's full (generation 2) garbage collections while Numba compiles: each walks every object
# the process holds, and compiling adds hundreds of thousands (IR, types, LLVM handles), so they
# come often and grow: 20 of them took 6.0 s of a 54 s compile in one process (gc callbacks, a
# loaded machine), 2 (0.14 s) with the third threshold at 1000. Younger generations, where
# compiling's short-lived cycles die, are collected as usual.
GC_THRESHOLD_2_COMPILING = 1000
_gc_saved: tuple[int, int, int] | None = None


def relax_gc() -> None:
    """Put off full garbage collections (generation 2) while the kernels compile."""
    global _gc_saved
    if _gc_saved is None:
        _gc_saved = gc.get_threshold()
        t0, t1, t2 = _gc_saved
        gc.set_threshold(t0, t1, max(t2, GC_THRESHOLD_2_COMPILING))


def settle_gc() -> None:
    """Back to the thresholds before :func:`relax_gc` (called when a run ends)."""
    global _gc_saved
    if _gc_saved is not None:
        gc.set_threshold(*_gc_saved)
        _gc_saved = None


def _launch() -> None:
    """Start the helper: a fork of this process where the OS has one (it starts compiling at once, with
    the kernels' modules already imported and the helpers they call already compiled), else a new
    Python process that imports the package first."""
    global _child
    # a fork keeps only the forking thread: with other Python threads (a web server's, a dask
    # client's) a lock one of them holds (Numba's compiler lock) would stay locked in the helper
    single = threading.active_count() == 1 and threading.current_thread() is threading.main_thread()
    if os.environ.get("CROSSINGS_PRECOMPILE_FORK", "1") != "0" and sys.platform.startswith("linux") and single:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()  # nothing buffered here is written twice
            except Exception:  # noqa: BLE001
                pass
        try:
            work = work_list()
            # shared with the fork: the helper posts there which kernel of `work` it is compiling
            board = mmap.mmap(-1, mmap.PAGESIZE)
            with warnings.catch_warnings():
                # Python 3.12+ warns about forking a process with threads (NumPy's BLAS has idle
                # ones): the helper only compiles, it takes no lock those threads could hold
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except (OSError, ValueError, ImportError, AttributeError):
            pid = -1
        if pid == 0:
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the run; the helper follows it
                _helper(os.getppid(), work, board)
            except BaseException:  # noqa: BLE001 (a head start only: the run compiles what is missing)
                pass
            finally:
                os._exit(0)  # never the parent's exit handlers, buffers or test teardown
        if pid > 0:
            _child = pid
            _wait_for_helper(work, board)
            return
    env = {**os.environ, "CROSSINGS_PRECOMPILE": "0", "CROSSINGS_PRECOMPILE_PARENT": str(os.getpid())}
    # the helper must import this very package (not another copy on its path) to fill this cache
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH", "")] if p])
    try:
        subprocess.Popen([sys.executable, "-m", "crossings.engine.precompile"], env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=True)
    except OSError:
        pass  # no helper: the run compiles everything itself


def _posted(board) -> int:
    return struct.unpack_from("i", board, 0)[0]


def _wait_for_helper(work, board) -> None:
    """In the run: a kernel missing from the cache while the forked helper is compiling it is
    waited for and loaded, not compiled a second time beside the helper (where the two meet in
    the list, and for the helpers with an explicit signature, which the run's first kernels call
    while the helper compiles them). If the helper exits first, the run compiles it itself."""
    for ident, (disp, _) in enumerate(work, start=1):
        cache = getattr(disp, "_cache", None)
        load = getattr(cache, "load_overload", None)
        if load is None:
            continue

        def load_overload(sig, target_context, load=load, ident=ident):
            cres = load(sig, target_context)
            if cres is None and _posted(board) == ident:
                t0 = time.monotonic()
                while _posted(board) == ident and _helper_alive() and time.monotonic() - t0 < _WAIT_LIMIT:
                    time.sleep(0.002)
                cres = load(sig, target_context)
            return cres

        cache.load_overload = load_overload


def _helper_alive() -> bool:
    global _child
    if not _child:
        return False
    try:
        if os.waitpid(_child, os.WNOHANG)[0]:
            _child = 0  # it has exited (and is reaped)
    except OSError:
        _child = 0
    return bool(_child)


def _helper(parent: int = 0, work=None, board=None) -> None:
    from filelock import FileLock, Timeout

    try:
        # below the run: where they share a core (other work on the machine) the run goes first
        os.nice(HELPER_NICE)
    except (AttributeError, OSError):
        pass
    try:
        path = _lock_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path))
        lock.acquire(timeout=0)
    except (Timeout, OSError):
        return  # another helper is compiling into this cache
    try:
        for ident, (disp, sig) in enumerate(work if work is not None else work_list(), start=1):
            if parent and os.getppid() != parent:
                return  # the run is over: leave the rest to the next one
            if board is not None:
                struct.pack_into("i", board, 0, ident)
            if sig is None:
                jit.ensure_compiled(disp)
            else:
                disp.compile(sig)
            if board is not None:
                struct.pack_into("i", board, 0, 0)
    finally:
        lock.release()


if __name__ == "__main__":
    relax_gc()
    try:
        _helper(int(os.environ.get("CROSSINGS_PRECOMPILE_PARENT", "0")))
    except Exception:  # noqa: BLE001 (a head start only: the run compiles what is missing)
        sys.exit(0)
