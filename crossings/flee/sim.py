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
from typing import Any

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
    refugee_debt: np.ndarray | None = None  # (days,) Flee's refugee debt after each day

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

    @property
    def _hasten(self) -> int:
        return int(self.scenario.optimisations.hasten)

    def _sim_obs(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        val = self.scenario.validation
        if val is None or not val.camps:
            raise ValueError(f"scenario {self.scenario.name!r} has no camp validation series")
        names, obs = ard_mod.observed_camps(val, self.scenario.start_date, self.counts.shape[0],
                                            self.agents_scale, self._hasten)
        sim = self.counts[:, [self.location_names.index(n) for n in names]]
        return names, sim, obs

    def ard(self) -> float:
        """Averaged relative difference against the UNHCR camp series (Flee's metric)."""
        _, sim, obs = self._sim_obs()
        return ard_mod.ard(sim, obs)

    def ard_by_day(self, rescaled: bool = True) -> np.ndarray:
        """The error of each day (rescaled: the ARD's terms; not rescaled: Flee's 'normal')."""
        _, sim, obs = self._sim_obs()
        return ard_mod.ard_by_day(sim, obs, rescaled=rescaled)

    def ard_daily(self) -> pd.DataFrame:
        """One row per day: date, day, ARD term (rescaled) and the not-rescaled error."""
        days = self.counts.shape[0]
        start = self.scenario.start_date
        return pd.DataFrame({
            "date": [start + dt.timedelta(days=d) for d in range(days)],
            "day": np.arange(days),
            "ard": self.ard_by_day(True),
            "error_not_rescaled": self.ard_by_day(False),
        })

    def validation_table(self) -> pd.DataFrame:
        """Flee's ``out.csv`` layout: for each camp with a series '<camp> sim', '<camp> data'
        and '<camp> error' (relative), then 'Total error', 'refugees in camps (UNHCR)',
        'total refugees (simulation)', 'raw UNHCR refugee count', 'refugees in camps
        (simulation)' and 'refugee_debt' (runscripts/run.py), so Flee's post-processing
        (plot_flee_output) can read it. Observed counts are scaled like the run
        (agents_scale / hasten)."""
        names, sim, obs = self._sim_obs()
        days = self.counts.shape[0]
        start = self.scenario.start_date
        cols: dict[str, Any] = {
            "Day": np.arange(days),
            "Date": [(start + dt.timedelta(days=d)).isoformat() for d in range(days)],
        }
        for j, n in enumerate(names):
            cols[f"{n} sim"] = sim[:, j]
            cols[f"{n} data"] = obs[:, j]
            # flee.postprocessing.analysis.rel_error: |sim - data| / data, 0 if data ~ 0
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.where(obs[:, j] < 1e-5, 0.0,
                               np.abs(sim[:, j] - obs[:, j]) / np.maximum(obs[:, j], 1e-300))
            cols[f"{n} error"] = rel
        if self.scenario.spawn_rules.mode == "observed_total":
            raw = ard_mod.observed_total(self.scenario.validation, start, days,
                                         self.agents_scale, self._hasten)
        else:
            raw = np.zeros(days, np.int64)  # Flee reports 0 with conflict-driven spawning
        abs_err = np.abs(sim - obs).sum(axis=1)
        ok = raw > 0
        cols["Total error"] = np.where(ok, abs_err / np.maximum(raw, 1), 0.0)
        cols["refugees in camps (UNHCR)"] = np.where(ok, obs.sum(axis=1), 0)
        cols["total refugees (simulation)"] = np.where(ok, self.agents, 0)
        cols["raw UNHCR refugee count"] = np.where(ok, raw, 0)
        cols["refugees in camps (simulation)"] = np.where(ok, sim.sum(axis=1), 0)
        debt = self.refugee_debt if self.refugee_debt is not None else np.zeros(days, np.int64)
        cols["refugee_debt"] = np.where(ok, debt, 0)
        return pd.DataFrame(cols)

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
        # Flee's hasten divides every number of people (InputGeography, RefugeeTable).
        self.hasten = int(scenario.optimisations.hasten)
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
        # Populations in Flee's units (divided by hasten, as flee.Location.pop holds them);
        # an agent stands for 1 / agents_scale of these people.
        self.population = np.array([loc.population // self.hasten for loc in locs], np.float64)
        cap = np.full(n_loc, -1.0)
        # max(population, capacity) as Flee 3.1 holds them (camps: pop 0, capacity from the
        # file, 0 when empty; others: capacity -1), for move-chance population scaling.
        self.pop_or_capacity = self.population.copy()
        for i, loc in enumerate(locs):
            if loc.location_type in _CAMP_TYPES:
                self.pop_or_capacity[i] = float((loc.capacity or 0) // self.hasten)
                if loc.capacity is not None:
                    cap[i] = max(1.0, float(self._people(loc.capacity)))
        self.capacity = cap

        # Location status as in flee.Location.__init__ (after InputGeography turns conflict
        # zones with conflict_date > 0 into towns).
        self.is_camp = np.zeros(n_loc, np.uint8)
        self.is_idp = np.zeros(n_loc, np.uint8)
        self.is_town = np.zeros(n_loc, np.uint8)
        self.conflict = np.full(n_loc, -1.0)
        # Day each location's latest conflict started (flee.Location.time_of_conflict).
        self.time_of_conflict = np.full(n_loc, -1, np.int64)
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
                self.conflict[i] = (loc.conflict_intensity if loc.conflict_intensity is not None
                                    else 1.0)
                self.movechance[i] = rules.conflict_movechance
            elif t == "forward":
                self.movechance[i] = 1.0
            else:
                self.is_town[i] = 1
                self.movechance[i] = rules.default_movechance
        self.camp_row = self.is_camp == 1  # camps in locations.csv (capacity, not population)
        self.camp_names = [self.names[i] for i in range(n_loc) if self.is_camp[i]]
        if sc.validation is not None:
            for s in sc.validation.camps:
                if s.name not in self.camp_names:
                    self.camp_names.append(s.name)

        # Directed routes, grouped by start location in routes.csv order (Flee's linkUp).
        out_links: list[list[tuple]] = [[] for _ in range(n_loc)]
        for r in sc.routes:
            a, b = index[r.name1], index[r.name2]
            v = r.max_move_speed if r.max_move_speed is not None else rules.max_move_speed
            out_links[a].append((a, b, r.distance, v, r.walk_probability))
            out_links[b].append((b, a, r.distance, v, r.walk_probability))
        frm, to, dist, speed, walk, start = [], [], [], [], [], [0]
        for a in range(n_loc):
            for (x, y, d, v, w) in out_links[a]:
                frm.append(x)
                to.append(y)
                dist.append(d)
                speed.append(v)
                walk.append(w)
            start.append(len(frm))
        self.link_from = np.array(frm, np.int32)
        self.link_to = np.array(to, np.int32)
        self.link_dist = np.array(dist, np.float64)
        self.link_speed = np.array(speed, np.float64)
        self.link_walk = np.array(walk, np.float64)
        self.adj_start = np.array(start, np.int32)
        self.closed_count = np.zeros(len(frm), np.int32)
        self.link_open = np.ones(len(frm), np.uint8)
        self.link_score_factor = np.ones(len(frm), np.float64)
        if rules.stay_close_to_home:
            km = _great_circle_km_as_flee(locs, self.link_from, self.link_to)
            self.link_score_factor = 1.0 / np.maximum(1.0, km) ** rules.home_distance_power

        self.conflicts_by_day: dict[int, list] = {}
        for ev in sc.conflicts:
            self.conflicts_by_day.setdefault(ev.day, []).append(ev)
        self.closure_starts: dict[int, list] = {}
        self.closure_ends: dict[int, list] = {}
        for c in sc.closures:
            self.closure_starts.setdefault(c.closure_start, []).append(c)
            self.closure_ends.setdefault(c.closure_end, []).append(c)

        self.params = np.array([
            rules.max_move_speed, rules.max_walk_speed, rules.weight_power,
            rules.capacity_buffer, float(rules.awareness_level), float(rules.start_on_foot),
            float(rules.avoid_short_stints)], np.float64)
        self.decay = sc.spawn_rules.conflict_spawn_decay or None

        # agents.csv rows are agents in Flee (hasten does not divide them)
        self.initial_people = [(index[ip.location], int(ip.people * self.agents_scale))
                               for ip in sc.initial_people]
        self.initial_camp, self.spawn_plan, self.debt = self._plan_people()
        n_max = int(sum(n for _, n in self.initial_people) + sum(self.initial_camp.values())
                    + self.spawn_plan.sum())
        self.capacity_agents = n_max
        self.location = np.empty(n_max, np.int32)
        self.link = np.empty(n_max, np.int32)
        self.km_on_link = np.empty(n_max, np.float32)
        self.flags = np.empty(n_max, np.uint8)
        self.recent_travel = np.zeros(n_max if rules.avoid_short_stints else 1, np.float32)
        self.loc_count = np.zeros(n_loc, np.int64)
        self.n_agents = 0

    # ----------------------------------------------------------------- planning
    def _people(self, n: float) -> int:
        """Agents for n people of locations.csv: Flee's n // hasten, times agents_scale."""
        return int((n // self.hasten) * self.agents_scale)

    def _plan_people(self) -> tuple[dict[int, int], np.ndarray, np.ndarray]:
        """Day-0 camp residents, people spawned each day (all known in advance), and Flee's
        refugee debt after each day.

        observed_total: Flee 3.1's spawning.spawn_daily_displaced with
        SumFromCamps=False: the day's rise of the total series minus a carried 'debt' when
        the series falls; nobody on day 0 when insert_day0. conflict_driven:
        int(displaced_per_conflict_day x intensity) ('constant') or
        int(displaced_per_conflict_day x population x intensity) ('pop_ratio') per conflict
        zone per day. The conflict_driven plan has one column per location; observed_total
        one column.
        """
        sc = self.scenario
        days = self.days
        initial: dict[int, int] = {}
        debt_by_day = np.zeros(days, np.int64)
        if sc.validation is not None and sc.spawn_rules.insert_day0:
            names, obs = ard_mod.observed_camps(sc.validation, sc.start_date, 1,
                                                self.agents_scale, self.hasten)
            for j, n in enumerate(names):
                if self.is_camp[self.index[n]]:
                    initial[self.index[n]] = int(obs[0, j])
        if sc.spawn_rules.mode == "observed_total":
            total = ard_mod.observed_total(sc.validation, sc.start_date, days, self.agents_scale,
                                           self.hasten)
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
                debt_by_day[t] = debt
            return initial, plan, debt_by_day
        conflict = self.conflict.copy()
        population = self.population.copy()
        take = sc.spawn_rules.take_from_population
        for i, n in self.initial_people:
            if take and conflict[i] > 0:
                population[i] = max(0.0, population[i] - n / self.agents_scale)
        plan = np.zeros((days, len(self.names)), np.int64)
        rate = sc.spawn_rules.displaced_per_conflict_day
        pop_ratio = sc.spawn_rules.conflict_spawn_mode == "pop_ratio"
        for t in range(days):
            for ev in self.conflicts_by_day.get(t, []):
                conflict[self.index[ev.location]] = ev.intensity if ev.intensity > 0 else -1.0
            for i in range(len(self.names)):
                if conflict[i] > 0:
                    if pop_ratio:
                        n = int(rate * population[i] * conflict[i] * self.agents_scale)
                    else:
                        n = int(rate * self.agents_scale * conflict[i])  # hasten: no effect
                    plan[t, i] = n
                    if take:
                        population[i] = max(0.0, population[i] - n / self.agents_scale)
        return initial, plan, debt_by_day

    # ------------------------------------------------------------ daily updates
    def _apply_conflicts(self, day: int) -> None:
        rules = self.scenario.move_rules
        for ev in self.conflicts_by_day.get(day, []):
            i = self.index[ev.location]
            if ev.intensity > 0:  # flee.Ecosystem.add_conflict_zone
                self.movechance[i] = rules.conflict_movechance
                self.conflict[i] = ev.intensity
                self.is_town[i] = 0
                self.time_of_conflict[i] = day
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

    def _decay(self, time: int) -> np.ndarray:
        """Conflict decay multiplier of every location at ``time`` (Flee 3.1
        SimulationSettings.get_location_conflict_decay): one factor per 30 days since the
        location's conflict started, the last one holding after."""
        if not self.decay:
            return np.ones(len(self.names))
        since = time - self.time_of_conflict
        idx = np.minimum((since / 30).astype(np.int64), len(self.decay) - 1)
        return np.asarray(self.decay, np.float64)[np.maximum(idx, 0)]

    def _spawn_weights(self, time: int) -> np.ndarray:
        """flee/spawning.py refresh_spawn_weights: population x intensity (x decay) in
        conflict zones, 0 elsewhere."""
        c = self.conflict > 0
        mult = self.conflict * self._decay(time) if self.decay else self.conflict
        return np.where(c, self.population * mult, 0.0)

    def _scores(self, time: int) -> np.ndarray:
        """flee/scoring.py updateLocationScore, with the location factors of
        moving.getEndPointScore (use_pop_for_loc_weight, Match*Ethnicity)."""
        rules = self.scenario.move_rules
        score = np.ones(len(self.names))
        score[self.foreign] *= rules.foreign_weight
        score[self.is_camp == 1] *= rules.camp_weight
        c = self.conflict > 0
        if self.decay:
            score[c] *= rules.conflict_weight ** (self._decay(time)[c] * self.conflict[c])
        else:
            score[c] *= rules.conflict_weight ** self.conflict[c]
        camp = self.is_camp == 1
        if rules.MatchCampEthnicity:
            score[camp] *= 10.0
        if rules.MatchConflictEthnicity:
            score[~camp & c] *= 10.0
        if rules.MatchTownEthnicity:
            score[~camp & ~c] *= 10.0
        if rules.use_pop_for_loc_weight:
            score[~camp] *= np.minimum(1.0, self.population[~camp]) ** rules.pop_power_for_loc_weight
        return score

    def _movechance(self) -> np.ndarray:
        """Move chances, times Flee 3.1's population scaling (Person.evolve) when set."""
        rules = self.scenario.move_rules
        if rules.movechance_pop_scale_factor == 0.0:
            return self.movechance
        x = np.where(self.camp_row, self.pop_or_capacity, self.population)
        with np.errstate(divide="ignore"):
            f = (x / rules.movechance_pop_base) ** rules.movechance_pop_scale_factor
        return self.movechance * f

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
        take = sc.spawn_rules.take_from_population
        # agents.csv people first, then the camps' day-0 registrations (Flee's run script order)
        for i, n in self.initial_people:
            fm.place(self.n_agents, n, i, self.location, self.link, self.km_on_link,
                     self.flags, self.loc_count)
            self.n_agents += n
            if take and self.conflict[i] > 0:
                self.population[i] = max(0.0, self.population[i] - n / self.agents_scale)
        for i, n in self.initial_camp.items():
            fm.place(self.n_agents, n, i, self.location, self.link, self.km_on_link,
                     self.flags, self.loc_count)
            self.n_agents += n
        unspawned = 0
        rules = sc.move_rules
        for t in range(days):
            self._apply_conflicts(t)
            if sc.spawn_rules.mode == "observed_total":
                n_new = int(self.spawn_plan[t, 0])
                # Flee's spawn weights were last refreshed today if a conflict changed
                # today, otherwise at the end of yesterday (this matters for the decay).
                refreshed = t if (t == 0 or t in self.conflicts_by_day) else t - 1
                weights = self._spawn_weights(refreshed)
                if n_new > 0 and weights.sum() > 0:
                    fm.spawn(np.uint64(self.streams.key(fm.SPAWN_STREAM, t)), self.n_agents, n_new, np.cumsum(weights), self.location,
                             self.link, self.km_on_link, self.flags, self.loc_count,
                             self.population, 1.0 / self.agents_scale if take else 0.0)
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
                        self.population[i] = max(0.0, self.population[i] - n_new / self.agents_scale)
            self._apply_closures(t)
            link_weight = fm.link_weights(self.link_open, self.link_to, self.link_dist,
                                          self._scores(t), self.link_score_factor,
                                          rules.softening, rules.weight_softening,
                                          rules.distance_power, rules.awareness_level)
            agents[t] = self.n_agents
            in_transit[t] = fm.move_day(
                np.uint64(self.streams.key(fm.MOVEMENT_STREAM, t)),
                np.uint64(self.streams.key(fm.WALK_STREAM, t)), self.n_agents, self.location,
                self.link, self.km_on_link, self.flags, self.recent_travel, self.loc_count,
                self._movechance(), self.capacity, self.is_camp, self.is_town,
                self.adj_start, self.link_from, self.link_to, self.link_dist,
                self.link_open, link_weight, self.link_speed, self.link_walk, self.params)
            counts[t] = self.loc_count
            if progress and (t % 50 == 0 or t == days - 1):
                print(f"day {t}: {self.n_agents} people, {in_transit[t]} travelling", flush=True)
        wall = time.perf_counter() - t0
        return FleeResults(
            scenario=sc, seed=self.seed, agents_scale=self.agents_scale,
            location_names=list(self.names), camp_names=list(self.camp_names), counts=counts,
            in_transit=in_transit, agents=agents, agent_days=int(agents.sum()), wall_s=wall,
            state_bytes=self.state_bytes(), extra={"unspawned": unspawned},
            refugee_debt=self.debt,
        )


def _great_circle_km_as_flee(locs, link_from: np.ndarray, link_to: np.ndarray) -> np.ndarray:
    """Great-circle km between the ends of each route as Flee 3.1 computes it
    (flee.Location.calculateDistance, Earth radius 6373 km), which takes the
    locations.csv latitude column as x (longitude) and the longitude column as y."""
    x = np.radians([loc.latitude for loc in locs])  # Flee's x: used as longitude
    y = np.radians([loc.longitude for loc in locs])  # Flee's y: used as latitude
    lat1, lon1 = y[link_to], x[link_to]
    lat2, lon2 = y[link_from], x[link_from]
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6373.0 * 2 * np.arctan2(np.sqrt(a), np.sqrt(1 - a))
