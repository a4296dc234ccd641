"""The real CLI on a copy of the demo home, reads of its serving file, and a forged release value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``rolwh ARGS`` in a child process with ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "rolwh.cli", *args], env=env, capture_output=True, text=True, timeout=900
    )


def serving_rows(home: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` on the current serving file of ``home``, opened read-only."""
    con = duckdb.connect(str(home / "serving" / "rolwh.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def forge_value(parquet: Path, code: str, value: float) -> None:
    """What an attacker (or a careless clerk) does: rewrite the ALL value of ``code`` in a release's
    Parquet file in place (made writable first)."""
    for p in (parquet.parent, parquet):
        p.chmod(0o755 if p.is_dir() else 0o644)
    con = duckdb.connect()
    try:
        table = con.sql(
            "select * replace (case when indicator_code = ? and community_code = 'ALL' then ? else value end"
            " as value) from read_parquet(?)",
            params=[code, value, str(parquet)],
        ).to_arrow_table()
    finally:
        con.close()
    pq.write_table(table, parquet)
