"""Suites on the published marts: the dimensions, and the fact tables as tables of checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from expectations.checks import (
    BLOCKING,
    COMPLETENESS,
    Check,
    Label,
    Problem,
    Validation,
    check,
    read_frame,
    timestamp,
)
from expectations.config import QualityConfig
from rolwh.core.sql import table_exists

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

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
FACT_TABLES = {
    "fct_indicator_quarterly": ("period", "community_code", "indicator_code"),
    "fct_indicator_annual": ("year", "community_code", "indicator_code"),
}
DIM_INDICATOR_CODES = {
    "unit": ("count", "ratio"),
    "kind": ("flow", "cohort", "stock"),
    "scope": ("community", "subdistrict"),
}


@dataclass(frozen=True)
class Context:
    """What the rules of the fact tables are checked against (from the dimensions and config)."""

    table: str
    key: tuple[str, ...]
    indicator_codes: list[str]
    community_codes: list[str]
    period_min: dt.datetime
    period_max: dt.datetime


@dataclass(frozen=True)
class Rule:
    """One row of a check table: an expectation on a column of one slice of a fact table.

    ``kwargs`` values may be callables of the :class:`Context`; ``only`` restricts the rule to the
    quarterly (``"quarterly"``) table; ``what`` may name ``{table}`` and ``{key}``.
    """

    expectation: str
    what: str
    column: str | None = None
    severity: str = BLOCKING
    only: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)  # spread into check(): Any fits its keywords

    def build(self, ctx: Context, label: Label | None) -> Check:
        kwargs = {k: (v(ctx) if callable(v) else v) for k, v in self.kwargs.items()}
        column = ",".join(ctx.key) if "column_list" in kwargs else self.column
        what = self.what.format(table=ctx.table, key=", ".join(ctx.key))
        return check(self.expectation, what, column=column, severity=self.severity, label=label, **kwargs)


def _filled(*columns: str) -> list[Rule]:
    return [Rule("ExpectColumnValuesToNotBeNull", f"{c} filled", c) for c in columns]


#: slice of a fact table (suite suffix) -> the rows it holds and the rules on it
FACT_RULES: dict[str, tuple[Callable[[pd.DataFrame], pd.Series] | None, list[Rule]]] = {
    "": (
        None,
        [
            Rule(
                "ExpectTableColumnsToMatchSet",
                "{table} has its contract columns",
                kwargs={
                    "column_set": lambda c: [
                        *MART_FACT_COLUMNS,
                        *(("quarter",) if "quarterly" in c.table else ()),
                    ],
                    "exact_match": False,
                },
            ),
            *_filled("year", "period", "period_start", "period_end", "community_code", "indicator_code"),
            Rule(
                "ExpectColumnValuesToBeBetween",
                "quarter in 1..4",
                "quarter",
                only="quarterly",
                kwargs={"min_value": 1, "max_value": 4},
            ),
            Rule(
                "ExpectColumnValuesToBeInSet",
                "indicator_code is in dim_indicator",
                "indicator_code",
                kwargs={"value_set": lambda c: c.indicator_codes},
            ),
            Rule(
                "ExpectColumnValuesToBeInSet",
                "community_code is in dim_community, ALL or UNKNOWN",
                "community_code",
                kwargs={"value_set": lambda c: c.community_codes},
            ),
            Rule(
                "ExpectCompoundColumnsToBeUnique",
                "one row per ({key})",
                kwargs={"column_list": lambda c: list(c.key)},
            ),
            *(
                Rule(
                    "ExpectColumnValuesToBeBetween",
                    f"{c} in a sane range",
                    c,
                    kwargs={"min_value": lambda x: x.period_min, "max_value": lambda x: x.period_max},
                )
                for c in ("period_start", "period_end")
            ),
        ],
    ),
    "_counts": (
        lambda f: f["_unit"] == "count",
        [
            Rule("ExpectColumnValuesToBeBetween", "no negative counts", c, kwargs={"min_value": 0})
            for c in ("numerator", "value")
        ],
    ),
    "_ratios": (
        lambda f: f["_unit"] == "ratio",
        [
            Rule(
                "ExpectColumnValuesToBeBetween",
                "ratios within [0, 1]",
                "value",
                kwargs={"min_value": 0, "max_value": 1},
            ),
            *(
                Rule("ExpectColumnValuesToBeBetween", f"ratio {c}s not negative", c, kwargs={"min_value": 0})
                for c in ("numerator", "denominator")
            ),
        ],
    ),
    "_stocks": (
        lambda f: f["_kind"] == "stock",
        [
            Rule(
                "ExpectColumnValuesToNotBeNull",
                "stock indicators are computed (a roster snapshot covers every period)",
                "numerator",
                severity=COMPLETENESS,
            ),
        ],
    ),
}


def mart_row(row: pd.Series) -> str:
    return f"{row.get('period')} {row.get('community_code')} {row.get('indicator_code')}"


def _stock_label(row: pd.Series) -> str:
    return (
        f"{row.get('indicator_code')} is NULL for {row.get('period')} {row.get('community_code')}"
        " (no roster snapshot on or before the period end)"
    )


def _dimension_validations(con: duckdb.DuckDBPyConnection) -> tuple[Validation, Validation]:
    def code(r: pd.Series) -> str:
        return str(r.get("indicator_code"))

    ind = read_frame(con, "select * from marts.dim_indicator")
    ind_checks = [
        check(
            "ExpectTableColumnsToMatchSet",
            "dim_indicator has its contract columns",
            column_set=list(DIM_INDICATOR_COLUMNS),
            exact_match=False,
        ),
        *(
            c
            for col, values in DIM_INDICATOR_CODES.items()
            for c in (
                check("ExpectColumnValuesToNotBeNull", f"{col} filled", column=col, label=code),
                check(
                    "ExpectColumnValuesToBeInSet",
                    f"{col} in {'|'.join(values)}",
                    column=col,
                    label=code,
                    value_set=list(values),
                ),
            )
        ),
        check("ExpectColumnValuesToBeUnique", "one row per indicator", column="indicator_code"),
    ]
    com = read_frame(con, "select * from marts.dim_community")
    com_checks = [
        check(
            "ExpectTableColumnsToMatchSet",
            "dim_community has its contract columns",
            column_set=list(DIM_COMMUNITY_COLUMNS),
            exact_match=False,
        ),
        check("ExpectColumnValuesToNotBeNull", "community_code filled", column="community_code"),
        check("ExpectColumnValuesToBeUnique", "one row per community", column="community_code"),
    ]
    return (
        Validation("marts_dim_indicator", "marts.dim_indicator", ind, ind_checks),
        Validation("marts_dim_community", "marts.dim_community", com, com_checks),
    )


def _fact_validations(con: duckdb.DuckDBPyConnection, ctx: Context, year: int | None) -> list[Validation]:
    where = "where f.year = ?" if year is not None else ""
    frame = read_frame(
        con,
        f"select f.*, d.unit as _unit, d.kind as _kind from marts.{ctx.table} as f"
        f" left join marts.dim_indicator as d on d.indicator_code = f.indicator_code {where}",
        [year] if year is not None else [],
    )
    out = []
    for suffix, (rows, rules) in FACT_RULES.items():
        part = frame if rows is None else frame[rows(frame)].reset_index(drop=True)
        label, labels_only = (_stock_label, True) if suffix == "_stocks" else (mart_row, False)
        checks = []
        for rule in rules:
            if rule.only and rule.only not in ctx.table:
                continue
            c = rule.build(ctx, None if rule.expectation == "ExpectTableColumnsToMatchSet" else label)
            c.labels_only = labels_only
            checks.append(c)
        out.append(Validation(f"marts_{ctx.table}{suffix}", f"marts.{ctx.table}", part, checks))
    return out


def mart_validations(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, today: dt.date, year: int | None
) -> tuple[list[Validation], list[Problem]]:
    """Suites on the published marts and their cross-table consistency."""
    needed = ("fct_indicator_quarterly", "fct_indicator_annual", "dim_indicator", "dim_community")
    missing = [n for n in needed if not table_exists(con, "marts", n)]
    if missing:
        return [], [
            Problem(f"marts_{n}", f"marts.{n}", "table_exists", BLOCKING, f"marts.{n} is missing")
            for n in missing
        ]
    ind, com = _dimension_validations(con)
    out = [ind, com]
    indicator_codes = sorted(ind.frame["indicator_code"].dropna().astype(str).unique().tolist())
    community_codes = sorted(
        {*com.frame["community_code"].dropna().astype(str).tolist(), *SPECIAL_COMMUNITIES}
    )
    for table, key in FACT_TABLES.items():
        ctx = Context(
            table,
            key,
            indicator_codes,
            community_codes,
            period_min=timestamp(cfg.date_min),
            period_max=timestamp(cfg.date_max(today) + dt.timedelta(days=366)),
        )
        out.extend(_fact_validations(con, ctx, year))
    return out, []
