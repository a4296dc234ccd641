"""An independent PII oracle for tests: every personal value in a landing area, and a scanner.

It reads the export files without the ingest package (its own minimal header search), collects
the cells of every PII column of the contract (names, ID numbers, phones, staff numbers), and
scans DuckDB files and text artefacts for any of them in the clear.
"""

from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rolwh.core.contracts import FEEDS_BY_NAME, ID_LIST_SEPARATORS, normalise_header


def _cells_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        return []
    return [row for row in csv.reader(io.StringIO(text))]


def _cells_xlsx(path: Path) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception:
        return []
    out = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            cells.append("" if v is None else str(v))
        out.append(cells)
    return out


def _split_values(kind: str, raw: str) -> Iterator[str]:
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return
    if kind == "pii_id_list" or kind == "pii_name":
        parts = re.split(f"[{re.escape(ID_LIST_SEPARATORS)}]", text)
    else:
        parts = [text]
    for part in parts:
        part = part.strip()
        if not part or "*" in part:
            continue
        yield part
        if kind == "pii_phone":
            digits = re.sub(r"\D", "", part)
            if len(digits) == 13 and digits.startswith("86"):
                digits = digits[2:]
            if digits:
                yield digits


@dataclass
class PiiValues:
    """The personal values found in a landing area, by kind."""

    by_kind: dict[str, set[str]] = field(default_factory=dict)
    non_pii_texts: set[str] = field(default_factory=set)

    def add(self, kind: str, value: str) -> None:
        self.by_kind.setdefault(kind, set()).add(value)

    def needles(self, min_len: int = 2) -> set[str]:
        """Values to search for. A name that also stands inside ordinary text of the exports (a
        mediator 曹伟敏 holds the name 曹伟) cannot be told apart from it and is left out."""
        names_in_text = NeedleIndex(self.by_kind.get("pii_name", set())).find("\n".join(self.non_pii_texts))
        out: set[str] = set()
        for kind, values in self.by_kind.items():
            for v in values:
                if len(v) < min_len:
                    continue
                if kind == "pii_name" and v in names_in_text:
                    continue
                if kind in ("pii_staff",) and len(v) < 5:
                    continue  # short staff numbers are indistinguishable from counts
                out.add(v)
        return out


def collect_pii(landing: Path) -> PiiValues:
    found = PiiValues()
    for feed_dir in sorted(p for p in landing.iterdir() if p.is_dir()):
        feed = FEEDS_BY_NAME.get(feed_dir.name)
        if feed is None:
            continue
        for path in sorted(feed_dir.rglob("*")):
            if not path.is_file():
                continue
            suffix = path.suffix.lower()
            rows = _cells_csv(path) if suffix == ".csv" else _cells_xlsx(path) if suffix == ".xlsx" else []
            header_idx, mapping = _find_header(rows, feed)
            if header_idx is None:
                continue
            for row in rows[header_idx + 1 :]:
                for pos, col in mapping.items():
                    if pos >= len(row):
                        continue
                    if col.is_pii:
                        for v in _split_values(col.kind.value, row[pos]):
                            found.add(col.kind.value, v)
                    elif col.kind.value == "text" and row[pos].strip():
                        found.non_pii_texts.add(unicodedata.normalize("NFKC", row[pos]).strip())
    return found


def _find_header(rows: list[list[str]], feed) -> tuple[int | None, dict]:
    headers = feed.headers
    for i, row in enumerate(rows[:10]):
        mapping = {}
        for pos, cell in enumerate(row):
            col = headers.get(normalise_header(cell))
            if col is not None and col not in mapping.values():
                mapping[pos] = col
        if set(feed.required_headers) <= {c.header for c in mapping.values()}:
            return i, mapping
    return None, {}


#: Runs of characters a personal value is made of: digits (IDs, phones, staff numbers) or Han characters.
_TOKEN = re.compile(r"[0-9Xx]{5,}|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


class NeedleIndex:
    """Finds every needle occurring in a text in one pass over its digit and Han runs.

    Checking thousands of needles with ``in`` one by one is quadratic on large artefacts; here each
    run of the text is cut into the needle lengths and looked up in a set.
    """

    def __init__(self, needles: Iterable[str]) -> None:
        needles = set(needles)
        self.tokenish = {n for n in needles if _TOKEN.fullmatch(n)}
        self.other = sorted(needles - self.tokenish)
        self.lengths = sorted({len(n) for n in self.tokenish})

    def find(self, text: str) -> set[str]:
        found: set[str] = set()
        for match in _TOKEN.finditer(text):
            token = match.group()
            for length in self.lengths:
                if length > len(token):
                    break
                for i in range(len(token) - length + 1):
                    if token[i : i + length] in self.tokenish:
                        found.add(token[i : i + length])
        found.update(n for n in self.other if n in text)
        return found


def scan_duckdb(path: Path, needles: set[str]) -> list[str]:
    """Every (table.column: value) of the DuckDB file holding a needle in any text column."""
    import duckdb

    index = NeedleIndex(needles)
    hits: list[str] = []
    con = duckdb.connect(str(path), read_only=True)
    try:
        cols = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type like '%VARCHAR%' and table_catalog = current_database()"
        ).fetchall()
        for schema, table, column in cols:
            text = con.execute(
                f'select string_agg(distinct cast("{column}" as varchar), chr(10)) from "{schema}"."{table}"'
            ).fetchone()[0]
            hits += [f"{schema}.{table}.{column}: {n}" for n in sorted(index.find(text or ""))]
    finally:
        con.close()
    return hits


#: Static assets copied verbatim by tools (GX Data Docs images, fonts): no data is ever written into
#: them, and decoding their bytes as GB18030 makes random two-character "names".
STATIC_ASSET_SUFFIXES = frozenset(
    {".gif", ".png", ".jpg", ".jpeg", ".ico", ".svgz", ".woff", ".woff2", ".ttf", ".otf", ".eot"}
)


def scan_files(paths: Iterable[Path], needles: set[str]) -> list[str]:
    """Every (file: needle) where a text or binary artefact holds a needle.

    Text files are read as UTF-8 and as GB18030. A binary file (a NUL byte in it) is read as UTF-8
    only: GB18030 maps almost any pair of high bytes to a Han character, so compressed or packed
    bytes (Airflow's serialised DAGs, DuckDB blocks) would match random two-character names.
    Databases are better read through their own engine (`scan_duckdb`, `scan_sqlite`).
    """
    index = NeedleIndex(needles)
    hits: list[str] = []
    for path in paths:
        if not path.is_file() or path.suffix.lower() in STATIC_ASSET_SUFFIXES:
            continue
        found: set[str] = set()
        for data in _contents(path.read_bytes()):
            found |= index.find(data.decode("utf-8", errors="replace"))
            if b"\0" not in data:
                found |= index.find(data.decode("gb18030", errors="replace"))
        hits += [f"{path}: {n}" for n in sorted(found)]
    return hits


#: How much of one member of a zip artefact is read (ours are small; a bomb is not followed further).
_MEMBER_LIMIT = 64 * 1024 * 1024


def _contents(data: bytes) -> list[bytes]:
    """The bytes to search: the file's own, and for a zip container (.xlsx, .docx) every member's
    inflated text too, with XML character references resolved: the compressed form hides it."""
    contents = [data]
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.infolist():
                    with archive.open(member) as handle:
                        xml = handle.read(_MEMBER_LIMIT).decode("utf-8", errors="replace")
                    contents.append(html.unescape(xml).encode())  # openpyxl writes 李 as &#26446;
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
            pass  # not a readable zip after all: its raw bytes are searched above
    return contents


def _sqlite_value_text(value: object) -> str:
    """A SQLite cell as text; blobs are tried as zlib/gzip first (Airflow compresses serialised DAGs)."""
    if isinstance(value, bytes):
        import zlib

        for wbits in (zlib.MAX_WBITS, 16 + zlib.MAX_WBITS):
            try:
                return zlib.decompress(value, wbits).decode("utf-8", errors="replace")
            except zlib.error:
                continue
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def scan_sqlite(path: Path, needles: set[str]) -> list[str]:
    """Every (table.column: needle) of a SQLite file (Airflow's metadata DB) holding a needle in any cell."""
    import sqlite3

    index = NeedleIndex(needles)
    hits: list[str] = []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            cursor = con.execute(f"select * from {quoted}")
            columns = [d[0] for d in cursor.description]
            texts: dict[str, list[str]] = {c: [] for c in columns}
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    texts[column].append(_sqlite_value_text(value))
            for column, values in texts.items():
                hits += [f"{path}:{table}.{column}: {n}" for n in sorted(index.find("\n".join(values)))]
    finally:
        con.close()
    return hits
