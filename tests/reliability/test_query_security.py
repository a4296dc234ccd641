"""`rolwh sql` cannot write, cannot reach files outside the warehouse, and writes formula-safe CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from rolwh.errors import RolwhError
from rolwh.query import open_reader, run_query
from rolwh.settings import Settings
from tests.reliability.conftest import rolwh, sha256

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\tx", "\rx"]


@pytest.fixture
def warehouse(settings: Settings) -> Settings:
    import duckdb

    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("create schema marts")
    con.execute("create table marts.t (name varchar, value double)")
    con.executemany("insert into marts.t values (?, ?)", [[f, -1.5] for f in FORMULAS] + [["plain", 2.0]])
    con.execute("create view marts.v as select * from marts.t")
    con.close()
    return settings


def _q(settings: Settings, sql: str, fmt: str = "csv") -> str:
    buf = io.StringIO()
    run_query(settings, sql, fmt=fmt, out=buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    "sql",
    [
        "create table marts.x (a int)",
        "insert into marts.t values ('x', 1)",
        "update marts.t set value = 0",
        "delete from marts.t",
        "drop table marts.t",
        "create or replace view marts.v as select 1",
        "alter table marts.t add column c int",
    ],
)
def test_sql_cannot_write(warehouse: Settings, sql: str) -> None:
    before = sha256(warehouse.warehouse_path)
    with pytest.raises(RolwhError, match="read-only"):
        _q(warehouse, sql)
    assert sha256(warehouse.warehouse_path) == before
    assert len(list(csv.reader(io.StringIO(_q(warehouse, "select * from marts.v"))))) == len(FORMULAS) + 2


def test_sql_cannot_reach_outside_files(warehouse: Settings, tmp_path: Path) -> None:
    import duckdb

    pq = tmp_path / "outside.parquet"
    other = tmp_path / "other.duckdb"
    duckdb.connect().execute(f"copy (select 42 as secret) to '{pq}' (format parquet)")
    duckdb.connect(str(other)).close()
    out = tmp_path / "exfil.csv"
    attempts = [
        "select * from read_csv('/etc/passwd')",
        "select * from read_csv_auto('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "select * from glob('/etc/*')",
        f"select * from read_parquet('{pq}')",
        f"select * from '{pq}'",
        f"attach '{other}' as other",
        f"copy (select * from marts.t) to '{out}'",
        f"export database '{tmp_path / 'dump'}'",
        "install httpfs",
        "load httpfs",
        "set enable_external_access = true",
        "set lock_configuration = false",
    ]
    for sql in attempts:
        with pytest.raises(RolwhError):
            _q(warehouse, sql)
    assert not out.exists() and not (tmp_path / "dump").exists()


def test_reader_connection_is_locked_down(warehouse: Settings) -> None:
    con = open_reader(warehouse)
    try:
        settings = dict(
            con.execute(
                "select name, value from duckdb_settings() where name in "
                "('enable_external_access', 'lock_configuration', 'autoload_known_extensions')"
            ).fetchall()
        )
        assert settings == {
            "enable_external_access": "false",
            "lock_configuration": "true",
            "autoload_known_extensions": "false",
        }
        assert con.execute("select count(*) from marts.v").fetchone() == (len(FORMULAS) + 1,)
    finally:
        con.close()


def test_csv_output_is_formula_safe(warehouse: Settings) -> None:
    rows = list(
        csv.reader(io.StringIO(_q(warehouse, 'select name, value, name as "=HYPERLINK()" from marts.t')))
    )
    assert rows[0] == ["name", "value", "'=HYPERLINK()"]
    by_name = {r[0]: r for r in rows[1:]}
    for f in FORMULAS:
        assert "'" + f in by_name, f"{f!r} not neutralised: {list(by_name)}"
    assert "plain" in by_name
    assert {r[1] for r in rows[1:]} == {"-1.5", "2.0"}  # numbers stay numbers
    for r in rows:
        assert not r[0].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_cli_sql_write_fails_with_one_line(warehouse: Settings) -> None:
    proc = rolwh(warehouse, "sql", "drop table marts.t", timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "read-only" in proc.stderr and "Traceback" not in proc.stderr
    proc = rolwh(warehouse, "sql", "select * from read_csv('/etc/passwd')", timeout=120)
    assert proc.returncode == 1 and "root:" not in proc.stdout and "Traceback" not in proc.stderr
