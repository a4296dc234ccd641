"""Lock-free publishing: copy the marts and audit layers into a new serving version and swap it in.

Layout under ``settings.serving_dir``::

    versions/rolwh-20250101T020304Z-1/rolwh.duckdb        one immutable DuckDB file per version
    versions/rolwh-20250101T020304Z-1/parquet/<schema>.<table>/data.parquet
    versions/rolwh-20250101T020304Z-1/lake/<table>/year=2024/data.parquet   (rolwh.serving.lake)
    versions/rolwh-20250101T020304Z-1/lake/manifest.json
    current  -> versions/rolwh-20250101T020304Z-1           the one swap point (a symlink)
    rolwh.duckdb -> current/rolwh.duckdb                    what readers and BI tools open
    parquet      -> current/parquet                         what Parquet tools read
    lake         -> current/lake                            the marts for lake tools, by year

A version is written completely (checkpointed, no ``.wal``, in a storage format DuckDB 1.4 clients
can read), then ``current`` is replaced by ``os.replace`` of a temporary symlink: an atomic
``rename(2)``. A reader that already opened the old file keeps its open file and reads the old,
consistent version; new connections see the new version; the writer never waits for a reader.
Superseded versions are deleted after ``settings.serving_grace_hours``, never the current one.

Tables are copied with their comments (dbt ``persist_docs``), and the ``cn`` views (Chinese column
names) are recreated as views over the version's own tables (rolwh.serving.described).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from rolwh.core.errors import RolwhError
from rolwh.core.faults import checkpoint
from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.core.sql import STORAGE_VERSION, connection_config, identifier, literal
from rolwh.serving.described import copy_comments, copy_views
from rolwh.serving.lake import LAKE_DIR, write_lake

if TYPE_CHECKING:
    import duckdb

#: Schemas copied from the working file into every serving version.
PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts", "audit")
#: On-disk format of the serving file: readable by DuckDB 1.4 clients (BI tools lag behind).
SERVING_FILE = "rolwh.duckdb"
VERSION_INFO = "version.json"
SUPERSEDED_MARK = "SUPERSEDED"
_ALIAS = "rolwh_publish"
_SOURCE_ALIAS = "rolwh_working"


class PublishError(RolwhError):
    """Publishing failed; the previous serving version stays current."""


@dataclass(frozen=True)
class PublishResult:
    version: str
    serving_path: Path
    version_path: Path
    parquet_dir: Path
    tables: dict[str, int]
    removed: tuple[str, ...] = field(default=())
    seconds: float = 0.0

    def render(self) -> str:
        lines = [
            _("published {version}: {tables} tables, {rows} rows in {seconds:.1f}s").format(
                version=self.version,
                tables=len(self.tables),
                rows=sum(self.tables.values()),
                seconds=self.seconds,
            ),
            _("  serving file: {path} -> {target}").format(path=self.serving_path, target=self.version_path),
            _("  parquet:      {path}").format(path=self.parquet_dir),
            _("  lake:         {path} (by year, {lake}/manifest.json)").format(
                path=self.parquet_dir.with_name(LAKE_DIR), lake=LAKE_DIR
            ),
        ]
        lines += [
            _("  {table}: {rows} rows").format(table=name, rows=rows)
            for name, rows in sorted(self.tables.items())
        ]
        if self.removed:
            lines.append(
                _("  removed superseded versions: {versions}").format(versions=", ".join(self.removed))
            )
        return "\n".join(lines)


def serving_path(settings: Settings) -> Path:
    """The stable path readers open (a symlink into the current version)."""
    return settings.serving_dir / SERVING_FILE


def versions_dir(settings: Settings) -> Path:
    return settings.serving_dir / "versions"


def current_version(settings: Settings) -> str | None:
    """The name of the version ``current`` points to, or None before the first publish."""
    link = settings.serving_dir / "current"
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def _new_version_dir(settings: Settings, now: datetime) -> Path:
    """Create an empty, uniquely named version folder (``mkdir`` is the atomic claim)."""
    root = versions_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    n = 1
    while True:
        candidate = root / f"rolwh-{stamp}-{n}"
        try:
            candidate.mkdir()
        except FileExistsError:
            n += 1
            continue
        return candidate


def _relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    rows = con.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = ? and table_schema in (select unnest(?::varchar[]))
        order by table_schema, table_name
        """,
        [catalog, list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    return [(str(s), str(t)) for s, t in rows]


def _copy_version(con: duckdb.DuckDBPyConnection, source: str, target: Path, parquet: Path) -> dict[str, int]:
    """Copy every table and view of the published schemas from catalog ``source`` into ``target``."""
    relations = _relations(con, source)
    if not any(schema == "marts" for schema, _ in relations):
        raise PublishError(
            _("the working warehouse has no marts (catalog {catalog}): run the dbt build first").format(
                catalog=source
            )
        )
    con.execute(f"attach {literal(str(target))} as {_ALIAS} (storage_version '{STORAGE_VERSION}')")
    tables: dict[str, int] = {}
    try:
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {_ALIAS}.{identifier(schema)}")
        con.execute(f"create schema if not exists {_ALIAS}.serving")
        for schema, table in relations:
            src = f"{identifier(source)}.{identifier(schema)}.{identifier(table)}"
            dst = f"{_ALIAS}.{identifier(schema)}.{identifier(table)}"
            con.execute(f"create table {dst} as select * from {src}")
            (count,) = con.execute(f"select count(*) from {dst}").fetchone() or (0,)
            tables[f"{schema}.{table}"] = int(count)
            folder = parquet / f"{schema}.{table}"
            folder.mkdir(parents=True)
            con.execute(
                f"copy (select * from {dst}) to {literal(str(folder / 'data.parquet'))} "
                "(format parquet, compression zstd)"
            )
            checkpoint("publish.table_copied")
        views = copy_views(con, source, _ALIAS)
        copy_comments(con, source, _ALIAS, relations + views)
        write_lake(con, _ALIAS, parquet.parent / LAKE_DIR, target.parent.name)
        con.execute(
            f"""
            create table {_ALIAS}.serving.publication as
            select ?::varchar as version, ?::timestamp as published_at,
                   ?::varchar as storage_version, ?::json as tables
            """,
            [target.parent.name, datetime.now(UTC).replace(tzinfo=None), STORAGE_VERSION, json.dumps(tables)],
        )
        con.execute(f"checkpoint {_ALIAS}")
    finally:
        con.execute(f"detach {_ALIAS}")
    wal = target.with_name(target.name + ".wal")
    if wal.exists():
        raise PublishError(
            _("{wal} left behind after checkpoint; the version is not self-contained").format(wal=wal)
        )
    return tables


def _swap_symlink(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` atomically: a temporary symlink renamed over it."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _ensure_stable_links(settings: Settings) -> None:
    """``rolwh.duckdb``, ``parquet`` and ``lake`` point through ``current`` (created once, never changed)."""
    links = (
        (SERVING_FILE, f"current/{SERVING_FILE}"),
        ("parquet", "current/parquet"),
        (LAKE_DIR, f"current/{LAKE_DIR}"),
    )
    for name, target in links:
        link = settings.serving_dir / name
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.exists() and not link.is_symlink():
            raise PublishError(
                _("{link} exists and is not a symlink; move it away before publishing").format(link=link)
            )
        _swap_symlink(link, target)


def cleanup(settings: Settings, *, now: datetime | None = None, grace: timedelta | None = None) -> list[str]:
    """Delete versions superseded (or abandoned) longer than the grace period ago; never the current one."""
    now = now or datetime.now(UTC)
    grace = grace if grace is not None else timedelta(hours=settings.serving_grace_hours)
    current = current_version(settings)
    removed: list[str] = []
    root = versions_dir(settings)
    if not root.is_dir():
        return removed
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name == current:
            continue
        mark = folder / SUPERSEDED_MARK
        # a version that never became current (a failed publish) ages from its creation
        since = (mark if mark.exists() else folder).stat().st_mtime
        if now - datetime.fromtimestamp(since, UTC) >= grace:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def publish(
    settings: Settings, con: duckdb.DuckDBPyConnection | None = None, *, now: datetime | None = None
) -> PublishResult:
    """Publish the working warehouse's marts and audit layers as a new serving version.

    ``con`` is the single writer's own connection to the working file (it is only read). Without
    it the working file is attached read-only, so call it only when no writer (dbt) has it open.
    """
    started = time.monotonic()
    now = now or datetime.now(UTC)
    settings.serving_dir.mkdir(parents=True, exist_ok=True)
    version_dir = _new_version_dir(settings, now)
    target = version_dir / SERVING_FILE
    parquet = version_dir / "parquet"
    try:
        if con is not None:
            (source,) = con.execute("select current_database()").fetchone() or ("",)
            tables = _copy_version(con, str(source), target, parquet)
        else:
            if not settings.warehouse_path.exists():
                raise PublishError(
                    _("no working warehouse at {path}: run `rolwh run` first").format(
                        path=settings.warehouse_path
                    )
                )
            local = duckdb.connect(config=connection_config(settings))
            try:
                local.execute(
                    f"attach {literal(str(settings.warehouse_path))} as {_SOURCE_ALIAS} (read_only)"
                )
                tables = _copy_version(local, _SOURCE_ALIAS, target, parquet)
            finally:
                local.close()
        checkpoint("publish.after_copy")
        (version_dir / VERSION_INFO).write_text(
            json.dumps(
                {
                    "version": version_dir.name,
                    "published_at": now.isoformat(),
                    "storage_version": STORAGE_VERSION,
                    "tables": tables,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    except BaseException:
        shutil.rmtree(version_dir, ignore_errors=True)
        raise
    previous = current_version(settings)
    checkpoint("publish.before_swap")
    _swap_symlink(settings.serving_dir / "current", f"versions/{version_dir.name}")
    checkpoint("publish.after_swap")
    _ensure_stable_links(settings)
    if previous and previous != version_dir.name:
        mark = versions_dir(settings) / previous / SUPERSEDED_MARK
        if mark.parent.is_dir():
            mark.write_text(now.isoformat() + "\n")
    checkpoint("publish.before_cleanup")
    removed = cleanup(settings)
    return PublishResult(
        version=version_dir.name,
        serving_path=serving_path(settings),
        version_path=target,
        parquet_dir=settings.serving_dir / "parquet",
        tables=tables,
        removed=tuple(removed),
        seconds=time.monotonic() - started,
    )
