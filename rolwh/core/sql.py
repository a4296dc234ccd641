"""The one home of the small SQL helpers: quoting, "does this table exist", the storage version of
the DuckDB files rolwh hands out, and the connection configuration every connection shares."""

from __future__ import annotations

import duckdb

from rolwh.core.settings import Settings

#: A DuckDB connection configuration (the value types ``duckdb.connect(config=…)`` takes).
DuckDBConfig = dict[str, str | bool | int | float | list[str]]
#: DuckDB storage version of the files rolwh hands out (serving file, releases): readable by 1.4.
STORAGE_VERSION = "v1.4.0"


def literal(text: str) -> str:
    """``text`` as a SQL string literal (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """Whether ``schema.name`` (a table or a view) exists in ``con``'s catalogs."""
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def connection_config(settings: Settings) -> DuckDBConfig:
    """The DuckDB config of every rolwh connection: the configured memory limit and threads."""
    config: DuckDBConfig = {"memory_limit": settings.memory_limit}
    if settings.threads:
        config["threads"] = settings.threads
    return config
