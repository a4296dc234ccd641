"""docs/bi.md: its analyst queries run read-only on the serving file and its paths are the real ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rolwh.core.settings import Settings
from rolwh.serving.query import open_reader

DOC = Path(__file__).resolve().parents[2] / "docs" / "bi.md"
QUERIES = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_bi_doc_has_the_analyst_queries() -> None:
    assert len(QUERIES) >= 4
    assert "access_mode=read_only" in DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("sql", QUERIES, ids=[f"query{i + 1}" for i in range(len(QUERIES))])
def test_bi_doc_query_answers_on_the_serving_file(published: Settings, sql: str) -> None:
    con = open_reader(published)
    try:
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    assert rows, sql


def test_bi_doc_parquet_path_exists(published: Settings) -> None:
    assert (published.serving_dir / "parquet" / "marts.fct_indicator_quarterly" / "data.parquet").is_file()
