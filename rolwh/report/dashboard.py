"""The static HTML dashboard of a year: a management view with inline CSS and SVG, no external resource.

Status tiles (红黄绿 from ``marts.fct_indicator_status``) come first, then the street-wide table in the
dictionary's order, the service-time chart, a ranked community comparison of every community-level
indicator, quarantined files and feed freshness, and the quarter × community detail. It reads on a
360 px phone and prints to A4 (see the template's CSS).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from rolwh.report.charts import bar_chart, line_chart, ranked_hbar_chart
from rolwh.report.data import DashboardData, Indicator, Status
from rolwh.report.explain_pages import explain_href
from rolwh.report.formatting import format_change, format_value
from rolwh.report.templates import environment

#: The service-level promise "1分钟调度完、5分钟达现场、10分钟初处置" and the 30-day CR deadline.
SLA_INDICATORS: tuple[str, ...] = (
    "DP_DISPATCH_1MIN_RATE",
    "DP_ARRIVE_5MIN_RATE",
    "DP_HANDLE_10MIN_RATE",
    "CR_TIMELY_RATE",
)
GROUPS: dict[str, str] = {
    "CR": "法院委托诉前调解",
    "DS": "矛盾纠纷多元化解",
    "PT": "信访工作",
    "DP": "基层治理指挥中心",
    "TR": "学法用法与执法资格",
}
QUARTER_ZH = ("", "一", "二", "三", "四")
#: Communities per detail table, so a quarter's table fits an A4 page and a phone stacks it.
DETAIL_COLUMNS = 8
#: Pages written beside the dashboard by others, linked when present at render time (label, path
#: relative to the year's report folder ``reports/<year>/``).
DOC_LINKS: tuple[tuple[str, str], ...] = (
    ("dbt 数据模型文档（离线）", "../../docs/dbt.html"),
    ("数据质量检查结果（离线）", "../../docs/quality.html"),
)


def year_coverage(data: DashboardData) -> str | None:
    """None when the year is complete, else what it covers (「截至一季度」): partial by the mart's
    ``is_partial`` of the street-wide annual rows, or with fewer than four quarters in the data."""
    quarters = [int(p[-1]) for p in data.periods]
    flagged = any(s.is_partial for (q, c, _), s in (data.status or {}).items() if q is None and c == "ALL")
    last = max(quarters, default=0)
    if not flagged and last == 4:
        return None
    return f"截至{QUARTER_ZH[last]}季度" if last else "暂无数据"


def target_text(unit: str, status: Status | None) -> str:
    """'≥98%（黄≥95%）' / '≤3%（黄≤5%）', or '未设目标'."""
    if status is None or status.green_threshold is None:
        return "未设目标"
    sign = "≤" if status.direction == "lower" else "≥"
    text = f"{sign}{format_value(unit, status.green_threshold)}"
    if status.yellow_threshold is not None:
        text += f"（黄{sign}{format_value(unit, status.yellow_threshold)}）"
    return text


def _status_cell(unit: str, status: Status | None, yoy: Status | None) -> dict[str, str]:
    """Target, status and 同比 of a row; ``yoy`` is the row whose 同比 is shown (see ``yoy_quarter``)."""
    return {
        "css": status.status if status else "none",
        "label": status.status_zh if status else "—",
        "target": target_text(unit, status) if status else "—",
        "yoy": format_change(unit, yoy.yoy_change if yoy else None),
    }


def yoy_quarter(data: DashboardData) -> int | None:
    """Whose 同比 the page shows: the year's (None) when the year is complete; in a partial year the
    latest quarter's against the same quarter a year earlier, since a year-to-date figure set against
    a whole year is no comparison."""
    if year_coverage(data) is None or not data.periods:
        return None
    return int(data.periods[-1][-1])


def _links(data: DashboardData, out_dir: Path) -> list[dict[str, str]]:
    excel = f"indicators_{data.year}.xlsx"
    found = [("下载 Excel 指标表", excel)] if (out_dir / excel).exists() else []
    found += [(label, rel) for label, rel in DOC_LINKS if (out_dir / rel).exists()]
    return [{"label": label, "href": Path(rel).as_posix()} for label, rel in found]


def _tiles(data: DashboardData, quarter_labels: list[str]) -> list[dict[str, object]]:
    status = data.status or {}
    last_q = int(data.periods[-1][-1]) if data.periods else None
    yoy_q = yoy_quarter(data)
    tiles: list[dict[str, object]] = []
    for ind in data.indicators:
        q_status = status.get((last_q, "ALL", ind.code)) if last_q else None
        cell = _status_cell(
            ind.unit, status.get((None, "ALL", ind.code)), status.get((yoy_q, "ALL", ind.code))
        )
        tiles.append(
            {
                "code": ind.code,
                "name": ind.name_zh,
                "value": format_value(ind.unit, data.annual.get(("ALL", ind.code))),
                **cell,
                "qoq": format_change(ind.unit, q_status.qoq_change if q_status else None),
                "qoq_label": f"{quarter_labels[-1]}环比" if quarter_labels else "环比",
            }
        )
    return tiles


def _comparison(data: DashboardData, ind: Indicator) -> dict[str, object]:
    """The communities ranked (best first by the target's direction), against the street: a ratio's
    street-wide value, or for a count (the street's total) the communities' average."""
    year_status = (data.status or {}).get((None, "ALL", ind.code))
    items = [
        (name, data.annual.get((code, ind.code)))
        for code, name in data.communities
        if code not in ("ALL", "UNKNOWN")
    ]
    reference = data.annual.get(("ALL", ind.code))
    label = "全街道"
    if ind.unit != "ratio":
        present = [v for _, v in items if v is not None]
        reference, label = (sum(present) / len(present) if present else None), "村（社区）平均"
    return {
        "code": ind.code,
        "name": ind.name_zh,
        "chart": ranked_hbar_chart(
            items,
            ind.unit,
            title=f"{ind.name_zh} 村（社区）排名",
            reference=reference,
            reference_label=label,
            ascending=bool(year_status and year_status.direction == "lower"),
        ),
    }


def dashboard_context(data: DashboardData, out_dir: Path) -> dict[str, object]:
    """Everything the template shows, already formatted (the template only lays it out)."""
    by_code = {i.code: i for i in data.indicators}
    quarter_labels = [p[-2:] for p in data.periods]  # '2024Q1' -> 'Q1'
    status = data.status or {}

    def q_value(period: str, community: str, code: str) -> float | None:
        return data.quarterly.get((period, community, code), (None, None, None))[2]

    groups = []
    for prefix, title in GROUPS.items():
        rows = []
        for ind in (i for i in data.indicators if i.code.startswith(prefix + "_")):
            values = [q_value(p, "ALL", ind.code) for p in data.periods]
            rows.append(
                {
                    "code": ind.code,
                    "name": ind.name_zh,
                    "year": format_value(ind.unit, data.annual.get(("ALL", ind.code))),
                    "status": _status_cell(
                        ind.unit,
                        status.get((None, "ALL", ind.code)),
                        status.get((yoy_quarter(data), "ALL", ind.code)),
                    ),
                    "quarters": [format_value(ind.unit, v) for v in values],
                    "year_href": explain_href(out_dir, ind.code, str(data.year)),
                    "quarter_hrefs": [explain_href(out_dir, ind.code, p) for p in data.periods],
                    "chart": bar_chart(quarter_labels, values, ind.unit, title=f"{ind.name_zh} 分季度"),
                }
            )
        if rows:
            groups.append({"title": title, "rows": rows})
    sla = [
        (by_code[c].name_zh, [q_value(p, "ALL", c) for p in data.periods])
        for c in SLA_INDICATORS
        if c in by_code
    ]
    community_inds = [i for i in data.indicators if i.scope == "community"]
    chunks = [
        data.communities[i : i + DETAIL_COLUMNS] for i in range(0, len(data.communities), DETAIL_COLUMNS)
    ]
    details = [
        {
            "period": period,
            "tables": [
                {
                    "communities": chunk,
                    "rows": [
                        {
                            "code": ind.code,
                            "name": ind.name_zh,
                            "cells": [format_value(ind.unit, q_value(period, c, ind.code)) for c, _ in chunk],
                            "hrefs": [explain_href(out_dir, ind.code, period, c) for c, _ in chunk],
                        }
                        for ind in community_inds
                    ],
                }
                for chunk in chunks
            ],
        }
        for period in data.periods
    ]
    coverage = year_coverage(data)
    tiles = _tiles(data, quarter_labels)
    for tile in tiles:  # each figure links to the records behind it
        tile["href"] = explain_href(out_dir, str(tile["code"]), str(data.year))
    counts = {
        css: sum(1 for t in tiles if t["css"] == css)
        for css in ("red", "yellow", "green", "no_target", "no_value")
    }
    return {
        "year": data.year,
        "generated_at": datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M"),
        "publication": data.publication,
        "gate": data.gate,
        "freshness": data.freshness,
        "quarantined": data.quarantined,
        "periods": data.periods,
        "quarter_labels": quarter_labels,
        "year_label": f"全年（{coverage}）" if coverage else "全年",
        "partial": coverage is not None,
        "coverage": coverage,
        "has_status": data.status is not None,
        # 同比 only when the year before is in the mart (a first year has none to compare with)
        "has_yoy": any(
            s.prev_year_value is not None
            for (q, c, _), s in status.items()
            if q == yoy_quarter(data) and c == "ALL"
        ),
        "yoy_label": "同比" if yoy_quarter(data) is None else f"{quarter_labels[-1]}同比",
        "tiles": tiles,
        "status_counts": counts,
        "groups": groups,
        "sla_chart": line_chart(quarter_labels, sla, title="服务时效达标率")
        if sla and data.periods
        else None,
        "comparisons": [_comparison(data, ind) for ind in community_inds],
        "details": details,
        "links": _links(data, out_dir),
        "has_data": bool(data.quarterly or data.annual),
    }


def write_dashboard(data: DashboardData, out_dir: Path) -> Path:
    """Render ``index.html`` of the year into ``out_dir`` (written to a temp file, then renamed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html = environment().get_template("dashboard.html").render(**dashboard_context(data, out_dir))
    target = out_dir / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, target)
    return target
