"""Training: study sessions (学法活动), staff, exam results and the enforcement-officer roster."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from rolwh.demo_data import people
from rolwh.demo_data.calendar import DEC31, month_end, quarter_ends
from rolwh.demo_data.targets import COUNTS_2024, MEDIATOR_TRAINING_2024
from rolwh.demo_data.truth.clock import day_in
from rolwh.demo_data.truth.records import FeedBlock, Record, Values, Version, place, stream

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
    t = COUNTS_2024
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
        day = day_in(rng, date(year, month, 1), month_end(date(year, month, 1)) - timedelta(days=1))
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
        issued = day_in(rng, date(2019, 3, 1), date(2022, 12, 31))
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
