"""The demo's clock: a day in a range, a time in office hours, a later time the same day or after."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from rolwh.demo_data.calendar import at


def day_in(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def office_time(rng: random.Random, d: date) -> datetime:
    step = 60 if rng.random() < 0.4 else 1  # some systems keep whole minutes only
    return at(d, rng.randrange(8 * 3600 + 30 * 60, 17 * 3600 + 30 * 60, step))


def later(rng: random.Random, d: date, after: datetime) -> datetime:
    t = office_time(rng, d)
    return t if t > after else after + timedelta(minutes=rng.randrange(5, 90))
