"""Constants shared by the market's files: the rows of the enforcement channels, the draw counters
of the "market" random stream, the two paid modes, and whether a scenario runs the market at all.
"""

from __future__ import annotations

from crossings.engine.timeline import CHANNELS
from crossings.processes.decisions import BOAT, LORRY_PAID

E_PORT, E_BEACH, E_SEA, E_INTEL = (CHANNELS.index(c) for c in ("port", "beach", "sea", "intelligence"))
DAYS_PER_YEAR = 365.25
MODES = (LORRY_PAID, BOAT)
# draw counters on the "market" stream (slot = gang index, or household head for people)
K_DISMANTLE, K_EXIT = 0, 1
K_ENTRY = 2  # slot = max_gangs (the market's own slot)
K_CHOOSE_GANG = 40  # + option code
K_TAKEOVER = 60
K_SAFE_HOUSE = 70  # slot = household head
K_BOAT_LINE = 71  # slot = gang
K_BOAT_ENTRY = 72  # slot = max_gangs (the market's own slot): a new group entering to sell boat places


def enabled(scenario) -> bool:
    """Whether a scenario runs the market (``[market] enabled``)."""
    return bool(scenario.market.enabled)
