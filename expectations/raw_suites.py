"""Suites on the raw layer (one per feed) and on the latest-version staging relations."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from expectations.checks import (
    BLOCKING,
    WARNING,
    Check,
    Problem,
    Validation,
    check,
    read_frame,
    table_columns,
    timestamp,
)
from expectations.config import QualityConfig
from rolwh.core.contracts import FEEDS, Column, Feed, Kind
from rolwh.core.i18n import _
from rolwh.core.sql import table_exists

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

#: the dispatch-event times that must not lie before 上报时间 (a derived flag the feed's extra check reads)
NEGATIVE_DURATION_TIMES = ("reported_at", "dispatched_at", "arrived_at", "first_handled_at")


def raw_row(row: pd.Series) -> str:
    return _("{file} row {row}").format(file=row.get("_file_name"), row=row.get("_row_number"))


def raw_validations(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, today: dt.date
) -> tuple[list[Validation], list[Problem]]:
    """One suite per feed on ``raw.<feed>``: columns, required values, codes, ranges, ID checks."""
    out: list[Validation] = []
    problems: list[Problem] = []
    for feed in FEEDS:
        suite = f"raw_{feed.name}"
        if not table_exists(con, "raw", feed.name):
            problems.append(
                Problem(
                    suite,
                    feed.table,
                    "table_exists",
                    BLOCKING,
                    _("{table} is missing").format(table=feed.table),
                )
            )
            continue
        present = set(table_columns(con, "raw", feed.name))
        # the column set is checked on the catalog (the frame below holds only what checks read)
        problems.extend(
            Problem(
                suite,
                feed.table,
                "expect_table_columns_to_match_set",
                BLOCKING,
                _("contract column {column} is missing").format(column=n),
            )
            for n, _kind in feed.raw_columns()
            if n not in present
        )
        checks = [c for c in raw_column_checks(feed, cfg, today) if c.column in present]
        select = [n for n in ("_file_name", "_row_number") if n in present]
        select += dict.fromkeys(c.column for c in checks if c.column and c.column not in select)
        if feed.name == "dispatch_events" and set(NEGATIVE_DURATION_TIMES) <= present:
            select.append(
                "coalesce(dispatched_at < reported_at or arrived_at < reported_at"
                " or first_handled_at < reported_at, false) as has_negative_duration"
            )
            checks.append(
                check(
                    "ExpectColumnValuesToBeInSet",
                    _("share of events with a time before 上报时间 at most {share:.1%}").format(
                        share=cfg.max_negative_duration_share
                    ),
                    column="has_negative_duration",
                    severity=WARNING,
                    label=raw_row,
                    value_set=[False],
                    mostly=1 - cfg.max_negative_duration_share,
                )
            )
        # Only the columns the checks read: GX filters the whole frame for each expectation, so
        # a narrow frame is what keeps the gate fast (names come from the contract and the catalog).
        frame = read_frame(con, f"select {', '.join(select)} from {feed.table}")
        out.append(Validation(suite, feed.table, frame, checks))
    return out, problems


def raw_column_checks(feed: Feed, cfg: QualityConfig, today: dt.date) -> list[Check]:
    """The checks the contract implies for each column of ``feed``'s raw table."""
    return [c for col in feed.columns for c in _column_checks(feed, col, cfg, today)]


def _column_checks(feed: Feed, col: Column, cfg: QualityConfig, today: dt.date) -> list[Check]:
    stored = [n for n, _kind in col.raw_columns()]
    out: list[Check] = []
    if col.required and stored:
        out.append(
            check(
                "ExpectColumnValuesToNotBeNull",
                _("required column {header} is filled").format(header=col.header),
                column=stored[0],
                label=raw_row,
            )
        )
    if col.kind is Kind.CODE:
        out.append(
            check(
                "ExpectColumnValuesToBeInSet",
                _("{header} holds one of {codes}").format(header=col.header, codes="|".join(col.codes)),
                column=col.name,
                label=raw_row,
                value_set=list(col.codes),
            )
        )
    if col.kind in (Kind.DATE, Kind.DATETIME):
        future_ok = f"{feed.name}.{col.name}" in cfg.future_date_columns
        # spread into check(): only Any fits its typed keywords
        bounds: dict[str, Any] = {"min_value": timestamp(cfg.date_min)}
        if not future_ok:
            bounds["max_value"] = timestamp(cfg.date_max(today))
        upper = _("any later date") if future_ok else str(cfg.date_max(today))
        out.append(
            check(
                "ExpectColumnValuesToBeBetween",
                _("{header} between {low} and {high}").format(
                    header=col.header, low=cfg.date_min, high=upper
                ),
                column=col.name,
                label=raw_row,
                **bounds,
            )
        )
    if col.kind in (Kind.INT, Kind.DECIMAL) and (col.min_value is not None or col.max_value is not None):
        out.append(
            check(
                "ExpectColumnValuesToBeBetween",
                _("{header} within [{low}, {high}] (no negative counts)").format(
                    header=col.header, low=col.min_value, high=col.max_value
                ),
                column=col.name,
                label=raw_row,
                min_value=col.min_value,
                max_value=col.max_value,
            )
        )
    share = _("at most {share:.1%}").format(share=cfg.max_invalid_id_share)
    if col.kind is Kind.PII_ID:
        out.append(
            check(
                "ExpectColumnValuesToBeInSet",
                _("share of {header} with a bad check character {share}").format(
                    header=col.header, share=share
                ),
                column=f"{col.name}_valid",
                severity=WARNING,
                label=raw_row,
                value_set=[True],
                mostly=1 - cfg.max_invalid_id_share,
            )
        )
    if col.kind is Kind.PII_ID_LIST:
        out.append(
            check(
                "ExpectColumnValuesToBeBetween",
                _("share of rows with a bad {header} check character {share}").format(
                    header=col.header, share=share
                ),
                column=f"{col.name}_invalid_count",
                severity=WARNING,
                label=raw_row,
                max_value=0,
                mostly=1 - cfg.max_invalid_id_share,
            )
        )
    return out


def latest_validations(con: duckdb.DuckDBPyConnection) -> tuple[list[Validation], list[Problem]]:
    """Key uniqueness after latest-wins, on each feed's latest-version staging relation (its contract)."""
    out: list[Validation] = []
    problems: list[Problem] = []
    for feed in FEEDS:
        if feed.latest_relation is None:
            continue
        schema, name = feed.latest_relation.split(".", 1)
        relation = feed.latest_relation
        key = list(feed.latest_key)
        suite = f"latest_{feed.name}"
        if not table_exists(con, schema, name):
            problems.append(
                Problem(
                    suite,
                    relation,
                    "table_exists",
                    WARNING,
                    _("{table} does not exist: latest-version key not checked").format(table=relation),
                )
            )
            continue
        cols = table_columns(con, schema, name)
        missing = [k for k in key if k not in cols]
        if missing:
            problems.append(
                Problem(
                    suite,
                    relation,
                    "key_columns_exist",
                    BLOCKING,
                    _("key columns {missing} missing from {table} (has {columns})").format(
                        missing=missing, table=relation, columns=cols
                    ),
                )
            )
            continue
        # identifiers come from the catalog check above, never from data files
        frame = read_frame(
            con, f'select {", ".join(chr(34) + k + chr(34) for k in key)} from "{schema}"."{name}"'
        )
        what = _("one latest version per key ({key})").format(key=", ".join(key))

        def label(r: pd.Series, key: list[str] = key) -> str:
            return _("key {key}").format(key="/".join(str(r.get(k)) for k in key))

        unique = (
            check("ExpectCompoundColumnsToBeUnique", what, column=",".join(key), label=label, column_list=key)
            if len(key) > 1
            else check("ExpectColumnValuesToBeUnique", what, column=key[0], label=label)
        )
        out.append(Validation(suite, relation, frame, [unique]))
    return out, problems
