"""What the BI client tests read: every table of the published schemas, and the street figure they check.

The figure is the street-wide success rate of commissioned mediation in 2024 (28.26 % in the report),
computed the way a BI tool must compute a ratio: summed numerator over summed denominator.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

#: The schemas a BI tool is pointed at (``cn``: the Chinese-named views, once they exist).
BI_SCHEMAS = ("marts", "cn")
#: Where the street-wide annual figure lives, and the filters that select it.
STREET_TABLE = (
    "marts",
    "fct_street_indicator_annual",
)  # one row per indicator and year: no ALL filter to forget
STREET_FILTERS = {"indicator_code": "CR_SUCCESS_RATE", "year": 2024}
STREET_RATE = 0.2826


def bi_tables(serving_file: Path) -> list[tuple[str, str]]:
    """(schema, table or view) of every relation of the BI schemas in the serving file."""
    con = duckdb.connect(str(serving_file), read_only=True)
    try:
        rows = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in (?, ?) "
            "union all select schema_name, view_name from duckdb_views() "
            "where schema_name in (?, ?) and not internal order by 1, 2",
            [*BI_SCHEMAS, *BI_SCHEMAS],
        ).fetchall()
    finally:
        con.close()
    return [(s, t) for s, t in rows]


def street_rate_sql() -> tuple[str, list[object]]:
    """The ratio query (sum of numerators over sum of denominators) and its parameters."""
    schema, table = STREET_TABLE
    where = " and ".join(f"{column} = ?" for column in STREET_FILTERS)
    sql = f"select sum(numerator) / sum(denominator) from {schema}.{table} where {where}"
    return sql, list(STREET_FILTERS.values())
