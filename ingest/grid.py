"""The grid every reader produces: one Arrow table of text cells ``c0..cN``, normalised column-wise
(NFKC, trim), scanned for what the cleaning rules act on, and seen by DuckDB as a view or temp
table with ``_row_number`` (1-based spreadsheet row or csv record)."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingest.parse_sql import GridScan
from ingest.quarantine import Quarantine
from rolwh.core.contracts import FREE_TEXT_PII_GUARD, HEADER_SEARCH_ROWS, INVISIBLE_CHARACTERS, MAX_COLUMNS
from rolwh.core.i18n import _


@dataclass(frozen=True)
class Sheet:
    """The cells read from a file (``c0..cN``, not normalised) and notices on how they were chosen."""

    cells: pa.Table
    notices: tuple[str, ...] = ()


def check_width(width: int) -> None:
    if width > MAX_COLUMNS:
        raise Quarantine(
            _(
                "{width} columns, more than the {limit} any export of the contract may have; "
                "remove the surplus columns or re-export the file"
            ).format(width=width, limit=MAX_COLUMNS)
        )


def normalise_grid(table: pa.Table, nfkc: Collection[int] | None = None) -> pa.Table:
    """Trim every cell, NFKC first those of the columns ``nfkc`` (default: all; vectorised);
    blank -> NULL and row numbers come in the grid's view or table.

    Measured: pyarrow's NFKC over whole columns (~0.05 us a value warm) beats a DuckDB Python UDF
    (per-vector round trips) and an ASCII guard (the guard costs as much as NFKC of ASCII text).
    The caller NFKCs only the columns it parses; the others are only compared (blank rows,
    duplicate rows), for which trimmed text is enough.
    No ``pa.array``/``pa.scalar`` here: they import pandas on first use (seconds per process).
    """

    arrays = [
        pc.utf8_trim_whitespace(pc.utf8_normalize(col, "NFKC") if nfkc is None or i in nfkc else col)
        for i, col in enumerate(table.columns)
    ]
    return pa.table(arrays, names=table.column_names)


@functools.cache
def _invisible_utf8() -> tuple[tuple[bytes, ...], re.Pattern[bytes]]:
    """INVISIBLE_CHARACTERS in UTF-8: their lead bytes (0xE2, 0xEF: rare in keys, codes, dates and
    CJK text, found by memchr) and an exact bytes regex, derived once from the contract's class."""
    bmp = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x10000)))  # no surrogates
    encoded = [ch.encode() for ch in re.findall(INVISIBLE_CHARACTERS, bmp)]
    return tuple({e[:1] for e in encoded}), re.compile(b"|".join(re.escape(e) for e in encoded))


def scan_grid(grid: pa.Table, columns: Collection[int], free_text: Collection[int]) -> GridScan:
    """Which of ``columns`` hold an invisible character, and which of the ``free_text`` columns a
    digit run long enough to be an ID or mobile number, so that the parse applies those rules
    (``rolwh_visible``, ~0.15 us a cell, and ``rolwh_mask_free_text``, a large expression to plan)
    only where they can change something."""

    def has_digit_run(i: int) -> bool:
        return pc.any(pc.match_substring_regex(grid.column(i), FREE_TEXT_PII_GUARD)).as_py() is True

    invisible = frozenset(i for i in columns if _holds_invisible(grid.column(i)))
    return GridScan(invisible, frozenset(i for i in free_text if has_digit_run(i)))


def _holds_invisible(col: pa.ChunkedArray) -> bool:
    """Searches the column's UTF-8 bytes at once (memchr on the lead bytes, then an exact regex); a
    column whose Arrow layout is not plain string counts as holding one."""
    leads, exact = _invisible_utf8()
    for chunk in col.chunks:
        buffers = chunk.buffers()
        if len(buffers) != 3 or chunk.type not in ("string", "large_string"):
            return True
        data = buffers[2].to_pybytes() if buffers[2] is not None else b""
        if any(data.find(lead) >= 0 for lead in leads) and exact.search(data):
            return True
    return False


def used_columns(table: pa.Table) -> pa.Table:
    """The columns up to the last one holding any value (formatting can widen a sheet)."""
    n = table.num_columns
    while n and table.column(n - 1).null_count == table.num_rows:
        n -= 1
    return table.select(range(n)) if n < table.num_columns else table


def leading_rows(sheet: pa.Table) -> list[tuple[int, list[str | None]]]:
    """(row number, cells) of the first HEADER_SEARCH_ROWS rows, where the header is searched."""
    head = [col.to_pylist() for col in sheet.slice(0, HEADER_SEARCH_ROWS).columns]
    return [(i + 1, [col[i] for col in head]) for i in range(min(sheet.num_rows, HEADER_SEARCH_ROWS))]


def _grid_select(grid: pa.Table, source: str) -> str:
    """The grid's cells (blank -> NULL) + ``_row_number`` 1..n from the registered Arrow ``source``."""
    positional = ", ".join(f"nullif(c{i}, '') as c{i}" for i in range(grid.num_columns))
    # row_number() over () numbers the rows in scan order (insertion order is preserved)
    return f"select {positional}, cast(row_number() over () as integer) as _row_number from {source}"


@contextmanager
def grid_view(con: duckdb.DuckDBPyConnection, grid: pa.Table, name: str) -> Iterator[int]:
    """Temp view ``name`` over the (normalised) Arrow ``grid`` while in the block; yields its width.

    No copy into a table: the parse query reads the Arrow buffers once.
    """
    arrow = f"{name}_arrow"
    con.register(arrow, grid)
    try:
        con.execute(f"create or replace temp view {name} as {_grid_select(grid, arrow)}")
        yield grid.num_columns
    finally:
        con.execute(f"drop view if exists {name}")
        con.unregister(arrow)


def into_table(con: duckdb.DuckDBPyConnection, grid: pa.Table, table: str) -> int:
    """Temp table ``table``: the grid's cells (blank -> NULL) + ``_row_number`` 1..n; returns its width."""
    view = f"{table}_arrow"
    con.register(view, grid)
    try:
        con.execute(f"create or replace temp table {table} as {_grid_select(grid, view)}")
    finally:
        con.unregister(view)
    return grid.num_columns
