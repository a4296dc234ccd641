"""Section 二 (不足) backed by data: the caseload per mediator and the spread between communities,
as dbt builds them in the demo's published serving file, and the draft's sentences on them."""

from __future__ import annotations

import statistics
from pathlib import Path

import docx

from rolwh.core.settings import Settings
from rolwh.report.draft import draft_context, write_draft
from rolwh.report.formatting import format_percent
from rolwh.serving.query import open_reader


def test_caseload_per_mediator_counts_the_year_cases_over_distinct_mediators(
    demo_published: Settings,
) -> None:
    con = open_reader(demo_published)
    try:
        rows = con.execute(
            "select community_code, disputes, court_referrals, active_mediators, cases_per_mediator, "
            "referrals_per_mediator from marts.fct_mediation_caseload where period = '2024'"
        ).fetchall()
    finally:
        con.close()
    by_community = {r[0]: r for r in rows}
    street = by_community.pop("ALL")
    assert street[1:3] == (8050, 476)  # DS_REGISTERED and CR_RECEIVED of the report
    assert sum(r[1] for r in by_community.values()) == 8050
    assert sum(r[2] for r in by_community.values()) == 476
    assert 0 < street[3] < 8050 + 476
    assert street[4] == (8050 + 476) / street[3]
    assert street[5] == 476 / street[3]
    assert all(r[3] <= street[3] for r in by_community.values())


def test_spread_names_the_highest_and_lowest_community_and_the_cv(demo_published: Settings) -> None:
    con = open_reader(demo_published)
    try:
        spread = con.execute(
            "select indicator_code, communities, max_value, max_community, min_value, min_community, cv "
            "from marts.fct_indicator_spread where period = '2024'"
        ).fetchall()
        values = con.execute(
            "select a.indicator_code, a.community_code, a.value from marts.fct_indicator_annual a "
            "join marts.dim_indicator d using (indicator_code) where a.year = 2024 and d.unit = 'ratio' "
            "and d.scope = 'community' and a.community_code not in ('ALL', 'UNKNOWN') and a.value is not null"
        ).fetchall()
    finally:
        con.close()
    per_code: dict[str, dict[str, float]] = {}
    for code, community, value in values:
        per_code.setdefault(code, {})[community] = value
    assert {row[0] for row in spread} == set(per_code) and "CR_SUCCESS_RATE" in per_code
    for code, n, high, high_at, low, low_at, cv in spread:
        found = per_code[code]
        assert n == len(found)
        assert high == max(found.values()) == found[high_at]
        assert low == min(found.values()) == found[low_at]
        mean = statistics.fmean(found.values())
        if mean:
            assert abs(cv - statistics.pstdev(found.values()) / mean) < 1e-9


def test_section_two_argues_from_the_marts_with_linked_figures(
    demo_published: Settings, tmp_path: Path
) -> None:
    con = open_reader(demo_published)
    try:
        mediators, per_head, referrals_per_head = con.execute(
            "select active_mediators, cases_per_mediator, referrals_per_mediator "
            "from marts.fct_mediation_caseload where period = '2024' and community_code = 'ALL'"
        ).fetchone() or (None, None, None)
        high, high_at, low, low_at = con.execute(
            "select s.max_value, c.name_zh, s.min_value, d.name_zh from marts.fct_indicator_spread s "
            "join marts.dim_community c on c.community_code = s.max_community "
            "join marts.dim_community d on d.community_code = s.min_community "
            "where s.period = '2024' and s.indicator_code = 'CR_SUCCESS_RATE'"
        ).fetchone() or (None, None, None, None)
    finally:
        con.close()
    paths = {p.name: p for p in write_draft(demo_published, 2024, tmp_path)}
    md = paths["draft.md"].read_text(encoding="utf-8")
    page = paths["draft.html"].read_text(encoding="utf-8")
    word = "\n".join(p.text for p in docx.Document(str(paths["draft.docx"])).paragraphs)

    assert md.index("## 二、存在的不足") > md.index("## 一、工作情况及成效")
    assert f"仅[{mediators}](#ind-caseload.active_mediators)个" in md
    assert f"人均承办[{per_head:.1f}](#ind-caseload.cases_per_mediator)件" in md
    assert f"人均承接法院委托案件[{referrals_per_head:.1f}](#ind-caseload.referrals_per_mediator)件" in md
    rate = f"诉前调解成功率最高的{high_at}为[{format_percent(high)}](#ind-CR_SUCCESS_RATE.max)"
    assert rate in md
    assert f"最低的{low_at}仅为[{format_percent(low)}](#ind-CR_SUCCESS_RATE.min)" in md
    # each figure has its entry in the 口径 appendix, with its definition
    for code in ("caseload.cases_per_mediator", "CR_SUCCESS_RATE.max", "CR_SUCCESS_RATE.cv"):
        assert f'<a id="ind-{code}"></a>`{code}`' in md
        assert f'<tr id="ind-{code}">' in page
        assert f'href="#ind-{code}"' in page
    assert "诉前调解成功率社区间变异系数" in md
    assert "| 调解员人均办案量 |" in md
    # the same sentences in Word, figures as plain text
    assert "二、存在的不足" in word.split("\n")
    assert f"人均承办{per_head:.1f}件" in word and f"最高的{high_at}为{format_percent(high)}" in word


def test_without_the_marts_section_two_is_left_out(published: Settings, tmp_path: Path) -> None:
    """The small fixture warehouse (like a release frozen before these marts) has no caseload or
    spread: the optional paragraphs are left out, no error, no empty section."""
    ctx = draft_context(published, 2024)
    assert [s["title"] for s in ctx["sections"]] == ["一、工作情况及成效"]
    md = {p.name: p for p in write_draft(published, 2024, tmp_path)}["draft.md"].read_text(encoding="utf-8")
    assert "存在的不足" not in md
