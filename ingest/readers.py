"""Reading an export file (csv or xlsx) into one grid of NFKC-normalised, trimmed strings.

The grid has positional columns ``c0..cN`` (VARCHAR, blank = NULL) and ``_row_number`` (1-based
spreadsheet row or csv record), so one SQL path parses both formats. A file is read into an Arrow
table of its cells (:func:`read_sheet`), normalised column-wise in Arrow (NFKC, trim; NFKC only
where the caller needs it) and seen by DuckDB as a view over that table (:func:`grid_view`), or
copied into a temp table (:func:`load_grid`, for tools and tests).
Anything that makes a file unreadable raises :class:`ingest.quarantine.Quarantine`.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import fastexcel
import pyarrow as pa
import pyarrow.compute as pc

from ingest.quarantine import Quarantine
from rolwh.core.contracts import HEADER_SEARCH_ROWS, MAX_XLSX_UNCOMPRESSED_BYTES

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

CHUNK = 1024 * 1024
BOM = codecs.BOM_UTF8
_SCRATCH = "rolwh_grid_scratch"


# -- csv ------------------------------------------------------------------------------------------
UNDECODABLE = "not a text file in UTF-8 or GB18030 (the contract's csv encodings): cannot decode it"


def _has_bom(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(BOM)) == BOM


def _utf8_kind(path: Path) -> str | None:
    """'utf-8-sig' (BOM), 'utf-8' (decodes strictly, streamed) or None: the first rule of both
    :func:`detect_encoding` and :func:`utf8_source`."""
    if _has_bom(path):
        return "utf-8-sig"
    return "utf-8" if _decodes(path, "utf-8") else None


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' (BOM), 'utf-8' (decodes strictly, streamed) or 'gb18030'; else Quarantine."""
    kind = _utf8_kind(path)
    if kind is not None:
        return kind
    if _decodes(path, "gb18030"):
        return "gb18030"
    raise Quarantine(UNDECODABLE)


def utf8_source(path: Path, workdir: Path) -> Path:
    """``path`` when it is UTF-8 (as :func:`detect_encoding` decides), else a UTF-8 copy of its
    GB18030 text in ``workdir``; Quarantine when it is neither.

    Decodes a GB18030 file once (the transcode is the check), not twice.
    """
    if _utf8_kind(path) is not None:
        return path
    try:
        return transcode_to_utf8(path, "gb18030", workdir / "transcoded.csv")
    except UnicodeDecodeError:
        raise Quarantine(UNDECODABLE) from None


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def transcode_to_utf8(path: Path, encoding: str, target: Path) -> Path:
    """Stream ``path`` from ``encoding`` into a UTF-8 file ``target``."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target


def _head_width(path: Path) -> int:
    """Most fields in any of the first records of a UTF-8 csv (the header lies among them)."""
    with path.open("rb") as fh:
        head = fh.read(CHUNK).decode("utf-8-sig", errors="ignore")
    widths = []
    # the head is at most CHUNK characters, so no field in it can exceed that (default limit: 128 KiB)
    csv.field_size_limit(max(csv.field_size_limit(), CHUNK + 1))
    for i, rec in enumerate(csv.reader(io.StringIO(head))):
        widths.append(len(rec))
        if i >= HEADER_SEARCH_ROWS * 2:
            break
    return max(widths, default=0)


def read_csv_sheet(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> pa.Table:
    """A csv export as an Arrow table of its cells ``c0..cN`` (DuckDB's csv reader, all VARCHAR,
    not normalised), one row per csv record; trailing columns without any value dropped."""

    source = utf8_source(path, workdir)
    width = _head_width(source)
    if width == 0:
        raise Quarantine("the file is empty: no rows")
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    options = (
        f"header = false, auto_detect = false, columns = {columns}, delim = ',', quote = '\"', "
        "escape = '\"', skip = 0, null_padding = true, strict_mode = false, max_line_size = 10000000"
    )
    params = {"path": str(source)}
    try:
        try:
            sheet = con.sql(f"select * from read_csv($path, {options})", params=params).to_arrow_table()
        except duckdb.Error as exc:
            if "parallel" not in str(exc):
                raise
            sheet = con.sql(
                f"select * from read_csv($path, {options}, parallel = false)", params=params
            ).to_arrow_table()
    except duckdb.Error as exc:
        raise Quarantine(f"cannot parse as csv: {_first_lines(str(exc))}") from exc
    return _used(sheet)


def read_csv_grid(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> pa.Table:
    """A csv export as a normalised grid (pyarrow table; for inspection and tests)."""
    load_grid(con, path, workdir, _SCRATCH)
    return _take(con, _SCRATCH)


def _take(con: duckdb.DuckDBPyConnection, table: str) -> pa.Table:
    try:
        return con.sql(f"select * from {table} order by _row_number").to_arrow_table()
    finally:
        con.execute(f"drop table if exists {table}")


def _first_lines(text: str, n: int = 3) -> str:
    return " ".join(line.strip() for line in text.strip().splitlines()[:n])


# -- xlsx -----------------------------------------------------------------------------------------
def check_xlsx_container(path: Path) -> None:
    """Quarantine an xlsx that is not a zip or whose parts would inflate beyond the limit."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise Quarantine(f"not a readable xlsx file (not a valid zip container: {exc})") from exc
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise Quarantine(
            f"xlsx parts would inflate to {total / 2**20:.0f} MB, over the "
            f"{MAX_XLSX_UNCOMPRESSED_BYTES / 2**20:.0f} MB limit (possible zip bomb); not read"
        )


def xlsx_arrow(path: Path) -> pa.Table:
    """The first sheet of an xlsx as a text grid ``c0..cN`` (not normalised), one row per sheet row.

    fastexcel (Rust calamine straight into Arrow: no Python object per cell, ~2.5x faster than
    python-calamine's lists) renders every cell as text (whole numbers without '.0', date-times
    rounded to the second); :func:`_contract_text` then makes date cells 'YYYY-MM-DD' and time
    cells 'HH:MM:SS'. Leading empty rows are kept, so grid row numbers are sheet row numbers.
    """

    check_xlsx_container(path)
    try:
        sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, skip_rows=0, dtypes="string")
        table = sheet.to_arrow()
    except Exception as exc:  # fastexcel raises several error types for broken files
        raise Quarantine(f"cannot read the first sheet of the xlsx: {type(exc).__name__}: {exc}") from exc
    if table.num_columns == 0 or table.num_rows == 0:
        raise Quarantine("the first sheet is empty")
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


def read_xlsx_grid(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """The first sheet of an xlsx as a normalised grid (pyarrow table; for inspection and tests)."""

    con = con or duckdb.connect()
    load_grid(con, path, path.parent, _SCRATCH)  # no work files for xlsx
    return _take(con, _SCRATCH)


# -- shared: the grid as a DuckDB temp table ------------------------------------------------------
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


def _used(table: pa.Table) -> pa.Table:
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


def _into_table(con: duckdb.DuckDBPyConnection, grid: pa.Table, table: str) -> int:
    """Temp table ``table``: the grid's cells (blank -> NULL) + ``_row_number`` 1..n; returns its width."""
    view = f"{table}_arrow"
    con.register(view, grid)
    try:
        con.execute(f"create or replace temp table {table} as {_grid_select(grid, view)}")
    finally:
        con.unregister(view)
    return grid.num_columns


def read_sheet(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> pa.Table:
    """The cells of a csv or xlsx export (not normalised), on the suffix (the caller has
    already refused other suffixes)."""
    if path.suffix.lower() == ".csv":
        return read_csv_sheet(con, path, workdir)
    return _used(xlsx_arrow(path))


def load_grid(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, table: str) -> int:
    """Every cell normalised into temp table ``table`` (tools and tests); returns the grid width."""
    return _into_table(con, normalise_grid(read_sheet(con, path, workdir)), table)
