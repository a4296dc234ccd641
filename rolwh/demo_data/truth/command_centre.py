"""Command-centre dispatch events (指挥中心派单): reported, dispatched, arrived, handled."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from rolwh.demo_data import communities
from rolwh.demo_data.calendar import LAST_DAY, at, month_ends
from rolwh.demo_data.cells import Grid, Raw
from rolwh.demo_data.truth.clock import day_in
from rolwh.demo_data.truth.records import FeedBlock, Record, Values, place, stream

EVENT_TYPES = (
    "占道经营",
    "噪音扰民",
    "邻里纠纷",
    "道路破损",
    "垃圾清运",
    "违章搭建",
    "消防隐患",
    "路灯故障",
    "宠物扰民",
)


def _event_values(rng: random.Random, no: str, reported: datetime) -> Values:
    code = communities.pick(rng, 0.01)
    needs = "是" if rng.random() < 0.7 else "否"
    delay = rng.randint(8, 60) if rng.random() < 0.93 else rng.randint(61, 400)
    dispatched: datetime | None = reported + timedelta(seconds=delay)
    arrive = reported + timedelta(
        seconds=rng.randint(120, 300) if rng.random() < 0.86 else rng.randint(301, 1500)
    )
    handle = arrive + timedelta(
        seconds=rng.randint(60, 300) if rng.random() < 0.9 else rng.randint(300, 1800)
    )
    if rng.random() < 0.004:  # data errors: negative durations
        dispatched = reported - timedelta(seconds=rng.randint(20, 600))
    if rng.random() < 0.004:
        arrive = reported - timedelta(minutes=rng.randint(1, 30))
    if rng.random() < 0.01:
        dispatched = None
    return {
        "event_no": no,
        "event_type": rng.choice(EVENT_TYPES),
        "grid_raw": Grid(code, rng.randint(1, 6)),
        "reported_at": reported,
        "dispatched_at": dispatched,
        "arrived_at": arrive if needs == "是" else None,
        "first_handled_at": handle if needs == "是" else reported + timedelta(seconds=rng.randint(200, 3000)),
        "needs_arrival": needs,
        "handling_status": "已办结",
    }


def dispatch_events(seed: int, block: int) -> FeedBlock:
    rng = stream(seed, block, "dispatch_events")
    out = FeedBlock()
    counters = {2024: 0, 2025: 0}
    for end in month_ends():
        start = end.replace(day=1)
        times = sorted(
            at(day_in(rng, start, end), rng.randrange(6 * 3600, 23 * 3600, rng.choice((1, 1, 60))))
            for _ in range(rng.randint(200, 240))
        )
        for reported in times:
            counters[reported.year] += 1
            no = f"SJ{reported.year}{block * 100000 + counters[reported.year]:06d}"
            final = _event_values(rng, no, reported)
            if rng.random() < 0.05:
                final = {**final, "handling_status": "已退回", "arrived_at": None, "first_handled_at": None}
            states: list[tuple[datetime | date, Values]] = []
            if (end - reported.date()).days < 2:  # still open at the export
                states.append((reported, {**final, "handling_status": "处置中", "first_handled_at": None}))
                if end < LAST_DAY:
                    states.append((end + timedelta(days=2), final))
            else:
                states.append((reported, final))
            out.records.append(Record(no, place(rng, states, overlap=0.05)))
    for j, (export, override) in enumerate(
        [
            (date(2024, 4, 30), {"reported_at": Raw("2024-04-31 10:00")}),
            (date(2024, 12, 31), {"needs_arrival": Raw("需要")}),
        ]
    ):
        no = f"SJ{export.year}{block * 100000 + 90000 + j:06d}"
        out.junk.append(
            (export, {**_event_values(rng, no, at(export - timedelta(days=5), 36000)), **override})
        )
    return out
