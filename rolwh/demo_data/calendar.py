"""The demo's time frame and export calendar: which export a record version appears in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2025, 3, 31)
#: The last day of the report year the demo reproduces.
DEC31 = date(2024, 12, 31)


def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def month_ends(first: date = FIRST_DAY, last: date = LAST_DAY) -> list[date]:
    out, d = [], month_end(first)
    while d <= last:
        out.append(d)
        d = month_end(d + timedelta(days=1))
    return out


def quarter_ends(first: date = FIRST_DAY, last: date = LAST_DAY) -> list[date]:
    return [d for d in month_ends(first, last) if d.month % 3 == 0]


def at(d: date, seconds: int) -> datetime:
    """``d`` at ``seconds`` after midnight."""
    return datetime(d.year, d.month, d.day) + timedelta(seconds=seconds)


def export_of(t: date | datetime) -> date:
    """The monthly export that first shows a state reached at ``t``."""
    return month_end(t.date() if isinstance(t, datetime) else t)
