"""Stage 1: policies. Interventions due today act, and today's policy-driven
parameters (spending by channel) are booked.

Daily parameter series were already shaped by every intervention when the
timeline was compiled (``Intervention.shape``); this stage fires one-off actions
(a major clearance is queued for the clearances stage, keeping MODEL §3's order)
and records public spending.
"""

from __future__ import annotations

from crossings.engine.loop import Process
from crossings.engine.timeline import CHANNELS


class Policies(Process):
    """Policies: fire interventions due today (clearances are queued for stage 5) and book
    today's public spending by channel."""

    name = "policies"
    reads = ("timeline",)
    writes = ("today.clearance_orders", "results.spending")

    def step(self, day: int) -> None:
        sim = self.sim
        sim.today = {"clearance_orders": []}
        for pol in sim.timeline.actions.get(day, ()):
            pol.fire(sim, day)
        spend = sim.timeline.spending_eur_per_day[:, day]
        for c, ch in enumerate(CHANNELS):
            sim.rec.add(f"spending_{ch}_eur", spend[c])
