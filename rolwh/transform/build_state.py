"""What the last builds left behind, so the next build runs only what it must: the project's
fingerprint, the builds recorded in ``audit.dbt_builds``, the feeds with rows not built yet, the
marker of an unfinished build and the record of the releases the frozen mart holds."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TypedDict

import duckdb

from rolwh.core.contracts import FEEDS
from rolwh.core.errors import WarehouseBusy
from rolwh.core.settings import DBT_PROJECT_DIR, Settings
from rolwh.core.sql import table_exists
from rolwh.core.warehouse import connect, ensure_schema

#: In the dbt target dir while a build runs; still there when the last build failed or was killed.
INCOMPLETE_MARKER = "build.incomplete"
#: In the dbt target dir: the releases the frozen mart was last built from.
FROZEN_RECORD = "frozen_releases.json"


@dataclass(frozen=True)
class LastBuilds:
    """Fingerprints of the last successful builds recorded in audit.dbt_builds."""

    any_build: str | None  # the last build, whole or --select
    whole_build: str | None  # the last build of the whole project
    whole_docs: bool  # ... and whether it left a docs site


def project_fingerprint(dbt_vars: Mapping[str, object] | None, targets: str = "") -> str:
    """SHA-256 of everything a build's result depends on besides the data: every file of the dbt
    project (models, tests, macros, seeds, configuration), the --vars, the targets' digest
    (rolwh.transform.targets) and the dbt versions."""

    h = hashlib.sha256()
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        rel = path.relative_to(DBT_PROJECT_DIR)
        if path.is_file() and rel.parts[0] not in ("target", "logs", "dbt_packages"):
            h.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(json.dumps(dict(dbt_vars or {}), sort_keys=True, default=str).encode())
    h.update(targets.encode())
    h.update(f"dbt-core {version('dbt-core')} dbt-duckdb {version('dbt-duckdb')}".encode())
    return h.hexdigest()


def prepare_warehouse(settings: Settings) -> LastBuilds:
    """Create the raw and audit layers (so dbt's sources exist before any load), then let go;
    returns what the last successful builds were."""

    settings.ensure_dirs()
    try:
        con = connect(settings)
    except duckdb.IOException as exc:  # another process holds the file (DuckDB: one writer)
        raise WarehouseBusy(
            f"cannot build: the warehouse {settings.warehouse_path} is open in another process ({exc})"
        ) from None
    try:
        ensure_schema(con)
        last = "select {} from audit.dbt_builds {} order by built_at desc limit 1"
        any_build = con.execute(last.format("fingerprint", "")).fetchone()
        whole = con.execute(last.format("fingerprint, docs_generated", "where selection is null")).fetchone()
    finally:
        con.close()
    return LastBuilds(
        any_build=any_build[0] if any_build else None,
        whole_build=whole[0] if whole else None,
        whole_docs=bool(whole and whole[1]),
    )


def record_build(
    settings: Settings, fingerprint: str, selection: str | None, full_refresh: bool, docs: bool
) -> None:
    """Record a successful build (fingerprint, selection, full refresh, docs) in audit.dbt_builds."""
    con = connect(settings)
    try:
        con.execute(
            "insert into audit.dbt_builds values (?, ?, ?, ?, ?)",
            [fingerprint, dt.datetime.now(), selection, full_refresh, docs],
        )
    finally:
        con.close()


def docs_present(target: Path) -> bool:
    """Is there a docs site in the dbt target dir?"""
    return all((target / name).is_file() for name in ("index.html", "catalog.json"))


def feeds_with_unbuilt_rows(settings: Settings) -> list[str] | None:
    """Feeds whose raw table holds loads that their ``*_versions`` model has not taken in yet, or
    None when that cannot be told (no manifest of an earlier build, a model or table missing).

    Each versions model appends every new load of its raw table and the rest of the project is
    rebuilt from them, so a feed without such loads has nothing new for any model."""

    try:
        manifest = json.loads((settings.dbt_target_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    versions = {}  # feed -> "schema.table" of the incremental model reading its raw table
    for node in manifest.get("nodes", {}).values():
        if (
            node.get("resource_type") == "model"
            and node.get("config", {}).get("materialized") == "incremental"
        ):
            for parent in node.get("depends_on", {}).get("nodes", []):
                if parent.startswith("source.") and parent.split(".")[-2] == "raw":
                    versions[parent.split(".")[-1]] = f"{node['schema']}.{node.get('alias') or node['name']}"
    if any(f.name not in versions for f in FEEDS):
        return None
    con = connect(settings)
    try:
        needed = (*versions.values(), "marts.fct_indicator_annual")
        if not all(table_exists(con, *relation.split(".", 1)) for relation in needed):
            return None
        unbuilt = []
        for f in FEEDS:
            row = con.execute(
                f"select exists (select _load_id from {f.table} except select _load_id from {versions[f.name]})"
            ).fetchone()
            if row and row[0]:
                unbuilt.append(f.name)
        return unbuilt
    finally:
        con.close()


class FrozenRelease(TypedDict):
    """One verified release the frozen mart reads: an item of the dbt var ``frozen_releases``."""

    year: int
    version: str
    path: str  # the release's annual Parquet file, absolute
    frozen_at: str | None


def _releases_json(frozen_releases: Sequence[FrozenRelease]) -> str:
    return json.dumps([dict(r) for r in frozen_releases], sort_keys=True, default=str)


def record_frozen(settings: Settings, frozen_releases: Sequence[FrozenRelease]) -> None:
    """Remember which releases the frozen mart holds (see :func:`frozen_is_current`)."""
    (settings.dbt_target_dir / FROZEN_RECORD).write_text(_releases_json(frozen_releases), encoding="utf-8")


def frozen_is_current(settings: Settings, frozen_releases: Sequence[FrozenRelease]) -> bool:
    """Was the frozen mart last built from exactly these releases?"""
    record = settings.dbt_target_dir / FROZEN_RECORD
    return record.exists() and record.read_text(encoding="utf-8") == _releases_json(frozen_releases)
