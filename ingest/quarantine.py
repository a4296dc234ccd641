"""Quarantine: moving a file the pipeline cannot load out of the landing area, with its reason."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from rolwh.settings import Settings


class Quarantine(Exception):
    """Raised while reading a file that must be quarantined; the message is the reason."""


def quarantine_path(settings: Settings, feed: str, file_name: str) -> Path:
    return settings.quarantine_dir / feed / file_name


def move_to_quarantine(settings: Settings, feed: str, path: Path, reason: str) -> Path:
    """Move ``path`` to ``quarantine/<feed>/<name>`` with ``<name>.reason.txt`` beside it.

    Called after the audit row is committed; a rerun that finds the file still in the landing
    area calls it again to finish the move. A file of the same name already in quarantine is
    replaced (the audit table keeps both hashes).
    """
    target = quarantine_path(settings, feed, path.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    note = target.with_name(target.name + ".reason.txt")
    note.write_text(
        f"file: {path.name}\nfeed: {feed}\nquarantined: {dt.datetime.now().isoformat(timespec='seconds')}\n"
        f"reason: {reason}\n"
        "what to do: fix or re-export the file and drop it into the feed folder again "
        "(a corrected file has new content and is loaded as new).\n",
        encoding="utf-8",
    )
    if path.exists():
        shutil.move(str(path), str(target))
    return target
