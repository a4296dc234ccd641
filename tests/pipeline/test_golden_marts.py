"""A run on the demo landing area gives the same marts as the reference run.

``tests/golden/demo_marts.csv`` was written from the serving file of `rolwh run` on `rolwh demo-data`
(seed 2024) at commit 8b48d37, before the code base was restructured: every indicator, period and
community, quarterly and annual. A refactor must leave every one of its rows unchanged; a
change of a definition changes this file in the same commit, on purpose. The ten ledger
indicators of issue 18 (LA_*, PB_*) were added (1,190 rows, the 2,800 earlier ones unchanged) from
the same kind of run, rows ordered by grain, period, community and indicator, floats as Python
``repr``, NULL as an empty field.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from rolwh.serving.query import reader_path

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "demo_marts.csv"
MARTS = """
    select 'quarterly' as grain, period, community_code, indicator_code,
        numerator::double as numerator, denominator::double as denominator, round(value, 10) as value
    from marts.fct_indicator_quarterly
    union all
    select 'annual', period, community_code, indicator_code,
        numerator::double, denominator::double, round(value, 10)
    from marts.fct_indicator_annual
"""


def test_demo_marts_equal_the_reference_run(demo_run: dict[str, object]) -> None:
    con = duckdb.connect(str(reader_path(demo_run["settings"])), read_only=True)
    con.execute(f"create temp table now as {MARTS}")
    con.execute(
        "create temp table golden as select * from read_csv(?, header = true, all_varchar = false,"
        " types = {'period': 'VARCHAR', 'numerator': 'DOUBLE', 'denominator': 'DOUBLE', 'value': 'DOUBLE'})",
        [str(GOLDEN)],
    )
    counts = con.execute("select (select count(*) from now), (select count(*) from golden)").fetchone()
    assert counts == (3990, 3990)
    differ = con.execute(
        """
        select coalesce(n.grain, g.grain), coalesce(n.period, g.period), coalesce(n.community_code, g.community_code),
            coalesce(n.indicator_code, g.indicator_code), g.numerator, n.numerator, g.denominator, n.denominator,
            g.value, n.value
        from now as n full outer join golden as g
            on n.grain = g.grain and n.period = g.period and n.community_code = g.community_code
            and n.indicator_code = g.indicator_code
        where n.grain is null or g.grain is null
            or n.numerator is distinct from g.numerator
            or n.denominator is distinct from g.denominator
            or abs(coalesce(n.value, -1) - coalesce(g.value, -1)) > 1e-9
            or (n.value is null) <> (g.value is null)
        order by 1, 2, 3, 4 limit 20
        """
    ).fetchall()
    assert differ == [], (
        "marts differ from the reference run (grain, period, community, indicator, "
        "golden/now numerator, denominator, value): " + repr(differ)
    )
