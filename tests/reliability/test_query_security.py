"""`rolwh sql` reads only the published file, cannot write, cannot reach files outside it, spills
only into a private capped folder, stops at its --timeout, and writes formula-safe CSV."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import time
from pathlib import Path

import pytest

from rolwh.core.console import plain
from rolwh.core.errors import RolwhError
from rolwh.core.settings import Settings
from rolwh.serving.publish import publish
from rolwh.serving.query import EXIT_TIMEOUT, open_reader, published_path, run_query, sql_reader
from tests.reliability.conftest import ROLWH, child_env, rolwh, sha256
from tests.serving.marts_fixture import build_working_marts

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\tx", "\rx"]
#: A query that needs far more than a 50 MB memory limit: ~20 M groups of a hash aggregate.
BIG_AGGREGATE = (
    "select count(*) from (select a.range * 1000 + b.range as x, count(*) "
    "from range(20000) a cross join range(1000) b group by x)"
)
#: A query that would run for hours.
ENDLESS = "select sum(a.range * b.range % 7) from range(1000000) a, range(1000000) b"


@pytest.fixture
def warehouse(settings: Settings) -> Settings:
    """A published serving file: the marts fixture plus marts.t / marts.v holding formula cells."""
    import duckdb

    build_working_marts(settings)
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("create table marts.t (name varchar, value double)")
    con.executemany("insert into marts.t values (?, ?)", [[f, -1.5] for f in FORMULAS] + [["plain", 2.0]])
    con.execute("create view marts.v as select * from marts.t")
    con.close()
    publish(settings)
    return settings


def _serving_files(settings: Settings) -> set[Path]:
    return {p for p in settings.serving_dir.rglob("*")}


def _q(settings: Settings, sql: str, fmt: str = "csv") -> str:
    buf = io.StringIO()
    run_query(settings, sql, fmt=fmt, out=buf)
    text = buf.getvalue()
    if fmt == "csv":  # every CSV rolwh writes starts with a UTF-8 BOM (for Excel)
        assert text.startswith("\ufeff"), text[:20]
        return text[1:]
    return text


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
    served = published_path(warehouse)
    assert served is not None
    before = sha256(served)
    with pytest.raises(RolwhError, match="read-only"):
        _q(warehouse, sql)
    assert sha256(served) == before
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
        "set temp_directory = '/tmp'",
        "set max_temp_directory_size = '100GB'",
        "set memory_limit = '100GB'",
    ]
    for sql in attempts:
        with pytest.raises(RolwhError):
            _q(warehouse, sql)
    assert not out.exists() and not (tmp_path / "dump").exists()


def test_sql_connection_spills_only_into_a_private_capped_folder_it_removes(warehouse: Settings) -> None:
    with sql_reader(warehouse) as con:
        got = dict(
            con.execute(
                "select name, value from duckdb_settings() where name in "
                "('temp_directory', 'max_temp_directory_size', 'memory_limit', 'enable_external_access', "
                "'lock_configuration')"
            ).fetchall()
        )
        spill = Path(got["temp_directory"])
        assert spill.is_dir() and spill.name.startswith("sql-")
        assert spill.parent == warehouse.sql_temp_parent
        assert not spill.is_relative_to(warehouse.home)  # outside every published (and working) folder
        assert os.stat(spill).st_mode & 0o777 == 0o700
        assert got["enable_external_access"] == "false" and got["lock_configuration"] == "true"
        assert got["max_temp_directory_size"] != "0 bytes"
    assert not spill.exists()


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
    for f in FORMULAS:  # neutralised, and a control character is shown as its escape ("\\x0d")
        assert plain("'" + f) in by_name, f"{f!r} not neutralised: {list(by_name)}"
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


def test_cli_sql_before_the_first_publication_never_opens_the_working_warehouse(settings: Settings) -> None:
    import duckdb

    build_working_marts(settings)  # a working warehouse with marts and audit, never published
    writer = duckdb.connect(str(settings.warehouse_path))  # held: opening it would fail on its lock
    try:
        writer.execute("create schema if not exists raw")
        writer.execute("create table raw.secret as select 'raw layer' as x")
        proc = rolwh(settings, "sql", "select * from raw.secret", timeout=120)
    finally:
        writer.close()
    assert proc.returncode == 1, proc.stderr
    assert "nothing published yet: run `rolwh run` first" in proc.stderr
    assert "raw layer" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "lock" not in proc.stderr.lower()
    assert len(proc.stderr.strip().splitlines()) == 1


def test_cli_sql_copy_into_any_folder_fails_and_leaves_nothing(warehouse: Settings, tmp_path: Path) -> None:
    served = published_path(warehouse)
    assert served is not None
    temp_root = tmp_path / "sql-temp"
    temp_root.mkdir()
    before = _serving_files(warehouse)
    targets = [
        served.parent / "copied.csv",
        warehouse.serving_dir / "copied.parquet",
        warehouse.home / "copied.csv",
        temp_root / "copied.csv",
        tmp_path / "copied.csv",
    ]
    for target in targets:
        proc = rolwh(
            warehouse,
            "sql",
            f"copy (select * from marts.t) to '{target}'",
            timeout=120,
            ROLWH_SQL_TEMP_ROOT=str(temp_root),
        )
        assert proc.returncode == 1, (target, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert not target.exists(), target
    assert _serving_files(warehouse) == before
    assert list(temp_root.iterdir()) == []  # each query's private folder removed


def _folder_bytes(root: Path) -> int:
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                st = os.stat(os.path.join(folder, name))
            except FileNotFoundError:
                continue
            total += max(st.st_size, st.st_blocks * 512)
    return total


def test_cli_sql_spill_stays_under_its_cap_in_a_private_folder(warehouse: Settings, tmp_path: Path) -> None:
    temp_root = tmp_path / "sql-temp"
    temp_root.mkdir()
    cap = 30_000_000  # ROLWH_SQL_MAX_TEMP_SIZE=30MB (DuckDB: 10^6 bytes per MB)
    env = child_env(
        warehouse,
        ROLWH_SQL_TEMP_ROOT=str(temp_root),
        ROLWH_SQL_MEMORY_LIMIT="50MB",
        ROLWH_SQL_MAX_TEMP_SIZE="30MB",
        ROLWH_DUCKDB_THREADS="1",
    )
    before = _serving_files(warehouse)
    proc = subprocess.Popen(
        [ROLWH, "sql", BIG_AGGREGATE, "--timeout", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak, modes = 0, set()
    while proc.poll() is None:
        peak = max(peak, _folder_bytes(temp_root))
        modes |= {os.stat(d).st_mode & 0o777 for d in temp_root.iterdir() if d.is_dir()}
        time.sleep(0.005)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, (out, err)
    assert "max_temp_directory_size" in err and "Traceback" not in err
    assert 0 < peak <= cap, peak  # it did spill, into the private folder, never past the cap
    assert modes == {0o700}
    assert list(temp_root.iterdir()) == []
    assert _serving_files(warehouse) == before  # nothing beside the published file (no .tmp folder)


def test_cli_sql_timeout_ends_with_one_line_and_its_exit_code(warehouse: Settings, tmp_path: Path) -> None:
    temp_root = tmp_path / "sql-temp"
    temp_root.mkdir()
    proc = rolwh(warehouse, "sql", ENDLESS, "--timeout", "1", timeout=300, ROLWH_SQL_TEMP_ROOT=str(temp_root))
    assert proc.returncode == EXIT_TIMEOUT == 8, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "rolwh sql: query interrupted after its time limit of 1 s (--timeout SECONDS, 0 for none)"
    ]
    assert list(temp_root.iterdir()) == []
    proc = rolwh(
        warehouse, "sql", ENDLESS, timeout=300, ROLWH_SQL_TIMEOUT="1", ROLWH_SQL_TEMP_ROOT=str(temp_root)
    )
    assert proc.returncode == EXIT_TIMEOUT, proc.stderr  # the default comes from ROLWH_SQL_TIMEOUT
