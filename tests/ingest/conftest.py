"""Small fixture files for the ingest tests, written with xlsxwriter and the csv module."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pytest

from rolwh.core.settings import Settings

Cell = object


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read reasons and notices by their English message ids (``ROLWH_LANG=en``);
    tests/ingest/test_reason_language.py checks the Chinese a clerk reads by default."""
    monkeypatch.setenv("ROLWH_LANG", "en")


VALID_ID = "11010519491231002X"  # GB 11643 check character correct
VALID_ID_2 = "440524188001010014"
OLD_ID = "110105491231002"
BAD_CHECK_ID = "110105194912310021"
PHONE = "13800138000"

COURT_HEADER = [
    "案号",
    "委托日期",
    "案由",
    "申请人",
    "申请人证件号码",
    "申请人联系电话",
    "被申请人",
    "标的金额（元）",
    "所属社区",
    "调解员",
    "调解方式",
    "调解状态",
    "结案日期",
    "司法确认",
    "数据研判复盘",
    "更新时间",
]


def court_row(n: int, **over: Cell) -> list[Cell]:
    """A valid court_referrals row (columns as COURT_HEADER); keyword overrides by header."""
    row: dict[str, Cell] = {
        "案号": f"(2024)渝0116民诉前调{n}号",
        "委托日期": "2024-03-05",
        "案由": "合同纠纷",
        "申请人": f"张三{n}",
        "申请人证件号码": VALID_ID,
        "申请人联系电话": PHONE,
        "被申请人": f"李四{n}",
        "标的金额（元）": "12,000.00",
        "所属社区": "东门社区",
        "调解员": "王调解",
        "调解方式": "线下调解",
        "调解状态": "调解成功",
        "结案日期": "2024-03-20",
        "司法确认": "是",
        "数据研判复盘": "",
        "更新时间": "2024-03-20 10:00:00",
    }
    row.update(over)
    return [row[h] for h in COURT_HEADER]


def write_xlsx(path: Path, rows: Sequence[Sequence[Cell]], start_row: int = 0) -> Path:
    import datetime as dt

    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    time_fmt = wb.add_format({"num_format": "hh:mm:ss"})
    for r, row in enumerate(rows, start=start_row):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, dt_fmt)
            elif isinstance(v, dt.time):
                ws.write_datetime(r, c, v, time_fmt)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), date_fmt)
            elif isinstance(v, int | float):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
    wb.close()
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Cell]], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([["" if v is None else str(v) for v in r] for r in rows])
    return path


def landing(settings: Settings, feed: str, name: str) -> Path:
    return settings.landing / feed / name


@pytest.fixture
def con_reader(settings: Settings):
    """Open the warehouse read-only after a run (call it)."""
    import duckdb

    opened = []

    def open_() -> duckdb.DuckDBPyConnection:
        c = duckdb.connect(str(settings.warehouse_path), read_only=True)
        opened.append(c)
        return c

    yield open_
    for c in opened:
        c.close()
