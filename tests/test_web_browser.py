"""The page in a real headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright;
no tool downloads a browser): load it, run a short scenario, move a lever, run again, and
check that the chart and the summary numbers changed. A screenshot is left in the test
artifacts folder (``test-artifacts/`` or ``$CROSSINGS_TEST_ARTIFACTS``)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from web_helpers import CHROMIUM, artifacts, cli_server, write_short

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                "(apt-get install chromium; .ci/run installs it)")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def test_page_runs_a_scenario_and_a_lever_changes_chart_and_summary(browser, tmp_path):
    scen = tmp_path / "scenarios"
    write_short(scen, end="2014-04-30", scale=2.0)
    with cli_server(tmp_path / "store", scen) as url:
        page = browser.new_page(viewport={"width": 1300, "height": 1100})
        here = urlparse(url).netloc
        elsewhere = []
        page.on("request", lambda r: None if urlparse(r.url).netloc == here or r.url.startswith(("data:", "blob:"))
                else elsewhere.append(r.url))
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "/")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        page.select_option("#scenario", "short")
        page.fill("#seeds", "2")

        def run_and_wait():
            before = page.locator("#result-title").get_attribute("data-job")
            page.click("#run")
            page.wait_for_function("(b) => document.getElementById('result-title').dataset.job && "
                                   "document.getElementById('result-title').dataset.job !== b && "
                                   "document.getElementById('state').textContent === 'done'", arg=before, timeout=120_000)
            return page.inner_html("#chart"), page.inner_text("#summary")

        chart1, summary1 = run_and_wait()
        assert "<polyline" in chart1 and "class=\"band\"" in chart1
        assert "crossings, all modes" in summary1
        # a legal route of 500 places a week from the default start
        page.fill("#lever-legal", "500")
        assert page.input_value("#lever-legal") == "500"
        chart2, summary2 = run_and_wait()
        assert chart2 != chart1 and summary2 != summary1
        assert "with levers" in summary2 and 'data-group="policy"' in chart2
        legal = page.inner_text("#summary tr[data-key='crossings_legal']")
        assert legal.split("\t")[1].strip() == "0" and legal.split("\t")[3].strip().startswith("+")
        # past runs listed, a figure shown from the stored runs
        assert page.locator("#jobs li").count() == 2
        page.select_option("#figure", "comparison")
        page.click("#show-figure")
        page.wait_for_function("() => { const i = document.querySelector('#figure-box img'); "
                               "return i && i.complete && i.naturalWidth > 0; }", timeout=60_000)
        page.screenshot(path=str(artifacts() / "web-page.png"), full_page=True)
        assert not errors, errors
        assert not elsewhere, f"the page asked for resources elsewhere: {elsewhere}"
        page.close()
    # after a restart of the server, the page lists both runs and reopens one
    with cli_server(tmp_path / "store", scen) as url:
        page = browser.new_page()
        page.goto(url + "/")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert page.locator("#jobs li").count() == 2
        page.locator("#jobs li button").first.click()
        page.wait_for_selector("#chart polyline", timeout=30_000)
        assert "with levers" in page.inner_text("#summary")
        page.close()
