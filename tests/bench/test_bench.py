"""bench: a real measured step in a fresh process, and a table with every row (timings never asserted)."""

from __future__ import annotations

from pathlib import Path

from bench.__main__ import PLAN, run_step, sample
from bench.report import ratios, render


def test_a_step_runs_in_its_own_process_and_reports_rows_seconds_and_peak_memory(tmp_path: Path) -> None:
    d = tmp_path / "utf8"
    d.mkdir()
    (d / "00000.csv").write_text("标题\na,b\n1,2\n3,4\n", encoding="utf-8")
    result = run_step(
        "duckdb_read_csv", {"dir": str(d), "db": str(tmp_path / "x.duckdb"), "memory_limit": "256MB"}
    )
    assert result["rows"] == 4
    assert result["seconds"] > 0 and result["peak_mb"] > 10
    assert len(result["load"]) == 2


def _fake(scale: int) -> dict:
    rows = {
        row_id: {"rows": 1000 * scale, "seconds": 1.0 + i, "peak_mb": 100.0, "load": [1.0, 1.0]}
        for i, (row_id, _g, _w) in enumerate(PLAN)
    }
    rows["transcode"]["unit"] = "files"
    return {"scale": scale, "seed": 1, "landing": "/x", "rows": rows, "last_day": "20250331"}


def test_the_table_has_every_row_and_every_target_for_each_scale() -> None:
    text = render([_fake(1), _fake(100)], PLAN, "python -m bench", "now", "2GB")
    for _row_id, group, what in PLAN:
        assert text.count(f"| {group} | {what} |") == 2, what
    assert text.count("| target | measured | met |") == 2
    assert "## Growth K=1 → K=100" in text
    measured = ratios(_fake(1))
    assert len(measured) == 5 and measured[3][2] == "-"  # 4 targets + the whole-run ratio
    assert "2 cores" in text or "cores" in text


def test_a_missing_row_is_shown_as_not_run() -> None:
    r = _fake(1)
    del r["rows"]["rolwh_run"]
    assert "(not run)" in render([r], PLAN, "c", "now", "2GB")


def test_the_openpyxl_sample_takes_every_nth_file(tmp_path: Path) -> None:
    files = []
    for i in range(10):
        p = tmp_path / f"f{i}.xlsx"
        p.write_bytes(b"x" * 100)
        files.append(p)
    assert sample(files, 10_000) == files
    assert sample(files, 250) == files[::4]


def test_both_xlsx_limit_readers_count_the_same_sheet_rows(tmp_path: Path) -> None:
    from tests.ingest.conftest import write_xlsx

    path = write_xlsx(tmp_path / "f.xlsx", [["h1", "h2"], ["v", 1], ["w", 2]], start_row=2)
    args = {"files": [str(path)], "memory_limit": "256MB"}
    assert run_step("calamine_xlsx", args)["rows"] == run_step("fastexcel_xlsx", args)["rows"] == 5
