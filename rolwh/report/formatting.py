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
    if unit == "average":
        return format_average(value)
    return format_percent(value) if unit == "ratio" else format_count(value)


def format_average(value: float | None) -> str:
    """A mean per head, one decimal (17.94 -> '17.9'); None -> '—'."""
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.1f}"


def format_change(unit: str, delta: float | int | None) -> str:
    """A change between two periods, signed: ratios in percentage points (+1.5个百分点), counts as
    integers (+12); None -> '—' (no earlier period)."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return "—"
    if unit == "ratio":
        text = format_percent(abs(delta)).removesuffix("%")
        sign = "+" if delta > 0 else "−" if delta < 0 and text != "0" else ""
        return f"{sign}{text}个百分点"
    count = round(delta)
    return f"+{count}" if count > 0 else f"−{-count}" if count < 0 else "0"


def format_approximate(value: float | int | None) -> str:
    """A count the report's way "N余": rounded down to its leading digit's magnitude, plus 余
    (53 -> '50余', 215 -> '200余', 30450 -> '30000余'). Below 10, or already round (50), exact."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    count = round(value)
    if count < 10:
        return str(count)
    magnitude = 10 ** (len(str(count)) - 1)
    floor = count // magnitude * magnitude
    return str(count) if floor == count else f"{floor}余"
