"""A real working DuckDB file shaped like the dbt marts, for the serving tests (no mocks).

Quarterly rows for 2024Q1–2025Q1 per community plus ``UNKNOWN`` and ``ALL``; annual rows whose
``ALL`` values are the 2024 report's figures (shifted by ``revision`` so a second publish differs),
an ``audit.file_loads`` with one export date per feed and an ``audit.gate_runs`` row.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from expectations.results import GATE_RUNS_DDL
from rolwh.core.settings import DBT_PROJECT_DIR, Settings
from rolwh.report.specdocs import read_dictionary

if TYPE_CHECKING:
    import duckdb

COMMUNITIES = DBT_PROJECT_DIR / "seeds" / "communities.csv"

#: Annual ALL (numerator, denominator) for 2024 of every indicator of the dictionary.
FIGURES_2024: dict[str, tuple[int, int | None]] = {
    "CR_RECEIVED": (476, None),
    "CR_CONCLUDED": (460, None),
    "CR_SUCCESS": (130, None),
    "CR_SUCCESS_RATE": (130, 460),
    "CR_TIMELY_RATE": (414, 460),
    "CR_ONLINE_SHARE": (92, 460),
    "CR_JUDICIAL_CONFIRM_RATE": (52, 130),
    "CR_DATA_REVIEW_SHARE": (39, 130),
    "CR_PENDING_END": (16, None),
    "DS_REGISTERED": (8050, None),
    "DS_RESOLVED": (8050, None),
    "DS_RESOLUTION_RATE": (8050, 8050),
    "DS_MAJOR_SCREENED": (195, None),
    "DS_DOSSIERS": (907, None),
    "PT_RECEIVED": (212, None),
    "PT_TIMELY_NOTICE_RATE": (200, 204),
    "PT_TIMELY_CLOSE_RATE": (180, 190),
    "PT_SATISFACTION_RATE": (170, 180),
    "PT_REPEAT_RATE": (11, 212),
    "DP_EVENTS": (12000, None),
    "DP_DISPATCH_1MIN_RATE": (11400, 12000),
    "DP_ARRIVE_5MIN_RATE": (5100, 6000),
    "DP_HANDLE_10MIN_RATE": (5520, 6000),
    "TR_PREMEETING_STUDY": (8, None),
    "TR_LAW_LECTURES": (2, None),
    "TR_GROUP_STUDY": (5, None),
    "TR_MEDIATOR_TRAINING_PT": (230, None),
    "TR_EXAM_PARTICIPATION_RATE": (120, 120),
    "TR_EXAM_PASS_RATE": (118, 120),
    "TR_ENFORCEMENT_EXAM_PASSED": (6, None),
    "TR_CERTIFIED_OFFICERS": (14, None),
    "TR_CERT_RATE": (14, 14),
}
#: The figures of an indicator not listed above (one added to the dictionary since).
OTHER_FIGURES: dict[str, tuple[int, int | None]] = {"count": (10, None), "ratio": (5, 10)}
#: The repository's indicator dictionary (dbt_project/seeds/indicators.csv), by code.
DICTIONARY = {row["indicator_code"]: row for row in read_dictionary()}
# code, name_zh, unit, kind, scope, feed, annual ALL (numerator, denominator) for 2024
INDICATORS: tuple[tuple[str, str, str, str, str, str, tuple[int, int | None]], ...] = tuple(
    (
        code,
        r["name_zh"],
        r["unit"],
        r["kind"],
        r["scope"],
        r["source_feed"],
        FIGURES_2024.get(code, OTHER_FIGURES[r["unit"]]),
    )
    for code, r in DICTIONARY.items()
)
QUARTER_WEIGHTS = (2, 3, 3, 2)
FEEDS = sorted({i[5] for i in INDICATORS})


def _split(total: int, weights: list[int] | tuple[int, ...]) -> list[int]:
    """Largest-remainder split of ``total`` by ``weights`` (sums exactly to ``total``)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _quarter_bounds(year: int, q: int) -> tuple[date, date]:
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def _value(num: int, den: int | None) -> float | None:
    if den is None:
        return float(num)
    return None if den == 0 else num / den


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Bulk insert through Arrow (executemany is row by row, far too slow for thousands of rows)."""
    import pyarrow as pa

    names = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    batch = pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})  # noqa: F841 -- read by DuckDB
    con.execute(f"insert into {table} select * from batch")


#: marts.fct_indicator_status as dbt builds it (dbt_project/models/marts/fct_indicator_status.sql),
#: over this fixture's long marts and the shipped targets; the data ends on 2025-03-31.
_STATUS_SQL = """
create table marts.fct_indicator_status as
with facts as (
    select year, quarter, period, 'quarter' as period_grain, period_start, period_end, community_code,
        indicator_code, value, numerator::double as numerator, denominator::double as denominator
    from marts.fct_indicator_quarterly
    union all
    select year, null, period, 'year', period_start, period_end, community_code, indicator_code, value,
        numerator::double, denominator::double
    from marts.fct_indicator_annual
),
targeted as (
    select facts.*, t.direction, t.green_threshold, t.yellow_threshold
    from facts left join targets as t
        on facts.year = t.year and facts.indicator_code = t.indicator_code
        and (facts.community_code = t.community_code
             or (t.community_code is null and facts.community_code <> 'UNKNOWN'))
        and (t.grain is null or t.grain = facts.period_grain)
    qualify row_number() over (partition by facts.period, facts.community_code, facts.indicator_code
        order by (t.community_code is null), (t.grain is null)) = 1
),
rated as (
    select *, case
        when green_threshold is null then 'no_target'
        when value is null then 'no_value'
        when (direction = 'higher' and value >= green_threshold)
            or (direction = 'lower' and value <= green_threshold) then 'green'
        when (direction = 'higher' and value >= yellow_threshold)
            or (direction = 'lower' and value <= yellow_threshold) then 'yellow'
        else 'red' end as status
    from targeted
)
select r.year, r.quarter, r.period, r.period_grain, r.community_code, r.indicator_code, d.display_order,
    r.value, r.numerator, r.denominator, r.direction, r.green_threshold, r.yellow_threshold, r.status,
    case r.status when 'green' then '绿' when 'yellow' then '黄' when 'red' then '红'
        when 'no_target' then '未设目标' else '无数据' end as status_zh,
    y.value as prev_year_value, r.value - y.value as yoy_change,
    p.value as prev_period_value, r.value - p.value as qoq_change,
    r.period_end > date '2025-03-31' as is_partial
from rated as r
join marts.dim_indicator as d on r.indicator_code = d.indicator_code
left join facts as y on y.period_grain = r.period_grain and y.year = r.year - 1
    and y.quarter is not distinct from r.quarter and y.community_code = r.community_code
    and y.indicator_code = r.indicator_code
left join facts as p on r.period_grain = 'quarter' and p.period_grain = 'quarter'
    and p.period_end = r.period_start - 1 and p.community_code = r.community_code
    and p.indicator_code = r.indicator_code
"""


def _status_mart(con: duckdb.DuckDBPyConnection) -> None:
    """marts.fct_indicator_status from the long marts and the shipped targets."""
    from rolwh.core.settings import DEFAULT_TARGETS_DIR
    from rolwh.transform.targets import read_targets

    con.execute(
        "create temp table targets (year integer, indicator_code varchar, community_code varchar,"
        " grain varchar, direction varchar, green_threshold double, yellow_threshold double)"
    )
    con.executemany(
        "insert into targets values (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                t.year,
                t.indicator_code,
                t.community_code,
                t.grain,
                t.direction,
                t.green_threshold,
                t.yellow_threshold,
            )
            for t in read_targets(sorted(DEFAULT_TARGETS_DIR.glob("*.csv")))
        ],
    )
    con.execute(_STATUS_SQL)
    con.execute("drop table targets")


def build_working_marts(settings: Settings, *, revision: int = 0, path: Path | None = None) -> Path:
    """Write the marts, audit and gate tables into the working file (replacing them)."""
    import duckdb

    from rolwh.core.warehouse import ensure_schema

    communities = list(csv.DictReader(COMMUNITIES.open(encoding="utf-8")))
    codes = [c["community_code"] for c in communities]
    weights = [*range(1, len(codes) + 1), 1]  # the configured ones, then UNKNOWN
    target = path or settings.warehouse_path
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target))
    try:
        ensure_schema(con)
        con.execute("create schema if not exists marts")
        con.execute("drop view if exists marts.rpt_quarterly_scorecard")
        for t in (
            "fct_indicator_quarterly",
            "fct_indicator_annual",
            "dim_indicator",
            "dim_community",
            "fct_indicator_status",
        ):
            con.execute(f"drop table if exists marts.{t}")
        con.execute(
            """create table marts.dim_indicator (indicator_code varchar primary key, name_zh varchar,
               name_en varchar, unit varchar, kind varchar, scope varchar, source_feed varchar,
               definition_zh varchar, display_order integer)"""
        )
        con.executemany(
            "insert into marts.dim_indicator values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (c, n, DICTIONARY[c]["name_en"], u, k, s, f, DICTIONARY[c]["definition_zh"], i)
                for i, (c, n, u, k, s, f, _) in enumerate(INDICATORS, start=1)
            ],
        )
        con.execute(
            "create table marts.dim_community (community_code varchar, name_zh varchar, kind varchar,"
            " sort_order integer)"
        )
        con.executemany(
            "insert into marts.dim_community values (?, ?, ?, ?)",
            [(c["community_code"], c["name_zh"], c["kind"], i) for i, c in enumerate(communities, start=1)],
        )
        quarterly: list[tuple] = []
        annual: list[tuple] = []
        for code, _name, unit, kind, scope, _feed, (num, den) in INDICATORS:
            num = num + revision if unit == "count" else num
            for year in (2024, 2025):
                quarters = (1, 2, 3, 4) if year == 2024 else (1,)
                if kind == "stock":
                    q_nums = [num] * 4
                    q_dens = [den] * 4
                else:
                    q_nums = _split(num, QUARTER_WEIGHTS)
                    q_dens = _split(den, QUARTER_WEIGHTS) if den is not None else [None] * 4
                if year == 2025:
                    q_nums, q_dens = [q_nums[0]], [q_dens[0]]
                for q, qn, qd in zip(quarters, q_nums, q_dens, strict=True):
                    start, end = _quarter_bounds(year, q)
                    period = f"{year}Q{q}"
                    quarterly.append((year, q, period, start, end, "ALL", code, qn, qd, _value(qn, qd)))
                    if scope == "community":
                        c_nums = _split(qn, weights)
                        c_dens = _split(qd, weights) if qd is not None else [None] * len(weights)
                        for cc, cn, cd in zip([*codes, "UNKNOWN"], c_nums, c_dens, strict=True):
                            cn = min(cn, cd) if cd is not None else cn
                            quarterly.append((year, q, period, start, end, cc, code, cn, cd, _value(cn, cd)))
                y_num = q_nums[-1] if kind == "stock" else sum(q_nums)
                y_den = q_dens[-1] if (kind == "stock" or den is None) else sum(q_dens)  # type: ignore[arg-type]
                annual.append(
                    (
                        year,
                        str(year),
                        date(year, 1, 1),
                        date(year, 12, 31),
                        "ALL",
                        code,
                        y_num,
                        y_den,
                        _value(y_num, y_den),
                    )
                )
        con.execute(
            """create table marts.fct_indicator_quarterly (year integer, quarter integer, period varchar,
               period_start date, period_end date, community_code varchar, indicator_code varchar,
               numerator bigint, denominator bigint, value double)"""
        )
        _insert(con, "marts.fct_indicator_quarterly", quarterly)
        con.execute(
            """create table marts.fct_indicator_annual (year integer, period varchar, period_start date,
               period_end date, community_code varchar, indicator_code varchar, numerator bigint,
               denominator bigint, value double)"""
        )
        _insert(con, "marts.fct_indicator_annual", annual)
        # community annual rows: sums of the quarters (stocks: the last quarter)
        con.execute(
            """
            insert into marts.fct_indicator_annual
            with per_year as (
                select q.year, q.community_code, q.indicator_code, d.unit,
                       case when d.kind = 'stock' then arg_max(q.numerator, q.quarter)
                            else sum(q.numerator) end as numerator,
                       case when d.kind = 'stock' then arg_max(q.denominator, q.quarter)
                            else sum(q.denominator) end as denominator
                from marts.fct_indicator_quarterly as q
                join marts.dim_indicator as d on d.indicator_code = q.indicator_code
                where q.community_code <> 'ALL'
                group by q.year, q.community_code, q.indicator_code, d.unit, d.kind
            )
            select year, year::varchar, make_date(year, 1, 1), make_date(year, 12, 31), community_code,
                   indicator_code, numerator, denominator,
                   case when unit = 'count' then numerator
                        when denominator = 0 then null else numerator / denominator end
            from per_year
            """
        )
        _status_mart(con)
        con.execute(
            """create view marts.rpt_quarterly_scorecard as
               select q.period, q.community_code, d.name_zh, q.value
               from marts.fct_indicator_quarterly as q
               join marts.dim_indicator as d using (indicator_code)"""
        )
        con.execute("delete from audit.file_loads")
        loads = [
            (
                f"load-{i}",
                f"{feed}_20250331.xlsx",
                feed,
                f"{i:064x}",
                "loaded",
                date(2025, 3, 31 - i),
                1000,
                10,
                10,
                0,
                0,
                None,
                None,
                datetime(2025, 4, 1, 2, 0),
            )
            for i, feed in enumerate(FEEDS)
        ]
        con.executemany("insert into audit.file_loads values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", loads)
        con.execute("drop table if exists audit.gate_runs")
        con.execute(GATE_RUNS_DDL)
        con.execute(
            """insert into audit.gate_runs values ('gate-1', 'nightly', null, '2025-04-01 02:10',
               '2025-04-01 02:11', true, 0, 1, 120, null, '{}')"""
        )
        con.execute("checkpoint")
    finally:
        con.close()
    return target
