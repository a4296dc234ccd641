"""Finding complete export files in the landing area: feed, export date, size and content hash.

The intake protocol (docs/reliability.md, "Landing area"):

- Only regular files are read. A directory entry is examined with ``lstat`` and opened with
  ``O_NOFOLLOW``: a symbolic link, FIFO, socket or device is never followed or read; it is recorded
  as quarantined ("not a regular file (…)") and the entry itself is moved to quarantine.
- A file is taken only once complete: names starting with ``.`` or ending in ``.part``/``.tmp`` are
  still being copied (the rename protocol: write under such a name, rename when done), and a file
  modified less than ``ROLWH_SETTLE_SECONDS`` ago is still being written. Both are *pending*: left
  for a later run, not an error.
- The SHA-256 is computed from the same opened file descriptor the loader then reads (through
  ``/proc/self/fd`` where the system has it), and size and mtime are compared before and after the
  hash: a file that changed meanwhile is pending too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rolwh.core.contracts import EXPORT_DATE_PATTERN
from rolwh.core.errors import RolwhError
from rolwh.core.i18n import N_, _
from rolwh.core.settings import Settings

CHUNK = 1024 * 1024
IN_TRANSIT_SUFFIXES = (".part", ".tmp")
PROC_FD = Path("/proc/self/fd")

#: stat kind -> the words of the reason ("not a regular file (symbolic link)")
_KINDS = (
    (stat.S_ISLNK, N_("symbolic link")),
    (stat.S_ISFIFO, N_("FIFO (named pipe)")),
    (stat.S_ISSOCK, N_("socket")),
    (stat.S_ISCHR, N_("character device")),
    (stat.S_ISBLK, N_("block device")),
    (stat.S_ISDIR, N_("directory")),
)


@dataclass(frozen=True)
class LandingFile:
    """One entry of a feed folder, identified by its name and content hash.

    ``not_regular`` names the kind of a non-regular entry (symbolic link, FIFO, …); its
    ``sha256`` then identifies the entry (device, inode, change time), not any content.
    """

    feed: str
    path: Path
    sha256: str
    size_bytes: int
    not_regular: str | None = None

    @property
    def name(self) -> str:
        """The file name as text (bytes of the name that are not UTF-8 shown as ``\\xNN``)."""
        return display_name(self.path.name)

    @property
    def suffix(self) -> str:
        return display_name(self.path.suffix).lower()

    @property
    def export_date(self) -> dt.date | None:
        return export_date_from_name(self.name)


class Pending(RolwhError):
    """The file is not complete yet (still being copied or written); the message says why."""


def display_name(name: str) -> str:
    """``name`` as valid text: bytes that are not UTF-8 (surrogate escapes of the OS name) shown as
    ``\\xNN``, so two names differing only there stay apart."""
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


def export_date_from_name(name: str) -> dt.date | None:
    """The first valid ``YYYYMMDD`` date in a file name, else None."""
    for m in EXPORT_DATE_PATTERN.finditer(name):
        try:
            return dt.datetime.strptime(m.group(1), "%Y%m%d").date()
        except ValueError:
            continue
    return None


def in_transit_name(name: str) -> bool:
    """A name of the rename protocol's copy in progress: ``.name``, ``name.part``, ``name.tmp``."""
    return name.startswith(".") or name.lower().endswith(IN_TRANSIT_SUFFIXES)


def feed_dir(settings: Settings, feed: str) -> Path:
    return settings.landing / feed


def list_files(settings: Settings, feed: str) -> list[Path]:
    """Every entry directly in the feed folder except sub-folders, by name (not followed)."""
    folder = feed_dir(settings, feed)
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        paths = [Path(e.path) for e in entries if not e.is_dir(follow_symlinks=False)]
    return sorted(paths, key=lambda p: p.name)


def not_regular_kind(mode: int) -> str | None:
    """What a non-regular file is ("symbolic link", …), None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((words for test, words in _KINDS if test(mode)), N_("special file"))


def check_settled(path: Path, st: os.stat_result, settle_seconds: float) -> None:
    """Pending unless the name is final and the file was last modified ``settle_seconds`` ago."""
    if in_transit_name(path.name):
        raise Pending(_("still being copied (temporary name: starts with '.' or ends in .part/.tmp)"))
    age = time.time() - st.st_mtime
    if age < settle_seconds:
        raise Pending(
            _("modified {age:.0f} s ago, less than ROLWH_SETTLE_SECONDS={settle:g}").format(
                age=max(age, 0), settle=settle_seconds
            )
        )


def unread_entry(feed: str, path: Path, st: os.stat_result, kind: str) -> LandingFile:
    """A non-regular entry: identified by device, inode and change time, never opened."""
    identity = f"not-a-regular-file:{kind}:{st.st_dev}:{st.st_ino}:{st.st_ctime_ns}"
    return LandingFile(feed, path, hashlib.sha256(identity.encode()).hexdigest(), 0, not_regular=kind)


@contextmanager
def open_landing_file(feed: str, path: Path, settle_seconds: float) -> Iterator[tuple[LandingFile, Path]]:
    """(the described file, the path to read it by) while in the block.

    The path to read is ``/proc/self/fd/<fd>`` of the descriptor that was hashed (where the system
    has /proc), so a name swapped after hashing cannot change what is read. A non-regular entry is
    yielded unopened with ``not_regular`` set. Raises Pending for a file not complete yet.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise Pending(_("removed while being examined")) from None
    kind = not_regular_kind(st.st_mode)
    if kind is not None:
        yield unread_entry(feed, path, st, kind), path
        return
    check_settled(path, st, settle_seconds)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise Pending(_("removed while being examined")) from None
    except PermissionError:
        raise Pending(_("not readable by rolwh (permission denied): let rolwh's user read it")) from None
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", -1):  # replaced by a symbolic link meanwhile
            raise Pending(_("replaced while being examined")) from None
        raise
    try:
        lf = _hash_open_file(feed, path, fd, st)
        yield lf, _readable_path(path, fd)
    finally:
        os.close(fd)


def _hash_open_file(feed: str, path: Path, fd: int, before: os.stat_result) -> LandingFile:
    """SHA-256 and size of the open file; Pending if it is not the examined file or changed."""
    opened = os.fstat(fd)
    if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISREG(opened.st_mode):
        raise Pending(_("replaced while being examined"))
    h = hashlib.sha256()
    size = 0
    while chunk := os.read(fd, CHUNK):
        h.update(chunk)
        size += len(chunk)
    after = os.fstat(fd)
    if (after.st_size, after.st_mtime_ns) != (opened.st_size, opened.st_mtime_ns) or size != after.st_size:
        raise Pending(_("changed while being read"))
    return LandingFile(feed=feed, path=path, sha256=h.hexdigest(), size_bytes=size)


def _readable_path(path: Path, fd: int) -> Path:
    proc = PROC_FD / str(fd)
    return proc if PROC_FD.is_dir() else path


def describe(feed: str, path: Path) -> LandingFile:
    """Hash and measure one landing file now (no settle interval; tools and benchmarks)."""
    with open_landing_file(feed, path, settle_seconds=0) as (lf, _):
        return lf
