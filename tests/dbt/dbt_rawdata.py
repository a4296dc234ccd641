"""A small hand-computable raw layer for the dbt tests: two exports (Q1 and Q2 of 2024)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rolwh.core.contracts import feed

if TYPE_CHECKING:
    from collections.abc import Callable

    import duckdb

    from rolwh.core.settings import Settings

T = datetime.fromisoformat
D = date.fromisoformat


def load_into(settings: Settings, *batches: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
    """Apply raw-row batches to the settings' warehouse (raw and audit layers created first)."""
    from rolwh.core.warehouse import connect, ensure_schema

    con = connect(settings)
    try:
        ensure_schema(con)
        for batch in batches:
            batch(con)
    finally:
        con.close()


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    feed_name: str,
    rows: list[dict[str, Any]],
    *,
    file_name: str,
    export_date: str,
    load_id: str,
) -> int:
    """Append ``rows`` to raw.<feed> as one loaded file; unnamed contract columns are NULL."""
    columns = [name for name, _ in feed(feed_name).raw_columns()]
    placeholders = ", ".join("?" for _ in columns)
    sql = f"insert into {feed(feed_name).table} ({', '.join(columns)}) values ({placeholders})"
    for number, row in enumerate(rows, start=2):
        unknown = set(row) - set(columns)
        assert not unknown, f"not raw columns of {feed_name}: {unknown}"
        values = {
            **row,
            "_file_name": file_name,
            "_file_sha256": f"{load_id}-{file_name}",
            "_export_date": D(export_date),
            "_row_number": number,
            "_load_id": load_id,
            "_loaded_at": T(export_date + "T23:00:00"),
        }
        con.execute(sql, [values.get(c) for c in columns])
    return len(rows)


def court(case_no: str, referred: str, community: str | None, status: str, updated: str, **kw: Any) -> dict:
    return {
        "case_no": case_no,
        "referred_date": D(referred),
        "community_raw": community,
        "mediation_mode": kw.pop("mode", "线下调解"),
        "mediation_status": status,
        "closed_date": D(kw.pop("closed")) if "closed" in kw else None,
        "judicial_confirmation": kw.pop("confirmed", None),
        "data_review": kw.pop("review", "否"),
        "updated_at": T(updated),
        **kw,
    }


def load_batch_a(con: duckdb.DuckDBPyConnection) -> None:
    """The exports of 2024-03-31 (load L1)."""
    kw = {"export_date": "2024-03-31", "load_id": "L1"}
    insert_rows(
        con,
        "court_referrals",
        [
            court("(2024)渝0116民诉前调1号", "2024-01-10", "东门社区", "调解中", "2024-03-31 10:00"),
            court(
                "(2024)渝0116民诉前调2号",
                "2024-02-01",
                "重庆市江津区几江街道 南门社区居委会",
                "调解成功",
                "2024-03-02 09:00",
                closed="2024-03-02",
                confirmed="否",
            ),
            court("(2024)渝0116民诉前调4号", "2024-03-20", "东门", "调解中", "2024-03-31 10:00"),
        ],
        file_name="诉前调解案件导出_20240331.xlsx",
        **kw,
    )
    insert_rows(
        con,
        "disputes",
        [
            {
                "dispute_no": "D1",
                "registered_date": D("2024-01-05"),
                "dispute_source": "排查发现",
                "dispute_level": "较大",
                "community_raw": "东门社区",
                "resolution_status": "已化解",
                "resolved_date": D("2024-01-20"),
                "has_dossier": "是",
                "record_status": "正常",
                "updated_at": T("2024-01-20 12:00"),
            },
            {
                "dispute_no": "D3",
                "registered_date": D("2024-02-01"),
                "dispute_source": "群众来访",
                "dispute_level": "一般",
                "community_raw": "东门社区",
                "resolution_status": "化解中",
                "has_dossier": "否",
                "record_status": "正常",
                "updated_at": T("2024-02-01 12:00"),
            },
        ],
        file_name="矛盾纠纷台账_20240331.xlsx",
        **kw,
    )
    insert_rows(
        con,
        "study_sessions",
        [
            {
                "session_no": "S1",
                "session_date": D("2024-01-15"),
                "session_type": "会前学法",
                "attendees": 20,
            },
            {
                "session_no": "S2",
                "session_date": D("2024-02-15"),
                "session_type": "调解员轮训",
                "attendees": 30,
            },
        ],
        file_name="学法活动_20240331.xlsx",
        **kw,
    )
    insert_rows(
        con,
        "enforcement_officers",
        [
            {
                "person_pid": "o1",
                "is_enforcement_post": "是",
                "certificate_status": "有效",
                "certificate_issued_date": D("2020-01-01"),
                "certificate_valid_until": D("2026-12-31"),
            },
            {
                "person_pid": "o2",
                "is_enforcement_post": "是",
                "certificate_status": "有效",
                "certificate_issued_date": D("2020-01-01"),
                "certificate_valid_until": D("2024-03-30"),
            },
            {"person_pid": "o3", "is_enforcement_post": "否", "certificate_status": "有效"},
        ],
        file_name="执法人员名册_20240331.xlsx",
        **kw,
    )
    load_ledgers_a(con, kw)


def load_batch_b(con: duckdb.DuckDBPyConnection) -> None:
    """The exports of 2024-06-30 (load L2)."""
    kw = {"export_date": "2024-06-30", "load_id": "L2"}
    insert_rows(
        con,
        "court_referrals",
        [
            # case 1 moves on: concluded 26 days after referral, online, confirmed, reviewed
            court(
                "(2024)渝0116民诉前调1号",
                "2024-01-10",
                "东门社区",
                "调解成功",
                "2024-04-01 08:00",
                closed="2024-02-05",
                mode="线上调解",
                confirmed="是",
                review="是",
            ),
            # an older 更新时间 in a later export: the version of 2024-03-31 still wins
            court("(2024)渝0116民诉前调2号", "2024-02-01", "南门", "调解中", "2024-03-01 09:00"),
            # 31 days: not timely; community unknown
            court(
                "(2024)渝0116民诉前调3号",
                "2024-03-01",
                "火星村",
                "调解不成功",
                "2024-04-01 09:00",
                closed="2024-04-01",
            ),
            court("(2024)渝0116民诉前调4号", "2024-03-20", "东门", "调解中", "2024-06-30 10:00"),
            # closed before referred (negative days): concluded, never timely
            court(
                "(2024)渝0116民诉前调5号",
                "2024-04-10",
                "南门村委会",
                "调解成功",
                "2024-06-30 10:00",
                closed="2024-04-05",
            ),
        ],
        file_name="诉前调解案件导出_20240630.xlsx",
        **kw,
    )
    insert_rows(
        con,
        "disputes",
        [
            {
                "dispute_no": "D1",
                "registered_date": D("2024-01-05"),
                "dispute_source": "排查发现",
                "dispute_level": "较大",
                "community_raw": "东门社区",
                "resolution_status": "已化解",
                "resolved_date": D("2024-01-20"),
                "has_dossier": "是",
                "record_status": "正常",
                "updated_at": T("2024-01-20 12:00"),
            },
            {
                "dispute_no": "D2",
                "registered_date": D("2024-03-25"),
                "dispute_source": "群众来访",
                "dispute_level": "一般",
                "community_raw": "西门社区",
                "resolution_status": "已化解",
                "resolved_date": D("2024-04-02"),
                "has_dossier": "否",
                "record_status": "正常",
                "updated_at": T("2024-04-02 12:00"),
            },
            {
                "dispute_no": "D3",
                "registered_date": D("2024-02-01"),
                "dispute_source": "群众来访",
                "dispute_level": "一般",
                "community_raw": "东门社区",
                "resolution_status": "化解中",
                "has_dossier": "否",
                "record_status": "作废",
                "updated_at": T("2024-05-01 12:00"),
            },
        ],
        file_name="矛盾纠纷台账_20240630.xlsx",
        **kw,
    )
    insert_rows(
        con,
        "petitions",
        [
            {
                "petition_no": "P1",
                "registered_date": D("2024-01-10"),
                "petitioner_id_pid": "X",
                "community_raw": "南门社区",
                "acceptance_status": "受理",
                "notified_date": D("2024-01-20"),
                "closed_date": D("2024-03-10"),
                "handling_status": "已办结",
                "satisfaction": "满意",
                "people_involved": 1,
                "record_status": "正常",
                "updated_at": T("2024-03-10 12:00"),
            },
            {
                "petition_no": "P2",
                "registered_date": D("2024-06-01"),
                "petitioner_id_pid": "X",
                "community_raw": "南门社区",
                "acceptance_status": "待受理",
                "handling_status": "办理中",
                "people_involved": 1,
                "record_status": "正常",
                "updated_at": T("2024-06-01 12:00"),
            },
            {
                "petition_no": "P3",
                "registered_date": D("2024-05-01"),
                "petitioner_id_pid": "Y",
                "community_raw": "四牌坊社区",
                "acceptance_status": "受理",
                "notified_date": D("2024-05-20"),
                "closed_date": D("2024-06-25"),
                "handling_status": "已办结",
                "satisfaction": "不满意",
                "people_involved": 1,
                "record_status": "正常",
                "updated_at": T("2024-06-25 12:00"),
            },
        ],
        file_name="信访事项导出_20240630.xlsx",
        **kw,
    )
    insert_rows(
        con,
        "dispatch_events",
        [
            {
                "event_no": "E1",
                "grid_raw": "东门社区第3网格",
                "reported_at": T("2024-03-31 23:59:59"),
                "dispatched_at": T("2024-04-01 00:00:59"),
                "arrived_at": T("2024-04-01 00:04:59"),
                "first_handled_at": T("2024-04-01 00:10:00"),
                "needs_arrival": "是",
                "handling_status": "已办结",
            },
            {
                "event_no": "E2",
                "grid_raw": "南门社区2网格",
                "reported_at": T("2024-04-01 00:00:00"),
                "dispatched_at": T("2024-04-01 00:01:01"),
                "needs_arrival": "否",
                "handling_status": "已办结",
            },
            {
                "event_no": "E3",
                "grid_raw": "城西社区第1网格",
                "reported_at": T("2024-04-02 10:00:00"),
                "dispatched_at": T("2024-04-02 10:00:10"),
                "needs_arrival": "否",
                "handling_status": "已退回",
            },
            {
                "event_no": "E4",
                "grid_raw": "不存在社区第1网格",
                "reported_at": T("2024-04-03 10:00:00"),
                "dispatched_at": T("2024-04-03 09:59:55"),
                "needs_arrival": "是",
                "handling_status": "处置中",
            },
        ],
        file_name="指挥中心事件_20240630.csv",
        **kw,
    )
    insert_rows(
        con,
        "study_sessions",
        [
            {
                "session_no": "S2",
                "session_date": D("2024-02-15"),
                "session_type": "调解员轮训",
                "attendees": 35,
            },
            {
                "session_no": "S3",
                "session_date": D("2024-04-10"),
                "session_type": "调解员轮训",
                "attendees": 25,
            },
        ],
        file_name="学法活动_20240630.xlsx",
        **kw,
    )

    def exam(
        name: str, category: str, day: str, person: str, required: str, attendance: str, passed: str | None
    ) -> dict:
        return {
            "exam_name": name,
            "exam_category": category,
            "exam_date": D(day),
            "person_pid": person,
            "is_required": required,
            "attendance_status": attendance,
            "pass_status": passed,
        }

    theory = ("2024年法治理论考试", "法治理论考试", "2024-05-10")
    qualify1 = ("行政执法资格考试(一)", "行政执法资格考试", "2024-06-01")
    qualify2 = ("行政执法资格考试(二)", "行政执法资格考试", "2024-06-20")
    insert_rows(
        con,
        "exam_results",
        [
            exam(*theory, "p1", "是", "已参考", "合格"),
            exam(*theory, "p2", "是", "已参考", "不合格"),
            exam(*theory, "p3", "是", "缺考", None),
            exam(*theory, "p4", "是", "免考", None),
            exam(*theory, "p5", "否", "已参考", "合格"),
            exam(*qualify1, "p6", "是", "已参考", "合格"),
            exam(*qualify1, "p7", "是", "已参考", "不合格"),
            exam(*qualify2, "p6", "是", "已参考", "合格"),
        ],
        file_name="考试成绩_20240630.csv",
        **kw,
    )
    insert_rows(
        con,
        "enforcement_officers",
        [
            {
                "person_pid": "o1",
                "is_enforcement_post": "是",
                "certificate_status": "有效",
                "certificate_issued_date": D("2020-01-01"),
                "certificate_valid_until": D("2026-12-31"),
            },
            {
                "person_pid": "o2",
                "is_enforcement_post": "是",
                "certificate_status": "有效",
                "certificate_issued_date": D("2024-04-01"),
                "certificate_valid_until": D("2029-03-31"),
            },
            {"person_pid": "o3", "is_enforcement_post": "否", "certificate_status": "有效"},
        ],
        file_name="执法人员名册_20240630.xlsx",
        **kw,
    )
    load_ledgers_b(con, kw)


def service(no: str, day: str, level: str, community: str | None, kind: str, n: int, **kw: Any) -> dict:
    return {
        "service_no": no,
        "service_date": D(day),
        "client_level": level,
        "community_raw": community,
        "service_type": kind,
        "quantity": n,
        "quantity_is_approx": kw.get("approx", False),
        "record_status": kw.get("status"),
        "updated_at": T(kw.get("updated", day + "T10:00:00")),
    }


def advisor(community: str, lawyer: str, since: str, until: str | None = None) -> dict:
    return {
        "community_raw": community,
        "law_firm": "某某律师事务所",
        "lawyer": lawyer,
        "appointed_from": D(since),
        "appointed_until": D(until) if until else None,
    }


def load_ledgers_a(con: duckdb.DuckDBPyConnection, kw: dict[str, str]) -> None:
    """Q1 ledgers: a street-level contract review (UNKNOWN, in ALL only), an opinion written 50余,
    a phone consultation line of the street, a voided document review; the roster covers JJ01 only
    on 2024-03-31 (JJ02 appointed from 2024-04-01, JJ03's appointment ended 2024-03-30)."""
    insert_rows(
        con,
        "legal_advisor_services",
        [
            service("F1", "2024-01-10", "街道", None, "合同审查", 2),
            service("F2", "2024-02-05", "村居", "东门社区", "法律意见", 50, approx=True),
            service("F3", "2024-03-15", "街道", None, "电话咨询", 10),
            service("F4", "2024-03-20", "村居", "东门社区", "法律文书审查", 1, status="作废"),
        ],
        file_name="法律顾问服务台账_20240331.xlsx",
        **kw,
    )
    insert_rows(
        con,
        "village_legal_advisors",
        [
            advisor("东门社区", "王律师", "2023-01-01"),
            advisor("南门社区", "李律师", "2024-04-01"),
            advisor("西门社区", "张律师", "2023-01-01", "2024-03-30"),
        ],
        file_name="村居法律顾问名册_20240331.xlsx",
        **kw,
    )
    insert_rows(
        con,
        "publicity_activities",
        [
            {
                "activity_no": "P1",
                "activity_date": D("2024-01-08"),
                "activity_type": "主题法治宣传活动",
                "community_raw": "东门社区",
                "quantity": 3,
                "quantity_is_approx": True,
                "unit": "次",
            },
            {
                "activity_no": "P2",
                "activity_date": D("2024-02-01"),
                "activity_type": "悬挂宣传标语",
                "community_raw": None,
                "quantity": 200,
                "quantity_is_approx": False,
                "unit": "条",
            },
            {
                "activity_no": "P3",
                "activity_date": D("2024-03-01"),
                "activity_type": "庭审旁听",
                "community_raw": None,
                "quantity": 15,
                "quantity_is_approx": False,
                "unit": "人次",
            },
        ],
        file_name="普法宣传台账_20240331.xlsx",
        **kw,
    )


def load_ledgers_b(con: duckdb.DuckDBPyConnection, kw: dict[str, str]) -> None:
    """Q2 ledgers: a phone consultation of 西门社区; F1 corrected to 3 contracts; the roster of
    2024-06-30 covers JJ01 and JJ02."""
    insert_rows(
        con,
        "legal_advisor_services",
        [
            service("F1", "2024-01-10", "街道", None, "合同审查", 3, updated="2024-06-01T09:00:00"),
            service("F5", "2024-05-02", "村居", "西门社区", "电话咨询", 3),
        ],
        file_name="法律顾问服务台账_20240630.xlsx",
        **kw,
    )
    insert_rows(
        con,
        "village_legal_advisors",
        [advisor("东门社区", "王律师", "2023-01-01"), advisor("南门社区", "李律师", "2024-04-01")],
        file_name="村居法律顾问名册_20240630.xlsx",
        **kw,
    )
