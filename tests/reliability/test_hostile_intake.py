"""Hostile intake through the real CLI (`rolwh ingest` in a child process, real files on disk):
symbolic links and FIFOs are never followed, a file still being written is left pending and then
taken exactly once, a file whose reading fails unexpectedly is quarantined alone, and quarantine
keeps every original without overwriting anything."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from ingest.quarantine import stored_name
from rolwh.core.settings import Settings
from tests.reliability.conftest import rolwh
from tests.reliability.test_hostile_files import HEADER, ROW, csv_bytes
from tests.support.pii import scan_duckdb, scan_files

FEED = "dispatch_events"
KEY_TEXT = "9f1c0e7ab4d2" * 5 + "k3y"  # the target of a symlink: a pseudonymisation key file
PASSWD_LINE = "root:x:0:0:root:/root:/bin/bash"


def feed_path(settings: Settings, name: str, feed: str = FEED) -> Path:
    path = settings.landing / feed / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def audit(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def rows_of(n: int, start: int = 1) -> bytes:
    lines = [HEADER] + [ROW.format(n=start + i, kind="路灯故障") for i in range(n)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_symlinks_and_fifo_are_recorded_and_moved_never_followed(settings: Settings, tmp_path: Path) -> None:
    secret = tmp_path / "secrets" / "pseudonym.key"
    secret.parent.mkdir()
    secret.write_text(KEY_TEXT + "\n")
    os.chmod(secret, 0o600)
    key_link = feed_path(settings, "指挥中心事件_20240101_key.csv")
    key_link.symlink_to(secret)
    passwd_link = feed_path(settings, "指挥中心事件_20240102_passwd.csv")
    passwd_link.symlink_to("/etc/passwd")
    fifo = feed_path(settings, "指挥中心事件_20240103_fifo.csv")
    os.mkfifo(fifo)  # opening it for reading would block the run forever
    dangling = feed_path(settings, "指挥中心事件_20240104_gone.csv")
    dangling.symlink_to(tmp_path / "nowhere.csv")
    feed_path(settings, "指挥中心事件_20240105.csv").write_bytes(rows_of(4))

    proc = rolwh(settings, "ingest", "--quiet", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr

    rows = dict(
        audit(settings, "select file_name, status || ': ' || coalesce(reason, '') from audit.file_loads")
    )
    assert rows["指挥中心事件_20240105.csv"].startswith("loaded")
    for name, kind in [
        (key_link.name, "符号链接"),
        (passwd_link.name, "符号链接"),
        (dangling.name, "符号链接"),
        (fifo.name, "命名管道（FIFO）"),
    ]:  # the reason in the clerks' language (Chinese by default), as the audit keeps it
        assert rows[name] == f"quarantined: 不是普通文件（{kind}）：未读取，未跟随链接", rows
    # the entries themselves were moved; their targets are untouched
    assert not os.path.lexists(key_link) and not os.path.lexists(fifo) and not os.path.lexists(dangling)
    assert secret.read_text() == KEY_TEXT + "\n" and Path("/etc/passwd").exists()
    stored = {p.name: p for p in (settings.quarantine_dir / FEED).iterdir()}
    links = [p for p in stored.values() if p.is_symlink()]
    assert sorted(os.readlink(p) for p in links) == sorted(
        [str(secret), "/etc/passwd", str(tmp_path / "nowhere.csv")]
    )
    assert sum(p.is_fifo() for p in stored.values() if not p.is_symlink()) == 1

    # the key's text and /etc/passwd's text appear nowhere rolwh wrote or printed
    needles = {KEY_TEXT, PASSWD_LINE, "root:x:0:0"}
    notes = [p for p in stored.values() if p.name.endswith(".reason.txt")]
    assert len(notes) == 4
    assert scan_duckdb(settings.warehouse_path, needles) == []
    assert scan_files(notes, needles) == []
    assert not any(n in proc.stdout + proc.stderr for n in needles)

    # the next run finds nothing new and records nothing twice
    again = rolwh(settings, "ingest", "--quiet", timeout=300)
    assert again.returncode == 0 and "接收目录中没有新文件" in again.stdout
    assert audit(settings, "select count(*) from audit.file_loads") == [(5,)]


def test_a_file_still_being_written_is_pending_then_loaded_exactly_once(settings: Settings) -> None:
    part = feed_path(settings, "指挥中心事件_20240201.csv.part")
    part.write_bytes(rows_of(3))
    fresh = feed_path(settings, "指挥中心事件_20240202.csv")
    fresh.write_bytes(rows_of(2, start=100)[:-20])  # half written, modified just now
    settle = {"ROLWH_SETTLE_SECONDS": "600"}

    first = rolwh(settings, "ingest", "--quiet", timeout=300, **settle)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "待处理，文件尚不完整" in first.stdout
    assert "指挥中心事件_20240201.csv.part: 仍在复制中" in first.stdout
    assert "指挥中心事件_20240202.csv: " in first.stdout and "秒前刚被修改" in first.stdout
    assert audit(settings, "select count(*) from audit.file_loads") == [(0,)]
    assert part.exists() and fresh.exists()

    # the copier finishes: renames the .part file, completes the other; then it settles
    final = part.with_name("指挥中心事件_20240201.csv")
    part.rename(final)
    fresh.write_bytes(rows_of(2, start=100))
    settled = time.time() - 3600
    for p in (final, fresh):
        os.utime(p, (settled, settled))
    second = rolwh(settings, "ingest", "--quiet", timeout=300, **settle)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "待处理" not in second.stdout
    third = rolwh(settings, "ingest", "--quiet", timeout=300, **settle)
    assert third.returncode == 0 and "接收目录中没有新文件" in third.stdout

    assert audit(
        settings, "select file_name, status, rows_loaded from audit.file_loads order by file_name"
    ) == [("指挥中心事件_20240201.csv", "loaded", 3), ("指挥中心事件_20240202.csv", "loaded", 2)]
    assert audit(settings, "select count(*) from raw.dispatch_events") == [(5,)]  # no double counting


def test_a_file_the_reader_fails_on_is_quarantined_alone_and_the_run_goes_on(settings: Settings) -> None:
    """A csv with CR-only line endings made the reader raise an unexpected error that stopped every
    night; now that file is accounted for (quarantined naming the file, or read) and the files and
    feeds after it load."""
    lines = [HEADER] + [ROW.format(n=i, kind="路灯故障") for i in range(1, 6)]
    feed_path(settings, "指挥中心事件_20240301_cr.csv").write_bytes(("\r".join(lines) + "\r").encode())
    feed_path(settings, "指挥中心事件_20240302.csv").write_bytes(rows_of(3, start=50))
    study = feed_path(settings, "学法活动_20240303.csv", feed="study_sessions")
    study.write_text("活动编号,活动日期,活动类型,参加人数\nXF1,2024-03-01,会前学法,12\n", encoding="utf-8")

    proc = rolwh(settings, "ingest", "--quiet", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    rows = {
        r[0]: r[1:]
        for r in audit(settings, "select file_name, status, reason, rows_loaded from audit.file_loads")
    }
    assert rows["指挥中心事件_20240302.csv"] == ("loaded", None, 3)
    assert rows["学法活动_20240303.csv"][0] == "loaded"
    status, reason, _ = rows["指挥中心事件_20240301_cr.csv"]
    assert status in ("quarantined", "loaded")
    if status == "quarantined":
        assert "指挥中心事件_20240301_cr.csv" in reason
        assert "SJ2024" not in reason and "路灯故障" not in reason  # no cell of the file


def test_quarantine_keeps_every_original_and_never_overwrites_a_note(settings: Settings) -> None:
    name = "指挥中心事件_20240401.txt"  # unsupported type: quarantined unread
    feed_path(settings, name).write_bytes(b"first delivery\n")
    assert rolwh(settings, "ingest", "--quiet", timeout=300).returncode == 0
    feed_path(settings, name).write_bytes(b"second delivery\n")
    # a delivered file named exactly like the first one's stored reason note, and like its original
    [(sha1,)] = audit(settings, "select sha256 from audit.file_loads")
    first_note = stored_name(sha1, name) + ".reason.txt"
    feed_path(settings, first_note).write_bytes(b"not a note\n")
    feed_path(settings, stored_name(sha1, name)).write_bytes(b"not the original\n")
    assert rolwh(settings, "ingest", "--quiet", timeout=300).returncode == 0

    folder = settings.quarantine_dir / FEED
    originals = [p for p in folder.iterdir() if (folder / f"{p.name}.reason.txt").exists()]
    contents = sorted(p.read_bytes() for p in originals)
    assert contents == sorted(
        [b"first delivery\n", b"second delivery\n", b"not a note\n", b"not the original\n"]
    )
    note = (folder / first_note).read_text(encoding="utf-8")
    assert (
        f"文件：{name}\n" in note and f"SHA-256：{sha1}\n" in note
    )  # still the first file's note (Chinese by default)
    assert len(list(folder.iterdir())) == 8  # 4 originals, 4 notes
    assert audit(settings, "select count(*) from audit.file_loads where status = 'quarantined'") == [(4,)]
    assert not [p for p in (settings.landing / FEED).iterdir()]


def test_a_hostile_name_is_printed_inert(settings: Settings) -> None:
    """Markup and control characters in a file name neither break the output nor reach the terminal."""
    name = (
        "指挥中心事件_20240501_[bold red]x_\x1b[31mred\u202e.csv"  # a name cannot hold '/' (no closing tag)
    )
    feed_path(settings, name).write_bytes(csv_bytes(2))
    proc = rolwh(settings, "ingest", "--quiet", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "\x1b[31m" not in proc.stdout and "\u202e" not in proc.stdout
    assert "[bold red]x_\\u001b[31mred\\u202e.csv" in proc.stdout  # shown as typed, escapes visible
    assert audit(settings, "select status, rows_loaded from audit.file_loads") == [("loaded", 2)]


def test_a_csv_the_parser_rejects_quotes_no_value(settings: Settings) -> None:
    values = ("龚翀翀", "11010519491231002X", "13987654321")
    line = ",".join(values) + "," + "x" * 11_000_000  # longer than DuckDB's max_line_size
    feed_path(settings, "信访_20240601.csv", feed="petitions").write_text(line + "\n", encoding="utf-8")
    proc = rolwh(settings, "ingest", "--quiet", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    [(status, reason)] = audit(settings, "select status, reason from audit.file_loads")
    assert status == "quarantined"
    notes = list((settings.quarantine_dir / "petitions").glob("*.reason.txt"))
    leaked = [v for v in values if v in reason or v in proc.stdout or any(v in n.read_text() for n in notes)]
    assert leaked == [], reason[:200]
