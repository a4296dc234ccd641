"""Apache Superset, installed from the package index and started on loopback, reads the serving file.

Through Superset's REST API only (login, CSRF token): add the serving database read-only, add a
dataset for every table of the BI schemas (Superset lists its columns through SQLAlchemy, so a
broken column listing fails here), and run a chart query that computes the street-wide rate as
summed numerator over summed denominator.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from rolwh.core.settings import Settings
from tests.serving.bi_targets import STREET_FILTERS, STREET_RATE, STREET_TABLE, bi_tables
from tests.serving.superset_harness import Superset, running_superset


def _columns(serving_file: Path, tables: list[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    con = duckdb.connect(str(serving_file), read_only=True)
    try:
        return {
            (s, t): sorted(r[0] for r in con.execute(f'describe "{s}"."{t}"').fetchall()) for s, t in tables
        }
    finally:
        con.close()


def _add_datasets(superset: Superset, database: int, expected: dict[tuple[str, str], list[str]]) -> dict:
    """One dataset per table; each one's columns as Superset listed them."""
    ids = {}
    for schema, table in expected:
        created = superset.call(
            "POST", "/api/v1/dataset/", json={"database": database, "schema": schema, "table_name": table}
        )
        detail = superset.call("GET", f"/api/v1/dataset/{created['id']}")["result"]
        assert sorted(c["column_name"] for c in detail["columns"]) == expected[(schema, table)], table
        ids[(schema, table)] = created["id"]
    return ids


@pytest.mark.slow
@pytest.mark.bi
def test_superset_adds_every_table_and_charts_the_street_rate(
    demo_published: Settings, tmp_path: Path
) -> None:
    serving_file = demo_published.serving_dir / "rolwh.duckdb"  # the stable path, absolute: four slashes
    # Superset's metadata keeps one dataset per table name (SQLite: UNIQUE tables.table_name), and
    # the cn views carry the star tables' names: every table of marts gets its dataset.
    expected = _columns(serving_file, [(s, t) for s, t in bi_tables(serving_file) if s == "marts"])
    assert STREET_TABLE in expected and len(expected) >= 10
    with running_superset(tmp_path / "superset") as superset:
        database = superset.call(
            "POST",
            "/api/v1/database/",
            json={
                "database_name": "rolwh",
                "sqlalchemy_uri": f"duckdb:///{serving_file}?access_mode=read_only",
                "expose_in_sqllab": True,
            },
        )["id"]
        datasets = _add_datasets(superset, database, expected)
        chart = superset.call(
            "POST",
            "/api/v1/chart/data",
            json={
                "datasource": {"id": datasets[STREET_TABLE], "type": "table"},
                "force": True,
                "queries": [
                    {
                        "columns": [],
                        "metrics": [
                            {
                                "expressionType": "SQL",
                                "sqlExpression": "SUM(numerator) * 1.0 / SUM(denominator)",
                                "label": "rate",
                            }
                        ],
                        "filters": [{"col": c, "op": "==", "val": v} for c, v in STREET_FILTERS.items()],
                        "row_limit": 10,
                    }
                ],
                "result_format": "json",
                "result_type": "full",
            },
        )
    rows = chart["result"][0]["data"]
    assert len(rows) == 1
    assert rows[0]["rate"] == pytest.approx(STREET_RATE, abs=1e-4)
