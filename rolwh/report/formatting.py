"""How figures read in Chinese reports: counts as integers, ratios as percentages (28.26%)."""

from __future__ import annotations

import math

COMMUNITY_FALLBACK_NAMES: dict[str, str] = {"ALL": "全街道", "UNKNOWN": "未能归属"}


def format_count(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return str(round(value))


def format_percent(value: float | None, digits: int = 2) -> str:
    """0.2826 -> '28.26%', 1.0 -> '100%', 0.3 -> '30%'; None -> '—' (no denominator)."""
    if value is None or math.isnan(value):
        return "—"
    text = f"{value * 100:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def format_value(unit: str, value: float | int | None) -> str:
    """A figure as the report prints it, by the indicator's unit (``count`` or ``ratio``)."""
    return format_percent(value) if unit == "ratio" else format_count(value)


def format_change(unit: str, change: float | None) -> str:
    """A change (同比) by unit: ratios in percentage points (+1.5个百分点), counts signed (+12); '' for None."""
    if change is None or math.isnan(change):
        return ""
    if unit == "ratio":
        points = format_percent(abs(change)).rstrip("%")
        return f"{'-' if change < 0 else '+'}{points}个百分点"
    return f"{round(change):+d}"
