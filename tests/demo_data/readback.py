"""A deliberately small, independent reader of the demo files (not the ingest package)."""

from __future__ import annotations

import csv
import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from rolwh.core.contracts import EXPORT_DATE_PATTERN, FOOTER_PREFIXES, Feed, Kind, normalise_header

EXCEL_EPOCH = date(1899, 12, 30)
_DT = re.compile(r"^(\d{4})\D(\d{1,2})\D(\d{1,2})日?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


class Bad(ValueError):
    pass


def read_rows(path: Path) -> list[list[object]]:
    """All rows of a file (cached: the tests read the same files many times)."""
    return _read_rows(path, path.stat().st_mtime_ns)


@cache
def _read_rows(path: Path, _mtime: int) -> list[list[object]]:
    """All rows of a file as python values (xlsx via calamine; csv: UTF-8 [BOM] else GB18030)."""
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return [list(r) for r in csv.reader(text.splitlines())]


def parse_dt(v: object) -> datetime:
    if isinstance(v, datetime):
        return v.replace(microsecond=0) + timedelta(seconds=round(v.microsecond / 1e6))
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    if isinstance(v, int | float) and not isinstance(v, bool):
        return datetime.combine(EXCEL_EPOCH + timedelta(days=int(v)), datetime.min.time())
    s = unicodedata.normalize("NFKC", str(v)).strip()
    m = _DT.match(s) or _COMPACT.match(s)
    if not m:
        raise Bad(f"not a date: {s!r}")
    y, mo, d, hh, mm, ss = m.groups()
    try:
        return datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError as exc:
        raise Bad(str(exc)) from exc


def blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def parse_file(feed: Feed, path: Path) -> list[dict[str, object]] | None:
    """Good rows as {column name: value}; None when the file must be quarantined."""
    if path.suffix not in (".xlsx", ".csv") or not EXPORT_DATE_PATTERN.search(path.name):
        return None
    try:
        rows = read_rows(path)
    except Exception:
        return None
    required = set(feed.required_headers)
    for h, row in enumerate(rows[:10]):  # noqa: B007 - h is the header row found
        names = [normalise_header(c) for c in row]
        if required <= set(names):
            break
    else:
        return None
    index = {c.name: names.index(c.header) for c in feed.columns if c.header in names}
    good, bad, seen = [], 0, set()
    for row in rows[h + 1 :]:
        key = row[0] if row else None
        if all(blank(c) for c in row) or blank(key) or str(key).strip().startswith(FOOTER_PREFIXES):
            continue
        if tuple(map(str, row)) in seen:
            continue
        seen.add(tuple(map(str, row)))
        try:
            good.append(_parse_row(feed, index, row))
        except Bad:
            bad += 1
    if bad > 0.2 * (len(good) + bad):
        return None
    return good


def _parse_row(feed: Feed, index: dict[str, int], row: list[object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for c in feed.columns:
        v = row[index[c.name]] if c.name in index and index[c.name] < len(row) else None
        if blank(v):
            out[c.name] = c.blank_default
            continue
        if c.kind in (Kind.DATE, Kind.DATETIME):
            t = parse_dt(v)
            out[c.name] = t.date() if c.kind == Kind.DATE else t
        elif c.kind == Kind.CODE:
            s = unicodedata.normalize("NFKC", str(v)).strip()
            if s not in c.codes:
                raise Bad(f"code {s!r}")
            out[c.name] = s
        elif c.kind == Kind.KEY:
            out[c.name] = normalise_header(v)
        elif c.approximate:
            out[c.name] = _quantity(v)
        else:
            out[c.name] = v if not isinstance(v, str) else v.strip()
    for c in feed.columns:
        need = c.required
        if c.required_when:
            hit = out.get(c.required_when.column) in c.required_when.values
            need = need or (hit != c.required_when.negate)
        if need and out.get(c.name) is None:
            raise Bad(f"missing {c.header}")
    return out


_APPROX = re.compile(r"^(?:约\s*(\d+)|(\d+)\s*余|(\d+))$")


def _quantity(v: object) -> int:
    """A ledger quantity: a whole number, 约N or N余 (N)."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return int(v)
    m = _APPROX.match(unicodedata.normalize("NFKC", str(v)).strip())
    if not m:
        raise Bad("not a quantity")
    return int(next(g for g in m.groups() if g))


def export_date(path: Path) -> date:
    m = EXPORT_DATE_PATTERN.search(path.name)
    assert m
    return datetime.strptime(m.group(1), "%Y%m%d").date()
