"""Snapshots of a finished run, to compare two runs: the published marts and the raw row counts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rolwh.core.settings import Settings

#: Columns that say when or by which run something was built, not what it holds.
RUN_COLUMNS_SUFFIXES = ("built_at", "loaded_at", "published_at", "_load_id", "run_id", "_dbt_run_at")


def _rows(con, table: str) -> list[tuple]:
    cols = [r[0] for r in con.execute(f"describe {table}").fetchall()]  # table names from the catalog
    kept = [c for c in cols if not c.endswith(RUN_COLUMNS_SUFFIXES)]
    select = ", ".join(f'"{c}"' for c in kept)
    rows = con.execute(f"select {select} from {table}").fetchall()
    norm = [tuple(round(float(v), 9) if isinstance(v, float | Decimal) else v for v in r) for r in rows]
    return sorted(norm, key=repr)


def marts_snapshot(settings: Settings) -> dict[str, list[tuple]]:
    """Every published mart table (schema marts of the serving file), rows sorted."""
    import duckdb

    path = Path(settings.serving_dir) / "rolwh.duckdb"
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            f"marts.{name}"
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {t: _rows(con, t) for t in tables}
    finally:
        con.close()


def raw_counts(settings: Settings) -> dict[str, int]:
    """Rows per raw table of the working warehouse (a re-run must not add any)."""
    import duckdb

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        names = [
            n
            for (n,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
            ).fetchall()
        ]
        return {n: con.execute(f"select count(*) from raw.{n}").fetchone()[0] for n in names}
    finally:
        con.close()
