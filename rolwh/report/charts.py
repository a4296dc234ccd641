"""Inline SVG charts drawn in Python: the dashboard needs no script, font or CDN to render offline.

Hand-written SVG rather than an inlined charting library (ECharts, Vega-Lite): the dashboard needs
bars, lines, a reference line and axes only, prints and scales without a script, and stays a few
kilobytes per chart. Every chart has a value axis with ticks; lines use a range fitted to the data
(a service-time chart between 75% and 92% is drawn on 70%–95%, not 0–100%), bars start at zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from rolwh.report.formatting import format_value

PALETTE = ("#1f5fa8", "#d9822b", "#2e9d5b", "#b8433f", "#7c5cbf", "#5b6b7b")
AXIS = "#999"
GRID = "#e6e6e6"
REFERENCE = "#8b1a1a"


def _step(span: float, unit: str, ticks: int) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^k) giving at most ``ticks`` intervals over ``span``."""
    raw = max(span, 1e-9) / ticks
    base = 10 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1, 2, 2.5, 5, 10) if m * base >= raw)
    return max(step, 1.0) if unit != "ratio" else step


def axis_range(
    values: Sequence[float | None], unit: str, *, from_zero: bool, ticks: int = 5
) -> tuple[float, float, list[float]]:
    """(low, high, tick values) of a value axis: from zero for bars, fitted to the data for lines;
    ratios stay within 0–100%."""
    present = [float(v) for v in values if v is not None]
    lo = 0.0 if from_zero or not present else min(present)
    hi = max(present, default=0.0)
    if hi <= lo:
        pad = 0.05 if unit == "ratio" else 1.0
        lo, hi = (lo if from_zero else max(lo - pad, 0.0)), hi + pad
    step = _step(hi - lo, unit, ticks)
    low = max(math.floor(lo / step - 1e-9) * step, 0.0 if min(present, default=0.0) >= 0 else -math.inf)
    high = math.ceil(hi / step - 1e-9) * step
    if unit == "ratio" and max(present, default=0.0) <= 1.0:
        high = min(high, 1.0)
    count = round((high - low) / step)
    return low, high, [low + i * step for i in range(count + 1)]


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )


def _text(
    x: float, y: float, text: str, *, anchor: str = "middle", size: int = 11, fill: str = "#444"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">'
        f"{escape(text)}</text>"
    )


def bar_chart(labels: Sequence[str], values: Sequence[float | None], unit: str, *, title: str) -> Markup:
    """Vertical bars (one per quarter) on a value axis from zero, the formatted value on each bar."""
    width, height, pad_l, pad_r, pad_b, pad_t = 280, 160, 46, 8, 22, 18
    low, high, ticks = axis_range(values, unit, from_zero=True, ticks=3)
    plot_h = height - pad_b - pad_t
    n = max(len(labels), 1)
    slot = (width - pad_l - pad_r) / n

    def y_of(v: float) -> float:
        return pad_t + plot_h * (1 - (v - low) / (high - low))

    parts = [_open(width, height, title)]
    for t in ticks:
        y = y_of(t)
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(pad_l - 4, y + 4, format_value(unit, t), anchor="end", size=10, fill="#666"))
    parts.append(f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{height - pad_b}" stroke="{AXIS}"/>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = pad_l + i * slot + slot * 0.15
        w = slot * 0.7
        y = y_of(float(value)) if value is not None else height - pad_b
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{height - pad_b - y:.1f}" '
            f'fill="{PALETTE[0]}"/>'
        )
        parts.append(_text(x + w / 2, y - 4, format_value(unit, value), fill="#222"))
        parts.append(_text(x + w / 2, height - 6, label))
    parts.append(
        f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - pad_r}" y2="{height - pad_b}" stroke="{AXIS}"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    unit: str = "ratio",
) -> Markup:
    """Several series over the quarters on an axis fitted to the data, with a legend."""
    width, height, pad_l, pad_r, pad_b, pad_t = 560, 230, 52, 16, 26, 14
    legend_h = 18 * len(series)
    plot_h = height - pad_b - pad_t
    low, high, ticks = axis_range([v for _, vs in series for v in vs], unit, from_zero=False)
    inset = 24  # the first quarter's label clears the value axis' lowest tick
    n = max(len(labels), 1)
    step = (width - pad_l - pad_r - inset) / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad_l + inset + (i * step if n > 1 else (width - pad_l - pad_r - inset) / 2)
        return x, pad_t + plot_h * (1 - (v - low) / (high - low))

    total_h = height + legend_h
    parts = [_open(width, total_h, title)]
    for t in ticks:
        _, y = xy(0, t)
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(pad_l - 4, y + 4, format_value(unit, t), anchor="end", size=10, fill="#666"))
    parts.append(f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{pad_t + plot_h}" stroke="{AXIS}"/>')
    for i, label in enumerate(labels):
        x, _ = xy(i, low)
        parts.append(_text(x, height - 8, label))
    for k, (name, values) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        points = [xy(i, float(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in enumerate(values):
            if v is None:
                continue
            x, y = xy(i, float(v))
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                f"<title>{escape(name)} {escape(labels[i])}: "
                f"{escape(format_value(unit, v))}</title></circle>"
            )
        ly = height + 14 * k + 8
        parts.append(f'<rect x="{pad_l}" y="{ly - 8}" width="12" height="8" fill="{color}"/>')
        last = next((v for v in reversed(values) if v is not None), None)
        parts.append(
            _text(pad_l + 18, ly, f"{name}（最近：{format_value(unit, last)}）", anchor="start", fill="#222")
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def ranked_hbar_chart(
    items: Sequence[tuple[str, float | None]],
    unit: str,
    *,
    title: str,
    reference: float | None = None,
    reference_label: str = "全街道",
    ascending: bool = False,
) -> Markup:
    """Horizontal bars, one per community, ranked (best first: highest, or lowest with ``ascending``),
    with the street-wide value as a dashed reference line; communities without a value go last."""
    ranked = sorted(items, key=lambda it: (it[1] is None, (it[1] or 0.0) if ascending else -(it[1] or 0.0)))
    row, pad_l, width, value_w, pad_t, pad_b = 18, 96, 520, 60, 16, 20
    plot_w = width - pad_l - value_w
    height = pad_t + row * len(ranked) + pad_b
    low, high, ticks = axis_range([v for _, v in ranked] + [reference], unit, from_zero=True, ticks=4)

    def x_of(v: float) -> float:
        return pad_l + plot_w * (v - low) / (high - low)

    parts = [_open(width, height, title)]
    bottom = pad_t + row * len(ranked)
    for t in ticks:
        x = x_of(t)
        parts.append(f'<line x1="{x:.1f}" y1="{pad_t}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>')
        parts.append(_text(x, bottom + 14, format_value(unit, t), size=10, fill="#666"))
    for i, (label, value) in enumerate(ranked):
        y = pad_t + i * row
        w = 0.0 if value is None else x_of(float(value)) - pad_l
        parts.append(_text(pad_l - 6, y + 12, f"{i + 1}. {label}", anchor="end", fill="#222"))
        parts.append(
            f'<rect x="{pad_l}" y="{y + 2}" width="{w:.1f}" height="{row - 5}" fill="{PALETTE[1]}"/>'
        )
        parts.append(_text(pad_l + w + 4, y + 12, format_value(unit, value), anchor="start", fill="#222"))
    parts.append(f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{bottom}" stroke="{AXIS}"/>')
    if reference is not None:
        x = x_of(float(reference))
        parts.append(
            f'<line class="reference" x1="{x:.1f}" y1="{pad_t - 4}" x2="{x:.1f}" y2="{bottom}" '
            f'stroke="{REFERENCE}" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        parts.append(
            _text(x, pad_t - 6, f"{reference_label} {format_value(unit, reference)}", size=10, fill=REFERENCE)
        )
    parts.append("</svg>")
    return Markup("".join(parts))
