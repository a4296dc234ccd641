"""The PII scanner itself: it must find what is there, or the zero-hit tests prove nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.support.pii import NeedleIndex, scan_duckdb, scan_files, scan_sqlite


def test_needle_index_finds_ids_phones_and_names_inside_longer_text() -> None:
    index = NeedleIndex({"11010119900307777X", "13812341208", "王小明", "a;b"})
    text = "申请人王小明调解 id=11010119900307777X, tel 8613812341208; x a;b"
    assert index.find(text) == {"11010119900307777X", "13812341208", "王小明", "a;b"}
    assert index.find("王小 明 1381234120") == set()


def test_scanners_find_a_planted_value_in_files_and_duckdb(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_bytes("信访人 李四 电话 13912345678".encode("gb18030"))
    db = tmp_path / "x.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table t (note varchar)")
    con.execute("insert into t values ('联系人李四')")
    con.close()
    needles = {"李四", "13912345678"}
    assert sorted(scan_files([tmp_path / "a.log"], needles)) == [
        f"{tmp_path / 'a.log'}: 13912345678",
        f"{tmp_path / 'a.log'}: 李四",
    ]
    assert scan_duckdb(db, needles) == ["main.t.note: 李四"]


def test_sqlite_scanner_reads_text_cells_and_compressed_blobs(tmp_path: Path) -> None:
    import sqlite3
    import zlib

    db = tmp_path / "airflow.db"
    con = sqlite3.connect(db)
    con.execute("create table log (event text, data blob)")
    con.execute("insert into log values (?, ?)", ("联系人李四", None))
    con.execute("insert into log values (?, ?)", ("ok", zlib.compress("电话 13912345678".encode())))
    con.commit()
    con.close()
    assert sorted(scan_sqlite(db, {"李四", "13912345678", "王五"})) == [
        f"{db}:log.data: 13912345678",
        f"{db}:log.event: 李四",
    ]


def test_binary_files_are_read_as_utf8_only(tmp_path: Path) -> None:
    """GB18030 would turn packed bytes into random Han pairs; a UTF-8 value inside binary is still found."""
    packed = tmp_path / "blob.bin"
    packed.write_bytes(b"\0\x01" + "李四".encode("gb18030") + b"\0" + "王五".encode())
    assert scan_files([packed], {"李四", "王五"}) == [f"{packed}: 王五"]


def test_a_name_inside_an_xlsx_or_docx_is_found(tmp_path: Path) -> None:
    """Excel and Word outputs are zip files: their text is only visible after inflating the members."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["社区", "联系人李四"])
    book.save(tmp_path / "out.xlsx")
    assert "李四".encode() not in (tmp_path / "out.xlsx").read_bytes()  # compressed: raw bytes hide it
    assert scan_files([tmp_path / "out.xlsx"], {"李四", "王五"}) == [f"{tmp_path / 'out.xlsx'}: 李四"]
