"""Parameters of the smuggling market and of sea crossings (MODEL §6).

Owned by the market process (:mod:`crossings.processes.market`); every field
documents its meaning, unit, default and source.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Market(BaseModel):
    """The smuggling market: gangs, costs, prices, entry, exit, dismantling."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = Field(True, description="Run the smuggling market and paid crossings (boats, paid lorry places). Source: MODEL §6.")


class Sea(BaseModel):
    """Small-boat crossings: weather, loading, interception, rescue, deaths."""

    model_config = ConfigDict(extra="forbid")
