"""Daily results, their monthly and yearly roll-ups, and the results stage.

Every output is declared once in ``METRICS`` with how it rolls up:

* ``flow``: a count or amount per day, summed over a period;
* ``stock``: a level at the end of the day, averaged over a period;
* ``ratio``: computed after roll-up from two flows (numerator / denominator),
  so that yearly ratios are ratios of yearly sums, never means of daily ratios.

Processes only add to today's row (``sim.rec.add``); nothing here changes the
simulation state. Counts are multiplied by the scenario's ``scale`` (people per
agent) when tables are built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crossings.engine.loop import Process
from crossings.engine.state import DETAINED, IN_CAMP, IN_SHELTER, RETURNED, TRAVELLING

# name, kind, scaled-by-people, description
METRICS: list[tuple[str, str, bool, str]] = [
    ("arrivals_corridor", "flow", True, "People arriving in the border region."),
    ("crossings_total", "flow", True, "People reaching the destination by any mode."),
    ("crossings_lorry_alone", "flow", True, "People reaching the destination hidden in a lorry, alone."),
    ("crossings_lorry_paid", "flow", True, "People reaching the destination in a guaranteed lorry place (a driver's complicity) bought from a gang."),
    ("crossings_lorry_access", "flow", True, "People reaching the destination in a lorry after buying access (past the fences) from a gang."),
    ("crossings_boat", "flow", True, "People reaching the destination by small boat."),
    ("crossings_boat_alone", "flow", True, "People reaching the destination in a boat of their own, without a gang (sea.alone_asc); counted among crossings_boat."),
    ("crossings_legal", "flow", True, "People reaching the destination by a legal route."),
    ("crossings_paid", "flow", True, "Crossings paid to a smuggling gang (lorry or boat)."),
    ("attempts_lorry_alone", "flow", True, "Attempts to hide in a lorry alone."),
    ("attempts_lorry_paid", "flow", True, "Attempts in a guaranteed lorry place."),
    ("attempts_lorry_access", "flow", True, "Attempts with a bought access place."),
    ("attempts_boat", "flow", True, "People on boats that tried to launch (including those stopped on the beach)."),
    ("attempts_boat_alone", "flow", True, "People on boats of their own (no gang) that tried to launch; counted among attempts_boat."),
    ("intercepted_port", "flow", True, "Lorry attempts stopped at the ports and the tunnel (at access or at the controls)."),
    ("stopped_access", "flow", True, "Lorry attempts stopped before reaching a lorry (fences, secured parking, patrols)."),
    ("detected_port_controls", "flow", True, "People found in lorries at the UK controls in France (scanners, dogs, CO2 probes)."),
    ("detected_other_ports", "flow", True, "People in guaranteed lorry places (a driver's complicity) found at ports outside the scenario's own (market.guaranteed_displacement)."),
    ("intercepted_beach", "flow", True, "People stopped on the beach before or at launch."),
    ("intercepted_sea", "flow", True, "People stopped at sea and brought back."),
    ("stopped_launch", "flow", True, "People stopped at launch when their boat was seized or slashed as they gathered."),
    ("prevented_boat", "flow", True, "People on prevented boat crossings: stopped at launch, on the beach or at sea (as the French figures count)."),
    ("attempts_boat_all", "flow", True, "People on boat attempts, including those stopped at launch."),
    ("people_at_sea", "flow", True, "People on boats that left the beach (at sea: arrived, stopped or rescued at sea, or died at sea), as a maritime authority counts people in sea attempts."),
    ("rescued_sea", "flow", True, "People rescued at sea and brought back."),
    ("pulled_back", "flow", True, "People on boats intercepted at sea by an actor of a sea_actor policy (a third country's coastguard: pull-backs), wherever they were landed."),
    ("rescued_by_actors", "flow", True, "People on boats in distress reached by an actor of a sea_actor policy (not the standing rescue service of sea.*)."),
    ("landed_detention", "flow", True, "People landed from the sea at a detention site (pull-backs and rescues by actors that detain), whether or not it had room."),
    ("people_detained", "flow", True, "People admitted to a detention site."),
    ("detention_full", "flow", True, "People landed for detention who found no place (sent back to the waiting areas)."),
    ("released_detention", "flow", True, "People released from detention back to the waiting areas."),
    ("deported_detention", "flow", True, "People deported from detention (they leave the corridor)."),
    ("funds_lost_detention_eur", "flow", True, "Funds taken from people in detention (extortion, ransom, fees) (EUR)."),
    ("deaths", "flow", True, "People who died trying to cross."),
    ("deaths_boat", "flow", True, "Deaths on the small-boat route (at sea and at launch)."),
    ("deaths_sea", "flow", True, "Deaths at sea (boats in distress)."),
    ("deaths_launch", "flow", True, "Deaths at launch (crushes and drownings while boarding at the water's edge)."),
    ("deaths_lorry", "flow", True, "Deaths in lorries."),
    ("boats_launched", "flow", False, "Boats that left the beach."),
    ("boats_arrived", "flow", False, "Boats that reached the destination."),
    ("boats_capsized", "flow", False, "Boats that capsized or sank at sea because the crossing was untried (sea.capsize_inexperienced); counted among the boats in distress."),
    ("boats_alone_launched", "flow", False, "Boats of people's own (no gang, sea.alone_asc) that left the beach; counted among boats_launched."),
    ("boats_seized", "flow", False, "Boats seized at launch or stopped on the beach."),
    ("boats_prevented", "flow", False, "Boats stopped at launch, on the beach or at sea."),
    ("people_on_arrived_boats", "flow", True, "People on boats that arrived (numerator of people per boat)."),
    ("revenue_eur", "flow", True, "Smugglers' revenue from places sold (EUR)."),
    ("places_sold_boat", "flow", True, "Boat places sold."),
    ("places_sold_lorry", "flow", True, "Paid lorry places sold (both products)."),
    ("places_sold_lorry_access", "flow", True, "Lorry access places sold."),
    ("places_sold_lorry_guaranteed", "flow", True, "Guaranteed lorry places sold (a driver's complicity)."),
    ("price_lorry_access_x_sold", "flow", True, "Price times lorry access places sold (numerator of their mean price)."),
    ("price_lorry_guaranteed_x_sold", "flow", True, "Price times guaranteed lorry places sold (numerator of their mean price)."),
    ("price_boat_x_sold", "flow", True, "Price times boat places sold (numerator of the mean price)."),
    ("price_lorry_x_sold", "flow", True, "Price times lorry places sold (numerator of the mean price)."),
    ("gangs_active", "stock", False, "Active smuggling gangs."),
    ("gangs_entered", "flow", False, "Gangs entering the market."),
    ("boat_lines_opened", "flow", False, "Gangs opening a boat line (selling boat places for the first time)."),
    ("gangs_exited", "flow", False, "Gangs leaving the market on losses."),
    ("gangs_dismantled", "flow", False, "Gangs dismantled by police."),
    ("market_hhi", "stock", False, "Herfindahl-Hirschman index of gang volume (0-1)."),
    ("price_boat_eur", "stock", False, "Mean posted boat price across active gangs (EUR)."),
    ("price_lorry_eur", "stock", False, "Mean posted lorry price across active gangs (EUR)."),
    ("markup", "stock", False, "Mean price-over-cost markup across active gangs."),
    ("weather_viable", "stock", False, "Share of days with weather viable for small boats."),
    ("in_camps", "stock", True, "People living in camps at the end of the day."),
    ("waiting_off_camp", "stock", True, "People waiting in the corridor off-camp (towns, safe houses, inland) at the end of the day."),
    ("travelling", "stock", True, "People travelling to a camp."),
    ("in_shelters", "stock", True, "People in shelters."),
    ("returned_waiting", "stock", True, "People returned under a returns agreement, not yet back."),
    ("in_detention", "stock", True, "People held at detention sites."),
    ("evictions", "flow", False, "Routine eviction operations."),
    ("people_evicted", "flow", True, "People evicted (person-evictions)."),
    ("funds_lost_eur", "flow", True, "Belongings lost in evictions (EUR)."),
    ("clearances", "flow", False, "Major clearance operations."),
    ("people_bused", "flow", True, "People taken by bus to shelters."),
    ("people_dispersed", "flow", True, "People dispersed to other camps by a clearance."),
    ("shelter_returns", "flow", True, "People coming back to the border from shelters."),
    ("left_corridor", "flow", True, "People leaving the corridor (asylum in the transit country, moving on)."),
    ("returned_agreement", "flow", True, "People returned under a returns agreement."),
    ("incidents", "flow", False, "Incidents (brawls) in camps."),
    ("people_in_incidents", "flow", False, "People involved in incidents in camps (exposure to violence; camps.people_per_incident each)."),
    ("days_to_cross_sum", "flow", True, "Sum over crossers of days from arrival to crossing."),
    ("person_days_in_camp", "flow", True, "Person-days spent in camps (hardship exposure)."),
    ("spending_port_eur", "flow", False, "Public spending on ports and the tunnel (EUR)."),
    ("spending_beach_eur", "flow", False, "Public spending on beach patrols (EUR)."),
    ("spending_sea_eur", "flow", False, "Public spending at sea (EUR)."),
    ("spending_intelligence_eur", "flow", False, "Public spending on investigations (EUR)."),
    ("spending_camps_eur", "flow", False, "Public spending on camp operations, buses and shelters (EUR)."),
    ("public_spending_eur", "flow", False, "All public spending above (EUR)."),
]
RATIOS: list[tuple[str, str, str, str]] = [
    ("people_per_boat", "people_on_arrived_boats", "boats_arrived", "Mean people per arrived boat."),
    ("mean_price_boat_paid_eur", "price_boat_x_sold", "places_sold_boat", "Mean price paid per boat place (EUR)."),
    ("mean_price_lorry_paid_eur", "price_lorry_x_sold", "places_sold_lorry", "Mean price paid per lorry place (EUR)."),
    ("mean_price_lorry_access_paid_eur", "price_lorry_access_x_sold", "places_sold_lorry_access",
     "Mean price paid per lorry access place (EUR)."),
    ("mean_price_lorry_guaranteed_paid_eur", "price_lorry_guaranteed_x_sold", "places_sold_lorry_guaranteed",
     "Mean price paid per guaranteed lorry place (EUR)."),
    ("paid_share", "crossings_paid", "crossings_total", "Share of crossings paid to gangs."),
    ("mean_days_to_cross", "days_to_cross_sum", "crossings_total", "Mean days from arrival to crossing."),
    ("public_cost_per_interception_eur", "public_spending_eur", "interceptions_total", "Public spending per person intercepted (EUR)."),
    ("deaths_per_1000_crossings", "deaths_x1000", "crossings_total", "Deaths per 1,000 crossings."),
]
INDEX = {m[0]: i for i, m in enumerate(METRICS)}


@dataclass
class Results:
    """Results of one run: daily, monthly and yearly tables (pandas)."""

    daily: pd.DataFrame
    sites: pd.DataFrame  # daily population by site
    scenario_name: str
    seed: int
    notes: list[str]
    profile: pd.DataFrame | None = None
    scenario_toml: str = ""  # the resolved scenario as it ran (set by Sim), recorded in saved manifests

    def rollup(self, freq: str) -> pd.DataFrame:
        """Roll daily results up to months (``"MS"``) or years (``"YS"``)."""
        return rollup(self.daily, freq)

    @property
    def monthly(self) -> pd.DataFrame:
        return self.rollup("MS")

    @property
    def yearly(self) -> pd.DataFrame:
        return self.rollup("YS")

    def to_arrow(self):
        import pyarrow as pa

        return pa.Table.from_pandas(self.daily.reset_index())

    def save(self, out_dir: str | Path, formats: tuple[str, ...] = ("parquet", "csv")) -> list[Path]:
        """Write daily, monthly, yearly and site tables with a manifest, atomically; returns the
        paths of the tables written.

        The folder is replaced as a whole (see :mod:`crossings.store.atomic`): a reader sees the
        complete earlier results or the complete new ones, never a mix. Raises
        :class:`~crossings.store.atomic.ResultsError` (one line) if the folder cannot be written;
        the earlier results are then unchanged."""
        from crossings.engine.rundir import write_run_dir

        tables = {
            "daily": self.daily.reset_index(),
            "monthly": self.monthly.reset_index(),
            "yearly": self.yearly.reset_index(),
            "sites_daily": self.sites.reset_index(),
        }
        manifest = {
            "kind": "crossings run",
            "scenario_name": self.scenario_name,
            "scenario_toml": self.scenario_toml,
            "seed": int(self.seed),
            "notes": list(self.notes),
        }
        out = write_run_dir(Path(out_dir), tables, tuple(formats), manifest)
        return [out / f"{name}.{fmt}" for name in tables for fmt in formats]

    @classmethod
    def load(cls, path: str | Path) -> "Results":
        """Results saved by :meth:`save`, after checking the folder against its manifest."""
        from crossings.engine.rundir import ResultsError, read_run_dir

        tables, manifest = read_run_dir(Path(path))
        missing = {"daily", "sites_daily"} - set(tables)
        if missing:
            raise ResultsError(path, f"not a run folder of crossings.Sim: no {sorted(missing)[0]} table")

        def dated(df: pd.DataFrame) -> pd.DataFrame:
            df = df.copy()
            df["date"] = pd.to_datetime(df["date"]).astype("datetime64[s]")  # as built by the recorder
            return df.set_index("date")

        return cls(
            daily=dated(tables["daily"]),
            sites=dated(tables["sites_daily"]),
            scenario_name=str(manifest.get("scenario_name", "")),
            seed=int(manifest.get("seed", 0)),
            notes=list(manifest.get("notes", [])),
            scenario_toml=str(manifest.get("scenario_toml", "")),
        )

    def summary(self) -> pd.DataFrame:
        """Yearly headline figures (the table ``crossings run`` prints)."""
        y = self.yearly
        cols = [
            "arrivals_corridor",
            "crossings_total",
            "crossings_lorry_alone",
            "crossings_lorry_paid",
            "crossings_boat",
            "crossings_legal",
            "paid_share",
            "intercepted_port",
            "intercepted_beach",
            "intercepted_sea",
            "deaths",
            "boats_launched",
            "boats_seized",
            "people_per_boat",
            "mean_price_boat_paid_eur",
            "mean_price_lorry_paid_eur",
            "markup",
            "gangs_active",
            "gangs_dismantled",
            "market_hhi",
            "revenue_eur",
            "in_camps",
            "evictions",
            "people_bused",
            "left_corridor",
            "pulled_back",
            "people_detained",
            "in_detention",
            "public_spending_eur",
        ]
        cols = [c for c in cols if c in y.columns and (y[c].abs().sum() > 0 or c.startswith("crossings_total"))]
        out = y[cols].copy()
        out.index = out.index.year
        out.index.name = "year"
        return out


def rollup(daily: pd.DataFrame, freq: str) -> pd.DataFrame:
    kinds = {m[0]: m[1] for m in METRICS}
    flows = [c for c in daily.columns if kinds.get(c) == "flow"]
    stocks = [c for c in daily.columns if kinds.get(c) == "stock"]
    g = daily.resample(freq)
    out = pd.concat([g[flows].sum(), g[stocks].mean()], axis=1)
    _add_ratios(out)
    return out


def _add_ratios(df: pd.DataFrame) -> None:
    df["interceptions_total"] = df["intercepted_port"] + df["intercepted_beach"] + df["intercepted_sea"]
    df["deaths_x1000"] = df["deaths"] * 1000.0
    for name, num, den, _ in RATIOS:
        with np.errstate(divide="ignore", invalid="ignore"):
            df[name] = np.where(df[den] > 0, df[num] / df[den].where(df[den] > 0, 1.0), np.nan)
    del df["deaths_x1000"]


class Recorder:
    """Today's row of every metric, and the daily population of each site.

    Totals that are sums of other metrics (``crossings_total``, ``crossings_paid``, ``deaths``,
    ``public_spending_eur``) are filled for all days at once when :meth:`results` builds the
    tables."""

    def __init__(self, n_days: int, n_sites: int):
        self.values = np.zeros((n_days, len(METRICS)))
        self.site_pop = np.zeros((n_days, n_sites))
        self.day = 0

    @property
    def day(self) -> int:
        """The day whose row :meth:`add` and :meth:`set` write."""
        return self._day

    @day.setter
    def day(self, day: int) -> None:
        self._day = day
        self._row = self.values[day]  # a view of the day's row
        # the same row as Python floats: :meth:`add` and :meth:`set` (~160,000 calls in a Channel
        # run) read and write one element without making a NumPy scalar (a third of the time)
        self._cells = memoryview(self._row)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_row"], state["_cells"]  # views of ``values``: rebuilt on unpickling, so they stay views
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.day = state["_day"]

    def add(self, name: str, value: float) -> None:
        # float64 + float64, as NumPy's ``row[j] += value`` computes it (``float`` is exact for the
        # ints and NumPy scalars passed; a float32 plus a Python float would stay float32)
        j = INDEX[name]
        cells = self._cells
        cells[j] = cells[j] + float(value)

    def add_at(self, columns: np.ndarray, values: np.ndarray) -> None:
        """Add ``values`` to the metrics at ``columns`` (distinct indices into :data:`INDEX`'s order):
        what :meth:`add` does for each, in one NumPy call."""
        self._row[columns] += values

    def set(self, name: str, value: float) -> None:
        self._cells[INDEX[name]] = float(value)

    def get(self, name: str, day: int | None = None) -> float:
        return float(self.values[self.day if day is None else day, INDEX[name]])

    def results(self, sim) -> Results:
        dates = pd.DatetimeIndex(sim.timeline.dates, name="date")
        _derive_totals(self.values)
        vals = self.values.copy()
        scale = sim.scenario.scale
        for j, (_, _, scaled, _) in enumerate(METRICS):
            if scaled:
                vals[:, j] *= scale
        daily = pd.DataFrame(vals, index=dates, columns=[m[0] for m in METRICS])
        sites = pd.DataFrame(self.site_pop * scale, index=dates, columns=sim.world.site_names)
        return Results(
            daily=daily,
            sites=sites,
            scenario_name=sim.scenario.name,
            seed=sim.scenario.seed,
            notes=list(sim.notes),
        )


class Record(Process):
    """Results: count people by state and site at the end of the day and drop finished people
    (crossed, left, dead) from the active index."""

    name = "results"
    reads = ("people.state", "people.site")
    writes = ("results", "people.active")

    def step(self, day: int) -> None:
        sim = self.sim
        p = sim.people
        rec = sim.rec
        p.active = _count_and_compact(p.active, p.state, p.site, p.off_camp, rec.values[day], _STOCKS, _STOCK_STATES,
                                      rec.site_pop[day])


# stocks recorded by the results stage, and the states they count
_STOCKS = np.array([INDEX[m] for m in (
    "in_camps", "travelling", "in_shelters", "returned_waiting", "person_days_in_camp", "waiting_off_camp",
    "in_detention")])
_OFF_CAMP = 8  # count slot of people in IN_CAMP state who wait off-camp
_STOCK_STATES = np.array([IN_CAMP, TRAVELLING, IN_SHELTER, RETURNED, IN_CAMP, _OFF_CAMP, DETAINED])


def _derive_totals(values: np.ndarray) -> None:
    """Totals that are sums of other daily metrics, for all days at once."""
    c = {m: values[:, INDEX[m]] for m in INDEX}
    values[:, INDEX["crossings_total"]] = (c["crossings_lorry_alone"] + c["crossings_lorry_paid"]) + (
        c["crossings_boat"] + c["crossings_legal"]
    ) + c["crossings_lorry_access"]
    values[:, INDEX["crossings_paid"]] = c["crossings_lorry_paid"] + (c["crossings_boat"] - c["crossings_boat_alone"]) + c[
        "crossings_lorry_access"]
    values[:, INDEX["deaths_boat"]] = c["deaths_sea"] + c["deaths_launch"]
    values[:, INDEX["deaths"]] = c["deaths_boat"] + c["deaths_lorry"]
    values[:, INDEX["prevented_boat"]] = c["stopped_launch"] + c["intercepted_beach"] + c["intercepted_sea"]
    values[:, INDEX["attempts_boat_all"]] = c["attempts_boat"] + c["stopped_launch"]
    values[:, INDEX["people_at_sea"]] = c["attempts_boat"] - c["intercepted_beach"] - c["deaths_launch"]
    spend = np.zeros(values.shape[0])
    for ch in ("port", "beach", "sea", "intelligence", "camps"):
        spend = spend + c[f"spending_{ch}_eur"]
    values[:, INDEX["public_spending_eur"]] = spend


from crossings.engine.jit import njit  # noqa: E402


@njit(cache=True)
def _count_and_compact(active, state, site, off_camp, row, stocks, stock_states, site_row):
    """Count people per state (camp residents and those waiting off-camp apart) into the day's
    ``row`` (``row[stocks] = counts[stock_states]``) and the people living at each camp, shelter or
    detention site into ``site_row``; return the active index without finished people."""
    counts = np.empty(10, np.int64)  # np.zeros, written out (one compile less on a first run)
    site_pop = np.empty(site_row.shape[0], np.int64)  # whole people: exact, stored as float64
    for k in range(10):
        counts[k] = 0
    for k in range(site_row.shape[0]):
        site_pop[k] = 0
    keep = np.empty(active.shape[0], np.int32)
    m = 0
    for j in range(active.shape[0]):
        i = np.uint32(active[j])  # unsigned: no negative-index wraparound (slots are never negative)
        s = state[i]
        if s == 2 and off_camp[i]:
            counts[_OFF_CAMP] += 1
        else:
            counts[s] += 1
        if s == 1 or s == 2 or s == 3 or s == 6 or s == 9:
            if (s == 2 and not off_camp[i]) or s == 3 or s == 9:
                site_pop[site[i]] += 1
            keep[m] = i
            m += 1
    for k in range(stocks.shape[0]):
        row[stocks[k]] = np.float64(counts[stock_states[k]])
    for k in range(site_row.shape[0]):
        site_row[k] = np.float64(site_pop[k])
    return keep[:m]  # a view: no copy of the whole index
