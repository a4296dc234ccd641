"""The expectation suites, as code: which DataFrame each suite validates and with which expectations.

Every check is a real GX expectation on a pandas DataFrame read from DuckDB. Cross-table checks
(quarter sums, ALL = communities + UNKNOWN, export gaps, volumes) are computed in SQL/pandas into a
small frame whose ``difference`` / ``excess`` column an expectation then validates, so every check
appears in the GX results and the Data Docs.

Severity of a check (``meta.severity``): ``blocking`` always blocks publication; ``completeness``
blocks a freeze and only warns on nightly runs; ``warning`` never blocks.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from expectations.config import QualityConfig
from rolwh.contracts import FEEDS, Feed, Kind

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

BLOCKING = "blocking"
COMPLETENESS = "completeness"
WARNING = "warning"

MART_FACT_COLUMNS = (
    "year",
    "period",
    "period_start",
    "period_end",
    "community_code",
    "indicator_code",
    "numerator",
    "denominator",
    "value",
)
DIM_INDICATOR_COLUMNS = (
    "indicator_code",
    "name_zh",
    "name_en",
    "unit",
    "kind",
    "scope",
    "source_feed",
    "definition_zh",
)
DIM_COMMUNITY_COLUMNS = ("community_code", "name_zh", "kind")
SPECIAL_COMMUNITIES = ("ALL", "UNKNOWN")


@dataclass
class Check:
    """One expectation plus how a failure is told to a person."""

    expectation: Any  # a great_expectations.expectations.* instance
    severity: str
    what: str  # what the check means, in words
    column: str | None = None
    label: Callable[[Any], str] | None = None  # describes one unexpected row (a pandas row)
    labels_only: bool = False  # the message is the row labels (cross-table checks)


@dataclass
class Validation:
    """A DataFrame and the checks a suite runs on it."""

    suite: str
    table: str
    frame: pd.DataFrame
    checks: list[Check] = field(default_factory=list)


@dataclass
class Problem:
    """A check that could not even run (table missing): reported like a failed expectation."""

    suite: str
    table: str
    expectation: str
    severity: str
    message: str


def _gx() -> Any:
    import great_expectations as gx

    return gx.expectations


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def _columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
        " order by ordinal_position",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows]


def _raw_row(row: Any) -> str:
    return f"{row.get('_file_name')} row {row.get('_row_number')}"


def _mart_row(row: Any) -> str:
    return f"{row.get('period')} {row.get('community_code')} {row.get('indicator_code')}"


def read_frame(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    """The result of ``sql`` as a DataFrame, through Arrow (10-25x faster than DuckDB's ``.df()`` for
    wide string tables), with ``.df()``'s dtypes: nullable integers and booleans, DECIMAL as float64,
    dates as datetime64 (the gate hands GX nanoseconds: expectations.gate.nanosecond_times)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    cursor = con.cursor()  # its own result: other results of ``con`` may still be open
    try:
        table = cursor.sql(sql, params=list(params) if params else None).to_arrow_table()
    finally:
        cursor.close()
    for i, f in enumerate(table.schema):
        if pa.types.is_decimal(f.type):
            table = table.set_column(i, f.name, pc.cast(table.column(i), pa.float64()))
    nullable = {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    return table.to_pandas(date_as_object=False, types_mapper=nullable.get)


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day)


# -- raw layer ------------------------------------------------------------------------------------
def raw_validations(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, today: dt.date
) -> tuple[list[Validation], list[Problem]]:
    """One suite per feed on ``raw.<feed>``: columns, required values, codes, ranges, ID checks."""
    E = _gx()
    out: list[Validation] = []
    problems: list[Problem] = []
    for feed in FEEDS:
        suite = f"raw_{feed.name}"
        if not _exists(con, "raw", feed.name):
            problems.append(Problem(suite, feed.table, "table_exists", BLOCKING, f"{feed.table} is missing"))
            continue
        present = set(_columns(con, "raw", feed.name))
        # the column set is checked on the catalog (the frame below holds only what checks read)
        problems.extend(
            Problem(
                suite,
                feed.table,
                "expect_table_columns_to_match_set",
                BLOCKING,
                f"contract column {n} is missing",
            )
            for n, _ in feed.raw_columns()
            if n not in present
        )
        checks = [c for c in _raw_column_checks(feed, cfg, today) if c.column in present]
        select = [n for n in ("_file_name", "_row_number") if n in present]
        select += dict.fromkeys(c.column for c in checks if c.column not in select)
        times = ("reported_at", "dispatched_at", "arrived_at", "first_handled_at")
        if feed.name == "dispatch_events" and set(times) <= present:
            select.append(
                "coalesce(dispatched_at < reported_at or arrived_at < reported_at"
                " or first_handled_at < reported_at, false) as has_negative_duration"
            )
            checks.append(
                Check(
                    E.ExpectColumnValuesToBeInSet(
                        column="has_negative_duration",
                        value_set=[False],
                        mostly=1 - cfg.max_negative_duration_share,
                    ),
                    WARNING,
                    "share of events with a time before 上报时间 at most "
                    f"{cfg.max_negative_duration_share:.1%}",
                    column="has_negative_duration",
                    label=_raw_row,
                )
            )
        # Only the columns the checks read: GX filters the whole frame for each expectation, so
        # a narrow frame is what keeps the gate fast (names come from the contract and the catalog).
        frame = read_frame(con, f"select {', '.join(select)} from {feed.table}")
        v = Validation(suite, feed.table, frame, checks)
        out.append(v)
    return out, problems


def _raw_column_checks(feed: Feed, cfg: QualityConfig, today: dt.date) -> list[Check]:
    E = _gx()
    checks: list[Check] = []
    for col in feed.columns:
        stored = [n for n, _ in col.raw_columns()]
        if col.required and stored:
            name = stored[0]
            checks.append(
                Check(
                    E.ExpectColumnValuesToNotBeNull(column=name),
                    BLOCKING,
                    f"required column {col.header} is filled",
                    column=name,
                    label=_raw_row,
                )
            )
        if col.kind is Kind.CODE:
            checks.append(
                Check(
                    E.ExpectColumnValuesToBeInSet(column=col.name, value_set=list(col.codes)),
                    BLOCKING,
                    f"{col.header} holds one of {'|'.join(col.codes)}",
                    column=col.name,
                    label=_raw_row,
                )
            )
        if col.kind in (Kind.DATE, Kind.DATETIME):
            future_ok = f"{feed.name}.{col.name}" in cfg.future_date_columns
            kwargs: dict[str, Any] = {"min_value": _ts(cfg.date_min)}
            if not future_ok:
                kwargs["max_value"] = _ts(cfg.date_max(today))
            checks.append(
                Check(
                    E.ExpectColumnValuesToBeBetween(column=col.name, **kwargs),
                    BLOCKING,
                    f"{col.header} between {cfg.date_min} and "
                    + ("any later date" if future_ok else str(cfg.date_max(today))),
                    column=col.name,
                    label=_raw_row,
                )
            )
        if col.kind in (Kind.INT, Kind.DECIMAL) and (col.min_value is not None or col.max_value is not None):
            checks.append(
                Check(
                    E.ExpectColumnValuesToBeBetween(
                        column=col.name, min_value=col.min_value, max_value=col.max_value
                    ),
                    BLOCKING,
                    f"{col.header} within [{col.min_value}, {col.max_value}] (no negative counts)",
                    column=col.name,
                    label=_raw_row,
                )
            )
        if col.kind is Kind.PII_ID:
            name = f"{col.name}_valid"
            checks.append(
                Check(
                    E.ExpectColumnValuesToBeInSet(
                        column=name, value_set=[True], mostly=1 - cfg.max_invalid_id_share
                    ),
                    WARNING,
                    f"share of {col.header} with a bad check character at most "
                    f"{cfg.max_invalid_id_share:.1%}",
                    column=name,
                    label=_raw_row,
                )
            )
        if col.kind is Kind.PII_ID_LIST:
            name = f"{col.name}_invalid_count"
            checks.append(
                Check(
                    E.ExpectColumnValuesToBeBetween(
                        column=name, max_value=0, mostly=1 - cfg.max_invalid_id_share
                    ),
                    WARNING,
                    f"share of rows with a bad {col.header} check character at most "
                    f"{cfg.max_invalid_id_share:.1%}",
                    column=name,
                    label=_raw_row,
                )
            )
    return checks


# -- latest versions (staging) --------------------------------------------------------------------
def latest_validations(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig
) -> tuple[list[Validation], list[Problem]]:
    """Key uniqueness after latest-wins, on the staging relation of each feed (configured)."""
    E = _gx()
    out: list[Validation] = []
    problems: list[Problem] = []
    for feed_name, spec in cfg.latest_relations.items():
        schema, name = str(spec["relation"]).split(".", 1)
        key = [str(k) for k in spec["key"]]
        suite = f"latest_{feed_name}"
        if not _exists(con, schema, name):
            problems.append(
                Problem(
                    suite,
                    f"{schema}.{name}",
                    "table_exists",
                    WARNING,
                    f"{schema}.{name} does not exist: latest-version key not checked",
                )
            )
            continue
        cols = _columns(con, schema, name)
        missing = [k for k in key if k not in cols]
        if missing:
            problems.append(
                Problem(
                    suite,
                    f"{schema}.{name}",
                    "key_columns_exist",
                    BLOCKING,
                    f"key columns {missing} missing from {schema}.{name} (has {cols})",
                )
            )
            continue
        # identifiers come from the catalog check above, never from data files
        frame = read_frame(
            con, f'select {", ".join(chr(34) + k + chr(34) for k in key)} from "{schema}"."{name}"'
        )
        v = Validation(suite, f"{schema}.{name}", frame)
        v.checks.append(
            Check(
                E.ExpectCompoundColumnsToBeUnique(column_list=key)
                if len(key) > 1
                else E.ExpectColumnValuesToBeUnique(column=key[0]),
                BLOCKING,
                f"one latest version per key ({', '.join(key)})",
                column=",".join(key),
                label=lambda r, key=key: "key " + "/".join(str(r.get(k)) for k in key),
            )
        )
        out.append(v)
    return out, problems


# -- marts ----------------------------------------------------------------------------------------
def mart_validations(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, today: dt.date, year: int | None
) -> tuple[list[Validation], list[Problem]]:
    """Suites on the published marts and their cross-table consistency."""
    E = _gx()
    problems: list[Problem] = []
    needed = ("fct_indicator_quarterly", "fct_indicator_annual", "dim_indicator", "dim_community")
    missing = [n for n in needed if not _exists(con, "marts", n)]
    for n in missing:
        problems.append(
            Problem(f"marts_{n}", f"marts.{n}", "table_exists", BLOCKING, f"marts.{n} is missing")
        )
    if missing:
        return [], problems

    out: list[Validation] = []
    ind = read_frame(con, "select * from marts.dim_indicator")
    v = Validation("marts_dim_indicator", "marts.dim_indicator", ind)
    v.checks.append(
        Check(
            E.ExpectTableColumnsToMatchSet(column_set=list(DIM_INDICATOR_COLUMNS), exact_match=False),
            BLOCKING,
            "dim_indicator has its contract columns",
        )
    )
    for col, values in (
        ("unit", ["count", "ratio"]),
        ("kind", ["flow", "cohort", "stock"]),
        ("scope", ["community", "subdistrict"]),
    ):
        v.checks.append(
            Check(
                E.ExpectColumnValuesToNotBeNull(column=col),
                BLOCKING,
                f"{col} filled",
                column=col,
                label=lambda r: str(r.get("indicator_code")),
            )
        )
        v.checks.append(
            Check(
                E.ExpectColumnValuesToBeInSet(column=col, value_set=values),
                BLOCKING,
                f"{col} in {'|'.join(values)}",
                column=col,
                label=lambda r: str(r.get("indicator_code")),
            )
        )
    v.checks.append(
        Check(
            E.ExpectColumnValuesToBeUnique(column="indicator_code"),
            BLOCKING,
            "one row per indicator",
            column="indicator_code",
        )
    )
    out.append(v)

    com = read_frame(con, "select * from marts.dim_community")
    v = Validation("marts_dim_community", "marts.dim_community", com)
    v.checks.append(
        Check(
            E.ExpectTableColumnsToMatchSet(column_set=list(DIM_COMMUNITY_COLUMNS), exact_match=False),
            BLOCKING,
            "dim_community has its contract columns",
        )
    )
    v.checks.append(
        Check(
            E.ExpectColumnValuesToNotBeNull(column="community_code"),
            BLOCKING,
            "community_code filled",
            column="community_code",
        )
    )
    v.checks.append(
        Check(
            E.ExpectColumnValuesToBeUnique(column="community_code"),
            BLOCKING,
            "one row per community",
            column="community_code",
        )
    )
    out.append(v)

    indicator_codes = sorted(ind["indicator_code"].dropna().astype(str).unique().tolist())
    community_codes = sorted({*com["community_code"].dropna().astype(str).tolist(), *SPECIAL_COMMUNITIES})
    where = "where f.year = ?" if year is not None else ""
    params = [year] if year is not None else []
    for table, key in (
        ("fct_indicator_quarterly", ["period", "community_code", "indicator_code"]),
        ("fct_indicator_annual", ["year", "community_code", "indicator_code"]),
    ):
        frame = read_frame(
            con,
            f"select f.*, d.unit as _unit, d.kind as _kind from marts.{table} as f"
            f" left join marts.dim_indicator as d on d.indicator_code = f.indicator_code {where}",
            params,
        )
        cols = [*MART_FACT_COLUMNS, *(("quarter",) if "quarterly" in table else ())]
        v = Validation(f"marts_{table}", f"marts.{table}", frame)
        v.checks.append(
            Check(
                E.ExpectTableColumnsToMatchSet(column_set=cols, exact_match=False),
                BLOCKING,
                f"{table} has its contract columns",
            )
        )
        for col in ("year", "period", "period_start", "period_end", "community_code", "indicator_code"):
            v.checks.append(
                Check(
                    E.ExpectColumnValuesToNotBeNull(column=col),
                    BLOCKING,
                    f"{col} filled",
                    column=col,
                    label=_mart_row,
                )
            )
        if "quarterly" in table:
            v.checks.append(
                Check(
                    E.ExpectColumnValuesToBeBetween(column="quarter", min_value=1, max_value=4),
                    BLOCKING,
                    "quarter in 1..4",
                    column="quarter",
                    label=_mart_row,
                )
            )
        v.checks.append(
            Check(
                E.ExpectColumnValuesToBeInSet(column="indicator_code", value_set=indicator_codes),
                BLOCKING,
                "indicator_code is in dim_indicator",
                column="indicator_code",
                label=_mart_row,
            )
        )
        v.checks.append(
            Check(
                E.ExpectColumnValuesToBeInSet(column="community_code", value_set=community_codes),
                BLOCKING,
                "community_code is in dim_community, ALL or UNKNOWN",
                column="community_code",
                label=_mart_row,
            )
        )
        v.checks.append(
            Check(
                E.ExpectCompoundColumnsToBeUnique(column_list=key),
                BLOCKING,
                f"one row per ({', '.join(key)})",
                column=",".join(key),
                label=_mart_row,
            )
        )
        for col in ("period_start", "period_end"):
            v.checks.append(
                Check(
                    E.ExpectColumnValuesToBeBetween(
                        column=col,
                        min_value=_ts(cfg.date_min),
                        max_value=_ts(cfg.date_max(today) + dt.timedelta(days=366)),
                    ),
                    BLOCKING,
                    f"{col} in a sane range",
                    column=col,
                    label=_mart_row,
                )
            )
        out.append(v)

        counts = frame[frame["_unit"] == "count"].reset_index(drop=True)
        v = Validation(f"marts_{table}_counts", f"marts.{table}", counts)
        for col in ("numerator", "value"):
            v.checks.append(
                Check(
                    E.ExpectColumnValuesToBeBetween(column=col, min_value=0),
                    BLOCKING,
                    "no negative counts",
                    column=col,
                    label=_mart_row,
                )
            )
        out.append(v)

        ratios = frame[frame["_unit"] == "ratio"].reset_index(drop=True)
        v = Validation(f"marts_{table}_ratios", f"marts.{table}", ratios)
        v.checks.append(
            Check(
                E.ExpectColumnValuesToBeBetween(column="value", min_value=0, max_value=1),
                BLOCKING,
                "ratios within [0, 1]",
                column="value",
                label=_mart_row,
            )
        )
        for col in ("numerator", "denominator"):
            v.checks.append(
                Check(
                    E.ExpectColumnValuesToBeBetween(column=col, min_value=0),
                    BLOCKING,
                    f"ratio {col}s not negative",
                    column=col,
                    label=_mart_row,
                )
            )
        out.append(v)

        stocks = frame[frame["_kind"] == "stock"].reset_index(drop=True)
        v = Validation(f"marts_{table}_stocks", f"marts.{table}", stocks)
        v.checks.append(
            Check(
                E.ExpectColumnValuesToNotBeNull(column="numerator"),
                COMPLETENESS,
                "stock indicators are computed (a roster snapshot covers every period)",
                column="numerator",
                label=lambda r: (
                    f"{r.get('indicator_code')} is NULL for {r.get('period')} {r.get('community_code')}"
                    " (no roster snapshot on or before the period end)"
                ),
                labels_only=True,
            )
        )
        out.append(v)

    out.append(_quarter_sum_validation(con, cfg, year))
    out.append(_all_sum_validation(con, year))
    out.append(_unknown_share_validation(con, cfg, year))
    return out, problems


def _quarter_sum_validation(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, year: int | None
) -> Validation:
    """Annual flow counts = sum of quarters; distinct counts lie between the largest quarter and the sum.

    Which flow counts are distinct-person counts is the indicator dictionary's ``is_additive``.
    """
    E = _gx()
    year_filter = "and a.year = ?" if year is not None else ""
    frame = read_frame(
        con,
        f"""
        with quarters as (
            select q.year, q.community_code, q.indicator_code, sum(q.value) as quarters_sum,
                max(q.value) as quarters_max
            from marts.fct_indicator_quarterly as q
            join marts.dim_indicator as d on d.indicator_code = q.indicator_code
            where d.kind = 'flow' and d.unit = 'count'
            group by all
        ),
        annual as (
            select a.year, a.community_code, a.indicator_code, a.value as annual_value,
                not d.is_additive as is_distinct_count
            from marts.fct_indicator_annual as a
            join marts.dim_indicator as d on d.indicator_code = a.indicator_code
            where d.kind = 'flow' and d.unit = 'count' {year_filter}
        )
        select
            coalesce(a.year, q.year) as year,
            coalesce(a.community_code, q.community_code) as community_code,
            coalesce(a.indicator_code, q.indicator_code) as indicator_code,
            a.annual_value,
            q.quarters_sum,
            q.quarters_max,
            coalesce(a.is_distinct_count, false) as is_distinct_count,
            case
                when not coalesce(a.is_distinct_count, false)
                    then coalesce(a.annual_value, 0) - coalesce(q.quarters_sum, 0)
                when coalesce(a.annual_value, 0) > coalesce(q.quarters_sum, 0)
                    then coalesce(a.annual_value, 0) - coalesce(q.quarters_sum, 0)
                when coalesce(a.annual_value, 0) < coalesce(q.quarters_max, 0)
                    then coalesce(a.annual_value, 0) - coalesce(q.quarters_max, 0)
                else 0
            end as difference
        from annual as a
        full outer join quarters as q
            on q.year = a.year and q.community_code = a.community_code and q.indicator_code = a.indicator_code
        where {"coalesce(a.year, q.year) = ?" if year is not None else "true"}
        order by 1, 2, 3
        """,
        [year, year] if year is not None else [],
    )
    v = Validation("cross_quarter_sums", "marts.fct_indicator_annual", frame)
    v.checks.append(
        Check(
            E.ExpectColumnValuesToBeBetween(column="difference", min_value=0, max_value=0),
            BLOCKING,
            "annual flow counts equal the sum of their quarters (distinct counts: between the largest "
            "quarter and the sum)",
            column="difference",
            label=lambda r: (
                f"{r.get('indicator_code')} {r.get('community_code')} {r.get('year')}: annual "
                f"{r.get('annual_value')} but quarters sum to {r.get('quarters_sum')}"
                + (f" (largest quarter {r.get('quarters_max')})" if r.get("is_distinct_count") else "")
            ),
        )
    )
    return v


def _all_sum_validation(con: duckdb.DuckDBPyConnection, year: int | None) -> Validation:
    E = _gx()
    parts = []
    params: list[Any] = []
    for table in ("fct_indicator_quarterly", "fct_indicator_annual"):
        parts.append(
            f"""
            select '{table}' as table_name, f.period, f.indicator_code,
                sum(f.numerator) filter (where f.community_code = 'ALL') as all_numerator,
                sum(f.numerator) filter (where f.community_code <> 'ALL') as parts_numerator,
                sum(f.denominator) filter (where f.community_code = 'ALL') as all_denominator,
                sum(f.denominator) filter (where f.community_code <> 'ALL') as parts_denominator
            from marts.{table} as f
            join marts.dim_indicator as d on d.indicator_code = f.indicator_code
            where d.scope = 'community' and d.kind in ('flow', 'cohort')
                {"and f.year = ?" if year is not None else ""}
            group by all
            """
        )
        if year is not None:
            params.append(year)
    frame = read_frame(
        con,
        "select *, coalesce(all_numerator, 0) - coalesce(parts_numerator, 0) as numerator_difference,"
        " coalesce(all_denominator, 0) - coalesce(parts_denominator, 0) as denominator_difference"
        " from (" + " union all ".join(parts) + ") order by 1, 2, 3",
        params,
    )
    v = Validation("cross_all_equals_communities", "marts.fct_indicator_*", frame)
    for part in ("numerator", "denominator"):
        v.checks.append(
            Check(
                E.ExpectColumnValuesToBeBetween(column=f"{part}_difference", min_value=0, max_value=0),
                BLOCKING,
                f"ALL {part} equals the sum over communities + UNKNOWN (flows and cohorts)",
                column=f"{part}_difference",
                label=lambda r, part=part: (
                    f"{r.get('table_name')} {r.get('period')} {r.get('indicator_code')}: ALL "
                    f"{part} {r.get(f'all_{part}')} but communities sum to "
                    f"{r.get(f'parts_{part}')}"
                ),
            )
        )
    return v


def _unknown_share_validation(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, year: int | None
) -> Validation:
    E = _gx()
    frame = read_frame(
        con,
        f"""
        select f.year, f.indicator_code,
            sum(f.value) filter (where f.community_code = 'UNKNOWN') as unknown_value,
            sum(f.value) filter (where f.community_code = 'ALL') as all_value,
            coalesce(sum(f.value) filter (where f.community_code = 'UNKNOWN'), 0)
                / nullif(sum(f.value) filter (where f.community_code = 'ALL'), 0) as unknown_share
        from marts.fct_indicator_annual as f
        join marts.dim_indicator as d on d.indicator_code = f.indicator_code
        where d.scope = 'community' and d.kind = 'flow' and d.unit = 'count'
            {"and f.year = ?" if year is not None else ""}
        group by all order by 1, 2
        """,
        [year] if year is not None else [],
    )
    v = Validation("warn_unknown_communities", "marts.fct_indicator_annual", frame)
    v.checks.append(
        Check(
            E.ExpectColumnValuesToBeBetween(
                column="unknown_share", min_value=0, max_value=cfg.max_unknown_community_share
            ),
            WARNING,
            f"share of UNKNOWN community at most {cfg.max_unknown_community_share:.0%}",
            column="unknown_share",
            label=lambda r: (
                f"{r.get('indicator_code')} {r.get('year')}: {r.get('unknown_value')} of "
                f"{r.get('all_value')} records in UNKNOWN community ({r.get('unknown_share'):.1%})"
            ),
            labels_only=True,
        )
    )
    return v


# -- audit: export completeness and volume --------------------------------------------------------
def export_gap_frame(con: duckdb.DuckDBPyConnection, cfg: QualityConfig, year: int | None) -> pd.DataFrame:
    """Gaps between consecutive export dates of loaded files (and the year bounds when ``year``)."""
    import pandas as pd

    rows = con.execute(
        "select feed, export_date from audit.file_loads where status = 'loaded' and export_date is not null"
        " group by all order by 1, 2"
    ).fetchall()
    dates: dict[str, list[dt.date]] = {}
    for feed_name, d in rows:
        dates.setdefault(feed_name, []).append(d)
    records = []
    for feed in FEEDS:
        months = cfg.cadence(feed.name)
        max_days = cfg.max_gap_days(feed.name)
        if months is None or max_days is None:
            continue
        exports = set(dates.get(feed.name, []))
        points = sorted(exports)
        bounds: dict[dt.date, str] = {}
        if year is not None:
            lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)
            bounds = {
                d: f"the year {which} {d:%Y%m%d}"
                for d, which in ((lo, "start"), (hi, "end"))
                if d not in exports
            }
            points = sorted({lo, hi, *(d for d in points if lo <= d <= hi)})

        def name(d: dt.date, bounds: dict[dt.date, str] = bounds) -> str:
            return bounds.get(d, f"export {d:%Y%m%d}")

        for a, b in itertools.pairwise(points):
            gap = (b - a).days
            records.append(
                {
                    "feed": feed.name,
                    "from_date": a,
                    "to_date": b,
                    "from_label": name(a),
                    "to_label": name(b),
                    "gap_days": gap,
                    "cadence_months": months,
                    "max_gap_days": max_days,
                    "excess_days": max(gap - max_days, 0),
                }
            )
    cols = [
        "feed",
        "from_date",
        "to_date",
        "from_label",
        "to_label",
        "gap_days",
        "cadence_months",
        "max_gap_days",
        "excess_days",
    ]
    return pd.DataFrame.from_records(records, columns=cols)


def audit_validations(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, year: int | None
) -> tuple[list[Validation], list[Problem]]:
    E = _gx()
    if not _exists(con, "audit", "file_loads"):
        return [], [
            Problem(
                "completeness_exports",
                "audit.file_loads",
                "table_exists",
                BLOCKING,
                "audit.file_loads is missing",
            )
        ]
    frame = export_gap_frame(con, cfg, year)
    v = Validation("completeness_exports", "audit.file_loads", frame)

    def gap_label(r: Any) -> str:
        unit = "month" if r.get("cadence_months") == 1 else "months"
        a, b = str(r.get("from_label")), str(r.get("to_label"))
        if a.startswith("export ") and b.startswith("export "):
            between = f"exports {a[7:]} and {b[7:]}"
        else:
            between = f"{a} and {b}"
        cadence = f"cadence {r.get('cadence_months')} {unit}"
        return f"{r.get('feed')}: gap of {r.get('gap_days')} days between {between} ({cadence})"

    v.checks.append(
        Check(
            E.ExpectColumnValuesToBeBetween(column="excess_days", min_value=0, max_value=0),
            COMPLETENESS,
            "no gap between consecutive exports longer than the feed's cadence",
            column="excess_days",
            label=gap_label,
            labels_only=True,
        )
    )
    out = [v, _volume_validation(con, cfg)]
    return out, []


def volume_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Records per complete quarter of each regularly exported event feed, with the previous quarter."""
    import pandas as pd

    records = []
    for feed in FEEDS:
        if feed.snapshot or feed.cadence_months is None or len(feed.key) != 1:
            continue
        date_col = next(
            (c.name for c in feed.columns if c.required and c.kind in (Kind.DATE, Kind.DATETIME)), None
        )
        if date_col is None or not _exists(con, "raw", feed.name):
            continue
        key = feed.key[0]
        counts = dict(
            con.execute(
                f"select cast(date_trunc('quarter', {date_col}) as date), count(distinct {key})"
                f" from {feed.table} where {date_col} is not null group by 1"
            ).fetchall()
        )
        max_export = con.execute(f"select max(_export_date) from {feed.table}").fetchone()[0]
        if not counts or max_export is None:
            continue
        q = min(counts)
        quarters = []
        while True:
            end = _add_months(q, 3) - dt.timedelta(days=1)
            if end > max_export:
                break
            quarters.append(q)
            q = _add_months(q, 3)
        for prev, cur in itertools.pairwise(quarters):
            pv, cv = counts.get(prev, 0), counts.get(cur, 0)
            records.append(
                {
                    "feed": feed.name,
                    "quarter": f"{cur.year}Q{(cur.month - 1) // 3 + 1}",
                    "previous_quarter": f"{prev.year}Q{(prev.month - 1) // 3 + 1}",
                    "volume": cv,
                    "previous_volume": pv,
                    "ratio": (cv / pv) if pv else None,
                }
            )
    cols = ["feed", "quarter", "previous_quarter", "volume", "previous_volume", "ratio"]
    return pd.DataFrame.from_records(records, columns=cols)


def _volume_validation(con: duckdb.DuckDBPyConnection, cfg: QualityConfig) -> Validation:
    E = _gx()
    v = Validation("warn_feed_volume", "raw.*", volume_frame(con))
    v.checks.append(
        Check(
            E.ExpectColumnValuesToBeBetween(column="ratio", min_value=cfg.min_volume_ratio),
            WARNING,
            f"a feed's records per quarter do not drop below {cfg.min_volume_ratio:.0%} "
            "of the previous quarter",
            column="ratio",
            label=lambda r: (
                f"{r.get('feed')}: {r.get('volume')} records in {r.get('quarter')} against "
                f"{r.get('previous_volume')} in {r.get('previous_quarter')}"
            ),
            labels_only=True,
        )
    )
    return v


def _add_months(d: dt.date, months: int) -> dt.date:
    m = d.month - 1 + months
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def all_validations(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, *, year: int | None, today: dt.date
) -> tuple[list[Validation], list[Problem]]:
    """Every suite of the gate, in the order the report lists them."""
    vals: list[Validation] = []
    problems: list[Problem] = []
    for build in (
        lambda: raw_validations(con, cfg, today),
        lambda: latest_validations(con, cfg),
        lambda: mart_validations(con, cfg, today, year),
        lambda: audit_validations(con, cfg, year),
    ):
        v, p = build()
        vals.extend(v)
        problems.extend(p)
    return vals, problems
