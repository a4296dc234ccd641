"""The indicator tables as an Excel workbook (`rolwh export`, and ``indicators_<year>.xlsx`` next to
the dashboard): what a clerk copies into the district's form.

Sheets: the street-wide table, the community table (one header row each, no merged cells, numbers
as numbers), the definitions (口径) from the dictionary, and a note saying whether the figures are
frozen (the year's release) or live (the publication's time). Figures and statuses come from the
published ``marts.fct_indicator_status`` (read-only); nothing is computed here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import xlsxwriter

from rolwh.core.errors import ConfigError, RolwhError
from rolwh.core.i18n import N_, _
from rolwh.core.settings import Settings
from rolwh.core.sql import table_exists
from rolwh.report.formatting import COMMUNITY_FALLBACK_NAMES
from rolwh.serving.indicators import format_target, status_label
from rolwh.serving.query import open_reader

#: Excel's own fills for good / neutral / bad (Conditional Formatting's presets), by status.
STATUS_FILLS = {"green": "#C6EFCE", "yellow": "#FFEB9C", "red": "#FFC7CE"}
STREET = "ALL"
#: The dictionary's codes as the definitions sheet shows them.
LABELS = {
    "count": N_("count"),
    "ratio": N_("ratio"),
    "flow": N_("flow over the period"),
    "cohort": N_("cohort as of period end"),
    "stock": N_("stock at period end"),
    "community": N_("per community"),
    "subdistrict": N_("street-wide only"),
}

_ROWS_SQL = """
select
    s.community_code, coalesce(c.name_zh, s.community_code) as community_name,
    s.indicator_code, d.name_zh, d.unit, s.value, s.numerator, s.denominator,
    s.direction, s.green_threshold, s.yellow_threshold, s.status,
    s.prev_year_value, s.yoy_change, s.prev_period_value, s.qoq_change, s.is_partial
from marts.fct_indicator_status as s
inner join marts.dim_indicator as d on s.indicator_code = d.indicator_code
left join marts.dim_community as c on s.community_code = c.community_code
where s.year = ? and (case when ? is null then s.period_grain = 'year' else s.quarter = ? end)
order by coalesce(c.sort_order, 999999), s.community_code, s.display_order
"""
_DEFINITIONS_SQL = """
select indicator_code, name_zh, unit, kind, scope, definition_zh
from marts.dim_indicator order by display_order
"""


class ExportError(RolwhError):
    """Nothing to export: the marts are not published, or hold nothing for the period."""


@dataclass(frozen=True)
class Provenance:
    """Where the workbook's figures come from."""

    published_at: dt.datetime | None
    release: str | None  # the year's latest frozen release, e.g. v1
    frozen_at: object
    differing: int  # annual values of the export that differ from that release


def _provenance(con: duckdb.DuckDBPyConnection, year: int) -> Provenance:
    published = None
    if table_exists(con, "serving", "publication"):
        row = con.execute("select published_at from serving.publication limit 1").fetchone()
        published = row[0] if row else None
    release = frozen_at = None
    differing = 0
    if table_exists(con, "marts", "fct_indicator_annual_frozen"):
        row = con.execute(
            "select release_version, frozen_at from marts.fct_indicator_annual_frozen where year = ? limit 1",
            [year],
        ).fetchone()
        if row:
            release, frozen_at = row
            counted = con.execute(
                """
                select count(*) from marts.fct_indicator_status as s
                inner join marts.fct_indicator_annual_frozen as f
                    on s.period = f.period and s.community_code = f.community_code
                    and s.indicator_code = f.indicator_code
                where s.year = ? and s.period_grain = 'year' and s.value is distinct from f.value
                """,
                [year],
            ).fetchone()
            differing = counted[0] if counted else 0
    return Provenance(published, release, frozen_at, differing)


def _note_rows(year: int, quarter: int | None, source: Provenance, partial: bool) -> list[tuple[str, str]]:
    if quarter:
        period = _("{year}, quarter {quarter}").format(year=year, quarter=quarter)
    else:
        period = _("the year {year}").format(year=year)
    published = source.published_at.strftime("%Y-%m-%d %H:%M UTC") if source.published_at else "—"
    if source.release is None:
        state = _("Live data, not frozen: figures as published at {time}; provisional").format(time=published)
    elif source.differing == 0:
        state = _("Frozen: the annual figures equal release {release} (frozen at {time})").format(
            release=source.release, time=source.frozen_at
        )
    else:
        state = _(
            "Live data as published at {time}: {n} annual values differ from the frozen release {release}"
            " (see rolwh diff)"
        ).format(time=published, n=source.differing, release=source.release)
    rows = [
        (_("Period"), period),
        (_("Data"), state),
        (_("Published at"), published),
        (
            _("Status rule"),
            _(
                "Green, yellow and red against the targets of targets/<year>.csv; no target set is never green"
            ),
        ),
    ]
    if partial:
        rows.append(
            (
                _("Partial period"),
                _("The period ends after the latest export date: its figures are not final"),
            )
        )
    return rows


def write_workbook(con: duckdb.DuckDBPyConnection, year: int, quarter: int | None, out: Path) -> Path:
    """Write the workbook of ``year`` (or its ``quarter``) from an open read-only connection."""
    rows = con.execute(_ROWS_SQL, [year, quarter, quarter]).fetchall()
    if not rows:
        raise ExportError(
            _(
                "no indicators for period {period} in the published marts: run `rolwh run`, or pick a period"
                " the data covers"
            ).format(period=f"{year}Q{quarter}" if quarter else year)
        )
    definitions = con.execute(_DEFINITIONS_SQL).fetchall()
    source = _provenance(con, year)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    book = xlsxwriter.Workbook(str(tmp), {"nan_inf_to_errors": True})
    try:
        head = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9D9D9", "border": 1}
        )
        fmt = {
            "text": book.add_format({"border": 1}),
            "count": book.add_format({"num_format": "#,##0", "border": 1}),
            "ratio": book.add_format({"num_format": "0.00%", "border": 1}),
            "ratio_change": book.add_format({"num_format": "+0.00%;-0.00%;0.00%", "border": 1}),
            "count_change": book.add_format({"num_format": "+#,##0;-#,##0;0", "border": 1}),
        }
        fills = {
            s: book.add_format({"bg_color": c, "border": 1, "bold": True}) for s, c in STATUS_FILLS.items()
        }
        headers = [
            _("Indicator code"),
            _("Indicator"),
            _("Community"),
            _("Value"),
            _("Numerator"),
            _("Denominator"),
            _("Target"),
            _("Status"),
            _("Same period last year"),
            _("Year-on-year change"),
        ]
        if quarter:
            headers += [_("Previous quarter"), _("Quarter-on-quarter change")]
        street = [r for r in rows if r[0] == STREET]
        communities = [r for r in rows if r[0] != STREET]
        for title, part in ((_("Street-wide"), street), (_("Communities"), communities)):
            sheet = book.add_worksheet(title)
            sheet.write_row(0, 0, headers, head)
            sheet.freeze_panes(1, 0)
            sheet.set_column(0, 0, 26)
            sheet.set_column(1, 1, 30)
            sheet.set_column(2, 2, 12)
            sheet.set_column(3, len(headers) - 1, 13)
            for i, r in enumerate(part, start=1):
                (
                    code,
                    community,
                    indicator,
                    name,
                    unit,
                    value,
                    num,
                    den,
                    direction,
                    green,
                    _yellow,
                    status,
                    prev_year,
                    yoy,
                    prev_period,
                    qoq,
                    _partial,
                ) = r
                number = fmt["ratio"] if unit == "ratio" else fmt["count"]
                change = fmt["ratio_change"] if unit == "ratio" else fmt["count_change"]
                sheet.write_string(i, 0, indicator, fmt["text"])
                sheet.write_string(i, 1, name, fmt["text"])
                sheet.write_string(i, 2, COMMUNITY_FALLBACK_NAMES.get(code, community), fmt["text"])
                cells = [(value, number), (num, fmt["count"]), (den, fmt["count"])]
                for col, (v, f) in enumerate(cells, start=3):
                    sheet.write_blank(i, col, None, f) if v is None else sheet.write_number(i, col, v, f)
                sheet.write_string(i, 6, format_target(direction, green, unit), fmt["text"])
                sheet.write_string(i, 7, status_label(status), fills.get(status, fmt["text"]))
                extra = [(prev_year, number), (yoy, change)]
                if quarter:
                    extra += [(prev_period, number), (qoq, change)]
                for col, (v, f) in enumerate(extra, start=8):
                    sheet.write_blank(i, col, None, f) if v is None else sheet.write_number(i, col, v, f)
            sheet.autofilter(0, 0, max(len(part), 1), len(headers) - 1)

        sheet = book.add_worksheet(_("Definitions"))
        sheet.write_row(
            0,
            0,
            [_("Indicator code"), _("Indicator"), _("Unit"), _("Kind"), _("Scope"), _("Definition")],
            head,
        )
        sheet.set_column(0, 0, 26)
        sheet.set_column(1, 1, 30)
        sheet.set_column(5, 5, 80)
        for i, d in enumerate(definitions, start=1):
            sheet.write_row(i, 0, [_(LABELS[v]) if v in LABELS else str(v) for v in d], fmt["text"])

        sheet = book.add_worksheet(_("Note"))
        sheet.write_row(0, 0, [_("Item"), _("Content")], head)
        sheet.set_column(0, 0, 16)
        sheet.set_column(1, 1, 100)
        partial = any(r[-1] for r in rows)
        for i, pair in enumerate(_note_rows(year, quarter, source, partial), start=1):
            sheet.write_row(i, 0, pair, fmt["text"])
    finally:
        book.close()
    tmp.replace(out)
    return out


def export_workbook(settings: Settings, year: int, quarter: int | None, out: Path) -> Path:
    """`rolwh export`: the workbook of ``year`` (or its ``quarter``) from the published serving file."""
    if out.suffix.lower() != ".xlsx":
        raise ConfigError(_("--out must name an .xlsx file, got {path}").format(path=out))
    con = open_reader(settings)
    try:
        return write_workbook(con, year, quarter, out)
    finally:
        con.close()
