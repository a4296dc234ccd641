"""Read the published indicators of a year or quarter from the marts, and print them in Chinese."""

from __future__ import annotations

import sys
from typing import IO, Any

import duckdb
from rich.console import Console
from rich.table import Table

from rolwh.core.console import safe
from rolwh.core.errors import ConfigError, NoData, NoWarehouse
from rolwh.core.i18n import N_, _
from rolwh.core.settings import Settings
from rolwh.serving.communities import resolve_community
from rolwh.serving.query import open_reader

#: Shown for a NULL value (no denominator, no roster snapshot).
MISSING = "—"


class IndicatorsNotBuilt(NoData):
    """The marts are missing or hold nothing for the asked period."""


_QUARTERLY_SQL = """
select
    fact.indicator_code, dim.name_zh, dim.unit, dim.kind, dim.scope,
    fact.period, fact.community_code, fact.numerator, fact.denominator, fact.value,
    status.direction, status.green_threshold, status.status
from marts.fct_indicator_quarterly as fact
inner join marts.dim_indicator as dim on fact.indicator_code = dim.indicator_code
left join marts.fct_indicator_status as status on fact.period = status.period
    and fact.community_code = status.community_code and fact.indicator_code = status.indicator_code
where fact.year = ? and fact.quarter = ? and fact.community_code = ?
order by dim.display_order
"""

_ANNUAL_SQL = """
select
    fact.indicator_code, dim.name_zh, dim.unit, dim.kind, dim.scope,
    fact.period, fact.community_code, fact.numerator, fact.denominator, fact.value,
    status.direction, status.green_threshold, status.status
from marts.fct_indicator_annual as fact
inner join marts.dim_indicator as dim on fact.indicator_code = dim.indicator_code
left join marts.fct_indicator_status as status on fact.period = status.period
    and fact.community_code = status.community_code and fact.indicator_code = status.indicator_code
where fact.year = ? and fact.community_code = ?
order by dim.display_order
"""

_COLUMNS = (
    "indicator_code",
    "name_zh",
    "unit",
    "kind",
    "scope",
    "period",
    "community_code",
    "numerator",
    "denominator",
    "value",
    "direction",
    "green_threshold",
    "status",
)
#: The status of marts.fct_indicator_status as people read it (its column status_zh in Chinese).
STATUS_LABELS = {
    "green": N_("Green"),
    "yellow": N_("Yellow"),
    "red": N_("Red"),
    "no_target": N_("No target set"),
    "no_value": N_("No value"),
}


def period_label(year: int, quarter: int | None = None) -> str:
    """``2024`` or ``2024Q1`` in the reader's language."""
    if quarter is None:
        return _("{year}").format(year=year)
    return _("{year} Q{quarter}").format(year=year, quarter=quarter)


def require_period(con: duckdb.DuckDBPyConnection, year: int, quarter: int | None = None) -> None:
    """:class:`IndicatorsNotBuilt` (exit 1) naming the periods there are, unless the published marts
    hold indicators of ``year`` (and ``quarter``)."""
    try:
        held = con.execute("select distinct year, quarter from marts.fct_indicator_quarterly").fetchall()
    except duckdb.CatalogException:  # the marts were never built
        raise IndicatorsNotBuilt(_("the indicator marts are not built yet: run `rolwh run`")) from None
    if (year, quarter) in held or (quarter is None and any(y == year for y, _q in held)):
        return
    periods = sorted({(y, q if quarter else None) for y, q in held})
    raise IndicatorsNotBuilt(
        _("no data for {period}: the published indicators cover {periods}").format(
            period=period_label(year, quarter),
            periods=", ".join(period_label(y, q) for y, q in periods) or _("no period at all"),
        )
    )


def indicator_rows(
    settings: Settings, year: int, quarter: int | None = None, community: str = "ALL"
) -> list[dict[str, Any]]:
    """The indicators of ``year`` (or of its ``quarter``) for ``community``, one dict per indicator.

    Keys: indicator_code, name_zh, unit, kind, scope, period, community_code, numerator,
    denominator, value, and from the status mart direction, green_threshold and status. Read through the read-only reader (serving file if published).
    """

    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise ConfigError(f"quarter must be 1-4, got {quarter!r}")
    try:
        con = open_reader(settings)
    except NoWarehouse as exc:
        raise IndicatorsNotBuilt(str(exc)) from None
    try:
        require_period(con, year, quarter)
        code = resolve_community(con, community).code
        if quarter is None:
            rows = con.execute(_ANNUAL_SQL, [year, code]).fetchall()
        else:
            rows = con.execute(_QUARTERLY_SQL, [year, quarter, code]).fetchall()
    finally:
        con.close()
    return [dict(zip(_COLUMNS, r, strict=True)) for r in rows]


def format_number(value: float | None, unit: str) -> str:
    """A count as an integer, a ratio as a percentage with 2 decimals, NULL as —."""
    if value is None:
        return MISSING
    if unit == "ratio":
        return f"{value * 100:.2f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def format_target(direction: str | None, green: float | None, unit: str) -> str:
    """The green threshold with its direction (≥98.00%, ≤5.00%), or — without a target."""
    if direction is None or green is None:
        return MISSING
    return ("≥" if direction == "higher" else "≤") + format_number(green, unit)


def status_label(status: str | None) -> str:
    """绿 / 黄 / 红 / 未设目标 / 无数据 (English with ROLWH_LANG=en); — when unknown."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else MISSING


def _format_count(value: float | None) -> str:
    return MISSING if value is None else (f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}")


def print_indicators(
    settings: Settings,
    year: int,
    quarter: int | None = None,
    community: str = "ALL",
    *,
    out: IO[str] | None = None,
) -> int:
    """Print the indicators of a year or quarter as a table in Chinese; exit code 0.

    No data for the period or the community: :class:`IndicatorsNotBuilt` (exit 1); an unknown or
    ambiguous community: :class:`~rolwh.core.errors.UsageError` (exit 2)."""

    rows = indicator_rows(settings, year, quarter, community)
    period = f"{year}年" + (f"第{quarter}季度" if quarter else "")
    if not rows:
        raise IndicatorsNotBuilt(
            _("no data for {period}, community {community}").format(
                period=period_label(year, quarter), community=safe(community)
            )
        )
    code = rows[0]["community_code"]
    where = "全街道" if code == "ALL" else ("未匹配社区" if code == "UNKNOWN" else safe(code))
    console = Console(file=out or sys.stdout, width=140)
    table = Table(title=f"法治政府建设指标 · {period} · {where}")
    table.add_column("代码", style="dim")
    table.add_column("名称")
    table.add_column("分子", justify="right")
    table.add_column("分母", justify="right")
    table.add_column("值", justify="right", style="bold")
    table.add_column(_("Target"), justify="right")
    table.add_column(_("Status"))
    for r in rows:
        table.add_row(
            safe(r["indicator_code"]),
            safe(r["name_zh"]),
            _format_count(r["numerator"]),
            _format_count(r["denominator"]),
            format_number(r["value"], r["unit"]),
            format_target(r["direction"], r["green_threshold"], r["unit"]),
            status_label(r["status"]),
        )
    console.print(table)
    return 0
