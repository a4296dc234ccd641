"""What publishing keeps besides the rows: the comments of every table and column, and the views.

``CREATE TABLE … AS`` copies rows, not comments, so the descriptions dbt persisted in the working
file (``persist_docs``: "中文 / English") are read from ``duckdb_tables()`` / ``duckdb_views()`` /
``duckdb_columns()`` there and applied again in the serving file. The ``cn`` schema holds views
with Chinese column names over the marts; they name the marts without a database, and a DuckDB
view binds in its own catalog, so the same SQL recreated in the serving file reads the serving
file's own tables (never the working file).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rolwh.core.errors import RolwhError
from rolwh.core.sql import identifier, literal

if TYPE_CHECKING:
    import duckdb

#: Schemas of views recreated (as views) in every serving version.
VIEW_SCHEMAS: tuple[str, ...] = ("cn",)
_VIEW_HEAD = re.compile(r"^\s*create\s+(?:or\s+replace\s+)?view\s+\S+\s+as\s+", re.IGNORECASE)


class ViewCopyError(RolwhError):
    """A view of the working file could not be recreated in the serving file."""


def copy_views(con: duckdb.DuckDBPyConnection, source: str, target: str) -> list[tuple[str, str]]:
    """Recreate every view of ``VIEW_SCHEMAS`` of catalog ``source`` in catalog ``target``."""
    rows = con.execute(
        """
        select schema_name, view_name, sql from duckdb_views()
        where database_name = ? and schema_name in (select unnest(?::varchar[]))
        order by schema_name, view_name
        """,
        [source, list(VIEW_SCHEMAS)],
    ).fetchall()
    for schema in VIEW_SCHEMAS:
        con.execute(f"create schema if not exists {identifier(target)}.{identifier(schema)}")
    views = []
    for schema, name, sql in rows:
        head = _VIEW_HEAD.match(str(sql))
        if head is None:
            raise ViewCopyError(f"view {schema}.{name}: its definition does not start with CREATE VIEW … AS")
        qualified = f"{identifier(target)}.{identifier(str(schema))}.{identifier(str(name))}"
        con.execute(f"create view {qualified} as {str(sql)[head.end() :].rstrip().rstrip(';')}")
        views.append((str(schema), str(name)))
    return views


def copy_comments(
    con: duckdb.DuckDBPyConnection, source: str, target: str, relations: list[tuple[str, str]]
) -> int:
    """Apply the table/view and column comments of ``relations`` in ``source`` to ``target``.

    Returns how many comments were written.
    """
    wanted = [f"{schema}.{name}" for schema, name in relations]
    rows = con.execute(
        """
        select schema_name, table_name, null as column_name, comment from duckdb_tables()
        where database_name = $source and comment is not null
        union all
        select schema_name, view_name, null, comment from duckdb_views()
        where database_name = $source and comment is not null
        union all
        select schema_name, table_name, column_name, comment from duckdb_columns()
        where database_name = $source and comment is not null
        """,
        {"source": source},
    ).fetchall()
    kinds = dict(
        con.execute(
            """
            select schema_name || '.' || table_name, 'table' from duckdb_tables() where database_name = $t
            union all
            select schema_name || '.' || view_name, 'view' from duckdb_views() where database_name = $t
            """,
            {"t": target},
        ).fetchall()
    )
    written = 0
    for schema, name, column, comment in rows:
        key = f"{schema}.{name}"
        if key not in wanted or key not in kinds:
            continue
        relation = f"{identifier(target)}.{identifier(str(schema))}.{identifier(str(name))}"
        if column is None:
            con.execute(f"comment on {kinds[key]} {relation} is {literal(str(comment))}")
        else:
            con.execute(f"comment on column {relation}.{identifier(str(column))} is {literal(str(comment))}")
        written += 1
    return written
