"""The layering of the package, read from the source: who imports whom.

Every ``import`` statement in ``crossings/`` is parsed with :mod:`ast`, wherever it stands
(module level, inside a function, under ``if TYPE_CHECKING:``), and resolved to a module of
the package. From that graph the tests check that

* every module imports;
* no two modules import each other, directly or through others (no import cycle);
* no package imports another on a higher floor of :data:`FLOORS` (so there is no cycle
  between packages either), and the engine imports nothing but itself and ``errors``.

Data flow (scenario -> engine -> processes -> results) is the other way round from imports:
the engine is the ground floor that everything builds on; ``Sim`` (``crossings/sim.py``)
assembles the processes above it.
"""

from __future__ import annotations

import ast
import importlib
import typing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "crossings"

# Bottom to top. A module may import modules of its own package or of packages on lower
# floors only. "crossings" is the package's own __init__ (the public API), the top floor.
# scenario sits above flee because the loader reads Flee scenario files (crossings.flee.schema),
# and flee above processes because Flee's movement kernels are a process module.
FLOORS: list[set[str]] = [
    {"errors", "data"},
    {"engine"},
    {"policies"},
    {"processes"},
    {"flee"},
    {"scenario"},
    {"sim"},
    {"store"},
    {"ensemble"},
    {"calibrate"},
    {"report"},
    {"web"},
    {"cli"},
    {"crossings"},
]
GROUND = {"engine", "errors"}  # all the engine may import


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of the package that ``name`` imports, anywhere in its source."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = package.split(".")
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([base] if base else []))
            # `from pkg import mod` imports the submodule pkg.mod; `from mod import name` imports mod
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # `import crossings.engine.rng.x` style: nearest module
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    mods = modules(root)
    known = set(mods)
    return {m: imports(m, p, known) for m, p in mods.items()}


def package_of(module: str) -> str:
    """The floor a module belongs to: the first name under ``crossings`` (or ``crossings``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def floor_of(package: str) -> int:
    for i, names in enumerate(FLOORS):
        if package in names:
            return i
    raise AssertionError(f"package crossings.{package} is on no floor: add it to FLOORS in {__file__}")


def layering_violations(g: dict[str, set[str]]) -> list[str]:
    bad = []
    for src, targets in sorted(g.items()):
        ps = package_of(src)
        for dst in sorted(targets):
            pd_ = package_of(dst)
            if ps == pd_:
                continue
            if ps == "engine" and pd_ not in GROUND:
                bad.append(f"{src} -> {dst}: the engine is the ground floor and imports only {sorted(GROUND)}")
            elif floor_of(pd_) > floor_of(ps):
                bad.append(f"{src} -> {dst}: {ps} (floor {floor_of(ps)}) imports {pd_} (floor {floor_of(pd_)})")
    return bad


def package_graph(g: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for src, targets in g.items():
        ps = package_of(src)
        out.setdefault(ps, set()).update(package_of(t) for t in targets if package_of(t) != ps)
    return out


# -- the checker itself can fail --------------------------------------------------------------------
def test_checker_finds_cycles_and_upward_imports(tmp_path):
    pkg = tmp_path / "crossings"
    for d in ("engine", "processes"):
        (pkg / d).mkdir(parents=True)
        (pkg / d / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "errors.py").write_text("")
    (pkg / "engine" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from crossings.processes import b\n"
    )
    (pkg / "processes" / "b.py").write_text("def f():\n    from ..engine.a import x\n")
    g = graph(pkg)
    assert g["crossings.engine.a"] == {"crossings.processes.b"}
    assert g["crossings.processes.b"] == {"crossings.engine.a"}
    assert cycles(g) == [["crossings.engine.a", "crossings.processes.b"]]
    assert cycles(package_graph(g)) == [["engine", "processes"]]
    assert len(layering_violations(g)) == 1 and "ground floor" in layering_violations(g)[0]


# -- the package ----------------------------------------------------------------------------------
GRAPH = graph()


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_every_module_imports(name):
    importlib.import_module(name)


def test_no_import_cycle_between_modules():
    found = cycles(GRAPH)
    assert not found, "modules importing each other: " + "; ".join(" <-> ".join(c) for c in found)


def test_no_import_cycle_between_packages():
    found = cycles(package_graph(GRAPH))
    assert not found, "packages importing each other: " + "; ".join(" <-> ".join(c) for c in found)


def test_imports_go_down_the_floors():
    bad = layering_violations(GRAPH)
    assert not bad, "imports going up:\n" + "\n".join(bad)


def test_engine_is_the_ground_floor():
    engine = {m: t for m, t in GRAPH.items() if package_of(m) == "engine"}
    assert engine, "no engine modules found"
    above = sorted(f"{m} -> {t}" for m, ts in engine.items() for t in ts if package_of(t) not in GROUND)
    assert not above, "the engine imports higher floors:\n" + "\n".join(above)


def test_schema_and_engine_name_the_same_site_kinds_and_channels():
    """The schema declares the site kinds and spending channels a scenario may use; the engine
    codes them by position. The two lists are written separately and must agree."""
    from crossings.engine.timeline import CHANNELS, SITE_KINDS
    from crossings.policies.interventions import SecurityFunding
    from crossings.scenario.schema import Site

    assert typing.get_args(Site.model_fields["kind"].annotation) == SITE_KINDS
    assert typing.get_args(SecurityFunding.model_fields["channel"].annotation) == CHANNELS
