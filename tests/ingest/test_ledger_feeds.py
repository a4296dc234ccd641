"""The three hand-kept ledger feeds (issue 18): legal advisor services, the village legal advisor
roster and publicity activities, through ingest on real xlsx files with the dirt of a hand-kept
ledger: a merged title row above the header, 「约」/「余」 quantities (taken as their number and
flagged, with a notice naming rows and column), dates written 2024.3.5, styled blank trailing rows,
a footer row; and the rejections and quarantine the other feeds have."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from ingest import run_ingest
from rolwh.core.contracts import feed
from rolwh.core.settings import Settings
from tests.ingest.conftest import PHONE, landing

LICENCE = "15001201810123456"


def write_ledger(path: Path, title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    """A ledger as a clerk keeps it: a title merged over the columns, the header, the rows, a footer
    row and blank bordered rows below."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    border = wb.add_format({"border": 1})
    ws.merge_range(0, 0, 0, len(header) - 1, title, wb.add_format({"bold": True, "align": "center"}))
    ws.write_row(1, 0, header, border)
    for r, row in enumerate(rows, start=2):
        for c, v in enumerate(row):
            if v is None or v == "":
                ws.write_blank(r, c, None, border)
            elif isinstance(v, int):
                ws.write_number(r, c, v, border)
            else:
                ws.write_string(r, c, str(v), border)
    footer = 2 + len(rows)
    ws.write_string(footer, 0, "合计", border)
    for r in range(footer + 1, footer + 6):  # blank trailing rows, bordered as the ledger's form
        for c in range(len(header)):
            ws.write_blank(r, c, None, border)
    wb.close()
    return path


SERVICE_HEADER = [c.header for c in feed("legal_advisor_services").columns]


def service(n: int, **over: object) -> list[object]:
    row: dict[str, object] = {
        "服务编号": f"FW2024{n:03d}",
        "服务日期": "2024.3.5",
        "服务对象": "村居",
        "所属社区": "东门社区",
        "服务类型": "合同审查",
        "数量": 2,
        "律师事务所": "某某律师事务所",
        "律师": "王律师",
        "咨询人": f"赵咨询{n}",
        "联系电话": PHONE,
        "记录状态": "",
        "更新时间": "2024.3.5 10:00",
    }
    row.update(over)
    return [row[h] for h in SERVICE_HEADER]


def audit(con, name: str) -> tuple:
    return con.execute(
        "select status, rows_loaded, rows_rejected, rows_skipped, notices, reason from audit.file_loads "
        "where file_name = ?",
        [name],
    ).fetchone()


def rejected(con, name: str) -> list[tuple]:
    return con.execute(
        "select row_number, column_name, reason from audit.rejected_rows where file_name = ? order by all",
        [name],
    ).fetchall()


def test_legal_advisor_ledger_with_its_dirt_loads_and_flags_approximate_quantities(
    settings: Settings, con_reader
) -> None:
    name = "法律顾问服务台账_20240331.xlsx"
    rows = [
        service(1),
        service(2, 服务类型="法律意见", 数量="50余"),
        service(3, 服务类型="电话咨询", 数量="约 20", 服务对象="街道", 所属社区=""),
        service(4, 服务类型="现场咨询", 数量=""),  # blank = 1
        service(5, 服务日期="2024年3月6日", 数量="3", 记录状态="作废"),
    ]
    write_ledger(
        landing(settings, "legal_advisor_services", name), "2024年法律顾问服务台账", SERVICE_HEADER, rows
    )
    run_ingest(settings, progress=False)
    con = con_reader()
    status, loaded, rejected_n, skipped, notices, _ = audit(con, name)
    # the merged title row is above the header (not a data row); the footer row is skipped and the
    # bordered blank rows below it end the sheet (read as no rows at all)
    assert (status, loaded, rejected_n, skipped) == ("loaded", 5, 0, 1)
    assert "skipped rows: 1 footer row" in notices
    assert (
        "approximate quantities (约N / N余) taken as their number and flagged in 2 cells (rows 4, 5; columns 数量)"
        in notices
    )
    got = con.execute(
        "select service_no, service_date, quantity, quantity_is_approx, community_raw, record_status, "
        "_row_number from raw.legal_advisor_services order by service_no"
    ).fetchall()
    assert got == [
        ("FW2024001", dt.date(2024, 3, 5), 2, False, "东门社区", "正常", 3),
        ("FW2024002", dt.date(2024, 3, 5), 50, True, "东门社区", "正常", 4),
        ("FW2024003", dt.date(2024, 3, 5), 20, True, None, "正常", 5),
        ("FW2024004", dt.date(2024, 3, 5), 1, False, "东门社区", "正常", 6),
        ("FW2024005", dt.date(2024, 3, 6), 3, False, "东门社区", "作废", 7),
    ]
    assert con.execute("select min(updated_at) from raw.legal_advisor_services").fetchone() == (
        dt.datetime(2024, 3, 5, 10, 0),
    )
    # the consulting person's phone is a pseudonym, the name is dropped
    phones = con.execute("select distinct client_phone_pid from raw.legal_advisor_services").fetchall()
    assert len(phones) == 1 and phones[0][0] != PHONE and len(phones[0][0]) >= 32
    assert "client_name" not in [r[0] for r in con.execute("describe raw.legal_advisor_services").fetchall()]


def test_ledger_rows_breaking_the_contract_are_rejected_with_their_reasons(
    settings: Settings, con_reader
) -> None:
    name = "法律顾问服务台账_20240630.xlsx"
    good = [service(n) for n in range(1, 26)]
    bad = [
        service(90, 数量="50余件"),
        service(91, 数量="0"),
        service(92, 所属社区=""),  # 村居 without its community
        service(93, 服务类型="代写文书"),
        service(94, 服务日期="2024.13.5"),
    ]
    write_ledger(
        landing(settings, "legal_advisor_services", name), "法律顾问服务台账", SERVICE_HEADER, good + bad
    )
    run_ingest(settings, progress=False)
    con = con_reader()
    assert audit(con, name)[:3] == ("loaded", 25, 5)
    assert rejected(con, name) == [
        (28, "数量", "expected a whole number, or 约N / N余 for an approximate one"),
        (29, "数量", "out of range: expected >= 1"),
        (30, "所属社区", "required value missing: required when 服务对象 = 村居"),
        (31, "服务类型", "expected one of 合同审查|法律文书审查|法律意见|电话咨询|现场咨询|法治讲座|其他"),
        (
            32,
            "服务日期",
            "expected a date (" + "YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日, YYYYMMDD or an Excel date)",
        ),
    ]
    assert con.execute(
        "select count(*) from raw.legal_advisor_services where service_no >= 'FW2024090'"
    ).fetchone() == (0,)


def test_a_ledger_with_too_many_bad_rows_or_without_its_header_is_quarantined(
    settings: Settings, con_reader
) -> None:
    bad = "法律顾问服务台账_20240930.xlsx"
    rows = [service(1), service(2, 数量="很多"), service(3, 服务类型="?")]
    write_ledger(landing(settings, "legal_advisor_services", bad), "台账", SERVICE_HEADER, rows)
    headless = "普法宣传台账_20240930.xlsx"
    write_ledger(
        landing(settings, "publicity_activities", headless), "台账", ["编号", "日期"], [["1", "2024.3.5"]]
    )
    run_ingest(settings, progress=False)
    con = con_reader()
    status, *_, reason = audit(con, bad)
    assert status == "quarantined" and "2 of 3 data rows rejected" in reason
    status, *_, reason = audit(con, headless)
    assert status == "quarantined" and reason.startswith("missing required column(s): 活动编号, 活动日期")
    assert con.execute("select count(*) from raw.legal_advisor_services").fetchone() == (0,)
    assert not (settings.landing / "legal_advisor_services" / bad).exists()


ROSTER_HEADER = [c.header for c in feed("village_legal_advisors").columns]


def test_village_advisor_roster_is_a_snapshot_with_pseudonymised_licence_and_phone(
    settings: Settings, con_reader
) -> None:
    rows = [
        ["东门社区", "某某律师事务所", "王律师", LICENCE, PHONE, "2024.1.1", ""],
        ["西山村", "某某律师事务所", "李律师", LICENCE[:-1] + "7", "", "2023/7/1", "2024.6.30"],
    ]
    for name, listed in (
        ("村居法律顾问名册_20240331.xlsx", rows),
        ("村居法律顾问名册_20240630.xlsx", rows[::-1]),
    ):
        write_ledger(
            landing(settings, "village_legal_advisors", name), "村居法律顾问名册", ROSTER_HEADER, listed
        )
    run_ingest(settings, progress=False)
    con = con_reader()
    assert audit(con, "村居法律顾问名册_20240630.xlsx")[:3] == ("loaded", 2, 0)
    got = con.execute(
        "select _export_date, community_raw, lawyer, appointed_from, appointed_until, licence_no_pid <> ?, "
        "lawyer_phone_pid is null from raw.village_legal_advisors order by all",
        [LICENCE],
    ).fetchall()
    assert got == [
        (dt.date(2024, 3, 31), "东门社区", "王律师", dt.date(2024, 1, 1), None, True, False),
        (dt.date(2024, 3, 31), "西山村", "李律师", dt.date(2023, 7, 1), dt.date(2024, 6, 30), True, True),
        (dt.date(2024, 6, 30), "东门社区", "王律师", dt.date(2024, 1, 1), None, True, False),
        (dt.date(2024, 6, 30), "西山村", "李律师", dt.date(2023, 7, 1), dt.date(2024, 6, 30), True, True),
    ]
    texts = {
        str(v) for row in con.execute("select * from raw.village_legal_advisors").fetchall() for v in row
    }
    assert not any(LICENCE in t or PHONE in t for t in texts)


PUBLICITY_HEADER = [c.header for c in feed("publicity_activities").columns]


@pytest.mark.parametrize(
    ("cell", "quantity", "approx"),
    [
        ("200余", 200, True),
        ("约30000", 30000, True),
        ("３０余", 30, True),
        ("60", 60, False),
        ("0", 0, False),
    ],
)
def test_publicity_quantities_exact_or_approximate(
    settings: Settings, con_reader, cell: str, quantity: int, approx: bool
) -> None:
    name = "普法宣传台账_20241231.xlsx"
    row = [
        "PF2024001",
        "2024.12.5",
        "悬挂宣传标语",
        "宪法宣传周",
        "",
        "老年人、残疾人",
        cell,
        "条",
        "综治办",
        "",
        "",
    ]
    write_ledger(
        landing(settings, "publicity_activities", name), "2024年普法宣传台账", PUBLICITY_HEADER, [row]
    )
    run_ingest(settings, progress=False)
    con = con_reader()
    assert audit(con, name)[:3] == ("loaded", 1, 0)
    assert con.execute(
        "select quantity, quantity_is_approx, activity_date, community_raw from raw.publicity_activities"
    ).fetchone() == (quantity, approx, dt.date(2024, 12, 5), None)
    assert ("approximate quantities" in (audit(con, name)[4] or "")) is approx
