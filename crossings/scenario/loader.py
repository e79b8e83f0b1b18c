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

import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from crossings.errors import ScenarioError

BUILTIN = Path(__file__).parent / "builtin"
TEMPLATE = Path(__file__).parent / "template"
TEMPLATES = Path(__file__).parent / "templates"  # sea-route, land-border
MAX_INHERITANCE_DEPTH = 64
MAX_TOML_NESTING = 64  # tables and arrays nested deeper are refused (no scenario needs more than ~4)


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
        # utf-8-sig: a byte-order mark some editors write at the start is not part of the TOML
        data = tomllib.loads(text.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ScenarioError(path, "(file)", "UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(path, "(syntax)", f"valid TOML ({e})") from None
    except RecursionError:
        raise ScenarioError(path, "(syntax)", f"tables and arrays nested at most {MAX_TOML_NESTING} levels deep") from None
    key = _too_deep(data, MAX_TOML_NESTING)
    if key is not None:
        raise ScenarioError(path, key or "(scenario)", f"tables and arrays nested at most {MAX_TOML_NESTING} levels deep")
    return data


def _too_deep(x, levels: int, where: str = "") -> str | None:
    """The dotted key under which ``x`` nests deeper than ``levels``, or None."""
    if levels < 0:
        return where
    items = x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, list) else ()
    for k, v in items:
        if isinstance(v, (dict, list)):
            sub = f"{where}[{k}]" if isinstance(k, int) else (f"{where}.{k}" if where else str(k))
            found = _too_deep(v, levels - 1, sub)
            if found is not None:
                return found
    return None


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
    data, path, _ = _load(name_or_path, _relative_to, [])
    return data, path


def _load(name_or_path, relative_to: Path | None, chain: list[Path]) -> tuple[dict, Path, list[tuple[Path, int]]]:
    """Merged dictionary, path, and for each merged policy the file and index that declared it."""
    path = resolve(name_or_path, relative_to)
    data = read_toml(path)
    _check_posterior(path, data)
    policies = data.get("policies")
    origins = [(path, i) for i in range(len(policies))] if isinstance(policies, list) else []
    parent_ref = data.get("inherits")
    if parent_ref is not None:
        if not isinstance(parent_ref, str):
            raise ScenarioError(path, "inherits", "a built-in scenario name or a path (string)")
        parent_path = resolve(parent_ref, path.parent)
        if not parent_path.is_file():
            raise ScenarioError(path, "inherits", f"a built-in scenario ({', '.join(builtin_names())}) or an existing "
                                f"scenario file; '{parent_ref}' is neither")
        here = [p.resolve() for p in chain + [path]]
        if parent_path.resolve() in here:
            raise ScenarioError(path, "inherits", f"a parent that does not inherit back; '{parent_ref}' closes a cycle")
        if len(chain) + 1 >= MAX_INHERITANCE_DEPTH:
            raise ScenarioError(path, "inherits", f"at most {MAX_INHERITANCE_DEPTH} levels of inheritance")
        parent, _, parent_origins = _load(parent_ref, path.parent, chain + [path])
        replace = data.pop("replace_policies", False)
        if not isinstance(replace, bool):
            raise ScenarioError(path, "replace_policies", "true or false")
        child_pol = data.pop("policies", None)
        merged = _merge(parent, data)
        if child_pol is not None:
            if not isinstance(child_pol, list):
                raise ScenarioError(path, "policies", "an array of tables ([[policies]])")
            if replace:
                merged["policies"] = child_pol
            else:
                merged["policies"] = list(parent.get("policies", [])) + child_pol
                origins = parent_origins + origins
        else:
            origins = parent_origins
        merged["inherits"] = parent_ref
        return merged, path, origins
    if "replace_policies" in data:
        raise ScenarioError(path, "replace_policies", "only allowed together with inherits")
    return data, path, origins


def observed_file(name_or_path: str | Path) -> Path | None:
    """The ``observed.csv`` a scenario is checked against: the one in its own folder, else the
    nearest one up its inheritance chain (a what-if of the Channel uses the Channel's); None if
    no scenario in the chain carries one."""
    return folder_file(name_or_path, "observed.csv")


def folder_file(name_or_path: str | Path, filename: str) -> Path | None:
    """A file beside the scenario (``observed.csv``, ``priors.toml``), else beside the nearest
    scenario up its inheritance chain that has one; None if none has."""
    path = resolve(name_or_path)
    seen: set[Path] = set()
    while path.is_file() and path.resolve() not in seen:
        seen.add(path.resolve())
        here = path.parent / filename
        if here.is_file():
            return here
        parent = read_toml(path).get("inherits")
        if not isinstance(parent, str):
            return None
        path = resolve(parent, path.parent)
    return None


def posterior_file(name_or_path: str | Path) -> Path | None:
    """The posterior a scenario names (``posterior = "posterior.csv"``, relative to the file that
    says it), or its nearest parent's; None if no scenario in the chain names one."""
    path = resolve(name_or_path)
    seen: set[Path] = set()
    while path.is_file() and path.resolve() not in seen:
        seen.add(path.resolve())
        data = read_toml(path)
        if isinstance(data.get("posterior"), str):
            return path.parent / data["posterior"]
        parent = data.get("inherits")
        if not isinstance(parent, str):
            return None
        path = resolve(parent, path.parent)
    return None


def _check_posterior(path: Path, data: dict) -> None:
    """A ``posterior`` a file names must exist beside it (checked before anything runs)."""
    post = data.get("posterior")
    if post is None:
        return
    if not isinstance(post, str) or not post.strip() or not post.endswith(".csv"):
        raise ScenarioError(path, "posterior", f"a CSV file written by crossings calibrate, relative to this file (got {post!r})")
    if not (path.parent / post).is_file():
        raise ScenarioError(path, "posterior", f"an existing posterior file relative to this scenario file; {path.parent / post} not found")


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


def _policy_types() -> set[str]:
    import typing

    from crossings.policies.interventions import ALL

    return {typing.get_args(cls.model_fields["type"].annotation)[0] for cls in ALL}


_POLICY_TYPES = _policy_types()


def _describe(err: dict) -> tuple[str, str]:
    loc = tuple(err.get("loc", ()))
    if len(loc) > 2 and loc[0] == "policies" and isinstance(loc[1], int) and isinstance(loc[2], str) and loc[2] in _POLICY_TYPES:
        loc = loc[:2] + loc[3:]  # the union's tag (the policy type) is not a key of the file
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


def validate(data: dict, path: Path, policy_origins: list[tuple[Path, int]] | None = None):
    """Validate a raw dictionary into a Scenario (or a Flee scenario).

    ``policy_origins`` (from inheritance) names, for each policy, the file and index that
    declared it, so that an error in a policy points at the file to edit."""
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
        file, field = _origin(path, field, policy_origins)
        raise ScenarioError(file, field, expected) from None
    except (ValueError, TypeError, KeyError) as e:  # defensive: validators of nested types
        raise ScenarioError(path, "(scenario)", str(e)) from None
    except RecursionError:
        raise ScenarioError(path, "(scenario)", f"tables and arrays nested at most {MAX_TOML_NESTING} levels deep") from None


def _origin(path: Path, field: str, origins: list[tuple[Path, int]] | None) -> tuple[Path, str]:
    """``policies[k]...`` of the merged scenario as the file and index that declared policy k."""
    m = re.match(r"policies\[(\d+)\]", field)
    if m and origins and int(m.group(1)) < len(origins):
        file, i = origins[int(m.group(1))]
        return file, f"policies[{i}]" + field[m.end():]
    return path, field


def load_scenario(name_or_path: str | Path, **overrides: Any):
    """Load, merge and validate a scenario; ``overrides`` set top-level keys (e.g. seed)."""
    data, path, origins = _load(name_or_path, None, [])
    data.update({k: v for k, v in overrides.items() if v is not None})
    return validate(data, path, origins)


def dump_toml(scenario) -> str:
    """Serialise a scenario (policies included) back to TOML."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    data.pop("posterior", None)  # relative to the file that names it: not carried to another file
    return tomli_w.dumps(_tomlable(data))


def _tomlable(x):
    if isinstance(x, dict):
        return {k: _tomlable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_tomlable(v) for v in x]
    return x
