"""Never half a file (issue 12, point 4): real csv and xlsx files through ingest; a file whose every
line or row the reader cannot account for is quarantined with a reason giving only its shape."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from ingest import run_ingest
from ingest.quarantine import stored_name
from rolwh.core.contracts import MAX_CELL_LINE_BREAKS, MAX_COLUMNS
from rolwh.core.settings import Settings
from tests.ingest.conftest import landing

EVENTS = "dispatch_events"
EVENT_HEADER = "事件编号,事件类型,所属网格,上报时间,调度时间,到场时间,初处置时间,是否需到场,处置状态"
SESSIONS = "study_sessions"
SESSION_HEADER = ["活动编号", "活动日期", "活动类型", "主题", "主讲人", "参加人数", "组织科室"]


def event(n: int, kind: str = "路灯故障") -> str:
    return (
        f"SJ{n:06d},{kind},东门社区3网格,2024-01-01 06:20:00,2024-01-01 06:20:26,"
        "2024-01-01 06:24:01,2024-01-01 06:28:00,是,已办结"
    )


def events_csv(settings: Settings, name: str, lines: list[str], newline: str = "\n") -> Path:
    path = landing(settings, EVENTS, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join([EVENT_HEADER, *lines]) + newline).encode("utf-8"))
    return path


def audit(con_reader, name: str) -> dict:
    con = con_reader()
    row = con.execute(
        "select status, reason, rows_read, rows_loaded, rows_rejected, rows_skipped, notices, sha256 "
        "from audit.file_loads where file_name = ?",
        [name],
    ).fetchone()
    keys = ("status", "reason", "read", "loaded", "rejected", "skipped", "notices", "sha256")
    return dict(zip(keys, row, strict=True))


def raw(con_reader, sql: str) -> list[tuple]:
    return con_reader().execute(sql).fetchall()


def stored(settings, a, name):
    """Where quarantine keeps the original of ``name`` (``<sha8>-<name>``)."""
    return settings.quarantine_dir / EVENTS / stored_name(a["sha256"], name)


# -- csv: quotes ----------------------------------------------------------------------------------
def test_an_unclosed_quote_near_the_end_quarantines_the_file_naming_its_line(settings, con_reader):
    lines = [event(n) for n in range(1, 8)]
    lines[5] = event(6, kind='"电话号码13912345678 后面都被吞掉')  # quote opened on line 7, never closed
    events_csv(settings, "指挥中心事件_20240131.csv", lines)
    run_ingest(settings, progress=False)
    a = audit(con_reader, "指挥中心事件_20240131.csv")
    assert a["status"] == "quarantined"
    assert "line 7" in a["reason"] and "never closed" in a["reason"]
    assert "1391234" not in a["reason"] and "吞" not in a["reason"]  # shape only, no value
    assert raw(con_reader, "select count(*) from raw.dispatch_events") == [(0,)]  # nothing half-loaded
    assert stored(settings, a, "指挥中心事件_20240131.csv").exists()


def test_a_quote_closed_records_later_swallows_them_and_is_quarantined(settings, con_reader):
    lines = [event(n) for n in range(1, 8)]
    lines[2] = event(3, kind='"走失')  # opens on line 4 ...
    lines[4] = event(5, kind='找到"')  # ... a stray quote closes it on line 6: records 4-5 swallowed
    events_csv(settings, "指挥中心事件_20240131.csv", lines)
    run_ingest(settings, progress=False)
    a = audit(con_reader, "指挥中心事件_20240131.csv")
    assert a["status"] == "quarantined"
    assert "record 4" in a["reason"] and "unclosed quote" in a["reason"]


def test_a_field_spanning_too_many_lines_is_quarantined(settings, con_reader):
    text = "\n".join(f"第{i}行" for i in range(MAX_CELL_LINE_BREAKS + 2))
    events_csv(settings, "指挥中心事件_20240131.csv", [event(1), event(2, kind=f'"{text}"'), event(3)])
    run_ingest(settings, progress=False)
    a = audit(con_reader, "指挥中心事件_20240131.csv")
    assert a["status"] == "quarantined" and f"spans {MAX_CELL_LINE_BREAKS + 2} lines" in a["reason"]


def test_a_short_multi_line_field_and_a_stray_quote_load_every_record(settings, con_reader):
    lines = [event(1, kind='"路灯\n不亮"'), event(2, kind='12"显示屏'), event(3)]
    events_csv(settings, "指挥中心事件_20240131.csv", lines)
    run_ingest(settings, progress=False)
    a = audit(con_reader, "指挥中心事件_20240131.csv")
    assert (a["status"], a["read"], a["loaded"]) == ("loaded", 3, 3)
    kinds = raw(con_reader, "select event_type from raw.dispatch_events order by event_no")
    assert kinds == [("路灯\n不亮",), ('12"显示屏',), ("路灯故障",)]


def test_a_record_with_more_fields_than_the_header_is_quarantined(settings, con_reader):
    lines = [event(n) for n in range(1, 30)]
    lines[24] = event(25, kind="路灯,故障")  # unquoted comma: every later value shifts one column
    events_csv(settings, "指挥中心事件_20240131.csv", lines)
    run_ingest(settings, progress=False)
    a = audit(con_reader, "指挥中心事件_20240131.csv")
    assert a["status"] == "quarantined" and "record 26" in a["reason"] and "more fields" in a["reason"]


# -- csv: line endings ----------------------------------------------------------------------------
@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_every_line_ending_reads_every_record(settings, con_reader, newline):
    events_csv(settings, "指挥中心事件_20240131.csv", [event(n) for n in range(1, 6)], newline=newline)
    run_ingest(settings, progress=False)
    a = audit(con_reader, "指挥中心事件_20240131.csv")
    assert (a["status"], a["read"], a["loaded"]) == ("loaded", 5, 5)
    assert raw(
        con_reader,
        "select min(event_no), max(event_no), count(distinct handling_status) from raw.dispatch_events",
    ) == [("SJ000001", "SJ000005", 1)]


def test_mixed_line_endings_lose_no_cell(settings, con_reader):
    path = landing(settings, EVENTS, "指挥中心事件_20240131.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(f"{EVENT_HEADER}\r\n{event(1)}\r{event(2)}\n{event(3)}\r\n".encode())
    run_ingest(settings, progress=False)
    assert audit(con_reader, "指挥中心事件_20240131.csv")["loaded"] == 3
    assert raw(con_reader, "select event_no from raw.dispatch_events order by 1") == [
        ("SJ000001",),
        ("SJ000002",),
        ("SJ000003",),
    ]


# -- columns --------------------------------------------------------------------------------------
def test_a_csv_wider_than_the_column_limit_is_quarantined(settings, con_reader):
    path = landing(settings, EVENTS, "指挥中心事件_20240131.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = ",".join(f"x{i}" for i in range(MAX_COLUMNS))
    path.write_text(f"{EVENT_HEADER},{extra}\n{event(1)}\n", encoding="utf-8")
    run_ingest(settings, progress=False)
    a = audit(con_reader, "指挥中心事件_20240131.csv")
    assert a["status"] == "quarantined" and f"{MAX_COLUMNS + 9} columns" in a["reason"]


def session(n: int, attendees: int) -> list[object]:
    return [f"HD{n:03d}", "2024-01-15", "会前学法", "宪法", "王老师", attendees, "司法所"]


def workbook(path: Path, sheets: list[tuple[list[list[object]], bool]]) -> Path:
    """An xlsx with the given sheets in order: (rows, hidden)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    made = []
    for i, (rows, hidden) in enumerate(sheets):
        ws = wb.add_worksheet(f"S{i + 1}")
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
        made.append((ws, hidden))
    first_visible = next(ws for ws, hidden in made if not hidden)
    first_visible.activate()  # Excel needs the active sheet to be a visible one
    first_visible.set_first_sheet()
    for ws, hidden in made:
        if hidden:
            ws.hide()
    wb.close()
    return path


def test_an_xlsx_wider_than_the_column_limit_is_quarantined(settings, con_reader):
    header = SESSION_HEADER + [f"x{i}" for i in range(MAX_COLUMNS)]
    workbook(landing(settings, SESSIONS, "学法活动_20240131.xlsx"), [([header, session(1, 20)], False)])
    run_ingest(settings, progress=False)
    a = audit(con_reader, "学法活动_20240131.xlsx")
    assert a["status"] == "quarantined" and "columns, more than the" in a["reason"]


# -- xlsx: which sheet ----------------------------------------------------------------------------
def test_a_hidden_stale_first_sheet_is_never_loaded(settings, con_reader):
    stale = [SESSION_HEADER, session(1, 999), session(2, 999)]
    current = [SESSION_HEADER, session(1, 20), session(2, 30)]
    workbook(landing(settings, SESSIONS, "学法活动_20240131.xlsx"), [(stale, True), (current, False)])
    run_ingest(settings, progress=False)
    a = audit(con_reader, "学法活动_20240131.xlsx")
    assert (a["status"], a["loaded"]) == ("loaded", 2)
    assert "1 hidden sheet(s) holding data not read" in a["notices"]
    assert raw(con_reader, "select attendees from raw.study_sessions order by session_no") == [(20,), (30,)]


def test_of_several_visible_sheets_the_only_one_with_the_header_is_read_with_a_notice(settings, con_reader):
    notes = [["说明"], ["本表由系统导出"]]
    current = [SESSION_HEADER, session(1, 20)]
    workbook(landing(settings, SESSIONS, "学法活动_20240131.xlsx"), [(notes, False), (current, False)])
    run_ingest(settings, progress=False)
    a = audit(con_reader, "学法活动_20240131.xlsx")
    assert (a["status"], a["loaded"]) == ("loaded", 1)
    assert (
        "sheet 2 read: of 2 visible sheets holding data, the only one with the feed's header" in a["notices"]
    )


def test_several_visible_sheets_with_the_header_are_ambiguous(settings, con_reader):
    one = [SESSION_HEADER, session(1, 20)]
    two = [SESSION_HEADER, session(1, 25)]
    workbook(landing(settings, SESSIONS, "学法活动_20240131.xlsx"), [(one, False), (two, False), ([], False)])
    run_ingest(settings, progress=False)
    a = audit(con_reader, "学法活动_20240131.xlsx")
    assert a["status"] == "quarantined"
    assert (
        a["reason"].startswith("2 visible sheets hold data (sheets 1, 2)") and "keep one sheet" in a["reason"]
    )
    assert raw(con_reader, "select count(*) from raw.study_sessions") == [(0,)]


def test_a_workbook_whose_only_data_is_hidden_is_quarantined(settings, con_reader):
    workbook(
        landing(settings, SESSIONS, "学法活动_20240131.xlsx"),
        [([SESSION_HEADER, session(1, 20)], True), ([], False)],
    )
    run_ingest(settings, progress=False)
    a = audit(con_reader, "学法活动_20240131.xlsx")
    assert (
        a["status"] == "quarantined"
        and a["reason"] == "no visible sheet holds data (1 hidden sheet(s) do); unhide the sheet to be read"
    )
