"""Numba's ``njit`` with the options every kernel of the package shares.

``no_cfunc_wrapper=True``: Numba otherwise builds and compiles, for every function it compiles, a
C-callable wrapper that is only used when a compiled function is passed as a first-class function
value (which the package never does). Building them took 6.6% of the samples of
a first Channel run on an empty cache (py-spy); the kernels, and the Python wrappers through which
the stages call them, are the same code with or without.

A kernel given an explicit signature (``@njit("float64(uint64, int64, int64)", cache=True)``, for
the helpers that kernels call with constants, so that Numba compiles one copy and not one per
constant and integer width) is compiled for exactly that signature, as with Numba's own ``njit``,
but on first use (the first call from Python, or the first kernel typed that calls it) rather than
at import: on a first run (empty cache) importing the package then compiles nothing, and the
compiling helper (:mod:`crossings.engine.precompile`), forked earlier, compiles these helpers while
the run sets up and the run loads them from the cache (0.9 s of the run's import on this machine).
:func:`compile_deferred` compiles them all at once.
"""

from __future__ import annotations

import functools

import numba
from numba.core.compiler_lock import global_compiler_lock

_njit = functools.partial(numba.njit, no_cfunc_wrapper=True, error_model="numpy")

DEFERRED: list = []  # dispatchers with an explicit signature, in the order they are defined


def njit(*args, **options):
    """``numba.njit`` with the package's options; an explicit signature compiles on first use."""
    if args and not callable(args[0]):
        sigs = list(args[0]) if isinstance(args[0], (list, tuple)) else [args[0]]

        def decorate(func):
            disp = _njit(**options)(func)
            _defer(disp, sigs)
            return disp

        return decorate
    return _njit(*args, **options)


def _defer(disp, sigs: list) -> None:
    """Hook the dispatcher's two ways to a first compile (typing a call from a kernel, a call from
    Python) so that either compiles ``sigs`` only and then, as Numba does after compiling explicit
    signatures, disables compiling for other argument types."""

    def get_call_template(args, kws):
        ensure_compiled(disp)
        return disp.get_call_template(args, kws)

    def _compile_for_args(*args, **kws):
        ensure_compiled(disp)
        # Numba calls what this returns with the same arguments: the dispatcher itself now finds the
        # compiled signature (or gives Numba's usual error for an argument type off it)
        return disp

    disp.get_call_template = get_call_template
    disp._compile_for_args = _compile_for_args
    disp._crossings_sigs = sigs
    DEFERRED.append(disp)


def ensure_compiled(disp) -> None:
    """Compile (or load from the cache) a deferred dispatcher's signature, once."""
    with global_compiler_lock:
        if "get_call_template" not in vars(disp):
            return
        del disp.get_call_template, disp._compile_for_args  # back to Numba's own methods
        from numba.core import typeinfer

        with typeinfer.register_dispatcher(disp):
            for sig in disp._crossings_sigs:
                disp.compile(sig)
        disp.disable_compile()


def compile_deferred() -> None:
    """Compile every deferred helper (those of the modules imported so far)."""
    for disp in list(DEFERRED):
        ensure_compiled(disp)
