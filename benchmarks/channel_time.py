"""Wall time of the full Channel run (best of 2 after a warm-up) and the person-days it simulates.

    python benchmarks/channel_time.py

Run it on two checkouts back to back (``PYTHONPATH=<checkout>``) to compare versions in the same
conditions: the machine's speed varies between sessions more than the code does.
"""

import time

import crossings

crossings.Sim("channel", seed=1).run()  # warm-up: compiled kernels are cached on disk
best = 1e9
for _ in range(2):
    t = time.perf_counter()
    r = crossings.Sim("channel", seed=1).run()
    best = min(best, time.perf_counter() - t)
d = r.daily
person_days = float((d.in_camps + d.travelling + d.in_shelters + d.get("waiting_off_camp", 0)).sum())
print(f"{crossings.__file__}: Channel {best:.2f} s, person-days in the corridor {person_days:.3g}")
