"""``rolwh demo-data``: write the demo landing area, feed by feed, block by block."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from rolwh.core.console import fit
from rolwh.core.contracts import FEEDS
from rolwh.core.errors import ConfigError
from rolwh.core.i18n import N_, _
from rolwh.demo_data.broken import BrokenFile, write_broken, write_duplicate_delivery
from rolwh.demo_data.exports import write_feed

DELIVERED_AGO_SECONDS = 24 * 3600


@dataclass(frozen=True)
class FeedSummary:
    feed: str
    files: int
    data_rows: int  # rows written below the header (versions, duplicates, junk)
    versions: int  # record versions from the truth
    junk_rows: int  # rows ingestion must reject


@dataclass
class DemoSummary:
    out: Path
    seed: int
    scale: int
    feeds: list[FeedSummary] = field(default_factory=list)
    broken: list[BrokenFile] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [
            _("demo landing area {path} (seed {seed}, scale {scale}, 2024-01-01 to 2025-03-31)").format(
                path=self.out, seed=self.seed, scale=self.scale
            ),
            fit(_("feed"), 22)
            + "".join(
                fit(_(h), w, ">")
                for h, w in ((N_("files"), 6), (N_("rows"), 10), (N_("versions"), 10), (N_("reject"), 8))
            ),
        ]
        for f in self.feeds:
            lines.append(f"{f.feed:<22}{f.files:>6}{f.data_rows:>10}{f.versions:>10}{f.junk_rows:>8}")
        lines.append(_("intentionally broken files:"))
        lines += [f"  {b.path}: {_(b.expected)}" for b in self.broken]
        return "\n".join(lines)


def generate(out: Path, seed: int = 2024, scale: int = 1) -> DemoSummary:
    """Write every feed of the contract under ``out`` (one folder per feed); same seed and scale, same bytes."""
    if scale < 1:
        raise ConfigError(f"scale must be >= 1, got {scale}")
    out = Path(out)
    started = time.time() - 1  # mtime granularity of some file systems
    summary = DemoSummary(out, seed, scale)
    for feed in FEEDS:
        folder = out / feed.name
        folder.mkdir(parents=True, exist_ok=True)
        files, versions, junk = write_feed(feed, folder, seed, scale)
        summary.feeds.append(
            FeedSummary(feed.name, len(files), sum(f.data_rows for f in files.values()), versions, junk)
        )
    summary.broken = [*write_broken(out, seed), write_duplicate_delivery(out)]
    _mark_delivered(out, since=started)
    return summary


def _mark_delivered(out: Path, since: float) -> None:
    """Stamp the files written since ``since`` a day old: each was written completely, so ingest
    need not wait out the settle interval (``ROLWH_SETTLE_SECONDS``) it gives files being copied."""
    delivered = time.time() - DELIVERED_AGO_SECONDS
    for path in out.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_mtime >= since:
            os.utime(path, (delivered, delivered))
