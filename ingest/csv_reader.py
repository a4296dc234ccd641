"""Reading a csv export (UTF-8 or GB18030; LF, CRLF or lone CR) into an Arrow table of its cells.

A file whose every line the reader cannot account for is quarantined: an unclosed quote, a record
wider than the header rows, a quoted field spanning too many lines (rolwh.core.contracts, "whole
files only"). Reasons give line, record and column numbers, never a value.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingest.grid import check_width, used_columns
from ingest.quarantine import Quarantine
from rolwh.core.contracts import HEADER_SEARCH_ROWS, MAX_CELL_LINE_BREAKS
from rolwh.core.i18n import N_, _

CHUNK = 1024 * 1024
BOM = codecs.BOM_UTF8


UNDECODABLE = N_(
    "not a text file in UTF-8 or GB18030 (the contract's csv encodings): cannot decode it; "
    "export the file again as csv in UTF-8 or GB18030"
)


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
    raise Quarantine(_(UNDECODABLE))


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
        raise Quarantine(_(UNDECODABLE)) from None


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
            _(
                "unbalanced quotes: the quoted field opened on line {line} is never closed "
                "(it would swallow every following line); close the quote or re-export the file"
            ).format(line=line)
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
        raise Quarantine(_("the file is empty: no rows; re-export the file with its data"))
    check_width(width)
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
        reason = (
            _("cannot parse as csv near line {line} ({error}); re-export the file").format(
                line=line.group(1), error=type(exc).__name__
            )
            if line
            else _("cannot parse as csv ({error}); re-export the file").format(error=type(exc).__name__)
        )
        raise Quarantine(reason) from exc
    _account(sheet, width, quoted=marks.quotes > 0)
    return used_columns(sheet.select(range(width)))


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
            _(
                "record {row} has more fields than the first records ({width}): an unquoted comma "
                "inside a value shifts the columns; quote the value or re-export the file"
            ).format(row=row, width=width)
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
                    _(
                        "record {row}, column {column}: a quoted field spans {lines} lines and "
                        "holds what looks like further records (an unclosed quote?); close the quote "
                        "or re-export the file"
                    ).format(row=row, column=c + 1, lines=len(lines))
                )


def _first_true(mask: pa.ChunkedArray) -> int:
    """1-based position of the first true value (a record number)."""
    return next(i for i, v in enumerate(mask.to_pylist(), start=1) if v)


def _multiline_cells(col: pa.ChunkedArray, broken: pa.ChunkedArray) -> Iterator[tuple[int, str]]:
    """(record number, text) of the cells flagged ``broken`` (few: only those are taken to Python)."""

    mask = pc.and_kleene(broken, pc.is_valid(broken)).combine_chunks()  # NULL -> false, no pa.scalar
    rows = [i + 1 for i in pc.indices_nonzero(mask).to_pylist()]
    yield from zip(rows, pc.filter(col, mask).to_pylist(), strict=True)
