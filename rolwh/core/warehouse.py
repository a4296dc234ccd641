"""The working DuckDB file: connections and the DDL of the raw and audit layers.

The raw layer has one table per feed (``raw.<feed>``), its columns derived from
:mod:`rolwh.core.contracts`; every version of every record is kept there (history), with lineage
columns saying which file and row it came from. The audit layer accounts for every file and
every rejected row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import duckdb

from rolwh.core.contracts import FEEDS, feed
from rolwh.core.errors import KeyMismatch, NoWarehouse, database_open_error
from rolwh.core.settings import Settings
from rolwh.core.sql import connection_config

#: What the key fingerprint is an HMAC of; changing it changes every fingerprint.
KEY_FINGERPRINT_MESSAGE = b"rolwh key fingerprint v1"
KEY_FINGERPRINT_HEX = 16

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
    # it ran with, and its --select (NULL: the whole project). See rolwh.transform.build: a different
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
    # The fingerprint of the pseudonymisation key the raw layer was written with (set by the first
    # ingest): HMAC(key, KEY_FINGERPRINT_MESSAGE) truncated, never the key. A run under another key
    # is refused (see checked_key and `rolwh rotate-key`). In schema ``private``, which is never
    # published (rolwh.serving.publish copies marts and audit only).
    """
    create table if not exists private.key_fingerprint (
        fingerprint varchar not null,
        recorded_at timestamp not null
    )
    """,
)


def connect(
    settings: Settings, *, read_only: bool = False, path: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection to the working warehouse (or ``path``), with the configured limits."""

    target = path or settings.warehouse_path
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    elif not target.exists():
        raise NoWarehouse(f"no warehouse at {target}: run `rolwh run` first")
    try:
        return duckdb.connect(str(target), read_only=read_only, config=connection_config(settings))
    except duckdb.Error as exc:
        known = database_open_error(exc, target)
        if known is None:
            raise
        raise known from None


def raw_table_ddl(feed_name: str) -> str:

    f = feed(feed_name)
    cols = ",\n    ".join(f"{name} {type_}" for name, type_ in f.raw_columns())
    return f"create table if not exists {f.table} (\n    {cols}\n)"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and audit layers if they are missing (idempotent)."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists audit")
    con.execute("create schema if not exists private")
    for f in FEEDS:
        con.execute(raw_table_ddl(f.name))
    for ddl in AUDIT_DDL:
        con.execute(ddl)


def key_fingerprint(key: bytes) -> str:
    """The key's fingerprint: HMAC-SHA256(key, "rolwh key fingerprint v1"), first 16 hex digits."""
    return hmac.new(key, KEY_FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:KEY_FINGERPRINT_HEX]


def recorded_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(
        "select fingerprint from private.key_fingerprint order by recorded_at limit 1"
    ).fetchone()
    return row[0] if row else None


def record_fingerprint(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    con.execute(
        "insert into private.key_fingerprint values (?, ?)", [key_fingerprint(key), dt.datetime.now()]
    )


def checked_key(con: duckdb.DuckDBPyConnection, settings: Settings) -> bytes:
    """The settings' key, after checking it is the key this warehouse was written with.

    The first ingest records the fingerprint; a different key raises :class:`KeyMismatch`
    (exit 6), which explains the two ways out: the old key back, or ``rolwh rotate-key``.
    """
    key = settings.key()
    known = recorded_fingerprint(con)
    if known is None:
        record_fingerprint(con, key)
    elif known != key_fingerprint(key):
        raise KeyMismatch(
            f"the pseudonymisation key from {settings.key_source()} is not the key the warehouse "
            f"{settings.warehouse_path} was written with (key fingerprint {key_fingerprint(key)}, "
            f"warehouse {known}); nothing was loaded. Pseudonyms under two keys would split every "
            "person in two. Either give the old key back, or, to rotate the key on purpose, run "
            "`rolwh rotate-key`: it keeps the old warehouse aside and re-ingests the whole landing area "
            "under the new key (the landing area must still hold every export)"
        )
    return key
