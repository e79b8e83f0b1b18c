"""``crossings report``: every figure written and non-empty, the HTML self-contained and
rendered by headless Chromium without any request leaving the machine; comparisons, stored
runs and bad input."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from ensemble_worlds import LEGAL_ROUTE, invoke, write_policy
from web_helpers import CHROMIUM, artifacts, write_short

from crossings.report.figures import COMPARISON_FIGURE, FIGURES


def _non_empty_png(path: Path) -> None:
    from matplotlib.image import imread

    assert path.is_file() and path.stat().st_size > 5000, path
    img = imread(path)
    assert img.shape[0] > 200 and img.shape[1] > 200
    # something is drawn: more than a handful of distinct colours, and not mostly background
    pixels = img[..., :3].reshape(-1, 3)
    rgb = (pixels * 255).astype(np.uint32)
    assert len(np.unique(rgb[:, 0] << 16 | rgb[:, 1] << 8 | rgb[:, 2])) > 20, path
    assert (pixels.mean(axis=1) < 0.9).mean() > 0.01, path


@pytest.fixture(scope="module")
def channel_report(tmp_path_factory):
    """``crossings report channel`` (one seed, this process: the Channel's full horizon)."""
    tmp = tmp_path_factory.mktemp("report")
    out, store = tmp / "out", tmp / "store"
    r = invoke("report", "channel", "--seeds", "1", "--workers", "1", "--out", out, "--store", store, "--no-progress")
    assert r.returncode == 0, r.stdout + r.stderr
    return out, store


def test_report_writes_every_figure_non_empty(channel_report):
    out, _ = channel_report
    for stem, _, _ in FIGURES:
        _non_empty_png(out / "figures" / f"{stem}.png")
    assert not (out / "figures" / f"{COMPARISON_FIGURE[0]}.png").exists()  # no comparison asked for
    html = (out / "report.html").read_text()
    imgs = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
    assert len(imgs) == len(FIGURES)
    assert not re.search(r"(src|href)=['\"](?!data:)", html)  # nothing to fetch
    for words in ("Key yearly figures", "posterior", "crossings version", "seeds (channel)", "resolved scenario"):
        assert words in html


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
def test_report_renders_offline_in_headless_chromium(channel_report):
    from playwright.sync_api import sync_playwright

    out, _ = channel_report
    report = (out / "report.html").resolve()
    requests, blocked = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))

        def route(r):
            if r.request.url == report.as_uri():
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        page.screenshot(path=str(artifacts() / "report-channel.png"))
        browser.close()
    assert len(sizes) == len(FIGURES) and all(c and w > 200 and h > 200 for c, w, h in sizes), sizes
    assert not blocked, f"the report asked for: {blocked}"
    assert all(u == report.as_uri() or u.startswith("data:") for u in requests), requests


def test_report_of_a_stored_run_by_its_key(channel_report, tmp_path):
    """The command line's ``report KEY`` reads the run back from the store (no simulation)."""
    from crossings.report import gather
    from crossings.report.html import render
    from crossings.store import Store

    _, store = channel_report
    keys = Store(store).runs()["key"].tolist()
    assert len(keys) == 1
    data = gather(keys[0][:10], store=store)
    assert data.groups[0].keys == keys and data.groups[0].seeds == [1] and data.scenario.name == "channel"
    assert data.version == Store(store).runs()["version"].iloc[0]
    html = render(data, [])
    assert f"stored run {keys[0]}" in html and keys[0][:12] in html
    with pytest.raises(Exception, match="--policy compares scenarios"):
        gather(keys[0][:10], policy="x.toml", store=store)


def test_report_of_a_comparison_shows_both_with_bands(tmp_path):
    from crossings.report import gather

    short = write_short(tmp_path, "short", end="2014-05-31", scale=2.0)
    pol = write_policy(tmp_path, "legal", f'inherits = "{short}"\n' + LEGAL_ROUTE)
    data = gather(str(short), policy=str(pol), seeds=3, store=tmp_path / "store", backend="serial")
    assert [g.label for g in data.groups] == ["baseline (short)", "policy (legal)"]
    assert data.groups[0].seeds == data.groups[1].seeds == [1, 2, 3]
    for _, _, fn in FIGURES:  # every figure draws both groups
        fig = fn(data)
        assert fig.axes
    from crossings.report.html import png_bytes, render

    (tmp_path / "comparison.png").write_bytes(png_bytes(COMPARISON_FIGURE[2](data)))
    _non_empty_png(tmp_path / "comparison.png")
    html = render(data, [])
    assert "Key yearly figures: baseline (short)" in html and "Key yearly figures: policy (legal)" in html
    assert "90% band" in html and "50% band" in html
    assert "In 2014 (part of the year), baseline (short) gives" in html and "legal changes crossings by +" in html
    row = data.comparison.table().set_index("key").loc["crossings_legal"]
    # a legal route is the only way to cross legally: none without it, some with it in every seed
    assert row["baseline"] == 0 and row["low90"] > 0


def test_report_refuses_what_is_neither_a_scenario_nor_a_stored_run(tmp_path):
    r = invoke("report", "abcdef12", "--store", tmp_path / "store", "--out", tmp_path / "out")
    assert r.returncode == 2 and "neither a scenario" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = invoke("report", "no-such-scenario", "--out", tmp_path / "out")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()
