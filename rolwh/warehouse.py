"""The working DuckDB file: connections and the DDL of the raw and audit layers.

The raw layer has one table per feed (``raw.<feed>``), its columns derived from
:mod:`rolwh.contracts`; every version of every record is kept there (history), with lineage
columns saying which file and row it came from. The audit layer accounts for every file and
every rejected row.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rolwh.contracts import FEEDS
from rolwh.settings import Settings

if TYPE_CHECKING:
    import duckdb

AUDIT_DDL: tuple[str, ...] = (
    """
    create table if not exists audit.file_loads (
        load_id varchar not null,
        file_name varchar not null,
        feed varchar not null,
        sha256 varchar not null,
        status varchar not null check (status in ('loaded', 'skipped_duplicate', 'quarantined')),
        export_date date,
        size_bytes bigint,
        rows_read integer not null,
        rows_loaded integer not null,
        rows_rejected integer not null,
        rows_skipped integer not null,
        reason varchar,
        notices varchar,
        loaded_at timestamp not null,
        check (rows_read = rows_loaded + rows_rejected + rows_skipped)
    )
    """,
    """
    create table if not exists audit.rejected_rows (
        load_id varchar not null,
        file_name varchar not null,
        feed varchar not null,
        sha256 varchar not null,
        row_number integer not null,
        column_name varchar,
        reason varchar not null
    )
    """,
    # One row per successful dbt build: the fingerprint of the dbt project, vars and dbt versions
    # it ran with, and its --select (NULL: the whole project). See rolwh.build: a different
    # fingerprint rebuilds in full; the same one as the last whole build skips what cannot have
    # changed (seeds, unit tests, the docs site).
    """
    create table if not exists audit.dbt_builds (
        fingerprint varchar not null,
        built_at timestamp not null,
        selection varchar,
        full_refresh boolean not null,
        docs_generated boolean not null
    )
    """,
)


def connect(
    settings: Settings, *, read_only: bool = False, path: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection to the working warehouse (or ``path``), with the configured limits."""
    import duckdb

    target = path or settings.warehouse_path
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    elif not target.exists():
        raise FileNotFoundError(f"no warehouse at {target}: run `rolwh run` first")
    config: dict[str, str | int] = {"memory_limit": settings.memory_limit}
    if settings.threads:
        config["threads"] = settings.threads
    return duckdb.connect(str(target), read_only=read_only, config=config)


def raw_table_ddl(feed_name: str) -> str:
    from rolwh.contracts import feed

    f = feed(feed_name)
    cols = ",\n    ".join(f"{name} {type_}" for name, type_ in f.raw_columns())
    return f"create table if not exists {f.table} (\n    {cols}\n)"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and audit layers if they are missing (idempotent)."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists audit")
    for f in FEEDS:
        con.execute(raw_table_ddl(f.name))
    for ddl in AUDIT_DDL:
        con.execute(ddl)
