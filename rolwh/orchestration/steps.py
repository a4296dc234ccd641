"""The steps of the nightly and freeze cycles as Airflow tasks run them: each takes the writer
lock itself (waiting for another writer up to :data:`TASK_LOCK_WAIT_SECONDS`) and returns a small
JSON-serialisable summary for XCom, so the DAG files only wire them to a schedule."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from expectations.freshness import stale_feeds
from expectations.gate import run_gate
from expectations.results import GateResult
from ingest import IngestReport, ingest_feed
from rolwh.core.errors import EnvironmentFault, GateBlocked, NeedsAttention, NoWarehouse
from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.core.warehouse import connect
from rolwh.orchestration.attention import Item, identity, to_json, track
from rolwh.orchestration.lock import writer_lock
from rolwh.orchestration.publication import freeze_and_republish, publish_checked
from rolwh.release.frozen import frozen_release_vars
from rolwh.report.quality_page import write_quality_page
from rolwh.transform.build import build
from rolwh.transform.dbt_runner import BuildResult

#: How long a step run by Airflow waits for another writer before failing (and being retried).
TASK_LOCK_WAIT_SECONDS = 300.0


def quarantine_action(settings: Settings, feed: str, file_name: str, reason: str) -> str:
    """What the operator should do about one quarantined file."""
    return _(
        "{file} was quarantined ({reason}); the rest of the run went on. Fix the export (see "
        "{quarantine}) and deliver the corrected file to {landing}/; the next nightly run loads it."
    ).format(
        file=f"{feed}/{file_name}",
        reason=reason,
        quarantine=settings.quarantine_dir / feed,
        landing=settings.landing / feed,
    )


def check_landing(settings: Settings) -> None:
    """Raise EnvironmentFault (exit 7) unless the landing area is a folder this user may read: a
    missing one (an unmounted share) is not "no new files", and nothing may be published then."""
    landing = settings.landing
    if not landing.is_dir():
        raise EnvironmentFault(
            _(
                "the landing area {path} is missing or not a folder (an unmounted share?): nothing was "
                "loaded or published. Mount or create it, or correct ROLWH_LANDING (--landing)."
            ).format(path=landing)
        )
    if not os.access(landing, os.R_OK | os.X_OK):
        raise EnvironmentFault(
            _(
                "the landing area {path} cannot be read (permission denied): nothing was loaded or "
                "published. Give the user running rolwh read access to it."
            ).format(path=landing)
        )


def review_gate(settings: Settings, gate: GateResult, today: dt.date | None = None) -> list[Item]:
    """The gate's warnings and the overdue feeds as open items (new, changed or open since), the
    state of told warnings updated (:mod:`rolwh.orchestration.attention`). The caller holds the lock."""
    today = today or dt.date.today()
    try:
        con = connect(settings, read_only=True)
    except NoWarehouse:
        overdue = []
    else:
        try:
            overdue = stale_feeds(con, today)
        finally:
            con.close()
    return track(settings, [*gate.warnings, *overdue], today, {identity(f) for f in overdue})


def quarantined(settings: Settings, report: IngestReport) -> list[dict[str, str]]:
    """The quarantined files of an ingest report, each with what the operator should do."""
    out = []
    for q in report.quarantined:
        feed, name, reason = str(q.feed), str(q.file_name), str(q.reason)
        out.append(
            {
                "feed": feed,
                "file_name": name,
                "reason": reason,
                "action": quarantine_action(settings, feed, name, reason),
            }
        )
    return out


def build_marts(settings: Settings, *, full_refresh: bool = False, progress: bool = True) -> BuildResult:
    """``dbt build`` with the verified releases handed to the frozen mart (a release that fails
    verification is left out of it; :func:`publish_checked` names it for the operator).
    A failed build raises DbtBuildError, so the result returned is always ok."""
    return build(
        settings, full_refresh=full_refresh, frozen_releases=frozen_release_vars(settings), progress=progress
    )


def ingest_step(
    settings: Settings, feed: str, *, wait_seconds: float = TASK_LOCK_WAIT_SECONDS
) -> dict[str, Any]:
    """Load new files of one feed; quarantined files are listed, they do not fail the step."""

    check_landing(settings)
    with writer_lock(settings, wait_seconds=wait_seconds, what=f"ingest {feed}"):
        report = ingest_feed(settings, feed, progress=False)
    return {
        "step": f"ingest {feed}",
        "feed": feed,
        "files": len(report.files),
        "quarantined": quarantined(settings, report),
        "headline": _("{files} file(s) seen, {quarantined} quarantined").format(
            files=len(report.files), quarantined=len(report.quarantined)
        ),
        "summary": report.render(),
    }


def build_step(
    settings: Settings, *, full_refresh: bool = False, wait_seconds: float = TASK_LOCK_WAIT_SECONDS
) -> dict[str, Any]:
    """dbt build of every model and its tests; a failed build raises DbtBuildError."""

    with writer_lock(settings, wait_seconds=wait_seconds, what="build"):
        result = build_marts(settings, full_refresh=full_refresh)
    return {"step": "build", "ok": True, "summary": result.render()}


def gate_step(
    settings: Settings,
    *,
    mode: str = "nightly",
    year: int | None = None,
    wait_seconds: float = TASK_LOCK_WAIT_SECONDS,
) -> dict[str, Any]:
    """The quality gate; raises GateBlocked (nothing gets published) on a blocking failure."""

    # The gate reads the working file: no writer may run meanwhile (DuckDB: one writer or readers).
    with writer_lock(settings, wait_seconds=wait_seconds, what=f"gate {mode}"):
        result = run_gate(settings, mode=mode, year=year)
        review = review_gate(settings, result) if mode == "nightly" else []
    write_quality_page(settings)  # readable offline, blocked or not
    summary = {
        "step": f"gate {mode}",
        "passed": bool(result.passed),
        "blocking_failures": [str(f) for f in result.blocking_failures],
        "warnings": [str(w) for w in result.warnings],
        "summary": result.render(),
        "review": to_json(review),
    }
    if not result.passed:
        raise GateBlocked(
            _("the quality gate ({mode}) blocked publication; the previous publication stays.").format(
                mode=mode
            )
            + "\n"
            + result.render()
        )
    return summary


def publish_step(settings: Settings, *, wait_seconds: float = TASK_LOCK_WAIT_SECONDS) -> dict[str, Any]:
    """Publish the marts to the serving file readers open (see :func:`publish_checked`); a held
    publication raises NeedsAttention, refused releases are listed under ``attention``."""
    with writer_lock(settings, wait_seconds=wait_seconds, what="publish"):
        outcome = publish_checked(settings)
    if not outcome.published:
        raise NeedsAttention("\n".join(outcome.attention))
    return {"step": "publish", "summary": outcome.summary, "attention": outcome.attention}


def freeze_step(
    settings: Settings, year: int, reason: str | None = None, *, wait_seconds: float = TASK_LOCK_WAIT_SECONDS
) -> dict[str, Any]:
    """Write the immutable release of ``year``, then republish (the frozen rows show at once)."""

    with writer_lock(settings, wait_seconds=wait_seconds, what=f"freeze {year}"):
        release, outcome = freeze_and_republish(settings, year, reason)
    if not outcome.published:
        raise NeedsAttention("\n".join([release.render(), *outcome.attention]))
    return {"step": f"freeze {year}", "year": year, "summary": f"{release.render()}\n{outcome.summary}"}
