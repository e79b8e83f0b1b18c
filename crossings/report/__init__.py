"""Reports: the figures of a run, an ensemble or a policy comparison, and one offline HTML file.

    crossings report channel                       3 seeds of the Channel
    crossings report channel --policy FILE         baseline and policy side by side, with bands
    crossings report 3f2a9c1b                      a run in the results store, by its key

>>> from crossings.report import gather, write
>>> write(gather("channel", seeds=3), "results/report/channel")

* :mod:`~crossings.report.data`: what a report shows (groups of runs, bands, observed points);
* :mod:`~crossings.report.figures`: one function per figure (Matplotlib, no pyplot);
* :mod:`~crossings.report.html`: the self-contained HTML file and the PNG files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from crossings.errors import CrossingsError
from crossings.report.data import Group, ReportData
from crossings.report.html import write

__all__ = ["Group", "ReportData", "gather", "write", "from_runs"]

_HEX = re.compile(r"^[0-9a-f]{6,64}$")


def from_runs(scenario, runs: list, keys: list[str] | None = None, policy=None, policy_runs=None,
              comparison=None, source: str = "") -> ReportData:
    """A report of runs already in hand (a baseline, and optionally a policy with its runs)."""
    from crossings.store.keys import code_version

    groups = [Group(scenario.name if policy is None else f"baseline ({scenario.name})", scenario, list(runs), list(keys or []))]
    if policy is not None:
        groups.append(Group(f"policy ({policy.name})", policy, list(policy_runs)))
    title = f"{scenario.name}" if policy is None else f"{policy.name} against {scenario.name}"
    return ReportData(title=f"crossings report: {title}", groups=groups, comparison=comparison,
                      source=source or scenario.name, version=code_version())


def gather(target: str | Path, policy: str | Path | Any | None = None, seeds: int = 3, store=None,
           workers: int | None = None, progress: bool = False, backend=None) -> ReportData:
    """Runs for a report: a scenario (name or file) with ``seeds`` seeds, with a policy overlay
    (a file or a Scenario) compared on the same seeds, or a stored run given by its key.
    ``backend``: where runs execute (see :mod:`crossings.ensemble.backends`)."""
    from crossings.ensemble.replicates import open_store
    from crossings.scenario.loader import resolve

    text = str(target)
    if _HEX.match(text) and not resolve(text).is_file():
        return _stored(text, open_store(store if store is not None else True), policy)
    if policy is not None:
        from crossings.ensemble.compare import compare
        from crossings.ensemble.replicates import replicate

        base = _scenario_of(target)
        c = compare(target, [policy], seeds=seeds, store=store, backend=backend, workers=workers,
                    progress=progress)[0]
        pol = _policy_scenario(target, policy)
        data = from_runs(base, c.baseline_runs, [replicate(base, s).key for s in c.seeds], policy=pol,
                         policy_runs=c.policy_runs, comparison=c, source=f"{target} with {policy}")
        data.groups[1].keys = [replicate(pol, s).key for s in c.seeds]
        return data
    from crossings.ensemble import Ensemble

    ens = Ensemble(target, seeds=seeds)
    res = ens.run(store=store, backend=backend, workers=workers, progress=progress)
    return from_runs(ens.scenario, res.runs, [r.key for r in res.replicates], source=text)


def _scenario_of(target):
    from crossings.ensemble.replicates import _scenario

    return _scenario(target)


def _policy_scenario(target, policy):
    from crossings.ensemble.compare import apply_policy_file
    from crossings.ensemble.replicates import _scenario

    if isinstance(policy, (str, Path)):
        return apply_policy_file(_scenario(target), policy, target if isinstance(target, (str, Path)) else None)[0]
    return _scenario(policy)


def _stored(prefix: str, st, policy) -> ReportData:
    from crossings.scenario.loader import validate

    if st is None:
        raise CrossingsError(f"{prefix}: a stored run key needs the results store (not --no-store)")
    if policy is not None:
        raise CrossingsError(f"{prefix}: --policy compares scenarios; give a scenario name or file, not a stored run")
    keys = st.find(prefix)
    if not keys:
        raise CrossingsError(f"{prefix}: neither a scenario (built-in name or file) nor the key of a run in {st.root}")
    if len(keys) > 1:
        raise CrossingsError(f"{prefix}: {len(keys)} stored runs start with these digits; give more of the key")
    run, manifest = st.load(keys[0])
    sc = validate(dict(manifest["scenario"]), st.path_of(keys[0]) / "manifest.json")
    data = from_runs(sc, [run], keys, source=f"stored run {keys[0]}")
    data.version = str(manifest.get("code_version", ""))
    return data
