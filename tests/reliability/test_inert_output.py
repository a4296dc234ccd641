"""Markup and control sequences in file names and cells print inert (rolwh.core.console), through the real
CLI: `rolwh status`, `rolwh sql`, `rolwh indicators` and error lines never crash, never emit an
escape sequence, and show the text literally."""

from __future__ import annotations

import json

import duckdb
import pytest

from ingest import run_ingest
from rolwh.core.console import json_inert, plain, safe
from rolwh.core.settings import Settings
from rolwh.serving.publish import publish
from tests.ingest.test_runner import court_file, court_row
from tests.reliability.conftest import rolwh
from tests.serving.marts_fixture import build_working_marts

#: Markup that rich would interpret (or choke on: a stray closing tag, in a cell: a file name cannot
#: hold "/"), and terminal control: clear screen, bell, carriage return, C1 CSI, right-to-left override.
HOSTILE_NAME = "[bold red]x[blink]\x1b[2J\u202e.csv"
HOSTILE_LOADED = "案件_20240331[bold]\x1b[2J\r.csv"
HOSTILE_CELL = "[link=file:///etc/passwd]点我[/link][/]\x1b]0;title\x07\r\x9b31m\u202ecba"
RAW_CONTROLS = ("\x1b", "\x07", "\r", "\x9b", "\u202e")


def _assert_inert(proc, *shown: str) -> None:
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    for c in RAW_CONTROLS:
        assert c not in out, f"{c!r} printed raw"
    flat = "".join(out.split())  # rich may wrap a long cell
    for text in shown:
        assert "".join(plain(text).split()) in flat, (text, out)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[bold red]x[/]\x1b[2J.csv", "\\[bold red]x\\[/]\\x1b[2J.csv"),
        ("a\rb\x9bc\u202ed\u2066e\x7f", "a\\x0db\\x9bc\\u202ed\\u2066e\\x7f"),
        ("行\n\t列", "行\n\t列"),
        ("[/]", "\\[/]"),
    ],
)
def test_safe_escapes_controls_then_markup(text: str, expected: str) -> None:
    assert safe(text) == expected


def test_json_inert_keeps_the_exact_value() -> None:
    value = {"name": HOSTILE_CELL}
    text = json_inert(json.dumps(value, ensure_ascii=False))
    assert not any(c in text for c in RAW_CONTROLS)
    assert json.loads(text) == value


def test_cli_status_prints_hostile_file_names_inert(settings: Settings) -> None:
    court_file(settings, HOSTILE_NAME, [court_row(1)])  # no export date: quarantined
    court_file(settings, HOSTILE_LOADED, [court_row(i, 案由=HOSTILE_CELL) for i in range(3)])
    report = run_ingest(settings, progress=False)
    assert {f.file_name: f.status for f in report.files} == {
        HOSTILE_NAME: "quarantined",
        HOSTILE_LOADED: "loaded",
    }
    # wide enough that no file name is wrapped inside its table cell (Chinese headers take more room)
    proc = rolwh(settings, "status", timeout=120, COLUMNS="400")
    assert proc.returncode == 0, proc.stderr
    _assert_inert(proc, HOSTILE_NAME, HOSTILE_LOADED)


@pytest.fixture
def hostile_published(settings: Settings) -> Settings:
    """A publication whose cells, names and an indicator's Chinese name hold markup and controls."""
    build_working_marts(settings)
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        con.execute("create table marts.hostile (file_name varchar, note varchar)")
        con.execute("insert into marts.hostile values (?, ?)", [HOSTILE_NAME, HOSTILE_CELL])
        con.execute(
            "update marts.dim_indicator set name_zh = ? where indicator_code = 'CR_RECEIVED'", [HOSTILE_CELL]
        )
    finally:
        con.close()
    publish(settings)
    return settings


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_cli_sql_prints_hostile_cells_and_names_inert(hostile_published: Settings, fmt: str) -> None:
    proc = rolwh(
        hostile_published,
        "sql",
        f'select file_name, note, note as "{HOSTILE_NAME}" from marts.hostile',
        "--format",
        fmt,
        timeout=120,
        COLUMNS="400",  # the table's width (rich reads $COLUMNS): no cell wrapped
    )
    assert proc.returncode == 0, proc.stderr
    _assert_inert(proc, HOSTILE_NAME)
    assert "\\x1b]0;title\\x07" in proc.stdout and "\\u202ecba" in proc.stdout


def test_cli_sql_json_is_inert_and_exact(hostile_published: Settings) -> None:
    proc = rolwh(hostile_published, "sql", "select file_name, note from marts.hostile", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    _assert_inert(proc)
    assert json.loads(proc.stdout) == [{"file_name": HOSTILE_NAME, "note": HOSTILE_CELL}]


def test_cli_indicators_and_error_lines_are_inert(hostile_published: Settings) -> None:
    proc = rolwh(hostile_published, "indicators", "--year", "2024", timeout=120)
    assert proc.returncode == 0, proc.stderr
    _assert_inert(proc)
    row = next(line for line in proc.stdout.splitlines() if "CR_RECEIVED" in line)
    assert "[link=file:///etc/passwd]点我[/link][/]\\x1b]0;title\\x07" in row and "476" in row
    # an error that names the hostile identifier: one inert line
    proc = rolwh(hostile_published, "sql", f'select * from "{HOSTILE_NAME}"', timeout=120)
    assert proc.returncode == 1
    _assert_inert(proc)
    assert "\\x1b[2J" in proc.stderr


def test_cli_ingest_summary_prints_control_characters_inert(settings: Settings) -> None:
    court_file(settings, "案件_20240331\x1b[2J\u202e.csv", [court_row(i) for i in range(3)])
    court_file(settings, "no-date\r\x07.csv", [court_row(1)])  # quarantined: its name is in the reason list
    proc = rolwh(settings, "ingest", "--quiet", timeout=120)
    assert proc.returncode == 0, proc.stderr
    _assert_inert(proc)
    assert "案件_20240331" in proc.stdout and "no-date" in proc.stdout and "已隔离" in proc.stdout
