"""Fuzz of the landing area: file names with odd bytes, lengths, rich markup and control characters,
contents of random bytes or mutated valid exports. No file's name or content makes ingest raise,
every file is accounted for exactly once (one audit row, or pending by the rename protocol), the
summary renders, and a valid file beside them loads with all its rows.

Bounded: 30 examples on one warehouse (each example has its own files), well under a minute.
"""

from __future__ import annotations

import io
import itertools
import os

import duckdb
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ingest import run_ingest
from ingest.discover import display_name, in_transit_name
from rolwh.core.settings import Settings
from tests.reliability.conftest import settings_at
from tests.reliability.test_hostile_files import HEADER, ROW

FEED = "dispatch_events"
VALID_ROWS = 4
_counter = itertools.count(1)

#: Pieces of file names: markup, control and bidi characters, bytes that are not UTF-8, dots.
NAME_PIECES = [
    b"[bold]", b"[red on white]", b"[link=https:example.org]", b"\\", b"[", b"]", b"\x1b[31m", b"\x1b]0;t\x07",
    b"\r", b"\n", b"\t", b"\x7f", b"\xff", b"\xc3", b"\xe4\xb8", "\u202e".encode(), "\u200b".encode(),
    "张".encode(), "指挥中心事件".encode(), b"_20240101", b"_20241301", b".csv", b".xlsx", b".CSV", b".part",
    b".tmp", b"..", b".", b" ", b"a", b"%s%n", b"{0}", b"'; drop table raw.dispatch_events; --", b'"', b"~",
]  # fmt: skip


def valid_csv(first_id: int, rows: int = VALID_ROWS) -> bytes:
    lines = [HEADER] + [ROW.format(n=first_id + i, kind="路灯故障") for i in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def valid_xlsx() -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for r, line in enumerate(valid_csv(900_000, 6).decode().splitlines()):
        ws.write_row(r, 0, line.split(","))
    wb.close()
    return buf.getvalue()


XLSX = valid_xlsx()


@st.composite
def names(draw: st.DrawFn) -> bytes:
    pieces = draw(st.lists(st.sampled_from(NAME_PIECES), min_size=1, max_size=12))
    pad = draw(st.sampled_from([0, 0, 0, 120, 240]))  # long names: near the 255-byte limit
    name = (b"".join(pieces) + b"x" * pad)[:255]
    if name in (b".", b"..") or not name.strip(b"."):
        name = b"x" + name
    return name


@st.composite
def contents(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["random", "csv", "xlsx"]))
    if kind == "random":
        return draw(st.binary(min_size=0, max_size=2048))
    base = bytearray(valid_csv(500_000, 6) if kind == "csv" else XLSX)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(base)))
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip" and at < len(base):
            base[at] ^= draw(st.integers(min_value=1, max_value=255))
        elif op == "cut":
            del base[at : at + draw(st.integers(min_value=1, max_value=200))]
        else:
            base[at:at] = draw(st.sampled_from([b'"', b"\r", b"\x00", b",,,,", "张".encode(), b"\xff\xfe"]))
    return bytes(base)


@pytest.fixture(scope="module")
def fuzz_home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = settings_at(tmp_path_factory.mktemp("fuzz") / "home")
    settings.ensure_dirs()
    return settings


@given(files=st.lists(st.tuples(names(), contents()), min_size=1, max_size=3, unique_by=lambda f: f[0]))
@hsettings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_name_or_content_breaks_ingest_and_a_valid_file_still_loads(
    fuzz_home: Settings, files: list[tuple[bytes, bytes]]
) -> None:
    settings = fuzz_home
    n = next(_counter)
    folder = settings.landing / FEED
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in os.listdir(folder):  # files of earlier examples that stayed (loaded or pending)
        os.unlink(os.path.join(folder, leftover))
    valid_name = f"指挥中心事件_20240601_valid{n}.csv"
    written = {valid_name: valid_csv(n * 1000)}
    for raw_name, data in files:
        name = os.fsdecode(raw_name)
        if display_name(name) == valid_name:
            continue
        written[name] = data
    for name, data in written.items():
        (folder / name).write_bytes(data)

    report = run_ingest(settings, feeds=[FEED], progress=False)
    report.render()  # what the CLI prints: markup and control characters must not break it

    pending = {p.file_name for p in report.pending}
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        for name, data in written.items():
            shown = display_name(name)
            if in_transit_name(name):
                assert shown in pending, shown
                continue
            rows = con.execute(
                "select status, rows_read, rows_loaded, rows_rejected, rows_skipped from audit.file_loads "
                "where feed = ? and file_name = ? and sha256 = sha256(?::blob)",
                [FEED, shown, data],
            ).fetchall()
            assert len(rows) == 1, (shown, rows)
            status, read, loaded, rejected, skipped = rows[0]
            assert read == loaded + rejected + skipped
            if status == "quarantined":
                assert not os.path.lexists(folder / name)
        valid = con.execute(
            "select status, rows_loaded from audit.file_loads where file_name = ?", [valid_name]
        ).fetchall()
        assert valid == [("loaded", VALID_ROWS)], valid
        assert con.execute(
            "select count(*) from raw.dispatch_events where _file_name = ?", [valid_name]
        ).fetchone() == (VALID_ROWS,)
    finally:
        con.close()
