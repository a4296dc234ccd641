"""The demo's ground truth: every record of one block, in all its versions, before any file is written.

A block is the whole subdistrict for 2024-01 to 2025-03. Block 0 at scale 1 reproduces the 2024
report figures (:mod:`rolwh.demo_data.targets`); block ``b`` is an independent copy with distinct
keys, people and ID numbers. Each feed draws from its own random stream ``(seed, block, feed)``,
so a feed can be regenerated alone, block by block, without holding the others.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from rolwh.demo_data import communities, people
from rolwh.demo_data.calendar import LAST_DAY, at, export_of, month_end, month_ends, quarter_ends
from rolwh.demo_data.cells import Grid, Raw
from rolwh.demo_data.targets import MEDIATOR_TRAINING_2024, TARGETS_2024

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
    rng: random.Random, states: list[tuple[datetime | date, Values]], overlap: float = 0.1
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


def _days(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _office_time(rng: random.Random, d: date) -> datetime:
    step = 60 if rng.random() < 0.4 else 1  # some systems keep whole minutes only
    return at(d, rng.randrange(8 * 3600 + 30 * 60, 17 * 3600 + 30 * 60, step))


def _later(rng: random.Random, d: date, after: datetime) -> datetime:
    t = _office_time(rng, d)
    return t if t > after else after + timedelta(minutes=rng.randrange(5, 90))


# --------------------------------------------------------------------------- court referrals

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


def _case_values(rng: random.Random, case_no: str, referred: date) -> Values:
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


def _case_record(rng: random.Random, base: Values, outcome: tuple[str, date, bool] | None) -> Record:
    start = _office_time(rng, base["referred_date"])  # type: ignore[arg-type]
    states: list[tuple[datetime, Values]] = [(start, {**base, "updated_at": start})]
    if outcome is not None:
        status, closed, review = outcome
        t = _later(rng, closed, start)
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
    t = TARGETS_2024
    received, concluded, pending = t["CR_RECEIVED"], t["CR_CONCLUDED"], t["CR_PENDING_END"]
    assert received == concluded + pending
    success, review = t["CR_SUCCESS"], round(t["CR_DATA_REVIEW_SHARE"] * t["CR_SUCCESS"])
    out = FeedBlock()
    dates = sorted(_days(rng, date(2024, 1, 2), date(2024, 12, 30)) for _ in range(received))
    late = [i for i, d in enumerate(dates) if d >= date(2024, 10, 15)]
    pending_idx = set(rng.sample(late, pending))
    done_idx = [i for i in range(received) if i not in pending_idx]
    success_idx = set(rng.sample(done_idx, success))
    review_idx = set(rng.sample(sorted(success_idx), review))
    pending_closed_2025 = set(rng.sample(sorted(pending_idx), 10))
    for i, referred in enumerate(dates):
        case_no = f"(2024)渝0116民诉前调{block * 1000 + i + 1}号"
        base = _case_values(rng, case_no, referred)
        if i in pending_idx:
            outcome = None
            if i in pending_closed_2025:
                closed = _days(rng, date(2025, 1, 3), date(2025, 3, 25))
                status = "调解成功" if rng.random() < 0.3 else _outcome(rng)
                outcome = (status, closed, status == "调解成功" and rng.random() < 0.3)
        else:
            lag = _lag(rng)
            if referred + timedelta(days=lag) > DEC31:
                lag = rng.randint(0, (DEC31 - referred).days)
            status = "调解成功" if i in success_idx else _outcome(rng)
            outcome = (status, referred + timedelta(days=lag), i in review_idx)
        out.records.append(_case_record(rng, base, outcome))
    # 2025 Q1: new cases, some still open at the end of March
    dates25 = sorted(_days(rng, date(2025, 1, 2), date(2025, 3, 28)) for _ in range(rng.randint(105, 125)))
    for i, referred in enumerate(dates25):
        case_no = f"(2025)渝0116民诉前调{block * 1000 + i + 1}号"
        base = _case_values(rng, case_no, referred)
        closed = referred + timedelta(days=_lag(rng))
        outcome = None
        if closed <= LAST_DAY:
            status = "调解成功" if rng.random() < 0.3 else _outcome(rng)
            outcome = (status, closed, status == "调解成功" and rng.random() < 0.3)
        out.records.append(_case_record(rng, base, outcome))
    # junk rows ingestion must reject (keys no real case uses)
    junk = [
        (date(2024, 2, 29), {"referred_date": Raw("2024-02-30")}),
        (date(2024, 7, 31), {"mediation_status": Raw("调解完成")}),
        (date(2024, 10, 31), {"mediation_mode": None}),
        (date(2025, 2, 28), {"mediation_status": "调解成功", "closed_date": None}),
    ]
    for j, (export, override) in enumerate(junk):
        no = f"({export.year})渝0116民诉前调{block * 1000 + 900 + j}号"
        base = _case_values(rng, no, export - timedelta(days=3))
        base["updated_at"] = _office_time(rng, export - timedelta(days=2))
        out.junk.append((export, {**base, **override}))
    return out


# --------------------------------------------------------------------------- disputes

SOURCES = (
    ("群众来访", 0.27),
    ("网格上报", 0.28),
    ("法院委托", 0.05),
    ("部门移交", 0.12),
    ("12345转办", 0.16),
    ("排查发现", 0.12),
)
SOURCE_NAMES = tuple(s for s, _ in SOURCES)
SOURCE_WEIGHTS = tuple(w for _, w in SOURCES)
DISPUTE_TYPES = ("婚姻家庭", "邻里纠纷", "物业纠纷", "劳资纠纷", "合同纠纷", "土地林地", "损害赔偿", "其他")


def _dispute_values(rng: random.Random, no: str, registered: date) -> Values:
    code = communities.pick(rng)
    n = rng.choices((1, 2, 3), (0.15, 0.7, 0.15))[0]
    org = (
        f"{communities.by_code(code).name_zh}人民调解委员会"
        if code != communities.UNKNOWN and rng.random() < 0.7
        else "几江街道人民调解委员会"
    )
    return {
        "dispute_no": no,
        "registered_date": registered,
        "dispute_source": rng.choices(SOURCE_NAMES, SOURCE_WEIGHTS)[0],
        "dispute_type": rng.choice(DISPUTE_TYPES),
        "dispute_level": "一般",
        "community_raw": code,
        "party_names": tuple(people.name(rng) for _ in range(n)),
        "party_id": tuple(people.person_id_dirt(rng) for _ in range(n)),
        "mediation_org": org,
        "resolution_status": "化解中",
        "resolved_date": None,
        "has_dossier": rng.choice(("否", "否", None)),
        "record_status": rng.choice(("正常", None)),
        "updated_at": None,
    }


def _resolution_lag(rng: random.Random) -> int:
    r = rng.random()
    return 0 if r < 0.55 else rng.randint(1, 10) if r < 0.9 else rng.randint(11, 40)


def _dispute_states(rng: random.Random, base: Values, resolved: date | None, final: str) -> list:
    start = _office_time(rng, base["registered_date"])  # type: ignore[arg-type]
    states: list[tuple[datetime, Values]] = []
    if resolved is None or resolved > base["registered_date"] or rng.random() < 0.2:  # type: ignore[operator]
        states.append((start, {**base, "updated_at": start}))
    if final == "已化解":
        t = _later(rng, resolved, start)  # type: ignore[arg-type]
        states.append(
            (t, {**base, "resolution_status": "已化解", "resolved_date": resolved, "updated_at": t})
        )
    elif final == "未化解":
        day = min(base["registered_date"] + timedelta(days=rng.randint(5, 25)), LAST_DAY)  # type: ignore[operator]
        t = _later(rng, day, start)
        states.append((t, {**base, "resolution_status": "未化解", "updated_at": t}))
    return states


def disputes(seed: int, block: int) -> FeedBlock:
    rng = stream(seed, block, "disputes")
    t = TARGETS_2024
    registered, major, dossiers = t["DS_REGISTERED"], t["DS_MAJOR_SCREENED"], t["DS_DOSSIERS"]
    assert t["DS_RESOLVED"] == registered and t["DS_RESOLUTION_RATE"] == 1
    out = FeedBlock()
    n_void = 24
    entries: list[tuple[date, str]] = [
        (_days(rng, date(2024, 1, 1), DEC31), "real") for _ in range(registered)
    ]
    entries += [(_days(rng, date(2024, 1, 5), date(2024, 12, 20)), "void") for _ in range(n_void)]
    entries += [(_days(rng, date(2025, 1, 1), LAST_DAY), "2025") for _ in range(rng.randint(1850, 1950))]
    entries += [(_days(rng, date(2025, 1, 5), date(2025, 3, 20)), "void") for _ in range(3)]
    entries.sort(key=lambda e: e[0])
    real = [i for i, e in enumerate(entries) if e[1] == "real"]
    major_idx = set(rng.sample(real, major))
    dossier_idx = set(rng.sample(real, dossiers))
    counters = {2024: 0, 2025: 0}
    for i, (reg, kind) in enumerate(entries):
        counters[reg.year] += 1
        no = f"JF{reg.year}{block * 100000 + counters[reg.year]:06d}"
        base = _dispute_values(rng, no, reg)
        if kind in ("real", "void") and reg.year == 2024:
            if i in major_idx or (kind == "void" and rng.random() < 0.3):
                base["dispute_source"], base["dispute_level"] = (
                    "排查发现",
                    rng.choice(("较大", "较大", "较大", "重大")),
                )
            elif base["dispute_source"] != "排查发现" and rng.random() < 0.05:
                base["dispute_level"] = "较大"
            if i in dossier_idx or (kind == "void" and rng.random() < 0.3):
                base["has_dossier"] = "是"
            lag = _resolution_lag(rng)
            resolved = min(reg + timedelta(days=lag), DEC31)
            states = _dispute_states(rng, base, resolved, "已化解")
        else:
            if rng.random() < 0.03:
                base["dispute_level"] = rng.choice(("较大", "重大"))
            if rng.random() < 0.11:
                base["has_dossier"] = "是"
            r = rng.random()
            resolved = reg + timedelta(days=_resolution_lag(rng))
            if r < 0.05:
                states = _dispute_states(rng, base, None, "未化解")
            elif resolved <= LAST_DAY:
                states = _dispute_states(rng, base, resolved, "已化解")
            else:
                states = _dispute_states(rng, base, None, "化解中")
        if kind == "void":
            last_t, last = states[-1]
            t_void = last_t + timedelta(days=rng.randint(1, 6), minutes=rng.randint(1, 300))
            t_void = min(t_void, at(LAST_DAY, 20 * 3600))
            states.append((t_void, {**last, "record_status": "作废", "updated_at": t_void}))
        out.records.append(Record(no, place(rng, states)))
    junk = [
        (date(2024, 3, 31), {"dispute_source": Raw("上级交办")}),
        (date(2024, 9, 30), {"registered_date": Raw("2024-13-01")}),
        (date(2024, 11, 30), {"resolution_status": "已化解", "resolved_date": None}),
        (date(2025, 1, 31), {"dispute_level": None}),
    ]
    for j, (export, override) in enumerate(junk):
        no = f"JF{export.year}{block * 100000 + 90000 + j:06d}"
        base = _dispute_values(rng, no, export - timedelta(days=4))
        base["updated_at"] = _office_time(rng, export - timedelta(days=1))
        out.junk.append((export, {**base, **override}))
    return out


# --------------------------------------------------------------------------- petitions

ISSUES = ("征地拆迁", "劳动社保", "城乡建设", "物业管理", "环境保护", "民政救助", "医疗卫生", "教育", "其他")


def petitions(seed: int, block: int) -> FeedBlock:
    rng = stream(seed, block, "petitions")
    out = FeedBlock()
    petitioners: list[tuple[str, str | None, str]] = []
    regs = sorted(_days(rng, date(2024, 1, 2), date(2025, 3, 28)) for _ in range(rng.randint(360, 390)))
    counters = {2024: 0, 2025: 0}
    for reg in regs:
        counters[reg.year] += 1
        no = f"XF{reg.year}{block * 10000 + counters[reg.year]:05d}"
        if petitioners and rng.random() < 0.12:
            who = rng.choice(petitioners)
        else:
            who = (
                people.name(rng),
                people.person_id_dirt(rng) if rng.random() > 0.05 else None,
                people.phone_dirt(rng),
            )
            petitioners.append(who)
        base: Values = {
            "petition_no": no,
            "registered_date": reg,
            "petition_form": rng.choices(("来信", "来访", "网上信访", "电话"), (0.15, 0.35, 0.35, 0.15))[0],
            "petitioner_name": who[0],
            "petitioner_id": who[1],
            "petitioner_phone": who[2],
            "people_involved": rng.choices(
                (1, None, rng.randint(2, 6), rng.randint(5, 30)), (0.7, 0.15, 0.1, 0.05)
            )[0],
            "issue_category": rng.choice(ISSUES),
            "community_raw": communities.pick(rng),
            "acceptance_status": "待受理",
            "notified_date": None,
            "closed_date": None,
            "handling_status": "办理中",
            "satisfaction": None,
            "record_status": rng.choice(("正常", None)),
            "updated_at": None,
        }
        t0 = _office_time(rng, reg)
        states: list[tuple[datetime, Values]] = [(t0, {**base, "updated_at": t0})]
        notice = reg + timedelta(days=rng.randint(1, 15) if rng.random() < 0.9 else rng.randint(16, 25))
        if notice <= LAST_DAY:
            decision = rng.choices(("受理", "不予受理", "转送"), (0.76, 0.11, 0.13))[0]
            t1 = _later(rng, notice, t0)
            v1 = {**base, "acceptance_status": decision, "notified_date": notice, "updated_at": t1}
            if decision != "受理":
                v1.update(
                    handling_status="已办结", closed_date=notice, satisfaction=rng.choice(("未评价", None))
                )
            states.append((t1, v1))
            closed = notice + timedelta(
                days=rng.randint(10, 60) if rng.random() < 0.87 else rng.randint(61, 80)
            )
            if decision == "受理" and closed <= LAST_DAY:
                t2 = _later(rng, closed, t1)
                sat = rng.choices(("满意", "基本满意", "不满意", "未评价"), (0.62, 0.24, 0.07, 0.07))[0]
                states.append(
                    (
                        t2,
                        {
                            **v1,
                            "handling_status": "已办结",
                            "closed_date": closed,
                            "satisfaction": sat,
                            "updated_at": t2,
                        },
                    )
                )
        if rng.random() < 0.02:
            last_t, last = states[-1]
            tv = min(last_t + timedelta(days=2, hours=3), at(LAST_DAY, 20 * 3600))
            states.append((tv, {**last, "record_status": "作废", "updated_at": tv}))
        out.records.append(Record(no, place(rng, states)))
    bad = dict(_petition_junk(rng, f"XF2024{block * 10000 + 9000:05d}", date(2024, 6, 20)))
    bad["acceptance_status"] = Raw("已受理")
    out.junk.append((date(2024, 6, 30), bad))
    return out


def _petition_junk(rng: random.Random, no: str, reg: date) -> Values:
    t = _office_time(rng, reg)
    return {
        "petition_no": no,
        "registered_date": reg,
        "petition_form": "来访",
        "petitioner_name": people.name(rng),
        "petitioner_id": people.id_number(rng),
        "petitioner_phone": people.phone(rng),
        "people_involved": 1,
        "issue_category": "其他",
        "community_raw": communities.pick(rng, 0),
        "acceptance_status": "待受理",
        "notified_date": None,
        "closed_date": None,
        "handling_status": "办理中",
        "satisfaction": None,
        "record_status": "正常",
        "updated_at": t,
    }


# --------------------------------------------------------------------------- dispatch events

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
            at(_days(rng, start, end), rng.randrange(6 * 3600, 23 * 3600, rng.choice((1, 1, 60))))
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


# --------------------------------------------------------------------------- study sessions

#: 2024 calendar (month -> session types); counts match the targets.
STUDY_2024 = {
    1: ("会前学法",),
    2: ("会前学法", "调解员轮训"),
    3: ("会前学法", "理论学习中心组学习", "其他"),
    4: ("法治专题讲座", "调解员轮训"),
    5: ("会前学法", "理论学习中心组学习", "执法人员培训"),
    6: ("会前学法",),
    7: ("理论学习中心组学习", "调解员轮训"),
    8: ("会前学法", "其他"),
    9: ("理论学习中心组学习", "调解员轮训"),
    10: ("会前学法", "执法人员培训"),
    11: ("法治专题讲座", "调解员轮训"),
    12: ("会前学法", "理论学习中心组学习"),
}
STUDY_2025 = {
    1: ("会前学法", "调解员轮训"),
    2: ("理论学习中心组学习",),
    3: ("会前学法", "调解员轮训", "其他"),
}
TOPICS = {
    "会前学法": ("《中华人民共和国行政复议法》", "《信访工作条例》", "《中华人民共和国民法典》婚姻家庭编"),
    "法治专题讲座": ("习近平法治思想专题讲座", "依法行政与行政执法规范化"),
    "理论学习中心组学习": ("《习近平法治思想学习纲要》", "党的二十届三中全会精神与法治建设"),
    "调解员轮训": ("人民调解实务与技巧", "诉前调解案件办理规范"),
    "执法人员培训": ("行政执法三项制度", "行政处罚法实务"),
    "其他": ("宪法宣传周活动", "普法志愿者培训"),
}


def study_sessions(seed: int, block: int) -> FeedBlock:
    rng = stream(seed, block, "study_sessions")
    t = TARGETS_2024
    plan = [(2024, m, k) for m, kinds in STUDY_2024.items() for k in kinds]
    plan += [(2025, m, k) for m, kinds in STUDY_2025.items() for k in kinds]
    kinds_2024 = [k for y, _, k in plan if y == 2024]
    assert kinds_2024.count("会前学法") == t["TR_PREMEETING_STUDY"]
    assert kinds_2024.count("法治专题讲座") == t["TR_LAW_LECTURES"]
    assert kinds_2024.count("理论学习中心组学习") == t["TR_GROUP_STUDY"]
    assert kinds_2024.count("调解员轮训") == len(MEDIATOR_TRAINING_2024)
    out = FeedBlock()
    mediator = iter(MEDIATOR_TRAINING_2024)
    counters = {2024: 0, 2025: 0}
    for year, month, kind in plan:
        counters[year] += 1
        no = f"HD{year}{block * 1000 + counters[year]:03d}"
        day = _days(rng, date(year, month, 1), month_end(date(year, month, 1)) - timedelta(days=1))
        if kind == "调解员轮训":
            n = next(mediator) if year == 2024 else rng.randint(35, 55)
        elif kind in ("会前学法", "理论学习中心组学习", "法治专题讲座"):
            n = rng.randint(12, 30)
        else:
            n = rng.randint(20, 80)
        values = {
            "session_no": no,
            "session_date": day,
            "session_type": kind,
            "topic": rng.choice(TOPICS[kind]),
            "speaker": people.name(rng),
            "attendees": n,
            "organiser": rng.choice(("党政办公室", "平安法治办", "司法所", "综合行政执法大队")),
        }
        out.records.append(Record(no, place(rng, [(day, values)], overlap=0.5)))
    return out


# --------------------------------------------------------------------------- staff, exams, roster

DEPARTMENTS = (
    "党政办公室",
    "平安法治办",
    "经济发展办",
    "社会事务办",
    "综合行政执法大队",
    "司法所",
    "规划建设管理环保办",
)
#: Staff 1-9 veteran officers (9 leaves the post in Q4), 10-12 certified non-post leaders,
#: 13-19 the 2024 enforcement-exam candidates A..G, 20-60 other staff.
N_STAFF = 60


@dataclass(frozen=True)
class Staff:
    number: str
    name: str
    id_number: str
    department: str


def staff(seed: int, block: int) -> list[Staff]:
    rng = stream(seed, block, "staff")
    return [
        Staff(f"JJ{block * 1000 + i:04d}", people.name(rng), people.id_number(rng), rng.choice(DEPARTMENTS))
        for i in range(1, N_STAFF + 1)
    ]


def _exam_row(
    s: Staff,
    exam: str,
    category: str,
    day: date,
    required: str,
    status: str,
    score: float | None,
    rng: random.Random,
) -> Values:
    passed = None if score is None else ("合格" if score >= 60 else "不合格")
    return {
        "exam_name": exam,
        "exam_category": category,
        "exam_date": day,
        "person": s.number,
        "person_name": s.name,
        "person_id": s.id_number.lower() if rng.random() < 0.3 else s.id_number,
        "department": s.department,
        "is_required": required,
        "attendance_status": status,
        "score": None if score is None else Decimal(f"{score:.1f}"),
        "pass_status": passed,
    }


def exam_results(seed: int, block: int) -> FeedBlock:
    rng = stream(seed, block, "exam_results")
    pool = staff(seed, block)
    cand = {c: pool[12 + i] for i, c in enumerate("ABCDEFG")}
    out = FeedBlock()

    def add(exam: str, category: str, day: date, rows: list[Values]) -> None:
        export = day + timedelta(days=3)
        for r in rows:
            out.records.append(Record((exam, r["person"]), [Version(r, (export,))]))

    def enforcement(exam: str, day: date, results: dict[str, bool]) -> None:
        add(
            exam,
            "行政执法资格考试",
            day,
            [
                _exam_row(
                    cand[c],
                    exam,
                    "行政执法资格考试",
                    day,
                    "是",
                    "已参考",
                    rng.uniform(62, 95) if ok else rng.uniform(35, 58),
                    rng,
                )
                for c, ok in results.items()
            ],
        )

    def theory(exam: str, day: date, absent: int) -> None:
        rows = []
        exempt = set(rng.sample(range(N_STAFF), 3))
        not_required = set(rng.sample(sorted(set(range(N_STAFF)) - exempt), 8))
        required = [i for i in range(N_STAFF) if i not in exempt | not_required]
        missing = set(rng.sample(required, absent))
        for i, s in enumerate(pool):
            if i in exempt:
                rows.append(_exam_row(s, exam, "法治理论考试", day, "是", "免考", None, rng))
            elif i in not_required:
                status = rng.choice(("缺考", "已参考"))
                score = rng.uniform(55, 98) if status == "已参考" else None
                rows.append(_exam_row(s, exam, "法治理论考试", day, "否", status, score, rng))
            elif i in missing:
                rows.append(_exam_row(s, exam, "法治理论考试", day, "是", "缺考", None, rng))
            else:
                score = rng.uniform(70, 99) if rng.random() < 0.95 else rng.uniform(45, 59)
                rows.append(_exam_row(s, exam, "法治理论考试", day, "是", "已参考", score, rng))
        add(exam, "法治理论考试", day, rows)

    enforcement(
        "2024年第一次行政执法资格考试", date(2024, 5, 18), dict(A=True, B=True, C=True, D=True, E=False)
    )
    theory("2024年上半年网络法治理论考试", date(2024, 6, 15), absent=0)
    enforcement("2024年第二次行政执法资格考试", date(2024, 9, 21), dict(E=True, F=True, A=True, G=False))
    theory("2024年下半年网络法治理论考试", date(2024, 11, 20), absent=0)
    theory("2025年第一季度网络法治理论考试", date(2025, 3, 22), absent=2)
    return out


def enforcement_officers(seed: int, block: int) -> FeedBlock:
    """Quarterly roster snapshots; the 2024-12-31 one has exactly the 14 certified officers."""
    rng = stream(seed, block, "enforcement_officers")
    pool = staff(seed, block)
    veterans, leaders = pool[:9], pool[9:12]
    cand = {c: pool[12 + i] for i, c in enumerate("ABCDEFG")}
    certs: dict[str, tuple[str, date, date]] = {}
    for s in (*veterans, *leaders):
        issued = _days(rng, date(2019, 3, 1), date(2022, 12, 31))
        certs[s.number] = (
            f"渝{block * 1000 + len(certs) + 1:06d}",
            issued,
            issued.replace(year=issued.year + 6),
        )
    v8 = veterans[7]
    certs[v8.number] = (certs[v8.number][0], date(2018, 3, 1), date(2024, 2, 28))  # lapsed in Q1, renewed Q2
    v2 = veterans[1]
    certs[v2.number] = (certs[v2.number][0], date(2018, 12, 31), DEC31)  # valid to the last day of 2024
    for c, issued in zip("ABCDEF", (date(2024, 7, 15),) * 4 + (date(2024, 11, 10),) * 2, strict=True):
        certs[cand[c].number] = (
            f"渝{block * 1000 + 100 + ord(c):06d}",
            issued,
            issued.replace(year=issued.year + 6),
        )

    def row(s: Staff, post: str, status: str = "有效") -> Values:
        no, issued, until = certs[s.number]
        return {
            "person": s.number,
            "person_name": s.name,
            "person_id": s.id_number,
            "is_enforcement_post": post,
            "certificate_no": no,
            "certificate_issued_date": issued,
            "certificate_valid_until": until,
            "certificate_status": status,
        }

    out = FeedBlock()
    for snap in quarter_ends():
        if snap == date(2024, 6, 30):
            certs[v8.number] = (certs[v8.number][0], date(2024, 4, 10), date(2030, 4, 9))
        if snap == date(2025, 3, 31):
            certs[v2.number] = (certs[v2.number][0], date(2025, 1, 6), date(2031, 1, 5))
        rows = [
            row(
                s,
                "是",
                "暂扣"
                if (s is veterans[4] and snap == date(2024, 6, 30))
                or (s is veterans[3] and snap == date(2025, 3, 31))
                else "有效",
            )
            for s in veterans[:8]
        ]
        rows.append(row(veterans[8], "是") if snap < DEC31 else row(veterans[8], "否", "注销"))
        rows += [row(leaders[0], "否"), row(leaders[1], "否"), row(leaders[2], "否", "注销")]
        if snap >= date(2024, 9, 30):
            rows += [row(cand[c], "是") for c in "ABCD"]
        if snap >= DEC31:
            rows += [row(cand[c], "是") for c in "EF"]
        for r in rows:
            out.records.append(Record((snap, r["person"]), [Version(r, (snap,))]))
    return out


GENERATORS: dict[str, Callable[[int, int], FeedBlock]] = {
    "court_referrals": court_referrals,
    "petitions": petitions,
    "disputes": disputes,
    "dispatch_events": dispatch_events,
    "study_sessions": study_sessions,
    "exam_results": exam_results,
    "enforcement_officers": enforcement_officers,
}


def block(seed: int, block_no: int) -> dict[str, FeedBlock]:
    """Every feed's truth for one block (the oracle's view; the writer goes feed by feed)."""
    return {name: gen(seed, block_no) for name, gen in GENERATORS.items()}
