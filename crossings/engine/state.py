"""Agent state as arrays: one slot per person, one typed array per attribute.

A person's slot is fixed at arrival (slots are handed out in arrival order), so
per-slot random streams stay aligned between scenarios. Terminal states
(crossed, left, dead) drop out of the ``active`` index at the end of each day;
processes loop over ``active`` only, which keeps a 12-year run fast although
hundreds of thousands of people pass through.

Engine state is 36 bytes per person (40 with the active index; see ``People.bytes_per_person``).
"""

from __future__ import annotations

import numpy as np

# Person states. Every slot below ``n`` is in exactly one of them every day.
TRAVELLING = 1  # on the way to a camp (arrival, dispersal, return from a shelter)
IN_CAMP = 2  # waiting in the corridor at a site: in its camp, or off-camp nearby (``off_camp``)
IN_SHELTER = 3  # in a reception centre away from the border
CROSSED = 4  # reached the destination (terminal, unless returned)
LEFT = 5  # left the corridor: asylum in the transit country or moved on (terminal)
RETURNED = 6  # returned from the destination under a returns agreement
DEAD = 7  # died on the way (terminal)
DETAINED = 9  # held at a detention site (8 is the results' count slot of people waiting off-camp)
STATE_NAMES = {
    TRAVELLING: "travelling",
    IN_CAMP: "in_camp",
    IN_SHELTER: "in_shelter",
    CROSSED: "crossed",
    LEFT: "left",
    RETURNED: "returned",
    DEAD: "dead",
    DETAINED: "detained",
}
TERMINAL = (CROSSED, LEFT, DEAD)
NO_GANG = -1

FIELDS: dict[str, np.dtype] = {
    "state": np.dtype(np.int8),
    "site": np.dtype(np.int16),
    "nationality": np.dtype(np.int8),
    "household": np.dtype(np.int32),  # slot of the household head; draws are keyed by it
    "minor": np.dtype(np.bool_),
    "uk_ties": np.dtype(np.bool_),
    "funds": np.dtype(np.float32),  # EUR
    "debt": np.dtype(np.float32),  # EUR owed to a gang (credit)
    "risk_tolerance": np.dtype(np.float32),
    "arrival_day": np.dtype(np.int16),
    "next_day": np.dtype(np.int32),  # next decision / end of travel / end of shelter stay (may lie past the horizon)
    "attempts": np.dtype(np.int16),
    "crossed_day": np.dtype(np.int16),
    "gang": np.dtype(np.int16),  # gang holding the person's paid contract, or NO_GANG
    "paid_attempts_left": np.dtype(np.int8),
    "off_camp": np.dtype(np.bool_),  # waiting in the corridor but not in a camp (towns, safe houses)
}
# The longest horizon: day counters (arrival_day, crossed_day) are int16. The schema refuses longer.
MAX_DAYS = int(np.iinfo(np.int16).max) - 1
# Waiting times are capped here: a day no run reaches (day + NEVER still fits next_day's int32).
NEVER = 1 << 30


class People:
    """Arrays of person attributes with room to grow (amortised doubling)."""

    def __init__(self, capacity: int = 1024):
        capacity = max(int(capacity), 16)
        self.n = 0
        for name, dtype in FIELDS.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        self.gang[:] = NO_GANG
        self.crossed_day[:] = -1
        self.active = np.zeros(0, dtype=np.int32)

    @property
    def capacity(self) -> int:
        return len(self.state)

    @staticmethod
    def bytes_per_person() -> int:
        """Bytes of engine state per person, including the int32 active index."""
        return sum(dt.itemsize for dt in FIELDS.values()) + 4

    def reserve(self, extra: int) -> None:
        need = self.n + int(extra)
        if need <= self.capacity:
            return
        new = max(need, 2 * self.capacity)
        for name, dtype in FIELDS.items():
            old = getattr(self, name)
            arr = np.zeros(new, dtype=dtype)
            arr[: self.n] = old[: self.n]
            if name == "gang":
                arr[self.n :] = NO_GANG
            if name == "crossed_day":
                arr[self.n :] = -1
            setattr(self, name, arr)

    def state_counts(self) -> dict[str, int]:
        c = np.bincount(self.state[: self.n], minlength=8)
        return {STATE_NAMES[s]: int(c[s]) for s in STATE_NAMES}
