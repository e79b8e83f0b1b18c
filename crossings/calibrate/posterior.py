"""The posterior file a scenario names, and runs over draws from it (posterior predictive).

A posterior is a CSV file (one row per particle: the free parameters in prior space, by
dotted name, and ``weight``) with a JSON sidecar of the same name (``posterior.json``):
budget, simulations, wall time, scale, generations, final epsilon, version, date, and the
priors (so that a ``log_multiplier`` column is applied to the scenario's own values). A
scenario names it with ``posterior = "posterior.csv"`` (relative to the scenario file).

``draws(scenario, path, n, seed)`` draws ``n`` particles by weight (a seeded generator) and
returns them as parameter sets by dotted name; :func:`posterior_ensemble` runs draw k with
seed k and reduces them to medians and 50%/90% bands (``crossings run --posterior``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from crossings.calibrate.priors import Prior, Priors
from crossings.errors import ScenarioError


def sidecar(path: str | Path) -> Path:
    return Path(path).with_suffix(".json")


def write_posterior(particles: pd.DataFrame, weights, meta: dict, path: str | Path) -> Path:
    """Write the posterior CSV and its JSON sidecar (each replaced atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    w = np.asarray(weights, dtype=float)
    df = particles.copy()
    df["weight"] = w / w.sum()
    for target, text in ((path, df.to_csv(index=False, float_format="%.10g")),
                         (sidecar(path), json.dumps(meta, indent=1, default=str) + "\n")):
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text)
        os.replace(tmp, target)
    return path


def read_posterior(path: str | Path) -> tuple[pd.DataFrame, np.ndarray, dict, Priors]:
    """Particles (prior space), normalised weights, metadata and the priors of a posterior file."""
    path = Path(path)
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise ScenarioError(path, "posterior", "an existing posterior file written by crossings calibrate") from None
    except Exception as e:  # noqa: BLE001 - any unreadable CSV is a user error
        raise ScenarioError(path, "(file)", f"a posterior CSV written by crossings calibrate ({e.__class__.__name__})") from None
    if "weight" not in df.columns or len(df) == 0:
        raise ScenarioError(path, "weight", "a column weight and at least one particle (a posterior written by crossings calibrate)")
    try:
        meta = json.loads(sidecar(path).read_text())
        priors = Priors([Prior.model_validate(p) for p in meta["priors"]], path)
    except FileNotFoundError:
        raise ScenarioError(sidecar(path), "(file)", "the posterior's JSON sidecar written by crossings calibrate") from None
    except Exception as e:  # noqa: BLE001 - unreadable or edited sidecar
        raise ScenarioError(sidecar(path), "priors", f"the priors of the calibration as crossings calibrate writes them ({e.__class__.__name__})") from None
    names = [c for c in df.columns if c != "weight"]
    missing = [n for n in names if n not in priors.by_name]
    if missing:
        raise ScenarioError(path, missing[0], "a parameter listed in the sidecar's priors")
    w = df["weight"].to_numpy(dtype=float)
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise ScenarioError(path, "weight", "finite weights, not negative, not all 0")
    vals = df[names]
    if not np.all(np.isfinite(vals.to_numpy(dtype=float))):
        raise ScenarioError(path, "(values)", "finite parameter values")
    return vals.reset_index(drop=True), w / w.sum(), meta, priors.subset(names)


def draw_indices(w: np.ndarray, n: int, seed: int = 1) -> np.ndarray:
    """The particles of ``n`` draws by weight ``w`` (seeded by ``seed``): draw k is particle ``[k]``."""
    return np.random.default_rng(int(seed)).choice(len(w), size=int(n), replace=True, p=w)


def draws(scenario, path: str | Path, n: int, seed: int = 1) -> list[dict]:
    """``n`` parameter sets by dotted name, drawn by weight from the posterior at ``path``."""
    if n < 1:
        raise ScenarioError("(command line)", "--draws", f"at least 1 draw (got {n})")
    vals, w, _, priors = read_posterior(path)
    idx = draw_indices(w, n, seed)
    out = []
    for i in idx:
        theta = {c: float(vals.iloc[i][c]) for c in vals.columns}
        out.append(priors.values(scenario, theta))
    return out


def scenario_posterior(scenario_ref) -> Path:
    """The posterior the scenario names (or its parent's); a one-line error if it names none."""
    from crossings.scenario.loader import posterior_file, resolve

    if not isinstance(scenario_ref, (str, Path)):
        raise ScenarioError("(argument)", "posterior", "a scenario name or path (a scenario file names its posterior)")
    p = posterior_file(scenario_ref)
    if p is None:
        raise ScenarioError(resolve(scenario_ref), "posterior", 'a posterior named by the scenario (posterior = "posterior.csv", '
                            "written by crossings calibrate); this scenario names none")
    if not p.is_file():
        raise ScenarioError(resolve(scenario_ref), "posterior", f"an existing posterior file; {p} not found")
    return p


def posterior_ensemble(scenario, draws_n: int = 50, seed: int = 1, path: str | Path | None = None, store=None,
                       backend=None, workers: int | None = None, dask=None, progress: bool = False, scale: float | None = None):
    """Posterior predictive: ``draws_n`` parameter sets drawn by weight (seeded by ``seed``), draw k
    run with seed ``seed + k``; an :class:`~crossings.ensemble.EnsembleResult` with medians and bands.

    ``scenario`` is a name or path (its posterior unless ``path`` is given) or a Scenario with ``path``."""
    from crossings.ensemble import Ensemble
    from crossings.ensemble.replicates import _scenario, seed_list

    if path is None:
        path = scenario_posterior(scenario)
    sc = _scenario(scenario)
    if scale is not None:
        sc = sc.model_copy(update={"scale": float(scale)})
    ds = draws(sc, path, draws_n, seed)
    ens = Ensemble(sc, seeds=seed_list(draws_n, first=seed), draws=ds, paired=True)
    return ens.run(store=store, backend=backend, workers=workers, dask=dask, progress=progress)


def marginals(vals: pd.DataFrame, w: np.ndarray) -> pd.DataFrame:
    """Weighted 5%, 50%, 95% quantiles and mean of each parameter."""
    rows = {}
    for c in vals.columns:
        x = vals[c].to_numpy(dtype=float)
        o = np.argsort(x)
        cw = np.cumsum(w[o]) - 0.5 * w[o]
        q = np.interp([0.05, 0.5, 0.95], cw / cw[-1] if cw[-1] > 0 else cw, x[o])
        rows[c] = {"p5": q[0], "median": q[1], "p95": q[2], "mean": float(np.sum(w * x))}
    return pd.DataFrame(rows).T.rename_axis("parameter")


def correlations(vals: pd.DataFrame, w: np.ndarray) -> pd.DataFrame:
    """Weighted correlation matrix of the parameters."""
    x = vals.to_numpy(dtype=float)
    if len(x) < 2:
        return pd.DataFrame(np.nan, index=vals.columns, columns=vals.columns)
    c = np.cov(x, rowvar=False, aweights=w)
    c = np.atleast_2d(c)
    sd = np.sqrt(np.diag(c))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = c / np.outer(sd, sd)
    return pd.DataFrame(r, index=vals.columns, columns=vals.columns)
