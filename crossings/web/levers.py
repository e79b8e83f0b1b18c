"""The page's levers as scenario policies, and the example policies the API lists.

Each lever adds policies acting from ``start``; a lever left at its neutral value adds
nothing, so levers all at neutral give the baseline itself."""

from __future__ import annotations

import datetime as dt

from crossings.web.models import Levers

# Clearance operations: 20 seats a bus and 37% of those offered boarding, as in the Calais
# operation of November 2023 (the Channel scenario's policy; RADIO6-2023).
SEATS_PER_BUS = 20
CLEARANCE_ACCEPTANCE = 0.37
NEVER_DAYS = 32766
# Who the legal-route lever admits: the high-grant-rate nationalities of
# examples/policies/legal-route-quota.toml (those the scenario has; none: the scenario's flagged ones).
LEGAL_ROUTE_NATIONALITIES = ["Afghanistan", "Iran", "Eritrea", "Sudan", "Syria"]  # the longest eviction interval the schema allows: no further evictions

# The policy files in examples/policies/, as data (a test checks they say the same).
EXAMPLES = [
    ("beach-funding-plus-50", "Beach-patrol spending x 1.5 from 2024.",
     [{"type": "security_funding", "channel": "beach", "start": "2024-01-01", "multiplier": 1.5}]),
    ("clearances-every-48h", "Grande-Synthe living sites evicted every 48 hours from 2024, as in Calais.",
     [{"type": "routine_evictions", "sites": ["Grande-Synthe camps"], "start": "2024-01-01", "interval_days": 2}]),
    ("end-routine-evictions", "No routine evictions of living sites from 2024.",
     [{"type": "routine_evictions", "sites": ["Calais camps", "Grande-Synthe camps"], "start": "2024-01-01",
       "interval_days": NEVER_DAYS}]),
    ("legal-route-quota", "A legal route for high-grant-rate nationalities, 100 places a week from 2024.",
     [{"type": "legal_route", "start": "2024-01-01", "quota_per_week": 100.0,
       "nationalities": ["Afghanistan", "Iran", "Eritrea", "Sudan", "Syria"], "requires_ties": False}]),
    ("returns-agreement", "The 'one in, one out' returns (about 50 a week) from January 2024 instead of August 2025.",
     [{"type": "returns_agreement", "start": "2024-01-01", "end": "2025-08-03", "returns_per_week": 50.0}]),
    ("sea-interception", "Boats may be stopped at sea (taxi-boat interceptions) from 2024.",
     [{"type": "sea_interception", "start": "2024-01-01", "effectiveness": 0.2}]),
]


def default_start(scenario) -> dt.date:
    """The first of the month at the middle of the horizon (an assumption of the page)."""
    mid = scenario.start + (scenario.end - scenario.start) / 2
    return max(scenario.start, mid.replace(day=1))


def to_policies(levers: Levers, scenario) -> list[dict]:
    start = levers.start or default_start(scenario)
    day = start.isoformat()
    camps = [s.name for s in scenario.sites if s.kind == "camp"]
    shelters = [s for s in scenario.sites if s.kind == "shelter"]
    out: list[dict] = []
    for channel, mult in levers.spending.items():
        if mult != 1.0:
            out.append({"type": "security_funding", "label": f"{channel} spending x {mult:g}", "channel": channel,
                        "start": day, "multiplier": float(mult)})
    if levers.clearance_interval_days is not None:
        for c in camps:
            out.append({"type": "camp_clearance", "label": f"clearance every {levers.clearance_interval_days} days",
                        "site": c, "date": day, "interval_days": levers.clearance_interval_days,
                        "buses": levers.clearance_buses, "seats_per_bus": SEATS_PER_BUS, "acceptance": CLEARANCE_ACCEPTANCE})
    if levers.shelter_places is not None and shelters:
        total = sum(float(s.capacity or 0.0) for s in shelters)
        for s in shelters:
            share = float(s.capacity or 0.0) / total if total > 0 else 1.0 / len(shelters)
            out.append({"type": "shelter_capacity", "label": "shelter places", "site": s.name, "start": day,
                        "capacity": round(levers.shelter_places * share, 3)})
    if levers.legal_route_per_week > 0:
        known = {n.name for n in getattr(scenario, "nationalities", [])}
        nats = [n for n in LEGAL_ROUTE_NATIONALITIES if n in known]
        out.append({"type": "legal_route", "label": "legal route", "start": day, "quota_per_week": levers.legal_route_per_week,
                    "nationalities": nats})
    if levers.returns_per_week > 0:
        out.append({"type": "returns_agreement", "label": "returns agreement", "start": day,
                    "returns_per_week": levers.returns_per_week})
    if levers.sea_interception:
        out.append({"type": "sea_interception", "label": "interception at sea", "start": day})
    if not levers.evictions and camps:
        out.append({"type": "routine_evictions", "label": "no more routine evictions", "sites": camps, "start": day,
                    "interval_days": NEVER_DAYS})
    return out
