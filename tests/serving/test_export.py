"""`rolwh export` to Excel and CSV with a BOM (issue 15): the workbook read back with openpyxl holds
the status mart's values, red / yellow / green fills on the status cells, the 口径 sheet and the
note on frozen or live data; `rolwh sql --format csv` starts with a UTF-8 byte-order mark."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from rolwh.core.settings import Settings
from rolwh.report.excel import STATUS_FILLS
from rolwh.serving.query import reader_path

STATUS_ZH = {"green": "绿", "yellow": "黄", "red": "红", "no_target": "未设目标", "no_value": "无数据"}


def _cli(demo_run: dict[str, object], *args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(demo_run["env"])  # type: ignore[call-overload]
    env.pop("ROLWH_LANG", None)  # Chinese, the default
    return subprocess.run(
        [sys.executable, "-m", "rolwh.cli", *args], env=env, capture_output=True, timeout=300
    )


def _mart(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(reader_path(settings)), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def workbook(demo_run: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "指标_2024.xlsx"
    proc = _cli(demo_run, "export", "--year", "2024", "--out", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().strip().endswith(out.name)
    return out


def test_the_street_sheet_holds_the_marts_values_and_status_fills(
    workbook: Path, demo_published: Settings
) -> None:
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == ["全街道", "分社区", "口径说明", "说明"]
    sheet = book["全街道"]
    header = [c.value for c in sheet[1]]
    assert header == [
        "指标代码", "指标", "社区", "值", "分子", "分母", "目标", "状态", "上年同期值", "同比增减",
    ]  # fmt: skip
    assert not sheet.merged_cells.ranges
    expected = {
        code: (value, num, den, status)
        for code, value, num, den, status in _mart(
            demo_published,
            "select indicator_code, value, numerator, denominator, status from marts.fct_indicator_status"
            " where period = '2024' and community_code = 'ALL'",
        )
    }
    order = [
        c
        for (c,) in _mart(
            demo_published, "select indicator_code from marts.dim_indicator order by display_order"
        )
    ]
    rows = list(sheet.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == order  # every indicator once, in the dictionary's order
    fills_seen = set()
    for r in rows:
        value, num, den, status = expected[r[0].value]
        assert r[2].value == "全街道"
        assert r[3].value == (pytest.approx(value) if value is not None else None)
        assert r[4].value == num and r[5].value == den
        assert r[7].value == STATUS_ZH[status]
        if status in STATUS_FILLS:
            assert r[7].fill.fgColor.rgb == "FF" + STATUS_FILLS[status].lstrip("#"), r[0].value
            fills_seen.add(status)
        else:
            assert r[7].fill.fgColor.rgb in (None, "00000000"), r[0].value
        assert value is None or isinstance(r[3].value, (int, float))  # numbers, not text
    assert fills_seen == {"green", "yellow", "red"}
    resolution = next(r for r in rows if r[0].value == "DS_RESOLUTION_RATE")
    assert resolution[6].value == "≥98.00%" and resolution[3].number_format == "0.00%"


def test_community_definitions_and_note_sheets(workbook: Path, demo_published: Settings) -> None:
    book = openpyxl.load_workbook(workbook)
    communities = list(book["分社区"].iter_rows(min_row=2, values_only=True))
    (expected,) = _mart(
        demo_published,
        "select count(*) from marts.fct_indicator_status where period = '2024' and community_code <> 'ALL'",
    )[0]
    assert len(communities) == expected > 0
    assert {r[2] for r in communities} >= {"东门社区", "长冲村"}
    definitions = list(book["口径说明"].iter_rows(values_only=True))
    assert definitions[0][:2] == ("指标代码", "指标")
    (count,) = _mart(demo_published, "select count(*) from marts.dim_indicator")[0]
    assert len(definitions) == count + 1 and all(r[5] for r in definitions[1:])
    assert {r[2] for r in definitions[1:]} == {"计数", "比率"}
    note = dict(book["说明"].iter_rows(min_row=2, values_only=True))
    assert note["期间"] == "2024年"
    assert note["数据状态"].startswith("实时数据，尚未冻结")  # no release in the demo


def test_a_quarter_export_adds_qoq_and_flags_nothing_partial(
    demo_run: dict[str, object], tmp_path: Path
) -> None:
    out = tmp_path / "q1.xlsx"
    assert _cli(demo_run, "export", "--year", "2025", "--quarter", "1", "--out", str(out)).returncode == 0
    book = openpyxl.load_workbook(out)
    header = [c.value for c in book["全街道"][1]]
    assert header[-2:] == ["上季度值", "环比增减"]
    note = dict(book["说明"].iter_rows(min_row=2, values_only=True))
    assert note["期间"] == "2025年第1季度" and "期间未完整" not in note


def test_export_refuses_a_period_without_data_and_a_non_xlsx_name(
    demo_run: dict[str, object], tmp_path: Path
) -> None:
    none = _cli(demo_run, "export", "--year", "2030", "--out", str(tmp_path / "x.xlsx"))
    assert none.returncode == 1 and b"Traceback" not in none.stderr
    assert "2030" in none.stderr.decode() and not (tmp_path / "x.xlsx").exists()
    wrong = _cli(demo_run, "export", "--year", "2024", "--out", str(tmp_path / "x.csv"))
    assert wrong.returncode == 2 and b"Traceback" not in wrong.stderr


def test_the_nightly_run_writes_the_workbook_beside_the_dashboard(demo_published: Settings) -> None:
    for year in (2024, 2025):
        path = demo_published.reports_dir / str(year) / f"indicators_{year}.xlsx"
        assert path.is_file(), path
        assert openpyxl.load_workbook(path)["全街道"].max_row > 1


def test_sql_csv_starts_with_a_utf8_bom(demo_run: dict[str, object]) -> None:
    proc = _cli(
        demo_run,
        "sql",
        "select name_zh as 名称, value from marts.fct_indicator_annual join marts.dim_indicator"
        " using (indicator_code) where year = 2024 and community_code = 'ALL' and indicator_code = 'CR_RECEIVED'",
        "--format",
        "csv",
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(proc.stdout.decode("utf-8-sig"))))
    assert rows == [["名称", "value"], ["受理委托诉前调解案件数", "476.0"]]
