"""What clients may send and what the API answers (pydantic models; the OpenAPI document is
generated from them). Clients name scenarios offered by the server; they never send a
file path, and a scenario's ``inherits`` cannot be overridden."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["port", "beach", "sea", "intelligence", "camps"]
JobState = Literal["queued", "running", "done", "failed", "interrupted"]


class Levers(BaseModel):
    """The page's policy levers, turned into scenario policies acting from ``start``."""

    model_config = ConfigDict(extra="forbid")

    start: dt.date | None = Field(None, description="First day the levers act (default: the first of the month at the middle of the horizon).")
    spending: dict[Channel, float] = Field(default_factory=dict, description="Multiplier on each channel's baseline enforcement spending (1 = unchanged).")
    clearance_interval_days: int | None = Field(None, ge=1, le=3650, description="Major clearance of every camp every N days (none: no extra clearances).")
    clearance_buses: int = Field(25, ge=0, le=1000, description="Buses at each clearance (20 seats each: the Calais operation of Nov 2023).")
    shelter_places: float | None = Field(None, ge=0, le=1e7, description="Shelter places in total, shared over the shelters in proportion to their capacity (none: unchanged).")
    legal_route_per_week: float = Field(0.0, ge=0, le=1e6, description="Legal-route places per week (0: none added).")
    returns_per_week: float = Field(0.0, ge=0, le=1e6, description="People returned per week under a returns agreement (0: none added).")
    sea_interception: bool = Field(False, description="Boats may be stopped at sea.")
    evictions: bool = Field(True, description="Routine evictions of camps go on (false: they stop).")


class RunRequest(BaseModel):
    """A run (no levers or policies) or a comparison (the scenario against itself with levers and policies)."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field("channel", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="A scenario name from GET /api/scenarios.")
    seeds: int = Field(3, ge=1, le=10_000, description="Seeds 1..N (the server's limit applies).")
    levers: Levers | None = Field(None, description="Policy levers (a comparison with the baseline).")
    policies: list[dict[str, Any]] = Field(default_factory=list, max_length=100, description="Scenario policies to add, as in a scenario file's [[policies]] (see GET /api/policies).")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Scenario parameters to override, as nested tables (e.g. {\"people\": {\"beta_success\": 12}}); applied to the baseline and the policy.")


class Accepted(BaseModel):
    id: str
    state: JobState
    position: int = Field(description="Jobs ahead of this one in the queue.")


class JobSummary(BaseModel):
    id: str
    state: JobState
    scenario: str
    kind: Literal["run", "comparison"]
    seeds: int
    created: str
    finished: str | None = None
    progress: float = Field(ge=0, le=1)
    message: str = ""


class Job(JobSummary):
    request: dict[str, Any]
    policies: list[dict[str, Any]] = Field(default_factory=list, description="The policies the levers and the request added.")
    keys: dict[str, list[str]] = Field(default_factory=dict, description="Stored run keys per group (baseline, policy).")
    result: dict[str, Any] | None = None


class ScenarioInfo(BaseModel):
    name: str
    description: str
    start: dt.date
    end: dt.date
    scale: float
    camps: list[str]
    shelters: list[str]
    shelter_places: float
    default_policy_start: dt.date
    agent_days: float


class ExamplePolicy(BaseModel):
    name: str
    description: str
    policies: list[dict[str, Any]]


class Limits(BaseModel):
    max_seeds: int
    max_agent_days: float
    queue: int
    token_required: bool
