"""Reading an export file (csv or xlsx) into one grid of NFKC-normalised, trimmed strings.

The grid has positional columns ``c0..cN`` (VARCHAR, blank = NULL) and ``_row_number`` (1-based
spreadsheet row or csv record), so one SQL path parses both formats. A file is read into an Arrow
table of its cells (:func:`read_sheet`), normalised column-wise in Arrow (NFKC, trim; NFKC only
where the caller needs it) and seen by DuckDB as a view over that table (:func:`grid_view`), or
copied into a temp table (:func:`load_grid`, for tools and tests).
Anything that makes a file unreadable raises :class:`ingest.quarantine.Quarantine`, and so does a
file whose every line or row the reader cannot account for (the "whole files only" rule of
:mod:`rolwh.core.contracts`): an unclosed csv quote, a record wider than the header rows, a csv field
spanning too many lines, several visible sheets with data, more than ``MAX_COLUMNS`` columns.
Reasons give line, row, sheet and column numbers, never a value.

The readers: :mod:`ingest.csv_reader`, :mod:`ingest.xlsx_reader`; the grid they share:
:mod:`ingest.grid`. This module picks the reader by suffix.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.csv_reader import read_csv_sheet
from ingest.grid import Sheet, check_width, into_table, normalise_grid, used_columns
from ingest.quarantine import Quarantine
from ingest.xlsx_reader import xlsx_sheet
from rolwh.core.contracts import Feed
from rolwh.core.i18n import _

_SCRATCH = "rolwh_grid_scratch"


def read_sheet(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, feed: Feed | None = None) -> Sheet:
    """The cells of a csv or xlsx export (not normalised), on the suffix (the caller has
    already refused other suffixes); ``feed`` picks among several visible xlsx sheets."""
    if path.suffix.lower() == ".csv":
        return Sheet(read_csv_sheet(con, path, workdir))
    sheet = xlsx_sheet(path, feed)
    cells = used_columns(sheet.cells)
    if cells.num_columns == 0:
        raise Quarantine(_("the sheet is empty: no rows; re-export the file with its data"))
    check_width(cells.num_columns)
    return Sheet(cells, sheet.notices)


def load_grid(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, table: str) -> int:
    """Every cell normalised into temp table ``table`` (tools and tests); returns the grid width."""
    return into_table(con, normalise_grid(read_sheet(con, path, workdir).cells), table)


def read_csv_grid(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> pa.Table:
    """A csv export as a normalised grid (pyarrow table; for inspection and tests)."""
    load_grid(con, path, workdir, _SCRATCH)
    return _take(con, _SCRATCH)


def _take(con: duckdb.DuckDBPyConnection, table: str) -> pa.Table:
    try:
        return con.sql(f"select * from {table} order by _row_number").to_arrow_table()
    finally:
        con.execute(f"drop table if exists {table}")


def read_xlsx_grid(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """The sheet of an xlsx that ingest reads, as a normalised grid (pyarrow table; for inspection
    and tests)."""

    con = con or duckdb.connect()
    load_grid(con, path, path.parent, _SCRATCH)  # no work files for xlsx
    return _take(con, _SCRATCH)
