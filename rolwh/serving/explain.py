"""``rolwh explain``: the records behind one figure, read from the published lineage mart.

marts.fct_indicator_records lists, per (indicator, period, community, role), the records a figure
counts with their key, dates, status, community and source file and row (pseudonyms only). This
module reads it read-only and prints it as a table or CSV.
"""

from __future__ import annotations

import difflib
import sys
from typing import IO

import duckdb

from rolwh.core.console import safe
from rolwh.core.errors import UsageError
from rolwh.core.i18n import N_, _
from rolwh.core.settings import Settings
from rolwh.serving.communities import resolve_community
from rolwh.serving.indicators import IndicatorsNotBuilt, period_label, require_period
from rolwh.serving.query import open_reader, write_result

#: The listing's columns: (column of marts.fct_indicator_records, header shown).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("period", N_("period")),
    ("community_code", N_("community")),
    ("role", N_("role")),
    ("record_key", N_("record key")),
    ("opened_date", N_("start date")),
    ("closed_date", N_("end date")),
    ("status", N_("status")),
    ("source_file", N_("source file")),
    ("source_row", N_("source row")),
)

_SQL = f"""
select {", ".join(column for column, _header in COLUMNS)}
from marts.fct_indicator_records
where indicator_code = ? and year = ?
    and (case when ? is null then period_grain = 'year' else quarter = ? end)
    and (? is null or community_code = ?)
order by period, community_code, role desc, record_key
"""


_YEAR_SQL = f"""
select indicator_code, {", ".join(column for column, _header in COLUMNS)}
from marts.fct_indicator_records
where year = ?
order by indicator_code, period, community_code, role desc, record_key
"""


def year_records(con: duckdb.DuckDBPyConnection, year: int) -> list[tuple]:
    """Every listed record of ``year`` (quarters and the year): indicator_code, then :data:`COLUMNS`;
    none when the lineage mart is not published."""
    try:
        return con.execute(_YEAR_SQL, [year]).fetchall()
    except duckdb.CatalogException:
        return []


def _require_indicator(con: duckdb.DuckDBPyConnection, indicator: str) -> str:
    """The indicator's code as published; :class:`UsageError` (exit 2) naming close codes otherwise."""
    codes = [str(c) for (c,) in con.execute("select indicator_code from marts.dim_indicator").fetchall()]
    wanted = indicator.strip().upper()
    if wanted in codes:
        return wanted
    close = difflib.get_close_matches(wanted, codes, n=5, cutoff=0.5) or codes
    raise UsageError(
        _("unknown indicator {indicator}; did you mean: {codes}").format(
            indicator=safe(indicator), codes=", ".join(close)
        )
    )


def explain_rows(
    settings: Settings, indicator: str, year: int, quarter: int | None = None, community: str | None = None
) -> tuple[str, list[tuple]]:
    """The indicator's code and the records behind its figures of ``year`` (or ``quarter``), for one
    community or all (every column of :data:`COLUMNS`, ordered by period, community, role, key).

    Unknown indicator or community: :class:`UsageError` (exit 2); nothing published for the period,
    or the indicator is not record-based: :class:`IndicatorsNotBuilt` (exit 1)."""
    con = open_reader(settings)
    try:
        code = _require_indicator(con, indicator)
        require_period(con, year, quarter)
        where = None
        if community is not None:
            where = resolve_community(con, community).code
            where = None if where == "ALL" else where
        try:
            rows = con.execute(_SQL, [code, year, quarter, quarter, where, where]).fetchall()
        except duckdb.CatalogException:
            raise IndicatorsNotBuilt(_("the lineage mart is not built yet: run `rolwh run`")) from None
        if (
            not rows
            and not con.execute(
                "select 1 from marts.fct_indicator_records where indicator_code = ? limit 1", [code]
            ).fetchall()
        ):
            raise IndicatorsNotBuilt(
                _("indicator {code} is not listed record by record (not a record-based indicator)").format(
                    code=code
                )
            )
    finally:
        con.close()
    return code, rows


def print_explain(
    settings: Settings,
    indicator: str,
    year: int,
    quarter: int | None = None,
    community: str | None = None,
    *,
    fmt: str = "table",
    out: IO[str] | None = None,
) -> int:
    """Print the records behind an indicator's figures as a table or CSV; exit code 0, or
    :class:`IndicatorsNotBuilt` (exit 1) when there are none."""
    code, rows = explain_rows(settings, indicator, year, quarter, community)
    if not rows:
        raise IndicatorsNotBuilt(
            _("no records behind {code} for {period}").format(code=code, period=period_label(year, quarter))
        )
    write_result([_(header) for _column, header in COLUMNS], rows, fmt, out or sys.stdout)
    return 0
