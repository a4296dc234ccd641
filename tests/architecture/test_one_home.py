"""Each small rule has one home: SQL quoting, table-exists, the storage version, the DuckDB connection
config (rolwh.core.sql), the writer pool (rolwh.core.settings), and errors (rolwh.core.errors)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import pytest

from rolwh.core import errors
from rolwh.core.settings import Settings
from rolwh.core.sql import STORAGE_VERSION, connection_config, identifier, literal, table_exists
from tests.reliability.conftest import rolwh

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("rolwh", "ingest", "expectations", "dags")
#: pattern -> the one module allowed to hold it
ONE_HOME = {
    r"""replace\(\s*"'"\s*,\s*"''"\s*\)""": "rolwh/core/sql.py",  # SQL literal quoting
    r"""replace\(\s*'"'\s*,\s*'""'\s*\)""": "rolwh/core/sql.py",  # SQL identifier quoting
    r"information_schema\.tables\s+where\s+table_schema\s*=": "rolwh/core/sql.py",  # "does this table exist"
    r"STORAGE_VERSION\s*=": "rolwh/core/sql.py",
    r"""["']memory_limit["']\s*:\s*settings\.memory_limit""": "rolwh/core/sql.py",
    r"""["']rolwh_duckdb_writer["']""": "rolwh/core/settings.py",  # the writer pool (code, not docs)
}


def _sources() -> list[Path]:
    return [p for top in SOURCES for p in sorted((REPO / top).rglob("*.py"))]


@pytest.mark.parametrize("pattern", sorted(ONE_HOME))
def test_rule_written_in_one_module(pattern: str) -> None:
    homes = sorted(p.relative_to(REPO).as_posix() for p in _sources() if re.search(pattern, p.read_text()))
    assert homes == [ONE_HOME[pattern]]


def test_every_exception_class_is_a_rolwh_error() -> None:
    """Errors come from the rolwh.core.errors hierarchy: an exception class defined in the code base
    derives from RolwhError (directly or through another project error)."""
    defined: dict[str, list[str]] = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [b.id if isinstance(b, ast.Name) else ast.unparse(b) for b in node.bases]
                defined[node.name] = bases
    project = {
        name for name, bases in defined.items() if any(b.endswith(("Error", "Exception")) for b in bases)
    }
    project |= {n for n, bases in defined.items() if any(b in project or b == "RolwhError" for b in bases)}

    def rooted(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name == "RolwhError":
            return True
        if name not in defined or name in seen:
            return False
        return any(rooted(b, seen | {name}) for b in defined[name])

    builtin_rooted = [n for n in sorted(project) if n != "RolwhError" and not rooted(n)]
    assert builtin_rooted == []
    assert {"FreezeError", "ReleaseKeyError", "SettingsError", "KeyMismatch", "NoWarehouse"} <= set(
        vars(errors)
    )


def test_sql_helpers_on_a_real_duckdb(tmp_path: Path, settings: Settings) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"), config=connection_config(settings))
    try:
        odd = 'it\'s a "name"'
        con.execute(f"create schema {identifier(odd)}")
        con.execute(f"create table {identifier(odd)}.t as select {literal(odd)} as v")
        assert con.execute(f"select v from {identifier(odd)}.t").fetchone() == (odd,)
        assert table_exists(con, odd, "t")
        assert not table_exists(con, odd, "u")
        assert not table_exists(con, "main", "t")
        con.execute(f"create view {identifier(odd)}.u as select 1")
        assert table_exists(con, odd, "u")  # views count
        assert con.execute("select current_setting('memory_limit')").fetchone() is not None
        target = tmp_path / "old-clients.duckdb"
        con.execute(f"attach {literal(str(target))} as old (storage_version '{STORAGE_VERSION}')")
        con.execute("detach old")
    finally:
        con.close()
    assert target.exists()


def test_expected_conditions_are_one_line_through_the_cli(settings: Settings, tmp_path: Path) -> None:
    """Conditions that used to leave ValueError / FileNotFoundError tracebacks: one line, their code."""
    scale = rolwh(settings, "demo-data", "--out", str(tmp_path / "landing"), "--scale", "0", timeout=120)
    assert scale.returncode == errors.ConfigError.exit_code
    assert "Traceback" not in scale.stderr
    assert scale.stderr.strip() == "rolwh demo-data: scale must be >= 1, got 0"

    report = rolwh(settings, "report", "--year", "2024", timeout=120, ROLWH_LANG="en")
    assert report.returncode == errors.NoWarehouse.exit_code
    assert "Traceback" not in report.stderr
    assert (
        report.stderr.strip()
        == f"rolwh report: no warehouse at {settings.warehouse_path}: run `rolwh run` first"
    )
