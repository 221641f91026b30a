"""In a real browser (Debian's headless Chromium through chromium-driver): open the instance, search for 复议,
open a report, see its tables and a chart, follow it to the body's time series drawn by datasette-vega.
Screenshots go to tests/artifacts/ (gitignored)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from archive.publication import make_datasette

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture
def server(archive_db):
    """Datasette as `govreports serve` runs it, on a free port of 127.0.0.1, stopped after the test."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    instance = uvicorn.Server(uvicorn.Config(make_datasette(archive_db).app(), log_level="warning"))
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--window-size=1280,1600",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def assert_first_result_above_the_fold_and_descriptions_collapsed(browser, first_row) -> None:
    """The ~30 column descriptions must not push the results below the first screen: they sit, collapsed, in a
    <details> after the results (archive/templates/table.html), and the search box comes before the results."""
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", first_row)
    viewport = browser.execute_script("return window.innerHeight")
    assert 0 <= top < viewport, f"first result row at {top}px, the viewport is {viewport}px high"
    box_top = browser.execute_script(
        "return document.querySelector('input[name=_search]').getBoundingClientRect().top"
    )
    assert box_top < top
    details = browser.find_element(By.CSS_SELECTOR, "details.column-descriptions-details")
    assert details.get_attribute("open") is None
    assert "字段说明 · Column descriptions" in details.find_element(By.TAG_NAME, "summary").text
    terms = [dt.get_attribute("textContent") for dt in details.find_elements(By.CSS_SELECTOR, "dl dt")]
    assert {"title", "body", "year"} <= set(terms)
    assert not details.find_element(By.CSS_SELECTOR, "dl").is_displayed()
    assert browser.execute_script(
        "return arguments[0].compareDocumentPosition(arguments[1]) & Node.DOCUMENT_POSITION_FOLLOWING",
        first_row,
        details,
    ), "the descriptions come after the results"


def test_search_open_a_report_and_see_its_tables_and_charts(server, browser, archive_db):
    ARTIFACTS.mkdir(exist_ok=True)
    wait = WebDriverWait(browser, 30)
    browser.get(f"{server}/{archive_db.stem}/reports")
    box = wait.until(ec.presence_of_element_located((By.NAME, "_search")))
    box.send_keys("复议", Keys.ENTER)
    wait.until(ec.url_contains("_search="))
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert rows, "the search found reports"
    assert_first_result_above_the_fold_and_descriptions_collapsed(browser, rows[0])
    browser.save_screenshot(str(ARTIFACTS / "archive-1-search.png"))

    titles = [row.find_element(By.CSS_SELECTOR, "td.col-title").text for row in rows]
    index = next(i for i, title in enumerate(titles) if "三门峡市财政局2023" in title)
    rows[index].find_element(By.CSS_SELECTOR, "td.type-pk a").click()
    table = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, 'table[data-table="t3"]')))
    assert "予以公开" in table.text
    chart = browser.find_element(By.CSS_SELECTOR, "svg.report-chart")
    assert chart.is_displayed() and len(chart.find_elements(By.TAG_NAME, "rect")) == 6
    browser.save_screenshot(str(ARTIFACTS / "archive-2-report.png"))

    browser.find_element(By.PARTIAL_LINK_TEXT, "Time series").click()
    drawn = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".vega-embed canvas, .vega-embed svg")))
    assert drawn.size["width"] > 100
    browser.save_screenshot(str(ARTIFACTS / "archive-3-time-series-chart.png"))
