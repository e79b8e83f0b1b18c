"""The results store: every run once, as Parquet, catalogued in an embedded DuckDB database.

Layout under the store's root (``results/store`` unless ``--store`` or ``CROSSINGS_STORE``
says otherwise)::

    runs/<k[:2]>/<key>/     one run folder per key, written by crossings.store.atomic
        daily.parquet  monthly.parquet  yearly.parquet  sites_daily.parquet  manifest.json
    catalogue.duckdb        table ``runs``: one row per stored run (no server to start)

The key is the hash of (resolved scenario, seed, code version) (:mod:`crossings.store.keys`).
Run folders are the truth; the catalogue is an index of them. A run is written atomically
(complete or absent) and then catalogued, so a process killed at any moment leaves only
complete runs; a run folder missing from the catalogue (killed between the two steps) is
catalogued the next time the store is opened.

Reading a run checks its folder against the manifest (checksums, row counts) and the
manifest against the request (key, seed, code version, resolved scenario); anything that
does not match is refused with a one-line :class:`StoreError`, never returned.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import time
from pathlib import Path

import pandas as pd

from crossings.engine.results import Results
from crossings.errors import CrossingsError
from crossings.store.atomic import MANIFEST, ResultsError, read_run_dir, write_run_dir
from crossings.store.keys import canonical, run_key

TABLES = ("daily", "monthly", "yearly", "sites_daily")
KEY_RE = re.compile(r"^[0-9a-f]{64}$")
STORE_ENV = "CROSSINGS_STORE"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key VARCHAR PRIMARY KEY,
    scenario VARCHAR,
    seed BIGINT,
    version VARCHAR,
    created TIMESTAMP,
    start_date DATE,
    end_date DATE,
    days INTEGER,
    crossings_total DOUBLE,
    deaths DOUBLE,
    public_spending_eur DOUBLE,
    path VARCHAR,
    scenario_json VARCHAR
)
"""
_COLUMNS = ("key", "scenario", "seed", "version", "created", "start_date", "end_date", "days",
            "crossings_total", "deaths", "public_spending_eur", "path", "scenario_json")


class Run(Results):
    """A run's :class:`crossings.Results` with its monthly and yearly roll-ups computed once.

    Ensembles use them many times (reductions, storage), so the worker that ran the
    simulation computes them and they travel and are stored with the run."""

    def __init__(self, results: Results, monthly: pd.DataFrame | None = None, yearly: pd.DataFrame | None = None):
        super().__init__(**{f.name: getattr(results, f.name) for f in dataclasses.fields(Results)})
        self._monthly = _no_freq(results.monthly if monthly is None else monthly)
        self._yearly = _no_freq(results.yearly if yearly is None else yearly)

    @property
    def monthly(self) -> pd.DataFrame:
        return self._monthly

    @property
    def yearly(self) -> pd.DataFrame:
        return self._yearly


def _no_freq(df: pd.DataFrame) -> pd.DataFrame:
    """The same table without the index's frequency tag (lost when Parquet is read back)."""
    if isinstance(df.index, pd.DatetimeIndex) and df.index.freq is not None:
        df = df.copy()
        df.index.freq = None
    return df


class StoreError(CrossingsError):
    """A stored run cannot be used (damaged, or not the run it claims to be)."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {' '.join(str(problem).split())}")


def default_store_path() -> Path:
    return Path(os.environ.get(STORE_ENV) or Path("results") / "store")


class Store:
    """Stored runs under ``root``: :meth:`get` a run by key, :meth:`put` a new one, query with SQL."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_store_path()
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(self.root, "is a file; expected a results store folder (or a new path)")
        self.catalogue_path = self.root / "catalogue.duckdb"
        self._pending: list[tuple] = []
        self._seen: list[tuple] = []
        self._flushed = time.monotonic()

    # ------------------------------------------------------------------ runs
    def path_of(self, key: str) -> Path:
        return self.root / "runs" / key[:2] / key

    def get(self, key: str, payload: dict, seed: int, version: str):
        """The stored :class:`crossings.Results` of ``key``, ``None`` if absent; refuses a bad entry."""
        path = self.path_of(key)
        if not path.is_dir():
            return None
        try:
            tables, manifest = read_run_dir(path)
        except ResultsError as e:
            raise StoreError(path, f"{e.problem}; refusing the stored run (delete the folder to compute it again)") from None
        self._check(path, manifest, key, payload, seed, version)
        missing = [t for t in ("daily", "sites_daily") if t not in tables]
        if missing:
            raise StoreError(path, f"the stored run has no {missing[0]} table; refusing it (delete the folder to compute it again)")
        res = _results(tables, manifest)
        if len(res.daily) != int(manifest.get("days", -1)):
            raise StoreError(path, f"the stored run has {len(res.daily)} days; its manifest says {manifest.get('days')}")
        self._seen.append(_row(path, manifest))  # catalogued at the next flush if the catalogue lacks it
        return res

    @staticmethod
    def _check(path, manifest, key, payload, seed, version) -> None:
        def refuse(what):
            raise StoreError(path, f"{MANIFEST} describes a different run ({what}); refusing it (delete the folder to compute it again)")

        if manifest.get("run_key") != key:
            refuse(f"its key is {str(manifest.get('run_key'))[:12]}, expected {key[:12]}")
        if manifest.get("seed") != seed:
            refuse(f"its seed is {manifest.get('seed')!r}, expected {seed}")
        if manifest.get("code_version") != version:
            refuse(f"computed by crossings {manifest.get('code_version')}, expected {version}")
        stored = manifest.get("scenario")
        if not isinstance(stored, dict) or canonical(stored) != canonical(payload):
            refuse("its resolved scenario differs from the one asked for")
        if run_key(stored, manifest["seed"], manifest["code_version"]) != key:
            refuse("its scenario, seed and version do not hash to its key")

    def find(self, prefix: str) -> list[str]:
        """Keys of stored runs that start with ``prefix`` (hex digits)."""
        prefix = prefix.lower()
        if not re.fullmatch(r"[0-9a-f]{1,64}", prefix):
            return []
        base = self.root / "runs" / prefix[:2] if len(prefix) >= 2 else self.root / "runs"
        pattern = "*" if len(prefix) >= 2 else "??/*"
        return sorted(p.name for p in base.glob(pattern) if KEY_RE.match(p.name) and p.name.startswith(prefix) and p.is_dir())

    def load(self, key: str) -> tuple["Run", dict]:
        """A stored run by its key alone, with its manifest (checked against the folder and the key)."""
        path = self.path_of(key) if KEY_RE.match(key) else None
        if path is None or not path.is_dir():
            raise StoreError(self.root, f"no stored run with key {key[:12]}")
        try:
            tables, manifest = read_run_dir(path)
        except ResultsError as e:
            raise StoreError(path, f"{e.problem}; refusing the stored run") from None
        stored = manifest.get("scenario")
        if not isinstance(stored, dict) or run_key(stored, manifest.get("seed", -1), str(manifest.get("code_version"))) != key:
            raise StoreError(path, f"{MANIFEST} does not hash to the folder's key; refusing the stored run")
        return _results(tables, manifest), manifest

    def put(self, key: str, payload: dict, seed: int, version: str, results) -> Path:
        """Store one run (atomically) and catalogue it; returns its folder."""
        if not isinstance(results, Run):
            results = Run(results)
        tables = {
            "daily": results.daily,
            "monthly": results.monthly,
            "yearly": results.yearly,
            "sites_daily": results.sites,
        }
        tables = {name: _with_key(df, key) for name, df in tables.items()}
        d = results.daily.index
        manifest = {
            "kind": "crossings stored run",
            "run_key": key,
            "code_version": version,
            "seed": int(seed),
            "scenario_name": results.scenario_name,
            "scenario": payload,
            "scenario_toml": getattr(results, "scenario_toml", ""),
            "notes": list(results.notes),
            "created": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds"),
            "start": d[0].date().isoformat() if len(d) else None,
            "end": d[-1].date().isoformat() if len(d) else None,
            "days": int(len(d)),
            "date_unit": getattr(d, "unit", "ns"),  # Parquet keeps ms or finer: restored on reading
            "totals": {m: float(results.daily[m].sum()) for m in ("crossings_total", "deaths", "public_spending_eur")
                       if m in results.daily.columns},
        }
        path = write_run_dir(self.path_of(key), tables, ("parquet",), manifest)
        # Catalogue rows are written in batches (a DuckDB transaction per run would cost more
        # than writing the run); a run stored but not yet catalogued when the process dies
        # is catalogued by reconcile() the next time the store is opened.
        self._pending.append(_row(path, manifest))
        if len(self._pending) >= 64 or time.monotonic() - self._flushed > 5.0:
            self.flush()
        return path

    def flush(self) -> None:
        """Write the catalogue rows of runs stored since the last flush."""
        rows, self._pending = self._pending, []
        seen, self._seen = self._seen, []
        self._flushed = time.monotonic()
        self._catalogue(rows, seen)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.flush()

    # ------------------------------------------------------------------ catalogue
    def _connect(self, read_only: bool = False, timeout_s: float = 60.0):
        import duckdb

        self.root.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        while True:
            try:
                con = duckdb.connect(str(self.catalogue_path), read_only=read_only)
                break
            except duckdb.IOException as e:  # another process holds the catalogue: wait briefly
                if time.monotonic() - t0 > timeout_s:
                    raise StoreError(self.catalogue_path, f"the catalogue is locked by another process ({str(e).splitlines()[0]})") from None
                time.sleep(0.05)
            except duckdb.Error as e:
                raise StoreError(self.catalogue_path, f"not a readable DuckDB catalogue ({str(e).splitlines()[0]}); "
                                 "delete it and it is rebuilt from the run folders") from None
        if not read_only:
            con.execute(_SCHEMA)
        return con

    def _catalogue(self, rows: list[tuple], if_missing: list[tuple] = ()) -> None:
        """Insert (or replace) ``rows``; insert ``if_missing`` rows only where the key is absent."""
        if not rows and not if_missing:
            return
        from filelock import FileLock

        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.root / ".catalogue.lock"), timeout=120):
            con = self._connect()
            try:
                marks = ", ".join("?" * len(_COLUMNS))
                if rows:
                    con.executemany(f"INSERT OR REPLACE INTO runs VALUES ({marks})", rows)
                if if_missing:
                    con.executemany(f"INSERT OR IGNORE INTO runs VALUES ({marks})", list(if_missing))
            finally:
                con.close()

    def run_folders(self) -> list[Path]:
        base = self.root / "runs"
        if not base.is_dir():
            return []
        return sorted(p for p in base.glob("??/*") if KEY_RE.match(p.name) and p.is_dir())

    def reconcile(self) -> tuple[int, int]:
        """Catalogue run folders the catalogue lacks, and drop rows whose folder is gone.

        Returns ``(added, dropped)``. Folders are not verified here (see :meth:`verify`)."""
        from filelock import FileLock

        folders = {p.name: p for p in self.run_folders()}
        if not folders and not self.catalogue_path.exists():
            return 0, 0
        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.root / ".catalogue.lock"), timeout=120):
            con = self._connect()
            try:
                known = {r[0] for r in con.execute("SELECT key FROM runs").fetchall()}
                gone = sorted(known - set(folders))
                rows = []
                for key in sorted(set(folders) - known):
                    try:
                        import json

                        manifest = json.loads((folders[key] / MANIFEST).read_text(encoding="utf-8"))
                    except (OSError, ValueError):
                        continue  # not a complete run folder: verify reports it
                    if isinstance(manifest, dict) and manifest.get("run_key") == key:
                        rows.append(_row(folders[key], manifest))
                if rows:
                    con.executemany(f"INSERT OR REPLACE INTO runs VALUES ({', '.join('?' * len(_COLUMNS))})", rows)
                if gone:
                    con.execute("DELETE FROM runs WHERE key IN (SELECT unnest(?))", [gone])
            finally:
                con.close()
        return len(rows), len(gone)

    def runs(self) -> pd.DataFrame:
        """The catalogue: one row per stored run, newest first."""
        self.flush()
        self.reconcile()
        if not self.catalogue_path.exists():
            return pd.DataFrame(columns=[c for c in _COLUMNS if c != "scenario_json"])
        con = self._connect(read_only=True)
        try:
            df = con.execute(
                "SELECT key, scenario, seed, version, created, start_date, end_date, days, crossings_total, deaths, "
                "public_spending_eur, path FROM runs ORDER BY created DESC, scenario, seed").df()
        finally:
            con.close()
        for c in ("start_date", "end_date"):
            df[c] = pd.to_datetime(df[c]).dt.date
        return df

    def verify(self) -> list[tuple[str, str]]:
        """Check every run folder against its manifest and key: ``[(key, problem), ...]`` of bad ones."""
        bad = []
        import json

        for p in self.run_folders():
            try:
                _, manifest = read_run_dir(p)
                stored = manifest.get("scenario")
                if not isinstance(stored, dict) or run_key(stored, manifest.get("seed"), manifest.get("code_version")) != p.name:
                    bad.append((p.name, f"{MANIFEST} does not hash to the folder's key"))
            except ResultsError as e:
                bad.append((p.name, e.problem))
            except (TypeError, ValueError, json.JSONDecodeError) as e:
                bad.append((p.name, str(e)))
        return bad

    def sql(self, query: str) -> pd.DataFrame:
        """Run a SQL query over ``runs`` (the catalogue) and the views ``daily``, ``monthly``,
        ``yearly`` and ``sites_daily`` (every stored run's tables, with a ``run_key`` column)."""
        import duckdb

        self.flush()
        self.reconcile()
        con = duckdb.connect()  # in memory: the catalogue is attached read-only, views live here
        try:
            if self.catalogue_path.exists():
                con.execute(f"ATTACH '{_sql_str(self.catalogue_path)}' AS cat (READ_ONLY)")
                con.execute("CREATE VIEW runs AS SELECT * FROM cat.runs")
                paths = [r[0] for r in con.execute("SELECT path FROM cat.runs ORDER BY key").fetchall()]
            else:
                con.execute(_SCHEMA)
                paths = []
            for t in TABLES:
                files = [str(Path(p) / f"{t}.parquet") for p in paths if (Path(p) / f"{t}.parquet").is_file()]
                if files:
                    listing = ", ".join(f"'{_sql_str(f)}'" for f in files)
                    con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet([{listing}], union_by_name = true)")
            try:
                return con.execute(query).df()
            except duckdb.Error as e:
                raise StoreError("sql", str(e).strip().splitlines()[0]) from None
        finally:
            con.close()


def _sql_str(p) -> str:
    return str(p).replace("'", "''")


def _with_key(df: pd.DataFrame, key: str) -> pd.DataFrame:
    out = df.reset_index()
    out.insert(0, "run_key", key)
    return out


def _dated(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    df = df.drop(columns=["run_key"], errors="ignore")
    df["date"] = pd.to_datetime(df["date"]).dt.as_unit(unit)
    return df.set_index("date")


def _results(tables, manifest) -> Run:
    unit = str(manifest.get("date_unit", "ns"))
    if unit not in ("s", "ms", "us", "ns"):
        unit = "ns"
    res = Results(
        daily=_dated(tables["daily"], unit),
        sites=_dated(tables["sites_daily"], unit),
        scenario_name=str(manifest.get("scenario_name", "")),
        seed=int(manifest["seed"]),
        notes=list(manifest.get("notes", [])),
        scenario_toml=str(manifest.get("scenario_toml", "")),
    )
    rolled = {t: _dated(tables[t], unit) for t in ("monthly", "yearly") if t in tables}
    return Run(res, rolled.get("monthly"), rolled.get("yearly"))


def _row(path: Path, m: dict) -> tuple:
    totals = m.get("totals") or {}

    def date(s):
        return dt.date.fromisoformat(s) if isinstance(s, str) else None

    created = m.get("created")
    return (
        m.get("run_key"), m.get("scenario_name"), m.get("seed"), m.get("code_version"),
        dt.datetime.fromisoformat(created) if isinstance(created, str) else None,
        date(m.get("start")), date(m.get("end")), m.get("days"),
        totals.get("crossings_total"), totals.get("deaths"), totals.get("public_spending_eur"),
        str(Path(path).resolve()), canonical(m.get("scenario")),
    )
