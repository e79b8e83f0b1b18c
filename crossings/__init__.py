"""crossings: a fast agent-based simulator of informal border-crossing systems.

Public API (everything else lives in submodules):

* :class:`Sim` — run one scenario: ``crossings.Sim("channel", seed=1).run()``;
* :func:`load_scenario` — read and validate a scenario (built-in name or TOML path);
* :class:`Scenario` — the validated scenario model (its schema documents every parameter);
* :class:`Results` — daily, monthly and yearly tables of one run;
* :class:`Ensemble` — many seeds (and parameter draws) of a scenario, reduced to medians and
  50%/90% bands (``crossings.ensemble`` also holds policy comparison and sweeps);
* :func:`posterior_ensemble` — runs over draws from the posterior a scenario names
  (``crossings.calibrate`` also holds the targets, screening, ABC-SMC and the backtest).
"""

import os

# Numba formats (and colours, through colorama) a message for every overload it tries and rejects
# while typing a kernel: 25,856 colourings took 1.2 s of a first Channel run (~50 s). Read when
# Numba is first imported; a value set by the user wins. Only Numba's error messages change.
os.environ.setdefault("NUMBA_DISABLE_ERROR_MESSAGE_HIGHLIGHTING", "1")

from crossings.engine.results import Results  # noqa: E402
from crossings.sim import Sim  # noqa: E402
from crossings.errors import CrossingsError, ScenarioError  # noqa: E402
from crossings.scenario import Scenario, dump_toml, load_scenario  # noqa: E402

__version__ = "0.1.0"
__all__ = ["Sim", "Results", "Scenario", "load_scenario", "dump_toml", "ScenarioError", "CrossingsError", "Ensemble",
           "posterior_ensemble"]


def __getattr__(name):
    # The ensemble layer sits above Sim (it imports it), so it is loaded on first use.
    if name == "Ensemble":
        from crossings.ensemble import Ensemble

        return Ensemble
    if name == "posterior_ensemble":
        from crossings.calibrate.posterior import posterior_ensemble

        return posterior_ensemble
    raise AttributeError(f"module 'crossings' has no attribute {name!r}")
