"""Intake pieces on real files: which entries are read, when a file is complete, what is read after
hashing, quarantine names, which errors are the file's fault, and what is printed."""

from __future__ import annotations

import csv
import errno
import hashlib
import os
import time
from pathlib import Path

import duckdb
import pytest

from ingest.discover import Pending, open_landing_file
from ingest.isolate import environment_fault
from ingest.quarantine import NAME_MAX_BYTES, NOTE_SUFFIX, move_to_quarantine, stored_name
from ingest.report import printable
from rolwh.core.settings import Settings


def test_a_symlink_to_a_fifo_is_described_without_being_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it would block this test for ever
    link = tmp_path / "x_20240101.csv"
    link.symlink_to(fifo)
    with open_landing_file("petitions", link, settle_seconds=0) as (lf, source):
        assert lf.not_regular == "symbolic link" and lf.size_bytes == 0 and source == link
    with open_landing_file("petitions", fifo, settle_seconds=0) as (lf, _):
        assert lf.not_regular == "FIFO (named pipe)"


@pytest.mark.parametrize("name", [".x_20240101.csv", "x_20240101.csv.part", "x_20240101.csv.TMP"])
def test_a_name_of_the_rename_protocol_is_pending(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"a,b\n")
    os.utime(path, (time.time() - 3600,) * 2)
    with pytest.raises(Pending, match="still being copied"), open_landing_file("petitions", path, 0):
        pass


def test_a_file_modified_within_the_settle_interval_is_pending(tmp_path: Path) -> None:
    path = tmp_path / "x_20240101.csv"
    path.write_bytes(b"a,b\n")
    with pytest.raises(Pending, match="ROLWH_SETTLE_SECONDS=60"), open_landing_file("petitions", path, 60):
        pass
    os.utime(path, (time.time() - 61,) * 2)
    with open_landing_file("petitions", path, 60) as (lf, _):
        assert lf.sha256 == hashlib.sha256(b"a,b\n").hexdigest() and lf.size_bytes == 4


def test_what_is_read_is_what_was_hashed_even_if_the_name_is_swapped(tmp_path: Path) -> None:
    path = tmp_path / "x_20240101.csv"
    path.write_bytes(b"hashed content\n")
    with open_landing_file("petitions", path, 0) as (lf, source):
        swap = tmp_path / "swap"
        swap.write_bytes(b"swapped in after the hash\n")
        os.replace(swap, path)
        assert source.read_bytes() == b"hashed content\n"
        assert hashlib.sha256(source.read_bytes()).hexdigest() == lf.sha256


def test_stored_names_fit_a_file_name_with_their_note() -> None:
    sha = "ab" * 32
    assert stored_name(sha, "x.csv") == "abababab-x.csv"
    assert stored_name(sha, "x.csv", 2) == "abababab-2-x.csv"
    long = "案" * 84 + ".csv"  # 256 bytes
    for n in (1, 2, 99):
        name = stored_name(sha, long, n)
        assert len((name + NOTE_SUFFIX).encode()) <= NAME_MAX_BYTES
        assert name.endswith(".csv") and "..." in name


def test_quarantine_never_replaces_a_file_already_there(settings: Settings) -> None:
    from ingest.discover import describe

    delivered = settings.landing / "petitions" / "x_20240101.csv"
    delivered.parent.mkdir(parents=True)
    delivered.write_bytes(b"the original\n")
    lf = describe("petitions", delivered)
    folder = settings.quarantine_dir / "petitions"
    folder.mkdir(parents=True)
    (folder / (stored_name(lf.sha256, lf.path.name) + NOTE_SUFFIX)).write_bytes(b"someone's note\n")
    (folder / stored_name(lf.sha256, lf.path.name, 2)).write_bytes(b"someone's file\n")

    target = move_to_quarantine(settings, lf, "unsupported file type")
    assert target.name == stored_name(lf.sha256, lf.path.name, 3)
    assert target.read_bytes() == b"the original\n" and not delivered.exists()
    note = (folder / (target.name + NOTE_SUFFIX)).read_text(encoding="utf-8")
    assert "file: x_20240101.csv\n" in note and "reason: unsupported file type\n" in note
    assert (folder / (stored_name(lf.sha256, lf.path.name) + NOTE_SUFFIX)).read_bytes() == b"someone's note\n"
    assert (folder / stored_name(lf.sha256, lf.path.name, 2)).read_bytes() == b"someone's file\n"


def test_a_symlink_is_moved_as_the_link_its_target_untouched(settings: Settings, tmp_path: Path) -> None:
    from ingest.discover import describe

    secret = tmp_path / "secret"
    secret.write_text("do not move me\n")
    link = settings.landing / "petitions" / "x_20240101.csv"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    target = move_to_quarantine(settings, describe("petitions", link), "not a regular file")
    assert target.is_symlink() and os.readlink(target) == str(secret)
    assert secret.read_text() == "do not move me\n" and not os.path.lexists(link)


def _chained(outer: Exception, inner: BaseException) -> Exception:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer from exc
    except Exception as exc:
        return exc


@pytest.mark.parametrize(
    ("exc", "environment"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (PermissionError(errno.EROFS, "Read-only file system"), True),
        (duckdb.IOException("IO Error: could not write"), True),
        (duckdb.OutOfMemoryException("Out of Memory Error"), True),
        (duckdb.TransactionException("TransactionContext Error: conflict"), True),
        (KeyboardInterrupt(), True),
        (MemoryError(), True),
        (_chained(ValueError("wrapped"), OSError(errno.ENOSPC, "No space left on device")), True),
        (RuntimeError("unexpected in a reader"), False),
        (csv.Error("new-line character seen in unquoted field"), False),
        (
            duckdb.InvalidInputException("Invalid Input Error: CSV Error on Line: 1 Original Line: 张三"),
            False,
        ),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), False),
        (IndexError("list index out of range"), False),
    ],
)
def test_environment_faults_stop_the_run_file_faults_do_not(exc: BaseException, environment: bool) -> None:
    assert environment_fault(exc) is environment


def test_printable_escapes_markup_and_shows_invisible_characters() -> None:
    from io import StringIO

    from rich.console import Console

    text = "a[bold]b[/]\x1b[31mc\u202ed\u200b\r\n"
    shown = printable(text)
    buf = StringIO()
    Console(file=buf, force_terminal=False, color_system=None, width=200).print(shown)
    out = buf.getvalue()
    assert out == "a[bold]b[/]\\u001b[31mc\\u202ed\\u200b\\u000d\\u000a\n"
