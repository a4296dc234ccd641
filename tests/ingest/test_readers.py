"""Readers: csv encodings, xlsx row numbers and cell conversion, unreadable files."""

from __future__ import annotations

import datetime as dt
import zipfile

import duckdb
import pytest

from ingest import csv_reader, xlsx_reader
from ingest.csv_reader import detect_encoding
from ingest.quarantine import Quarantine
from ingest.readers import read_csv_grid, read_xlsx_grid
from tests.ingest.conftest import write_csv, write_xlsx

ROWS = [["编号", "名称"], ["Ａ１", "  东门社区　"], ["2", "中文，逗号"]]


@pytest.mark.parametrize(
    ("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")]
)
def test_csv_in_each_contract_encoding_reads_to_the_same_normalised_grid(tmp_path, encoding, detected):
    path = write_csv(tmp_path / "f.csv", ROWS, encoding=encoding)
    assert detect_encoding(path) == detected
    grid = read_csv_grid(duckdb.connect(), path, tmp_path)
    assert grid.to_pylist() == [
        {"c0": "编号", "c1": "名称", "_row_number": 1},
        {"c0": "A1", "c1": "东门社区", "_row_number": 2},
        {"c0": "2", "c1": "中文,逗号", "_row_number": 3},
    ]


def test_random_bytes_are_quarantined_as_undecodable(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(bytes(range(128, 256)) * 50)
    with pytest.raises(Quarantine, match="UTF-8 or GB18030"):
        read_csv_grid(duckdb.connect(), path, tmp_path)


def test_short_csv_rows_are_padded_with_nulls(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,b,c\n1\n", encoding="utf-8")
    grid = read_csv_grid(duckdb.connect(), path, tmp_path)
    assert grid.to_pylist()[1] == {"c0": "1", "c1": None, "c2": None, "_row_number": 2}


def test_xlsx_keeps_spreadsheet_row_numbers_below_leading_empty_rows(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [["h1", "h2"], ["v", 1]], start_row=3)
    rows = read_xlsx_grid(path).to_pylist()
    assert rows[3] == {"c0": "h1", "c1": "h2", "_row_number": 4}
    assert rows[4] == {"c0": "v", "c1": "1", "_row_number": 5}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (13800138000.0, "13800138000"),
        (12.5, "12.5"),
        (7, "7"),
        (dt.datetime(2024, 3, 5, 8, 30), "2024-03-05 08:30:00"),
        (dt.datetime(2024, 3, 5), "2024-03-05"),  # midnight: the same value as the date
        (dt.date(2024, 3, 5), "2024-03-05"),
        (dt.time(10, 15), "10:15:00"),  # a bare time stays a time: it is not a date
        # Excel stores date-times as floating-point days: 10:15:00 can read back as
        # 10:14:59.999996, so the reader rounds to the nearest second
        (dt.datetime(2024, 1, 1, 10, 14, 59, 999996), "2024-01-01 10:15:00"),
        (dt.datetime(2024, 1, 1, 10, 14, 59, 4), "2024-01-01 10:14:59"),
        ("", None),
        (None, None),
    ],
)
def test_xlsx_cells_become_contract_text(tmp_path, value, text):
    path = write_xlsx(tmp_path / "f.xlsx", [["h", "k"], [value, "x"]])
    assert read_xlsx_grid(path).to_pylist()[1]["c0"] == text


def test_xlsx_date_cells_and_numbers_read_as_text(tmp_path):
    path = write_xlsx(
        tmp_path / "f.xlsx", [["d", "t", "n"], [dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 9, 1, 2), 110.0]]
    )
    assert read_xlsx_grid(path).to_pylist()[1] == {
        "c0": "2024-03-05",
        "c1": "2024-03-05 09:01:02",
        "c2": "110",
        "_row_number": 2,
    }


def test_truncated_xlsx_is_quarantined(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [["a"], ["b"]])
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(Quarantine, match="xlsx"):
        read_xlsx_grid(path)


def test_xlsx_inflating_beyond_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/big.xml", b"\0" * 2_000_000)
    monkeypatch.setattr(xlsx_reader, "MAX_XLSX_UNCOMPRESSED_BYTES", 1_000_000)
    with pytest.raises(Quarantine, match="zip bomb"):
        read_xlsx_grid(path)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('a,b\n1,"x\n2,3\n', 2),  # opens on line 2, never closes
        ('a,b\n1,"x\ny",3\n4,"z\n', 4),  # a closed multi-line field, then an unclosed one
        ('a,b\r1,2\r3,"open\r4,5\r', 3),  # CR-only line ends
        ('a,b\n1,"say ""hi""\n', 2),  # escaped quotes inside a field that never closes
        ('a,b\n1,2"x\n', None),  # a quote inside an unquoted field is a plain character
        ('a,b\n1,"x"\n', None),
        ('a,b\n1,"x,""y"""\n', None),
    ],
)
def test_unclosed_quote_line_names_the_line_where_the_quote_opened(tmp_path, text, line):
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    assert csv_reader.unclosed_quote_line(path) == line


def test_cr_only_csv_reads_every_record(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\r1,2\r3,4")
    grid = read_csv_grid(duckdb.connect(), path, tmp_path)
    assert [r["c0"] for r in grid.to_pylist()] == ["a", "1", "3"]
