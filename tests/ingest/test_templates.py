"""Fill-in templates round trip: every feed's template, filled with openpyxl, loads through the real
ingest with no rejected row; badly filled ones get the contract's reasons (file, row, column)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingest import run_ingest
from rolwh.core.contracts import FEEDS, Column, Feed, Kind
from rolwh.core.settings import Settings
from rolwh.report.template import community_names, template_file_name, write_template
from tests.ingest.conftest import PHONE, VALID_ID, VALID_ID_2, landing

ROWS = 12


def valid_cell(col: Column, n: int) -> object:
    """A value the contract accepts for ``col`` in data row ``n`` (distinct per row where it keys)."""
    names = community_names()
    match col.kind:
        case Kind.KEY | Kind.TEXT:
            return f"T{n:04d}"
        case Kind.DATE:
            return dt.date(2024, 3, 1 + n % 28)
        case Kind.DATETIME:
            return dt.datetime(2024, 3, 1 + n % 28, 10, 30)
        case Kind.DECIMAL:
            return float(col.min_value or 0) + 1.5 if col.max_value is None else float(col.max_value)
        case Kind.INT:
            return int(col.min_value or 0) + 1 + n
        case Kind.CODE:
            return col.codes[n % len(col.codes)]
        case Kind.COMMUNITY:
            return names[n % len(names)]
        case Kind.GRID:
            return f"{names[n % len(names)]}第1网格"
        case Kind.PII_NAME:
            return "张三"
        case Kind.PII_ID:
            return VALID_ID
        case Kind.PII_ID_LIST:
            return f"{VALID_ID}、{VALID_ID_2}"
        case Kind.PII_PHONE:
            return PHONE
        case Kind.PII_STAFF:
            return f"S{n:05d}"
    raise AssertionError(f"no test value for kind {col.kind}")


def filled_template(
    settings: Settings, feed: Feed, override: dict[int, tuple[str, object]] | None = None
) -> Path:
    """The feed's template written by the product, rows filled with openpyxl as a clerk would, in the
    landing folder; ``override`` maps a data row number to (header, value)."""
    path = landing(settings, feed.name, template_file_name(feed))
    write_template(feed, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers == [c.header for c in feed.columns]
    for n in range(ROWS):
        for c, col in enumerate(feed.columns, start=1):
            value = valid_cell(col, n)
            if override and n in override and override[n][0] == col.header:
                value = override[n][1]
            ws.cell(row=n + 2, column=c, value=value)
    wb.save(path)
    return path


def query(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("feed", FEEDS, ids=[f.name for f in FEEDS])
def test_a_filled_template_loads_every_row(settings, feed):
    filled_template(settings, feed)
    run_ingest(settings, progress=False)
    loads = query(
        settings, "select file_name, status, rows_read, rows_loaded, rows_rejected from audit.file_loads"
    )
    assert loads == [(template_file_name(feed), "loaded", ROWS, ROWS, 0)]
    (notices,) = query(settings, "select notices from audit.file_loads")[0]
    assert "sheet 1 read" in notices  # the data sheet, not the instructions
    assert query(settings, "select count(*) from audit.rejected_rows") == [(0,)]
    assert query(settings, f"select count(*) from {feed.table}") == [(ROWS,)]


def test_template_is_protected_typed_and_explained(settings, monkeypatch):
    monkeypatch.delenv("ROLWH_LANG", raising=False)
    feed = next(f for f in FEEDS if any(c.kind is Kind.COMMUNITY for c in f.columns))
    path = write_template(feed, settings.home / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    data, guide = wb.worksheets[0], wb.worksheets[1]
    assert [ws.sheet_state for ws in wb.worksheets[:2]] == ["visible", "visible"]
    assert all(ws.sheet_state == "hidden" for ws in wb.worksheets[2:])
    assert guide.title == "填写说明"
    assert data.protection.sheet and data.cell(1, 1).protection.locked
    validated = {str(dv.sqref).split(":")[0] for dv in data.data_validations.dataValidation}
    for c, col in enumerate(feed.columns, start=1):
        letter = openpyxl.utils.get_column_letter(c)
        expected = col.kind in (Kind.CODE, Kind.COMMUNITY, Kind.DATE, Kind.DATETIME, Kind.INT, Kind.DECIMAL)
        expected |= feed.key == (col.name,)  # a record number is typed once only
        assert (f"{letter}2" in validated) is expected, col.header
    lists = [dv for dv in data.data_validations.dataValidation if dv.type == "list"]
    sources = {_list_values(wb, dv.formula1) for dv in lists}
    assert tuple(community_names()) in sources
    assert {c.codes for c in feed.columns if c.kind is Kind.CODE} <= sources
    text = "\n".join(" ".join(str(v) for v in row if v) for row in guide.iter_rows(values_only=True))
    for col in feed.columns:
        assert col.header in text
    assert text.count("个人信息，系统入库时自动脱敏") == sum(c.is_pii for c in feed.columns)
    assert "必填" in text


def _list_values(wb: openpyxl.Workbook, formula: str) -> tuple[str, ...]:
    sheet, ref = formula.lstrip("=").split("!")
    ws = wb[sheet.strip("'")]
    return tuple(str(cell.value) for (cell,) in ws[ref.replace("$", "")])


def _first(kind: str) -> tuple[Feed, Column, object, str]:
    """(feed, column, bad value, expected reason) for one kind of filling error, from the contract."""
    for feed in FEEDS:
        for col in feed.columns:
            if kind == "missing" and col.required and col.name not in feed.key:
                return feed, col, None, "required value missing"
            if kind == "code" and col.kind is Kind.CODE:
                return feed, col, "不在列表中", "expected one of"
            if kind == "date" and col.kind is Kind.DATE:
                return feed, col, "2024-02-30", "expected a date"
    raise AssertionError(f"no column for {kind}")


@pytest.mark.parametrize("kind", ["missing", "code", "date"])
def test_a_badly_filled_template_gets_the_reason_with_file_row_and_column(settings, monkeypatch, kind):
    monkeypatch.setenv("ROLWH_LANG", "en")
    feed, col, bad, reason = _first(kind)
    bad_row = 5
    filled_template(settings, feed, {bad_row: (col.header, bad)})
    run_ingest(settings, progress=False)
    rejected = query(settings, "select file_name, row_number, column_name, reason from audit.rejected_rows")
    assert [r[:3] for r in rejected] == [(template_file_name(feed), bad_row + 2, col.header)]
    assert reason in rejected[0][3]
    if bad is not None:
        assert str(bad) not in rejected[0][3]
    assert query(settings, f"select count(*) from {feed.table}") == [(ROWS - 1,)]


def rolwh_template(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rolwh.cli", "template", *args],
        capture_output=True,
        text=True,
        env={"ROLWH_LANG": "en", "PATH": ""},
        check=False,
    )


def test_cli_writes_the_template_and_says_where(tmp_path):
    out = tmp_path / "sub" / "t.xlsx"
    done = rolwh_template(FEEDS[0].name, "--out", str(out))
    assert (done.returncode, done.stdout.strip()) == (0, str(out))
    assert openpyxl.load_workbook(out).worksheets[0].cell(1, 1).value == FEEDS[0].columns[0].header


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["no_such_feed", "--out", "x.xlsx"], [f.name for f in FEEDS]),
        ([FEEDS[0].name, "--out", "x.xls"], ["*.xlsx"]),
    ],
)
def test_cli_usage_errors_exit_2_with_one_line(tmp_path, args, said):
    done = rolwh_template(*[str(tmp_path / a) if a.startswith("x.") else a for a in args])
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert all(s in done.stderr for s in said)
    assert list(tmp_path.iterdir()) == []
