"""The movement stage's walk over the active people also counts them for the camps stage: the
counts it hands over equal a count taken after everyone's movement."""

from __future__ import annotations

import numpy as np

from crossings import Sim
from crossings.processes.camps import count_kernel


def test_movement_walk_counts_equal_a_count_after_movement():
    sim = Sim("channel", seed=3)
    p = sim.people
    w = sim.world
    checked = 0
    for day in range(700):
        sim.rec.day = day
        for proc in sim.loop:
            if proc.name == "camps":
                counts, on_camp, shelter = sim.today["camp_counts"]
                # a second count after the walk: no income and no off-camp cost, so it changes nothing
                funds, off = p.funds.copy(), p.off_camp.copy()
                c2, o2, s2 = count_kernel(p.active, p.state, p.site, p.nationality, w.n_sites, len(w.nat_names),
                                          p.funds, np.float32(0.0), p.off_camp, np.float32(0.0))
                assert np.array_equal(p.funds, funds) and np.array_equal(p.off_camp, off)
                assert np.array_equal(counts, c2) and np.array_equal(on_camp, o2) and np.array_equal(shelter, s2)
                checked += int(counts.sum() > 0)
            proc.step(day)
        sim.rec.flush()
        sim.day = day + 1
    assert checked > 600  # people were waiting on most days
