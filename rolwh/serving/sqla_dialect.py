"""SQLAlchemy dialect ``duckdb+rolwh``: duckdb-engine whose column listing works on DuckDB 2.

SQLAlchemy ≥ 2.0.45 reflects a column's collation through ``pg_catalog.pg_collation``, which DuckDB
2.0.1 does not emulate, so ``inspect(engine).get_columns(...)`` fails with a Binder Error on every
table (duckdb-engine 0.17.0 is the newest release). Upstream:
https://github.com/Mause/duckdb_engine/issues/1391 (fix proposed in
https://github.com/Mause/duckdb_engine/pull/1393) and https://github.com/duckdb/duckdb/issues/22069.
No pinned combination avoids it here (Airflow needs SQLAlchemy ≥ 2.0.50), and the serving file cannot
carry a shim: DuckDB refuses any object in ``pg_catalog`` ("Cannot create entry in system catalog").

So this dialect asks for the columns exactly as duckdb-engine does, with the collation column as NULL
(DuckDB columns have no per-column collation in its pg_catalog anyway), and reads them the way
SQLAlchemy 2.1 expects (duckdb-engine 0.17 still calls the 2.0 signature of ``_get_columns_info``,
a TypeError once the query runs). Registered as the entry point
``duckdb.rolwh`` (pyproject.toml): ``duckdb+rolwh:////abs/path/rolwh.duckdb?access_mode=read_only``.
Drop it once duckdb-engine releases the fix.
"""

from __future__ import annotations

from typing import Any

from duckdb_engine import Dialect as DuckDBEngineDialect
from sqlalchemy import sql
from sqlalchemy.dialects.postgresql.base import _NamedTypeLoader


class RolwhDuckDBDialect(DuckDBEngineDialect):
    """duckdb-engine without the ``pg_collation`` lookup in the column listing."""

    name = "duckdb"
    driver = "rolwh"
    supports_statement_cache = True

    # same call signatures as duckdb-engine (positional, as SQLAlchemy calls them); the typed base
    # classes declare keyword-only ones, hence the ignores
    def _columns_query(self, schema: Any, has_filter_names: Any, scope: Any, kind: Any) -> Any:  # type: ignore[override]
        query = super()._columns_query(schema, has_filter_names, scope, kind)
        columns = [
            sql.null().label("collation") if column.name == "collation" else column
            for column in query.selected_columns
        ]
        return query.with_only_columns(*columns, maintain_column_froms=False)

    def get_multi_columns(
        self,
        connection: Any,
        schema: Any = None,
        filter_names: Any = None,
        scope: Any = None,
        kind: Any = None,
        **kw: Any,
    ) -> Any:
        has_filter_names, params = self._prepare_filter_names(filter_names)
        query = self._columns_query(schema, has_filter_names, scope, kind)
        # read every row first: duckdb-engine runs all statements of a connection on one cursor, and
        # the type loader below may query while the rows are still being read
        rows = list(connection.execute(query, params).mappings())
        return self._get_columns_info(rows, _NamedTypeLoader(self, connection, kw), schema).items()
