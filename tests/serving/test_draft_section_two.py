"""Section 二 (不足) backed by data: the caseload per mediator and the spread between communities,
as dbt builds them in the demo's published serving file, and the draft's sentences on them."""

from __future__ import annotations

import statistics

from rolwh.core.settings import Settings
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
