"""The demo's records: a record in all its versions, a feed's block, the random streams and the
office-hours clock every feed family shares."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from rolwh.demo_data.calendar import LAST_DAY, at, export_of, month_end

Values = dict[str, object]
DEC31 = date(2024, 12, 31)


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


def day_in(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def office_time(rng: random.Random, d: date) -> datetime:
    step = 60 if rng.random() < 0.4 else 1  # some systems keep whole minutes only
    return at(d, rng.randrange(8 * 3600 + 30 * 60, 17 * 3600 + 30 * 60, step))


def later(rng: random.Random, d: date, after: datetime) -> datetime:
    t = office_time(rng, d)
    return t if t > after else after + timedelta(minutes=rng.randrange(5, 90))
