"""The per-file transaction: a crash mid-file leaves none of its rows or audit records."""

from __future__ import annotations

import duckdb
import pytest

from ingest import load, run_ingest
from tests.ingest.test_runner import court_file, court_row, query


def test_exception_after_raw_insert_leaves_nothing_and_quarantines_only_that_file(settings, monkeypatch):
    """An unexpected error mid-file (after the raw insert) rolls the file back, quarantines it naming
    the file and the exception class (never its message), and the next file still loads."""
    court_file(settings, "案件_20240331.xlsx", [court_row(i) for i in range(5)])
    court_file(settings, "案件_20240430.xlsx", [court_row(i) for i in range(5, 8)])
    real = load.insert_rejected_rows
    calls = []

    def boom(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("injected crash after the raw insert: 张三 11010519491231002X")
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "insert_rejected_rows", boom)
    report = run_ingest(settings, progress=False)
    assert [(f.file_name, f.status) for f in report.files] == [
        ("案件_20240331.xlsx", "quarantined"),
        ("案件_20240430.xlsx", "loaded"),
    ]
    reason = report.files[0].reason
    assert "案件_20240331.xlsx could not be read: RuntimeError" in reason
    assert "injected" not in reason and "张三" not in reason and "11010519491231002X" not in reason
    assert query(settings, "select _file_name, count(*) from raw.court_referrals group by 1") == [
        ("案件_20240430.xlsx", 3)
    ]
    assert query(settings, "select count(*) from audit.rejected_rows") == [(0,)]
    assert query(settings, "select file_name, status, rows_read from audit.file_loads order by 1") == [
        ("案件_20240331.xlsx", "quarantined", 0),
        ("案件_20240430.xlsx", "loaded", 3),
    ]


def test_an_environment_fault_mid_file_stops_the_run_and_leaves_nothing(settings, monkeypatch):
    """A full disk is not the file's fault: the run stops, the file is neither loaded nor quarantined,
    and the next run (disk freed) loads it."""
    import errno

    court_file(settings, "案件_20240331.xlsx", [court_row(i) for i in range(5)])

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(load, "insert_rejected_rows", full)
    with pytest.raises(OSError, match="No space left"):
        run_ingest(settings, progress=False)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    assert con.execute("select count(*) from raw.court_referrals").fetchone()[0] == 0
    assert con.execute("select count(*) from audit.file_loads").fetchone()[0] == 0
    con.close()
    monkeypatch.undo()
    report = run_ingest(settings, progress=False)
    assert [f.rows_loaded for f in report.files] == [5]
    assert query(settings, "select count(*) from raw.court_referrals")[0][0] == 5


def test_raw_rows_carry_their_load_id_and_file_hash(settings):
    court_file(settings, "案件_20240331.xlsx", [court_row(1)])
    [result] = run_ingest(settings, progress=False).files
    assert query(settings, "select _load_id, _file_sha256 from raw.court_referrals") == [
        (result.load_id, result.sha256)
    ]


def test_a_reader_quarantine_caused_by_a_full_disk_stops_the_run_instead(settings, monkeypatch):
    """A reader turns every DuckDB error into Quarantine; one caused by the environment is re-raised,
    so a full disk never moves a good file to quarantine."""
    from ingest.quarantine import Quarantine

    court_file(settings, "案件_20240331.xlsx", [court_row(i) for i in range(2)])

    def full_disk(*args, **kwargs):
        try:
            raise duckdb.IOException("IO Error: No space left on device")
        except duckdb.IOException as exc:
            raise Quarantine("cannot parse as csv: IO Error") from exc

    monkeypatch.setattr(load, "read_sheet", full_disk)
    with pytest.raises(duckdb.IOException):
        run_ingest(settings, progress=False)
    assert query(settings, "select count(*) from audit.file_loads") == [(0,)]
    assert (settings.landing / "court_referrals" / "案件_20240331.xlsx").exists()
    monkeypatch.undo()
    assert [f.rows_loaded for f in run_ingest(settings, progress=False).files] == [2]
