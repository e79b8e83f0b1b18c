"""How a parameter is declared: meaning, unit, default, source and bounds in one place.

Shared by the scenario schema (:mod:`crossings.scenario.schema`) and the market and sea
sections (:mod:`crossings.scenario.market_schema`); ``crossings reference`` renders them.

Every number in a scenario is finite (NaN and infinity are refused: ``STRICT``) and carries
the bounds its meaning implies: a chance lies in [0, 1], a duration in days is at most the
longest horizon the engine can simulate, a utility coefficient or an amount of money is of a
magnitude no real border approaches (wide bounds that keep every product in the engine
finite, not calibration limits).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from crossings.engine.state import MAX_DAYS as HORIZON_MAX_DAYS  # the engine's 16-bit day counters

STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


def P(default: Any, desc: str, unit: str = "", source: str = "assumption", **kw: Any) -> Any:
    """A documented parameter: meaning, unit, default and source in one place."""
    text = desc
    if unit:
        text += f" Unit: {unit}."
    text += f" Source: {source}."
    return Field(default, description=text, json_schema_extra={"unit": unit, "source": source}, **kw)


NonNeg = Annotated[float, Field(ge=0)]
Prob = Annotated[float, Field(ge=0, le=1)]
Pos = Annotated[float, Field(gt=0)]
# durations: at most the longest horizon (a longer wait is never over within any run)
Days = Annotated[float, Field(ge=0, le=HORIZON_MAX_DAYS)]
PosDays = Annotated[float, Field(gt=0, le=HORIZON_MAX_DAYS)]
# time scales of memories and adjustments: at least the model's step, a day
MemoryDays = Annotated[float, Field(ge=1, le=HORIZON_MAX_DAYS)]
# coefficients of utility (logit scale): any sign, bounded so utilities stay finite
Utility = Annotated[float, Field(ge=-1e6, le=1e6)]
# multipliers of a series or a rate, and relative rises per unit of some effect
Multiplier = Annotated[float, Field(ge=0, le=1e3)]
# money: per person or per operation, and totals (EUR)
EurPerPerson = Annotated[float, Field(ge=0, le=1e7)]
Eur = Annotated[float, Field(ge=0, le=1e12)]
EurMillion = Annotated[float, Field(ge=0, le=1e6)]
# numbers of people (capacities, populations, people per day)
PeopleCount = Annotated[float, Field(ge=0, le=1e8)]
# hazards per year (at most one event a day)
PerYear = Annotated[float, Field(ge=0, le=365.25)]
Exponent = Annotated[float, Field(ge=0, le=10)]



def renamed(names: dict[str, str]):
    """A before-validator that accepts deprecated parameter names (old -> new) for one release,
    with a FutureWarning naming the new key; giving both is an error."""
    import warnings

    def _rename(cls, data):
        if not isinstance(data, dict):
            return data
        for old, new in names.items():
            if old in data:
                if new in data:
                    raise ValueError(f"{old}: deprecated name of {new}; give only {new}")
                warnings.warn(f"'{old}' is deprecated (kept for one release); use '{new}'", FutureWarning, stacklevel=2)
                data = {**data, new: data[old]}
                del data[old]
        return data

    return classmethod(_rename)
