"""How a parameter is declared: meaning, unit, default and source in one place.

Shared by the scenario schema (:mod:`crossings.scenario.schema`) and the market and sea
sections (:mod:`crossings.scenario.market_schema`); ``crossings reference`` renders them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field


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
