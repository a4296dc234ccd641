"""Environment faults through the real CLI: a read-only ROLWH_HOME (a tmpfs remounted read-only: the
tests run as root, and root ignores file modes), a full disk, a folder that is missing and cannot be
made. Each gives one clear line and exit 7 (EnvironmentFault), never a traceback; what only reads
(status, sql, indicators) still works on a read-only home."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import pytest

from rolwh.core.errors import EnvironmentFault
from rolwh.core.settings import Settings
from rolwh.serving.publish import publish
from tests.reliability.conftest import rolwh as rolwh_zh
from tests.reliability.conftest import settings_at, small_landing
from tests.reliability.test_disk_full import _fill, tmpfs  # noqa: F401 - the tmpfs fixture
from tests.serving.marts_fixture import build_working_marts

EXIT_ENVIRONMENT = EnvironmentFault.exit_code
rolwh = functools.partial(rolwh_zh, ROLWH_LANG="en")  # the messages below are asserted in English
WRITERS = (["run", "--quiet"], ["ingest", "--quiet"], ["freeze", "--year", "2024"], ["rotate-key"])


def _one_clear_line(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == EXIT_ENVIRONMENT == 7, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def published_home(tmpfs: Path, demo_landing: Path) -> Settings:  # noqa: F811 - tmpfs is the fixture
    """A home on the tmpfs with a working warehouse, a publication and a new month in the landing area."""
    s = settings_at(tmpfs / "home")
    s.ensure_dirs()
    build_working_marts(s)
    publish(s)
    small_landing(demo_landing, s.landing, ("202401",))
    return s


def test_read_only_home_writers_exit_7_readers_still_work(published_home: Settings, tmpfs: Path) -> None:  # noqa: F811
    s = published_home
    remount = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True, text=True)
    assert remount.returncode == 0, remount.stderr
    for args in WRITERS:
        _one_clear_line(rolwh(s, *args, timeout=300), "read-only file system", str(s.home), "ROLWH_HOME")

    status = rolwh(s, "status", timeout=120)
    assert status.returncode == 0 and "Traceback" not in status.stderr, status.stderr
    assert "court_referrals" in status.stdout
    sql = rolwh(
        s,
        "sql",
        "select value from marts.fct_indicator_annual where year = 2024 and "
        "community_code = 'ALL' and indicator_code = 'CR_RECEIVED'",
        "--format",
        "csv",
        timeout=120,
    )
    assert sql.returncode == 0 and sql.stdout.splitlines() == ["\ufeffvalue", "476.0"], sql.stderr
    indicators = rolwh(s, "indicators", "--year", "2024", timeout=120)
    assert indicators.returncode == 0 and "476" in indicators.stdout, indicators.stderr


def test_a_missing_folder_that_cannot_be_made_exits_7(tmp_path: Path, tmpfs: Path) -> None:  # noqa: F811
    # ROLWH_HOME below a regular file
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    s = settings_at(blocker / "home")
    for args in WRITERS[:3]:
        _one_clear_line(rolwh(s, *args, timeout=300), "not a folder", str(blocker))
    status = rolwh(s, "status", timeout=120)
    assert status.returncode == 0 and "nothing ingested yet" in status.stdout, status.stderr
    sql = rolwh(s, "sql", "select 1", timeout=120)
    assert sql.returncode == 1 and "nothing published yet" in sql.stderr, sql.stderr

    # a landing area that is missing, on a read-only file system
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    s = settings_at(tmp_path / "home")
    missing = tmpfs / "landing"
    proc = rolwh(s, "ingest", "--quiet", timeout=300, ROLWH_LANDING=str(missing))
    _one_clear_line(proc, "read-only file system", str(missing))


def test_disk_full_during_ingest_exits_7_and_a_rerun_after_freeing_space_loads_all(
    tmp_path: Path,
    tmpfs: Path,  # noqa: F811
    demo_landing: Path,
) -> None:
    s = settings_at(tmpfs / "home")
    landing = tmp_path / "landing"  # the exports on another file system; the state on the full one
    files = small_landing(demo_landing, landing, ("202401", "202402"))
    s.ensure_dirs()
    filler = _fill(tmpfs, 64 * 1024)
    proc = rolwh(s, "ingest", "--quiet", timeout=300, ROLWH_LANDING=str(landing))
    _one_clear_line(proc, "disk full while writing", "free space")

    filler.unlink()
    proc = rolwh(s, "ingest", "--quiet", timeout=300, ROLWH_LANDING=str(landing))
    assert proc.returncode == 0, proc.stderr
    import duckdb

    con = duckdb.connect(str(s.warehouse_path), read_only=True)
    try:
        recorded = con.execute("select count(*), count(distinct file_name) from audit.file_loads").fetchone()
    finally:
        con.close()
    assert recorded == (len(files), len(files))
