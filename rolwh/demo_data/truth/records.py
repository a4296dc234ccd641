"""The demo's records: a record in all its versions, a feed's block, the random streams and the
rows ingestion must reject, shared by every feed family."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from rolwh.demo_data.calendar import LAST_DAY, export_of, month_end
from rolwh.demo_data.truth.clock import office_time

Values = dict[str, object]


@dataclass
class Version:
    values: Values
    exports: tuple[date, ...]  # export dates of the files that show this state


@dataclass
class Record:
    key: object
    versions: list[Version]

    @property
    def latest(self) -> Values:
        return self.versions[-1].values


@dataclass
class FeedBlock:
    """One feed's records of one block, plus junk rows that ingestion must reject."""

    records: list[Record] = field(default_factory=list)
    junk: list[tuple[date, Values]] = field(default_factory=list)  # (export date, row)


def stream(seed: int, block: int, feed: str) -> random.Random:
    return random.Random(f"rolwh-demo:{seed}:{block}:{feed}")


def place(
    rng: random.Random, states: Sequence[tuple[datetime | date, Values]], overlap: float = 0.1
) -> list[Version]:
    """Versions as the monthly exports show them: the last state of each month, sometimes re-exported."""
    by_month: dict[date, Values] = {}
    for t, values in states:
        by_month[export_of(t)] = values
    months = sorted(by_month)
    out = []
    for i, m in enumerate(months):
        exports = [m]
        nxt = month_end(m + timedelta(days=1))
        if nxt <= LAST_DAY and (i + 1 == len(months) or months[i + 1] != nxt) and rng.random() < overlap:
            exports.append(nxt)
        out.append(Version(by_month[m], tuple(exports)))
    return out


def junk_rows(
    rng: random.Random,
    overrides: list[tuple[date, Values]],
    key: Callable[[date, int], str],
    row: Callable[[random.Random, str, date], Values],
    *,
    days_before: int,
    updated_days_before: int,
) -> list[tuple[date, Values]]:
    """Rows ingestion must reject, one per (export date, bad cells) of ``overrides``: a made-up
    record (key ``key(export, j)``, no real record's) dated ``days_before`` the export and updated
    ``updated_days_before`` it, with the bad cells over its own."""
    out: list[tuple[date, Values]] = []
    for j, (export, override) in enumerate(overrides):
        base = row(rng, key(export, j), export - timedelta(days=days_before))
        base["updated_at"] = office_time(rng, export - timedelta(days=updated_days_before))
        out.append((export, {**base, **override}))
    return out
