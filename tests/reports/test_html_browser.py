"""The HTML report in a real headless Chromium: no console errors, charts visible, every area present.

Screenshots at desktop (1280 px) and phone (390 px) width go to $ASSAY_TEST_ARTIFACTS (default: the
temporary directory's assay-test-artifacts/, never the checkout). Chromium and chromedriver
are Debian's packages (`.ci/run` installs them): under CI=true a missing browser fails, locally it skips.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assay.evidence import Bundle
from assay.reports.charts import TrendPoint
from assay.reports.formatting import heading
from assay.reports.html import area_anchor, render_html
from assay.scoring import Results

pytestmark = pytest.mark.xdist_group("chromium")  # one browser for the module

DEFAULT_ARTIFACTS = Path(tempfile.gettempdir(), "assay-test-artifacts")
ARTIFACTS = Path(os.environ.get("ASSAY_TEST_ARTIFACTS") or DEFAULT_ARTIFACTS)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing; .ci/run installs Debian's chromium and chromium-driver")
    pytest.skip(f"{what} is not installed (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        _missing("chromium or chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium (the test extra)")
    profile = tempfile.mkdtemp(prefix="assay-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def report_file(
    tmp_path_factory: pytest.TempPathFactory, sample_results: Results, sample_bundle: Bundle
) -> Path:
    def levels(shift: int) -> dict[str, tuple[int, int]]:
        return {
            f"{rs.id}:{a.id}": (max(1, a.level - shift), a.upper)
            for rs in sample_results.rulesets
            for a in rs.areas
        }

    trend = [
        TrendPoint("#1 6 Jan", datetime(2025, 1, 6, tzinfo=UTC), levels(1)),
        TrendPoint("#2 3 Feb", datetime(2025, 2, 3, tzinfo=UTC), levels(1)),
        TrendPoint("#3 3 Mar", sample_results.generated_at, levels(0)),
    ]
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(sample_results, sample_bundle, trend), encoding="utf-8")
    return path


def _severe(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_console_errors_are_seen(browser: Any, tmp_path: Path) -> None:
    """The check below can fail: a page with a script error and a blocked fetch shows up in the log."""
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><img src="http://127.0.0.1:9/x.png"><script>undefinedFunction()</script>')
    browser.get(page.as_uri())
    assert any("undefinedFunction" in m for m in _severe(browser))


@pytest.mark.parametrize(("width", "name"), [(1280, "desktop"), (390, "phone")])
def test_report_in_chromium(
    browser: Any, report_file: Path, sample_results: Results, width: int, name: str
) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(width, 900)
    browser.get(report_file.as_uri())
    assert _severe(browser) == []
    assert browser.title == (
        "Borealis Health — Machine learning operations (MLOps) and GSA AI capability maturity model report"
    )
    assert browser.execute_script("return window.innerWidth") == width
    # self-contained: nothing was fetched, and nothing sticks out sideways
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    for rs in sample_results.rulesets:
        radar = browser.find_element(By.CSS_SELECTOR, f"#radar-{rs.id} svg")
        assert radar.is_displayed()
        assert radar.size["width"] > min(300, width - 80) and radar.size["height"] > 200
        # the heat map: the chart on wide screens, a table whose labels stay readable on a phone
        heat_svg = browser.find_element(By.CSS_SELECTOR, f"#heatmap-{rs.id} svg")
        heat_table = browser.find_element(By.CSS_SELECTOR, f"#heatmap-{rs.id} table.heatgrid")
        assert heat_svg.is_displayed() == (width > 640) != heat_table.is_displayed()
        if width <= 640:
            label = heat_table.find_element(By.CSS_SELECTOR, "tbody th")
            size = browser.execute_script("return parseFloat(getComputedStyle(arguments[0]).fontSize)", label)
            assert size >= 11, f"heat-map labels are {size}px on a phone"
        assert browser.find_element(By.CSS_SELECTOR, f"#trend-{rs.id} svg").is_displayed()
        for area in rs.areas:
            section = browser.find_element(By.ID, area_anchor(rs.id, area.id))
            assert section.find_element(By.TAG_NAME, "h2").text == heading(area.title)
            rows = section.find_elements(By.CSS_SELECTOR, "table.criteria tbody tr")
            assert len(rows) == len(area.criteria)
            assert section.is_displayed()
    # the area navigation can be reached: a row of links on wide screens, a "Contents" menu on a phone
    last = sample_results.rulesets[-1]
    target = f"#{area_anchor(last.id, last.areas[-1].id)}"
    if width <= 640:
        browser.find_element(By.CSS_SELECTOR, ".toc-menu summary").click()
        link = browser.find_element(By.CSS_SELECTOR, f'.toc-menu a[href="{target}"]')
    else:
        link = browser.find_element(By.CSS_SELECTOR, f'.toc-row a[href="{target}"]')
    assert link.is_displayed()
    link.click()
    assert browser.execute_script("return location.hash") == target
    browser.get(report_file.as_uri())
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, min(height, 16000))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"report-{name}.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 50_000


def test_printing_the_page_keeps_the_evidence(browser: Any, report_file: Path, tmp_path: Path) -> None:
    """The print stylesheet: no navigation bar, and the evidence register printed in full."""
    import base64

    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        _missing("pdftotext (poppler-utils)")
    import subprocess

    browser.set_window_size(1280, 900)
    browser.get(report_file.as_uri())
    pdf = tmp_path / "printed.pdf"
    pdf.write_bytes(base64.b64decode(browser.print_page()))
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Evidence register" in text and "currently at Level" in text
    register = text.split("Evidence register", 1)[1]
    for code in ("dd681638aa28", "48d6f063a216"):  # a gap item and a registered model
        assert code in register
    assert "Summary" not in text.split("Introduction", 1)[0], "the navigation bar is not printed"
    # a criterion's evidence ids are collapsed on screen and printed in full
    assert "dd681638aa28" in text.split("Evidence register", 1)[0]
