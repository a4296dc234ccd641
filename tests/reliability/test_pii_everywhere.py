"""No personal value of the demo exports and never the key in ANY artefact of the whole pipeline.

On a copy of the shared `demo_run` home (demo-data + run), plus a freeze and a report draft, every
file under ROLWH_HOME except the landing area and the quarantine (which hold the delivered files
as delivered) is scanned: DuckDB files column by column, Parquet files row by row, everything
else (logs, dbt target/, Data Docs, dashboards, drafts, gate results, Airflow task logs) byte by
byte in UTF-8 and GB18030.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rolwh.core.settings import load_settings
from tests.conftest import TEST_KEY
from tests.support.pii import collect_pii, scan_duckdb, scan_files

pytestmark = pytest.mark.slow

#: The delivered files themselves: PII by design, never read by analysts.
AS_DELIVERED = ("landing", "quarantine")


def scan_parquet(path: Path, needles: set[str]) -> list[str]:
    """Every (file.column: needle) where a Parquet cell, read as text, holds a needle."""
    import duckdb

    con = duckdb.connect()
    hits: list[str] = []
    try:
        rel = con.sql("select * from read_parquet(?)", params=[str(path)])
        for column in rel.columns:
            q = '"' + column.replace('"', '""') + '"'
            values = con.execute(
                f"select distinct cast({q} as varchar) from read_parquet(?)", [str(path)]
            ).fetchall()
            for (v,) in values:
                if v is not None:
                    hits += [f"{path}.{column}: {n}" for n in needles if n in v]
    finally:
        con.close()
    return hits


def scan_artefacts(files: list[Path], needles: set[str]) -> list[str]:
    """Every needle in ``files``: DuckDB files column by column, Parquet row by row, every other
    file's bytes (DuckDB pages and zstd Parquet are compressed: scanned by value)."""
    hits: list[str] = []
    for path in files:
        if path.suffix == ".duckdb":
            hits += scan_duckdb(path, needles)
        elif path.suffix == ".parquet":
            hits += scan_parquet(path, needles)
    return hits + scan_files([p for p in files if p.suffix not in (".duckdb", ".parquet")], needles)


def _artefacts(home: Path) -> list[Path]:
    return [
        p
        for p in home.rglob("*")
        if p.is_file() and not p.is_symlink() and not set(AS_DELIVERED) & set(p.relative_to(home).parts)
    ]


@pytest.fixture(scope="module")
def whole_pipeline(
    demo_run: dict[str, object], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """A copy of the demo home after run, freeze --year 2024 and report --year 2024 --draft."""
    home = tmp_path_factory.mktemp("pii") / "home"
    shutil.copytree(demo_run["home"], home, symlinks=True)
    env = {**demo_run["env"], "ROLWH_HOME": str(home), "ROLWH_LANDING": str(home / "landing")}
    cli = [sys.executable, "-m", "rolwh.cli"]
    outcome: dict[str, object] = {"home": home, "env": env}
    for name, args in (
        ("freeze", ["freeze", "--year", "2024"]),
        ("report", ["report", "--year", "2024", "--draft"]),
    ):
        proc = subprocess.run([*cli, *args], env=env, capture_output=True, text=True, timeout=1200)
        outcome[name] = proc
        # the command's own console output is an artefact too
        (home / "logs").mkdir(exist_ok=True)
        (home / "logs" / f"pii-test-{name}.out").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    return outcome


def test_the_scan_covers_every_kind_of_artefact(whole_pipeline: dict[str, object]) -> None:
    home = whole_pipeline["home"]
    files = _artefacts(home)
    suffixes = {p.suffix for p in files}
    assert {".duckdb", ".json", ".html", ".log"} <= suffixes, suffixes
    assert any("target" in p.parts for p in files)  # dbt target/
    assert any(p.name == "index.html" and "data_docs" in p.parts for p in files)  # GX Data Docs


def test_no_personal_value_of_the_exports_in_any_artefact(
    demo_run: dict[str, object], whole_pipeline: dict[str, object]
) -> None:
    needles = collect_pii(demo_run["landing"]).needles()
    assert len(needles) > 1000  # the oracle found the exports' IDs, phones and names
    home = whole_pipeline["home"]
    hits = scan_artefacts(_artefacts(home), needles)
    assert hits == [], hits[:50]


def test_the_key_appears_in_no_artefact_or_log(whole_pipeline: dict[str, object]) -> None:
    home = whole_pipeline["home"]
    key_forms = {TEST_KEY, TEST_KEY.encode().hex()}
    files = [p for p in home.rglob("*") if p.is_file() and not p.is_symlink()]
    assert files
    assert scan_files(files, key_forms) == []  # raw bytes of databases too: the key would be plain text
    for path in files:
        if path.suffix == ".duckdb":
            assert scan_duckdb(path, key_forms) == [], path


def test_the_demo_key_file_is_created_0600(tmp_path: Path) -> None:
    settings = load_settings({"ROLWH_HOME": str(tmp_path / "home")})
    old = os.umask(0o000)  # even with a permissive umask
    try:
        key = settings.key(create=True)
    finally:
        os.umask(old)
    assert len(key) >= 32
    assert stat.S_IMODE(settings.key_file.stat().st_mode) == 0o600
    assert settings.key(create=True) == key  # created once, then read
