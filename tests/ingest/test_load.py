"""The per-file transaction: a crash mid-file leaves none of its rows or audit records."""

from __future__ import annotations

import duckdb
import pytest

from ingest import load, run_ingest
from tests.ingest.test_runner import court_file, court_row, query


def test_exception_after_raw_insert_leaves_nothing_and_a_rerun_loads_the_file(settings, monkeypatch):
    court_file(settings, "案件_20240331.xlsx", [court_row(i) for i in range(5)])

    def boom(*args, **kwargs):
        raise RuntimeError("injected crash after the raw insert")

    monkeypatch.setattr(load, "insert_rejected_rows", boom)
    with pytest.raises(RuntimeError, match="injected"):
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
