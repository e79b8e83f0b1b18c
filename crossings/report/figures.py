"""The report's figures, drawn with Matplotlib's object API (no pyplot: safe in a server thread).

Each function takes a :class:`~crossings.report.data.ReportData` and returns a
:class:`matplotlib.figure.Figure`. Every group (the scenario, or a baseline and a policy)
is drawn as its median over seeds with the 90% band across seeds; observed figures are
drawn over the period they cover (a horizontal segment) with the spread between their
sources (a vertical bar).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from crossings.report.data import LABELS, Group, ReportData, compact, observed_points

COLOURS = ("#1f5fa8", "#d2661a", "#2e8b57", "#8b3a8b")
OBSERVED = "#222222"


def _fig(n: int, title: str, ncols: int | None = None) -> tuple[Figure, list]:
    ncols = ncols or min(n, 2)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(5.2 * ncols, 3.0 * nrows + 0.5), dpi=90, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=12)
    return fig, axes[:n]


def _fmt(ax) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)


def bands(ax, groups: list[Group], table: str, metric: str, title: str | None = None) -> bool:
    """Median and 90% band of ``metric`` for each group; False if no group has it."""
    drew = False
    for i, g in enumerate(groups):
        b = g.band(table, metric)
        if b is None:
            continue
        c = COLOURS[i % len(COLOURS)]
        x = b.index
        ax.fill_between(x, b["low"], b["high"], color=c, alpha=0.2, linewidth=0)
        ax.plot(x, b["median"], color=c, lw=1.5, label=f"{g.label} (median, 90% band)")
        drew = True
    ax.set_title(title or LABELS.get(metric, metric), fontsize=10)
    _fmt(ax)
    if not drew:
        ax.text(0.5, 0.5, "not in these results", ha="center", va="center", transform=ax.transAxes, color="grey")
    return drew


def observed(ax, data: ReportData, series: str, per_month: bool = True) -> None:
    pts = observed_points(series, data.start, data.end, per_month, data.observed)
    for k, (_, p) in enumerate(pts.iterrows()):
        mid = p["start"] + (p["end"] - p["start"]) / 2
        ax.hlines(p["value"], p["start"], p["end"], color=OBSERVED, lw=2,
                  label="observed (period covered, sources' spread)" if k == 0 else None)
        ax.vlines(mid, p["low"], p["high"], color=OBSERVED, lw=1)


def _legend(fig, axes) -> None:
    handles, labels = {}, []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in handles:
                handles[lab] = h
                labels.append(lab)
    if handles:
        fig.legend([handles[k] for k in labels], labels, loc="outside lower center", ncols=min(3, len(labels)), fontsize=8)


def crossings_by_mode(data: ReportData) -> Figure:
    panels = [("crossings_total", None), ("crossings_boat", "small_boat_arrivals"),
              ("crossings_lorry", "lorry_arrivals_uk"), ("crossings_legal", None)]
    fig, axes = _fig(4, "Crossings by mode, per month")
    for ax, (m, obs) in zip(axes, panels, strict=True):
        bands(ax, data.groups, "monthly", m)
        if obs:
            observed(ax, data, obs)
    _legend(fig, axes)
    return fig


def attempts_interceptions(data: ReportData) -> Figure:
    panels = [("attempts_lorry", "attempts on lorries (people)"), ("attempts_boat_all", "people on boats that tried to launch"),
              ("intercepted_port", "stopped at the ports"), ("intercepted_beach", "stopped on the beaches"),
              ("stopped_launch", "stopped at launch"), ("intercepted_sea", "stopped at sea")]
    fig, axes = _fig(len(panels), "Attempts and interceptions by place, per month", ncols=3)
    for ax, (m, t) in zip(axes, panels, strict=True):
        bands(ax, data.groups, "monthly", m, t)
        if m == "attempts_boat_all":
            observed(ax, data, "sea_attempts_people")
    _legend(fig, axes)
    return fig


def people_per_boat(data: ReportData) -> Figure:
    fig, axes = _fig(1, "People per boat that reached the UK, monthly")
    bands(axes[0], data.groups, "monthly", "people_per_boat")
    observed(axes[0], data, "people_per_boat", per_month=False)
    _legend(fig, axes)
    return fig


def deaths(data: ReportData) -> Figure:
    panels = [("deaths_sea", "at sea"), ("deaths_launch", "at launch"), ("deaths_lorry", "on lorries and in the ports"),
              ("deaths", "all")]
    fig, axes = _fig(4, "Deaths by place, per month")
    for ax, (m, t) in zip(axes, panels, strict=True):
        bands(ax, data.groups, "monthly", m, t)
    _legend(fig, axes)
    return fig


def prices(data: ReportData) -> Figure:
    fig, axes = _fig(3, "Prices paid for a place, by product (EUR, monthly mean)")
    bands(axes[0], data.groups, "monthly", "mean_price_boat_paid_eur", "boat")
    observed(axes[0], data, "price_boat_eur", per_month=False)
    bands(axes[1], data.groups, "monthly", "mean_price_lorry_access_paid_eur", "lorry access place")
    observed(axes[1], data, "price_lorry_access_eur", per_month=False)
    bands(axes[2], data.groups, "monthly", "mean_price_lorry_guaranteed_paid_eur", "guaranteed lorry place")
    observed(axes[2], data, "price_lorry_guaranteed_eur", per_month=False)
    _legend(fig, axes)
    return fig


def market(data: ReportData) -> Figure:
    panels = [("gangs_active", "groups active"), ("market_hhi", "concentration (HHI, 0-1)"),
              ("revenue_eur", "revenue (EUR per month)"), ("gangs_dismantled", "groups dismantled per month")]
    fig, axes = _fig(4, "Smuggling groups, concentration and revenue")
    for ax, (m, t) in zip(axes, panels, strict=True):
        bands(ax, data.groups, "monthly", m, t)
    _legend(fig, axes)
    return fig


def camps(data: ReportData) -> Figure:
    sc = data.scenario
    names = [s.name for s in sc.sites if s.kind == "camp"]
    obs_series = {"Calais camps": "camp_population_calais", "Grande-Synthe camps": "camp_population_dunkirk"}
    fig, axes = _fig(max(1, len(names)), "People in camps by site (monthly mean); clearances and evictions marked")
    lo, hi = data.start, data.end
    for ax, name in zip(axes, names, strict=False):
        bands(ax, data.groups, "sites_monthly", name, name)
        if name in obs_series:
            observed(ax, data, obs_series[name], per_month=False)
        for k, g in enumerate(data.groups):
            ls = "--" if k == 0 else ":"
            for p in g.scenario.policies:
                if p.type == "camp_clearance" and p.site == name:
                    for day in _clearance_days(p, sc.end):
                        if lo <= pd.Timestamp(day) <= hi:
                            ax.axvline(pd.Timestamp(day), color="#b22222", ls=ls, lw=1,
                                       label=f"clearance ({g.label})" if len(data.groups) > 1 else "clearance")
                if p.type == "routine_evictions" and name in p.sites:
                    a = max(pd.Timestamp(p.start), lo)
                    b = min(pd.Timestamp(p.end), hi) if p.end else hi
                    if a <= b:
                        ax.axvspan(a, b, color=COLOURS[k % len(COLOURS)], alpha=0.06,
                                   label=f"routine evictions ({g.label})" if len(data.groups) > 1 else "routine evictions")
                        ax.annotate(f"evicted every {p.interval_days:g} d", xy=(a, 1.0), xycoords=("data", "axes fraction"),
                                    fontsize=7, va="top", color="#555555")
    _legend(fig, axes)
    return fig


def _clearance_days(p, horizon_end) -> list:
    if not p.interval_days:
        return [p.date]
    last = p.until or horizon_end
    out, d = [], pd.Timestamp(p.date)
    while d <= pd.Timestamp(last) and len(out) < 400:
        out.append(d)
        d += pd.Timedelta(days=p.interval_days)
    return out


def time_to_cross(data: ReportData) -> Figure:
    fig, axes = _fig(1, "Time from arrival to crossing (days, mean of those who crossed that month)")
    bands(axes[0], data.groups, "monthly", "mean_days_to_cross", "days")
    _legend(fig, axes)
    return fig


def spending(data: ReportData) -> Figure:
    channels = ["port", "beach", "sea", "intelligence", "camps"]
    n = 3 if data.comparison is not None else 2
    fig, axes = _fig(n, "Public spending and its cost", ncols=n)
    ax = axes[0]
    width = 0.8 / len(data.groups)
    for k, g in enumerate(data.groups):
        y = g.bands("yearly")
        years = np.array([d.year for d in y.index], dtype=float)
        bottom = np.zeros(len(years))
        for j, ch in enumerate(channels):
            col = f"spending_{ch}_eur"
            if col not in y.columns.get_level_values(0):
                continue
            v = y[col]["median"].to_numpy()
            ax.bar(years + (k - (len(data.groups) - 1) / 2) * width, v, width, bottom=bottom,
                   color=COLOURS[j % len(COLOURS)] if j < len(COLOURS) else "#999999", alpha=1.0 if k == 0 else 0.55,
                   label=ch if k == 0 else None, edgecolor="white", lw=0.3)
            bottom += v
    ax.set_title("public spending by channel (EUR per year, median)" +
                 ("; faded: " + data.groups[1].label if len(data.groups) > 1 else ""), fontsize=9)
    _fmt(ax)
    ax.legend(fontsize=7)
    bands(axes[1], data.groups, "yearly", "public_cost_per_interception_eur", "public cost per person intercepted (EUR, yearly)")
    if data.comparison is not None:
        ax = axes[2]
        d = data.comparison.differences()["cost_per_prevented_eur"].to_numpy(dtype=float)
        d = d[np.isfinite(d)]
        if d.size:
            ax.boxplot([d], whis=(5, 95), widths=0.5, showfliers=True)
            ax.set_xticks([1], [f"{d.size} of {len(data.comparison.seeds)} seeds"])
            _fmt(ax)
        else:
            ax.text(0.5, 0.5, "the policy prevented no crossings\nin any seed", ha="center", va="center",
                    transform=ax.transAxes, color="grey")
        ax.set_title("public cost per crossing prevented (EUR; box 25-75%, whiskers 5-95%)", fontsize=9)
    _legend(fig, axes[1:2])
    return fig


def site_map(data: ReportData) -> Figure:
    """Sites at their coordinates (no tiles), the routes between them, and the flows over the run:
    the border area (camps, ports, coasts, destination) on the left, every site on the right."""
    sc = data.scenario
    g = data.groups[0]
    fig = Figure(figsize=(11, 5.5), dpi=90, layout="constrained")
    near, whole = fig.subplots(1, 2, width_ratios=[1.4, 1])
    fig.suptitle(f"Sites, routes and flows ({g.label}; medians over seeds, whole run)", fontsize=12)
    sites_mean = pd.concat(g.table("sites_monthly")).mean() if g.runs else pd.Series(dtype=float)
    totals = {m: float(np.median([t[m].sum() for t in g.table("yearly")])) for m in
              ("crossings_boat", "crossings_lorry", "crossings_legal", "people_bused")}
    border = [s for s in sc.sites if s.kind in ("camp", "port", "coast", "destination")] or list(sc.sites)
    for ax, shown, labels in ((near, border, True), (whole, list(sc.sites), False)):
        _draw_sites(ax, sc, shown, sites_mean, labels)
    if border:
        xs, ys = [s.lon for s in border], [s.lat for s in border]
        px, py = max(0.05, 0.12 * (max(xs) - min(xs))), max(0.05, 0.12 * (max(ys) - min(ys)))
        near.set_xlim(min(xs) - px, max(xs) + px)
        near.set_ylim(min(ys) - py, max(ys) + py)
    near.set_title("border area", fontsize=10)
    whole.set_title("all sites", fontsize=10)

    def centroid(kind):
        pts = [(s.lon, s.lat) for s in sc.sites if s.kind == kind]
        return tuple(np.mean(pts, axis=0)) if pts else None

    biggest = max([v for v in totals.values() if np.isfinite(v)] + [1.0])

    def arrow(ax, fr, to, value, text, colour):
        ax.annotate("", xy=to, xytext=fr, zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color=colour, alpha=0.7, lw=0.5 + 6 * value / biggest))
        ax.annotate(text, ((fr[0] + to[0]) / 2, (fr[1] + to[1]) / 2), fontsize=8, color=colour, zorder=4)

    dest = [s for s in sc.sites if s.kind == "destination"]
    if dest:
        to = (dest[0].lon, dest[0].lat)
        for kind, m, what in (("coast", "crossings_boat", "by boat"), ("port", "crossings_lorry", "by lorry"),
                              ("camp", "crossings_legal", "by a legal route")):
            fr = centroid(kind)
            if fr is not None and totals[m] > 0:
                arrow(near, fr, to, totals[m], f"{compact(totals[m])} {what}", "#d2661a")
    fr, to = centroid("camp"), centroid("shelter")
    if fr and to and totals["people_bused"] > 0:
        arrow(whole, fr, to, totals["people_bused"], f"{compact(totals['people_bused'])} bused to shelters", "#8b3a8b")
    near.legend(fontsize=7, loc="best")
    return fig


KINDS = {"camp": ("o", "#b22222"), "port": ("s", "#1f5fa8"), "coast": ("^", "#2e8b57"),
         "shelter": ("D", "#8b3a8b"), "destination": ("*", "#000000"), "elsewhere": ("x", "#777777")}


def _draw_sites(ax, sc, shown, sites_mean, labels: bool) -> None:
    pos = {s.name: (s.lon, s.lat) for s in sc.sites}
    for r in sc.routes:
        if r.a in pos and r.b in pos:
            (x0, y0), (x1, y1) = pos[r.a], pos[r.b]
            ax.plot([x0, x1], [y0, y1], color="#cccccc", lw=0.8, zorder=1)
    top = max(1.0, float(sites_mean.max())) if len(sites_mean) else 1.0
    for kind, (marker, colour) in KINDS.items():
        pts = [s for s in shown if s.kind == kind]
        if not pts:
            continue
        sizes = [30 + 200 * math.sqrt(max(0.0, float(sites_mean.get(s.name, 0.0))) / top) for s in pts]
        ax.scatter([s.lon for s in pts], [s.lat for s in pts], s=sizes, marker=marker, color=colour,
                   label=f"{kind} (size: mean people)" if kind in ("camp", "shelter") else kind, zorder=3)
        for s in pts:
            ax.annotate(s.name, (s.lon, s.lat), fontsize=7 if labels else 6, xytext=(4, 3), textcoords="offset points")
    lat0 = float(np.mean([s.lat for s in shown])) if shown else 0.0
    ax.set_aspect(1.0 / max(0.1, math.cos(math.radians(lat0))), adjustable="box")
    ax.set_xlabel("longitude", fontsize=8)
    ax.set_ylabel("latitude", fontsize=8)
    ax.grid(alpha=0.2)
    ax.tick_params(labelsize=8)


def comparison(data: ReportData) -> Figure:
    """Policy minus baseline per indicator: the median difference with its 50% and 90% bands."""
    tab = data.comparison.table()
    tab = tab[np.isfinite(tab["difference"]) & (tab["key"] != "cost_per_prevented_eur")]
    fig = Figure(figsize=(9, 0.32 * len(tab) + 1.5), dpi=90, layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(tab))[::-1]
    rel = lambda v, base: v / abs(base) * 100 if base else np.nan  # noqa: E731
    for yi, (_, row) in zip(y, tab.iterrows(), strict=True):
        b = row["baseline"]
        ax.hlines(yi, rel(row["low90"], b), rel(row["high90"], b), color=COLOURS[1], lw=1.2)
        ax.hlines(yi, rel(row["low50"], b), rel(row["high50"], b), color=COLOURS[1], lw=4, alpha=0.6)
        ax.plot(rel(row["difference"], b), yi, "o", color=COLOURS[1])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, [s.strip() for s in tab.index], fontsize=8)
    ax.set_xlabel("policy minus baseline, % of the baseline median (dot: median; thick: 50% band; thin: 90% band)", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    c = data.comparison
    fig.suptitle(f"{c.policy_name} against {c.baseline_name}, {c.start} to {c.end}, {len(c.seeds)} seeds", fontsize=11)
    return fig


# (file stem, title, function): the report's figures in the order they appear
FIGURES = [
    ("crossings_by_mode", "Crossings by mode against the observed figures", crossings_by_mode),
    ("attempts_interceptions", "Attempts and interceptions by place", attempts_interceptions),
    ("people_per_boat", "People per boat", people_per_boat),
    ("deaths", "Deaths by place", deaths),
    ("prices", "Prices by mode", prices),
    ("market", "Smuggling groups, concentration and revenue", market),
    ("camps", "Camp populations by site, with clearances and evictions", camps),
    ("time_to_cross", "Time from arrival to crossing", time_to_cross),
    ("spending", "Public spending and cost per prevented crossing", spending),
    ("map", "Map of sites and flows", site_map),
]
COMPARISON_FIGURE = ("comparison", "Policy against baseline: differences with bands", comparison)
