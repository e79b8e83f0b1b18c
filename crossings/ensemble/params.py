"""Scenario parameters by dotted name: ``people.beta_success``, ``sites[Calais camps].capacity``.

Sweeps and posterior draws change a scenario through these names. A name is a path into
the resolved scenario: table keys separated by dots, list items by ``[index]`` or, for
lists of named tables (sites, nationalities), by ``[name]``; dictionary parameters take
their key as the last part (``enforcement.half_saturation_eur_million.port``); a dated knot
(``inflow.knots[3]``, a ``[date, value]`` pair) takes a number, which replaces its value and
keeps its date. The changed
scenario is validated again, so a value out of range is reported like a bad scenario file.
"""

from __future__ import annotations

from typing import Any

from crossings.errors import ScenarioError
from crossings.scenario.loader import validate

HINT = "a parameter of the scenario by dotted name, such as people.beta_success or sites[Calais camps].capacity (see crossings show SCENARIO)"


def parse_name(name: str) -> list[str | int]:
    """``"sites[0].capacity"`` -> ``["sites", 0, "capacity"]`` (names in brackets stay strings)."""
    parts: list[str | int] = []
    buf = ""
    i = 0
    while i < len(name):
        c = name[i]
        if c == ".":
            if buf:
                parts.append(buf)
            elif not parts or not isinstance(parts[-1], (int, _Named)):
                raise ValueError("empty part")
            buf = ""
        elif c == "[":
            if buf:
                parts.append(buf)
                buf = ""
            j = name.find("]", i)
            if j < 0:
                raise ValueError("unclosed [")
            inner = name[i + 1 : j].strip()
            if not inner:
                raise ValueError("empty []")
            parts.append(int(inner) if inner.lstrip("-").isdigit() else _Named(inner))
            i = j
        elif c == "]":
            raise ValueError("unmatched ]")
        else:
            buf += c
        i += 1
    if buf:
        parts.append(buf)
    if not parts or not isinstance(parts[0], str):
        raise ValueError("must start with a parameter name")
    return parts


class _Named(str):
    """A list item chosen by its ``name`` field."""


def _step(node: Any, part: Any, name: str, source: str):
    if isinstance(part, _Named):
        if not isinstance(node, list):
            raise ScenarioError(source, name, HINT)
        for item in node:
            if isinstance(item, dict) and item.get("name") == str(part):
                return item
        known = [str(it.get("name")) for it in node if isinstance(it, dict) and "name" in it]
        raise ScenarioError(source, name, f"an item named one of: {', '.join(known) or '(none)'}")
    if isinstance(part, int):
        if not isinstance(node, list) or not -len(node) <= part < len(node):
            raise ScenarioError(source, name, f"{HINT}; index {part} is out of range")
        return node[part]
    if not isinstance(node, dict) or part not in node:
        raise ScenarioError(source, name, HINT)
    return node[part]


def get_param(scenario, name: str, source: str = "(parameters)") -> Any:
    """The current value of a parameter of ``scenario`` by dotted name."""
    node: Any = scenario.model_dump(mode="python")
    for part in _parts(name, source):
        node = _step(node, part, name, source)
    return node


def set_params(scenario, values: dict[str, Any], source: str = "(parameters)"):
    """A copy of ``scenario`` with parameters set by dotted name, validated again.

    Unknown names and bad values raise :class:`~crossings.errors.ScenarioError` naming the
    parameter and what was expected; the scenario itself is never changed."""
    if not values:
        return scenario
    data = scenario.model_dump(mode="python")
    for name, value in values.items():
        parts = _parts(name, source)
        node: Any = data
        for part in parts[:-1]:
            node = _step(node, part, name, source)
        last = parts[-1]
        if isinstance(last, (int, _Named)):
            target = _step(node, last, name, source)
            idx = node.index(target) if isinstance(last, _Named) else last
            if is_knot(target) and not isinstance(value, (dict, list, tuple)):
                node[idx] = (target[0], value)  # a dated knot: its value changes, its date stays
                continue
            if isinstance(target, (dict, list, tuple)):
                raise ScenarioError(source, name, "a single value, not a table or list")
            node[idx] = value
            continue
        if isinstance(node, dict) and last not in node:
            # optional dictionary parameters (e.g. one channel's half-saturation) may be new keys
            if not _is_free_dict(scenario, parts[:-1]):
                raise ScenarioError(source, name, HINT)
        elif not isinstance(node, dict):
            raise ScenarioError(source, name, HINT)
        else:
            current = node[last]
            if isinstance(current, (dict, list)) and not isinstance(value, type(current)):
                raise ScenarioError(source, name, "a single value, not a table or list (name a parameter inside it)")
        node[last] = value
    return validate(data, source)


def is_knot(x: Any) -> bool:
    """A dated knot ``(date, value)`` of a time series parameter (inflow knots, shares)."""
    import datetime as dt

    return isinstance(x, (list, tuple)) and len(x) == 2 and isinstance(x[0], dt.date) and isinstance(x[1], (int, float))


def _parts(name: str, source: str) -> list:
    try:
        return parse_name(name)
    except ValueError as e:
        raise ScenarioError(source, name, f"{HINT} ({e})") from None


def _is_free_dict(scenario, parts: list) -> bool:
    """Whether the table at ``parts`` is a free-form dictionary parameter (str keys)."""
    node: Any = scenario
    for part in parts:
        if isinstance(part, (int, _Named)):
            return False
        node = getattr(node, part, None)
        if node is None:
            return False
    return isinstance(node, dict)


def coerce(scenario, name: str, text: str, source: str = "(command line)") -> Any:
    """A command-line string as a value of the parameter's current type (int, float or bool)."""
    try:
        current = get_param(scenario, name, source)
    except ScenarioError:
        current = None
    t = text.strip()
    if isinstance(current, bool):
        if t.lower() in ("true", "false"):
            return t.lower() == "true"
        raise ScenarioError(source, name, f"true or false (got {text!r})")
    try:
        v = float(t)
    except ValueError:
        if isinstance(current, str):
            return t
        raise ScenarioError(source, name, f"a number (got {text!r})") from None
    if isinstance(current, int) and v.is_integer():
        return int(v)
    return v
