"""Finding new export files in the landing area: feed, export date, size and content hash."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from rolwh.contracts import EXPORT_DATE_PATTERN
from rolwh.settings import Settings

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class LandingFile:
    """One file in a feed folder, identified by its name and content hash."""

    feed: str
    path: Path
    sha256: str
    size_bytes: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def export_date(self) -> dt.date | None:
        return export_date_from_name(self.name)


def export_date_from_name(name: str) -> dt.date | None:
    """The first valid ``YYYYMMDD`` date in a file name, else None."""
    for m in EXPORT_DATE_PATTERN.finditer(name):
        try:
            return dt.datetime.strptime(m.group(1), "%Y%m%d").date()
        except ValueError:
            continue
    return None


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's content, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def feed_dir(settings: Settings, feed: str) -> Path:
    return settings.landing / feed


def list_files(settings: Settings, feed: str) -> list[Path]:
    """Regular files directly in the feed folder, by name (sub-folders are not the feed's)."""
    folder = feed_dir(settings, feed)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: p.name)


def describe(feed: str, path: Path) -> LandingFile:
    """Hash and measure one landing file."""
    return LandingFile(feed=feed, path=path, sha256=sha256_file(path), size_bytes=path.stat().st_size)
