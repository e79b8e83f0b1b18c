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
    """Daily values 0..days-1 of one series, interpolated the way Flee's DataTable does.

    Rows are taken in file order, as Flee 3.1's ``get_interpolated_data`` does: a day up to
    the first row's date takes the first value; otherwise it interpolates between the first
    later row k >= 1 dated after it and the row before k (k - 1, whatever its date), and
    takes the last row's value when no row is dated after it. For dates in increasing order
    this is plain linear interpolation.
    """
    out = np.empty(days, np.int64)
    x = np.asarray(days_from_start)
    y = np.asarray(counts)
    # first k >= 1 with x[k] > day  ==  first k with running max of x[1..k] > day
    running = np.maximum.accumulate(x[1:]) if len(x) > 1 else np.empty(0, x.dtype)
    for day in range(days):
        if day <= x[0]:
            out[day] = int(y[0])
            continue
        k = int(np.searchsorted(running, day, side="right")) + 1
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
                   scale: float = 1.0, hasten: int = 1) -> tuple[list[str], np.ndarray]:
    """Camp names and their observed daily counts, shape (days, camps); counts are
    multiplied by ``scale`` and divided by ``hasten`` (as Flee's RefugeeTable does) before
    interpolation."""
    names = [s.name for s in validation.camps]
    out = np.zeros((days, len(names)), np.int64)
    for j, s in enumerate(validation.camps):
        out[:, j] = daily_series(_offsets(s, start),
                                 corrected_counts(validation, s) * scale / hasten, days)
    return names, out


def observed_total(validation: FleeValidation, start: dt.date, days: int,
                   scale: float = 1.0, hasten: int = 1) -> np.ndarray:
    """The total refugee series by day (Flee's spawn driver), shape (days,)."""
    s = validation.total
    return daily_series(_offsets(s, start), np.array(s.counts, float) * scale / hasten, days)


def ard_by_day(simulated: np.ndarray, observed: np.ndarray, rescaled: bool = True) -> np.ndarray:
    """E(t) for each day; both arrays (days, camps), camps in the same order.

    ``rescaled=False`` gives Flee's "Averaged error normal" (no rescaling of the simulated
    camp counts to the observed total)."""
    sim = np.asarray(simulated, float)
    obs = np.asarray(observed, float)
    if sim.shape != obs.shape:
        raise ValueError(f"simulated {sim.shape} and observed {obs.shape} differ in shape")
    untot = obs.sum(axis=1)
    if rescaled:
        simtot = sim.sum(axis=1)
        factor = np.divide(untot, simtot, out=np.zeros_like(untot), where=simtot > 0)
        sim = sim * factor[:, None]
    return np.abs(sim - obs).sum(axis=1) / np.maximum(untot, 1.0)


def ard(simulated: np.ndarray, observed: np.ndarray) -> float:
    """The averaged relative difference (rescaled), averaged over all days."""
    return float(np.mean(ard_by_day(simulated, observed)))
