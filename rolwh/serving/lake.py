"""The Parquet copy of the marts for lake tools (pandas, Polars, Spark, Power Query, DuckDB).

Layout of a serving version's ``lake/`` folder (``serving/lake -> current/lake``)::

    <table>/year=2024/data.parquet     a table with a ``year`` column: one file per year (Hive
                                       partitioning; the year is in the path, not in the file)
    <table>/data.parquet               a table without one (the dimensions)
                                       (a year-partitioned table without rows has no file yet;
                                       its manifest entry says 0 rows and lists no files)
    manifest.json                      every table: its files, columns (name, type, comment), rows

File names are stable: a reader or a saved Power Query / Spark job points at the same path every
night. ``pandas.read_parquet(lake / table)``, ``polars.scan_parquet(lake / table / "**/*.parquet",
hive_partitioning=True)`` and DuckDB's ``read_parquet('<table>/*/*.parquet', hive_partitioning =
true)`` get the year back as a column. The ``parquet/<schema>.<table>/data.parquet`` folder of
rolwh.serving.publish stays as it was: the district roll-up and rolwh's own checks read it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolwh.serving.described import identifier

if TYPE_CHECKING:
    import duckdb

LAKE_DIR = "lake"
MANIFEST = "manifest.json"
#: Schemas exported to the lake (audit stays in the serving file).
LAKE_SCHEMAS: tuple[str, ...] = ("marts",)
PARTITION_COLUMN = "year"
DATA_FILE = "data.parquet"


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[dict[str, Any]]:
    rows = con.execute(
        """
        select column_name, data_type, comment from duckdb_columns()
        where database_name = ? and schema_name = ? and table_name = ?
        order by column_index
        """,
        [catalog, schema, table],
    ).fetchall()
    return [{"name": str(n), "type": str(t), "comment": c} for n, t, c in rows]


def _table_comment(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> str | None:
    row = con.execute(
        "select comment from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [catalog, schema, table],
    ).fetchone()
    return None if row is None else row[0]


def write_lake(con: duckdb.DuckDBPyConnection, catalog: str, folder: Path, version: str) -> dict[str, Any]:
    """Write every table of ``LAKE_SCHEMAS`` of ``catalog`` under ``folder`` and the manifest."""
    folder.mkdir(parents=True)
    tables = con.execute(
        """
        select schema_name, table_name from duckdb_tables()
        where database_name = ? and schema_name in (select unnest(?::varchar[]))
        order by schema_name, table_name
        """,
        [catalog, list(LAKE_SCHEMAS)],
    ).fetchall()
    entries = []
    for schema, table in tables:
        relation = f"{identifier(catalog)}.{identifier(str(schema))}.{identifier(str(table))}"
        columns = _columns(con, catalog, str(schema), str(table))
        target = folder / str(table)
        target.mkdir()
        files: dict[str, int] = {}
        partitioned = any(c["name"] == PARTITION_COLUMN for c in columns)
        if partitioned:
            years = [y for (y,) in con.execute(f"select distinct year from {relation} order by 1").fetchall()]
            for year in years:
                path = target / f"{PARTITION_COLUMN}={year}" / DATA_FILE
                path.parent.mkdir()
                where = "year is null" if year is None else f"year = {int(year)}"
                con.execute(
                    f"copy (select * exclude (year) from {relation} where {where}) to ? "
                    "(format parquet, compression zstd)",
                    [str(path)],
                )
                (rows,) = con.execute(f"select count(*) from {relation} where {where}").fetchone() or (0,)
                files[path.relative_to(folder).as_posix()] = int(rows)
        else:
            path = target / DATA_FILE
            con.execute(
                f"copy (select * from {relation}) to ? (format parquet, compression zstd)", [str(path)]
            )
            (rows,) = con.execute(f"select count(*) from {relation}").fetchone() or (0,)
            files[path.relative_to(folder).as_posix()] = int(rows)
        entries.append(
            {
                "table": str(table),
                "schema": str(schema),
                "comment": _table_comment(con, catalog, str(schema), str(table)),
                "partitioned_by": [PARTITION_COLUMN] if partitioned else [],
                "rows": sum(files.values()),
                "files": files,
                "columns": columns,
            }
        )
    manifest = {"version": version, "format": "parquet", "partitioning": "hive", "tables": entries}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return manifest
