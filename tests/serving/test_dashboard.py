"""The static dashboard: the year's figures, freshness and gate status, offline, in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from rolwh.core.settings import Settings
from rolwh.report import write_report
from rolwh.report.formatting import format_change
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
    # in the dictionary's order (受理 before 办结), not by code
    assert html.index('id="ind-CR_RECEIVED"') < html.index('id="ind-CR_CONCLUDED"')
    # per quarter and per community, with the communities' Chinese names
    for period in ("2024Q1", "2024Q2", "2024Q3", "2024Q4"):
        assert f"<summary>{period}</summary>" in html
    assert 'id="partial-year"' not in html  # 2024 is complete
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


STATUS_DDL = """
create or replace table marts.fct_indicator_status (
    year integer, quarter integer, period varchar, period_grain varchar, community_code varchar,
    indicator_code varchar, display_order integer, value double, numerator double, denominator double,
    direction varchar, green_threshold double, yellow_threshold double, status varchar, status_zh varchar,
    prev_year_value double, yoy_change double, prev_period_value double, qoq_change double,
    is_partial boolean
)
"""
#: Hand-written rows of the status mart (built by dbt in the product; here only what the page shows).
STATUS_ROWS = [
    # year, quarter, period, grain, community, code, direction, green, yellow, status, zh, prev, yoy, qoq
    (2024, None, "2024", "year", "ALL", "CR_SUCCESS_RATE", "higher", 0.4, 0.3, "red", "红", 0.25, 0.0326, None),
    (2024, None, "2024", "year", "ALL", "PT_REPEAT_RATE", "lower", 0.03, 0.06, "yellow", "黄", 0.06, -0.0081, None),
    (2024, None, "2024", "year", "ALL", "DS_RESOLUTION_RATE", "higher", 0.98, 0.95, "green", "绿", None, None, None),
    (2024, 4, "2024Q4", "quarter", "ALL", "DS_RESOLUTION_RATE", "higher", 0.98, 0.95, "green", "绿", None, None, 0.0),
    (2024, None, "2024", "year", "ALL", "CR_RECEIVED", None, None, None, "no_target", "未设目标", 400, 76, None),
]  # fmt: skip


def add_status_mart(settings: Settings, rows: list[tuple] = STATUS_ROWS) -> None:
    """Give the working file a ``marts.fct_indicator_status`` (every other indicator: no target)."""
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        con.execute(STATUS_DDL)
        for y, q, period, grain, comm, code, direction, green, yellow, st, zh, prev, yoy, qoq in rows:
            con.execute(
                """insert into marts.fct_indicator_status values
                   (?, ?, ?, ?, ?, ?, 0, null, null, null, ?, ?, ?, ?, ?, ?, ?, null, ?, false)""",
                [y, q, period, grain, comm, code, direction, green, yellow, st, zh, prev, yoy, qoq],
            )
    finally:
        con.close()


def render(settings: Settings, year: int, out_dir: Path) -> str:
    """The dashboard alone (no workbook beside it), written into ``out_dir``."""
    from rolwh.report.dashboard import write_dashboard
    from rolwh.report.data import read_dashboard_data
    from rolwh.serving.query import open_reader

    con = open_reader(settings)
    try:
        data = read_dashboard_data(con, year)
    finally:
        con.close()
    return write_dashboard(data, out_dir).read_text(encoding="utf-8")


def test_dashboard_without_the_status_mart_says_so_and_shows_no_status(
    working: Settings, tmp_path: Path
) -> None:
    from rolwh.serving.publish import publish

    con = duckdb.connect(str(working.warehouse_path))
    con.execute("drop table marts.fct_indicator_status")
    con.close()
    publish(working)
    html = render(working, 2024, tmp_path / "2024")
    assert 'id="no-status"' in html and "marts.fct_indicator_status" in html
    assert not re.search(r'class="badge (red|yellow|green|no_target)"', html)


def test_status_tiles_come_first_with_targets_and_changes(working: Settings) -> None:
    from rolwh.serving.publish import publish

    add_status_mart(working)
    publish(working)
    html = write_report(working, 2024)[0].read_text(encoding="utf-8")
    assert 'id="no-status"' not in html
    assert html.index('id="status"') < html.index('id="overview"') < html.index('id="communities"')

    def tile(code: str) -> str:
        found = re.search(rf'<div class="tile (\w+)" id="tile-{code}">(.*?)</div>\s*</div>', html, re.S)
        assert found, code
        return found.group(1) + " " + found.group(2)

    assert tile("CR_SUCCESS_RATE").startswith("red") and "目标 ≥40%（黄≥30%）" in tile("CR_SUCCESS_RATE")
    assert "同比 +3.26个百分点" in tile("CR_SUCCESS_RATE")
    assert tile("PT_REPEAT_RATE").startswith("yellow") and "≤3%（黄≤6%）" in tile("PT_REPEAT_RATE")
    assert "同比 −0.81个百分点" in tile("PT_REPEAT_RATE")
    assert tile("DS_RESOLUTION_RATE").startswith("green") and "Q4环比 0个百分点" in tile("DS_RESOLUTION_RATE")
    # no target is shown as such, never green; 同比 of a count as a signed integer
    assert tile("CR_RECEIVED").startswith("no_target") and "未设目标" in tile("CR_RECEIVED")
    assert "同比 +76" in tile("CR_RECEIVED")
    assert tile("TR_CERT_RATE").startswith("none")  # no row in the mart: no status invented
    counts = re.search(r'<div class="counts">(.*?)</div>', html, re.S)
    assert counts and "红 1" in counts.group(1) and "黄 1" in counts.group(1) and "绿 1" in counts.group(1)
    row = re.search(r'<tr id="ind-CR_SUCCESS_RATE">.*?</tr>', html, re.S)
    assert row and 'class="badge red">红<' in row.group(0) and "+3.26个百分点" in row.group(0)


def test_a_partial_year_is_flagged_and_compared_by_quarter(published: Settings) -> None:
    from rolwh.serving.query import open_reader

    html = write_report(published, 2025)[0].read_text(encoding="utf-8")
    assert "全年（截至一季度）" in html and 'id="partial-year"' in html
    # 同比 of a year-to-date figure is its latest quarter's against the same quarter a year earlier
    con = open_reader(published)
    try:
        row = con.execute(
            """select quarter, yoy_change from marts.fct_indicator_status
               where year = 2025 and community_code = 'ALL' and indicator_code = 'CR_RECEIVED'
               order by quarter nulls first"""
        ).fetchall()
    finally:
        con.close()
    (_, year_yoy), (_, q1_yoy) = row
    assert q1_yoy is not None and year_yoy != q1_yoy
    tile = re.search(r'id="tile-CR_RECEIVED">(.*?)</div>\s*</div>', html, re.S)
    assert tile and f"Q1同比 {format_change('count', q1_yoy)} ·" in tile.group(1)


def test_every_community_indicator_is_ranked_against_the_street(published: Settings) -> None:
    from rolwh.report.data import read_indicators
    from rolwh.serving.query import open_reader

    con = open_reader(published)
    try:
        units = {i.code: i.unit for i in read_indicators(con) if i.scope == "community"}
        community_level = list(units)
    finally:
        con.close()
    html = write_report(published, 2024)[0].read_text(encoding="utf-8")
    cards = re.findall(r'<div class="card" id="cmp-(\w+)">(.*?)</svg>', html, re.S)
    assert [c for c, _ in cards] == community_level and len(community_level) >= 20
    for code, svg in cards:
        # the street-wide value of a ratio; for a count (the street's total) the communities' average
        assert 'class="reference"' in svg, code
        assert ("全街道 " if units[code] == "ratio" else "村（社区）平均 ") in svg, code
        labels = re.findall(r">(\d+)\. ", svg)
        assert labels == [str(i + 1) for i in range(len(labels))] and len(labels) >= 15, code
    # ranked: the drawn bar widths never grow down the list
    widths = [
        float(w) for w in re.findall(r'<rect x="96" y="[\d.]+" width="([\d.]+)"', dict(cards)["CR_RECEIVED"])
    ]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]


def test_quarantined_files_and_links_appear_when_present(published: Settings, tmp_path: Path) -> None:
    html = render(published, 2024, tmp_path / "alone" / "2024")
    assert "无隔离文件" in html and 'id="links"' not in html  # nothing to link beside it
    con = duckdb.connect(str(published.warehouse_path))
    con.execute(
        """insert into audit.file_loads values ('q1', '信访事项导出_20240531.xls', 'petitions', 'ab',
           'quarantined', null, 10, 0, 0, 0, 0, '.xls is not an accepted format', null, '2025-04-01 02:00')"""
    )
    con.close()
    from rolwh.serving.publish import publish

    publish(published)
    docs = published.reports_dir.parent / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "quality.html").write_text("<html></html>", encoding="utf-8")
    dashboard, workbook = write_report(published, 2024)
    assert workbook == dashboard.parent / "indicators_2024.xlsx"
    html = dashboard.read_text(encoding="utf-8")
    table = re.search(r'<table class="stack" id="quarantined">.*?</table>', html, re.S)
    assert table and "信访事项导出_20240531.xls" in table.group(0) and "petitions" in table.group(0)
    links = re.search(r'<nav class="links" id="links">.*?</nav>', html, re.S)
    assert links and 'href="indicators_2024.xlsx"' in links.group(0)
    assert 'href="../../docs/quality.html"' in links.group(0) and "dbt.html" not in links.group(0)
    assert (dashboard.parent / "../../docs/quality.html").resolve() == (docs / "quality.html").resolve()


def test_axes_fit_the_data_and_one_change_format() -> None:
    from rolwh.report.charts import axis_range
    from rolwh.report.formatting import format_change

    low, high, ticks = axis_range([0.75, 0.83, 0.92], "ratio", from_zero=False)
    assert (round(low, 4), round(high, 4)) == (0.7, 0.95) and len(ticks) >= 3
    assert axis_range([0.2826, 0.3], "ratio", from_zero=True, ticks=3)[0] == 0.0
    assert axis_range([1.0, 1.0], "ratio", from_zero=False)[1] == 1.0
    assert axis_range([476, 12], "count", from_zero=True, ticks=3)[1] >= 476
    assert format_change("ratio", 0.0326) == "+3.26个百分点"
    assert format_change("ratio", -0.1) == "−10个百分点"
    assert format_change("count", 76.0) == "+76" and format_change("count", None) == "—"
