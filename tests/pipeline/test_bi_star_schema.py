"""The BI surface of the demo's serving file, queried the way a naive BI user or analyst would.

The demo runs through the real CLI (`rolwh demo-data`, `rolwh run`: dbt build, gate, publish);
every test reads the published serving file or its Parquet lake with real DuckDB. The figures
are the demo's: 受理 476, 调解成功 130 of 460 办结 (28.26 %).
"""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path

import duckdb
import pytest

from rolwh.serving.query import reader_path
from tests.serving.test_old_clients import _duckdb14_python

pytestmark = pytest.mark.slow

STAR_FACTS = (
    "fct_community_indicator_quarterly",
    "fct_community_indicator_annual",
    "fct_street_indicator_quarterly",
    "fct_street_indicator_annual",
)
#: Every fact of marts and the dimension key it carries.
FACTS = (*STAR_FACTS, "fct_indicator_quarterly", "fct_indicator_annual")
DIMENSIONS = (
    ("dim_community", "community_code"),
    ("dim_indicator", "indicator_code"),
    ("dim_period", "period"),
)


@pytest.fixture(scope="module")
def serving(demo_run: dict[str, object]) -> duckdb.DuckDBPyConnection:
    assert demo_run["exit_code"] == 5, demo_run[
        "output"
    ]  # 5: published, needs attention (the demo's quarantined files, overdue feeds)
    con = duckdb.connect(str(reader_path(demo_run["settings"])), read_only=True)  # type: ignore[arg-type]
    yield con
    con.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_a_sum_over_every_community_row_is_the_street_figure(serving: duckdb.DuckDBPyConnection) -> None:
    naive = "select sum({col}) from {rel} where indicator_code = 'CR_RECEIVED' and year = 2024"
    for table in ("fct_community_indicator_annual", "fct_community_indicator_quarterly"):
        assert _one(serving, naive.format(col="count_value", rel=f"marts.{table}")) == 476, table
        assert _one(serving, naive.format(col="numerator", rel=f"marts.{table}")) == 476, table
    assert _one(serving, naive.format(col="count_value", rel="marts.fct_street_indicator_annual")) == 476
    cn = "select sum(计数值) from cn.fct_community_indicator_annual where 指标代码 = 'CR_RECEIVED' and 年份 = 2024"
    assert _one(serving, cn) == 476
    # no street total hides among the community rows
    assert (
        _one(
            serving, "select count(*) from marts.fct_community_indicator_annual where community_code = 'ALL'"
        )
        == 0
    )
    assert _one(
        serving, "select count(*) from marts.fct_community_indicator_annual where community_code = 'UNKNOWN'"
    )


def test_an_average_of_the_street_ratio_is_the_street_ratio(serving: duckdb.DuckDBPyConnection) -> None:
    avg = _one(
        serving,
        "select avg(ratio_value) from marts.fct_street_indicator_annual"
        " where indicator_code = 'CR_SUCCESS_RATE' and year = 2024",
    )
    assert avg == pytest.approx(130 / 460)
    assert round(100 * float(avg), 2) == 28.26  # type: ignore[arg-type]
    cn = "select avg(比率值) from cn.fct_street_indicator_annual where 指标代码 = 'CR_SUCCESS_RATE' and 年份 = 2024"
    assert _one(serving, cn) == pytest.approx(130 / 460)


def test_the_metric_definition_recomputes_a_ratio_at_any_grain(serving: duckdb.DuckDBPyConnection) -> None:
    metric = serving.execute(
        "select expression_sql, numerator_indicator_code, denominator_indicator_code"
        " from marts.dim_metric where metric_code = 'CR_SUCCESS_RATE'"
    ).fetchone()
    assert metric == ("sum(numerator) / nullif(sum(denominator), 0)", "CR_SUCCESS", "CR_CONCLUDED")
    over = "from marts.{t} where indicator_code = 'CR_SUCCESS_RATE' and year = 2024"
    for table in ("fct_community_indicator_annual", "fct_community_indicator_quarterly"):
        assert _one(serving, f"select {metric[0]} " + over.format(t=table)) == pytest.approx(130 / 460), table
    # the naive average of the community ratios is not the figure: dim_metric is the way
    naive = _one(serving, "select avg(ratio_value) " + over.format(t="fct_community_indicator_annual"))
    assert naive != pytest.approx(130 / 460)
    ratios = _one(serving, "select count(*) from marts.dim_indicator where unit = 'ratio'")
    assert _one(serving, "select count(*) from marts.dim_metric") == ratios
    assert _one(serving, "select count(*) from marts.dim_metric where numerator_measure is null") == 0


def test_an_inner_join_of_every_fact_to_every_dimension_keeps_every_row(
    serving: duckdb.DuckDBPyConnection,
) -> None:
    for fact in FACTS:
        rows = _one(serving, f"select count(*) from marts.{fact}")
        assert rows, fact
        joins = " ".join(f"inner join marts.{dim} using ({key})" for dim, key in DIMENSIONS)
        assert _one(serving, f"select count(*) from marts.{fact} {joins}") == rows, fact
        cn_rows = _one(serving, f"select count(*) from cn.{fact}") if fact in STAR_FACTS else rows
        assert cn_rows == rows, fact
    levels = dict(serving.execute("select community_code, level from marts.dim_community").fetchall())
    assert levels["ALL"] == "street" and levels["UNKNOWN"] == "unknown"
    assert {v for k, v in levels.items() if k not in ("ALL", "UNKNOWN")} == {"community"}


def test_counts_are_bigint_and_ratios_keep_numerator_and_denominator(
    serving: duckdb.DuckDBPyConnection,
) -> None:
    types = serving.execute(
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' and table_name in (select unnest(?::varchar[]))",
        [list(STAR_FACTS)],
    ).fetchall()
    by = {(t, c): d for t, c, d in types}
    for fact in STAR_FACTS:
        for col in ("numerator", "denominator", "count_value"):
            assert by[(fact, col)] == "BIGINT", (fact, col)
        assert by[(fact, "ratio_value")] == "DOUBLE"
    missing = _one(
        serving,
        "select count(*) from marts.fct_street_indicator_annual join marts.dim_indicator using (indicator_code)"
        " where unit = 'ratio' and (numerator is null or denominator is null)",
    )
    assert missing == 0
    counts = serving.execute(
        "select distinct typeof(count_value) from marts.fct_street_indicator_annual where count_value is not null"
    ).fetchall()
    assert counts == [("BIGINT",)]


def test_every_mart_and_cn_table_and_column_has_a_chinese_and_english_comment(
    serving: duckdb.DuckDBPyConnection,
) -> None:
    columns = serving.execute(
        "select schema_name, table_name, column_name, comment from duckdb_columns()"
        " where database_name = current_database() and schema_name in ('marts', 'cn')"
    ).fetchall()
    relations = serving.execute(
        "select schema_name, table_name, comment from duckdb_tables()"
        " where database_name = current_database() and schema_name in ('marts', 'cn')"
        " union all select schema_name, view_name, comment from duckdb_views()"
        " where database_name = current_database() and schema_name in ('marts', 'cn')"
    ).fetchall()
    assert {s for s, *_ in columns} == {"marts", "cn"} and len(relations) >= 20
    bare = [f"{s}.{t}.{c}" for s, t, c, comment in columns if not comment]
    assert bare == [], "columns without a comment"
    bare_relations = [f"{s}.{t}" for s, t, comment in relations if not comment]
    assert bare_relations == [], "tables without a comment"
    both = re.compile(r"[\u4e00-\u9fff].*/.*[A-Za-z]", re.S)
    one_language = [f"{s}.{t}.{c}" for s, t, c, comment in columns if not both.search(comment)]
    assert one_language == [], "comments not in Chinese and English"
    assert {r[0] for r in relations if r[0] == "cn"} == {"cn"}


def test_cn_views_have_chinese_column_names_and_read_the_serving_file(
    serving: duckdb.DuckDBPyConnection,
) -> None:
    kinds = serving.execute(
        "select table_name, table_type from information_schema.tables where table_schema = 'cn'"
    ).fetchall()
    assert {t for t, _ in kinds} == {
        *STAR_FACTS,
        "dim_community",
        "dim_indicator",
        "dim_period",
        "dim_metric",
    }
    assert {k for _, k in kinds} == {"VIEW"}
    ascii_names = serving.execute(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'cn' and regexp_matches(column_name, '^[ -~]+$')"
    ).fetchall()
    assert ascii_names == []
    label = serving.execute(
        "select 期间名称, 社区名称, 指标名称 from cn.fct_community_indicator_quarterly"
        " where 期间 = '2024Q1' and 社区代码 = 'UNKNOWN' and 指标代码 = 'CR_RECEIVED'"
    ).fetchone()
    assert label == ("2024年第1季度", "未能归属", "受理委托诉前调解案件数")


def test_dim_period_labels_and_completeness(serving: duckdb.DuckDBPyConnection) -> None:
    rows = serving.execute(
        "select period, grain, year, quarter, label_zh, period_end, is_complete, latest_export_date"
        " from marts.dim_period order by period"
    ).fetchall()
    assert rows
    by = {r[0]: r for r in rows}
    assert by["2024Q1"][1:5] == ("quarter", 2024, 1, "2024年第1季度")
    assert by["2024"][1:5] == ("year", 2024, None, "2024年")
    assert by["2024"][6] is True
    assert all(r[6] == (r[5] <= r[7]) for r in rows)
    marts_periods = {
        p for (p,) in serving.execute("select distinct period from marts.fct_indicator_quarterly").fetchall()
    }
    assert marts_periods <= set(by)


def test_the_lake_is_partitioned_by_year_with_a_manifest(demo_run: dict[str, object]) -> None:
    lake = Path(demo_run["settings"].serving_dir) / "lake"  # type: ignore[attr-defined]
    manifest = json.loads((lake / "manifest.json").read_text())
    tables = {t["table"]: t for t in manifest["tables"]}
    assert set(STAR_FACTS) | {"dim_community", "dim_indicator", "dim_period", "dim_metric"} <= set(tables)
    con = duckdb.connect(str(reader_path(demo_run["settings"])), read_only=True)  # type: ignore[arg-type]
    try:
        for name, entry in tables.items():
            assert entry["rows"] == _one(con, f"select count(*) from marts.{name}"), name
            assert [c["name"] for c in entry["columns"]] == [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ?"
                    " and database_name = current_database() order by column_index",
                    [name],
                ).fetchall()
            ], name
            assert all(c["type"] and c["comment"] for c in entry["columns"]), name
            for rel, rows in entry["files"].items():
                assert (lake / rel).is_file(), rel
                assert _one(duckdb.connect(), f"select count(*) from read_parquet('{lake / rel}')") == rows
    finally:
        con.close()
    annual = tables["fct_community_indicator_annual"]
    assert annual["partitioned_by"] == ["year"]
    assert "fct_community_indicator_annual/year=2024/data.parquet" in annual["files"]
    assert tables["dim_indicator"]["files"] == {"dim_indicator/data.parquet": tables["dim_indicator"]["rows"]}
    reader = duckdb.connect()
    glob = str(lake / "fct_community_indicator_annual" / "*" / "*.parquet")
    total = _one(
        reader,
        f"select sum(count_value) from read_parquet('{glob}', hive_partitioning = true)"
        " where indicator_code = 'CR_RECEIVED' and year = 2024",
    )
    assert total == 476
    in_file = reader.execute(
        f"select name from parquet_schema('{lake / 'fct_community_indicator_annual' / 'year=2024' / 'data.parquet'}')"
    ).fetchall()
    assert ("year",) not in in_file and ("count_value",) in in_file


def test_a_duckdb_1_4_client_reads_the_cn_views_and_comments(demo_run: dict[str, object]) -> None:
    python = _duckdb14_python()
    script = textwrap.dedent(
        """
        import duckdb, json, sys
        con = duckdb.connect(sys.argv[1], read_only=True)
        total = con.execute(
            "select sum(计数值) from cn.fct_community_indicator_annual where 指标代码 = 'CR_RECEIVED' and 年份 = 2024"
        ).fetchone()[0]
        bare = con.execute(
            "select count(*) from duckdb_columns() where database_name = current_database()"
            " and schema_name in ('marts', 'cn') and comment is null"
        ).fetchone()[0]
        print(json.dumps({"version": duckdb.__version__, "total": int(total), "bare": bare}))
        """
    )
    done = subprocess.run(
        [str(python), "-c", script, str(reader_path(demo_run["settings"]))],  # type: ignore[arg-type]
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"version": json.loads(done.stdout)["version"], "total": 476, "bare": 0}
    assert json.loads(done.stdout)["version"].startswith("1.4")
