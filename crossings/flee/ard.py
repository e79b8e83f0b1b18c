"""Flee's validation metric: the averaged relative difference (ARD) against UNHCR camp counts.

Definition (Suleimenova, Bell & Groen 2017, Methods; Flee's
``postprocessing/plot_flee_output.py``, "Averaged error ... rescaled"): on each day t,
rescale the simulated camp populations so that they add up to the observed camp total,
``s'_i(t) = s_i(t) * U(t) / S(t)`` (left at 0 when ``S(t) = 0``), then take
``E(t) = sum_i |s'_i(t) - u_i(t)| / max(U(t), 1)``; the ARD is the mean of E(t) over
the simulated days. Observed daily values follow Flee 3.1's ``DataTable``: linear
interpolation between observation dates, truncated to whole people, the first value
before the first date and the last after the last, after applying the level-1
registration corrections (``RefugeeTable.correctLevel1Registrations``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from crossings.flee.schema import FleeSeries, FleeValidation


def _offsets(series: FleeSeries, start: dt.date) -> np.ndarray:
    return np.array([(d - start).days for d in series.dates], np.int64)


def daily_series(days_from_start: np.ndarray, counts: np.ndarray, days: int) -> np.ndarray:
    """Daily values 0..days-1 of one series, interpolated the way Flee's DataTable does."""
    out = np.empty(days, np.int64)
    x = days_from_start
    y = counts
    for day in range(days):
        if day <= x[0]:
            out[day] = int(y[0])
            continue
        k = int(np.searchsorted(x, day, side="right"))  # first index with x[k] > day
        if k >= len(x):
            out[day] = int(y[-1])
        else:
            frac = (day - x[k - 1]) / float(x[k] - x[k - 1])
            out[day] = int(y[k - 1] + frac * (y[k] - y[k - 1]))
    return out


def corrected_counts(validation: FleeValidation, series: FleeSeries) -> np.ndarray:
    """A camp series' counts after its level-1 registration corrections (in file order)."""
    counts = np.array(series.counts, float)
    for rc in validation.registration_corrections:
        if rc.location != series.name:
            continue
        i = series.dates.index(rc.date)
        if i > 0 and counts[i - 1] > 0:
            counts[:i] *= counts[i] / counts[i - 1]
    return counts


def observed_camps(validation: FleeValidation, start: dt.date, days: int,
                   scale: float = 1.0) -> tuple[list[str], np.ndarray]:
    """Camp names and their observed daily counts, shape (days, camps)."""
    names = [s.name for s in validation.camps]
    out = np.zeros((days, len(names)), np.int64)
    for j, s in enumerate(validation.camps):
        out[:, j] = daily_series(_offsets(s, start), corrected_counts(validation, s) * scale, days)
    return names, out


def observed_total(validation: FleeValidation, start: dt.date, days: int,
                   scale: float = 1.0) -> np.ndarray:
    """The total refugee series by day (Flee's spawn driver), shape (days,)."""
    s = validation.total
    return daily_series(_offsets(s, start), np.array(s.counts, float) * scale, days)


def ard_by_day(simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """E(t) for each day; both arrays (days, camps), camps in the same order."""
    sim = np.asarray(simulated, float)
    obs = np.asarray(observed, float)
    if sim.shape != obs.shape:
        raise ValueError(f"simulated {sim.shape} and observed {obs.shape} differ in shape")
    untot = obs.sum(axis=1)
    simtot = sim.sum(axis=1)
    factor = np.divide(untot, simtot, out=np.zeros_like(untot), where=simtot > 0)
    rescaled = sim * factor[:, None]
    return np.abs(rescaled - obs).sum(axis=1) / np.maximum(untot, 1.0)


def ard(simulated: np.ndarray, observed: np.ndarray) -> float:
    """The averaged relative difference (rescaled), averaged over all days."""
    return float(np.mean(ard_by_day(simulated, observed)))
