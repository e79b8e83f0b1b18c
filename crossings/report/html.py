"""The report as one self-contained HTML file (figures embedded as base64 PNG, styles inline,
no scripts, no fonts or images fetched from anywhere) and the same figures as PNG files."""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

import numpy as np

from crossings.report.data import ReportData, comparison_text, compact, key_figures, key_text
from crossings.report.figures import COMPARISON_FIGURE, FIGURES

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}
th:first-child,td:first-child{text-align:left}img{max-width:100%;height:auto;border:1px solid #eee}
.muted{color:#666;font-size:.9em}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:.75em;max-height:30em}
"""


def png_bytes(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def figures(data: ReportData) -> list[tuple[str, str, bytes]]:
    """``(stem, title, png)`` for every figure of the report."""
    specs = list(FIGURES) + ([COMPARISON_FIGURE] if data.comparison is not None else [])
    return [(stem, title, png_bytes(fn(data))) for stem, title, fn in specs]


def _table(df, index_name: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [index_name, *df.columns])
    rows = "".join("<tr>" + f"<td>{html.escape(str(i))}</td>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r)
                   + "</tr>" for i, r in zip(df.index, df.itertuples(index=False), strict=True))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _comparison_table(data: ReportData) -> str:
    tab = data.comparison.table()
    show = tab.assign(
        baseline=[compact(v) if k != "cost_per_prevented_eur" else "" for v, k in zip(tab["baseline"], tab["key"], strict=True)],
        policy=[compact(v) if k != "cost_per_prevented_eur" else "" for v, k in zip(tab["policy"], tab["key"], strict=True)],
        difference=[_signed(v) for v in tab["difference"]],
        band50=[f"{_signed(a)} to {_signed(b)}" if np.isfinite(a) else "-" for a, b in zip(tab["low50"], tab["high50"], strict=True)],
        band90=[f"{_signed(a)} to {_signed(b)}" if np.isfinite(a) else "-" for a, b in zip(tab["low90"], tab["high90"], strict=True)],
    )[["baseline", "policy", "difference", "band50", "band90", "seeds"]]
    show.columns = ["baseline (median)", "with policy (median)", "difference (median)", "50% band", "90% band", "seeds"]
    return _table(show)


def _signed(v: float) -> str:
    if v != v:
        return "-"
    return ("+" if v > 0 else "") + compact(v)


def render(data: ReportData, figs: list[tuple[str, str, bytes]]) -> str:
    sc = data.scenario
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">"
             f"<title>{e(data.title)}</title><style>{CSS}</style></head><body>"]
    parts.append(f"<h1>{e(data.title)}</h1><p class='muted'>{e(sc.start.isoformat())} to {e(sc.end.isoformat())}; "
                 f"{len(data.groups[0].runs)} seed(s); generated {e(data.created)} by crossings {e(data.version)}</p>")
    if getattr(sc, "description", ""):
        parts.append(f"<p>{e(sc.description)}</p>")
    parts.append("<p class='muted'>Lines are medians over seeds; shaded areas hold 90% of the seeds (5th to 95th "
                 "percentile). Observed figures are drawn over the period they cover (horizontal segment) with the spread "
                 "between their sources (vertical bar); a yearly count on a monthly chart is shown as its mean month.</p>")
    if data.comparison is not None:
        c = data.comparison
        parts.append(f"<h2>Policy against baseline</h2><p>{e(c.policy_name)} minus {e(c.baseline_name)}, "
                     f"{c.start} to {c.end}, on the same {len(c.seeds)} seeds (common random numbers). The bands hold the "
                     "middle 50% and 90% of the per-seed differences; the cost per crossing prevented is the extra public "
                     "spending over the crossings prevented, in the seeds where crossings fell.</p>")
        parts.append(f"<p>{e(comparison_text(c))}</p>")
        parts.append(_comparison_table(data))
    parts.append("<h2>In short</h2>" + "".join(f"<p>{e(key_text(g))}</p>" for g in data.groups))
    for g in data.groups:
        parts.append(f"<h2>Key yearly figures: {e(g.label)}</h2><p class='muted'>median (90% band) over "
                     f"{len(g.runs)} seed(s)</p>")
        parts.append(_table(key_figures(g), "per year"))
    for stem, title, png in figs:
        b64 = base64.b64encode(png).decode("ascii")
        parts.append(f"<h2 id='{e(stem)}'>{e(title)}</h2><img alt='{e(title)}' src='data:image/png;base64,{b64}'>")
    parts.append("<h2>What produced this report</h2><table>")
    prov = [("asked for", data.source), ("scenario", f"{sc.name}"), ("crossings version", data.version),
            ("posterior", data.posterior)]
    for g in data.groups:
        prov.append((f"seeds ({g.label})", ", ".join(str(s) for s in g.seeds)))
        if g.keys:
            prov.append((f"stored run keys ({g.label})", ", ".join(k[:12] for k in g.keys)))
    parts += [f"<tr><td>{e(k)}</td><td style='text-align:left'>{e(str(v))}</td></tr>" for k, v in prov]
    parts.append("</table>")
    from crossings.scenario import dump_toml

    for g in data.groups:
        parts.append(f"<details><summary>resolved scenario: {e(g.label)}</summary><pre>{e(dump_toml(g.scenario))}</pre></details>")
    parts.append("</body></html>")
    return "".join(parts)


def write(data: ReportData, out: Path) -> dict:
    """Write ``report.html`` and ``figures/<name>.png`` into ``out`` (each file replaced atomically)."""
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    figs = figures(data)
    written = {}
    for stem, _, png in figs:
        written[stem] = _atomic(out / "figures" / f"{stem}.png", png)
    written["html"] = _atomic(out / "report.html", render(data, figs).encode("utf-8"))
    return written


def _atomic(path: Path, content: bytes) -> Path:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(content)
    os.replace(tmp, path)
    return path
