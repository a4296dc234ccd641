"""Disputes (矛盾纠纷) and petitions (信访): the subdistrict's grievance registers."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from rolwh.demo_data import communities, people
from rolwh.demo_data.calendar import DEC31, LAST_DAY, at
from rolwh.demo_data.cells import Raw
from rolwh.demo_data.targets import COUNTS_2024, RATIOS_2024
from rolwh.demo_data.truth.clock import day_in, later, office_time
from rolwh.demo_data.truth.records import FeedBlock, Record, Values, junk_rows, place, stream

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


def dispute_values(rng: random.Random, no: str, registered: date) -> Values:
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


def _dispute_states(
    rng: random.Random, base: Values, registered: date, resolved: date | None, final: str
) -> list[tuple[datetime, Values]]:
    start = office_time(rng, registered)
    states: list[tuple[datetime, Values]] = []
    if resolved is None or resolved > registered or rng.random() < 0.2:
        states.append((start, {**base, "updated_at": start}))
    if final == "已化解":
        assert resolved is not None, "a resolved dispute has a resolution date"
        t = later(rng, resolved, start)
        states.append(
            (t, {**base, "resolution_status": "已化解", "resolved_date": resolved, "updated_at": t})
        )
    elif final == "未化解":
        day = min(registered + timedelta(days=rng.randint(5, 25)), LAST_DAY)
        t = later(rng, day, start)
        states.append((t, {**base, "resolution_status": "未化解", "updated_at": t}))
    return states


def disputes(seed: int, block: int) -> FeedBlock:
    rng = stream(seed, block, "disputes")
    t = COUNTS_2024
    registered, major, dossiers = t["DS_REGISTERED"], t["DS_MAJOR_SCREENED"], t["DS_DOSSIERS"]
    assert t["DS_RESOLVED"] == registered and RATIOS_2024["DS_RESOLUTION_RATE"] == 1
    out = FeedBlock()
    n_void = 24
    entries: list[tuple[date, str]] = [
        (day_in(rng, date(2024, 1, 1), DEC31), "real") for _ in range(registered)
    ]
    entries += [(day_in(rng, date(2024, 1, 5), date(2024, 12, 20)), "void") for _ in range(n_void)]
    entries += [(day_in(rng, date(2025, 1, 1), LAST_DAY), "2025") for _ in range(rng.randint(1850, 1950))]
    entries += [(day_in(rng, date(2025, 1, 5), date(2025, 3, 20)), "void") for _ in range(3)]
    entries.sort(key=lambda e: e[0])
    real = [i for i, e in enumerate(entries) if e[1] == "real"]
    major_idx = set(rng.sample(real, major))
    dossier_idx = set(rng.sample(real, dossiers))
    counters = {2024: 0, 2025: 0}
    for i, (reg, kind) in enumerate(entries):
        counters[reg.year] += 1
        no = f"JF{reg.year}{block * 100000 + counters[reg.year]:06d}"
        base = dispute_values(rng, no, reg)
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
            states = _dispute_states(rng, base, reg, resolved, "已化解")
        else:
            if rng.random() < 0.03:
                base["dispute_level"] = rng.choice(("较大", "重大"))
            if rng.random() < 0.11:
                base["has_dossier"] = "是"
            r = rng.random()
            resolved = reg + timedelta(days=_resolution_lag(rng))
            if r < 0.05:
                states = _dispute_states(rng, base, reg, None, "未化解")
            elif resolved <= LAST_DAY:
                states = _dispute_states(rng, base, reg, resolved, "已化解")
            else:
                states = _dispute_states(rng, base, reg, None, "化解中")
        if kind == "void":
            last_t, last = states[-1]
            t_void = last_t + timedelta(days=rng.randint(1, 6), minutes=rng.randint(1, 300))
            t_void = min(t_void, at(LAST_DAY, 20 * 3600))
            states.append((t_void, {**last, "record_status": "作废", "updated_at": t_void}))
        out.records.append(Record(no, place(rng, states)))
    junk: list[tuple[date, Values]] = [
        (date(2024, 3, 31), {"dispute_source": Raw("上级交办")}),
        (date(2024, 9, 30), {"registered_date": Raw("2024-13-01")}),
        (date(2024, 11, 30), {"resolution_status": "已化解", "resolved_date": None}),
        (date(2025, 1, 31), {"dispute_level": None}),
    ]

    def junk_key(export: date, j: int) -> str:  # keys no real record uses
        return f"JF{export.year}{block * 100000 + 90000 + j:06d}"

    out.junk += junk_rows(rng, junk, junk_key, dispute_values, days_before=4, updated_days_before=1)
    return out


# --------------------------------------------------------------------------- petitions

ISSUES = ("征地拆迁", "劳动社保", "城乡建设", "物业管理", "环境保护", "民政救助", "医疗卫生", "教育", "其他")


def petitions(seed: int, block: int) -> FeedBlock:
    rng = stream(seed, block, "petitions")
    out = FeedBlock()
    petitioners: list[tuple[str, str | None, str]] = []
    regs = sorted(day_in(rng, date(2024, 1, 2), date(2025, 3, 28)) for _ in range(rng.randint(360, 390)))
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
        t0 = office_time(rng, reg)
        states: list[tuple[datetime, Values]] = [(t0, {**base, "updated_at": t0})]
        notice = reg + timedelta(days=rng.randint(1, 15) if rng.random() < 0.9 else rng.randint(16, 25))
        if notice <= LAST_DAY:
            decision = rng.choices(("受理", "不予受理", "转送"), (0.76, 0.11, 0.13))[0]
            t1 = later(rng, notice, t0)
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
                t2 = later(rng, closed, t1)
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
    bad = dict(petition_junk(rng, f"XF2024{block * 10000 + 9000:05d}", date(2024, 6, 20)))
    bad["acceptance_status"] = Raw("已受理")
    out.junk.append((date(2024, 6, 30), bad))
    return out


def petition_junk(rng: random.Random, no: str, reg: date) -> Values:
    t = office_time(rng, reg)
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
