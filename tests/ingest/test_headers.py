"""Header detection: title rows, header spelling variants, missing required columns, drift."""

from __future__ import annotations

import pytest

from ingest.headers import find_header
from ingest.quarantine import Quarantine
from rolwh.core.contracts import feed

STUDY = ["活动编号", "活动日期", "活动类型", "主题", "主讲人", "参加人数", "组织科室"]


def test_header_found_below_title_rows():
    rows = [(1, ["学法活动导出(截至2024-03-31)", None]), (2, [None] * 7), (3, STUDY)]
    match = find_header(feed("study_sessions"), rows)
    assert match.row_number == 3
    assert match.positions["attendees"] == 5


def test_header_variants_match_after_nfkc_and_white_space_removal():
    header = ["案号", "委托日期", "标的金额(元)", "调解方式", "调解状态", "更新时间"]
    variants = [
        "案 号",
        "委托\n日期",
        "标的金额（元）",
        "調解方式".replace("調", "调"),
        " 调解状态 ",
        "更新时间",
    ]
    for cells in (header, variants):
        match = find_header(feed("court_referrals"), [(1, cells)])
        assert match.positions["claim_amount"] == 2


def test_missing_required_column_names_the_missing_and_the_found_columns():
    rows = [(1, ["标题"]), (2, ["活动编号", "活动日期", "主题", "参加人数"])]
    with pytest.raises(Quarantine) as exc:
        find_header(feed("study_sessions"), rows)
    message = str(exc.value)
    assert "missing required column(s): 活动类型" in message
    assert "best candidate row 2 of the first 10 has 4 non-blank cell(s)" in message
    assert "4 of them contract headers (活动编号, 活动日期, 主题, 参加人数)" in message


def test_the_missing_column_reason_never_quotes_a_cell():
    """A headerless file's first rows are data (names, ID numbers) or a key: only their shape is told."""
    secret, name, pid = "k3y-" + "a1b2c3d4" * 5, "张晓明", "11010519491231002X"
    rows = [(1, [secret]), (2, [name, pid, "13800138000", "活动日期"])]
    with pytest.raises(Quarantine) as exc:
        find_header(feed("study_sessions"), rows)
    message = str(exc.value)
    assert all(v not in message for v in (secret, name, pid, "13800138000")), message
    assert (
        "best candidate row 2 of the first 10 has 4 non-blank cell(s), 1 of them contract headers (活动日期)"
        in message
    )


def test_header_beyond_the_first_ten_rows_is_not_found():
    rows = [(i, ["x"]) for i in range(1, 11)] + [(11, STUDY)]
    with pytest.raises(Quarantine, match="missing required"):
        find_header(feed("study_sessions"), rows)


def test_unknown_columns_are_reported_as_schema_drift_and_absent_optional_ones_listed():
    match = find_header(
        feed("study_sessions"), [(1, ["活动编号", "活动日期", "活动类型", "参加人数", "备用字段"])]
    )
    notices = match.notices() or ""
    assert "schema drift: 1 unknown column(s) ignored, at column(s) E" in notices
    assert "备用字段" not in notices  # a header cell the contract does not know may be a value
    assert "主题" in notices
