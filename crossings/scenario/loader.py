"""Reading scenarios: built-in names or paths, inheritance, validation, clear errors.

``load_scenario("channel")`` finds a built-in scenario; any other string is a
path to a TOML file. A scenario may say ``inherits = "channel"`` (or a path
relative to itself): the parent is loaded first, then the child's tables are
merged into it key by key (lists are replaced, except ``policies``, which are
appended unless the child sets ``replace_policies = true``).

Every problem becomes a :class:`~crossings.errors.ScenarioError` naming the
file, the field and what was expected. Nothing is cached or written.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from crossings.errors import ScenarioError

BUILTIN = Path(__file__).parent / "builtin"
TEMPLATE = Path(__file__).parent / "template"
MAX_INHERITANCE_DEPTH = 8


def builtin_names() -> list[str]:
    return sorted(p.name for p in BUILTIN.iterdir() if (p / "scenario.toml").is_file())


def resolve(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    s = str(name_or_path)
    if (BUILTIN / s / "scenario.toml").is_file() and not Path(s).suffix:
        return BUILTIN / s / "scenario.toml"
    p = Path(s)
    if relative_to is not None and not p.is_absolute():
        p = relative_to / p
    if p.is_dir():
        p = p / "scenario.toml"
    return p


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(path, "(file)", "a readable TOML file or a built-in scenario name "
                            f"({', '.join(builtin_names())}); no such file") from None
    except (IsADirectoryError, PermissionError, OSError) as e:
        raise ScenarioError(path, "(file)", f"a readable TOML file ({e.__class__.__name__})") from None
    try:
        return tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(path, "(file)", "UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(path, "(syntax)", f"valid TOML ({e})") from None


def _merge(parent: dict, child: dict) -> dict:
    out = dict(parent)
    for k, v in child.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def load_dict(name_or_path: str | Path, _depth: int = 0, _relative_to: Path | None = None) -> tuple[dict, Path]:
    """The merged (inheritance resolved) raw dictionary of a scenario and its path."""
    path = resolve(name_or_path, _relative_to)
    data = read_toml(path)
    parent_ref = data.get("inherits")
    if parent_ref is not None:
        if not isinstance(parent_ref, str):
            raise ScenarioError(path, "inherits", "a built-in scenario name or a path (string)")
        if _depth >= MAX_INHERITANCE_DEPTH:
            raise ScenarioError(path, "inherits", f"at most {MAX_INHERITANCE_DEPTH} levels of inheritance (is there a cycle?)")
        parent_path = resolve(parent_ref, path.parent)
        if not parent_path.is_file():
            raise ScenarioError(path, "inherits", f"a built-in scenario ({', '.join(builtin_names())}) or an existing "
                                f"scenario file; '{parent_ref}' is neither")
        parent, _ = load_dict(parent_ref, _depth + 1, path.parent)
        replace = data.pop("replace_policies", False)
        if not isinstance(replace, bool):
            raise ScenarioError(path, "replace_policies", "true or false")
        child_pol = data.pop("policies", None)
        merged = _merge(parent, data)
        if child_pol is not None:
            if not isinstance(child_pol, list):
                raise ScenarioError(path, "policies", "an array of tables ([[policies]])")
            merged["policies"] = child_pol if replace else list(parent.get("policies", [])) + child_pol
        merged["inherits"] = parent_ref
        return merged, path
    if "replace_policies" in data:
        raise ScenarioError(path, "replace_policies", "only allowed together with inherits")
    return data, path


def _field(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith(("function-", "tagged-union")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(scenario)"


def _describe(err: dict) -> tuple[str, str]:
    loc = tuple(err.get("loc", ()))
    msg = str(err.get("msg", "invalid value"))
    typ = err.get("type", "")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    # model-level checks put "field: message" in the message
    head, sep, rest = msg.partition(": ")
    if sep and (not loc or typ == "value_error") and " " not in head.strip():
        prefix = _field(loc)
        field = head if prefix == "(scenario)" else f"{prefix}.{head}"
        return field, rest
    if typ == "extra_forbidden":
        return _field(loc), "no such parameter (unknown key); see docs/reference.md for the valid keys"
    if typ == "missing":
        return _field(loc), "a value (this field is required)"
    inp = err.get("input")
    got = ""
    if inp is not None and not isinstance(inp, (dict, list)):
        got = f" (got {inp!r})"
    return _field(loc), msg + got


def validate(data: dict, path: Path):
    """Validate a raw dictionary into a Scenario (or a Flee scenario)."""
    from crossings.scenario.schema import Scenario

    if not isinstance(data, dict):
        raise ScenarioError(path, "(scenario)", "a TOML table")
    try:
        if data.get("model") == "flee":
            from crossings.flee.schema import FleeScenario

            return FleeScenario.model_validate(data)
        return Scenario.model_validate(data)
    except ValidationError as e:
        field, expected = _describe(e.errors()[0])
        raise ScenarioError(path, field, expected) from None
    except (ValueError, TypeError, KeyError) as e:  # defensive: validators of nested types
        raise ScenarioError(path, "(scenario)", str(e)) from None


def load_scenario(name_or_path: str | Path, **overrides: Any):
    """Load, merge and validate a scenario; ``overrides`` set top-level keys (e.g. seed)."""
    data, path = load_dict(name_or_path)
    data.update({k: v for k, v in overrides.items() if v is not None})
    return validate(data, path)


def dump_toml(scenario) -> str:
    """Serialise a scenario (policies included) back to TOML."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    return tomli_w.dumps(_tomlable(data))


def _tomlable(x):
    if isinstance(x, dict):
        return {k: _tomlable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_tomlable(v) for v in x]
    return x
