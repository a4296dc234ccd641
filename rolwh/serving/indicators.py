"""Read the published indicators of a year or quarter from the marts, and print them in Chinese."""

from __future__ import annotations

import sys
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from rolwh.core.console import safe
from rolwh.core.errors import ConfigError, NoWarehouse, RolwhError
from rolwh.core.i18n import N_, _
from rolwh.core.settings import Settings
from rolwh.serving.query import open_reader

#: Shown for a NULL value (no denominator, no roster snapshot).
MISSING = "—"


class IndicatorsNotBuilt(RolwhError):
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
        try:
            if quarter is None:
                rows = con.execute(_ANNUAL_SQL, [year, community]).fetchall()
            else:
                rows = con.execute(_QUARTERLY_SQL, [year, quarter, community]).fetchall()
        except Exception as exc:  # duckdb.CatalogException when the marts were never built
            if "does not exist" in str(exc):
                raise IndicatorsNotBuilt(
                    f"the indicator marts are not built in {settings.warehouse_path}: run `rolwh build`"
                ) from None
            raise
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
    """Print the indicators of a year or quarter as a table in Chinese; exit code 0, 1 if none."""

    rows = indicator_rows(settings, year, quarter, community)
    period = f"{year}年" + (f"第{quarter}季度" if quarter else "")
    where = "全街道" if community == "ALL" else ("未匹配社区" if community == "UNKNOWN" else safe(community))
    console = Console(file=out or sys.stdout, width=140)
    if not rows:
        console.print(f"{period} {where}: 无指标数据(该期间不在数据范围内,或社区代码不存在)")
        return 1
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
