"""A tiny world with one known parameter, its pseudo-observed series and a priors file (calibration tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from worlds import D, scenario, tiny

TRUTH = 0.25  # lorry.success_unenforced used to make the pseudo-observed data (the schema default is 0.4)
PRIOR = (0.05, 0.8)


def world(**over):
    """Half a year of the tiny world (market off), 20 arrivals a day and little port enforcement, so
    that hundreds of people cross by lorry each month: ~0.1 s a run."""
    over.setdefault("enforcement", {"spending": [{"channel": "port", "start": D(2020, 1, 1), "end": D(2020, 12, 31),
                                                 "eur_million": 3.0}]})
    d = tiny(inflow={"knots": [[D(2020, 1, 1), 20.0]]}, end=D(2020, 6, 30), **over)
    return scenario(d)


def pseudo_observed(spread: float = 0.05, seeds=(101, 102, 103)) -> pd.DataFrame:
    """Monthly people crossing in the world with the true parameter (mean of a few seeds), with a +-5%
    'sources' spread, in the layout of observed.csv."""
    from crossings.calibrate.targets import model_value
    from crossings.sim import Sim

    sc = world(lorry={"success_unenforced": TRUTH})
    runs = [Sim(sc, seed=s).run() for s in seeds]
    rows = []
    for m in range(1, 7):
        p = f"2020-{m:02d}"
        v = float(np.mean([model_value(r, "crossings_total", p) for r in runs]))
        rows.append({"series": "crossings_total", "period": p, "value": v, "low": v * (1 - spread),
                     "high": v * (1 + spread), "unit": "people", "scope": "tiny", "source": "pseudo-observed", "note": ""})
    return pd.DataFrame(rows)


PRIORS_TOML = f"""
[[priors]]
name = "lorry.success_unenforced"
distribution = "uniform"
low = {PRIOR[0]}
high = {PRIOR[1]}
source = "test"
"""


def folder(tmp_path, obs: pd.DataFrame | None = None):
    """A scenario folder: scenario.toml (the world, the schema default 0.4 for the known parameter),
    observed.csv and priors.toml."""
    from crossings.scenario.loader import dump_toml

    (tmp_path / "scenario.toml").write_text(dump_toml(world()))
    (obs if obs is not None else pseudo_observed()).to_csv(tmp_path / "observed.csv", index=False)
    (tmp_path / "priors.toml").write_text(PRIORS_TOML)
    return tmp_path / "scenario.toml"
