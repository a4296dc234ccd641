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
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import fastexcel
import pyarrow as pa
import pyarrow.compute as pc

from ingest.headers import find_header
from ingest.parse_sql import GridScan
from ingest.quarantine import Quarantine
from rolwh.core.contracts import (
    FREE_TEXT_PII_GUARD,
    HEADER_SEARCH_ROWS,
    INVISIBLE_CHARACTERS,
    MAX_CELL_LINE_BREAKS,
    MAX_COLUMNS,
    MAX_XLSX_UNCOMPRESSED_BYTES,
    Feed,
)

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
    # newline="": lines end at LF, CRLF or a lone CR (old Mac exporters), as in DuckDB's reader
    for i, rec in enumerate(csv.reader(io.StringIO(head, newline=""))):
        widths.append(len(rec))
        if i >= HEADER_SEARCH_ROWS * 2:
            break
    return max(widths, default=0)


@dataclass(frozen=True)
class _Marks:
    """What one pass over a csv's bytes counts: double quotes, CRs, CRLFs."""

    quotes: int
    crs: int
    crlfs: int

    @property
    def lone_cr(self) -> bool:
        return self.crs > self.crlfs


def _marks(path: Path) -> _Marks:
    quotes = crs = crlfs = 0
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):  # memchr first: most chunks hold no quote and no CR
            if chunk.find(b'"') >= 0:
                quotes += chunk.count(b'"')
            if chunk.find(b"\r") >= 0 or last == b"\r":
                crs += chunk.count(b"\r")
                crlfs += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
    return _Marks(quotes, crs, crlfs)


_QUOTE_OR_DELIM = re.compile(r'[",]')


def unclosed_quote_line(path: Path) -> int | None:
    """The line where a quoted field opens that never closes (it would swallow the rest of the
    file), or None. RFC 4180 as DuckDB reads it leniently: a quote opens a field only at its start,
    ``""`` inside a quoted field is a quote, a quote inside an unquoted field is a plain character.
    Only called when the file holds an odd number of quotes (rare): a line-by-line Python scan."""
    in_quote, opened = False, 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for number, line in enumerate(fh, start=1):
            if not in_quote and '"' not in line:
                continue
            field_start, skip = 0, -1  # where the current field starts; an escaped quote's 2nd char
            for m in _QUOTE_OR_DELIM.finditer(line):
                i = m.start()
                if i == skip:
                    continue
                if in_quote:
                    if m.group() == '"':
                        if line[i + 1 : i + 2] == '"':
                            skip = i + 1
                        else:
                            in_quote = False
                elif m.group() == ",":
                    field_start = i + 1
                elif i == field_start:
                    in_quote, opened = True, number
    return opened if in_quote else None


def _quote_problem(source: Path, marks: _Marks) -> None:
    if marks.quotes % 2 and (line := unclosed_quote_line(source)) is not None:
        raise Quarantine(
            f"unbalanced quotes: the quoted field opened on line {line} is never closed "
            "(it would swallow every following line); close the quote or re-export the file"
        )


def read_csv_sheet(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> pa.Table:
    """A csv export as an Arrow table of its cells ``c0..cN`` (DuckDB's csv reader, all VARCHAR,
    not normalised), one row per csv record; trailing columns without any value dropped.

    Line endings LF, CRLF and lone CR are all line ends. A file whose every line the reader cannot
    account for is quarantined (:func:`_account`)."""

    source = utf8_source(path, workdir)
    marks = _marks(source)
    _quote_problem(source, marks)
    width = _head_width(source)
    if width == 0:
        raise Quarantine("the file is empty: no rows")
    _check_width(width)
    # one column more than the first records hold: a later record with more fields shows there
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width + 1)) + "}"
    options = (
        f"header = false, auto_detect = false, columns = {columns}, delim = ',', quote = '\"', "
        "escape = '\"', skip = 0, null_padding = true, strict_mode = false, max_line_size = 10000000"
    )
    if marks.lone_cr:  # DuckDB's own guess takes the first line's ending for all and loses cells
        options += ", new_line = '\\r'"
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
        line = re.search(r"on Line: (\d+)", str(exc))  # DuckDB's text may quote the line: not kept
        where = f" near line {line.group(1)}" if line else ""
        raise Quarantine(f"cannot parse as csv{where} ({type(exc).__name__})") from exc
    _account(sheet, width, quoted=marks.quotes > 0)
    return _used(sheet.select(range(width)))


_LINE_BREAK = r"\r\n|\r|\n"


def _account(sheet: pa.Table, width: int, quoted: bool) -> None:
    """Quarantine a csv whose records do not account for its lines: a record with more fields than
    the first records (read into the extra last column), a quoted field holding more than
    MAX_CELL_LINE_BREAKS line breaks or a continuation line with a whole record's delimiters (a
    quote that swallowed the following records)."""

    extra = sheet.column(width)
    if extra.null_count < sheet.num_rows:
        row = _first_true(pc.is_valid(extra))
        raise Quarantine(
            f"record {row} has more fields than the first records ({width}): an unquoted comma "
            "inside a value shifts the columns; quote the value or re-export the file"
        )
    for c in range(width if quoted else 0):  # without quotes no field can hold a line break
        col = sheet.column(c)
        # literal searches (memchr), not a regex: every cell of every csv passes here
        broken = pc.or_(pc.match_substring(col, "\n"), pc.match_substring(col, "\r"))
        if not pc.any(broken).as_py():
            continue
        for row, cell in _multiline_cells(col, broken):
            lines = re.split(_LINE_BREAK, cell)
            if len(lines) - 1 > MAX_CELL_LINE_BREAKS or any(
                line.count(",") >= max(width - 1, 1) for line in lines[1:]
            ):
                raise Quarantine(
                    f"record {row}, column {c + 1}: a quoted field spans {len(lines)} lines and "
                    "holds what looks like further records (an unclosed quote?); close the quote "
                    "or re-export the file"
                )


def _first_true(mask: pa.ChunkedArray) -> int:
    """1-based position of the first true value (a record number)."""
    return next(i for i, v in enumerate(mask.to_pylist(), start=1) if v)


def _multiline_cells(col: pa.ChunkedArray, broken: pa.ChunkedArray) -> Iterator[tuple[int, str]]:
    """(record number, text) of the cells flagged ``broken`` (few: only those are taken to Python)."""

    mask = pc.and_kleene(broken, pc.is_valid(broken)).combine_chunks()  # NULL -> false, no pa.scalar
    rows = [i + 1 for i in pc.indices_nonzero(mask).to_pylist()]
    yield from zip(rows, pc.filter(col, mask).to_pylist(), strict=True)


def _check_width(width: int) -> None:
    if width > MAX_COLUMNS:
        raise Quarantine(
            f"{width} columns, more than the {MAX_COLUMNS} any export of the contract may have; "
            "remove the surplus columns or re-export the file"
        )


def read_csv_grid(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> pa.Table:
    """A csv export as a normalised grid (pyarrow table; for inspection and tests)."""
    load_grid(con, path, workdir, _SCRATCH)
    return _take(con, _SCRATCH)


def _take(con: duckdb.DuckDBPyConnection, table: str) -> pa.Table:
    try:
        return con.sql(f"select * from {table} order by _row_number").to_arrow_table()
    finally:
        con.execute(f"drop table if exists {table}")


# -- xlsx -----------------------------------------------------------------------------------------
def check_xlsx_container(path: Path) -> None:
    """Quarantine an xlsx that is not a zip or whose parts would inflate beyond the limit."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise Quarantine(
            f"not a readable xlsx file (not a valid zip container: {type(exc).__name__})"
        ) from exc
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise Quarantine(
            f"xlsx parts would inflate to {total / 2**20:.0f} MB, over the "
            f"{MAX_XLSX_UNCOMPRESSED_BYTES / 2**20:.0f} MB limit (possible zip bomb); not read"
        )


@dataclass(frozen=True)
class Sheet:
    """The cells read from a file (``c0..cN``, not normalised) and notices on how they were chosen."""

    cells: pa.Table
    notices: tuple[str, ...] = ()


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
        raise Quarantine(f"cannot read sheet {number} of the xlsx ({type(exc).__name__})") from exc
    notices = [f"{hidden} hidden sheet(s) holding data not read"] if hidden else []
    if not tables:
        raise Quarantine(
            "no visible sheet holds data" + (f" ({hidden} hidden sheet(s) do)" if hidden else "")
        )
    if len(tables) == 1:
        return Sheet(tables[0][1], tuple(notices))
    with_header = [(n, t) for n, t in tables if feed is not None and _has_header(feed, t)]
    if len(with_header) != 1:
        raise Quarantine(
            f"{len(tables)} visible sheets hold data (sheets {', '.join(str(n) for n, _ in tables)}), "
            f"{len(with_header)} of them with the feed's header: keep one sheet (delete or hide the others)"
        )
    number, table = with_header[0]
    notices.append(
        f"sheet {number} read: of {len(tables)} visible sheets holding data, the only one with the feed's header"
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


def read_xlsx_grid(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """The sheet of an xlsx that ingest reads, as a normalised grid (pyarrow table; for inspection
    and tests)."""

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


def read_sheet(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, feed: Feed | None = None) -> Sheet:
    """The cells of a csv or xlsx export (not normalised), on the suffix (the caller has
    already refused other suffixes); ``feed`` picks among several visible xlsx sheets."""
    if path.suffix.lower() == ".csv":
        return Sheet(read_csv_sheet(con, path, workdir))
    sheet = xlsx_sheet(path, feed)
    cells = _used(sheet.cells)
    if cells.num_columns == 0:
        raise Quarantine("the sheet is empty")
    _check_width(cells.num_columns)
    return Sheet(cells, sheet.notices)


def load_grid(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, table: str) -> int:
    """Every cell normalised into temp table ``table`` (tools and tests); returns the grid width."""
    return _into_table(con, normalise_grid(read_sheet(con, path, workdir).cells), table)
