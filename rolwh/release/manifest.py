"""Provenance recorded in a release's manifest: the code commit, the last dbt build, the input files."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import duckdb

from rolwh.core.settings import REPO_ROOT, Settings
from rolwh.release.store import sha256


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True
    ).stdout.strip()


def git_commit() -> tuple[str, bool | None]:
    """(HEAD, whether tracked files differ from it); ("unknown", None) outside a git checkout."""
    try:
        head = _git("rev-parse", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        return head or "unknown", bool(dirty)
    except (OSError, subprocess.SubprocessError):
        return "unknown", None


def dbt_summary(settings: Settings) -> dict[str, Any] | None:
    path = settings.dbt_target_dir / "run_results.json"
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {"path": str(path), "error": f"unreadable: {exc}"}
    statuses: dict[str, int] = {}
    for r in data.get("results", []):
        statuses[str(r.get("status"))] = statuses.get(str(r.get("status")), 0) + 1
    meta = data.get("metadata", {})
    return {
        "path": str(path),
        "sha256": sha256(path),
        "generated_at": meta.get("generated_at"),
        "dbt_version": meta.get("dbt_version"),
        "invocation_id": meta.get("invocation_id"),
        "elapsed_time": data.get("elapsed_time"),
        "args": {
            k: data.get("args", {}).get(k)
            for k in ("which", "vars", "full_refresh")
            if k in data.get("args", {})
        },
        "results_by_status": statuses,
    }


def inputs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(
        "select file_name, feed, sha256, export_date, rows_loaded, loaded_at from audit.file_loads"
        " where status = 'loaded' order by feed, export_date, file_name"
    ).fetchall()
    return [
        {
            "file_name": r[0],
            "feed": r[1],
            "sha256": r[2],
            "export_date": r[3].isoformat() if r[3] else None,
            "rows_loaded": r[4],
            "loaded_at": r[5].isoformat() if r[5] else None,
        }
        for r in rows
    ]
