"""The acceptance path of the ingestion and model issues, on the demo exports, through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from rolwh.core.contracts import FEEDS
from rolwh.core.i18n import _
from rolwh.demo_data.targets import TARGETS_2024
from tests.support.pii import collect_pii, scan_duckdb, scan_files

pytestmark = pytest.mark.slow


def _connect(run: dict[str, object]) -> duckdb.DuckDBPyConnection:
    from rolwh.serving.query import reader_path

    return duckdb.connect(str(reader_path(run["settings"])), read_only=True)


def test_nightly_run_succeeds_on_the_demo_exports(demo_run: dict[str, object]) -> None:
    assert demo_run["exit_code"] == 5, demo_run[
        "output"
    ]  # 5: published, needs attention (the demo's quarantined files, overdue feeds)


def test_2024_figures_of_the_whole_subdistrict_equal_the_report(demo_run: dict[str, object]) -> None:
    con = _connect(demo_run)
    rows = dict(
        con.execute(
            "select indicator_code, value from marts.fct_indicator_annual "
            "where year = 2024 and community_code = 'ALL'"
        ).fetchall()
    )
    for code, target in TARGETS_2024.items():
        assert code in rows, code
        if isinstance(target, Fraction):
            assert rows[code] == pytest.approx(float(target), abs=1e-9), code
        else:
            assert rows[code] == target, code
    assert round(rows["CR_SUCCESS_RATE"] * 100, 2) == 28.26


def test_every_file_is_accounted_for_row_by_row(demo_run: dict[str, object]) -> None:
    con = _connect(demo_run)
    bad = con.execute(
        "select file_name from audit.file_loads where rows_read <> rows_loaded + rows_rejected + rows_skipped"
    ).fetchall()
    assert bad == []
    delivered = {p.name for p in demo_run["landing"].rglob("*") if p.is_file()}
    audited = {r[0] for r in con.execute("select file_name from audit.file_loads").fetchall()}
    assert delivered == audited
    loaded_rows = con.execute(
        "select sum(rows_loaded) from audit.file_loads where status = 'loaded'"
    ).fetchone()[0]
    work = duckdb.connect(str(demo_run["settings"].warehouse_path), read_only=True)
    raw_rows = sum(
        work.execute(f"select count(*) from {f.table}").fetchone()[0]
        for f in FEEDS  # contract names
    )
    assert loaded_rows == raw_rows


def test_intentionally_broken_files_are_quarantined_with_reasons(demo_run: dict[str, object]) -> None:
    con = _connect(demo_run)
    quarantined = dict(
        con.execute("select file_name, reason from audit.file_loads where status = 'quarantined'").fetchall()
    )
    assert len(quarantined) >= 6
    reasons = " | ".join(quarantined.values())
    for expected in ("YYYYMMDD", ".xls", ".txt", "纠纷等级", "20%", "xlsx"):
        assert expected in reasons, (expected, reasons)
    home = demo_run["home"]
    for name in quarantined:
        assert list(home.glob(f"quarantine/*/*-{name}")), name  # <sha8>-<name>
        assert list(home.glob(f"quarantine/*/*-{name}.reason.txt")), name


def test_no_personal_data_in_any_duckdb_file_or_text_artefact(demo_run: dict[str, object]) -> None:
    pii = collect_pii(demo_run["landing"])
    needles = pii.needles()
    assert len(needles) > 1000  # the oracle found the exports' IDs, phones and names
    home = demo_run["home"]
    hits: list[str] = []
    for db in home.rglob("*.duckdb"):
        hits += scan_duckdb(db, needles)
    text_like = [
        p
        for p in home.rglob("*")
        if p.is_file()
        and "landing" not in p.parts
        and "quarantine" not in p.parts
        and p.suffix in {".json", ".html", ".md", ".log", ".txt", ".csv", ".sql", ".yml"}
    ]
    hits += scan_files(text_like, needles)
    assert hits == []


def test_a_second_run_loads_nothing_new_and_changes_no_row(demo_run: dict[str, object]) -> None:
    settings = demo_run["settings"]

    def snapshot() -> dict[str, object]:
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            out: dict[str, object] = {}
            for (t,) in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_schema in ('raw', 'audit', 'marts') and table_name not like '%gate%' "
                "and table_type = 'BASE TABLE'"
            ).fetchall():
                out[t] = con.execute(f"select count(*), sum(hash(t)) from {t} t").fetchone()
            return out
        finally:
            con.close()

    before = snapshot()
    again = subprocess.run(
        [sys.executable, "-m", "rolwh.cli", "run", "--quiet"],
        env=demo_run["env"],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 5, again.stdout + again.stderr  # the overdue feeds are still open
    # the ingest summary, in the language the child runs in (it inherits ROLWH_LANG: Chinese when unset)
    assert _("ingest: no new files in the landing area") in again.stdout
    assert snapshot() == before


def test_freeze_of_2024_holds_the_report_figures_and_verifies(
    demo_run: dict[str, object], tmp_path: Path
) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(demo_run["home"], home, symlinks=True)  # the shared home stays untouched
    env = {**demo_run["env"], "ROLWH_HOME": str(home), "ROLWH_LANDING": str(home / "landing")}
    cli = [sys.executable, "-m", "rolwh.cli"]
    frozen = subprocess.run(
        [*cli, "freeze", "--year", "2024", "--reason", "年度报告"], env=env, capture_output=True, text=True
    )
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr
    annual = next(home.glob("releases/2024/v1/**/fct_indicator_annual*.parquet"))
    rows = dict(
        duckdb.sql(
            f"select indicator_code, value from read_parquet('{annual}') where community_code = 'ALL' and year = 2024"
        ).fetchall()
    )
    for code, target in TARGETS_2024.items():
        assert rows[code] == pytest.approx(float(target), abs=1e-9), code
    verified = subprocess.run([*cli, "verify", "--year", "2024"], env=env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
