"""What the dashboard shows, read through a read-only connection: indicators, freshness, gate status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from expectations.results import latest_gate_run
from rolwh.core.contracts import FEEDS
from rolwh.core.sql import table_exists
from rolwh.report.formatting import COMMUNITY_FALLBACK_NAMES
from rolwh.report.specdocs import read_dictionary

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    unit: str
    kind: str
    scope: str
    source_feed: str
    definition_zh: str


@dataclass(frozen=True)
class Freshness:
    feed: str
    feed_zh: str
    latest_export_date: date | None
    last_loaded_at: datetime | None
    files: int


@dataclass(frozen=True)
class Quarantined:
    file_name: str
    feed: str
    quarantined_at: datetime
    reason: str


@dataclass(frozen=True)
class Status:
    """One row of ``marts.fct_indicator_status`` (built in dbt; the dashboard computes none of it)."""

    status: str  # green | yellow | red | no_target | no_value
    status_zh: str
    direction: str | None
    green_threshold: float | None
    yellow_threshold: float | None
    prev_year_value: float | None
    yoy_change: float | None
    prev_period_value: float | None
    qoq_change: float | None
    is_partial: bool


STATUS_COLUMNS = (
    "status, status_zh, direction, green_threshold, yellow_threshold, prev_year_value, yoy_change, "
    "prev_period_value, qoq_change, coalesce(is_partial, false)"
)


@dataclass(frozen=True)
class GateStatus:
    label: str  # 通过 | 未通过 | 未检查
    checked_at: datetime | None = None
    detail: str = ""

    @property
    def css(self) -> str:
        return {"通过": "ok", "未通过": "bad"}.get(self.label, "unknown")


#: (numerator, denominator, value) of one indicator in one period (DOUBLE columns of the marts).
Figure = tuple[float | None, float | None, float | None]


@dataclass
class DashboardData:
    year: int
    indicators: list[Indicator]
    communities: list[tuple[str, str]]  # (code, name_zh) in display order, ALL first
    #: (period, community_code, indicator_code) -> (numerator, denominator, value)
    quarterly: dict[tuple[str, str, str], Figure]
    periods: list[str]
    #: (community_code, indicator_code) -> value of the year
    annual: dict[tuple[str, str], float | None]
    freshness: list[Freshness]
    gate: GateStatus
    publication: str | None = None
    quarantined: list[Quarantined] = field(default_factory=list)
    #: (quarter or None for the year, community_code, indicator_code) -> status; None: no status mart
    status: dict[tuple[int | None, str, str], Status] | None = None


def read_indicators(con: duckdb.DuckDBPyConnection) -> list[Indicator]:
    """The indicators in the dictionary's order (``display_order`` of ``dim_indicator`` when the mart
    has it, else the row order of the dictionary file it is built from), not by code."""
    columns = {r[0] for r in con.execute("describe marts.dim_indicator").fetchall()}
    rows = con.execute(
        f"""
        select indicator_code, name_zh, unit, kind, scope, source_feed, coalesce(definition_zh, ''),
               {"display_order" if "display_order" in columns else "null"}
        from marts.dim_indicator
        """
    ).fetchall()
    position = {row["indicator_code"]: i for i, row in enumerate(read_dictionary())}
    rows.sort(key=lambda r: (r[7] if r[7] is not None else position.get(r[0], len(position)), r[0]))
    return [Indicator(*map(str, r[:7])) for r in rows]


def read_communities(con: duckdb.DuckDBPyConnection, codes_in_data: set[str]) -> list[tuple[str, str]]:
    names = dict(con.execute("select community_code, name_zh from marts.dim_community").fetchall())
    ordered = ["ALL", *sorted(c for c in codes_in_data if c not in ("ALL", "UNKNOWN")), "UNKNOWN"]
    return [
        (c, str(names.get(c) or COMMUNITY_FALLBACK_NAMES.get(c, c))) for c in ordered if c in codes_in_data
    ]


def read_freshness(con: duckdb.DuckDBPyConnection) -> list[Freshness]:

    titles = {f.name: f.title_zh for f in FEEDS}
    found: dict[str, tuple[date | None, datetime | None, int]] = {}
    if table_exists(con, "audit", "file_loads"):
        for feed, export_date, loaded_at, files in con.execute(
            """
            select feed, max(export_date), max(loaded_at), count(*)
            from audit.file_loads
            where status = 'loaded'
            group by feed
            """
        ).fetchall():
            found[str(feed)] = (export_date, loaded_at, files)
    return [
        Freshness(name, titles.get(name, name), *found.get(name, (None, None, 0)))
        for name in [*titles, *sorted(set(found) - set(titles))]
    ]


def read_quarantined(con: duckdb.DuckDBPyConnection) -> list[Quarantined]:
    """Files the load put into quarantine, latest first (file, feed, when and the loader's reason)."""
    if not table_exists(con, "audit", "file_loads"):
        return []
    rows = con.execute(
        """
        select file_name, feed, loaded_at, coalesce(reason, '')
        from audit.file_loads
        where status = 'quarantined'
        order by loaded_at desc, file_name
        """
    ).fetchall()
    return [Quarantined(str(f), str(feed), at, str(reason)) for f, feed, at, reason in rows]


def read_status(
    con: duckdb.DuckDBPyConnection, year: int
) -> dict[tuple[int | None, str, str], Status] | None:
    """Targets, 红黄绿 status, 同比/环比 and partial periods from ``marts.fct_indicator_status``;
    None when the published side has no such mart (the dashboard then shows no status)."""
    if not table_exists(con, "marts", "fct_indicator_status"):
        return None
    rows = con.execute(
        f"""
        select quarter, community_code, indicator_code, {STATUS_COLUMNS}
        from marts.fct_indicator_status
        where year = ?
        """,
        [year],
    ).fetchall()
    return {
        (None if r[0] is None else int(r[0]), str(r[1]), str(r[2])): Status(
            str(r[3]), str(r[4]), r[5], r[6], r[7], r[8], r[9], r[10], r[11], bool(r[12])
        )
        for r in rows
    }


def read_gate_status(con: duckdb.DuckDBPyConnection) -> GateStatus:
    """The latest run recorded in ``audit.gate_runs`` (by the quality gate); "未检查" when there is none."""

    run = latest_gate_run(con)
    if run is None:
        return GateStatus("未检查")
    bits = [f"模式 {run.mode}", f"阻断问题 {run.blocking_count}", f"警告 {run.warning_count}"]
    return GateStatus("通过" if run.passed else "未通过", run.finished_at, "，".join(bits))


def read_dashboard_data(con: duckdb.DuckDBPyConnection, year: int) -> DashboardData:
    indicators = read_indicators(con)
    quarterly: dict[tuple[str, str, str], Figure] = {}
    periods: set[tuple[int, str]] = set()
    codes: set[str] = set()
    for quarter, period, community, code, num, den, value in con.execute(
        """
        select quarter, period, community_code, indicator_code, numerator, denominator, value
        from marts.fct_indicator_quarterly
        where year = ?
        """,
        [year],
    ).fetchall():
        quarterly[(str(period), str(community), str(code))] = (num, den, value)
        periods.add((int(quarter), str(period)))
        codes.add(str(community))
    annual: dict[tuple[str, str], float | None] = {}
    for community, code, value in con.execute(
        "select community_code, indicator_code, value from marts.fct_indicator_annual where year = ?", [year]
    ).fetchall():
        annual[(str(community), str(code))] = value
        codes.add(str(community))
    publication = None
    if table_exists(con, "serving", "publication"):
        row = con.execute("select version from serving.publication limit 1").fetchone()
        publication = str(row[0]) if row else None
    return DashboardData(
        year=year,
        indicators=indicators,
        communities=read_communities(con, codes),
        quarterly=quarterly,
        periods=[p for _, p in sorted(periods)],
        annual=annual,
        freshness=read_freshness(con),
        gate=read_gate_status(con),
        publication=publication,
        quarantined=read_quarantined(con),
        status=read_status(con, year),
    )
