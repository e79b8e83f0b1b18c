"""The free parameters of a calibration and their priors (``priors.toml`` beside a scenario).

A priors file lists parameters by dotted name (:mod:`crossings.ensemble.params`), each with
a distribution and a ``source`` (a citation, or "assumption")::

    [[priors]]
    name = "people.beta_success"
    distribution = "uniform"        # uniform | loguniform | normal
    low = 6.0
    high = 20.0
    source = "assumption"

    [[priors]]
    name = "nationalities[*].funds_median_eur"   # [*]: every item of the list
    transform = "log_multiplier"    # the prior is of log(multiplier) on the scenario's value(s)
    distribution = "normal"
    mean = 0.0
    sd = 0.4
    source = "assumption"

    [inflow_knots]                  # one log-multiplier per inflow knot: the only inputs free per year
    distribution = "normal"
    mean = 0.0
    sd = 0.3
    source = "assumption"

``transform = "value"`` (the default): the prior is of the parameter itself. With
``"log_multiplier"`` the prior is of ``m`` and the parameter becomes ``scenario value x exp(m)``,
so a prior centred on 0 is centred on the scenario's own value. ``[inflow_knots]`` expands into
one log-multiplier prior per knot of ``inflow.knots`` (named ``inflow.knots[k]``).

Errors are one line naming the file, the field and what was expected.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crossings.ensemble.params import get_param, is_knot, set_params
from crossings.errors import ScenarioError

PRIORS_FILE = "priors.toml"
Finite = Annotated[float, Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Prior(_Strict):
    """One free parameter: its distribution and where its range comes from."""

    name: str = Field(min_length=1)
    distribution: Literal["uniform", "loguniform", "normal"]
    transform: Literal["value", "log_multiplier"] = "value"
    low: Finite | None = None
    high: Finite | None = None
    mean: Finite | None = None
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> "Prior":
        if self.distribution in ("uniform", "loguniform"):
            if self.low is None or self.high is None:
                raise ValueError(f"low: and high are needed for a {self.distribution} prior")
            if not self.low < self.high:
                raise ValueError(f"high: greater than low ({self.low:g})")
            if self.distribution == "loguniform" and self.low <= 0:
                raise ValueError("low: above 0 for a loguniform prior")
            if self.mean is not None or self.sd is not None:
                raise ValueError(f"mean: not used by a {self.distribution} prior (low and high are)")
        else:
            if self.mean is None or self.sd is None:
                raise ValueError("sd: mean and sd are needed for a normal prior")
            if self.low is not None or self.high is not None:
                raise ValueError("low: not used by a normal prior (mean and sd are)")
        return self

    # The calibration samples in a space where the prior is uniform or normal (log space for a
    # loguniform prior), so that pyabc's perturbation kernels act on a sensible scale.
    def abc_rv(self) -> tuple[str, float, float]:
        """(scipy name, loc, scale) of the prior in sampling space."""
        if self.distribution == "uniform":
            return "uniform", self.low, self.high - self.low
        if self.distribution == "loguniform":
            return "uniform", math.log(self.low), math.log(self.high / self.low)
        return "norm", self.mean, self.sd

    def from_abc(self, x: float) -> float:
        """The prior-space value of a sampling-space value."""
        return math.exp(x) if self.distribution == "loguniform" else float(x)

    def ppf(self, u: float) -> float:
        """The prior's quantile at ``u`` in (0, 1) (for screening designs on the unit cube)."""
        if self.distribution == "uniform":
            return self.low + u * (self.high - self.low)
        if self.distribution == "loguniform":
            return math.exp(math.log(self.low) + u * math.log(self.high / self.low))
        from scipy.stats import norm

        return float(norm.ppf(u, self.mean, self.sd))

    def median(self) -> float:
        return self.ppf(0.5)


class KnotPrior(_Strict):
    distribution: Literal["normal", "uniform"] = "normal"
    mean: Finite | None = 0.0
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = 0.3
    low: Finite | None = None
    high: Finite | None = None
    source: str = Field(min_length=1)


class PriorsFile(_Strict):
    priors: list[Prior] = Field(default_factory=list)
    inflow_knots: KnotPrior | None = None


def safe_name(name: str) -> str:
    """A parameter name as a plain identifier (for pyabc's database and DataFrame columns)."""
    return re.sub(r"_+", "_", re.sub(r"[^0-9A-Za-z]", "_", name)).strip("_")


class Priors:
    """The priors of one scenario, expanded (one per inflow knot) and checked against it."""

    def __init__(self, priors: list[Prior], path: str | Path = "(priors)"):
        self.path = str(path)
        self.items = list(priors)
        self.by_name = {p.name: p for p in self.items}

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.items]

    def subset(self, names) -> "Priors":
        keep = set(names)
        return Priors([p for p in self.items if p.name in keep], self.path)

    def is_knot(self, name: str) -> bool:
        return name.startswith("inflow.knots[")

    def values(self, scenario, theta: dict[str, float]) -> dict[str, Any]:
        """Parameter values by dotted name for prior-space values ``theta`` (one per free name)."""
        out: dict[str, Any] = {}
        for name, x in theta.items():
            p = self.by_name[name]
            if p.transform == "value":
                current = get_param(scenario, name, self.path)
                v: Any = float(x)
                if isinstance(current, bool):
                    v = bool(round(v))
                elif isinstance(current, int):
                    v = int(round(v))
                out[name] = v
                continue
            for full in expand(scenario, name, self.path):
                current = get_param(scenario, full, self.path)
                base = current[1] if is_knot(current) else current
                out[full] = float(base) * math.exp(float(x))
        return out

    def apply(self, scenario, theta: dict[str, float], source: str | None = None):
        """``scenario`` with the parameters ``theta`` (prior space) set, validated again."""
        return set_params(scenario, self.values(scenario, theta), source=source or self.path)

    def medians(self) -> dict[str, float]:
        return {p.name: p.median() for p in self.items}


def expand(scenario, name: str, source: str = "(priors)") -> list[str]:
    """``nationalities[*].funds_median_eur`` -> one name per item of the list; other names as they are."""
    if "[*]" not in name:
        return [name]
    head, _, tail = name.partition("[*]")
    items = get_param(scenario, head, source)
    if not isinstance(items, list):
        raise ScenarioError(source, name, f"[*] after a list ({head} is not one)")
    return [f"{head}[{i}]{tail}" for i in range(len(items))]


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "tagged-union")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(file)"


def load_priors(path: str | Path, scenario=None) -> Priors:
    """Read, validate and expand a priors file; with ``scenario``, check that every name is one
    of its parameters (and expand ``[inflow_knots]`` over its knots)."""
    from crossings.scenario.loader import read_toml

    path = Path(path)
    data = read_toml(path)
    try:
        spec = PriorsFile.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc, msg = tuple(err.get("loc", ())), str(err.get("msg", "invalid value"))
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        head, sep, rest = msg.partition(": ")
        field = _where(loc)
        if sep and " " not in head and err.get("type") == "value_error":
            field, msg = f"{field}.{head}", rest
        elif err.get("type") == "extra_forbidden":
            msg = "no such key (priors take name, distribution, transform, low, high, mean, sd, source)"
        elif err.get("type") == "missing":
            msg = "a value (this field is required)"
        raise ScenarioError(path, field, msg) from None
    items = list(spec.priors)
    seen: set[str] = set()
    for i, p in enumerate(items):
        if p.name in seen:
            raise ScenarioError(path, f"priors[{i}].name", f"each parameter once ({p.name} is listed twice)")
        seen.add(p.name)
        if scenario is not None:
            try:
                for full in expand(scenario, p.name, str(path)):
                    current = get_param(scenario, full, str(path))
                    if isinstance(current, (dict, list)) or not isinstance(current, (int, float, tuple)):
                        raise ScenarioError(path, f"priors[{i}].name", f"a numeric parameter ({p.name} is not one)")
            except ScenarioError as e:
                raise ScenarioError(path, f"priors[{i}].name", f"a parameter of the scenario ({e.expected})") from None
    if spec.inflow_knots is not None and scenario is not None:
        k = spec.inflow_knots
        if k.distribution == "uniform" and (k.low is None or k.high is None or not k.low < k.high):
            raise ScenarioError(path, "inflow_knots.high", "low < high for a uniform prior")
        for j in range(len(scenario.inflow.knots)):
            kw: dict[str, Any] = {"low": k.low, "high": k.high} if k.distribution == "uniform" else {"mean": k.mean, "sd": k.sd}
            items.append(Prior(name=f"inflow.knots[{j}]", distribution=k.distribution, transform="log_multiplier",
                               source=k.source, **kw))
    return Priors(items, path)


def priors_for(scenario_ref: str | Path, scenario, path: str | Path | None = None) -> Priors:
    """The priors of a scenario: ``path``, else the ``priors.toml`` beside it (or its parent's)."""
    from crossings.scenario.loader import folder_file, resolve

    if path is None:
        path = folder_file(scenario_ref, PRIORS_FILE)
        if path is None:
            raise ScenarioError(resolve(scenario_ref), PRIORS_FILE, "a priors file beside the scenario (or its parent's), "
                                "or --priors PATH (docs/calibration.md)")
    return load_priors(path, scenario)


def sample_unit(priors: Priors, u: np.ndarray) -> list[dict[str, float]]:
    """Prior-space values for rows of the unit cube (one column per prior), via each quantile."""
    eps = 0.025  # normal priors: the cube's edges at their 2.5% and 97.5% quantiles
    rows = []
    for row in np.asarray(u, dtype=float):
        theta = {}
        for p, x in zip(priors.items, row, strict=True):
            q = x if p.distribution != "normal" else eps + (1 - 2 * eps) * x
            theta[p.name] = p.ppf(q)
        rows.append(theta)
    return rows
