"""Inline SVG charts drawn in Python: the dashboard needs no script, font or CDN to render offline."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from rolwh.report.formatting import format_value

PALETTE = ("#1f5fa8", "#d9822b", "#2e9d5b", "#b8433f", "#7c5cbf", "#5b6b7b")


def _scale_max(values: Sequence[float | None], unit: str) -> float:
    top = max((v for v in values if v is not None), default=0.0)
    if unit == "ratio":
        return max(1.0, top)
    return top if top > 0 else 1.0


def bar_chart(labels: Sequence[str], values: Sequence[float | None], unit: str, *, title: str) -> Markup:
    """Vertical bars (one per quarter) with the formatted value on each bar."""
    width, height, pad_l, pad_b, pad_t = 260, 150, 8, 22, 18
    n = max(len(labels), 1)
    slot = (width - pad_l * 2) / n
    top = _scale_max(values, unit)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - pad_l}" y2="{height - pad_b}" '
        'stroke="#999"/>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = pad_l + i * slot + slot * 0.15
        w = slot * 0.7
        h = 0.0 if value is None else (height - pad_b - pad_t) * float(value) / top
        y = height - pad_b - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{PALETTE[0]}"/>')
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">'
            f"{escape(format_value(unit, value))}</text>"
        )
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{height - 6}" text-anchor="middle" font-size="11" fill="#444">'
            f"{escape(label)}</text>"
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
    """Several ratio series over the quarters, with a legend (the SLA compliance chart)."""
    width, height, pad_l, pad_r, pad_b, pad_t = 560, 230, 44, 12, 26, 14
    legend_h = 18 * len(series)
    plot_h = height - pad_b - pad_t
    top = _scale_max([v for _, vs in series for v in vs], unit)
    n = max(len(labels), 1)
    step = (width - pad_l - pad_r) / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad_l + (i * step if n > 1 else (width - pad_l - pad_r) / 2)
        return x, pad_t + plot_h * (1 - v / top)

    total_h = height + legend_h
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {total_h}" width="{width}" height="{total_h}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        y = pad_t + plot_h * (1 - frac)
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        parts.append(
            f'<text x="{pad_l - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="#666">'
            f"{escape(format_value(unit, frac * top))}</text>"
        )
    for i, label in enumerate(labels):
        x, _ = xy(i, 0)
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="11" fill="#444">'
            f"{escape(label)}</text>"
        )
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
            f'<text x="{pad_l + 18}" y="{ly}" font-size="11">{escape(name)}(最近:'
            f"{escape(format_value(unit, last))})</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def hbar_chart(labels: Sequence[str], values: Sequence[float | None], unit: str, *, title: str) -> Markup:
    """Horizontal bars, one per community: the community comparison."""
    row, pad_l, width, value_w = 18, 92, 520, 64
    height = row * len(labels) + 8
    top = _scale_max(values, unit)
    bar_w = width - pad_l - value_w
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 4 + i * row
        w = 0.0 if value is None else bar_w * float(value) / top
        parts.append(
            f'<text x="{pad_l - 6}" y="{y + 12}" text-anchor="end" font-size="11">{escape(label)}</text>'
            f'<rect x="{pad_l}" y="{y + 2}" width="{w:.1f}" height="{row - 5}" fill="{PALETTE[1]}"/>'
            f'<text x="{pad_l + w + 4:.1f}" y="{y + 12}" font-size="11">'
            f"{escape(format_value(unit, value))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
