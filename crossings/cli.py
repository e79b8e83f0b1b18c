"""The command line: a thin layer over the Python API.

    crossings run channel              simulate, print yearly figures, save tables
    crossings loop channel             the stages of a day, in order
    crossings validate my.toml         check a scenario without running it
    crossings show channel             the resolved scenario (inheritance applied) as TOML
    crossings new-scenario NAME        start a scenario from the documented template
    crossings reference                the parameter reference (Markdown, from the schema)
    crossings import-flee DIR          turn a Flee or FabFlee folder into a crossings scenario
    crossings run-sweep DIR            run each FabFlee SWEEP variant in turn

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


def _print_table(df, title: str, fmt: dict | None = None) -> None:
    t = Table(title=title, header_style="bold")
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
        t.add_row(str(idx), *cells)
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
    "public_spending_eur": "public EUR",
}


def _kernels_cached() -> bool:
    """Whether Numba has cached compiled kernels for this installation (else the first run compiles)."""
    import numba

    # this file's folder is the package's (importing crossings here would go up the floors)
    where = Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else Path(__file__).resolve().parent
    return where.exists() and any(where.rglob("*.nbi"))


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
):
    """Simulate a scenario day by day; print yearly figures and save daily/monthly/yearly tables."""
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
    if not no_save and out is None:
        check_run_dir(_default_out(sc), fmts)
    if getattr(sc, "model", "corridor") == "flee":
        return _run_flee(sc, scenario, seed, out, fmts, progress, no_save)
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
    scenario: str = typer.Argument("channel", help="Scenario name or path (its outputs are compared with the Channel data)."),
    seeds: int = typer.Option(3, min=1, help="Number of seeds (1, 2, ...)."),
    out: Optional[Path] = typer.Option(None, help="Also write the table to this CSV file."),
):
    """Compare runs with the observed Channel figures (observed value and spread, model mean and range)."""
    from crossings.calibrate import by_series, compare, distance, score
    from crossings.sim import Sim

    runs = [Sim(scenario, seed=s).run() for s in range(1, seeds + 1)]
    table = compare(runs)
    show = table[["series", "period", "observed", "model_mean", "model_min", "model_max", "source"]].set_index("series")
    _print_table(show, f"{runs[0].scenario_name}: model ({seeds} seeds) against observed figures")
    _print_table(by_series(table), "per series: mean |log(model / observed)| and distance outside the sources' spread")
    console.print(f"mean |log(model / observed)| = {score(table):.2f} over {len(table)} figures", markup=False)
    console.print(f"distance (series weighted equally, 0 inside the sources' spread) = {distance(table):.2f}", markup=False)
    if out:
        table.to_csv(out, index=False)


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
):
    """Create a scenario folder from the documented template (or inheriting a built-in)."""
    import os

    import tomli_w

    from crossings.scenario.loader import BUILTIN, TEMPLATE, load_scenario, resolve

    if not name.replace("-", "").replace("_", "").isalnum() or not name.isascii():
        raise ScenarioError("(command line)", "NAME", "letters, digits, '-' or '_'")
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
        shutil.copytree(TEMPLATE, dest)
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


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
