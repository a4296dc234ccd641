"""The static dashboard: the year's figures, freshness and gate status, offline, in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from rolwh.core.settings import Settings
from rolwh.report import write_report
from tests.serving.conftest import ARTIFACTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_dashboard_shows_the_years_figures_freshness_and_gate(published: Settings) -> None:
    path = write_report(published, 2024)[0]
    assert path == published.reports_dir / "2024" / "index.html"
    html = path.read_text(encoding="utf-8")
    assert "2024年法治政府建设指标看板" in html
    # the year's ALL figures, formatted by unit, in the row of their indicator
    row = re.search(r'<tr id="ind-CR_RECEIVED">.*?</tr>', html, re.S)
    assert row and "<strong>476</strong>" in row.group(0)
    rate = re.search(r'<tr id="ind-CR_SUCCESS_RATE">.*?</tr>', html, re.S)
    assert rate and "<strong>28.26%</strong>" in rate.group(0)
    assert "<strong>8050</strong>" in html and "<strong>100%</strong>" in html
    # per quarter and per community, with the communities' Chinese names
    for period in ("2024Q1", "2024Q2", "2024Q3", "2024Q4"):
        assert f"<summary>{period}</summary>" in html
    assert "长冲村" in html and "东门社区" in html and "未能归属" in html
    assert "服务时效达标情况" in html and "1分钟调度达标率" in html and "诉前调解按期办结率" in html
    # freshness: the latest export date of each feed, and the gate's status
    assert "2025-03-31" in html and "委托诉前调解案件" in html
    assert re.search(r'id="gate-status" class="badge ok">通过<', html)
    # offline: no external resource of any kind
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html and "@import" not in html


def test_dashboard_says_unchecked_without_gate_runs(working: Settings) -> None:
    from rolwh.serving.publish import publish

    con = duckdb.connect(str(working.warehouse_path))
    con.execute("drop table audit.gate_runs")
    con.close()
    publish(working)
    path = write_report(working, 2024)[0]
    assert re.search(r'id="gate-status" class="badge unknown">未检查<', path.read_text(encoding="utf-8"))


def test_dashboard_escapes_names_from_the_data(working: Settings) -> None:
    from rolwh.serving.publish import publish

    con = duckdb.connect(str(working.warehouse_path))
    con.execute("update marts.dim_community set name_zh = '<b>东门</b>社区' where community_code = 'JJ01'")
    con.close()
    publish(working)
    html = write_report(working, 2024)[0].read_text(encoding="utf-8")
    assert "<b>东门</b>" not in html and "&lt;b&gt;东门&lt;/b&gt;社区" in html


@pytest.mark.browser
def test_dashboard_loads_offline_in_chromium_without_errors(published: Settings) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"SKIPPED LOUDLY: {CHROMIUM} is absent; install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    path = write_report(published, 2024)[0]
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri(), wait_until="load")
            assert page.title() == "2024年法治政府建设指标看板"
            assert page.locator("#ind-CR_RECEIVED .year-value").inner_text() == "476"
            assert page.locator("#ind-CR_SUCCESS_RATE .year-value").inner_text() == "28.26%"
            assert page.locator("#gate-status").inner_text() == "通过"
            assert page.locator("svg.chart").count() >= 30
            # the SLA chart is drawn: one polyline per series
            assert page.locator("#sla svg polyline").count() == 4
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / "dashboard-2024.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
    assert problems == []
    assert all(u.startswith("file://") for u in requests), requests


def test_dashboard_shows_a_failed_gate(working: Settings) -> None:
    from rolwh.serving.publish import publish

    con = duckdb.connect(str(working.warehouse_path))
    con.execute(
        """insert into audit.gate_runs values ('gate-2', 'nightly', null, '2025-04-02 02:10',
           '2025-04-02 02:11', false, 3, 0, 120, null, '{}')"""
    )
    con.close()
    publish(working)
    html = write_report(working, 2024)[0].read_text(encoding="utf-8")
    assert re.search(r'id="gate-status" class="badge bad">未通过<', html)
    assert "阻断问题 3" in html
