"""The SQL value macros: dates, numbers, ID numbers, phones and ID lists."""

from __future__ import annotations

import datetime as dt
import unicodedata

import duckdb
import pytest

from ingest.parse_sql import MACROS


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    for m in MACROS:
        c.execute(m)
    return c


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024年3月5日",
        "20240305",
        "45356",
        "２０２４－０３－０５",
        "２０２４年３月５日",
        "2024-03-05 00:00",
        "2024-3-5 00:00:00",
    ],
)
def test_every_contract_date_format_parses_to_the_same_day(con, text):
    assert con.execute("select cast(rolwh_ts(?) as date)", [nfkc(text)]).fetchone()[0] == dt.date(2024, 3, 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 08:30", dt.datetime(2024, 3, 5, 8, 30)),
        ("2024/3/5 8:30:15", dt.datetime(2024, 3, 5, 8, 30, 15)),
        ("2024年3月5日 08:30", dt.datetime(2024, 3, 5, 8, 30)),
        ("20240305 08:30:00", dt.datetime(2024, 3, 5, 8, 30)),
        ("45356.5", dt.datetime(2024, 3, 5, 12, 0)),
        ("2024-03-05", dt.datetime(2024, 3, 5)),
    ],
)
def test_datetimes_accept_hh_mm_and_hh_mm_ss_and_excel_fractions(con, text, expected):
    assert con.execute("select rolwh_ts(?)", [text]).fetchone()[0] == expected


@pytest.mark.parametrize(
    "text", ["2024-02-30", "20241301", "2024-13-01", "abc", "12", "2024", "3/5/2024", "999999"]
)
def test_invalid_calendar_dates_and_junk_are_not_dates(con, text):
    assert con.execute("select rolwh_ts(?)", [text]).fetchone()[0] is None


@pytest.mark.parametrize(
    "text",
    [
        "2024/3/5 8:30:15",
        "2024.3.5 08:30",
        "2024-3-05",
        "2024/13/5 10:00:00",
        "2024.2.30 10:00",
        "20240305 08:30:15",
        "20240230 08:30",
        "2024年3月5日 08:30:15",
        "2024年2月30日 08:30",
        "2024-03-05 24:00:00",
        "2024/3/5 10:60",
        "2024-03-05 10:15:61",
    ],
)
def test_fast_date_paths_agree_with_the_general_rewrite(con, text):
    """rolwh_ts parses usual shapes directly; the result must equal the general path's."""
    general = MACROS[2].split("else", 1)[1].rsplit("end", 1)[0]
    sql = f"select {general.replace('(s)', '($s)').replace('(s,', '($s,')}"
    expected = con.execute(sql, {"s": text}).fetchone()[0]
    assert con.execute("select rolwh_ts(?)", [text]).fetchone()[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,000.00", "12000.00"),
        ("12000", "12000.00"),
        (nfkc("１２０００.５"), "12000.50"),
        ("-3.5", "-3.50"),
        ("1,2", None),
        ("12元", None),
        ("abc", None),
    ],
)
def test_decimals_accept_thousands_separators_only_in_groups_of_three(con, text, expected):
    got = con.execute("select rolwh_dec(?)", [text]).fetchone()[0]
    assert (None if got is None else str(got)) == expected


@pytest.mark.parametrize(("text", "expected"), [("12", 12), ("12.0", 12), ("12.5", None), ("x", None)])
def test_int_accepts_whole_numbers_only(con, text, expected):
    assert con.execute("select rolwh_int(?)", [text]).fetchone()[0] == expected


@pytest.mark.parametrize(
    ("text", "norm", "valid"),
    [
        ("11010519491231002X", "11010519491231002X", True),
        ("11010519491231002x", "11010519491231002X", True),
        ("110105 19491231 002X", "11010519491231002X", True),
        ("110105194912310021", "110105194912310021", False),
        ("110105491231002", "110105491231002", True),
        ("1101051949", "1101051949", False),
        ("110105********002X", None, None),
    ],
)
def test_id_numbers_upper_cased_check_character_verified_masked_missing(con, text, norm, valid):
    assert con.execute(
        "select rolwh_id_norm(?), rolwh_id_valid(rolwh_id_norm(?))", [text, text]
    ).fetchone() == (
        norm,
        valid,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("138****8000", None),
        ("023-6123 4567", "02361234567"),
        ("无", None),
    ],
)
def test_phones_digits_only_plus86_dropped_masked_missing(con, text, expected):
    assert con.execute("select rolwh_phone_norm(?)", [text]).fetchone()[0] == expected


def test_id_lists_split_on_every_separator_and_drop_masked_ids(con):
    cell = nfkc("11010519491231002X、110105491231002，440524188001010014;110105********002X,")
    got = con.execute("select rolwh_id_list(?)", [cell]).fetchone()[0]
    assert got == ["11010519491231002X", "110105491231002", "440524188001010014"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\ufeffXF001", "XF001"),
        ("XF\u200b001\u200c\u200d", "XF001"),
        ("\u2060\u200e\u200fXF001\u202a\u202b\u202c\u202d\u202e", "XF001"),
        ("\u2066\u2067XF001\u2068\u2069", "XF001"),
        ("\u200b 是 \u200b", "是"),
        ("\ufeff\u200b", None),
        ("东门社区", "东门社区"),
        ("“引号”—…", "“引号”—…"),  # ordinary punctuation of the same UTF-8 block stays
    ],
)
def test_visible_removes_bom_zero_width_and_bidi_characters_only(con, text, expected):
    assert con.execute("select rolwh_visible(?)", [text]).fetchone()[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证11010519491231002X电话13800138000", "身份证[身份证号]电话[手机号]"),
        ("11010519491231002x", "[身份证号]"),  # lower-case check character
        ("+8613800138000 与 440524188001010014", "+[手机号] 与 [身份证号]"),
        ("13800138000、13900139000", "[手机号]、[手机号]"),
        ("110105194912310021", "110105194912310021"),  # wrong check character: not an ID number
        ("913800138000", "913800138000"),  # a mobile number inside a longer digit run
        ("02361234567", "02361234567"),  # 11 digits, not a mobile number
        ("12345", "12345"),
        ("无", "无"),
        (None, None),
    ],
)
def test_free_text_masks_valid_id_numbers_and_mobile_numbers_only(con, text, expected):
    assert con.execute("select rolwh_mask_free_text(?)", [text]).fetchone()[0] == expected
