"""A minimal border in one short file: build a scenario in Python, run it, read the results.

    python examples/minimal_border.py
"""

import datetime as dt

import crossings

D = dt.date
scenario = crossings.Scenario.model_validate(
    {
        "name": "minimal",
        "start": D(2024, 1, 1),
        "end": D(2024, 12, 31),
        "sites": [
            {"name": "Camp", "kind": "camp", "lat": 0, "lon": 0, "capacity": 500, "initial_population": 300},
            {"name": "Port", "kind": "port", "lat": 0, "lon": 0.1},
            {"name": "Beach", "kind": "coast", "lat": 0.1, "lon": 0},
            {"name": "Over there", "kind": "destination", "lat": 1, "lon": 0},
        ],
        "routes": [{"a": "Camp", "b": "Port", "days": 0}, {"a": "Camp", "b": "Beach", "days": 0}],
        "nationalities": [{"name": "All", "share": [[D(2024, 1, 1), 1.0]]}],
        "inflow": {"knots": [[D(2024, 1, 1), 10.0]]},  # people per day (illustrative)
        "enforcement": {"spending": [
            {"channel": "port", "start": D(2024, 1, 1), "end": D(2024, 12, 31), "eur_million": 50.0},
            {"channel": "beach", "start": D(2024, 1, 1), "end": D(2024, 12, 31), "eur_million": 80.0},
        ]},
    }
)
res = crossings.Sim(scenario, seed=1).run()
print(res.monthly[["arrivals_corridor", "crossings_total", "in_camps", "deaths"]].round(1))
