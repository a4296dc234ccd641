"""Reports for readers: the static HTML dashboard of a year and the annual report draft (section 一)."""

from __future__ import annotations

from pathlib import Path

from rolwh.core.settings import Settings
from rolwh.report.dashboard import write_dashboard
from rolwh.report.data import read_dashboard_data
from rolwh.report.draft import write_draft
from rolwh.report.excel import write_workbook
from rolwh.report.explain_pages import write_explain_pages
from rolwh.report.quality_page import write_quality_page
from rolwh.serving.indicators import require_period
from rolwh.serving.query import open_reader


def write_report(settings: Settings, year: int, draft: bool = False) -> list[Path]:
    """Write ``reports/<year>/index.html``, ``indicators_<year>.xlsx`` beside it (the dashboard
    links it) and the listing pages ``explain/<CODE>.html`` (each figure links to its records),
    with ``draft`` the report draft too; return the paths.

    A year the published marts hold no indicators of is refused (exit 1), never an empty report."""

    out_dir = settings.reports_dir / str(year)
    con = open_reader(settings)
    try:
        require_period(con, year)
        data = read_dashboard_data(con, year)
        explain = write_explain_pages(con, year, out_dir)  # before the pages that link to them
        workbook = write_workbook(con, year, None, out_dir / f"indicators_{year}.xlsx")
    finally:
        con.close()
    paths = [write_dashboard(data, out_dir), workbook, *explain]
    if draft:
        paths += write_draft(settings, year, out_dir)
    return paths


def write_dashboards(settings: Settings) -> list[Path]:
    """The nightly run's reports: the dashboard of every year the published marts hold, and the
    offline quality page (``docs_dir/quality.html``)."""

    con = open_reader(settings)
    try:
        rows = con.execute("select distinct year from marts.fct_indicator_annual order by 1").fetchall()
        years = [row[0] for row in rows]
    finally:
        con.close()
    return [*(path for year in years for path in write_report(settings, year)), write_quality_page(settings)]
