"""End to end: landing files through run_ingest into raw and audit tables of a real DuckDB file."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from ingest import IngestReport, ingest_feed, run_ingest
from ingest.pseudonymize import hmac_hex
from tests.conftest import TEST_KEY
from tests.ingest.conftest import (
    BAD_CHECK_ID,
    COURT_HEADER,
    OLD_ID,
    PHONE,
    VALID_ID,
    VALID_ID_2,
    court_row,
    landing,
    write_csv,
    write_xlsx,
)

KEY = TEST_KEY.encode()
TITLE = ["诉前调解案件导出(截至2024-03-31)"]


def court_file(settings, name, rows, title=True):
    body = ([TITLE, []] if title else []) + [COURT_HEADER, *rows]
    path = landing(settings, "court_referrals", name)
    return write_csv(path, body) if name.endswith(".csv") else write_xlsx(path, body)


def query(settings, sql, params=None):
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def file_row(settings, name):
    return query(
        settings,
        "select status, rows_read, rows_loaded, rows_rejected, rows_skipped, reason, notices "
        "from audit.file_loads where file_name = ?",
        [name],
    )[0]


def test_clean_xlsx_loads_every_row_with_lineage(settings):
    court_file(settings, "案件_20240331.xlsx", [court_row(i) for i in range(3)])
    report = run_ingest(settings, progress=False)
    assert [(f.status, f.rows_read, f.rows_loaded) for f in report.files] == [("loaded", 3, 3)]
    rows = query(
        settings,
        "select case_no, referred_date, claim_amount, updated_at, data_review, _file_name, _export_date, _row_number "
        "from raw.court_referrals order by _row_number",
    )
    assert rows[0][0] == "(2024)渝0116民诉前调0号"
    assert rows[0][1:5] == (dt.date(2024, 3, 5), 12000, dt.datetime(2024, 3, 20, 10), "否")
    assert rows[0][5:] == ("案件_20240331.xlsx", dt.date(2024, 3, 31), 4)
    assert [r[7] for r in rows] == [4, 5, 6]


def test_footer_blank_and_duplicate_rows_are_skipped_and_counted(settings):
    rows = [court_row(1), court_row(1), [], court_row(2), ["合计", "2"], ["制表人:王"], court_row(3, 案号="")]
    court_file(settings, "案件_20240331.xlsx", rows)
    run_ingest(settings, progress=False)
    status, read, loaded, rejected, skipped, _, notices = file_row(settings, "案件_20240331.xlsx")
    assert (status, read, loaded, rejected, skipped) == ("loaded", 7, 2, 0, 5)
    assert "1 duplicate row" in notices and "2 footer row" in notices and "1 key cell blank" in notices


@pytest.mark.parametrize(
    ("override", "column", "reason"),
    [
        ({"委托日期": "2024-02-30"}, "委托日期", "expected a date"),
        ({"委托日期": ""}, "委托日期", "required value missing"),
        ({"标的金额（元）": "一万"}, "标的金额(元)", "expected a number"),
        ({"标的金额（元）": "-5"}, "标的金额(元)", "out of range: expected >= 0"),
        ({"调解方式": "电话调解"}, "调解方式", "expected one of 线下调解|线上调解"),
        ({"更新时间": "昨天"}, "更新时间", "expected a date and time"),
        ({"结案日期": ""}, "结案日期", "required unless 调解状态 = 调解中"),
    ],
)
def test_each_kind_of_bad_cell_rejects_its_row_with_file_row_column_and_reason(
    settings, override, column, reason
):
    good = [court_row(i) for i in range(10)]
    court_file(settings, "案件_20240331.xlsx", [*good, court_row(99, **override)])
    run_ingest(settings, progress=False)
    assert file_row(settings, "案件_20240331.xlsx")[:5] == ("loaded", 11, 10, 1, 0)
    rejected = query(settings, "select file_name, row_number, column_name, reason from audit.rejected_rows")
    assert len(rejected) == 1
    assert rejected[0][:3] == ("案件_20240331.xlsx", 14, column)
    assert reason in rejected[0][3]


def test_required_when_is_not_required_otherwise_and_blank_optional_code_is_null(settings):
    rows = [court_row(1, 调解状态="调解中", 结案日期="", 司法确认="")]
    court_file(settings, "案件_20240331.xlsx", rows)
    run_ingest(settings, progress=False)
    assert query(
        settings, "select closed_date, judicial_confirmation, data_review from raw.court_referrals"
    ) == [(None, None, "否")]


def test_disputes_resolved_without_resolution_date_is_rejected(settings):
    header = ["纠纷编号", "登记日期", "纠纷来源", "纠纷等级", "化解状态", "化解日期", "更新时间"]
    ok = [
        [f"JF{i}", "2024-01-02", "排查发现", "一般", "已化解", "2024-01-09", "2024-01-09 10:00"]
        for i in range(9)
    ]
    bad = ["JF99", "2024-01-02", "排查发现", "一般", "已化解", "", "2024-01-09 10:00"]
    pending = ["JF98", "2024-01-02", "排查发现", "一般", "化解中", "", "2024-01-09 10:00"]
    write_xlsx(landing(settings, "disputes", "台账_20240331.xlsx"), [header, *ok, bad, pending])
    run_ingest(settings, progress=False)
    assert query(settings, "select row_number, column_name from audit.rejected_rows") == [(11, "化解日期")]
    assert query(settings, "select count(*) from raw.disputes")[0][0] == 10


def test_dates_in_every_format_including_excel_serials_and_full_width_digits(settings):
    values = [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024年3月5日",
        "20240305",
        45356,
        "45356",
        "２０２４－０３－０５",
        dt.date(2024, 3, 5),
        "2024-03-05 14:00",
    ]
    rows = [court_row(i, 委托日期=v) for i, v in enumerate(values)]
    court_file(settings, "案件_20240331.xlsx", rows)
    run_ingest(settings, progress=False)
    assert query(settings, "select distinct referred_date from raw.court_referrals") == [
        (dt.date(2024, 3, 5),)
    ]
    assert query(settings, "select count(*) from raw.court_referrals")[0][0] == len(values)


def test_pii_is_pseudonymised_validated_and_masked_values_are_missing(settings):
    rows = [
        court_row(1, 申请人证件号码=VALID_ID, 申请人联系电话="+86 138 0013 8000"),
        court_row(2, 申请人证件号码=VALID_ID.lower(), 申请人联系电话="8613800138000"),
        court_row(3, 申请人证件号码=BAD_CHECK_ID, 申请人联系电话="138****8000"),
        court_row(4, 申请人证件号码=OLD_ID, 申请人联系电话=13800138000),
        court_row(5, 申请人证件号码="110105********002X", 申请人联系电话=""),
    ]
    court_file(settings, "案件_20240331.xlsx", rows)
    run_ingest(settings, progress=False)
    got = query(
        settings,
        "select applicant_id_pid, applicant_id_valid, applicant_phone_pid from raw.court_referrals order by 1",
    )
    phone = hmac_hex(KEY, PHONE)
    expected = [
        (hmac_hex(KEY, VALID_ID), True, phone),
        (hmac_hex(KEY, VALID_ID), True, phone),
        (hmac_hex(KEY, BAD_CHECK_ID), False, None),
        (hmac_hex(KEY, OLD_ID), True, phone),
        (None, None, None),
    ]
    assert sorted(got, key=str) == sorted(expected, key=str)
    assert query(settings, "select count(*) from audit.rejected_rows")[0][0] == 0


def test_multi_id_cells_become_a_list_of_pseudonyms_and_an_invalid_count(settings):
    header = [
        "纠纷编号",
        "登记日期",
        "纠纷来源",
        "纠纷等级",
        "当事人",
        "当事人证件号码",
        "化解状态",
        "更新时间",
    ]
    row = [
        "JF1",
        "2024-01-02",
        "网格上报",
        "较大",
        "张三、李四",
        f"{VALID_ID}、{BAD_CHECK_ID}，{VALID_ID_2};",
        "化解中",
        "2024-01-09 10:00",
    ]
    write_xlsx(landing(settings, "disputes", "台账_20240331.xlsx"), [header, row])
    run_ingest(settings, progress=False)
    pids, invalid = query(settings, "select party_id_pids, party_id_invalid_count from raw.disputes")[0]
    assert pids == [hmac_hex(KEY, VALID_ID), hmac_hex(KEY, BAD_CHECK_ID), hmac_hex(KEY, VALID_ID_2)]
    assert invalid == 1


def test_gb18030_dispatch_csv_and_bom_exam_csv_load(settings):
    header = ["事件编号", "事件类型", "所属网格", "上报时间", "调度时间", "是否需到场", "处置状态"]
    events = [
        [f"SJ{i}", "占道", "东门社区第3网格", "2024/3/5 8:00", "2024-03-05 08:10", "是", "已办结"]
        for i in range(4)
    ]
    write_csv(
        landing(settings, "dispatch_events", "事件_20240331.csv"), [header, *events], encoding="gb18030"
    )
    exam_header = [
        "考试名称",
        "考试类别",
        "考试日期",
        "人员编号",
        "姓名",
        "身份证号",
        "应考",
        "参考状态",
        "成绩",
        "是否合格",
    ]
    exams = [
        [
            "2024年法治理论考试",
            "法治理论考试",
            "2024-06-01",
            f"A{i:03d}",
            "王五",
            VALID_ID,
            "是",
            "已参考",
            "88.5",
            "合格",
        ]
        for i in range(4)
    ]
    write_csv(
        landing(settings, "exam_results", "考试成绩_20240630.csv"),
        [exam_header, *exams],
        encoding="utf-8-sig",
    )
    report = run_ingest(settings, progress=False)
    assert {(f.feed, f.status, f.rows_loaded) for f in report.files} == {
        ("dispatch_events", "loaded", 4),
        ("exam_results", "loaded", 4),
    }
    assert query(settings, "select grid_raw, reported_at from raw.dispatch_events limit 1") == [
        ("东门社区第3网格", dt.datetime(2024, 3, 5, 8))
    ]
    assert query(settings, "select person_pid, score from raw.exam_results order by 1 limit 1")[0][0] in {
        hmac_hex(KEY, f"A{i:03d}") for i in range(4)
    }


def test_score_above_100_and_people_involved_below_1_are_out_of_range(settings):
    exam_header = ["考试名称", "考试类别", "考试日期", "人员编号", "应考", "参考状态", "成绩"]
    rows = [["考试", "法治理论考试", "2024-06-01", f"A{i}", "是", "已参考", "90"] for i in range(9)]
    rows.append(["考试", "法治理论考试", "2024-06-01", "A99", "是", "已参考", "101"])
    write_csv(landing(settings, "exam_results", "考试_20240630.csv"), [exam_header, *rows])
    run_ingest(settings, progress=False)
    assert query(settings, "select column_name, reason from audit.rejected_rows") == [
        ("成绩", "out of range: expected >= 0 and <= 100")
    ]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("案件.xlsx", None, "no valid export date"),
        ("案件_20240230.xlsx", None, "no valid export date"),
        ("案件_20240331.xls", b"old excel", "unsupported file type .xls"),
        ("案件_20240331.txt", b"hello", "unsupported file type .txt"),
        ("案件_20240331.csv", bytes(range(128, 256)) * 20, "UTF-8 or GB18030"),
        ("案件_20240331.xlsx", b"PK\x03\x04 truncated", "not a readable xlsx"),
    ],
)
def test_unacceptable_files_are_quarantined_with_reason_and_moved(settings, name, content, reason):
    path = landing(settings, "court_referrals", name)
    if content is None:
        court_file(settings, name, [court_row(1)])
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    report = run_ingest(settings, progress=False)
    [result] = report.quarantined
    assert reason in result.reason
    assert not path.exists()
    moved = settings.quarantine_dir / "court_referrals" / f"{result.sha256[:8]}-{name}"
    assert moved.exists() and str(moved) == result.quarantined_to
    assert reason in (moved.parent / f"{moved.name}.reason.txt").read_text(encoding="utf-8")
    assert file_row(settings, name)[0] == "quarantined"
    assert reason in report.render() and str(moved) in report.render()


def test_missing_required_column_quarantines_naming_missing_and_found(settings):
    header = [h for h in COURT_HEADER if h != "调解方式"]
    write_xlsx(landing(settings, "court_referrals", "案件_20240331.xlsx"), [header, court_row(1)[:-1]])
    [result] = run_ingest(settings, progress=False).quarantined
    assert "missing required column(s): 调解方式" in result.reason
    assert "案号, 委托日期" in result.reason


def test_more_than_a_fifth_rejected_quarantines_the_file_but_keeps_row_reasons(settings):
    rows = [court_row(i) for i in range(7)] + [court_row(10 + i, 调解方式="?") for i in range(3)]
    court_file(settings, "案件_20240331.xlsx", rows)
    [result] = run_ingest(settings, progress=False).quarantined
    assert "3 of 10 data rows rejected" in result.reason
    assert file_row(settings, "案件_20240331.xlsx")[:5] == ("quarantined", 10, 0, 10, 0)
    assert query(settings, "select count(*) from raw.court_referrals")[0][0] == 0
    assert query(settings, "select count(*) from audit.rejected_rows")[0][0] == 3


def test_exactly_a_fifth_rejected_still_loads(settings):
    rows = [court_row(i) for i in range(8)] + [court_row(10 + i, 调解方式="?") for i in range(2)]
    court_file(settings, "案件_20240331.xlsx", rows)
    assert run_ingest(settings, progress=False).files[0].status == "loaded"


def test_same_content_under_another_name_is_a_skipped_duplicate(settings):
    first = court_file(settings, "案件_20240331.xlsx", [court_row(1)])
    copy = landing(settings, "court_referrals", "案件副本_20240331.xlsx")
    copy.write_bytes(first.read_bytes())
    report = run_ingest(settings, progress=False)
    assert [f.status for f in report.files] == ["loaded", "skipped_duplicate"]
    assert file_row(settings, "案件副本_20240331.xlsx")[:5] == ("skipped_duplicate", 0, 0, 0, 0)
    assert query(settings, "select count(*) from raw.court_referrals")[0][0] == 1


def test_second_run_changes_nothing(settings):
    court_file(
        settings,
        "案件_20240331.xlsx",
        [court_row(1), court_row(2, 委托日期="x")] + [court_row(i) for i in range(3, 10)],
    )
    court_file(settings, "bad.xlsx", [court_row(1)])
    run_ingest(settings, progress=False)

    def snapshot():
        return [
            query(settings, f"select * from {t} order by all")
            for t in ("raw.court_referrals", "audit.file_loads", "audit.rejected_rows")
        ]

    before = snapshot()
    second = run_ingest(settings, progress=False)
    assert second.files == []
    assert snapshot() == before


def test_rows_read_equals_loaded_rejected_skipped_for_every_file(settings):
    court_file(
        settings,
        "a_20240331.xlsx",
        [court_row(1), court_row(1), [], court_row(2, 委托日期="?")] + [court_row(i) for i in range(3, 9)],
    )
    court_file(settings, "b_20240331.csv", [court_row(1, 调解方式="?"), court_row(2, 调解方式="?")])
    court_file(settings, "c.xlsx", [court_row(1)])
    run_ingest(settings, progress=False)
    rows = query(settings, "select rows_read, rows_loaded, rows_rejected, rows_skipped from audit.file_loads")
    assert len(rows) == 3
    assert all(r[0] == r[1] + r[2] + r[3] for r in rows)
    assert query(settings, "select count(*) from raw.court_referrals")[0][0] == sum(r[1] for r in rows)


def test_one_bad_file_does_not_drop_the_rows_of_another(settings):
    path = landing(settings, "court_referrals", "坏_20240331.xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"garbage")
    court_file(settings, "好_20240401.xlsx", [court_row(1), court_row(2)])
    report = run_ingest(settings, progress=False)
    assert {f.file_name: f.status for f in report.files} == {
        "坏_20240331.xlsx": "quarantined",
        "好_20240401.xlsx": "loaded",
    }
    assert query(settings, "select count(*) from raw.court_referrals")[0][0] == 2


def test_versions_of_a_record_are_all_kept(settings):
    court_file(settings, "案件_20240331.xlsx", [court_row(1, 调解状态="调解中", 结案日期="")])
    court_file(settings, "案件_20240430.xlsx", [court_row(1)])
    run_ingest(settings, progress=False)
    assert query(settings, "select mediation_status from raw.court_referrals order by _export_date") == [
        ("调解中",),
        ("调解成功",),
    ]


def test_ingest_feed_only_touches_its_feed(settings):
    court_file(settings, "案件_20240331.xlsx", [court_row(1)])
    write_xlsx(
        landing(settings, "study_sessions", "学法_20240331.xlsx"),
        [["活动编号", "活动日期", "活动类型", "参加人数"], ["XF1", "2024-03-01", "会前学法", 12]],
    )
    report = ingest_feed(settings, "study_sessions")
    assert [f.feed for f in report.files] == ["study_sessions"]
    assert landing(settings, "court_referrals", "案件_20240331.xlsx").exists()


def test_a_crash_between_audit_commit_and_move_is_finished_by_the_rerun(settings):
    path = court_file(settings, "无日期.xlsx", [court_row(1)])
    from ingest import runner

    original = runner.move_to_quarantine
    runner.move_to_quarantine = lambda *a, **k: (_ for _ in ()).throw(OSError("disk gone"))
    try:
        with pytest.raises(OSError):
            run_ingest(settings, progress=False)
    finally:
        runner.move_to_quarantine = original
    assert path.exists()
    assert run_ingest(settings, progress=False).files == []
    assert not path.exists()
    [sha] = query(settings, "select sha256 from audit.file_loads")[0]
    stored = settings.quarantine_dir / "court_referrals" / f"{sha[:8]}-无日期.xlsx"
    assert stored.exists() and stored.with_name(stored.name + ".reason.txt").exists()
    assert query(settings, "select count(*) from audit.file_loads")[0][0] == 1


def test_no_clear_pii_anywhere_in_the_database(settings):
    names = ["张三丰", "李四光"]
    rows = [
        court_row(1, 申请人=names[0], 被申请人=names[1], 申请人证件号码=VALID_ID, 申请人联系电话=PHONE),
        court_row(2, 申请人证件号码=BAD_CHECK_ID, 委托日期="bad"),
    ]
    court_file(settings, "案件_20240331.csv", rows + [court_row(i) for i in range(3, 12)])
    exam_header = ["考试名称", "考试类别", "考试日期", "人员编号", "姓名", "身份证号", "应考", "参考状态"]
    write_csv(
        landing(settings, "exam_results", "考试_20240630.csv"),
        [exam_header, ["考试", "法治理论考试", "2024-06-01", "STAFF0042", "赵六", VALID_ID_2, "是", "?"]],
    )
    run_ingest(settings, progress=False)
    secrets = [*names, "赵六", VALID_ID, BAD_CHECK_ID, VALID_ID_2, PHONE, "STAFF0042", "0042"]
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR' or data_type like 'VARCHAR%'"
    ).fetchall()
    assert columns
    for schema, table, column in columns:
        values = {
            v
            for (v,) in con.execute(
                f'select distinct cast("{column}" as varchar) from "{schema}"."{table}"'
            ).fetchall()
        }
        for value in values:
            for secret in secrets:
                assert value is None or secret not in value, f"{secret} found in {schema}.{table}.{column}"
    con.close()


def test_report_merge_and_render_list_quarantined_files(settings):
    court_file(settings, "no_date.xlsx", [court_row(1)])
    report = IngestReport().merge(run_ingest(settings, progress=False))
    text = report.render()
    assert "no_date.xlsx" in text and "no valid export date" in text and "QUARANTINED" in text
