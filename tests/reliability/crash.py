"""Helpers of the crash-safety tests: state snapshots of a ROLWH_HOME and killed child runs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rolwh.core.settings import REPO_ROOT, Settings
from tests.reliability.conftest import (
    DELTA_MONTHS,
    OLD_MONTHS,
    ROLWH,
    child_env,
    copy_home,
    rolwh,
    settings_at,
    small_landing,
)

YEAR = 2024
#: A delivered file without an export date: quarantined unread, so the delta exercises the move.
UNDATED = ("court_referrals", "诉前调解案件导出_最新.xlsx")
#: Raw lineage / audit columns that differ between two loads of the same file (ids, clock).
VOLATILE = {"load_id", "loaded_at", "_load_id", "_loaded_at"}
#: `rolwh freeze` with the nightly rule set of the real gate. The freeze rule set blocks a partial
#: year (export completeness up to 31 December), and the small landing area holds one quarter;
#: everything else (release writing, lock-down, rename, ledger) is the production code path.
FREEZE_WITH_NIGHTLY_RULES = (
    "import sys\n"
    "import expectations.gate as gate\n"
    "real = gate.run_gate\n"
    "def nightly_rules(settings, mode='nightly', year=None, con=None, **kw):\n"
    "    return real(settings, 'nightly', year, con, **kw)\n"
    "gate.run_gate = nightly_rules\n"
    "from rolwh.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
PUBLISH = (
    "from rolwh.orchestration.steps import publish_step\n"
    "from rolwh.core.settings import load_settings\n"
    "print(publish_step(load_settings(), wait_seconds=0)['summary'])\n"
)


def python(settings: Settings, code: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=child_env(settings, **extra),
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO_ROOT,
        check=False,
    )


def freeze(settings: Settings, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return python(settings, FREEZE_WITH_NIGHTLY_RULES, "freeze", "--year", str(YEAR), *args, **extra)


def publish(settings: Settings, **extra: str) -> subprocess.CompletedProcess[str]:
    return python(settings, PUBLISH, **extra)


def _rows(con: Any, sql: str) -> list[tuple]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def _columns(con: Any, schema: str, table: str, drop: set[str]) -> str:
    cols = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "and table_catalog = current_database() order by ordinal_position",
            [schema, table],
        ).fetchall()
        if r[0] not in drop
    ]
    return ", ".join('"' + c.replace('"', '""') + '"' for c in cols)


def marts_of(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table and view of schema marts in a DuckDB file (opened read-only)."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_catalog = current_database() order by 1"
            ).fetchall()
        ]
        return {t: _rows(con, f'select * from marts."{t}"') for t in tables}
    finally:
        con.close()


def parquet_marts_of(folder: Path) -> dict[str, list[tuple]]:
    """Every row of the serving Parquet export of schema marts."""
    import duckdb

    con = duckdb.connect()
    try:
        return {
            d.name.split(".", 1)[1]: _rows(con, f"select * from read_parquet('{d / 'data.parquet'}')")
            for d in sorted(folder.glob("marts.*"))
        }
    finally:
        con.close()


def serving_state(settings: Settings) -> dict[str, Any] | None:
    """What a reader of the serving file and the Parquet export sees, or None before any publish."""
    link = settings.serving_dir / "rolwh.duckdb"
    if not link.exists():
        return None
    return {"duckdb": marts_of(link), "parquet": parquet_marts_of(settings.serving_dir / "parquet")}


def raw_and_audit(settings: Settings) -> dict[str, list[tuple]]:
    """Every raw row and every file / rejected-row audit record, without load ids and clock times."""
    import duckdb

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        tables = [
            (s, t)
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables where table_catalog = "
                "current_database() and (table_schema = 'raw' or (table_schema = 'audit' and table_name "
                "in ('file_loads', 'rejected_rows'))) and table_type = 'BASE TABLE' order by 1, 2"
            ).fetchall()
        ]
        return {
            f"{s}.{t}": _rows(con, f'select {_columns(con, s, t, VOLATILE)} from "{s}"."{t}"')
            for s, t in tables
        }
    finally:
        con.close()


def indicator_marts(settings: Settings) -> dict[str, list[tuple]]:
    """Every row of the two indicator marts of the working warehouse."""
    marts = marts_of(settings.warehouse_path)
    return {t: marts[t] for t in ("fct_indicator_quarterly", "fct_indicator_annual")}


def file_tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def release_data(settings: Settings, version: str) -> dict[str, list[tuple]]:
    return parquet_marts_of_release(settings.releases_dir / str(YEAR) / version / "data")


def parquet_marts_of_release(folder: Path) -> dict[str, list[tuple]]:
    import duckdb

    con = duckdb.connect()
    try:
        return {
            p.stem: _rows(con, f"select * from read_parquet('{p}')") for p in sorted(folder.glob("*.parquet"))
        }
    finally:
        con.close()


def versions(settings: Settings) -> list[str]:
    from rolwh.release.store import versions as _versions

    return _versions(settings, YEAR)


def verify(settings: Settings) -> subprocess.CompletedProcess[str]:
    # verify only reads; its problems are parsed by their English message ids
    return rolwh(settings, "verify", "--year", str(YEAR), timeout=120, ROLWH_LANG="en")


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def start_run(settings: Settings, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [ROLWH, "run", "--quiet", *args],
        env=child_env(settings),
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def sigkill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def add_files(src: Path, landing: Path) -> None:
    for path in src.rglob("*"):
        if path.is_file():
            dst = landing / path.relative_to(src)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dst)


def ok(proc: subprocess.CompletedProcess[str], what: str) -> None:
    # 5: published, needs attention (quarantined demo files, overdue demo feeds): the run went through
    assert proc.returncode in (0, 5), (
        f"{what} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )


@dataclass
class Reference:
    old: Settings  # published + frozen 2024/v1, delta not delivered
    new: Settings  # the old home + delta, one uninterrupted `rolwh run`
    delta: Path
    old_serving: dict[str, Any]
    new_serving: dict[str, Any]
    new_raw_audit: dict[str, list[tuple]]
    new_quarantine: list[str]
    new_marts: dict[str, list[tuple]]
    v1_data: dict[str, list[tuple]]
    committed_order: list[str]  # new files in the order the ingest commits them


def build_reference(root: Path, demo_landing: Path) -> Reference:
    """The old home (published, frozen 2024/v1) and the new one (old + delta, run to the end)."""
    import duckdb

    old = settings_at(root / "old")
    assert small_landing(demo_landing, old.landing, OLD_MONTHS)
    ok(rolwh(old, "run", "--quiet"), "reference run (old)")
    ok(freeze(old), "reference freeze 2024/v1")
    delta = root / "delta"
    assert small_landing(demo_landing, delta, DELTA_MONTHS)
    (delta / UNDATED[0]).mkdir(exist_ok=True)
    shutil.copy2(demo_landing / UNDATED[0] / UNDATED[1], delta / UNDATED[0] / UNDATED[1])

    new = copy_home(old.home, root / "new")
    add_files(delta, new.landing)
    ok(rolwh(new, "run", "--quiet"), "reference run (new)")
    con = duckdb.connect(str(new.warehouse_path), read_only=True)
    try:
        delta_names = [p.name for p in delta.rglob("*") if p.is_file()]
        order = [
            r[0]
            for r in con.execute(
                "select file_name from audit.file_loads where file_name in (select unnest(?::varchar[])) "
                "and status <> 'skipped_duplicate' order by loaded_at",
                [delta_names],
            ).fetchall()
        ]
    finally:
        con.close()
    assert UNDATED[1] in order and len(order) >= 5, order
    reference = Reference(
        old=old,
        new=new,
        delta=delta,
        old_serving=serving_state(old),
        new_serving=serving_state(new),
        new_raw_audit=raw_and_audit(new),
        new_quarantine=file_tree(new.quarantine_dir),
        new_marts=indicator_marts(new),
        v1_data=release_data(old, "v1"),
        committed_order=order,
    )
    assert reference.old_serving and reference.new_serving
    assert reference.old_serving != reference.new_serving  # the delta changes what readers see
    assert reference.new_marts != indicator_marts(old)
    return reference
