"""Analyst clients on the published serving version: SQLAlchemy's column listing, pandas and Polars.

SQLAlchemy (the project's own env: SQLAlchemy 2.1, duckdb-engine 0.17, DuckDB 2.0.1) lists the
columns of every BI table through the ``duckdb+rolwh`` dialect, while plain ``duckdb://`` still hits
the upstream pg_collation bug (https://github.com/Mause/duckdb_engine/issues/1391): when that test
starts failing, duckdb-engine has released the fix and the dialect can go. pandas and Polars read the
Parquet copy of every table and agree with the DuckDB file, row for row.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from rolwh.core.settings import Settings
from tests.serving.bi_targets import STREET_FILTERS, STREET_RATE, STREET_TABLE, bi_tables, street_rate_sql


def _engine(settings: Settings, driver: str) -> sa.Engine:
    path = settings.serving_dir / "rolwh.duckdb"  # the stable path a BI tool is configured with
    return sa.create_engine(f"{driver}:///{path}?access_mode=read_only", poolclass=NullPool)


def _duckdb_columns(settings: Settings, schema: str, table: str) -> list[tuple[str, str | None]]:
    """(name, comment) of every column, in order, as DuckDB itself reports them."""
    con = duckdb.connect(str(settings.serving_dir / "rolwh.duckdb"), read_only=True)
    try:
        return con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index",
            [schema, table],
        ).fetchall()
    finally:
        con.close()


def test_sqlalchemy_lists_the_columns_of_every_bi_table(demo_published: Settings) -> None:
    tables = bi_tables(demo_published.serving_dir / "rolwh.duckdb")
    assert ("marts", STREET_TABLE[1]) in tables
    expected = {(schema, table): _duckdb_columns(demo_published, schema, table) for schema, table in tables}
    engine = _engine(demo_published, "duckdb+rolwh")
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            for (schema, table), columns in expected.items():
                listed = inspector.get_columns(table, schema=schema)
                # names in order, and the comments a BI tool shows as descriptions
                assert [(c["name"], c["comment"]) for c in listed] == columns, table
            sql, params = street_rate_sql()
            rate = conn.exec_driver_sql(sql, tuple(params)).scalar_one()
        assert rate == pytest.approx(STREET_RATE, abs=1e-4)
    finally:
        engine.dispose()


def test_plain_duckdb_engine_still_fails_on_pg_collation(demo_published: Settings) -> None:
    """The reason for ``duckdb+rolwh``: when this fails, drop rolwh/serving/sqla_dialect.py."""
    engine = _engine(demo_published, "duckdb")
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="pg_collation"):
            sa.inspect(conn).get_columns(STREET_TABLE[1], schema=STREET_TABLE[0])
    finally:
        engine.dispose()


def _parquet_folder(settings: Settings, schema: str, table: str) -> Path:
    folder = settings.serving_dir / "parquet" / f"{schema}.{table}"
    assert any(folder.rglob("*.parquet")), folder
    return folder


def _duckdb_frame(settings: Settings, schema: str, table: str) -> pd.DataFrame:
    con = duckdb.connect(str(settings.serving_dir / "rolwh.duckdb"), read_only=True)
    try:
        return con.execute(f'select * from "{schema}"."{table}"').df()
    finally:
        con.close()


def _street_rate(frame: pd.DataFrame) -> float:
    rows = frame
    for column, value in STREET_FILTERS.items():
        rows = rows[rows[column].astype(type(value)) == value]
    assert len(rows) == 1
    return float(rows["numerator"].sum() / rows["denominator"].sum())


def test_pandas_and_polars_read_every_parquet_table(demo_published: Settings) -> None:
    """Every mart table has its Parquet copy (the ``cn`` views are names over the same tables:
    Parquet readers take the English-named tables)."""
    tables = [(s, t) for s, t in bi_tables(demo_published.serving_dir / "rolwh.duckdb") if s == "marts"]
    assert len(tables) >= 10
    for schema, table in tables:
        folder = _parquet_folder(demo_published, schema, table)
        expected = len(_duckdb_frame(demo_published, schema, table))
        assert len(pd.read_parquet(folder)) == expected, table
        lazy = pl.scan_parquet(folder / "**" / "*.parquet", hive_partitioning=True)
        assert lazy.select(pl.len()).collect().item() == expected, table


def test_pandas_and_polars_get_the_2024_street_figures(demo_published: Settings) -> None:
    schema, table = STREET_TABLE
    folder = _parquet_folder(demo_published, schema, table)
    truth = _duckdb_frame(demo_published, schema, table)
    with_pandas = pd.read_parquet(folder)
    with_polars = pl.read_parquet(folder / "**" / "*.parquet", hive_partitioning=True).to_pandas()
    assert _street_rate(truth) == pytest.approx(STREET_RATE, abs=1e-4)
    for frame in (with_pandas, with_polars):
        assert _street_rate(frame) == pytest.approx(_street_rate(truth), abs=1e-12)
        year = frame[frame["year"].astype(int) == 2024]
        got = year.sort_values(["community_code", "indicator_code"])[["numerator", "denominator"]]
        want = truth[truth["year"] == 2024].sort_values(["community_code", "indicator_code"])
        assert got.astype("float").fillna(-1).values.tolist() == (
            want[["numerator", "denominator"]].astype("float").fillna(-1).values.tolist()
        )
