"""Counter-based random numbers: one stream per process, one draw per agent slot.

Every random number in a simulation is a pure function of
``(seed, stream, day, slot, k)``: the run seed, the process that draws it (a
stream id derived from the process name), the simulated day, the agent slot
(the person's, household's, site's or gang's index) and a small draw counter
``k`` for processes that need several numbers for the same slot on the same day.
The function is a SplitMix64 finaliser (Steele, Lea & Flood 2014), which passes
BigCrush when used as a counter-based generator.

This is how common random numbers (CRN) are guaranteed: a person's draws do not
depend on how many other people drew before them, so two scenarios that differ in
one mechanism differ only where that mechanism acts (the approach of Starsim's
per-slot streams). Results are bit-identical on every machine because only
64-bit integer arithmetic is involved before the final conversion to a double.
"""

from __future__ import annotations

import zlib

import numpy as np
from crossings.engine.jit import njit

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_C_STREAM = np.uint64(0xD1B54A32D192ED03)
_C_DAY = np.uint64(0xAEF17502108EF2D9)
_C_K = np.uint64(0xDB4F0B9175AE2165)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


def stream_id(name: str) -> int:
    """Stable integer id of a named stream (a process name such as ``"inflow"``)."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


@njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def day_key(seed, stream, day):
    """The key of one process's stream on one day (combine once, draw many)."""
    z = np.uint64(seed) * _GOLDEN
    z = _mix(z ^ (np.uint64(stream) * _C_STREAM))
    z = _mix(z ^ (np.uint64(day + 1) * _C_DAY))
    return z


@njit(cache=True)
def day_keys(seed, stream, n_days):
    """The keys of one stream for days 0..n_days-1 (same values as :func:`day_key`)."""
    out = np.empty(n_days, np.uint64)
    for d in range(n_days):
        out[d] = day_key(seed, stream, d)
    return out


# Not inline="always": Numba would re-read and type its code at each of its ~50 call sites (LLVM
# inlines the compiled function anyway); one signature, so not one copy per integer width it is called with.
@njit("float64(uint64, int64, int64)", cache=True)
def uniform(key, slot, k):
    """A uniform double in [0, 1) for agent ``slot`` and draw counter ``k``."""
    z = _mix(key ^ (np.uint64(slot + 1) * _GOLDEN) ^ (np.uint64(k + 1) * _C_K))
    return np.float64(z >> _S11) * _INV53


@njit(cache=True, inline="always")
def normal(key, slot, k):
    """A standard normal draw (Box-Muller on draws ``k`` and ``k+1``)."""
    u1 = uniform(key, slot, k)
    u2 = uniform(key, slot, k + 1)
    if u1 < 1e-300:
        u1 = 1e-300
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


# Helpers that kernels call with constant draw counters get one explicit signature: otherwise Numba
# compiles a copy for every constant and integer width it is called with (a first run pays for each).
@njit("int64(uint64, int64, int64, float64)", cache=True)
def poisson(key, slot, k, lam):
    """A Poisson draw: inversion for small means, a rounded normal for large ones."""
    if lam <= 0.0:
        return 0
    if lam > 60.0:
        x = lam + np.sqrt(lam) * normal(key, slot, k)
        return max(0, int(np.floor(x + 0.5)))
    u = uniform(key, slot, k)
    p = np.exp(-lam)
    c = p
    n = 0
    while u > c and n < 1000:
        n += 1
        p *= lam / n
        c += p
    return n


@njit(cache=True)
def uniforms(key, n, k):
    """``n`` uniforms, one per slot 0..n-1 (vectorised helper)."""
    out = np.empty(n, np.float64)
    for i in range(n):
        out[i] = uniform(key, i, k)
    return out


class Streams:
    """The run seed and the stream id of every process, for use from Python code.

    ``streams.key("inflow", day)`` returns the day key that Numba kernels pass to
    :func:`uniform`; keys are cheap, so processes take one per day.
    """

    def __init__(self, seed: int, n_days: int = 0):
        if not 0 <= int(seed) < 2**63:
            raise ValueError("seed must be an integer in [0, 2**63)")
        self.seed = int(seed)
        self.n_days = int(n_days)
        self._ids: dict[str, int] = {}
        # every day's key of a stream, computed on first use: a list of NumPy scalars, so that a
        # day's key is read without making a new scalar (~50,000 reads in a Channel run)
        self._keys: dict[str, list] = {}

    def id(self, name: str) -> int:
        if name not in self._ids:
            self._ids[name] = stream_id(name)
        return self._ids[name]

    def key(self, name: str, day: int) -> np.uint64:
        keys = self._keys.get(name)
        if keys is None:
            if not 0 <= day < self.n_days:
                return np.uint64(day_key(self.seed, self.id(name), int(day)))
            keys = self._keys[name] = list(day_keys(self.seed, self.id(name), self.n_days))
        return keys[day] if 0 <= day < self.n_days else np.uint64(day_key(self.seed, self.id(name), int(day)))
