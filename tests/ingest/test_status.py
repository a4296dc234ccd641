"""`rolwh status` reads the audit tables: loaded, rejected, quarantined, per feed and per file."""

from __future__ import annotations

from ingest import run_ingest
from rolwh.serving.status import render_status
from tests.ingest.test_runner import court_file, court_row


def test_status_before_any_ingest_says_nothing_is_loaded(settings, monkeypatch):
    monkeypatch.setenv("ROLWH_LANG", "en")
    assert "nothing ingested yet" in render_status(settings)


def test_status_lists_feeds_files_rejections_and_quarantine(settings, monkeypatch):
    monkeypatch.setenv("ROLWH_LANG", "en")
    court_file(
        settings, "案件_20240331.xlsx", [court_row(i) for i in range(9)] + [court_row(20, 委托日期="?")]
    )
    court_file(settings, "no_date.xlsx", [court_row(1)])
    run_ingest(settings, progress=False)
    text = render_status(settings)
    assert "court_referrals" in text and "案件_20240331.xlsx" in text and "no_date.xlsx" in text
    assert "quarantined" in text and "no valid export date" in text
    assert "委托日期" in text  # the rejected column
    assert "exam_results" in text and "never" in text


def test_cli_status_while_a_writer_holds_the_warehouse_says_so_in_one_line(settings):
    import duckdb

    from rolwh.core.errors import WarehouseBusy
    from tests.reliability.conftest import rolwh

    court_file(settings, "案件_20240331.xlsx", [court_row(1)])
    run_ingest(settings, progress=False)
    writer = duckdb.connect(str(settings.warehouse_path))  # another process's write lock
    try:
        proc = rolwh(settings, "status", timeout=120, ROLWH_LANG="en")
    finally:
        writer.close()
    assert proc.returncode == WarehouseBusy.exit_code, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "rolwh status: a rolwh run is writing the warehouse right now and nothing is published yet (DuckDB "
        "allows no reader meanwhile): run `rolwh status` again when it ends"
    ]
