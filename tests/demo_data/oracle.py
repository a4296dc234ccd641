"""The 2024 figures computed straight from the definitions in indicators.md (test-side, independent)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from fractions import Fraction

Y0, Y1 = date(2024, 1, 1), date(2024, 12, 31)


def in_year(d: object) -> bool:
    return isinstance(d, date) and Y0 <= d <= Y1


def latest(versions: Iterable[tuple[object, tuple, dict]]) -> dict[object, dict]:
    """key -> values of the version with the greatest (更新时间, export date, order)."""
    best: dict[object, tuple[tuple, dict]] = {}
    for key, rank, values in versions:
        if key not in best or rank >= best[key][0]:
            best[key] = (rank, values)
    return {k: v for k, (_, v) in best.items()}


def court(cases: Iterable[dict]) -> dict[str, object]:
    cases = list(cases)
    received = [c for c in cases if in_year(c["referred_date"])]
    concluded = [c for c in cases if c["mediation_status"] != "调解中" and in_year(c["closed_date"])]
    success = [c for c in concluded if c["mediation_status"] == "调解成功"]
    review = [c for c in success if (c["data_review"] or "否") == "是"]
    pending = [
        c
        for c in cases
        if c["referred_date"] <= Y1 and (c["mediation_status"] == "调解中" or c["closed_date"] > Y1)
    ]
    return {
        "CR_RECEIVED": len(received),
        "CR_CONCLUDED": len(concluded),
        "CR_SUCCESS": len(success),
        "CR_SUCCESS_RATE": Fraction(len(success), len(concluded)),
        "CR_DATA_REVIEW_SHARE": Fraction(len(review), len(success)),
        "CR_PENDING_END": len(pending),
    }


def disputes(records: Iterable[dict]) -> dict[str, object]:
    live = [d for d in records if (d["record_status"] or "正常") != "作废"]
    reg = [d for d in live if in_year(d["registered_date"])]
    resolved = [d for d in live if d["resolution_status"] == "已化解" and in_year(d["resolved_date"])]
    cohort = [d for d in reg if d["resolution_status"] == "已化解" and d["resolved_date"] <= Y1]
    major = [d for d in reg if d["dispute_source"] == "排查发现" and d["dispute_level"] in ("较大", "重大")]
    return {
        "DS_REGISTERED": len(reg),
        "DS_RESOLVED": len(resolved),
        "DS_RESOLUTION_RATE": Fraction(len(cohort), len(reg)),
        "DS_MAJOR_SCREENED": len(major),
        "DS_DOSSIERS": sum((d["has_dossier"] or "否") == "是" for d in resolved),
    }


def training(
    sessions: Iterable[dict], exams: Iterable[dict], roster: dict[date, list[dict]]
) -> dict[str, object]:
    s24 = [s for s in sessions if in_year(s["session_date"])]

    def count(kind: str) -> int:
        return sum(s["session_type"] == kind for s in s24)

    e24 = [e for e in exams if in_year(e["exam_date"])]
    part = [
        e
        for e in e24
        if e["exam_category"] == "法治理论考试"
        and e["is_required"] == "是"
        and e["attendance_status"] != "免考"
    ]
    passed = {
        e["person"] for e in e24 if e["exam_category"] == "行政执法资格考试" and e["pass_status"] == "合格"
    }
    snap = roster[max(d for d in roster if d <= Y1)]
    post = [r for r in snap if r["is_enforcement_post"] == "是"]
    certified = [
        r
        for r in post
        if r["certificate_status"] == "有效"
        and r["certificate_issued_date"] is not None
        and r["certificate_issued_date"] <= Y1 <= r["certificate_valid_until"]
    ]
    return {
        "TR_PREMEETING_STUDY": count("会前学法"),
        "TR_LAW_LECTURES": count("法治专题讲座"),
        "TR_GROUP_STUDY": count("理论学习中心组学习"),
        "TR_MEDIATOR_TRAINING_PT": sum(int(s["attendees"]) for s in s24 if s["session_type"] == "调解员轮训"),
        "TR_EXAM_PARTICIPATION_RATE": Fraction(
            sum(e["attendance_status"] == "已参考" for e in part), len(part)
        ),
        "TR_ENFORCEMENT_EXAM_PASSED": len(passed),
        "TR_CERTIFIED_OFFICERS": len(certified),
        "TR_CERT_RATE": Fraction(len(certified), len(post)),
    }


def ledgers(
    services: Iterable[dict], roster: dict[date, list[dict]], activities: Iterable[dict], communities: int
) -> dict[str, object]:
    """The legal advisor and publicity figures of 2024 (community ALL): sums of 数量 per type, a
    「约」/「余」 quantity counting as its number; the roster snapshot with the latest export date
    <= 2024-12-31, advisors in force on that day, over the configured communities."""

    def live(rows: Iterable[dict], day: str) -> list[dict]:
        return [r for r in rows if (r["record_status"] or "正常") != "作废" and in_year(r[day])]

    s24, a24 = live(services, "service_date"), live(activities, "activity_date")

    def total(rows: list[dict], column: str, kinds: tuple[str, ...]) -> int:
        return sum(int(r["quantity"] or 1) for r in rows if r[column] in kinds)

    snap = roster[max(d for d in roster if d <= Y1)]
    covered = {
        r["community_raw"]
        for r in snap
        if r["appointed_from"] <= Y1 and (r["appointed_until"] is None or r["appointed_until"] >= Y1)
    }
    return {
        "LA_CONTRACT_REVIEWS": total(s24, "service_type", ("合同审查", "法律文书审查")),
        "LA_LEGAL_OPINIONS": total(s24, "service_type", ("法律意见",)),
        "LA_PHONE_CONSULTS": total(s24, "service_type", ("电话咨询",)),
        "LA_VILLAGE_ADVISORS": len(covered),
        "LA_VILLAGE_ADVISOR_RATE": Fraction(len(covered), communities),
        "PB_THEME_EVENTS": total(a24, "activity_type", ("主题法治宣传活动",)),
        "PB_LECTURES": total(a24, "activity_type", ("法治讲座",)),
        "PB_BANNERS": total(a24, "activity_type", ("悬挂宣传标语",)),
        "PB_LEAFLETS": total(a24, "activity_type", ("发放宣传资料",)),
        "PB_COURT_VISITS": total(a24, "activity_type", ("庭审旁听",)),
    }
