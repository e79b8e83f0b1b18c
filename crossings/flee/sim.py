"""Run a Flee-type scenario: location state by day, agent arrays, results and ARD.

:class:`FleeSim` turns a :class:`~crossings.flee.schema.FleeScenario` into arrays (locations,
directed routes in adjacency order, per-person state sized for everyone who will ever
appear) and runs Flee's day loop (Flee 3.1 ``runscripts/run.py`` order): conflict changes,
spawning, closures, location scores and move chances, then the movement kernels of
:mod:`crossings.processes.flee_movement`. Location-level updates are plain Python (tens
of locations); everything per person is in Numba. :class:`FleeResults` holds daily
counts and reports the ARD against the scenario's UNHCR series.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crossings.engine.rng import Streams
from crossings.flee import ard as ard_mod
from crossings.flee.schema import FleeScenario
from crossings.processes import flee_movement as fm

_CAMP_TYPES = ("camp", "idpcamp")


@dataclass
class FleeResults:
    """Daily outputs of one run. ``counts`` has one row per day, one column per location."""

    scenario: FleeScenario
    seed: int
    agents_scale: float
    location_names: list[str]
    camp_names: list[str]
    counts: np.ndarray  # (days, locations) people at each location after the day's moves
    in_transit: np.ndarray  # (days,) people on a route at the end of the day
    agents: np.ndarray  # (days,) people in the simulation during the day
    agent_days: int
    wall_s: float
    state_bytes: int
    extra: dict = field(default_factory=dict)

    @property
    def daily(self) -> pd.DataFrame:
        """One row per day: date, day, one column per camp, camps_total, in_transit, agents."""
        days = self.counts.shape[0]
        start = self.scenario.start_date
        df = pd.DataFrame({
            "date": [start + dt.timedelta(days=d) for d in range(days)],
            "day": np.arange(days),
        })
        idx = [self.location_names.index(n) for n in self.camp_names]
        for n, j in zip(self.camp_names, idx, strict=True):
            df[n] = self.counts[:, j]
        df["camps_total"] = self.counts[:, idx].sum(axis=1) if idx else 0
        df["in_transit"] = self.in_transit
        df["agents_total"] = self.agents
        return df

    def _sim_obs(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        val = self.scenario.validation
        if val is None or not val.camps:
            raise ValueError(f"scenario {self.scenario.name!r} has no camp validation series")
        names, obs = ard_mod.observed_camps(val, self.scenario.start_date, self.counts.shape[0])
        sim = self.counts[:, [self.location_names.index(n) for n in names]]
        return names, sim, obs

    def ard(self) -> float:
        """Averaged relative difference against the UNHCR camp series (Flee's metric)."""
        _, sim, obs = self._sim_obs()
        return ard_mod.ard(sim, obs)

    def summary_table(self) -> pd.DataFrame:
        """Final-day camp counts, simulated (rescaled to the observed total) and observed."""
        if self.scenario.validation is None or not self.scenario.validation.camps:
            last = self.counts[-1]
            return pd.DataFrame({
                "location": self.camp_names,
                "simulated": [int(last[self.location_names.index(n)]) for n in self.camp_names],
            })
        names, sim, obs = self._sim_obs()
        simtot = sim[-1].sum()
        factor = obs[-1].sum() / simtot if simtot > 0 else 0.0
        rows = [{"location": n, "simulated": int(sim[-1, j]),
                 "simulated_rescaled": round(float(sim[-1, j] * factor)),
                 "observed": int(obs[-1, j])} for j, n in enumerate(names)]
        rows.append({"location": "ARD (mean over days)", "simulated": None,
                     "simulated_rescaled": None, "observed": None, "ard": round(self.ard(), 4)})
        return pd.DataFrame(rows)


class FleeSim:
    """A Flee-type scenario ready to run with one seed and a population scale.

    ``agents_scale`` multiplies every number of people (spawns, day-0 camp residents,
    camp capacities), like Flee's ``hasten`` option in reverse.
    """

    def __init__(self, scenario: FleeScenario, seed: int = 0, agents_scale: float = 1.0):
        if agents_scale <= 0:
            raise ValueError("agents_scale must be > 0")
        self.scenario = scenario
        self.seed = int(seed)
        self.agents_scale = float(agents_scale)
        self.streams = Streams(self.seed)
        sc = scenario
        self.days = sc.days
        rules = sc.move_rules
        locs = sc.locations
        self.names = [loc.name for loc in locs]
        index = {n: i for i, n in enumerate(self.names)}
        self.index = index
        n_loc = len(locs)
        home = locs[0].country
        self.country = np.array([loc.country for loc in locs], dtype=object)
        self.foreign = np.array([loc.country != home for loc in locs], bool)
        self.population = np.array([loc.population for loc in locs], np.float64)
        cap = np.full(n_loc, -1.0)
        for i, loc in enumerate(locs):
            if loc.location_type in _CAMP_TYPES and loc.capacity is not None:
                cap[i] = max(1.0, float(int(loc.capacity * self.agents_scale)))
        self.capacity = cap

        # Location status as in flee.Location.__init__ (after InputGeography turns conflict
        # zones with conflict_date > 0 into towns).
        self.is_camp = np.zeros(n_loc, np.uint8)
        self.is_idp = np.zeros(n_loc, np.uint8)
        self.is_town = np.zeros(n_loc, np.uint8)
        self.conflict = np.full(n_loc, -1.0)
        self.movechance = np.zeros(n_loc)
        for i, loc in enumerate(locs):
            t = loc.location_type
            if t == "conflict_zone" and (loc.conflict_date or 0) > 0:
                t = "town"
            if t in _CAMP_TYPES:
                self.is_camp[i] = 1
                self.is_idp[i] = t == "idpcamp"
                self.movechance[i] = (rules.idpcamp_movechance if t == "idpcamp"
                                      else rules.camp_movechance)
            elif t == "conflict_zone":
                self.conflict[i] = 1.0
                self.movechance[i] = rules.conflict_movechance
            elif t == "forward":
                self.movechance[i] = 1.0
            else:
                self.is_town[i] = 1
                self.movechance[i] = rules.default_movechance
        self.camp_names = [self.names[i] for i in range(n_loc) if self.is_camp[i]]
        if sc.validation is not None:
            for s in sc.validation.camps:
                if s.name not in self.camp_names:
                    self.camp_names.append(s.name)

        # Directed routes, grouped by start location in routes.csv order (Flee's linkUp).
        out_links: list[list[tuple[int, int, float]]] = [[] for _ in range(n_loc)]
        for r in sc.routes:
            a, b = index[r.name1], index[r.name2]
            out_links[a].append((a, b, r.distance))
            out_links[b].append((b, a, r.distance))
        frm, to, dist, start = [], [], [], [0]
        for a in range(n_loc):
            for (x, y, d) in out_links[a]:
                frm.append(x)
                to.append(y)
                dist.append(d)
            start.append(len(frm))
        self.link_from = np.array(frm, np.int32)
        self.link_to = np.array(to, np.int32)
        self.link_dist = np.array(dist, np.float64)
        self.adj_start = np.array(start, np.int32)
        self.closed_count = np.zeros(len(frm), np.int32)
        self.link_open = np.ones(len(frm), np.uint8)

        self.conflicts_by_day: dict[int, list] = {}
        for ev in sc.conflicts:
            self.conflicts_by_day.setdefault(ev.day, []).append(ev)
        self.closure_starts: dict[int, list] = {}
        self.closure_ends: dict[int, list] = {}
        for c in sc.closures:
            self.closure_starts.setdefault(c.closure_start, []).append(c)
            self.closure_ends.setdefault(c.closure_end, []).append(c)

        self.params = np.array([
            rules.max_move_speed, rules.max_walk_speed, rules.softening, rules.weight_softening,
            rules.distance_power, rules.weight_power, rules.capacity_buffer,
            float(rules.awareness_level), float(rules.start_on_foot),
            float(rules.avoid_short_stints)], np.float64)

        self.initial_camp, self.spawn_plan = self._plan_people()
        n_max = int(sum(self.initial_camp.values()) + self.spawn_plan.sum())
        self.capacity_agents = n_max
        self.location = np.empty(n_max, np.int32)
        self.link = np.empty(n_max, np.int32)
        self.km_on_link = np.empty(n_max, np.float32)
        self.flags = np.empty(n_max, np.uint8)
        self.recent_travel = np.zeros(n_max if rules.avoid_short_stints else 1, np.float32)
        self.loc_count = np.zeros(n_loc, np.int64)
        self.n_agents = 0

    # ----------------------------------------------------------------- planning
    def _plan_people(self) -> tuple[dict[int, int], np.ndarray]:
        """Day-0 camp residents, and people spawned each day (all known in advance).

        observed_total: Flee 3.1's spawning.spawn_daily_displaced with
        SumFromCamps=False: the day's rise of the total series minus a carried 'debt' when
        the series falls; nobody on day 0 when insert_day0. conflict_driven ('constant'
        mode): int(displaced_per_conflict_day x intensity) per conflict zone per day.
        The conflict_driven plan has one column per location; observed_total one column.
        """
        sc = self.scenario
        scale = self.agents_scale
        days = self.days
        initial: dict[int, int] = {}
        if sc.validation is not None and sc.spawn_rules.insert_day0:
            names, obs = ard_mod.observed_camps(sc.validation, sc.start_date, 1, scale)
            for j, n in enumerate(names):
                if self.is_camp[self.index[n]]:
                    initial[self.index[n]] = int(obs[0, j])
        if sc.spawn_rules.mode == "observed_total":
            total = ard_mod.observed_total(sc.validation, sc.start_date, days, scale)
            plan = np.zeros((days, 1), np.int64)
            debt = 0
            for t in range(days):
                diff = int(total[0]) if t == 0 else int(total[t] - total[t - 1])
                new = diff - debt
                if sc.spawn_rules.insert_day0 and t == 0:
                    new = 0
                if new < 0:
                    debt = -new
                    new = 0
                elif debt > 0:
                    debt = 0
                plan[t, 0] = new
            return initial, plan
        conflict = self.conflict.copy()
        plan = np.zeros((days, len(self.names)), np.int64)
        per_day = sc.spawn_rules.displaced_per_conflict_day * scale
        for t in range(days):
            for ev in self.conflicts_by_day.get(t, []):
                conflict[self.index[ev.location]] = ev.intensity if ev.intensity > 0 else -1.0
            for i in range(len(self.names)):
                if conflict[i] > 0:
                    plan[t, i] = int(per_day * conflict[i])
        return initial, plan

    # ------------------------------------------------------------ daily updates
    def _apply_conflicts(self, day: int) -> None:
        rules = self.scenario.move_rules
        for ev in self.conflicts_by_day.get(day, []):
            i = self.index[ev.location]
            if ev.intensity > 0:  # flee.Ecosystem.add_conflict_zone
                self.movechance[i] = rules.conflict_movechance
                self.conflict[i] = ev.intensity
                self.is_town[i] = 0
            else:  # flee.Ecosystem.remove_conflict_zone
                self.movechance[i] = rules.default_movechance
                self.conflict[i] = -1.0
                self.is_town[i] = 1

    def _links_of_closure(self, c) -> np.ndarray:
        if c.closure_type == "country":
            ca, cb = self.country[self.link_from], self.country[self.link_to]
            mask = ((ca == c.name1) & (cb == c.name2)) | ((ca == c.name2) & (cb == c.name1))
        elif c.closure_type == "location":
            i = self.index[c.name1]
            mask = (self.link_from == i) | (self.link_to == i)
        else:  # link
            a, b = self.index[c.name1], self.index[c.name2]
            mask = ((self.link_from == a) & (self.link_to == b)) | (
                (self.link_from == b) & (self.link_to == a))
        return np.nonzero(mask)[0]

    def _set_camp(self, name: str, open_: bool, idp: bool) -> None:
        rules = self.scenario.move_rules
        i = self.index[name]
        self.conflict[i] = -1.0
        if open_:  # flee.Location.open_camp
            self.is_camp[i], self.is_town[i], self.is_idp[i] = 1, 0, int(idp)
            self.movechance[i] = rules.idpcamp_movechance if idp else rules.camp_movechance
        else:  # flee.Location.close_camp
            self.is_camp[i], self.is_town[i], self.is_idp[i] = 0, 1, 0
            self.movechance[i] = rules.default_movechance

    def _apply_closures(self, day: int) -> None:
        for c in self.closure_starts.get(day, []):
            if c.closure_type in _CAMP_TYPES:
                self._set_camp(c.name1, False, c.closure_type == "idpcamp")
            else:
                self.closed_count[self._links_of_closure(c)] += 1
        for c in self.closure_ends.get(day, []):
            if c.closure_type in _CAMP_TYPES:
                self._set_camp(c.name1, True, c.closure_type == "idpcamp")
            else:
                links = self._links_of_closure(c)
                self.closed_count[links] = np.maximum(self.closed_count[links] - 1, 0)
        self.link_open[:] = self.closed_count == 0

    def _scores(self) -> np.ndarray:
        """flee/scoring.py updateLocationScore (no conflict decay configured)."""
        rules = self.scenario.move_rules
        score = np.ones(len(self.names))
        score[self.foreign] *= rules.foreign_weight
        score[self.is_camp == 1] *= rules.camp_weight
        c = self.conflict > 0
        score[c] *= rules.conflict_weight ** self.conflict[c]
        return score

    def state_bytes(self) -> int:
        """Bytes of per-person engine state (allocated for everyone who will appear)."""
        return int(self.location.nbytes + self.link.nbytes + self.km_on_link.nbytes
                   + self.flags.nbytes + (self.recent_travel.nbytes
                                          if self.recent_travel.size > 1 else 0))

    # --------------------------------------------------------------------- run
    def run(self, progress: bool = False) -> FleeResults:
        """Run all days; returns daily counts (after each day's moves)."""
        t0 = time.perf_counter()
        sc = self.scenario
        n_loc = len(self.names)
        days = self.days
        counts = np.zeros((days, n_loc), np.int64)
        in_transit = np.zeros(days, np.int64)
        agents = np.zeros(days, np.int64)
        for i, n in self.initial_camp.items():
            fm.place(self.n_agents, n, i, self.location, self.link, self.km_on_link,
                     self.flags, self.loc_count)
            self.n_agents += n
        take = sc.spawn_rules.take_from_population
        unspawned = 0
        for t in range(days):
            self._apply_conflicts(t)
            if sc.spawn_rules.mode == "observed_total":
                n_new = int(self.spawn_plan[t, 0])
                weights = np.where(self.conflict > 0, self.population * self.conflict, 0.0)
                if n_new > 0 and weights.sum() > 0:
                    fm.spawn(np.uint64(self.streams.key(fm.SPAWN_STREAM, t)), self.n_agents, n_new, np.cumsum(weights), self.location,
                             self.link, self.km_on_link, self.flags, self.loc_count,
                             self.population, take)
                    self.n_agents += n_new
                else:
                    unspawned += n_new
            else:
                for i in np.nonzero(self.spawn_plan[t])[0]:
                    n_new = int(self.spawn_plan[t, i])
                    fm.place(self.n_agents, n_new, int(i), self.location, self.link,
                             self.km_on_link, self.flags, self.loc_count)
                    self.n_agents += n_new
                    if take:
                        self.population[i] = max(0.0, self.population[i] - n_new)
            self._apply_closures(t)
            score = self._scores()
            agents[t] = self.n_agents
            in_transit[t] = fm.move_day(
                np.uint64(self.streams.key(fm.MOVEMENT_STREAM, t)), self.n_agents, self.location,
                self.link, self.km_on_link, self.flags, self.recent_travel, self.loc_count,
                self.movechance, score, self.capacity, self.is_camp, self.is_town,
                self.adj_start, self.link_from, self.link_to, self.link_dist,
                self.link_open, self.params)
            counts[t] = self.loc_count
            if progress and (t % 50 == 0 or t == days - 1):
                print(f"day {t}: {self.n_agents} people, {in_transit[t]} travelling", flush=True)
        wall = time.perf_counter() - t0
        return FleeResults(
            scenario=sc, seed=self.seed, agents_scale=self.agents_scale,
            location_names=list(self.names), camp_names=list(self.camp_names), counts=counts,
            in_transit=in_transit, agents=agents, agent_days=int(agents.sum()), wall_s=wall,
            state_bytes=self.state_bytes(), extra={"unspawned": unspawned},
        )
