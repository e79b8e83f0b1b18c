"""What gangs buy each day: evasion skill (investment in studying the controls, decaying as the
police adapt) and boats, restocked for a few days of launches or for the customers waiting,
whichever needs more, within a supply that intelligence work disrupts and within the gang's
capital.
"""

from __future__ import annotations

from crossings.engine.jit import njit

from crossings.processes.market.common import DAYS_PER_YEAR


@njit(cache=True, inline="always")
def adapt_kernel(active, home_coast, evasion, keep, revenue_last, costs_today, volume, load, capital, boats,
                 invest_share, fixed_cost, evasion_max, decay_per_year, restock_days, supply, kit_cost, waiting):
    """Evasion: gain ``(max - evasion)(1 - keep)`` from investing a share of yesterday's revenue
    (``keep = exp(-investment / evasion cost)``, from NumPy), minus decay; investment and fixed
    costs booked for today. Gangs with a coast buy boats up to the larger of ``restock_days`` of
    recent launches and the boats their waiting list (``waiting`` people) needs at their load, plus
    one, within today's ``supply`` and their capital, at ``kit_cost`` each."""
    n = active.shape[0]
    any_coast = False
    for j in range(n):
        if active[j]:
            ev = evasion[j]
            gain = (evasion_max - ev) * (1.0 - keep[j])
            evasion[j] = min(max(ev + gain - ev * decay_per_year / DAYS_PER_YEAR, 0.0), evasion_max)
            costs_today[j] += invest_share * revenue_last[j] + fixed_cost
            any_coast = any_coast or home_coast[j] >= 0
    if not any_coast:
        return
    afford_div = max(kit_cost, 1e-9)
    for j in range(n):
        buy = 0.0
        if active[j] and home_coast[j] >= 0:
            launches = volume[j] / max(load[j], 1.0) if load[j] > 0 else 0.0
            target = max(restock_days * launches, waiting[j] / max(load[j], 1.0)) + 1.0
            afford = max(capital[j], 0.0) / afford_div
            buy = max(min(min(target - boats[j], supply), afford), 0.0)
        boats[j] += buy
        costs_today[j] += buy * kit_cost
