"""The gangs' state: one array slot per gang (active or free) holding capital, boats, evasion skill,
recent volume and profit, prices and costs; the daily bookkeeping that folds yesterday's cash flows
into those memories; each gang's volume relative to the mean; and which gangs offer which mode.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.processes.numpy_order import flatnonzero, np_max, np_mean, np_min, np_sum


# -- gang arrays ---------------------------------------------------------------------------------
class Gangs:
    """Arrays with one slot per gang (active or free)."""

    FIELDS = (
        "capital", "boats", "evasion", "volume", "profit", "price_boat", "price_lorry", "cost_boat",
        "cost_lorry", "markup_boat", "markup_lorry", "load", "success_boat", "success_lorry",
        "stock_seizure", "beach_interception", "waiting_days", "revenue_last", "cash_today", "costs_today", "revenue_today",
        "attempts_today", "price_access", "cost_access", "markup_access", "success_access", "reach_access", "guaranteed_sold", "guaranteed_balance", "scarcity",
    )
    FIELD_INDEX = {f: k for k, f in enumerate(FIELDS)}

    def __init__(self, n: int, n_sites: int):
        self.n = n
        self.active = np.zeros(n, bool)
        self.home_coast = np.full(n, -1, np.int64)
        self.boat_line = np.zeros(n, bool)
        self.network = np.full(n, -1, np.int64)  # nationality served (-1: everyone)  # sells boat places (a gang with a coast that opened a line)
        self.territory = np.zeros((n, n_sites), bool)  # departure points the gang uses
        self.entered_day = np.zeros(n, np.int64)
        # the float fields are the rows of one array (each attribute a view of its row), so that the
        # market's daily kernels take one argument for all of them (``F[FIELD_INDEX[name]]``)
        self.F = np.zeros((len(self.FIELDS), n))
        self._views()

    def _views(self) -> None:
        for k, f in enumerate(self.FIELDS):
            object.__setattr__(self, f, self.F[k])

    def __setattr__(self, name: str, value) -> None:
        """Assigning a float field writes into its row of ``F`` (a new array bound to the name would
        leave the kernels, which read ``F``, with the old values)."""
        cur = self.__dict__.get(name) if name in self.FIELD_INDEX else None
        if cur is None:
            object.__setattr__(self, name, value)
        elif value is not cur:
            cur[...] = value

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self.FIELDS}  # views: rebuilt

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._views()

    def table(self):
        """The active gangs as a pandas table (for inspection)."""
        import pandas as pd

        a = np.flatnonzero(self.active)
        d = {f: getattr(self, f)[a] for f in self.FIELDS if not f.endswith(("_today", "_last"))}
        d["home_coast"] = self.home_coast[a]
        return pd.DataFrame(d, index=pd.Index(a, name="gang"))


# -- the day's gang bookkeeping (compiled: a few dozen slots, every day) --------------------------
@njit(cache=True, inline="always")
def book_kernel(active, capital, volume, profit, cash_today, costs_today, revenue_today, revenue_last, attempts_today, a):
    """Fold yesterday's flows into capital, volume and profit memories (weight ``a``) and clear
    today's flows. Returns the number of active gangs and their summed cash minus costs."""
    n = active.shape[0]
    margins = np.empty(n, np.float64)
    n_act = 0
    for j in range(n):
        pj = cash_today[j] - costs_today[j]
        capital[j] += pj if active[j] else 0.0
        volume[j] += a * (attempts_today[j] - volume[j])
        profit[j] += a * (pj - profit[j])
        if active[j]:
            margins[n_act] = pj
            n_act += 1
        revenue_last[j] = revenue_today[j]
        cash_today[j] = 0.0
        costs_today[j] = 0.0
        revenue_today[j] = 0.0
        attempts_today[j] = 0.0
    return n_act, np_sum(margins[:n_act])


@njit(cache=True, inline="always")
def guaranteed_kernel(active, scarcity, sold, balance, step, share, carry_days):
    """Guaranteed lorry places at the start of a day: a gang that sold places yesterday and has none
    left raises its scarcity factor by ``1 + step``, the others ease it by ``1 - step`` (not below
    1); yesterday's sales are cleared; an active gang's balance grows by ``share`` places, at most
    ``carry_days x share`` (inactive gangs hold none). Element by element as NumPy's ``where``,
    ``maximum`` and ``minimum`` (NaN propagates)."""
    up = 1.0 + step
    down = 1.0 - step
    cap = carry_days * share
    for j in range(active.shape[0]):
        if sold[j] > 0 and balance[j] <= 0:
            scarcity[j] = scarcity[j] * up
        else:
            scarcity[j] = np_max(scarcity[j] * down, 1.0)
        sold[j] = 0.0
        balance[j] = np_min(balance[j] + share, cap) if active[j] else 0.0


def recruitment_step(recruited: float, e_port: float, e0: float, days: float, sold_out: bool,
                     rise: float = 0.0, disruption: float = 0.0) -> float:
    """One day of recruiting complicit drivers: the factor on the guaranteed places moves by
    ``(1 - e_port / e0) / days - disruption x max(rise, 0)`` (``rise``: today's rise in port
    enforcement; each new bout of checks breaks some drivers' arrangements), up only while places
    sell out, down (never below 1) whenever that rate is negative (checks and fines make complicity
    stop paying)."""
    rate = (1.0 - e_port / e0) / days - disruption * max(rise, 0.0)
    if rate < 0.0:
        return max(1.0, recruited * (1.0 + rate))
    if sold_out:
        return recruited * (1.0 + rate)
    return recruited


@njit(cache=True, inline="always")
def relative_volume(active, volume):
    """Active gang slots and each one's recent volume over the mean (all 1 if the mean is 0)."""
    act = flatnonzero(active)
    rel = np.empty(act.shape[0], np.float64)
    for r in range(act.shape[0]):  # np.ones, written out (one fewer NumPy function to compile)
        rel[r] = 1.0
    if act.shape[0]:
        v = volume[act]
        mean = np_mean(v)
        if mean > 0:
            rel = v / mean
    return act, rel


@njit("boolean[::1](boolean[:], int64[:], boolean, boolean)", cache=True)  # one signature: not one copy per constant `boat`
def _offering(active, home_coast, boat, has_ports):
    """Gangs offering boat places (active, with a coast) or lorry places (active, if there are ports)."""
    n = active.shape[0]
    ok = np.empty(n, np.bool_)
    for z in range(ok.shape[0]):  # np.zeros, written out (see numpy_order)
        ok[z] = 0
    for j in range(n):
        ok[j] = active[j] and (home_coast[j] >= 0 if boat else has_ports)
    return ok


@njit(cache=True)
def boat_coast_kernel(boat_line, home_coast):
    """Each gang's stretch of coast if it sells boat places, else -1 (``np.where(boat_line, home_coast, -1)``)."""
    out = np.empty(home_coast.shape[0], np.int64)
    for j in range(home_coast.shape[0]):
        out[j] = home_coast[j] if boat_line[j] else -1
    return out


@njit(cache=True)
def boat_line_candidates(active, home_coast, boat_line):
    """Active gangs with a coast but no boat line (``flatnonzero(active & (home_coast >= 0) & ~boat_line)``),
    and the number of active gangs with a boat line."""
    out = np.empty(active.shape[0], np.int64)
    m = 0
    lines = 0
    for j in range(active.shape[0]):
        if active[j] and boat_line[j]:
            lines += 1
        if active[j] and home_coast[j] >= 0 and not boat_line[j]:
            out[m] = j
            m += 1
    return out[:m], lines
