"""Court referrals (诉前调解): 2024 reproduces the report's court figures; 2025 Q1 goes on."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from rolwh.demo_data import communities, people
from rolwh.demo_data.calendar import DEC31, LAST_DAY
from rolwh.demo_data.cells import Raw
from rolwh.demo_data.targets import COUNTS_2024, RATIOS_2024
from rolwh.demo_data.truth.clock import day_in, later, office_time
from rolwh.demo_data.truth.records import FeedBlock, Record, Values, junk_rows, place, stream

CAUSES = (
    "民间借贷纠纷",
    "买卖合同纠纷",
    "物业服务合同纠纷",
    "机动车交通事故责任纠纷",
    "劳务合同纠纷",
    "房屋租赁合同纠纷",
    "离婚纠纷",
    "相邻关系纠纷",
    "追索劳动报酬纠纷",
    "信用卡纠纷",
)
OTHER_OUTCOMES = (("调解不成功", 0.75), ("撤回", 0.15), ("退回法院", 0.10))


def _outcome(rng: random.Random) -> str:
    """A concluded case's status other than 调解成功."""
    return rng.choices([o for o, _ in OTHER_OUTCOMES], [w for _, w in OTHER_OUTCOMES])[0]


def _lag(rng: random.Random) -> int:
    return rng.randint(3, 30) if rng.random() < 0.82 else rng.randint(31, 70)


def case_values(rng: random.Random, case_no: str, referred: date) -> Values:
    amount = Decimal(rng.choice((rng.randrange(2, 200) * 500, rng.randrange(1000, 99999)))).quantize(
        Decimal("0.01")
    )
    return {
        "case_no": case_no,
        "referred_date": referred,
        "cause": rng.choice(CAUSES),
        "applicant_name": people.name(rng),
        "applicant_id": people.person_id_dirt(rng),
        "applicant_phone": people.phone_dirt(rng),
        "respondent_name": people.name(rng),
        "claim_amount": amount,
        "community_raw": communities.pick(rng),
        "mediator": people.name(rng),
        "mediation_mode": "线上调解" if rng.random() < 0.36 else "线下调解",
        "mediation_status": "调解中",
        "closed_date": None,
        "judicial_confirmation": None,
        "data_review": None,
        "updated_at": None,
    }


def _case_record(
    rng: random.Random, base: Values, referred: date, outcome: tuple[str, date, bool] | None
) -> Record:
    start = office_time(rng, referred)
    states: list[tuple[datetime, Values]] = [(start, {**base, "updated_at": start})]
    if outcome is not None:
        status, closed, review = outcome
        t = later(rng, closed, start)
        confirm = None
        if status == "调解成功":
            confirm = rng.choices(("是", "否", None), (0.6, 0.25, 0.15))[0]
        review_cell = "是" if review else (rng.choice(("否", None)) if status == "调解成功" else None)
        states.append(
            (
                t,
                {
                    **base,
                    "mediation_status": status,
                    "closed_date": closed,
                    "judicial_confirmation": confirm,
                    "data_review": review_cell,
                    "updated_at": t,
                },
            )
        )
    return Record(base["case_no"], place(rng, states))


def court_referrals(seed: int, block: int) -> FeedBlock:
    rng = stream(seed, block, "court_referrals")
    t = COUNTS_2024
    received, concluded, pending = t["CR_RECEIVED"], t["CR_CONCLUDED"], t["CR_PENDING_END"]
    assert received == concluded + pending
    success, review = t["CR_SUCCESS"], round(RATIOS_2024["CR_DATA_REVIEW_SHARE"] * t["CR_SUCCESS"])
    out = FeedBlock()
    dates = sorted(day_in(rng, date(2024, 1, 2), date(2024, 12, 30)) for _ in range(received))
    late = [i for i, d in enumerate(dates) if d >= date(2024, 10, 15)]
    pending_idx = set(rng.sample(late, pending))
    done_idx = [i for i in range(received) if i not in pending_idx]
    success_idx = set(rng.sample(done_idx, success))
    review_idx = set(rng.sample(sorted(success_idx), review))
    pending_closed_2025 = set(rng.sample(sorted(pending_idx), 10))
    for i, referred in enumerate(dates):
        case_no = f"(2024)渝0116民诉前调{block * 1000 + i + 1}号"
        base = case_values(rng, case_no, referred)
        if i in pending_idx:
            outcome = None
            if i in pending_closed_2025:
                closed = day_in(rng, date(2025, 1, 3), date(2025, 3, 25))
                status = "调解成功" if rng.random() < 0.3 else _outcome(rng)
                outcome = (status, closed, status == "调解成功" and rng.random() < 0.3)
        else:
            lag = _lag(rng)
            if referred + timedelta(days=lag) > DEC31:
                lag = rng.randint(0, (DEC31 - referred).days)
            status = "调解成功" if i in success_idx else _outcome(rng)
            outcome = (status, referred + timedelta(days=lag), i in review_idx)
        out.records.append(_case_record(rng, base, referred, outcome))
    # 2025 Q1: new cases, some still open at the end of March
    dates25 = sorted(day_in(rng, date(2025, 1, 2), date(2025, 3, 28)) for _ in range(rng.randint(105, 125)))
    for i, referred in enumerate(dates25):
        case_no = f"(2025)渝0116民诉前调{block * 1000 + i + 1}号"
        base = case_values(rng, case_no, referred)
        closed = referred + timedelta(days=_lag(rng))
        outcome = None
        if closed <= LAST_DAY:
            status = "调解成功" if rng.random() < 0.3 else _outcome(rng)
            outcome = (status, closed, status == "调解成功" and rng.random() < 0.3)
        out.records.append(_case_record(rng, base, referred, outcome))
    # junk rows ingestion must reject (keys no real case uses)
    junk: list[tuple[date, Values]] = [
        (date(2024, 2, 29), {"referred_date": Raw("2024-02-30")}),
        (date(2024, 7, 31), {"mediation_status": Raw("调解完成")}),
        (date(2024, 10, 31), {"mediation_mode": None}),
        (date(2025, 2, 28), {"mediation_status": "调解成功", "closed_date": None}),
    ]

    def junk_key(export: date, j: int) -> str:  # keys no real record uses
        return f"({export.year})渝0116民诉前调{block * 1000 + 900 + j}号"

    out.junk += junk_rows(rng, junk, junk_key, case_values, days_before=3, updated_days_before=2)
    return out
