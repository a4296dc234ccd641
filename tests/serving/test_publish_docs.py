"""Publishing keeps the descriptions and the cn views, and writes the Parquet lake by year."""

from __future__ import annotations

import json

import duckdb

from rolwh.core.settings import Settings
from rolwh.serving.publish import publish

TABLE_NOTE = "年度指标 / Annual indicators (it's the long form)"
COLUMN_NOTE = "指标值 / Value; 'quoted'"
VIEW_NOTE = "值 / value"


def _describe(settings: Settings) -> None:
    """What dbt's persist_docs and the cn models leave in the working file."""
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        con.execute(
            f"comment on table marts.fct_indicator_annual is '{TABLE_NOTE.replace(chr(39), chr(39) * 2)}'"
        )
        con.execute(
            f"comment on column marts.fct_indicator_annual.value is '{COLUMN_NOTE.replace(chr(39), chr(39) * 2)}'"
        )
        con.execute("create schema cn")
        con.execute(
            'create view cn.fct_indicator_annual as select year as "年份", indicator_code as "指标代码",'
            ' value as "值" from marts.fct_indicator_annual'
        )
        con.execute(f"comment on view cn.fct_indicator_annual is '{VIEW_NOTE}'")
        con.execute(f"comment on column cn.fct_indicator_annual.\"值\" is '{VIEW_NOTE}'")
    finally:
        con.close()


def test_publish_keeps_comments_and_recreates_cn_views_over_the_serving_file(working: Settings) -> None:
    _describe(working)
    result = publish(working)
    working.warehouse_path.rename(working.warehouse_path.with_suffix(".moved"))  # the views must not need it
    con = duckdb.connect(str(result.serving_path), read_only=True)
    try:
        assert con.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = 'fct_indicator_annual'"
        ).fetchone() == (TABLE_NOTE,)
        assert con.execute(
            "select comment from duckdb_columns() where schema_name = 'marts'"
            " and table_name = 'fct_indicator_annual' and column_name = 'value'"
        ).fetchone() == (COLUMN_NOTE,)
        assert con.execute(
            "select table_type from information_schema.tables where table_schema = 'cn'"
        ).fetchall() == [("VIEW",)]
        assert con.execute("select comment from duckdb_views() where schema_name = 'cn'").fetchone() == (
            VIEW_NOTE,
        )
        assert con.execute(
            "select comment from duckdb_columns() where schema_name = 'cn' and column_name = '值'"
        ).fetchone() == (VIEW_NOTE,)
        (total,) = con.execute(
            "select sum(值) from cn.fct_indicator_annual where 年份 = 2024 and 指标代码 = 'CR_RECEIVED'"
        ).fetchone()
        (same,) = con.execute(
            "select sum(value) from marts.fct_indicator_annual where year = 2024 and indicator_code = 'CR_RECEIVED'"
        ).fetchone()
        assert total == same and total > 0
    finally:
        con.close()


def test_the_lake_has_one_stable_file_per_table_and_year_and_a_manifest(working: Settings) -> None:
    first = publish(working)
    lake = working.serving_dir / "lake"
    assert lake.is_symlink() and lake.resolve() == first.version_path.parent.resolve() / "lake"
    files_first = sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*.parquet"))
    manifest = json.loads((lake / "manifest.json").read_text())
    assert manifest["version"] == first.version
    tables = {t["table"]: t for t in manifest["tables"]}
    assert set(tables) == {name.split(".", 1)[1] for name in first.tables if name.startswith("marts.")}
    con = duckdb.connect(str(first.serving_path), read_only=True)
    years = sorted(
        y for (y,) in con.execute("select distinct year from marts.fct_indicator_annual").fetchall()
    )
    con.close()
    annual = tables["fct_indicator_annual"]
    assert annual["partitioned_by"] == ["year"]
    assert sorted(annual["files"]) == [f"fct_indicator_annual/year={y}/data.parquet" for y in years]
    assert annual["rows"] == first.tables["marts.fct_indicator_annual"] == sum(annual["files"].values())
    assert [c["name"] for c in annual["columns"]][:2] == ["year", "period"]
    assert tables["dim_indicator"]["files"] == {"dim_indicator/data.parquet": tables["dim_indicator"]["rows"]}
    reader = duckdb.connect()
    (rows,) = reader.execute(
        "select count(*) from read_parquet(?, hive_partitioning = true)",
        [str(lake / "fct_indicator_annual" / "*" / "*.parquet")],
    ).fetchone()
    assert rows == annual["rows"]
    second = publish(working)
    assert second.version != first.version
    assert sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*.parquet")) == files_first
    assert "lake" in second.render()
