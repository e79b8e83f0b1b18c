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

from crossings.engine.loop import Loop
from crossings.engine.results import Record, Recorder, Results
from crossings.engine.rng import Streams
from crossings.engine.state import IN_CAMP, MAX_DAYS, People
from crossings.engine.timeline import CAMP, PORT, compile_timeline, compile_world
from crossings.errors import ScenarioError
from crossings.processes import market as market_mod
from crossings.processes.camps import Camps, count_kernel
from crossings.processes.clearances import Clearances
from crossings.processes.crossings import Crossings, lorry_alone_success
from crossings.processes.decisions import LORRY_ALONE, N_OPTIONS, Decisions
from crossings.processes.draws import camp_utilities
from crossings.processes.inflow import Inflow
from crossings.processes.movement import Movement
from crossings.processes.policies import Policies
from crossings.scenario.loader import load_scenario
from crossings.scenario.schema import Scenario


class Sim:
    """One run of one scenario."""

    def __init__(self, scenario: Scenario | str | Path, seed: int | None = None, market: bool | None = None):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if not isinstance(scenario, Scenario):
            raise ScenarioError(str(scenario), "model", "a corridor scenario (use crossings.flee for Flee scenarios)")
        if seed is not None:
            scenario = scenario.model_copy(update={"seed": int(seed)})
        self.scenario = scenario
        n_days = (scenario.end - scenario.start).days + 1
        if n_days > MAX_DAYS:
            raise ScenarioError(scenario.name, "end", f"a horizon of at most {MAX_DAYS} days")
        self.world = compile_world(scenario)
        self.timeline = compile_timeline(scenario, self.world)
        self.streams = Streams(scenario.seed, n_days)
        self.camp_sites = np.flatnonzero(self.world.site_kind == CAMP).astype(np.int64)
        self.has_ports = bool((self.world.site_kind == PORT).any())
        self.rec = Recorder(n_days, self.world.n_sites)
        self.notes: list[str] = []
        expected = float(self.timeline.inflow_per_day.sum()) / scenario.scale
        expected += sum(s.initial_population for s in scenario.sites) / scenario.scale
        self.people = People(capacity=int(expected * 1.1) + 1024)
        self.camp_counts = np.zeros((self.world.n_sites, len(self.world.nat_names)))
        self.shelter_occupancy = np.zeros(self.world.n_sites)
        self.camp_density = np.zeros(self.camp_sites.size)
        self.belief = np.zeros((N_OPTIONS, self.world.n_sites))
        self.belief[LORRY_ALONE, :] = lorry_alone_success(self, 0)
        self.today: dict = {}
        processes = [Policies(self), Inflow(self), Movement(self), Camps(self), Clearances(self)]
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
            )
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
        while self.day < last:
            self.step(timed=profile)
            if progress is not None:
                progress(self.day, self.n_days)
        res = self.rec.results(self)
        if profile:
            res.profile = self.loop.profile_table()
        return res

    def results(self) -> Results:
        return self.rec.results(self)
