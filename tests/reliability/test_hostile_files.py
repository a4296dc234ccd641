"""Hostile and broken export files: each ends loaded, rows rejected or quarantined with a reason;
never a crash, never a hang, never SQL built from file or column names."""

from __future__ import annotations

import ast
import io
import re
import resource
import struct
import subprocess
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ingest import run_ingest
from ingest.quarantine import stored_name
from rolwh.core.settings import REPO_ROOT, Settings
from tests.reliability.conftest import ROLWH, child_env

FEED = "dispatch_events"
HEADER = "事件编号,事件类型,所属网格,上报时间,调度时间,到场时间,初处置时间,是否需到场,处置状态"
ROW = "SJ2024{n:06d},{kind},小十字社区3网格,2024-01-01 06:20:00,2024-01-01 06:20:26,2024-01-01 06:24:01,2024-01-01 06:28:00,是,已办结"
SECONDS_PER_FILE = 60.0


def csv_bytes(rows: int = 3, kind: str = "路灯故障", header: str = HEADER) -> bytes:
    lines = [header] + [ROW.format(n=i + 1, kind=kind) for i in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def ingest_one(settings: Settings, name: str, data: bytes, feed: str = FEED) -> dict:
    """Drop one file into the landing area, ingest the feed, return its audit row."""
    import duckdb

    path = settings.landing / feed / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    started = time.monotonic()
    run_ingest(settings, feeds=[feed], progress=False)
    assert time.monotonic() - started < SECONDS_PER_FILE
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        row = con.execute(
            "select status, reason, rows_read, rows_loaded, rows_rejected, rows_skipped, sha256 from audit.file_loads"
            " where feed = ? and file_name = ? order by loaded_at desc limit 1",
            [feed, name],
        ).fetchone()
        assert con.execute("select count(*) from raw.disputes").fetchone() is not None  # tables intact
    finally:
        con.close()
    assert row is not None, f"{name} is not accounted for in audit.file_loads"
    status, reason, read, loaded, rejected, skipped, sha = row
    assert status in ("loaded", "quarantined", "skipped_duplicate")
    if status == "quarantined":
        assert reason, "a quarantined file needs a reason"
        assert not path.exists() and (settings.quarantine_dir / feed / stored_name(sha, name)).exists()
    assert read == loaded + rejected + skipped
    return {"status": status, "reason": reason, "loaded": loaded, "rejected": rejected}


def xlsx_bytes(sheet_xml: bytes, shared: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            + (
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                if shared
                else ""
            )
            + "</Relationships>",
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return buf.getvalue()


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lololololololololololol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]>"
)


def test_billion_laughs_is_not_expanded(settings: Settings) -> None:
    sheet = (
        LAUGHS + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    shared = (
        LAUGHS
        + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
    ).encode()
    for name, data in [
        ("laughs_sheet_20240131.xlsx", xlsx_bytes(sheet)),
        ("laughs_shared_20240131.xlsx", xlsx_bytes(sheet, shared)),
    ]:
        out = _ingest_in_child(settings, name, data)
        assert out["status"] == "quarantined", out


def _ingest_in_child(settings: Settings, name: str, data: bytes, feed: str = "study_sessions") -> dict:
    """Ingest in a child process: bounded time, and its peak memory measured."""
    import duckdb

    path = settings.landing / feed / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [ROLWH, "ingest", "--feed", feed, "--quiet"],
        env=child_env(settings),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert max(peak_kb, before) < 1_500_000, f"ingest peaked at {peak_kb / 1024:.0f} MB"
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        status, reason = con.execute(
            "select status, reason from audit.file_loads where file_name = ?", [name]
        ).fetchone()
    finally:
        con.close()
    return {"status": status, "reason": reason}


def test_zip_bomb_disguised_as_xlsx_is_quarantined_unread(settings: Settings) -> None:
    data = bytearray(
        xlsx_bytes(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>')
    )
    # declare 4 GB uncompressed for sheet1.xml in the central directory (offset 24 of its header)
    i = data.find(b"PK\x01\x02", data.find(b"xl/worksheets/sheet1.xml") - 200)
    while data[i + 46 : i + 46 + 24] != b"xl/worksheets/sheet1.xml":
        i = data.find(b"PK\x01\x02", i + 4)
    data[i + 24 : i + 28] = struct.pack("<I", 0xFFFFFFF0)
    out = _ingest_in_child(settings, "学法活动_20240131_bomb.xlsx", bytes(data))
    assert out["status"] == "quarantined" and "压缩炸弹" in out["reason"], out


def test_formula_cells_are_stored_as_text(settings: Settings) -> None:
    import duckdb

    evil = "=cmd|' /C calc'!A0"
    out = ingest_one(settings, "指挥中心事件_20240131.csv", csv_bytes(3, kind=f'"{evil}"'))
    assert out["status"] == "loaded" and out["loaded"] == 3
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    assert con.execute("select distinct event_type from raw.dispatch_events").fetchall() == [(evil,)]
    con.close()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("指挥中心事件_20240201_header_only.csv", csv_bytes(0)),
        ("指挥中心事件_20240202_empty.csv", b""),
        ("指挥中心事件_20240203_utf16.csv", csv_bytes(3).decode().encode("utf-16")),
        ("指挥中心事件_20240204_latin1.csv", csv_bytes(3).replace("路灯故障".encode(), b"\xe9\xff\xfe")),
        ("指挥中心事件_20240205_huge_cell.csv", csv_bytes(2, kind="x" * 5_000_000)),
        ("指挥中心事件_20240206_nul.csv", csv_bytes(3) + b"\x00" * 1000),
        ("指挥中心事件_20240207'; drop table raw.disputes; --.csv", csv_bytes(2)),
        ('指挥中心事件_20240208" or 1=1; select * from audit.file_loads.csv', csv_bytes(2)),
        (
            "指挥中心事件_20240209_cols.csv",
            csv_bytes(2, header=HEADER + ',"a""; drop table audit.file_loads; --",x\';y'),
        ),
        ("指挥中心事件_20240210_quotes.csv", b'"unterminated,\n' + csv_bytes(2)),
        ("指挥中心事件_20240211.xlsx", csv_bytes(3)),  # csv content under an xlsx name
        ("指挥中心事件_20240212.csv", xlsx_bytes(b"<worksheet/>")),  # zip under a csv name
    ],
)
def test_hostile_file_is_accounted_for(settings: Settings, name: str, data: bytes) -> None:
    out = ingest_one(settings, name, data)
    if "drop table" in name or "or 1=1" in name or "_cols" in name:
        assert out["status"] == "loaded", out  # names are data, never SQL


@given(data=st.binary(min_size=0, max_size=4096), suffix=st.sampled_from([".csv", ".xlsx"]))
@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_random_bytes_never_crash(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    settings = _fresh(tmp_path_factory)
    ingest_one(settings, f"指挥中心事件_20240301_{abs(hash(data)) % 10**9}{suffix}", data)


@given(cut=st.floats(min_value=0.0, max_value=1.0), suffix=st.sampled_from([".csv", ".xlsx"]))
@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_truncated_files_never_crash(
    tmp_path_factory: pytest.TempPathFactory, cut: float, suffix: str
) -> None:
    settings = _fresh(tmp_path_factory)
    full = csv_bytes(40) if suffix == ".csv" else _real_xlsx()
    ingest_one(settings, f"指挥中心事件_20240302_{int(cut * 10**6)}{suffix}", full[: int(len(full) * cut)])


_FRESH: dict[str, Settings] = {}


def _fresh(factory: pytest.TempPathFactory) -> Settings:
    """One warehouse shared by the examples of a property (each example writes a new file name)."""
    from tests.reliability.conftest import settings_at

    if "s" not in _FRESH:
        _FRESH["s"] = settings_at(factory.mktemp("hostile") / "home")
        _FRESH["s"].ensure_dirs()
    return _FRESH["s"]


def _real_xlsx() -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for r, line in enumerate(csv_bytes(40).decode().splitlines()):
        ws.write_row(r, 0, line.split(","))
    wb.close()
    return buf.getvalue()


SQL_CALL = re.compile(
    r"\bselect\b.*\bfrom\b|\binsert\s+into\b|\bcreate\s+(or\s+replace\s+)?(temp\s+)?(table|view|macro)\b"
    r"|\bdrop\s+(table|view)\b|\battach\s|\bcopy\s*\(",
    re.I | re.S,
)
#: Expressions that come from a file (its name, path, header or cells): never inside SQL text.
FILE_DERIVED = re.compile(r"\b(path|file_name|lf\.name|name_in_file|cell|cells|raw_header|found)\b")


def test_no_sql_is_built_from_file_derived_names() -> None:
    """Every f-string that looks like SQL in ingest/ interpolates only code- or contract-derived names."""
    offenders = []
    for py in sorted((REPO_ROOT / "ingest").glob("*.py")):
        tree = ast.parse(py.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            text = "".join(
                v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
            if not SQL_CALL.search(text):
                continue
            for v in node.values:
                if isinstance(v, ast.FormattedValue):
                    expr = ast.unparse(v.value)
                    if FILE_DERIVED.search(expr):
                        offenders.append(f"{py.name}:{node.lineno}: {{{expr}}}")
    assert not offenders, "SQL built from file-derived values:\n" + "\n".join(offenders)
