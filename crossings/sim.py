"""The simulation: compile a scenario, build the day loop, run it, return results.

>>> import crossings
>>> res = crossings.Sim("channel", seed=2).run()
>>> res.yearly[["crossings_total", "deaths"]]

A ``Sim`` owns the people arrays, the compiled world and timeline, one random
stream per process, and the recorder. The day loop is ``sim.loop`` (print
``sim.loop.table()``); each process reads and writes only what it declares.

``Sim`` stands above the engine: it assembles the processes of :mod:`crossings.processes`
on the engine's day loop (the engine itself imports no process, policy or scenario module).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from crossings.engine import precompile
from crossings.engine.loop import Loop
from crossings.engine.results import Record, Recorder, Results
from crossings.engine.rng import Streams
from crossings.engine.state import IN_CAMP, MAX_DAYS, People
from crossings.engine.timeline import CAMP, COAST, PORT, compile_timeline, compile_world
from crossings.errors import ScenarioError
from crossings.processes import boats_alone
from crossings.processes import market as market_mod
from crossings.processes.camps import Camps, count_kernel
from crossings.processes.clearances import Clearances
from crossings.processes.detention import Detention
from crossings.processes.crossings import Crossings, lorry_alone_success
from crossings.processes.decisions import LORRY_ALONE, N_OPTIONS, Decisions
from crossings.processes.draws import camp_utilities
from crossings.processes.inflow import Inflow
from crossings.processes.movement import Movement
from crossings.processes.policies import Policies
from crossings.scenario.loader import dump_toml, load_scenario
from crossings.scenario.schema import Scenario


def check_seed(seed) -> int:
    """A seed given through the API: a whole number in [0, 2**63), else a one-line error."""
    import numbers

    ok = isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and 0 <= int(seed) < 2**63
    if not ok:
        raise ScenarioError("(argument)", "seed", f"a whole number from 0 to 2**63 - 1 (got {seed!r})")
    return int(seed)


def scale_warnings(sc: Scenario) -> list[str]:
    """Where one agent stands for too many people for the scenario's smallest groups.

    One agent moves ``scale`` people at once. Boats and buses carry whole agents, so when a boat
    at its rated capacity holds fewer than five agents, or a bus fewer than one, their counts and
    loads are biased (measured for the Channel in docs/scenarios.md, "Scale"). A boat that cannot
    carry one agent at all is refused by the schema (``scale`` at most ``sea.max_load``)."""
    out = []
    boats = sc.market.enabled and any(s.kind == "coast" for s in sc.sites)
    if boats and sc.scale > sc.sea.rated_capacity / 5:
        out.append(
            f"scale {sc.scale:g}: a boat at its rated capacity ({sc.sea.rated_capacity:g} people) holds fewer "
            "than five agents, so boat counts and loads are biased (the Channel: boats -11% at scale 5, "
            "-33% at 10; docs/scenarios.md, Scale); use a scale of at most "
            f"{sc.sea.rated_capacity / 5:g} for boat figures"
        )
    seats = [p.seats_per_bus for p in sc.policies if getattr(p, "type", "") == "camp_clearance" and p.buses > 0]
    if sc.camps.clearance_hazard_per_incident > 0 and sc.clearances.triggered_buses > 0:
        seats.append(sc.clearances.triggered_seats_per_bus)
    seats = [x for x in seats if x > 0]
    if seats and sc.scale > min(seats):
        out.append(
            f"scale {sc.scale:g}: a bus of {min(seats)} seats cannot carry one agent, so clearances bus "
            f"people in blocks of {sc.scale:g} (docs/scenarios.md, Scale); use a scale of at most {min(seats)}"
        )
    return out


class Sim:
    """One run of one scenario."""

    def __init__(self, scenario: Scenario | str | Path, seed: int | None = None, market: bool | None = None):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if not isinstance(scenario, Scenario):
            raise ScenarioError(str(scenario), "model", "a corridor scenario (use crossings.flee for Flee scenarios)")
        if seed is not None:
            scenario = scenario.model_copy(update={"seed": check_seed(seed)})
        self.declared = scenario
        precompile.start()  # on an empty kernel cache, a helper compiles on the second core
        try:
            self._build(scenario, market)
        except BaseException:
            precompile.settle_gc()  # no run will follow to give the gc thresholds back
            raise

    def _build(self, scenario: Scenario, market: bool | None) -> None:
        if scenario.boat_types or any(getattr(p, "type", "") == "parameter_path" for p in scenario.policies):
            # dated parameter paths edit the run's own copy, never the caller's scenario
            scenario = scenario.model_copy(deep=True)
        self.scenario = scenario
        n_days = (scenario.end - scenario.start).days + 1
        if n_days > MAX_DAYS:
            raise ScenarioError(scenario.name, "end", f"a horizon of at most {MAX_DAYS} days")
        self.world = compile_world(scenario)
        self.timeline = compile_timeline(scenario, self.world)
        self.streams = Streams(scenario.seed, n_days)
        self.camp_sites = np.flatnonzero(self.world.site_kind == CAMP).astype(np.int64)
        # modes switched off (modes.lorry / modes.boat) leave their sites without a crossing
        self.has_ports = bool((self.world.site_kind == PORT).any()) and scenario.modes.lorry
        self.has_coasts = bool((self.world.site_kind == COAST).any()) and scenario.modes.boat
        self.rec = Recorder(n_days, self.world.n_sites)
        self.notes: list[str] = []
        self.warnings: list[str] = scale_warnings(scenario)
        self.notes += [f"warning: {w}" for w in self.warnings]
        expected = float(self.timeline.inflow_per_day.sum()) / scenario.scale
        expected += sum(s.initial_population for s in scenario.sites) / scenario.scale
        self.people = People(capacity=int(expected * 1.1) + 1024)
        self.camp_counts = np.zeros((self.world.n_sites, len(self.world.nat_names)))
        self.shelter_occupancy = np.zeros(self.world.n_sites)
        self.camp_density = np.zeros(self.camp_sites.size)
        self.belief = np.zeros((N_OPTIONS, self.world.n_sites))
        self.boats_launched_total = 0.0  # boats that have left the corridor's beaches so far (its experience of the sea)
        self.belief[LORRY_ALONE, :] = lorry_alone_success(self, 0)
        self.today: dict = {}
        processes = [Policies(self), Inflow(self), Movement(self), Camps(self), Clearances(self)]
        if any(s.kind == "detention" for s in scenario.sites):
            processes.append(Detention(self))
        self.market_on = market_mod.enabled(scenario) if market is None else bool(market)
        if self.market_on:
            processes.append(market_mod.Market(self))
        processes += [Decisions(self), Crossings(self), Record(self)]
        self.loop = Loop(processes)
        if self.market_on:
            market_mod.install(self)
        else:
            self.notes.append(
                "The smuggling market and sea crossings are off in this run: people cross by lorry "
                "alone and by legal routes only."
                + (" Some cross in boats of their own (sea.alone_asc)." if boats_alone.enabled(self) else "")
            )
        if boats_alone.enabled(self):
            boats_alone.install(self)
        self.day = 0
        self._initial_population()

    def _initial_population(self) -> None:
        sc = self.scenario
        w = self.world
        inflow = self.loop["inflow"]
        key = self.streams.key("initial_population", 0)
        self.camp_utility = util = camp_utilities(self)
        shares = self.timeline.nationality_share[:, 0]
        for s_i, site in enumerate(sc.sites):
            if site.kind != "camp" or site.initial_population <= 0:
                continue
            people = site.initial_population / sc.scale
            groups = np.floor(people * shares / inflow.group_size + 0.5).astype(int)
            inflow.spawn(0, list(groups), key, IN_CAMP, util=util, fixed_site=s_i)
        self.rec.values[0, :] = 0.0  # initial residents are not arrivals on day 0
        p = self.people
        self.camp_counts, _, self.shelter_occupancy = count_kernel(
            p.active, p.state, p.site, p.nationality, w.n_sites, len(w.nat_names), p.funds, np.float32(0.0),
            p.off_camp, np.float32(0.0),
        )
        self.camp_utility = camp_utilities(self)
        self.initial_people = p.n

    @property
    def n_days(self) -> int:
        return self.timeline.n_days

    def clear_camp(self, day, site, places, buses, acceptance, disperse_share=None) -> None:
        """Queue a major clearance of ``site`` for today's clearances stage."""
        self.today.setdefault("clearance_orders", []).append(
            dict(site=site, places=places, buses=buses, acceptance=acceptance, disperse_share=disperse_share)
        )

    def step(self, timed: bool = False) -> None:
        self.rec.day = self.day
        self.loop.run_day(self.day, timed=timed)
        self.day += 1

    def run(self, progress: Callable[[int, int], None] | None = None, profile: bool = False, days: int | None = None) -> Results:
        last = self.n_days if days is None else min(self.n_days, self.day + days)
        try:
            while self.day < last:
                self.step(timed=profile)
                if progress is not None:
                    progress(self.day, self.n_days)
        finally:
            precompile.settle_gc()  # a first run's kernels are compiled: garbage collection as usual
        res = self.results()
        if profile:
            res.profile = self.loop.profile_table()
        return res

    def results(self) -> Results:
        res = self.rec.results(self)
        res.scenario_toml = dump_toml(self.scenario_as_run())
        return res

    def scenario_as_run(self) -> Scenario:
        """The scenario as it runs: a market switched on or off by ``Sim(market=...)`` is recorded."""
        sc = self.declared if self.scenario is not self.declared else self.scenario
        if sc.market.enabled != self.market_on:
            sc = sc.model_copy(update={"market": sc.market.model_copy(update={"enabled": self.market_on})})
        return sc
