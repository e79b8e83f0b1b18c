"""The command line: a thin layer over the Python API.

    crossings run channel              simulate, print yearly figures, save tables
    crossings loop channel             the stages of a day, in order
    crossings validate my.toml         check a scenario without running it
    crossings show channel             the resolved scenario (inheritance applied) as TOML
    crossings new-scenario NAME        start a scenario from the documented template
    crossings reference                the parameter reference (Markdown, from the schema)
    crossings import-flee DIR          turn a Flee or FabFlee folder into a crossings scenario
    crossings run-sweep DIR            run each FabFlee SWEEP variant in turn
    crossings report channel           an offline HTML report and its PNG figures
    crossings screen channel           Morris screening of the priors (which parameters to calibrate)
    crossings calibrate channel        ABC-SMC (pyabc): a posterior file the scenario names
    crossings backtest channel         calibrate to a year, forecast the rest, errors and coverage
    crossings validation channel       the validation report (docs/validation.md)
    crossings serve                    the web app (page with policy levers, JSON API)

User mistakes print one line (file, field, what was expected) and exit with
status 2; nothing is written when the input is bad.
"""

from __future__ import annotations

import functools
import shutil
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from crossings.errors import CrossingsError, ScenarioError
from crossings.store.atomic import check_run_dir

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="crossings: simulate informal border-crossing systems.")
# Wide output when not writing to a terminal (pipes, CI logs), so tables are not folded.
console = Console(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def _compact(v: float) -> str:
    if v != v:
        return "-"
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.2f}bn"
    if a >= 1e6:
        return f"{v / 1e6:.1f}M"
    if a >= 1e4:
        return f"{v / 1e3:.1f}k"
    if a >= 100 or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.2f}"


def user_errors(fn):
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except CrossingsError as e:
            err_console.print(f"error: {e}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except OSError as e:
            where = getattr(e, "filename", "") or "(file system)"
            err_console.print(f"error: {where}: {e.strerror or e}", markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except MemoryError:
            err_console.print("error: not enough memory for this scenario at this scale; raise `scale` "
                              "(people per agent) or shorten the horizon", markup=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _print_table(df, title: str, fmt: dict | None = None, index: bool = True) -> None:
    t = Table(title=title, header_style="bold")
    if index:
        t.add_column(df.index.name or "", justify="right")
    for c in df.columns:
        t.add_column(str(c), justify="right", overflow="fold")
    for idx, row in df.iterrows():
        cells = []
        for v in row.values:
            if isinstance(v, float):
                if v != v:
                    cells.append("-")
                elif abs(v) >= 100 or float(v).is_integer():
                    cells.append(f"{v:,.0f}")
                else:
                    cells.append(f"{v:,.2f}")
            else:
                cells.append(str(v))
        t.add_row(*([str(idx)] if index else []), *cells)
    console.print(t)


SHORT = {
    "arrivals_corridor": "arrived",
    "crossings_total": "crossed",
    "crossings_lorry_alone": "lorry alone",
    "crossings_lorry_paid": "lorry paid",
    "crossings_boat": "boat",
    "crossings_legal": "legal",
    "paid_share": "paid share",
    "intercepted_sea": "stopped sea",
    "boats_seized": "boats seized",
    "mean_price_lorry_paid_eur": "lorry price EUR",
    "markup": "markup",
    "gangs_dismantled": "gangs dismantled",
    "intercepted_port": "stopped port",
    "intercepted_beach": "stopped beach",
    "deaths": "deaths",
    "boats_launched": "boats",
    "people_per_boat": "per boat",
    "mean_price_boat_paid_eur": "boat price EUR",
    "gangs_active": "gangs",
    "market_hhi": "HHI",
    "revenue_eur": "gang revenue EUR",
    "in_camps": "in camps (mean)",
    "evictions": "evictions",
    "people_bused": "bused",
    "left_corridor": "left",
    "pulled_back": "pulled back",
    "people_detained": "detained",
    "in_detention": "in detention (mean)",
    "public_spending_eur": "public EUR",
}


def _kernels_cached() -> bool:
    """Whether Numba has cached compiled kernels for this installation (else the first run compiles)."""
    import numba

    # this file's folder is the package's (importing crossings here would go up the floors). The
    # results stage's kernel stands for them all: every run compiles it on first use, while the few
    # helpers with a fixed signature are compiled (and cached) as soon as the package is imported.
    where = Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else Path(__file__).resolve().parent
    return where.exists() and any(where.rglob("*_count_and_compact*.nbi"))


@app.command()
@user_errors
def run(
    scenario: str = typer.Argument(..., help="Built-in scenario name (e.g. channel) or path to a TOML file."),
    seed: Optional[int] = typer.Option(None, help="Override the scenario's seed."),
    out: Optional[Path] = typer.Option(None, help="Output folder (default: results/<scenario>)."),
    formats: str = typer.Option("parquet,csv", help="Comma-separated: parquet, csv."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    market: Optional[bool] = typer.Option(None, "--market/--no-market", help="Force the smuggling market on or off."),
    no_save: bool = typer.Option(False, "--no-save", help="Print the summary only."),
    seeds: Optional[int] = typer.Option(None, min=1, help="Run an ensemble of this many seeds (from --seed, default 1) and print medians with 90% bands."),
    workers: Optional[int] = typer.Option(None, min=1, help="Ensembles: local worker processes (default: one per core)."),
    dask: Optional[str] = typer.Option(None, help="Ensembles: run on the Dask scheduler at this address (or set CROSSINGS_DASK)."),
    store: Optional[Path] = typer.Option(None, help="Ensembles: results store folder (default: $CROSSINGS_STORE or results/store)."),
    no_store: bool = typer.Option(False, "--no-store", help="Ensembles: neither read nor write the results store."),
    posterior: bool = typer.Option(False, "--posterior", help="Run draws from the posterior the scenario names (medians and 50%/90% bands)."),
    draws: int = typer.Option(50, min=1, help="With --posterior: parameter sets drawn by weight (draw k runs with seed --seed + k)."),
):
    """Simulate a scenario day by day; print yearly figures and save daily/monthly/yearly tables.

    With --seeds N, run N replicates (each stored once in the results store), print the yearly
    medians with 90% bands and save the reduced tables. With --posterior, run --draws parameter
    sets from the scenario's posterior, each with its own seed, and report the same bands."""
    from crossings.scenario.loader import load_scenario

    fmts = tuple(f.strip() for f in formats.split(",") if f.strip())
    bad = [f for f in fmts if f not in ("parquet", "csv")]
    if bad:
        raise ScenarioError("(command line)", "--formats", f"parquet and/or csv, not {', '.join(bad)}")
    if not fmts and not no_save:
        raise ScenarioError("(command line)", "--formats", "at least one of parquet, csv (or --no-save)")
    if out is not None and not no_save:
        check_run_dir(out, fmts)  # a bad --out is reported before the run, not after it
    sc = load_scenario(scenario, seed=seed)
    if posterior:
        from crossings.calibrate.posterior import scenario_posterior

        scenario_posterior(scenario)  # a scenario that names no posterior is refused before anything runs
    if not no_save and out is None:
        check_run_dir(_default_out(sc) if seeds is None and not posterior else _ensemble_out(sc), fmts)
    if getattr(sc, "model", "corridor") == "flee":
        if seeds is not None:
            raise ScenarioError(scenario, "model", "a corridor scenario for --seeds (Flee scenarios run one seed)")
        return _run_flee(sc, scenario, seed, out, fmts, progress, no_save)
    if posterior:
        if seeds is not None:
            raise ScenarioError("(command line)", "--seeds", "not with --posterior (each draw runs with its own seed; set --draws)")
        return _run_ensemble(sc, draws, seed, out, fmts, progress, market, no_save, workers, dask, store, no_store, scenario)
    if seeds is not None:
        return _run_ensemble(sc, seeds, seed, out, fmts, progress, market, no_save, workers, dask, store, no_store)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from crossings.sim import Sim

    if not _kernels_cached():
        err_console.print("compiling the simulation kernels (first run after installing; later runs start at once)...",
                          markup=False)
    sim = Sim(sc, market=market)
    if progress:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} days"),
                      TimeElapsedColumn(), console=err_console, transient=True) as bar:
            task = bar.add_task(f"{sc.name} seed {sc.seed}", total=sim.n_days)
            step = max(1, sim.n_days // 200)

            def cb(day, total):
                if day % step == 0 or day == total:
                    bar.update(task, completed=day)

            res = sim.run(progress=cb)
    else:
        res = sim.run()
    summary = res.summary().rename(columns=SHORT)
    t = Table(title=f"{sc.name}: {sc.start} to {sc.end}, seed {sc.seed}, {sc.scale:g} people per agent", header_style="bold")
    t.add_column("per year", justify="left")
    for y in summary.index:
        t.add_column(str(y), justify="right")
    for col in summary.columns:
        t.add_row(col, *[_compact(float(v)) for v in summary[col].values])
    console.print(t)
    for note in res.notes:
        console.print(note if note.startswith("warning: ") else f"note: {note}", markup=False, soft_wrap=True)
    if not no_save:
        dest = out if out is not None else _default_out(sc)
        paths = res.save(dest, fmts)
        console.print(f"saved {len(paths)} files and a manifest to {dest}/ (daily, monthly, yearly, sites_daily)", markup=False)


def _default_out(sc) -> Path:
    """``results/<name>``; the scenario's name is a single folder name (checked by the schema)."""
    return Path("results") / str(getattr(sc, "name", "flee"))


def _run_flee(sc, scenario, seed, out, fmts, progress, no_save):
    from crossings.flee.sim import FleeSim

    run_seed = int(getattr(sc, "seed", 0))  # the scenario's seed, already overridden by --seed
    res = FleeSim(sc, seed=run_seed).run(progress=progress)
    table = res.summary_table()
    _print_table(table, f"{getattr(sc, 'name', scenario)} (Flee-type scenario)")
    has_series = sc.validation is not None and bool(sc.validation.camps)
    if has_series:
        _print_flee_ard(res)
    else:
        console.print("note: no ARD (the scenario has no camp validation series)", markup=False)
    if not no_save:
        dest = out if out is not None else _default_out(sc)
        _save_flee(sc, res, dest, fmts, has_series)
        what = "daily, ard_daily, and out in Flee's out.csv layout" if has_series else "daily"
        console.print(f"saved to {dest}/ ({what})", markup=False)


def _print_flee_ard(res) -> None:
    """The ARD per day (every k-th day, the last day) and overall, as Flee's post-processing."""
    daily = res.ard_daily()
    step = max(1, len(daily) // 12)
    show = daily.iloc[sorted(set(range(0, len(daily), step)) | {len(daily) - 1})]
    show = show.set_index("day")[["date", "ard", "error_not_rescaled"]]
    show.columns = ["date", "ARD (rescaled)", "error (not rescaled)"]
    show = show.assign(**{c: show[c].map(lambda v: f"{v:.4f}")
                          for c in ("ARD (rescaled)", "error (not rescaled)")})
    _print_table(show, f"validation error by day (every {step}th day; all days in ard_daily)")
    console.print(f"ARD over {len(daily)} days (rescaled, Flee's metric): {res.ard():.4f}; "
                  f"not rescaled: {daily['error_not_rescaled'].mean():.4f}", markup=False)


def _save_flee(sc, res, dest: Path, fmts, has_series: bool) -> None:
    """A Flee run's tables as a run folder: daily, and with camp series ard_daily and out
    (Flee's out.csv layout, readable by Flee's plot_flee_output)."""
    from crossings.scenario.loader import dump_toml
    from crossings.store.atomic import write_run_dir

    tables = {"daily": res.daily}
    if has_series:
        tables["ard_daily"] = res.ard_daily()
        tables["out"] = res.validation_table()
    manifest = {"kind": "flee run", "scenario_name": str(getattr(sc, "name", "flee")),
                "scenario_toml": dump_toml(sc), "seed": res.seed}
    write_run_dir(dest, tables, fmts, manifest)


@app.command()
@user_errors
def loop(scenario: str = typer.Argument("channel", help="Scenario name or path.")):
    """List the stages of a simulated day, in the order they run."""
    from crossings.sim import Sim

    sim = Sim(scenario)
    t = Table(title=f"A day in '{sim.scenario.name}'", show_lines=True)
    for c in ("order", "stage", "module", "reads", "writes", "what it does"):
        t.add_column(c, overflow="fold")
    for _, row in sim.loop.table().iterrows():
        t.add_row(*[str(v) for v in row.values])
    console.print(t)


@app.command()
@user_errors
def profile(scenario: str = typer.Argument("channel"), seed: Optional[int] = None):
    """Run a scenario and show the wall time spent in each stage."""
    from crossings.sim import Sim

    Sim(scenario, seed=seed).run(days=30)  # JIT warm-up
    res = Sim(scenario, seed=seed).run(profile=True)
    df = res.profile.set_index("stage")
    _print_table(df, "time per stage (s)")


@app.command()
@user_errors
def check(
    scenario: str = typer.Argument("channel", help="Scenario name or path (its outputs are compared with its folder's observed.csv, or its parent's)."),
    seeds: int = typer.Option(3, min=1, help="Number of seeds (1, 2, ...)."),
    out: Optional[Path] = typer.Option(None, help="Also write the table to this CSV file (and the patterns to NAME_patterns.csv beside it)."),
):
    """Compare runs with the scenario's observed figures (observed value and spread, model mean and range), and
    the ratios between them listed in its folder's patterns.csv."""
    from crossings.calibrate import by_series, compare, distance, score
    from crossings.calibrate.patterns import load_patterns, pattern_file, pattern_table
    from crossings.calibrate.targets import load_observed
    from crossings.ensemble import Ensemble

    obs, obs_path = load_observed(scenario)
    pat_path = pattern_file(scenario)
    patterns = load_patterns(pat_path, obs) if pat_path else None  # a bad file fails before any run
    # seeds run in parallel with a progress bar (runs done, runs/s, time left); not stored
    runs = Ensemble(scenario, seeds=seeds).run(store=None, progress=True).runs
    table = compare(runs, obs)
    if table.empty:
        raise ScenarioError(obs_path, "series", "at least one row whose series the model produces over the simulated "
                            "period (a named series, an output column or site:NAME; docs/calibration.md)")
    show = table[["series", "period", "observed", "model_mean", "model_min", "model_max", "source"]].set_index("series")
    _print_table(show, f"{runs[0].scenario_name}: model ({seeds} seeds) against observed figures")
    _print_table(by_series(table), "per series: mean |log(model / observed)| and distance outside the sources' spread")
    console.print(f"mean |log(model / observed)| = {score(table):.2f} over {len(table)} figures", markup=False)
    console.print(f"distance (series weighted equally, 0 inside the sources' spread) = {distance(table):.2f}", markup=False)
    pats = pattern_table(table, patterns) if patterns is not None else None
    if pats is not None and not pats.empty:
        _print_table(pats.drop(columns="why").set_index("pattern"),
                     "patterns: ratios of observed figures (model: ratio of the rows' means; factor_outside 1 = inside the observed range)")
        console.print(f"patterns within their factor: {int(pats.within.sum())} of {len(pats)} ({pat_path.name})", markup=False)
    if out:
        table.to_csv(out, index=False)
        if pats is not None and not pats.empty:
            pats.to_csv(Path(out).with_name(Path(out).stem + "_patterns.csv"), index=False)


@app.command()
@user_errors
def validate(scenario: str = typer.Argument(..., help="Scenario name or path.")):
    """Check a scenario file without running it."""
    from crossings.scenario.loader import load_scenario

    sc = load_scenario(scenario)
    # everything `run` does before its first day: compile the world and the timeline, place the
    # initial population, set up the market (so validate and run refuse the same scenarios)
    if getattr(sc, "model", "corridor") == "flee":
        from crossings.flee.sim import FleeSim

        FleeSim(sc, seed=sc.seed)
        console.print(f"ok: {sc.name} (Flee-type scenario, {len(sc.locations)} locations, {len(sc.routes)} routes)", markup=False)
    else:
        from crossings.sim import Sim

        sim = Sim(sc)
        console.print(f"ok: {sc.name} ({len(sc.sites)} sites, {len(sc.routes)} routes, {len(sc.policies)} policies)", markup=False)
        for note in sim.warnings:
            console.print(f"warning: {note}", markup=False, soft_wrap=True)


@app.command()
@user_errors
def show(scenario: str = typer.Argument(..., help="Scenario name or path.")):
    """Print the resolved scenario (inheritance applied, defaults filled) as TOML."""
    from crossings.scenario.loader import dump_toml, load_scenario

    sys.stdout.write(dump_toml(load_scenario(scenario)))


@app.command("new-scenario")
@user_errors
def new_scenario(
    name: str = typer.Argument(..., help="Name of the new scenario (also its folder name)."),
    directory: Path = typer.Option(Path("."), "--dir", help="Where to create the folder."),
    inherit: Optional[str] = typer.Option(None, help="Start from a built-in scenario and override it (e.g. channel)."),
    template: str = typer.Option("generic", help="generic (camps, a port and a coast), sea-route (boats, rescue, detention, "
                                 "a third country's coastguard) or land-border (lorries at crossing points)."),
):
    """Create a scenario folder from a documented template (or inheriting a built-in)."""
    import os

    import tomli_w

    from crossings.scenario.loader import BUILTIN, TEMPLATE, TEMPLATES, load_scenario, resolve

    if not name.replace("-", "").replace("_", "").isalnum() or not name.isascii():
        raise ScenarioError("(command line)", "NAME", "letters, digits, '-' or '_'")
    templates = {"generic": TEMPLATE, "sea-route": TEMPLATES / "sea-route", "land-border": TEMPLATES / "land-border"}
    if template not in templates:
        raise ScenarioError("(command line)", "--template", f"one of {', '.join(templates)} (got '{template}')")
    if inherit is not None and template != "generic":
        raise ScenarioError("(command line)", "--template", "no template together with --inherit (the parent is the template)")
    dest = directory / name
    if dest.exists():
        raise ScenarioError(str(dest), "(folder)", "a folder that does not exist yet (refusing to overwrite)")
    if inherit is not None:
        parent = resolve(inherit)
        if not parent.is_file():
            raise ScenarioError("(command line)", "--inherit", f"a built-in scenario or an existing scenario file; '{inherit}' is neither")
        load_scenario(inherit)  # the parent must itself be valid
        # the child resolves its parent relative to its own folder
        ref = inherit if parent.parent.parent == BUILTIN else os.path.relpath(parent.resolve(), dest.resolve())
        dest.mkdir(parents=True)
        (dest / "scenario.toml").write_text(
            "# A scenario that inherits another and overrides a few values.\n"
            + "# Every key is documented in docs/reference.md.\n"
            + tomli_w.dumps({"inherits": ref, "name": name}) + "\n"
            "# Example: a second major clearance (policies are appended to the parent's).\n"
            "# [[policies]]\n# type = \"camp_clearance\"\n# site = \"Calais camps\"\n# date = 2024-06-01\n"
            "# buses = 25\n# seats_per_bus = 20\n# acceptance = 0.37\n"
        )
    else:
        shutil.copytree(templates[template], dest)
        p = dest / "scenario.toml"
        p.write_text(p.read_text().replace('name = "template"', f'name = "{name}"', 1))
    console.print(f"created {dest}/scenario.toml; run it with: crossings run {dest}", markup=False)


@app.command()
@user_errors
def reference(out: Optional[Path] = typer.Option(None, help="Write to this file instead of stdout.")):
    """The parameter reference (every key, unit, default, source), generated from the schema."""
    from crossings.scenario.reference import render

    text = render()
    if out:
        out.write_text(text)
    else:
        sys.stdout.write(text)


@app.command("import-flee")
@user_errors
def import_flee(
    folder: Path = typer.Argument(..., help="Flee input folder (locations.csv, ...) or FabFlee config folder (input_csv/, source_data/, simsetting.yml)."),
    validation: Optional[Path] = typer.Option(None, help="Flee validation folder (data_layout.csv and camp series); default: source_data/ or the folder itself."),
    settings: Optional[Path] = typer.Option(None, help="A simsetting.yml elsewhere (default: the folder's own, else Flee's published defaults)."),
    days: Optional[int] = typer.Option(None, help="Simulate N days instead of sim_period.csv's Length (as the duration argument of Flee's run script)."),
    sweep: bool = typer.Option(False, "--sweep", help="Import each FabFlee SWEEP/ variant; --out is then a folder (one scenario file per variant)."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Scenario file to write (default flee_scenario.toml; with --sweep a folder, default <folder>_sweep)."),
):
    """Import a Flee scenario folder (or FabFlee config folder, or its SWEEP) as crossings scenarios."""
    from crossings.flee.importer import import_flee as _imp
    from crossings.flee.importer import import_sweep, write_scenario

    if sweep:
        scenarios = import_sweep(folder, validation, settings=settings, days=days)
        dest = out if out is not None else Path(f"{Path(folder).resolve().name}_sweep")
        for sc in scenarios:
            _print_import_notes(sc)
            write_scenario(sc, dest / f"{sc.name}.toml")
        console.print(f"wrote {len(scenarios)} scenarios to {dest}/; run them with: "
                      f"crossings run-sweep {dest}", markup=False)
        return
    sc = _imp(folder, validation=validation, settings=settings, days=days)
    _print_import_notes(sc)
    dest = out if out is not None else Path("flee_scenario.toml")
    write_scenario(sc, dest)
    console.print(f"wrote {dest}; run it with: crossings run {dest}", markup=False)


def _print_import_notes(sc) -> None:
    for note in sc.import_notes:
        err_console.print(f"note: {sc.name}: {note}", markup=False, highlight=False, soft_wrap=True)


@app.command("run-sweep")
@user_errors
def run_sweep(
    folder: Path = typer.Argument(..., help="FabFlee config folder with SWEEP/, or a folder written by 'import-flee --sweep'."),
    seeds: int = typer.Option(1, min=1, help="Seeds per variant (0, 1, ...)."),
    out: Optional[Path] = typer.Option(None, help="Output folder (default: results/<folder>)."),
    no_save: bool = typer.Option(False, "--no-save", help="Print the summary only."),
):
    """Run each Flee SWEEP variant in turn and compare their ARD."""
    from crossings.flee.sweep import load_sweep
    from crossings.flee.sweep import run_sweep as _run

    scenarios = load_sweep(folder)
    dest = out if out is not None else Path("results") / Path(folder).resolve().name

    def save(sc, seed, res):
        has_series = sc.validation is not None and bool(sc.validation.camps)
        err_console.print(f"{sc.name} seed {seed}: "
                          + (f"ARD {res.ard():.4f}" if has_series else "no ARD"), markup=False)
        if not no_save:
            _save_flee(sc, res, dest / sc.name / f"seed-{seed}", ("csv",), has_series)

    table = _run(scenarios, list(range(seeds)), on_result=save)
    summary = table.groupby("scenario", sort=False).agg(
        seeds=("seed", "count"), ard_mean=("ard", "mean"), ard_min=("ard", "min"),
        ard_max=("ard", "max"), people_end=("people_end", "mean"))
    _print_table(summary, f"{len(scenarios)} variants of {Path(folder).name}, {seeds} seed(s) each")
    if not no_save:
        dest.mkdir(parents=True, exist_ok=True)
        table.to_csv(dest / "sweep.csv", index=False)
        console.print(f"saved to {dest}/ (sweep.csv, one folder per variant and seed)", markup=False)


# ----------------------------------------------------------------------------- ensembles


def _store_arg(store: Optional[Path], no_store: bool):
    """The results store a command uses: ``--store``, else $CROSSINGS_STORE, else results/store."""
    from crossings.store import Store

    return None if no_store else Store(store)


def _ensemble_out(sc) -> Path:
    return Path("results") / f"{sc.name}-ensemble"


def _band_cell(median: float, low: float, high: float) -> str:
    if median != median:
        return "-"
    return f"{_compact(median)}\n[dim]{_compact(low)}–{_compact(high)}[/dim]"


def _batch_line(batch, store) -> str:
    where = f" (store: {store.root})" if store is not None else " (no store)"
    how = f" on {batch.backend}" if batch.computed else ""
    return (f"{batch.computed + batch.from_store} runs: {batch.computed} computed{how}, "
            f"{batch.from_store} from the store{where}, {batch.seconds:.1f} s")


def _run_ensemble(sc, n_seeds, first_seed, out, fmts, progress, market, no_save, workers, dask, store, no_store,
                  posterior_of=None):
    from crossings.ensemble import Ensemble
    from crossings.ensemble.reductions import tidy
    from crossings.ensemble.replicates import seed_list
    from crossings.store.atomic import write_run_dir

    if market is not None:
        sc = sc.model_copy(update={"market": sc.market.model_copy(update={"enabled": bool(market)})})
    seeds = seed_list(n_seeds, first=first_seed if first_seed is not None else 1)
    st = _store_arg(store, no_store)
    if posterior_of is not None:
        from crossings.calibrate.posterior import draws as posterior_draws
        from crossings.calibrate.posterior import scenario_posterior

        path = scenario_posterior(posterior_of)
        ens = Ensemble(sc, seeds=seeds, draws=posterior_draws(sc, path, len(seeds), seeds[0]), paired=True)
        what = f"{len(seeds)} posterior draws ({path.name}, draw k with seed {seeds[0]}+k)"
    else:
        ens = Ensemble(sc, seeds=seeds)
        what = f"{len(seeds)} seeds ({seeds[0]}-{seeds[-1]})"
    res = ens.run(store=st, workers=workers, dask=dask, progress=progress)
    summary = res.summary()
    t = Table(title=f"{sc.name}: {sc.start} to {sc.end}, {what}, "
              "median and 90% band (5th-95th percentile across runs)", header_style="bold", show_lines=True)
    t.add_column("per year", justify="left")
    years = list(summary.index)
    for y in years:
        t.add_column(str(y), justify="right")
    for metric in dict.fromkeys(summary.columns.get_level_values(0)):
        sub = summary[metric]
        t.add_row(SHORT.get(metric, metric), *[_band_cell(float(sub["median"].iloc[i]), float(sub["p5"].iloc[i]),
                                                          float(sub["p95"].iloc[i])) for i in range(len(years))])
    console.print(t)
    notes = dict.fromkeys(n for r in res.runs for n in r.notes)
    for note in notes:
        console.print(f"note: {note}", markup=False, soft_wrap=True)
    console.print(_batch_line(res.batch, st), markup=False)
    if not no_save:
        dest = out if out is not None else _ensemble_out(sc)
        tables = {f"{name}_bands": tidy(res.bands(name)).reset_index() for name in ("yearly", "monthly", "sites_yearly")}
        manifest = {"kind": "crossings ensemble", "scenario_name": sc.name, "seeds": seeds,
                    "run_keys": [r.key for r in res.replicates], "scenario_toml": res.runs[0].scenario_toml}
        write_run_dir(dest, tables, fmts, manifest)
        console.print(f"saved the reduced tables (median, 50% and 90% bands) to {dest}/", markup=False)


def _parse_day(text: Optional[str], option: str):
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ScenarioError("(command line)", option, f"a date YYYY-MM-DD (got {text!r})") from None


@app.command()
@user_errors
def compare(
    scenario: str = typer.Argument(..., help="Baseline scenario: built-in name (e.g. channel) or TOML path."),
    policy: list[Path] = typer.Option(..., "--policy", help="Policy file (TOML overlay with [[policies]]); repeat for several."),
    seeds: int = typer.Option(20, min=1, help="Seeds 1..N, the same for the baseline and every policy."),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day compared (default: the first day a policy acts)."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day compared (default: the scenario's end)."),
    workers: Optional[int] = typer.Option(None, min=1, help="Local worker processes (default: one per core)."),
    dask: Optional[str] = typer.Option(None, help="Run on the Dask scheduler at this address (or set CROSSINGS_DASK)."),
    store: Optional[Path] = typer.Option(None, help="Results store folder (default: $CROSSINGS_STORE or results/store)."),
    no_store: bool = typer.Option(False, "--no-store", help="Neither read nor write the results store."),
    out: Optional[Path] = typer.Option(None, help="Also write each comparison table (CSV) into this folder."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    posterior: bool = typer.Option(False, "--posterior", help="Draw one parameter set per seed from the baseline's posterior (applied to baseline and policy alike)."),
):
    """Compare policies with a baseline on the same seeds (common random numbers): differences with bands."""
    from crossings.ensemble.compare import compare as run_compare
    from crossings.store.atomic import check_run_dir, write_run_dir

    start, end = _parse_day(date_from, "--from"), _parse_day(date_to, "--to")
    if out is not None:
        check_run_dir(out, ("csv",))
    st = _store_arg(store, no_store)
    ds = None
    if posterior:
        from crossings.calibrate.posterior import draws as posterior_draws
        from crossings.calibrate.posterior import scenario_posterior
        from crossings.scenario.loader import load_scenario

        ds = posterior_draws(load_scenario(scenario), scenario_posterior(scenario), seeds, 1)
    comps = run_compare(scenario, [str(p) for p in policy], seeds=seeds, start=start, end=end, store=st,
                        workers=workers, dask=dask, progress=progress, draws=ds)
    tables = {}
    for c in comps:
        tab = c.table()
        t = Table(title=f"{c.policy_name} minus {c.baseline_name}, {c.start} to {c.end}, {len(c.seeds)} seeds "
                  "(same seeds: common random numbers)", header_style="bold")
        for col, j in (("", "left"), ("baseline\n(median)", "right"), ("with policy\n(median)", "right"),
                       ("difference\n(median)", "right"), ("50% band", "right"), ("90% band", "right")):
            t.add_column(col, justify=j)
        for label, row in tab.iterrows():
            cost = row["key"] == "cost_per_prevented_eur"
            name = label if not cost or row["seeds"] == len(c.seeds) else f"{label} [{row['seeds']} of {len(c.seeds)} seeds]"
            t.add_row(name, "" if cost else _compact(row["baseline"]), "" if cost else _compact(row["policy"]),
                      _signed(row["difference"]), _band(row["low50"], row["high50"]), _band(row["low90"], row["high90"]))
        console.print(t)
        console.print("Differences are policy minus baseline for each seed; the 50% and 90% bands hold the middle 50% "
                      "and 90% of the per-seed differences (25th-75th and 5th-95th percentiles). A band that excludes 0 "
                      "means the policy moved that figure the same way in most seeds. The cost per crossing prevented is "
                      "the extra public spending over the crossings prevented, in the seeds where crossings fell.",
                      markup=False, soft_wrap=True)
        tables[c.policy_name] = tab.reset_index()
    console.print(_batch_line(comps[0].batch, st), markup=False)
    if out is not None:
        manifest = {"kind": "crossings comparison", "baseline": scenario, "policies": [str(p) for p in policy],
                    "seeds": comps[0].seeds}
        write_run_dir(out, tables, ("csv",), manifest)
        console.print(f"saved the comparison tables to {out}/", markup=False)


def _signed(v: float) -> str:
    if v != v:
        return "-"
    return ("+" if v > 0 else "") + _compact(v)


def _band(lo: float, hi: float) -> str:
    if lo != lo:
        return "-"
    return f"{_signed(lo)} to {_signed(hi)}"


@app.command()
@user_errors
def sweep(
    scenario: str = typer.Argument(..., help="Scenario name or path."),
    param: list[str] = typer.Option(..., "--param", help="NAME=v1,v2 or NAME=LOW:HIGH:COUNT (grid); NAME=LOW:HIGH (sobol, morris). Names are dotted: people.beta_success, sites[Calais camps].capacity."),
    design: str = typer.Option("grid", help="grid, sobol or morris."),
    n: int = typer.Option(16, min=1, help="Sobol: base sample (a power of 2; n*(d+2) points). Morris: trajectories (n*(d+1) points)."),
    seeds: int = typer.Option(3, min=1, help="Seeds 1..N at every point."),
    output: str = typer.Option("crossings_total", help="The figure reported (a column of the results, e.g. deaths)."),
    year: Optional[int] = typer.Option(None, help="Report the figure for this year (default: the whole horizon)."),
    workers: Optional[int] = typer.Option(None, min=1, help="Local worker processes (default: one per core)."),
    dask: Optional[str] = typer.Option(None, help="Run on the Dask scheduler at this address (or set CROSSINGS_DASK)."),
    store: Optional[Path] = typer.Option(None, help="Results store folder (default: $CROSSINGS_STORE or results/store)."),
    no_store: bool = typer.Option(False, "--no-store", help="Neither read nor write the results store."),
    out: Optional[Path] = typer.Option(None, help="Also write the tables (CSV) into this folder."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
):
    """Sweep scenario parameters by dotted name (grid, Sobol or Morris design) with bands at every point."""
    from crossings.ensemble.replicates import _scenario
    from crossings.ensemble.sweeps import Sweep, grid, morris, parse_param, sobol
    from crossings.store.atomic import check_run_dir, write_run_dir

    if design not in ("grid", "sobol", "morris"):
        raise ScenarioError("(command line)", "--design", f"grid, sobol or morris (not {design!r})")
    if out is not None:
        check_run_dir(out, ("csv",))
    sc = _scenario(scenario)
    specs = dict(parse_param(sc, p, design) for p in param)
    d = grid(specs) if design == "grid" else sobol(specs, n) if design == "sobol" else morris(specs, n)
    st = _store_arg(store, no_store)
    res = Sweep(sc, d, seeds=seeds).run(store=st, workers=workers, dask=dask, progress=progress)
    table = res.outcome(output, year)
    period = f"in {year}" if year is not None else f"{sc.start} to {sc.end}"
    show = table[[*d.names, "median", "p5", "p95"]].rename(columns={"p5": "90% band low", "p95": "90% band high"})
    if len(show) > 40:
        console.print(f"{len(show)} points; the first 40 are shown (--out writes them all)", markup=False)
    _print_table(show.head(40), f"{output} {period}: {d.kind} design, {len(d.points)} points x {len(res.seeds)} seeds")
    tables = {"points": table.reset_index()}
    if design != "grid":
        si = res.sensitivity(output, year)
        _print_table(si, f"{'Sobol indices' if design == 'sobol' else 'Morris elementary effects'} of the mean {output} over seeds")
        tables["sensitivity"] = si.reset_index()
    console.print(_batch_line(res.batch, st), markup=False)
    if out is not None:
        write_run_dir(out, tables, ("csv",), {"kind": "crossings sweep", "scenario": scenario, "design": design,
                                            "params": list(param), "seeds": res.seeds, "output": output, "year": year})
        console.print(f"saved the sweep tables to {out}/", markup=False)


def _calib_dir(name: str) -> Path:
    return Path("results") / "calibration" / name


def _check_csv_out(path: Optional[Path], option: str) -> None:
    if path is not None and path.suffix != ".csv":
        raise ScenarioError("(command line)", option, f"a file name ending in .csv (got {path})")
    if path is not None and path.exists() and path.is_dir():
        raise ScenarioError("(command line)", option, f"a file, not a folder ({path})")


@app.command()
@user_errors
def screen(
    scenario: str = typer.Argument("channel", help="Scenario name or path (its priors.toml and observed.csv)."),
    trajectories: int = typer.Option(4, min=2, help="Morris trajectories (trajectories x (parameters + 1) points)."),
    scale: Optional[float] = typer.Option(None, min=1, help="People per agent for the screening runs (default: the scenario's)."),
    seeds: int = typer.Option(1, min=1, help="Seeds 1..K at every point (common random numbers)."),
    levels: int = typer.Option(4, min=2, help="Morris grid levels."),
    priors: Optional[Path] = typer.Option(None, help="Priors file (default: priors.toml beside the scenario)."),
    out: Optional[Path] = typer.Option(None, help="Folder for screening.csv/.md (default: results/calibration/<name>/)."),
    workers: Optional[int] = typer.Option(None, min=1, help="Local worker processes (default: one per core)."),
    dask: Optional[str] = typer.Option(None, help="Run on the Dask scheduler at this address."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
):
    """Morris screening of every prior against the calibration distance: mu*, sigma, and the parameters kept."""
    from crossings.calibrate.model import Target
    from crossings.calibrate.priors import priors_for
    from crossings.calibrate.screening import screen as run_screen
    from crossings.calibrate.targets import load_observed
    from crossings.scenario.loader import load_scenario

    sc = load_scenario(scenario)
    pri = priors_for(scenario, sc, priors)
    obs, _ = load_observed(scenario)
    target = Target.build(sc, pri, obs, scale=scale)
    res = run_screen(target, trajectories, list(range(1, seeds + 1)), levels, workers=workers, dask=dask, progress=progress)
    dest = out if out is not None else _calib_dir(sc.name)
    res.save(dest)
    _print_table(res.table[["mu_star", "mu_star_conf", "mu", "sigma", "kept"]],
                 f"Morris screening, {res.runs} runs at scale {res.scale:g}: mu* of the calibration distance")
    console.print(f"kept {len(res.kept)} of {len(res.table)}: {', '.join(res.kept)}", markup=False, soft_wrap=True)
    console.print(f"saved screening.csv, screening.md, screening_per_series.csv and screening_points.csv to {dest}/ "
                  f"({res.seconds:.0f} s)", markup=False)


@app.command()
@user_errors
def calibrate(
    scenario: str = typer.Argument("channel", help="Scenario name or path (its priors.toml, screening.csv and observed.csv)."),
    budget: Optional[int] = typer.Option(None, min=1, help="Simulations in all (every generation, every resumed session); required unless --generation."),
    scale: Optional[float] = typer.Option(None, min=1, help="People per agent for the calibration runs (default: the scenario's)."),
    population: int = typer.Option(50, min=2, help="Particles per generation."),
    db: Optional[Path] = typer.Option(None, help="pyabc history (SQLite); rerun with the same --db to continue (default: results/calibration/<name>/calibration.db)."),
    dask: Optional[str] = typer.Option(None, help="Run on the Dask scheduler at this address (pyabc's DaskDistributedSampler)."),
    local_cluster: bool = typer.Option(False, "--local-cluster", help="Start a distributed.LocalCluster on 127.0.0.1 and run on it."),
    workers: Optional[int] = typer.Option(None, min=1, help="Local processes (default: one per core)."),
    out: Optional[Path] = typer.Option(None, help="Posterior CSV (and its .json sidecar) (default: results/calibration/<name>/posterior.csv)."),
    priors: Optional[Path] = typer.Option(None, help="Priors file (default: priors.toml beside the scenario)."),
    screening: Optional[Path] = typer.Option(None, help="Screening table whose kept parameters are free (default: screening.csv beside the scenario)."),
    all_free: bool = typer.Option(False, "--all-free", help="Free every prior, whatever the screening kept."),
    free: Optional[int] = typer.Option(None, "--free", min=1, help="Free the N parameters the screening ranks highest, kept or not (default: those it kept)."),
    also: Optional[list[str]] = typer.Option(None, "--also", help="Free this prior too, whatever the screening ranked it (repeatable): a parameter that moves one series only ranks low on the distance over all series."),
    until: Optional[int] = typer.Option(None, help="Fit only rows ending by 31 December of this year (and simulate to then)."),
    distance: str = typer.Option("adaptive", help="adaptive: pyabc's adaptive p-norm (series scaled by their spread each generation); equal: every series weighted equally, the distance `crossings check` reports; balanced: adaptive with no series weighing more than 4 times another; point: balanced, on each series' mean |log(model / observed)| (the validation's median score) instead of its distance outside the sources' spread."),
    transition: str = typer.Option("normal", help="The proposal: normal (pyabc's MultivariateNormalTransition, one covariance for the population) or local (its LocalTransition: each particle's covariance from its nearest neighbours)."),
    generation: Optional[int] = typer.Option(None, min=1, help="Run nothing: write the posterior of this finished generation of --db (1 = the first after the prior sample) to --out, with the options the calibration ran with, to judge a calibration generation by generation."),
):
    """ABC-SMC (pyabc) of the scenario's free parameters against its observed series; writes a posterior file."""
    from crossings.calibrate.abc import DISTANCES, TRANSITIONS, posterior_of_generation
    from crossings.calibrate.abc import calibrate as run_abc
    from crossings.calibrate.model import Target
    from crossings.calibrate.posterior import write_posterior
    from crossings.calibrate.screening import free_priors
    from crossings.calibrate.targets import load_observed, rows_until
    from crossings.scenario.loader import load_scenario

    if dask is not None and local_cluster:
        raise ScenarioError("(command line)", "--dask", "either --dask ADDRESS or --local-cluster, not both")
    if (budget is None) == (generation is None):
        raise ScenarioError("(command line)", "--budget", "either --budget N (simulations in all) to calibrate, or "
                            "--generation N to write a finished generation of --db, not both and not neither")
    if distance not in DISTANCES:
        raise CrossingsError(f"--distance: one of {', '.join(DISTANCES)} (got {distance!r})")
    if transition not in TRANSITIONS:
        raise CrossingsError(f"--transition: one of {', '.join(TRANSITIONS)} (got {transition!r})")
    _check_csv_out(out, "--out")
    sc = load_scenario(scenario)
    pri = free_priors(scenario, sc, priors, screening, all_free, free, also or ())
    obs, _ = load_observed(scenario)
    target = Target.build(sc, pri, rows_until(obs, until), scale=scale, until=until)
    dest = out if out is not None else _calib_dir(sc.name) / "posterior.csv"
    db = db if db is not None else _calib_dir(sc.name) / "calibration.db"
    if generation is not None:
        if out is None:  # the default is the calibration's own posterior, which a generation must not replace unasked
            raise ScenarioError("(command line)", "--out", "a posterior file for the generation written (the default "
                                f"is the calibration's own posterior, {dest})")
        cal = posterior_of_generation(target, db, generation, distance, transition)
        cal.meta["also"] = list(also or ())  # priors freed beyond the screening's (--also)
        write_posterior(cal.particles, cal.weights, cal.meta, dest)
        m = cal.meta
        console.print(f"generation {generation} of {m['generations_in_database']} in {db}: {m['simulations']} simulations "
                      f"up to it, epsilon {m['final_epsilon']:.3f}, effective sample size {m['effective_sample_size']:.1f} "
                      f"of {m['population']}; posterior written to {dest} (and {dest.with_suffix('.json')})",
                      markup=False, soft_wrap=True)
        return
    console.print(f"calibrating {len(pri.names)} free parameters against {len(target.series)} series "
                  f"({len(target.observed)} rows) at scale {target.scenario.scale:g}, budget {budget}; history in {db}",
                  markup=False, soft_wrap=True)
    cal = run_abc(target, budget, population, db, workers, dask, local_cluster, label="crossings calibrate", quiet=False,
                  distance=distance, transition=transition)
    cal.meta["also"] = list(also or ())  # priors freed beyond the screening's (--also)
    write_posterior(cal.particles, cal.weights, cal.meta, dest)
    from crossings.calibrate.posterior import marginals

    _print_table(marginals(cal.particles, cal.weights.to_numpy()), "posterior (prior space): weighted 5%, 50%, 95% and mean")
    m = cal.meta
    console.print(f"{m['simulations']} simulations, {m['generations']} generations, final epsilon {m['final_epsilon']:.3f}, "
                  f"{m['wall_seconds'] / 60:.1f} min; posterior written to {dest} (and {dest.with_suffix('.json')})",
                  markup=False, soft_wrap=True)


@app.command()
@user_errors
def backtest(
    scenario: str = typer.Argument("channel", help="Scenario name or path."),
    until: int = typer.Option(2022, help="Calibrate on rows ending by 31 December of this year; forecast the rest."),
    budget: int = typer.Option(..., min=1, help="Simulations for the calibration."),
    scale: Optional[float] = typer.Option(None, min=1, help="People per agent (default: the scenario's)."),
    population: int = typer.Option(50, min=2, help="Particles per generation."),
    draws: int = typer.Option(40, min=1, help="Posterior draws for the forecast."),
    db: Optional[Path] = typer.Option(None, help="pyabc history (default: in --out)."),
    out: Optional[Path] = typer.Option(None, help="Folder for backtest.csv, backtest_rows.csv, backtest.json and the posterior (default: results/calibration/<name>/backtest-<until>, with -hold for --inflow-after hold)."),
    workers: Optional[int] = typer.Option(None, min=1, help="Local processes (default: one per core)."),
    dask: Optional[str] = typer.Option(None, help="Run on the Dask scheduler at this address."),
    screening: Optional[Path] = typer.Option(None, help="Screening table whose kept parameters are free."),
    free: Optional[int] = typer.Option(None, "--free", min=1, help="Free the N parameters the screening ranks highest, kept or not (default: those it kept)."),
    also: Optional[list[str]] = typer.Option(None, "--also", help="Free this prior too, as in `crossings calibrate --also` (repeatable)."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    distance: str = typer.Option("adaptive", help="The ABC distance, as in `crossings calibrate --distance` (adaptive, equal, balanced or point)."),
    transition: str = typer.Option("normal", help="The ABC proposal, as in `crossings calibrate --transition` (normal or local)."),
    inflow_after: str = typer.Option("scenario", "--inflow-after", help="The inflow after the cutoff: scenario (the scenario's knots: a forecast given the inflow) or hold (knots after the cutoff dropped, the inflow held at the last knot before it: nothing after the cutoff enters)."),
):
    """Calibrate on the data up to a year, forecast the years after with the known policy inputs, report errors and coverage."""
    from crossings.calibrate.abc import DISTANCES, TRANSITIONS
    from crossings.calibrate.backtest import run_backtest

    if distance not in DISTANCES:
        raise CrossingsError(f"--distance: one of {', '.join(DISTANCES)} (got {distance!r})")
    if transition not in TRANSITIONS:
        raise CrossingsError(f"--transition: one of {', '.join(TRANSITIONS)} (got {transition!r})")
    bt = run_backtest(scenario, until, budget, scale, population, draws, db, out, workers, dask, False, None, screening,
                      progress=progress, top=free, also=also or (), distance=distance, transition=transition, inflow_after=inflow_after)
    if bt.per_series.empty:
        raise ScenarioError("(command line)", "--until", "a year before the last observed rows (nothing is held out)")
    _print_table(bt.per_series, f"backtest: calibrated to {until}, forecast after it ({draws} draws)")
    for s, errs in bt.meta.get("headline", {}).items():
        if errs:
            console.print(f"{s}: " + ", ".join(f"{p} {e:+.0%}" for p, e in errs.items()), markup=False)


@app.command()
@user_errors
def validation(
    scenario: str = typer.Argument("channel", help="Scenario name or path (must name a posterior)."),
    draws: int = typer.Option(100, min=1, help="Posterior draws, by weight (draw k = 0, 1, ... runs with seed --seed + k); 100 by default: with 30, another set of draws moves the median's score by about 0.02 (docs/calibration.md)."),
    seed: int = typer.Option(1, min=0, help="First seed of the draws: another seed, another set of draws (the report's figures vary with it)."),
    scale: Optional[float] = typer.Option(None, min=1, help="People per agent (default: the posterior's)."),
    out: Path = typer.Option(Path("docs/validation.md"), help="The report (its PNGs go in a folder of the same name)."),
    backtest_dir: Optional[Path] = typer.Option(None, "--backtest", help="A saved backtest folder (default: backtest/ beside the scenario)."),
    workers: Optional[int] = typer.Option(None, min=1, help="Local processes (default: one per core)."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
):
    """Regenerate the validation report: posterior-predictive bands against every observed series."""
    from crossings.calibrate.validation import validate_posterior

    if out.suffix != ".md":
        raise ScenarioError("(command line)", "--out", f"a Markdown file name ending in .md (got {out})")
    r = validate_posterior(scenario, draws, scale, out, backtest_dir, workers=workers, progress=progress, seed=seed)
    console.print(f"90% band coverage: {r['coverage_90_annual']:.0%} of annual rows, {r['coverage_90_all']:.0%} of all "
                  f"{r['rows']} rows; posterior median's mean |log(model / observed)| = {r['mean_abs_log_ratio']:.2f}"
                  f"{_annual_clause(r['mean_abs_log_ratio_annual'])}; "
                  f"one run at a time (the check's distance, the median's score): draws {r['runs_fit']['draws_median'][0]:.2f} / "
                  f"{r['runs_fit']['draws_median'][1]:.2f}, the scenario's own values {r['runs_fit']['point_median'][0]:.2f} / "
                  f"{r['runs_fit']['point_median'][1]:.2f}{_worst_half(r['by_parameter'])}; written to {out}",
                  markup=False, soft_wrap=True)


def _annual_clause(score: float) -> str:
    """The median's score over the annual rows alone, as a clause of the CLI's summary line (empty
    when the posterior's table has no annual row)."""
    return f" ({score:.2f} over the annual rows alone)" if score == score else ""


def _worst_half(by_parameter: dict) -> str:
    """The parameter whose draws above and below its median score farthest apart (validation's
    "Which draws fit worse"), as a clause of the CLI's summary line; empty if none can be told."""
    k = next((k for k, v in by_parameter.items() if v["halves_apart"] == v["halves_apart"]), None)  # rows come in
    if k is None:  # decreasing order of halves_apart, NaN (an empty half) last
        return ""
    v = by_parameter[k]
    return (f"; draws that fit worse: {k} (median's score {v['score_lower_half']:.2f} at or below its median, "
            f"{v['score_upper_half']:.2f} above)")


@app.command()
@user_errors
def runs(
    store: Optional[Path] = typer.Option(None, help="Results store folder (default: $CROSSINGS_STORE or results/store)."),
    scenario: Optional[str] = typer.Option(None, help="Only runs of this scenario name."),
    limit: int = typer.Option(50, min=1, help="Show at most this many (newest first)."),
    verify: bool = typer.Option(False, help="Check every stored run against its manifest and key."),
):
    """List the runs in the results store (query them with `crossings sql`)."""
    st = _store_arg(store, False)
    df = st.runs()
    if scenario is not None:
        df = df[df["scenario"] == scenario]
    total = len(df)
    show = df.head(limit).copy()
    show["key"] = show["key"].str[:12]
    show["created"] = show["created"].astype(str)
    show = show[["key", "scenario", "seed", "version", "created", "start_date", "end_date", "crossings_total", "deaths"]]
    _print_table(show.set_index("key"), f"{total} stored runs in {st.root}" + (f" (newest {limit})" if total > limit else ""))
    if verify:
        bad = st.verify()
        for key, problem in bad:
            console.print(f"BAD {key[:12]}: {problem}", markup=False, soft_wrap=True)
        console.print(f"verified {len(st.run_folders())} run folders: {len(bad)} bad", markup=False)
        if bad:
            raise typer.Exit(1)


@app.command()
@user_errors
def sql(
    query: str = typer.Argument(..., help="SQL over the tables runs, daily, monthly, yearly, sites_daily (join on runs.key = yearly.run_key)."),
    store: Optional[Path] = typer.Option(None, help="Results store folder (default: $CROSSINGS_STORE or results/store)."),
    csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
):
    """Query the results store with SQL (DuckDB), e.g.
    crossings sql "select r.seed, sum(y.crossings_total) from yearly y join runs r on r.key = y.run_key group by 1"."""
    st = _store_arg(store, False)
    df = st.sql(query)
    if csv:
        sys.stdout.write(df.to_csv(index=False))
    else:
        _print_table(df, f"{len(df)} rows", index=False)


@app.command()
@user_errors
def report(
    target: str = typer.Argument(..., help="Scenario (built-in name or TOML path), or the key (or its first digits) of a stored run."),
    policy: Optional[Path] = typer.Option(None, "--policy", help="Policy file (TOML overlay): baseline and policy side by side, on the same seeds."),
    seeds: int = typer.Option(3, min=1, help="Seeds 1..N (ignored for a stored run)."),
    out: Optional[Path] = typer.Option(None, help="Folder for report.html and figures/ (default: results/report/<name>)."),
    workers: Optional[int] = typer.Option(None, min=1, help="Local worker processes (default: one per core)."),
    store: Optional[Path] = typer.Option(None, help="Results store folder (default: $CROSSINGS_STORE or results/store)."),
    no_store: bool = typer.Option(False, "--no-store", help="Neither read nor write the results store."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
):
    """Write an offline HTML report (figures embedded) and its PNG figures for a scenario, a comparison or a stored run."""
    from crossings.report import gather, write

    if out is not None and out.exists() and not out.is_dir():
        raise ScenarioError("(command line)", "--out", f"a folder (not the file {out})")
    st = _store_arg(store, no_store)
    data = gather(target, policy=str(policy) if policy is not None else None, seeds=seeds, store=st,
                  workers=workers, progress=progress)
    dest = out if out is not None else Path("results") / "report" / _report_name(data)
    written = write(data, dest)
    console.print(f"wrote {written['html']} and {len(written) - 1} figures in {dest / 'figures'}/", markup=False)


def _report_name(data) -> str:
    names = [g.scenario.name for g in data.groups]
    return "-vs-".join(reversed(names)) if len(names) > 1 else names[0]


@app.command()
@user_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (anything but loopback requires a token)."),
    port: int = typer.Option(8000, min=0, max=65535, help="Port (0: any free port)."),
    token: Optional[str] = typer.Option(None, envvar="CROSSINGS_TOKEN", help="Token every API call must carry (Authorization: Bearer ...); generated when listening beyond loopback without one."),
    store: Optional[Path] = typer.Option(None, help="Results store folder (default: $CROSSINGS_STORE or results/store)."),
    scenarios: Optional[Path] = typer.Option(None, help="A folder of extra scenario files (*.toml) offered besides the built-in ones."),
    queue: int = typer.Option(8, min=1, max=1000, help="Jobs waiting at most; more are refused with 429."),
    max_seeds: int = typer.Option(20, min=1, max=1000, help="Seeds per request at most."),
    max_agent_days: float = typer.Option(2e9, min=1, help="Agents x days per scenario run at most."),
):
    """Start the web app (page and JSON API) under uvicorn."""
    from crossings.web.server import serve as _serve

    if scenarios is not None and not scenarios.is_dir():
        raise ScenarioError("(command line)", "--scenarios", f"an existing folder of scenario files (*.toml), not {scenarios}")
    _serve(host=host, port=port, token=token, store=store, scenarios=scenarios, queue=queue, max_seeds=max_seeds,
           max_agent_days=max_agent_days, echo=lambda m: console.print(m, markup=False, soft_wrap=True))


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings for users (deprecated parameter names) as one line, without the source line."""
    return f"warning: {message}\n"


def main() -> None:
    import warnings

    warnings.formatwarning = _one_line_warning
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
