"""The dashboard in headless Chromium on the real demo: desktop, phone, A4 print, offline.

Measured in the browser, not guessed from CSS: the document is no wider than the viewport at 1400,
390 and 360 px; printed (print media, A4) no table is wider than the page and the collapsed quarter
sections are shown; the print-to-PDF page count is recorded in tests/artifacts/dashboard-print.txt
and printed; and no request leaves ``file://``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rolwh.core.settings import Settings
from rolwh.report.dashboard import write_dashboard
from rolwh.report.data import read_dashboard_data
from rolwh.serving.query import open_reader
from tests.serving.conftest import ARTIFACTS
from tests.serving.test_dashboard import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

#: A4 width less the 10 mm side margins of the dashboard's @page, in CSS px (96 per inch).
A4_CONTENT_PX = (210 - 2 * 10) / 25.4 * 96
#: One serialised PDF page object (Chromium writes page dictionaries uncompressed).
PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


@pytest.fixture(scope="module")
def demo_dashboard(demo_published: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2024 dashboard of the real demo (dbt-built status mart), written outside the shared home."""
    if not CHROMIUM.exists():
        pytest.skip(f"SKIPPED LOUDLY: {CHROMIUM} is absent; install Debian's chromium to run browser tests")
    con = open_reader(demo_published)
    try:
        data = read_dashboard_data(con, 2024)
    finally:
        con.close()
    return write_dashboard(data, tmp_path_factory.mktemp("reports") / "2024")


def test_demo_dashboard_shows_red_yellow_and_green(demo_dashboard: Path) -> None:
    html = demo_dashboard.read_text(encoding="utf-8")
    tiles = re.findall(r'<div class="tile (\w+)" id="tile-', html)
    assert {"red", "yellow", "green", "no_target"} <= set(tiles), tiles
    assert 'id="no-status"' not in html
    assert 'id="no-yoy"' in html  # the demo starts in 2024: no 同比 to show
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//|url\(\s*[\"']?(https?:)?//|@import", html)


@pytest.mark.parametrize("width", [1400, 390, 360])
def test_no_horizontal_scroll(demo_dashboard: Path, width: int) -> None:
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(demo_dashboard.as_uri(), wait_until="load")
            doc = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                     .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                     .map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5)"""
            )
        finally:
            browser.close()
    print(f"dashboard at {width}px: scrollWidth {doc[0]} for a viewport of {doc[1]}")
    assert doc[0] <= doc[1], (doc, wide)
    assert wide == []
    assert all(u.startswith("file://") for u in requests), requests


def test_prints_to_a4_with_nothing_cut_or_collapsed(demo_dashboard: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": round(A4_CONTENT_PX), "height": 1000})
            page.goto(demo_dashboard.as_uri(), wait_until="load")
            page.emulate_media(media="print")
            tables = page.evaluate(
                """() => [...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().width)"""
            )
            hidden = page.evaluate(
                """() => [...document.querySelectorAll('details:not([open]) table')]
                     .filter(t => !t.checkVisibility()).length"""
            )
            closed = page.evaluate("document.querySelectorAll('details:not([open]) table').length")
            pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
        finally:
            browser.close()
    pages = len(PDF_PAGE.findall(pdf))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "dashboard-2024.pdf").write_bytes(pdf)
    record = f"dashboard 2024 printed to A4: {pages} pages, {len(tables)} tables, widest {max(tables):.0f}px"
    (ARTIFACTS / "dashboard-print.txt").write_text(record + "\n", encoding="utf-8")
    print(record)
    assert tables and max(tables) <= A4_CONTENT_PX + 0.5, tables
    assert closed > 0 and hidden == 0  # collapsed quarters print
    assert 1 <= pages <= 40
