"""The vocabulary of the gate's suites: a check, a validation (a frame and its checks), a problem.

Every check is a real GX expectation on a pandas DataFrame read from DuckDB. Cross-table checks are
computed in SQL into a small frame whose ``difference`` / ``excess`` column an expectation then
validates, so every check appears in the GX results and the Data Docs.

Severity of a check (``meta.severity``): ``blocking`` always blocks publication; ``completeness``
blocks a freeze and only warns on nightly runs; ``warning`` never blocks.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import duckdb
    import great_expectations.expectations as gxe

BLOCKING = "blocking"
COMPLETENESS = "completeness"
WARNING = "warning"

#: Describes one unexpected row (a pandas row) to a person.
Label = Callable[[pd.Series], str]


@dataclass
class Check:
    """One expectation plus how a failure is told to a person."""

    expectation: gxe.Expectation
    severity: str
    what: str  # what the check means, in words
    column: str | None = None
    label: Label | None = None
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


def check(
    expectation: str,
    what: str,
    *,
    column: str | None = None,
    severity: str = BLOCKING,
    label: Label | None = None,
    labels_only: bool = False,
    **kwargs: object,
) -> Check:
    """A :class:`Check` of the GX expectation class named ``expectation`` (e.g.
    ``"ExpectColumnValuesToNotBeNull"``); ``column`` is passed on unless ``column_list`` is given."""
    if column is not None and "column_list" not in kwargs:
        kwargs["column"] = column
    return Check(
        getattr(gx_expectations(), expectation)(**kwargs),
        severity,
        what,
        column=column,
        label=label,
        labels_only=labels_only,
    )


def gx_expectations() -> ModuleType:
    """``great_expectations.expectations``, imported with GX's own logging quietened first."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations.expectations as gxe  # lazy: GX takes seconds to import and logs at import time; only a gate run pays for it

    return gxe


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
        " order by ordinal_position",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows]


def read_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] | None = None
) -> pd.DataFrame:
    """The result of ``sql`` as a DataFrame, through Arrow (10-25x faster than DuckDB's ``.df()`` for
    wide string tables), with ``.df()``'s dtypes: nullable integers and booleans, DECIMAL as float64,
    dates as datetime64 (the gate hands GX nanoseconds: expectations.gate.nanosecond_times)."""
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


def timestamp(d: dt.date) -> dt.datetime:
    """A date as the midnight GX compares datetime columns with."""
    return dt.datetime(d.year, d.month, d.day)
