"""Stage 1: policies. Interventions due today act, and today's policy-driven
parameters (spending by channel) are booked.

Daily parameter series were already shaped by every intervention when the
timeline was compiled (``Intervention.shape``); this stage fires one-off actions
(a major clearance is queued for the clearances stage, keeping MODEL §3's order),
sets the parameters that dated paths change today (``parameter_path`` policies: the run's own
copy of the scenario is edited, so every later stage reads today's value), and records public
spending.
"""

from __future__ import annotations

import math

import numpy as np

from crossings.engine.loop import Process
from crossings.engine.results import INDEX
from crossings.engine.timeline import CHANNELS


_SPENDING = np.array([INDEX[f"spending_{ch}_eur"] for ch in CHANNELS])  # the metrics of each channel's spending


def apply_parameter_paths(sim, day: int) -> None:
    """Set every parameter whose dated path has a value today that differs from yesterday's."""
    for dotted, vals in sim.timeline.parameter_paths.items():
        v = vals[day]
        if math.isnan(v) or (day > 0 and vals[day - 1] == v):
            continue
        section, _, name = dotted.partition(".")
        sub = getattr(sim.scenario, section)
        cur = getattr(sub, name)
        object.__setattr__(sub, name, int(round(v)) if isinstance(cur, int) and not isinstance(cur, bool) else float(v))


class Policies(Process):
    """Policies: fire interventions due today (clearances are queued for stage 5) and book
    today's public spending by channel."""

    name = "policies"
    reads = ("timeline",)
    writes = ("today.clearance_orders", "results.spending")

    def step(self, day: int) -> None:
        sim = self.sim
        sim.today = {"clearance_orders": []}
        if sim.timeline.parameter_paths:
            apply_parameter_paths(sim, day)
        for pol in sim.timeline.actions.get(day, ()):
            pol.fire(sim, day)
        # each channel's spending added to its metric (one addition per metric, as rec.add does)
        sim.rec.add_at(_SPENDING, sim.timeline.spending_eur_per_day[:, day])
