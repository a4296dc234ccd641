"""Quarantine: moving a file the pipeline cannot load out of the landing area, with its reason.

Every original is kept under a name of its own and nothing is ever overwritten:
``quarantine/<feed>/<sha8>-<original name>`` with ``<that name>.reason.txt`` beside it (``<sha8>``:
the first 8 hex digits of the audit row's SHA-256). If either name is taken (the same file
delivered again, a delivered file named like a note, a hash prefix collision), the next free
``<sha8>-<n>-<original name>`` is used. The note is created exclusively (``O_EXCL``) and the
original moved by a hard link (which fails rather than replace), so an existing file is never
replaced. A symbolic link, FIFO or device is moved as the entry itself, its target never touched.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import stat
from pathlib import Path

from ingest.discover import LandingFile, display_name
from rolwh.core.errors import DataError
from rolwh.core.i18n import _
from rolwh.core.settings import Settings

NOTE_SUFFIX = ".reason.txt"
NAME_MAX_BYTES = 255  # longest file name (bytes) on the usual file systems
KEPT_TAIL = 16  # characters kept at the end of a shortened name (its suffix)


class Quarantine(DataError):
    """Raised while reading a file that must be quarantined; the message is the reason."""


def stored_name(sha256: str, name: str, n: int = 1) -> str:
    """``<sha8>-<name>`` (``<sha8>-<n>-<name>`` from n=2), shortened in the middle (whole characters)
    so that it plus the note suffix fits a file name; the original name is in the note and the audit."""
    prefix = f"{sha256[:8]}-" if n == 1 else f"{sha256[:8]}-{n}-"
    budget = NAME_MAX_BYTES - len(NOTE_SUFFIX) - len(prefix)
    if len(os.fsencode(name)) <= budget:
        return prefix + name
    head, tail = name[:-KEPT_TAIL], name[-KEPT_TAIL:]  # the tail holds the suffix
    while head and len(os.fsencode(f"{head}...{tail}")) > budget:
        head = head[:-1]
    return f"{prefix}{head}...{tail}"


def move_to_quarantine(settings: Settings, lf: LandingFile, reason: str) -> Path:
    """Write the reason note, then move ``lf.path`` (the entry itself) beside it; the stored path.

    Called after the audit row is committed; a rerun that finds the file still in the landing
    area calls it again to finish the move.
    """
    folder = settings.quarantine_dir / lf.feed
    folder.mkdir(parents=True, exist_ok=True)
    target = _claim(folder, lf, reason)
    if os.path.lexists(lf.path):
        _move_entry(lf.path, target)
    return target


def _claim(folder: Path, lf: LandingFile, reason: str) -> Path:
    """The first free stored name: its note created exclusively and written; the original's path."""
    n = 1
    while True:
        target = folder / stored_name(lf.sha256, lf.path.name, n)
        note = target.with_name(target.name + NOTE_SUFFIX)
        n += 1
        if os.path.lexists(target):
            continue
        try:
            fd = os.open(note, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(_note_text(lf, target.name, reason))
        return target


def _note_text(lf: LandingFile, stored: str, reason: str) -> str:
    """The note a clerk reads to fix the export, in the reader's language (``ROLWH_LANG``): which
    file, what is wrong and where (the reason names sheet, row and column, never a value), what to do."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return _(
        "file: {file}\nfeed: {feed}\nstored as: {stored}\nsha256: {sha256}\nquarantined: {when}\n"
        "reason: {reason}\n"
        "what to do: fix or re-export the file and drop it into the feed folder again "
        "(a corrected file has new content and is loaded as new).\n"
    ).format(
        file=lf.name, feed=lf.feed, stored=display_name(stored), sha256=lf.sha256, when=now, reason=reason
    )


def _move_entry(src: Path, target: Path) -> None:
    """Move the directory entry ``src`` to ``target`` (which must not exist), never following it."""
    try:
        os.link(src, target, follow_symlinks=False)  # fails if target exists: nothing is replaced
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            _move_across_file_systems(src, target)
            return
        if exc.errno not in (errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EMLINK):
            raise
        # hard links refused (not the file's owner under protected_hardlinks, or no hard links
        # on this file system): rename; the name was claimed and the writer lock is held.
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "quarantine name taken", str(target)) from exc
        os.rename(src, target)
        return
    os.unlink(src)


def _move_across_file_systems(src: Path, target: Path) -> None:
    """Landing and quarantine on different file systems: recreate the entry, then remove ``src``."""
    mode = os.lstat(src).st_mode
    if stat.S_ISLNK(mode):
        os.symlink(os.readlink(src), target)
    elif stat.S_ISFIFO(mode):
        os.mkfifo(target)
    elif stat.S_ISREG(mode):
        partial = target.with_name(f".{target.name}.partial")
        fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as fin, partial.open("xb") as fout:
            shutil.copyfileobj(fin, fout)
            fout.flush()
            os.fsync(fout.fileno())
        shutil.copystat(src, partial)
        os.link(partial, target)  # fails if target exists
        os.unlink(partial)
    # a socket or device node cannot be recreated: it is only removed from the landing area
    os.unlink(src)
