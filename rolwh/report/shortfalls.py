"""The figures of the draft's section 二 (不足): the mediation caseload per mediator and the spread
between communities of the key rates, for the year and the whole subdistrict.

Read from ``marts.fct_mediation_caseload`` and ``marts.fct_indicator_spread`` (with community names
from ``marts.dim_community``): live from the serving file, or the release's Parquet when it holds
them. A placeholder names ``caseload.<column>`` or ``<INDICATOR>.<field>`` (max, min, cv,
max_community, min_community); names, units and definitions of these figures live in the draft
template (draft_sentences.toml ``[figures]``), the numbers only here, from the marts.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

CASELOAD_TABLE = "marts.fct_mediation_caseload"
SPREAD_TABLE = "marts.fct_indicator_spread"
COMMUNITY_TABLE = "marts.dim_community"
CASELOAD_COLUMNS = (
    "active_mediators",
    "disputes",
    "court_referrals",
    "cases_per_mediator",
    "disputes_per_mediator",
    "referrals_per_mediator",
)
#: spread fields that are figures (linked), and those that name a community (plain text)
SPREAD_FIGURES = {"max": "max_value", "min": "min_value", "cv": "cv"}
SPREAD_NAMES = {"max_community": "max_community", "min_community": "min_community"}


@dataclass(frozen=True)
class Shortfalls:
    values: dict[str, float | None]  # "caseload.cases_per_mediator", "CR_SUCCESS_RATE.cv" -> value
    names: dict[str, str]  # "CR_SUCCESS_RATE.max_community" -> the community's name
    fractions: dict[str, tuple[float | None, float | None]]  # per-mediator figures: (cases, mediators)


#: a table as SQL: ``marts.x`` with no parameters, or ``read_parquet(?)`` with its files
Relation = tuple[str, list[object]]


def read_shortfalls(con: duckdb.DuckDBPyConnection, relations: dict[str, Relation], year: int) -> Shortfalls:
    """The year's section 二 figures from ``relations`` (table name -> relation); a table missing
    there (a release frozen before it existed) gives none of its figures."""
    values: dict[str, float | None] = {}
    names: dict[str, str] = {}
    fractions: dict[str, tuple[float | None, float | None]] = {}
    if CASELOAD_TABLE in relations:
        caseload, params = relations[CASELOAD_TABLE]
        row = con.execute(
            f"select {', '.join(CASELOAD_COLUMNS)} from {caseload} "
            "where period_grain = 'year' and year = ? and community_code = 'ALL'",
            [*params, year],
        ).fetchone()
        if row:
            found = dict(zip(CASELOAD_COLUMNS, (as_number(v) for v in row), strict=True))
            values.update({f"caseload.{k}": v for k, v in found.items()})
            for column, cases in (
                ("cases_per_mediator", _sum(found["disputes"], found["court_referrals"])),
                ("disputes_per_mediator", found["disputes"]),
                ("referrals_per_mediator", found["court_referrals"]),
            ):
                fractions[f"caseload.{column}"] = (cases, found["active_mediators"])
    if SPREAD_TABLE in relations and COMMUNITY_TABLE in relations:
        (spread, spread_params), (community, community_params) = (
            relations[SPREAD_TABLE],
            relations[COMMUNITY_TABLE],
        )
        rows = con.execute(
            "select s.indicator_code, s.max_value, s.min_value, s.cv, "
            "coalesce(hi.name_zh, s.max_community), coalesce(lo.name_zh, s.min_community) "
            f"from {spread} s left join {community} hi on hi.community_code = s.max_community "
            f"left join {community} lo on lo.community_code = s.min_community "
            "where s.period_grain = 'year' and s.year = ?",
            [*spread_params, *community_params, *community_params, year],
        ).fetchall()
        for code, high, low, cv, high_at, low_at in rows:
            values.update(
                {f"{code}.max": as_number(high), f"{code}.min": as_number(low), f"{code}.cv": as_number(cv)}
            )
            names.update({f"{code}.max_community": str(high_at), f"{code}.min_community": str(low_at)})
    return Shortfalls(values, names, fractions)


def as_number(value: object) -> float | None:
    """A database value as a float, None kept."""
    return None if value is None else float(value)  # type: ignore[arg-type]


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b
