"""Cross-table consistency of the marts: quarter sums, ALL = communities + UNKNOWN, UNKNOWN's share.

These rules live here only: the gate decides publication and reports them with labels; dbt does
not test them a second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations.checks import WARNING, Check, Validation, check, read_frame
from expectations.config import QualityConfig
from expectations.mart_suites import FACT_TABLES
from rolwh.core.i18n import N_, _
from rolwh.core.sql import table_exists

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


def cross_validations(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, year: int | None
) -> list[Validation]:
    """The cross-table suites; none when a mart is missing (the mart suites report that)."""
    if not all(table_exists(con, "marts", n) for n in (*FACT_TABLES, "dim_indicator")):
        return []
    return [
        _quarter_sum_validation(con, year),
        _all_sum_validation(con, year),
        _unknown_share_validation(con, cfg, year),
    ]


def _quarter_sum_validation(con: duckdb.DuckDBPyConnection, year: int | None) -> Validation:
    """Annual flow counts = sum of quarters; distinct counts lie between the largest quarter and the sum.

    Which flow counts are distinct-person counts is the indicator dictionary's ``is_additive``.
    """
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

    def label(r: pd.Series) -> str:
        largest = (
            _(" (largest quarter {n})").format(n=r.get("quarters_max")) if r.get("is_distinct_count") else ""
        )
        return (
            _("{indicator} {community} {year}: annual {annual} but quarters sum to {quarters}").format(
                indicator=r.get("indicator_code"),
                community=r.get("community_code"),
                year=r.get("year"),
                annual=r.get("annual_value"),
                quarters=r.get("quarters_sum"),
            )
            + largest
        )

    return Validation(
        "cross_quarter_sums",
        "marts.fct_indicator_annual",
        frame,
        [
            check(
                "ExpectColumnValuesToBeBetween",
                _(
                    "annual flow counts equal the sum of their quarters (distinct counts: between the largest "
                    "quarter and the sum)"
                ),
                column="difference",
                label=label,
                min_value=0,
                max_value=0,
            ),
        ],
    )


def _all_sum_validation(con: duckdb.DuckDBPyConnection, year: int | None) -> Validation:
    parts = [
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
        for table in FACT_TABLES
    ]
    frame = read_frame(
        con,
        "select *, coalesce(all_numerator, 0) - coalesce(parts_numerator, 0) as numerator_difference,"
        " coalesce(all_denominator, 0) - coalesce(parts_denominator, 0) as denominator_difference"
        " from (" + " union all ".join(parts) + ") order by 1, 2, 3",
        [year] * len(parts) if year is not None else [],
    )

    def rule(part: str) -> Check:
        def label(r: pd.Series) -> str:
            return _("{table} {period} {indicator}: ALL {part} {all} but communities sum to {parts}").format(
                table=r.get("table_name"),
                period=r.get("period"),
                indicator=r.get("indicator_code"),
                part=_(part),
                all=r.get(f"all_{part}"),
                parts=r.get(f"parts_{part}"),
            )

        return check(
            "ExpectColumnValuesToBeBetween",
            _("ALL {part} equals the sum over communities + UNKNOWN (flows and cohorts)").format(
                part=_(part)
            ),
            column=f"{part}_difference",
            label=label,
            min_value=0,
            max_value=0,
        )

    return Validation(
        "cross_all_equals_communities",
        "marts.fct_indicator_*",
        frame,
        [rule(N_("numerator")), rule(N_("denominator"))],
    )


def _unknown_share_validation(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, year: int | None
) -> Validation:
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

    def label(r: pd.Series) -> str:
        return _("{indicator} {year}: {unknown} of {all} records in UNKNOWN community ({share:.1%})").format(
            indicator=r.get("indicator_code"),
            year=r.get("year"),
            unknown=r.get("unknown_value"),
            all=r.get("all_value"),
            share=r.get("unknown_share"),
        )

    return Validation(
        "warn_unknown_communities",
        "marts.fct_indicator_annual",
        frame,
        [
            check(
                "ExpectColumnValuesToBeBetween",
                _("share of UNKNOWN community at most {share:.0%}").format(
                    share=cfg.max_unknown_community_share
                ),
                column="unknown_share",
                severity=WARNING,
                label=label,
                labels_only=True,
                min_value=0,
                max_value=cfg.max_unknown_community_share,
            ),
        ],
    )
