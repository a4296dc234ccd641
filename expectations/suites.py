"""Every suite of the gate, in the order the report lists them (raw, latest versions, marts, cross-table, exports)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from expectations.audit_suites import audit_validations
from expectations.checks import Problem, Validation
from expectations.config import QualityConfig
from expectations.cross_suites import cross_validations
from expectations.mart_suites import mart_validations
from expectations.raw_suites import latest_validations, raw_validations

if TYPE_CHECKING:
    import duckdb


def all_validations(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, *, year: int | None, today: dt.date
) -> tuple[list[Validation], list[Problem]]:
    """Every suite of the gate; the marts' suites restricted to ``year`` when given (a freeze)."""
    vals: list[Validation] = []
    problems: list[Problem] = []
    for v, p in (
        raw_validations(con, cfg, today),
        latest_validations(con),
        mart_validations(con, cfg, today, year),
        (cross_validations(con, cfg, year), []),
        audit_validations(con, cfg, year),
    ):
        vals.extend(v)
        problems.extend(p)
    return vals, problems
