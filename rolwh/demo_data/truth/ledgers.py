"""Hand-kept ledgers: the legal advisors' services (法律顾问服务台账), the village legal advisor roster
(村居法律顾问名册) and publicity activities (普法宣传台账), quarterly, 2024 to 2025 Q1.

The 2024 sums reproduce the report (``rolwh.demo_data.targets``): a clerk writes some quantities
approximately (``Approx``: 约N / N余, taken as N), the report rounds some figures down to "N余".
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from rolwh.demo_data import people
from rolwh.demo_data.calendar import DEC31, month_end, quarter_ends
from rolwh.demo_data.cells import Approx, Raw
from rolwh.demo_data.communities import communities
from rolwh.demo_data.targets import LEDGER_2024
from rolwh.demo_data.truth.clock import day_in, office_time
from rolwh.demo_data.truth.records import FeedBlock, Record, Values, Version, stream

LAW_FIRMS = ("重庆某某律师事务所", "重庆江津某某律师事务所", "重庆某某(江津)律师事务所")
LAWYERS = ("王律师", "李律师", "张律师", "刘律师", "陈律师", "杨律师", "赵律师", "黄律师")


def quarter_end(d: date) -> date:
    return month_end(date(d.year, (d.month - 1) // 3 * 3 + 3, 1))


def _day(rng: random.Random, year: int, month: int) -> date:
    first = date(year, month, 1)
    return day_in(rng, first, month_end(first) - timedelta(days=1))


def _quantity(n: int, approx: str | None) -> int | Approx:
    return Approx(n, approx) if approx else n


def _ledger_record(
    rng: random.Random, key: str, values: Values, day: date, *, void_later: bool = False
) -> Record:
    """A ledger row as the quarterly ledgers show it: in its quarter's file, sometimes again in the
    next one (the clerk delivers the year so far); ``void_later`` marks it 作废 in the next file."""
    values = {**values, "record_status": None, "updated_at": office_time(rng, day)}
    q = quarter_end(day)
    nxt = quarter_end(q + timedelta(days=1))
    if void_later and nxt in quarter_ends():
        voided = {**values, "record_status": "作废", "updated_at": office_time(rng, nxt - timedelta(days=3))}
        return Record(key, [Version(values, (q,)), Version(voided, (nxt,))])
    again = nxt in quarter_ends() and rng.random() < 0.3
    return Record(key, [Version(values, (q, nxt) if again else (q,))])


# --------------------------------------------------------------------------- legal advisor services


def legal_advisor_services(seed: int, block: int) -> FeedBlock:
    """2024: contracts and documents reviewed, opinions, phone consultations summing to the report's
    figures; on-site consultations with the person's name and phone; one voided opinion; 2025 Q1."""
    rng = stream(seed, block, "legal_advisor_services")
    t = LEDGER_2024
    codes = [c.code for c in communities()]
    # (year, month, type, client level, community, quantity, approximate mark)
    plan: list[tuple[int, int, str, str, str | None, int, str | None]] = []
    for (month, kind), n in zip(
        (
            (2, "合同审查"),
            (3, "合同审查"),
            (5, "法律文书审查"),
            (6, "合同审查"),
            (8, "合同审查"),
            (9, "法律文书审查"),
            (10, "合同审查"),
            (11, "法律文书审查"),
            (12, "合同审查"),
        ),
        t["contract_reviews"],
        strict=True,
    ):
        plan.append((2024, month, kind, "街道", None, n, None))
    for i, n in enumerate(t["legal_opinions"]):
        level, where = ("街道", None) if i % 3 == 0 else ("村居", codes[i % len(codes)])
        plan.append((2024, 1 + i, "法律意见", level, where, n, "余" if n == t["approx_opinion"] else None))
    for month, n in enumerate(t["phone_consults"], start=1):
        plan.append(
            (2024, month, "电话咨询", "街道", None, n, "约" if month == t["approx_phone_month"] else None)
        )
    for i in range(18):
        plan.append((2024, 1 + i % 12, "现场咨询", "村居", codes[(i * 7) % len(codes)], 1, None))
    for month in (3, 6, 9, 12):
        plan.append((2024, month, "法治讲座", "村居", codes[month % len(codes)], 1, None))
    plan += [
        (2025, 1, "合同审查", "街道", None, 2, None),
        (2025, 2, "法律意见", "村居", codes[2], 6, None),
        (2025, 3, "法律意见", "街道", None, 4, None),
    ]
    plan += [(2025, m, "电话咨询", "街道", None, rng.randint(7, 12), None) for m in (1, 2, 3)]
    out = FeedBlock()
    counters = {2024: 0, 2025: 0}
    for year, month, kind, level, where, n, approx in plan:
        counters[year] += 1
        key = f"FW{year}{block * 1000 + counters[year]:03d}"
        day = _day(rng, year, month)
        person = kind == "现场咨询"
        values: Values = {
            "service_no": key,
            "service_date": day,
            "client_level": level,
            "community_raw": where,
            "service_type": kind,
            "quantity": None if (n == 1 and rng.random() < 0.5) else _quantity(n, approx),  # blank = 1
            "law_firm": rng.choice(LAW_FIRMS),
            "lawyer": rng.choice(LAWYERS),
            "client_name": people.name(rng) if person else None,
            "client_phone": people.phone_dirt(rng) if person else None,
        }
        out.records.append(_ledger_record(rng, key, values, day))
    # an opinion recorded twice by mistake, voided in the next quarter's ledger: counts nowhere
    day = date(2024, 5, 20)
    dup = f"FW2024{block * 1000 + 900:03d}"
    values = {**out.records[len(t["contract_reviews"]) + 4].latest, "service_no": dup, "service_date": day}
    out.records.append(_ledger_record(rng, dup, values, day, void_later=True))
    # a row ingestion rejects: a quantity that is no number (若干)
    junk = {**values, "service_no": f"FW2024{block * 1000 + 901:03d}", "quantity": Raw("若干")}
    out.junk.append((date(2024, 9, 30), junk))
    return out


# --------------------------------------------------------------------------- village legal advisors


def village_legal_advisors(seed: int, block: int) -> FeedBlock:
    """Quarterly roster snapshots: 12 communities covered at 2024-03-31, all 15 from Q2 on; one
    community's advisor is replaced at mid-year (the old appointment ends 2024-06-30)."""
    rng = stream(seed, block, "village_legal_advisors")
    items = communities()
    assert len(items) == LEDGER_2024["village_advisors"]
    start = {c.code: date(2023, 1, 1) if i < 12 else date(2024, 4, 1) for i, c in enumerate(items)}
    suffix = str(block) if block else ""  # block b is another street's roster: other lawyers
    advisors = {
        c.code: (rng.choice(LAW_FIRMS), LAWYERS[i % len(LAWYERS)] + suffix, _licence(rng), people.phone(rng))
        for i, c in enumerate(items)
    }
    replaced = items[0].code
    successor = (rng.choice(LAW_FIRMS), "周律师" + suffix, _licence(rng), people.phone(rng))
    out = FeedBlock()

    def row(code: str, who: tuple[str, str, str, str], since: date, until: date | None) -> Values:
        firm, lawyer, licence, phone = who
        return {
            "community_raw": code,
            "law_firm": firm,
            "lawyer": lawyer,
            "licence_no": licence,
            "lawyer_phone": phone,
            "appointed_from": since,
            "appointed_until": until,
        }

    for snap in quarter_ends():
        rows = []
        for c in items:
            if start[c.code] > snap:
                continue
            if c.code == replaced and snap >= date(2024, 6, 30):
                rows.append(row(c.code, advisors[c.code], start[c.code], date(2024, 6, 30)))
                if snap >= date(2024, 9, 30):
                    rows.append(row(c.code, successor, date(2024, 7, 1), None))
            else:
                rows.append(row(c.code, advisors[c.code], start[c.code], None))
        for r in rows:
            out.records.append(Record((snap, r["community_raw"], r["lawyer"]), [Version(r, (snap,))]))
    assert DEC31 in quarter_ends()
    return out


def _licence(rng: random.Random) -> str:
    """A lawyer's practising certificate number (17 digits)."""
    return "150012" + "".join(str(rng.randrange(10)) for _ in range(11))


# --------------------------------------------------------------------------- publicity activities

THEMES = ("宪法宣传周", "民法典宣传月", "国家安全教育日", "防范电信网络诈骗", "禁毒宣传", "未成年人保护")
AUDIENCES = ("老年人", "残疾人", "社区矫正对象", "青少年", "外来务工人员", "居民群众")
ORGANISERS = ("平安法治办", "司法所", "党政办公室", "社会事务办")
#: activity type -> unit
UNITS = {
    "主题法治宣传活动": "次",
    "法治讲座": "场",
    "悬挂宣传标语": "条",
    "发放宣传资料": "份",
    "LED屏播放": "次",
    "庭审旁听": "人次",
    "其他": "次",
}


def publicity_activities(seed: int, block: int) -> FeedBlock:
    """2024 rows per type summing to LEDGER_2024's figures, some written approximately, street-wide
    rows without a community; one voided row; 2025 Q1."""
    rng = stream(seed, block, "publicity_activities")
    t = LEDGER_2024
    codes = [c.code for c in communities()]
    plan: list[tuple[int, int, str, str | None, int, str | None]] = []
    for kind, key in (
        ("主题法治宣传活动", "theme_events"),
        ("法治讲座", "lectures"),
        ("悬挂宣传标语", "banners"),
        ("发放宣传资料", "leaflets"),
        ("庭审旁听", "court_visits"),
    ):
        for i, n in enumerate(t[key]):
            street = (kind in ("庭审旁听", "发放宣传资料") and i % 2 == 0) or (
                kind == "悬挂宣传标语" and i == 0
            )
            where = None if street else codes[(i * 5 + len(kind)) % len(codes)]
            mark = t["approx_publicity"].get((kind, i))
            plan.append((2024, 1 + (i * 5) % 12, kind, where, n, mark))
    plan += [(2024, m, "LED屏播放", None, rng.randint(20, 60), None) for m in (3, 6, 9, 12)]
    plan += [(2025, 1 + i % 3, "主题法治宣传活动", codes[(i * 4) % len(codes)], 1, None) for i in range(6)]
    plan += [
        (2025, 2, "法治讲座", codes[8], 1, None),
        (2025, 3, "法治讲座", codes[11], 1, None),
        (2025, 3, "悬挂宣传标语", None, 40, None),
        (2025, 3, "发放宣传资料", None, 5000, "约"),
        (2025, 3, "庭审旁听", None, 12, None),
    ]
    out = FeedBlock()
    counters = {2024: 0, 2025: 0}
    for year, month, kind, where, n, mark in plan:
        counters[year] += 1
        key = f"PF{year}{block * 1000 + counters[year]:03d}"
        day = _day(rng, year, month)
        values: Values = {
            "activity_no": key,
            "activity_date": day,
            "activity_type": kind,
            "theme": rng.choice(THEMES),
            "community_raw": where,
            "audience": "、".join(rng.sample(AUDIENCES, rng.randint(1, 3))),
            "quantity": _quantity(n, mark),
            "unit": UNITS[kind],
            "organiser": rng.choice(ORGANISERS),
        }
        out.records.append(
            _ledger_record(rng, key, values, day, void_later=(year, counters[year]) == (2024, 3))
        )
    # the voided row stands in for nothing: add its activity again, in force
    voided = out.records[2].latest
    again = f"PF2024{block * 1000 + 900:03d}"
    held = voided["activity_date"]
    assert isinstance(held, date)
    redo = {k: v for k, v in voided.items() if k not in ("record_status", "updated_at")}
    out.records.append(_ledger_record(rng, again, {**redo, "activity_no": again}, held))
    return out
