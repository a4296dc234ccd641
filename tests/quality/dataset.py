"""A small, clean 2024 dataset (raw, audit, staging, marts) written into a real DuckDB file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rolwh.core.contracts import FEEDS, Kind

YEAR = 2024
COMMUNITIES = (("JJ01", "东门社区", "社区"), ("JJ02", "长冲村", "村"))
# code, unit, kind, scope, feed
#: Flow counts of distinct persons (is_additive = false in the dictionary).
DISTINCT_PERSON_COUNTS = {"TR_ENFORCEMENT_EXAM_PASSED"}

INDICATORS = (
    ("CR_RECEIVED", "count", "flow", "community", "court_referrals"),
    ("CR_SUCCESS_RATE", "ratio", "flow", "community", "court_referrals"),
    ("DS_RESOLUTION_RATE", "ratio", "cohort", "community", "disputes"),
    ("CR_PENDING_END", "count", "stock", "community", "court_referrals"),
    ("TR_CERTIFIED_OFFICERS", "count", "stock", "subdistrict", "enforcement_officers"),
)
ROWS_PER_FEED = 4


def _cell(kind: Kind, codes: tuple[str, ...], i: int, export: dt.date) -> list[Any]:
    day = export - dt.timedelta(days=i + 1)
    match kind:
        case Kind.PII_NAME:
            return []
        case Kind.PII_ID:
            return [f"pid{i}", True]
        case Kind.PII_ID_LIST:
            return [[f"pid{i}"], 0]
        case Kind.PII_PHONE | Kind.PII_STAFF:
            return [f"staff{i}"]
        case Kind.DATE:
            return [day]
        case Kind.DATETIME:
            return [dt.datetime(day.year, day.month, day.day, 9, 0, 0)]
        case Kind.DECIMAL:
            return [10]
        case Kind.INT:
            return [3]
        case Kind.CODE:
            return [codes[0]]
        case _:
            return [f"K{export:%Y%m}-{i}"]


def export_dates(feed_name: str, year: int = YEAR) -> list[dt.date]:
    """Month (or quarter) ends of the year: the export days of a clean feed."""
    months = 3 if feed_name == "enforcement_officers" else 1
    out = []
    for m in range(months, 13, months):
        nxt = dt.date(year + (m == 12), m % 12 + 1, 1)
        out.append(nxt - dt.timedelta(days=1))
    return out


def build_clean_warehouse(path: Path) -> None:
    """Raw rows and file loads for every feed, staging keys and consistent marts for 2024."""
    import duckdb

    from rolwh.core.warehouse import ensure_schema

    con = duckdb.connect(str(path))
    try:
        ensure_schema(con)
        loaded_at = dt.datetime(2025, 1, 5, 3, 0)
        for feed in FEEDS:
            names = [n for n, _ in feed.raw_columns()]
            marks = ", ".join("?" for _ in names)
            for export in export_dates(feed.name):
                fname = f"{feed.name}_{export:%Y%m%d}.xlsx"
                sha = f"sha-{feed.name}-{export:%Y%m%d}"
                for i in range(ROWS_PER_FEED):
                    row: list[Any] = []
                    for col in feed.columns:
                        row.extend(_cell(col.kind, col.codes, i, export))
                        if col.kind is Kind.INT and col.approximate:
                            row.append(False)  # the quantity was written exactly
                    row += [fname, sha, export, i + 2, "load1", loaded_at]
                    con.execute(f"insert into {feed.table} ({', '.join(names)}) values ({marks})", row)
                con.execute(
                    "insert into audit.file_loads"
                    " values (?, ?, ?, ?, 'loaded', ?, 100, ?, ?, 0, 0, null, null, ?)",
                    ["load1", fname, feed.name, sha, export, ROWS_PER_FEED, ROWS_PER_FEED, loaded_at],
                )
        con.execute("create schema staging")
        con.execute(
            "create table staging.stg_court__referrals as"
            " select distinct case_no as referral_id from raw.court_referrals"
        )
        _build_marts(con)
    finally:
        con.close()


def _build_marts(con: Any) -> None:
    con.execute("create schema marts")
    con.execute(
        "create table marts.dim_indicator (indicator_code varchar, name_zh varchar, name_en varchar,"
        " unit varchar, kind varchar, scope varchar, source_feed varchar, definition_zh varchar,"
        " is_additive boolean)"
    )
    for code, unit, kind, scope, feed_name in INDICATORS:
        additive = unit == "count" and kind == "flow" and code not in DISTINCT_PERSON_COUNTS
        con.execute(
            "insert into marts.dim_indicator values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [code, code + "名", code.lower(), unit, kind, scope, feed_name, "定义", additive],
        )
    con.execute("create table marts.dim_community (community_code varchar, name_zh varchar, kind varchar)")
    con.executemany("insert into marts.dim_community values (?, ?, ?)", [list(c) for c in COMMUNITIES])
    cols = (
        "year integer, quarter integer, period varchar, period_start date, period_end date,"
        " community_code varchar, indicator_code varchar, numerator decimal(18, 4),"
        " denominator decimal(18, 4), value double"
    )
    con.execute(f"create table marts.fct_indicator_quarterly ({cols})")
    con.execute(f"create table marts.fct_indicator_annual ({cols.replace('quarter integer, ', '')})")
    per_q: dict[tuple[str, str], list[tuple[float, float | None]]] = {}
    for q in range(1, 5):
        start = dt.date(YEAR, 3 * q - 2, 1)
        end = dt.date(YEAR + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
        for code, unit, _kind, scope, _ in INDICATORS:
            comms = ["JJ01", "JJ02", "UNKNOWN"] if scope == "community" else []
            parts = []
            for j, c in enumerate(comms):
                # UNKNOWN stays a small share of the total (below the warning threshold)
                num = float(q + j * 10) if c != "UNKNOWN" else 0.0
                den = None if unit == "count" else num + 5
                parts.append((c, num, den))
            if scope == "community":
                tot_num = sum(p[1] for p in parts)
                tot_den = None if unit == "count" else sum(p[2] for p in parts)
                parts.append(("ALL", tot_num, tot_den))
            else:
                parts.append(("ALL", 14.0, None))
            for c, num, den in parts:
                value = num if den is None else (num / den if den else None)
                con.execute(
                    "insert into marts.fct_indicator_quarterly values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [YEAR, q, f"{YEAR}Q{q}", start, end, c, code, num, den, value],
                )
                per_q.setdefault((code, c), []).append((num, den))
    for code, unit, kind, _scope, _feed in INDICATORS:
        for (code2, c), vals in per_q.items():
            if code2 != code:
                continue
            if kind == "stock":
                num, den = vals[-1]
            else:
                num = sum(v[0] for v in vals)
                den = None if unit == "count" else sum(v[1] for v in vals)
            value = num if den is None else (num / den if den else None)
            con.execute(
                "insert into marts.fct_indicator_annual values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [YEAR, str(YEAR), dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), c, code, num, den, value],
            )
