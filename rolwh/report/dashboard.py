"""The static HTML dashboard of a year: inline CSS and SVG, Chinese labels, no external resource."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rolwh.report.charts import bar_chart, hbar_chart, line_chart
from rolwh.report.data import DashboardData
from rolwh.report.formatting import format_value
from rolwh.report.templates import environment

#: The service-level promise "1分钟调度完、5分钟达现场、10分钟初处置" and the 30-day CR deadline.
SLA_INDICATORS: tuple[str, ...] = (
    "DP_DISPATCH_1MIN_RATE",
    "DP_ARRIVE_5MIN_RATE",
    "DP_HANDLE_10MIN_RATE",
    "CR_TIMELY_RATE",
)
#: Indicators compared across communities with a chart (every one is in the detail tables).
COMPARED_INDICATORS: tuple[str, ...] = (
    "CR_RECEIVED",
    "CR_SUCCESS_RATE",
    "DS_REGISTERED",
    "DS_RESOLUTION_RATE",
    "PT_RECEIVED",
    "PT_SATISFACTION_RATE",
    "DP_EVENTS",
    "DP_DISPATCH_1MIN_RATE",
)
GROUPS: dict[str, str] = {
    "CR": "法院委托诉前调解",
    "DS": "矛盾纠纷多元化解",
    "PT": "信访工作",
    "DP": "基层治理指挥中心",
    "TR": "学法用法与执法资格",
}


def dashboard_context(data: DashboardData) -> dict[str, object]:
    """Everything the template shows, already formatted (the template only lays it out)."""
    by_code = {i.code: i for i in data.indicators}
    quarter_labels = [p[-2:] for p in data.periods]  # '2024Q1' -> 'Q1'

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
                    "unit": "比率" if ind.unit == "ratio" else "数量",
                    "year": format_value(ind.unit, data.annual.get(("ALL", ind.code))),
                    "quarters": [format_value(ind.unit, v) for v in values],
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
    communities = [(c, n) for c, n in data.communities if c != "ALL"]
    comparisons = []
    for code in COMPARED_INDICATORS:
        compared = by_code.get(code)
        if compared is None or compared.scope != "community":
            continue
        values = [data.annual.get((c, code)) for c, _ in communities]
        comparisons.append(
            {
                "code": code,
                "name": compared.name_zh,
                "chart": hbar_chart(
                    [n for _, n in communities], values, compared.unit, title=f"{compared.name_zh} 社区对比"
                ),
            }
        )
    community_inds = [i for i in data.indicators if i.scope == "community"]
    details = []
    for period in data.periods:
        details.append(
            {
                "period": period,
                "rows": [
                    {
                        "code": ind.code,
                        "name": ind.name_zh,
                        "cells": [
                            format_value(ind.unit, q_value(period, c, ind.code)) for c, _ in data.communities
                        ],
                    }
                    for ind in community_inds
                ],
            }
        )
    return {
        "year": data.year,
        "generated_at": datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M"),
        "publication": data.publication,
        "gate": data.gate,
        "freshness": data.freshness,
        "periods": data.periods,
        "quarter_labels": quarter_labels,
        "groups": groups,
        "sla_chart": line_chart(quarter_labels, sla, title="服务时效达标率")
        if sla and data.periods
        else None,
        "comparisons": comparisons,
        "communities": data.communities,
        "details": details,
        "has_data": bool(data.quarterly or data.annual),
    }


def write_dashboard(data: DashboardData, out_dir: Path) -> Path:
    """Render ``index.html`` of the year into ``out_dir`` (written to a temp file, then renamed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html = environment().get_template("dashboard.html").render(**dashboard_context(data))
    target = out_dir / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(target)
    return target
