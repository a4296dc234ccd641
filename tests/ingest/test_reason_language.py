"""What a clerk reads about a quarantined or rejected export is Chinese by default and English with
``ROLWH_LANG=en``: the quarantine note (``<file>.reason.txt``), the audit's reasons and the ingest
report. It names the file, the row and the column, says what to do, and never quotes a value."""

from __future__ import annotations

import duckdb
import pytest

from ingest import run_ingest
from ingest.quarantine import NOTE_SUFFIX
from tests.ingest.conftest import COURT_HEADER, PHONE, VALID_ID, court_row, landing, write_xlsx

FILE = "案件_20240331.xlsx"
#: personal values planted in the delivered rows: none may appear in what a clerk reads
PLANTED = ("张三1", VALID_ID, PHONE)


def _quarantine_missing_column(settings, lang: str | None, monkeypatch: pytest.MonkeyPatch):
    """A court export without its 调解方式 column, ingested in ``lang`` (None: the default)."""
    if lang is None:
        monkeypatch.delenv("ROLWH_LANG", raising=False)
    else:
        monkeypatch.setenv("ROLWH_LANG", lang)
    header = [h for h in COURT_HEADER if h != "调解方式"]
    row = [c for h, c in zip(COURT_HEADER, court_row(1), strict=True) if h != "调解方式"]
    write_xlsx(landing(settings, "court_referrals", FILE), [header, row])
    report = run_ingest(settings, progress=False)
    [result] = report.quarantined
    [note] = (settings.quarantine_dir / "court_referrals").glob(f"*{NOTE_SUFFIX}")
    return report, result, note.read_text(encoding="utf-8")


def _no_value(text: str) -> None:
    for value in PLANTED:
        assert value not in text


def test_quarantine_note_is_chinese_by_default_naming_file_row_and_column(settings, monkeypatch) -> None:
    report, result, note = _quarantine_missing_column(settings, None, monkeypatch)
    assert f"文件：{FILE}" in note
    assert "原因：缺少必填列：调解方式" in note  # the column as the contract heads it
    assert "第 1 行" in note  # the row the header was looked for in
    assert "处理办法：请修正或重新导出该文件" in note
    assert "reason:" not in note and "what to do" not in note  # no English left
    _no_value(note)
    assert result.reason in note
    shown = report.render()
    assert "已隔离（请修正文件后重新放入对应数据源文件夹）" in shown and "原因：缺少必填列：调解方式" in shown
    _no_value(shown)


def test_quarantine_note_is_english_with_rolwh_lang_en(settings, monkeypatch) -> None:
    report, result, note = _quarantine_missing_column(settings, "en", monkeypatch)
    assert result.reason in note
    assert f"file: {FILE}\nfeed: court_referrals\n" in note
    assert "reason: missing required column(s): 调解方式; best candidate row 1 " in note
    assert "what to do: fix or re-export the file" in note
    _no_value(note)
    assert "QUARANTINED (fix the file" in report.render()


def test_rejected_rows_and_skipped_rows_are_recorded_in_chinese_by_default(settings, monkeypatch) -> None:
    """The audit keeps each reason as shown (in the language of the run): file, row, column, never the value."""
    monkeypatch.delenv("ROLWH_LANG", raising=False)
    rows = [court_row(i) for i in range(9)] + [court_row(20, 委托日期="明天", 调解方式="电话")]
    write_xlsx(landing(settings, "court_referrals", FILE), [COURT_HEADER, *rows, rows[0], []])
    [result] = run_ingest(settings, progress=False).files
    assert result.status == "loaded" and result.rows_rejected == 1
    assert "跳过的行：" in (result.notices or "") and "重复行 1 行" in (result.notices or "")
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rejected = con.execute(
            "select file_name, row_number, column_name, reason from audit.rejected_rows order by column_name"
        ).fetchall()
    finally:
        con.close()
    assert {(r[0], r[1]) for r in rejected} == {(FILE, 11)}
    reasons = dict((r[2], r[3]) for r in rejected)
    assert reasons["委托日期"].startswith("应为日期（YYYY-MM-DD、")
    assert reasons["调解方式"] == "应为以下之一：线下调解|线上调解"
    for text in reasons.values():
        assert "明天" not in text and "电话" not in text
