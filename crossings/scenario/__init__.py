"""Scenarios: the schema (every parameter documented), loading with inheritance, built-ins."""

from crossings.scenario.loader import builtin_names, dump_toml, load_scenario
from crossings.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "dump_toml", "builtin_names"]
