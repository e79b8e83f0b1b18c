"""Render the scenario schema as a Markdown reference (``crossings reference``).

The reference is generated, never written by hand, so it cannot drift from the
code: ``tests/test_docs.py`` checks that ``docs/reference.md`` is up to date.
"""

from __future__ import annotations

import inspect
import typing

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from crossings.policies.interventions import ALL as POLICY_TYPES
from crossings.scenario import market_schema, schema


def _type_name(ann) -> str:
    s = str(ann).replace("typing.", "").replace("datetime.", "")
    s = s.replace("<class '", "").replace("'>", "")
    if "Annotated[" in s:
        s = s.split("Annotated[", 1)[1].split(",", 1)[0]
    if len(s) > 60:
        s = s[:57] + "..."
    return s


def _default(f) -> str:
    if f.default is PydanticUndefined:
        if f.default_factory is not None:
            try:
                v = f.default_factory()
            except TypeError:
                return "(see below)"
            if isinstance(v, BaseModel):
                return "(table, see below)"
            return repr(v)
        return "**required**"
    return repr(f.default)


def _model_table(model: type[BaseModel], heading: str, level: int = 2) -> list[str]:
    doc = inspect.getdoc(model) or ""
    out = [f"{'#' * level} {heading}", "", doc.split("\n\n")[0], "", "| key | type | default | meaning, unit, source |", "|---|---|---|---|"]
    for name, f in model.model_fields.items():
        desc = (f.description or "").replace("|", "/").replace("\n", " ")
        out.append(f"| `{name}` | {_type_name(f.annotation)} | {_default(f)} | {desc} |".replace("`", "`"))
    out.append("")
    return out


def render() -> str:
    lines = [
        "# Scenario reference",
        "",
        "Generated from `crossings/scenario/schema.py` by `crossings reference`; do not edit by hand.",
        "Every key of a scenario TOML file, its type, default, meaning, unit and source. Unknown keys",
        "are errors. \"assumption\" marks a modelling choice to calibrate, not an observation.",
        "",
    ]
    lines += _model_table(schema.Scenario, "Top level (`scenario.toml`)")
    sections = [
        ("[[sites]]", schema.Site),
        ("[[routes]]", schema.Route),
        ("[[nationalities]]", schema.Nationality),
        ("[inflow]", schema.Inflow),
        ("[enforcement]", schema.Enforcement),
        ("[enforcement.depreciation_per_year]", schema.Depreciation),
        ("[enforcement.half_saturation_eur_million]", schema.HalfSaturation),
        ("[enforcement.initial_stock_eur_million]", schema.InitialStock),
        ("[[enforcement.spending]]", schema.Spending),
        ("[people]", schema.People),
        ("[camps]", schema.Camps),
        ("[clearances]", schema.Clearances),
        ("[shelters]", schema.Shelters),
        ("[lorry]", schema.Lorry),
        ("[outflow]", schema.Outflow),
        ("[weather]", schema.Weather),
        ("[market]", market_schema.Market),
        ("[sea]", market_schema.Sea),
        ("[[boat_types]]", schema.BoatType),
        ("[modes]", schema.Modes),
        ("[detention]", schema.Detention),
    ]
    for name, model in sections:
        lines += _model_table(model, f"`{name}`")
    lines += ["## Policies (`[[policies]]`)", "", "Each policy has a `type`; the other keys depend on it.", ""]
    for cls in POLICY_TYPES:
        t = typing.get_args(cls.model_fields["type"].annotation)[0]
        lines += _model_table(cls, f"`type = \"{t}\"`", level=3)
    return "\n".join(lines).rstrip() + "\n"
