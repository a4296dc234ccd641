"""The quality gate on a real DuckDB file with real GX validations."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from rolwh.core.settings import Settings

pytestmark = pytest.mark.slow


def _gate(settings: Settings, mode: str = "nightly", year: int | None = None):
    from expectations.gate import run_gate

    return run_gate(settings, mode=mode, year=year)


def test_clean_dataset_passes_and_records_docs_history_and_audit(clean_warehouse: Settings) -> None:
    import duckdb

    result = _gate(clean_warehouse)

    assert result.passed, result.render()
    assert result.blocking_failures == []
    assert result.evaluated > 100
    assert result.data_docs_path is not None and result.data_docs_path.is_file()
    validations = clean_warehouse.quality_dir / "data_docs" / "validations"
    assert {"raw_court_referrals", "cross_quarter_sums", "completeness_exports"} <= {
        p.name for p in validations.iterdir()
    }
    history = json.loads(result.results_path.read_text(encoding="utf-8"))
    assert history["passed"] is True and history["run_id"] == result.run_id
    json.dumps(result.summary())  # JSON-serialisable
    con = duckdb.connect(str(clean_warehouse.warehouse_path), read_only=True)
    try:
        rows = con.execute("select mode, passed, blocking_count from audit.gate_runs").fetchall()
    finally:
        con.close()
    assert rows == [("nightly", True, 0)]
    assert "PASSED" in result.render()


CR_Q1_FILE = "court_referrals_20240131.xlsx"

# id, statements breaking the clean data, expected expectation, table, text in the finding
BLOCKING_CASES = [
    (
        "required_value_missing",
        [
            f"update raw.court_referrals set referred_date = null where _file_name = '{CR_Q1_FILE}'"
            " and _row_number = 2"
        ],
        "expect_column_values_to_not_be_null",
        "raw.court_referrals",
        f"{CR_Q1_FILE} row 2",
    ),
    (
        "required_column_missing",
        ["alter table raw.exam_results drop column exam_date"],
        "expect_table_columns_to_match_set",
        "raw.exam_results",
        "exam_date",
    ),
    (
        "unknown_code",
        ["update raw.disputes set dispute_level = '特大' where _row_number = 3"],
        "expect_column_values_to_be_in_set",
        "raw.disputes",
        " row 3",  # named by file and row: a delivered cell's value is never quoted
    ),
    (
        "latest_version_key_not_unique",
        [
            "insert into staging.stg_court__referrals"
            " select referral_id from staging.stg_court__referrals limit 1"
        ],
        "expect_column_values_to_be_unique",
        "staging.stg_court__referrals",
        "found 2 of",
    ),
    (
        "mart_key_not_unique",
        [
            "insert into marts.fct_indicator_annual select * from marts.fct_indicator_annual"
            " where indicator_code = 'CR_SUCCESS_RATE' and community_code = 'JJ02'"
        ],
        "expect_compound_columns_to_be_unique",
        "marts.fct_indicator_annual",
        "CR_SUCCESS_RATE",
    ),
    (
        "date_before_range",
        ["update raw.petitions set registered_date = date '1999-12-31' where _row_number = 2"],
        "expect_column_values_to_be_between",
        "raw.petitions",
        " row 2",  # named by file and row, never by the delivered value
    ),
    (
        "date_in_future",
        ["update raw.dispatch_events set reported_at = current_date + interval 30 day where _row_number = 2"],
        "expect_column_values_to_be_between",
        "raw.dispatch_events",
        "reported_at",
    ),
    (
        # outside pandas' nanosecond range: still caught (the gate clamps it to 1678-01-01)
        "date_in_year_1",
        ["update raw.court_referrals set referred_date = date '0001-01-01' where _row_number = 2"],
        "expect_column_values_to_be_between",
        "raw.court_referrals",
        "referred_date",
    ),
    (
        "negative_raw_count",
        ["update raw.study_sessions set attendees = -3 where _row_number = 2"],
        "expect_column_values_to_be_between",
        "raw.study_sessions",
        " row 2",  # named by file and row, never by the delivered value
    ),
    (
        "negative_mart_count",
        [
            "update marts.fct_indicator_annual set numerator = -1, value = -1"
            " where indicator_code = 'CR_PENDING_END' and community_code = 'UNKNOWN'"
        ],
        "expect_column_values_to_be_between",
        "marts.fct_indicator_annual",
        "no negative counts",
    ),
    (
        "ratio_above_one",
        [
            "update marts.fct_indicator_quarterly set value = 1.5"
            " where indicator_code = 'CR_SUCCESS_RATE' and community_code = 'JJ01' and quarter = 3"
        ],
        "expect_column_values_to_be_between",
        "marts.fct_indicator_quarterly",
        "ratios within [0, 1]",
    ),
    (
        "quarter_sum_differs_from_annual",
        [
            "update marts.fct_indicator_quarterly set numerator = numerator + 2, value = value + 2"
            " where indicator_code = 'CR_RECEIVED' and community_code in ('JJ01', 'ALL') and quarter = 2"
        ],
        "expect_column_values_to_be_between",
        "marts.fct_indicator_annual",
        "CR_RECEIVED JJ01 2024: annual",
    ),
    (
        "all_differs_from_communities",
        [
            "update marts.fct_indicator_annual set numerator = numerator + 1"
            " where indicator_code = 'DS_RESOLUTION_RATE' and community_code = 'ALL'"
        ],
        "expect_column_values_to_be_between",
        "marts.fct_indicator_*",
        "fct_indicator_annual 2024 DS_RESOLUTION_RATE: ALL numerator",
    ),
    (
        "mart_table_missing",
        ["drop table marts.dim_community"],
        "table_exists",
        "marts.dim_community",
        "missing",
    ),
]


@pytest.mark.parametrize(
    ("statements", "expectation", "table", "found"),
    [c[1:] for c in BLOCKING_CASES],
    ids=[c[0] for c in BLOCKING_CASES],
)
def test_blocking_expectation_fails_on_broken_data(
    sql: Callable[..., None],
    clean_warehouse: Settings,
    statements: list[str],
    expectation: str,
    table: str,
    found: str,
) -> None:
    sql(*statements)

    result = _gate(clean_warehouse)

    assert not result.passed
    hits = [f for f in result.blocking_failures if f.expectation == expectation and f.table == table]
    assert hits, f"no blocking {expectation} on {table} in:\n{result.render()}"
    assert any(found in str(f) for f in hits), "\n".join(str(f) for f in hits)
    assert expectation in str(hits[0]) and table in str(hits[0])
    assert "BLOCKED" in result.render()


def test_export_gap_and_missing_roster_warn_nightly_but_block_freeze(
    sql: Callable[..., None], clean_warehouse: Settings
) -> None:
    sql(
        "delete from audit.file_loads where feed = 'court_referrals'"
        " and export_date in (date '2024-02-29', date '2024-03-31')",
        "update marts.fct_indicator_quarterly set numerator = null, value = null"
        " where indicator_code = 'TR_CERTIFIED_OFFICERS' and quarter = 1",
    )
    gap = "court_referrals: gap of 90 days between exports 20240131 and 20240430 (cadence 1 month)"
    roster = "TR_CERTIFIED_OFFICERS is NULL for 2024Q1"

    nightly = _gate(clean_warehouse, "nightly")
    assert nightly.passed, nightly.render()
    assert any(gap in str(w) for w in nightly.warnings), nightly.render()
    assert any(roster in str(w) for w in nightly.warnings), nightly.render()

    frozen = _gate(clean_warehouse, "freeze", 2024)
    assert not frozen.passed
    gaps = [f for f in frozen.blocking_failures if gap in str(f)]
    assert gaps and gaps[0].suite == "completeness_exports" and gaps[0].table == "audit.file_loads"
    assert any(roster in str(f) for f in frozen.blocking_failures), frozen.render()


def test_freeze_gate_counts_the_year_bounds_as_export_boundaries(
    sql: Callable[..., None], clean_warehouse: Settings
) -> None:
    sql(
        "delete from audit.file_loads where feed = 'enforcement_officers' and export_date = date '2024-03-31'"
    )

    result = _gate(clean_warehouse, "freeze", 2024)

    assert not result.passed
    text = (
        "enforcement_officers: gap of 181 days between the year start 20240101 and export 20240630"
        " (cadence 3 months)"
    )
    assert any(text in str(f) for f in result.blocking_failures), result.render()


def test_warnings_never_block_and_say_what_was_found(
    sql: Callable[..., None], clean_warehouse: Settings
) -> None:
    sql(
        # bad ID check characters: all petitions' IDs
        "update raw.petitions set petitioner_id_valid = false",
        # negative durations: every dispatch event dispatched before it was reported
        "update raw.dispatch_events set dispatched_at = reported_at - interval 5 minute",
        # half the court volume vanishes after Q1
        "delete from raw.court_referrals where referred_date >= date '2024-04-01' and _row_number > 2",
        # many records without a community
        "update marts.fct_indicator_annual set value = 9, numerator = 9"
        " where indicator_code = 'CR_RECEIVED' and community_code = 'UNKNOWN'",
        "update marts.fct_indicator_annual set value = value + 9, numerator = numerator + 9"
        " where indicator_code = 'CR_RECEIVED' and community_code = 'ALL'",
        "update marts.fct_indicator_quarterly set value = 9, numerator = 9"
        " where indicator_code = 'CR_RECEIVED' and community_code = 'UNKNOWN' and quarter = 4",
        "update marts.fct_indicator_quarterly set value = value + 9, numerator = numerator + 9"
        " where indicator_code = 'CR_RECEIVED' and community_code = 'ALL' and quarter = 4",
    )

    result = _gate(clean_warehouse)

    assert result.passed, result.render()
    text = "\n".join(str(w) for w in result.warnings)
    assert "[raw_petitions] expect_column_values_to_be_in_set on raw.petitions.petitioner_id_valid" in text
    assert "[raw_dispatch_events]" in text and "has_negative_duration" in text
    assert "court_referrals: 3 records in 2024Q2 against 12 in 2024Q1" in text
    assert "2024Q3 against" not in text  # 3 against 3: no drop
    assert "CR_RECEIVED 2024: 9" in text and "UNKNOWN community" in text


@pytest.mark.parametrize(("annual", "passes"), [(6, True), (8, False), (3, False)])
def test_distinct_person_counts_lie_between_the_largest_quarter_and_the_quarter_sum(
    sql: Callable[..., None], clean_warehouse: Settings, annual: int, passes: bool
) -> None:
    # one person passes the exam in Q2 and again in Q3: quarters 4 + 3, the year counts 6 persons
    sql(
        "insert into marts.dim_indicator values ('TR_ENFORCEMENT_EXAM_PASSED', '通过人数', 'passed', 'count',"
        " 'flow', 'subdistrict', 'exam_results', '不同人员数', false)",
        "insert into marts.fct_indicator_quarterly"
        " select year, quarter, period, period_start, period_end, 'ALL',"
        " 'TR_ENFORCEMENT_EXAM_PASSED', v, null, v from (select *, [0, 4, 3, 0][quarter] as v"
        " from marts.fct_indicator_quarterly"
        " where indicator_code = 'CR_RECEIVED' and community_code = 'ALL')",
        "insert into marts.fct_indicator_annual select year, period, period_start, period_end, 'ALL',"
        f" 'TR_ENFORCEMENT_EXAM_PASSED', {annual}, null, {annual} from marts.fct_indicator_annual"
        " where indicator_code = 'CR_RECEIVED' and community_code = 'ALL'",
    )

    result = _gate(clean_warehouse)

    assert result.passed is passes, result.render()
    if not passes:
        (hit,) = [f for f in result.blocking_failures if f.suite == "cross_quarter_sums"]
        assert f"TR_ENFORCEMENT_EXAM_PASSED ALL 2024: annual {annual}" in str(hit)
        assert "(largest quarter 4" in str(hit)


def test_a_raw_finding_never_quotes_the_cell(sql: Callable[..., None], clean_warehouse: Settings) -> None:
    """A bad value in a delivered file's cell may be personal data: the finding, the history file
    and audit.gate_runs name its file and row, never the value."""
    import duckdb

    secret = "张三13912345678"
    sql(f"update raw.disputes set dispute_level = '{secret}' where _row_number = 3")
    result = _gate(clean_warehouse)
    [finding] = [f for f in result.blocking_failures if f.table == "raw.disputes"]
    assert " row 3" in finding.message and secret not in finding.message
    assert secret not in result.results_path.read_text(encoding="utf-8")
    con = duckdb.connect(str(clean_warehouse.warehouse_path), read_only=True)
    try:
        (summary,) = con.execute("select summary_json from audit.gate_runs").fetchone() or ("",)
    finally:
        con.close()
    assert " row 3" in summary and secret not in summary


def test_the_verdict_is_chinese_by_default_naming_file_row_and_what_to_do(
    sql: Callable[..., None], clean_warehouse: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a clerk reads of a blocked gate: Chinese unless ROLWH_LANG=en, the file and row of the
    bad cell named, never its value, and what to do."""
    monkeypatch.delenv("ROLWH_LANG", raising=False)
    secret = "张三13912345678"
    sql(f"update raw.disputes set dispute_level = '{secret}' where _row_number = 3")
    text = _gate(clean_warehouse).render()
    assert text.startswith("质量门禁（每日运行）：未通过（阻断发布） — 共 ")
    [line] = [s for s in text.splitlines() if "[raw_disputes]" in s]
    assert line.startswith("  阻断 [raw_disputes] ") and "应满足：纠纷等级 取值为 " in line
    assert " 第 3 行" in line and secret not in text
    assert "处理办法：本次未发布任何数据" in text
    assert "BLOCKED" not in text and "expected" not in text
