"""An ingest run: every new file of every feed (or the listed ones), one transaction per file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.discover import LandingFile, Pending, display_name, list_files, open_landing_file
from ingest.isolate import environment_fault, log_unreadable, unreadable_reason
from ingest.load import earlier_load_of_content, load_file, open_warehouse, record_only, recorded
from ingest.quarantine import move_to_quarantine
from ingest.report import FileResult, IngestReport, PendingFile
from rolwh.core.contracts import FEEDS, FILE_SUFFIXES, MAX_FILE_BYTES, feed
from rolwh.core.faults import checkpoint
from rolwh.core.i18n import _
from rolwh.core.progress import progress_steps
from rolwh.core.settings import Settings

if TYPE_CHECKING:
    import duckdb


def run_ingest(settings: Settings, feeds: list[str] | None = None, progress: bool = True) -> IngestReport:
    """Process the new files of every feed (or ``feeds``) under ``settings.landing/<feed>/``.

    Each file is isolated: an error while reading or loading it quarantines that file and the run
    goes on; only faults of the environment (ingest.isolate) stop the run.
    """
    names = [feed(n).name for n in feeds] if feeds else [f.name for f in FEEDS]
    settings.ensure_dirs()
    report = IngestReport()
    con = open_warehouse(settings)
    try:
        paths = [(n, p) for n in names for p in list_files(settings, n)]
        with progress_steps(_("ingest"), len(paths), enabled=progress) as steps:
            for feed_name, path in paths:
                try:
                    result = ingest_path(con, settings, feed_name, path)
                except Pending as why:
                    report.pending.append(PendingFile(feed_name, display_name(path.name), str(why)))
                    result = None
                if result is not None:
                    report.files.append(result)
                steps.advance(f"{feed_name}/{display_name(path.name)}")
    finally:
        con.close()
    return report


def ingest_feed(settings: Settings, feed_name: str, progress: bool = False) -> IngestReport:
    """One feed's new files (the Airflow DAG runs one task per feed)."""
    return run_ingest(settings, feeds=[feed_name], progress=progress)


def ingest_path(
    con: duckdb.DuckDBPyConnection, settings: Settings, feed_name: str, path: Path
) -> FileResult | None:
    """One landing entry; None when this exact file (name and content) was already processed.

    Raises Pending when the file is not complete yet (ingest.discover).
    """
    checkpoint("ingest.file_start")
    with open_landing_file(feed_name, path, settings.settle_seconds) as (lf, source):
        prior = recorded(con, lf)
        if prior is not None:
            if prior.status == "quarantined" and os.path.lexists(lf.path):  # a crash between commit and move
                move_to_quarantine(settings, lf, prior.reason or _("quarantined"))
            return None
        problems = refusal_reasons(lf)
        if problems:
            result = record_only(con, lf, "quarantined", _("; ").join(problems))
        elif (earlier := earlier_load_of_content(con, lf)) is not None:
            return record_only(
                con, lf, "skipped_duplicate", _("same content as {file}, already loaded").format(file=earlier)
            )
        else:
            result = load_isolated(con, settings, lf, source)
        checkpoint("ingest.file_committed")
        if result.status == "quarantined":
            target = move_to_quarantine(settings, lf, result.reason or "")
            result.quarantined_to = display_name(str(target))
        return result


def load_isolated(
    con: duckdb.DuckDBPyConnection, settings: Settings, lf: LandingFile, source: Path
) -> FileResult:
    """``load_file`` of the opened file; any error that is the file's fault quarantines it."""
    with tempfile.TemporaryDirectory(prefix="ingest-", dir=_tmp_root(settings)) as work:
        readable = Path(work) / f"source{lf.suffix}"  # the readers choose the format by suffix
        os.symlink(source, readable)
        try:
            return load_file(con, lf, Path(work), source=readable)
        except Exception as exc:
            if environment_fault(exc):
                raise
            log_unreadable(lf, exc)
            return record_only(con, lf, "quarantined", unreadable_reason(lf, exc))


def refusal_reasons(lf: LandingFile) -> list[str]:
    """Why a file is quarantined unread (name, suffix, size), empty if it may be read."""
    if lf.not_regular:
        return [_("not a regular file ({kind}): not read, not followed").format(kind=_(lf.not_regular))]
    reasons = []
    if lf.export_date is None:
        reasons.append(
            _(
                "no valid export date YYYYMMDD in the file name: rename the file so that its name holds the export date"
            )
        )
    if lf.suffix not in FILE_SUFFIXES:
        reasons.append(
            _(
                "unsupported file type {suffix}: only {accepted} are accepted; export the file in one of them"
            ).format(suffix=lf.suffix or _("(no suffix)"), accepted=_(" and ").join(FILE_SUFFIXES))
        )
    if lf.size_bytes > MAX_FILE_BYTES:
        reasons.append(
            _(
                "file is {size:.0f} MB, over the {limit:.0f} MB limit; split the export into smaller files"
            ).format(size=lf.size_bytes / 2**20, limit=MAX_FILE_BYTES / 2**20)
        )
    return reasons


def _tmp_root(settings: Settings) -> Path:
    root = settings.home / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root
