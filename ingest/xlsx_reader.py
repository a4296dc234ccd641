"""Reading an xlsx export: the one visible sheet the contract reads, as an Arrow table of its cells
rendered as contract text; a broken container, a zip bomb or an ambiguous workbook is quarantined."""

from __future__ import annotations

import zipfile
from pathlib import Path

import fastexcel
import pyarrow as pa
import pyarrow.compute as pc

from ingest.grid import Sheet, leading_rows, normalise_grid
from ingest.headers import find_header
from ingest.quarantine import Quarantine
from rolwh.core.contracts import HEADER_SEARCH_ROWS, MAX_XLSX_UNCOMPRESSED_BYTES, Feed
from rolwh.core.i18n import _


def check_xlsx_container(path: Path) -> None:
    """Quarantine an xlsx that is not a zip or whose parts would inflate beyond the limit."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise Quarantine(
            _(
                "not a readable xlsx file (not a valid zip container: {error}); "
                "save the workbook again as xlsx and deliver it anew"
            ).format(error=type(exc).__name__)
        ) from exc
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise Quarantine(
            _(
                "xlsx parts would inflate to {size:.0f} MB, over the {limit:.0f} MB limit "
                "(possible zip bomb); not read; split the export into smaller files"
            ).format(size=total / 2**20, limit=MAX_XLSX_UNCOMPRESSED_BYTES / 2**20)
        )


def xlsx_sheet(path: Path, feed: Feed | None = None) -> Sheet:
    """The sheet of an xlsx the contract reads, as a text grid ``c0..cN`` (not normalised), one row
    per sheet row.

    Which sheet (rolwh.core.contracts, "whole files only"): hidden sheets are never read; the only
    visible sheet holding data is; of several visible sheets holding data, the only one whose
    leading rows hold ``feed``'s header is (with a notice naming its number), else the file is
    quarantined as ambiguous.

    fastexcel (Rust calamine straight into Arrow: no Python object per cell, ~2.5x faster than
    python-calamine's lists) renders every cell as text (whole numbers without '.0', date-times
    rounded to the second); :func:`_contract_text` then makes date cells 'YYYY-MM-DD' and time
    cells 'HH:MM:SS'. Leading empty rows are kept, so grid row numbers are sheet row numbers.
    """

    check_xlsx_container(path)
    number = 0
    try:
        reader = fastexcel.read_excel(str(path))
        visible, hidden = [], 0
        for number in range(1, len(reader.sheet_names) + 1):
            sheet = reader.load_sheet(number - 1, header_row=None, skip_rows=0, dtypes="string")
            holds_data = sheet.width > 0 and sheet.total_height > 0
            if sheet.visible != "visible":
                hidden += holds_data
            elif holds_data:
                visible.append((number, sheet))
        tables = [(n, _text_grid(sheet.to_arrow())) for n, sheet in visible]
    except Exception as exc:  # fastexcel raises several error types for broken files
        raise Quarantine(
            _(
                "cannot read sheet {sheet} of the xlsx ({error}); save the workbook again and deliver it anew"
            ).format(sheet=number, error=type(exc).__name__)
        ) from exc
    notices = [_("{n} hidden sheet(s) holding data not read").format(n=hidden)] if hidden else []
    if not tables:
        raise Quarantine(
            _("no visible sheet holds data ({n} hidden sheet(s) do); unhide the sheet to be read").format(
                n=hidden
            )
            if hidden
            else _("no visible sheet holds data; re-export the file with its data")
        )
    if len(tables) == 1:
        return Sheet(tables[0][1], tuple(notices))
    with_header = [(n, t) for n, t in tables if feed is not None and _has_header(feed, t)]
    if len(with_header) != 1:
        raise Quarantine(
            _(
                "{n} visible sheets hold data (sheets {sheets}), {with_header} of them with the feed's "
                "header: keep one sheet (delete or hide the others)"
            ).format(
                n=len(tables), sheets=", ".join(str(n) for n, _t in tables), with_header=len(with_header)
            )
        )
    number, table = with_header[0]
    notices.append(
        _(
            "sheet {sheet} read: of {n} visible sheets holding data, the only one with the feed's header"
        ).format(sheet=number, n=len(tables))
    )
    return Sheet(table, tuple(notices))


def _has_header(feed: Feed, table: pa.Table) -> bool:
    try:
        find_header(feed, leading_rows(normalise_grid(table.slice(0, HEADER_SEARCH_ROWS))))
    except Quarantine:
        return False
    return True


def _text_grid(table: pa.Table) -> pa.Table:

    return pa.table(
        [_contract_text(col) for col in table.columns], names=[f"c{i}" for i in range(table.num_columns)]
    )


#: fastexcel's text of a date cell is 'YYYY-MM-DD 00:00:00', of a time-of-day cell 'YYYY-MM-DD HH:MM:SS'
#: on Excel's day 0 (1899-12-31): the contract text is 'YYYY-MM-DD' and 'HH:MM:SS' (a bare time is
#: not a date, so it must not parse as one).
_MIDNIGHT = " 00:00:00"
_DAY_ZERO = r"^1899-12-3[01] (\d{2}:\d{2}:\d{2})$"


def _contract_text(col: pa.ChunkedArray) -> pa.ChunkedArray:

    if pc.any(pc.ends_with(col, _MIDNIGHT)).as_py():
        col = pc.replace_substring_regex(col, r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1")
    if pc.any(pc.starts_with(col, "1899-12-3")).as_py():
        col = pc.replace_substring_regex(col, _DAY_ZERO, r"\1")
    return col
