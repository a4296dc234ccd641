"""One nightly cycle (ingest → build → gate → publish), its steps for Airflow, and the writer lock.

DuckDB allows one read-write process or many readers, never both, so every step that touches the
working warehouse runs under :func:`writer_lock` (an exclusive ``fcntl.flock`` on
``settings.lock_path``). The OS drops a flock when its process dies, so a killed run never leaves
a stale lock behind. The ``*_step`` functions return small JSON-serialisable summaries for XCom,
so the DAG files only wire them to a schedule.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from expectations.gate import run_gate
from ingest import ingest_feed, run_ingest
from rolwh.core.errors import (
    DataError,
    FreezeError,
    GateBlocked,
    NeedsAttention,
    RolwhError,
    SettingsError,
    WarehouseBusy,
)
from rolwh.core.faults import checkpoint
from rolwh.core.settings import Settings
from rolwh.releases.frozen import frozen_release_vars
from rolwh.releases.verify import release_attention
from rolwh.releases.write import Release, freeze
from rolwh.report import write_dashboards
from rolwh.serving import closed_periods
from rolwh.serving.publish import publish
from rolwh.transform.build import BuildResult, build, refresh_frozen

log = logging.getLogger(__name__)

#: How long a step run by Airflow waits for another writer before failing (and being retried).
TASK_LOCK_WAIT_SECONDS = 300.0
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_GATE_BLOCKED = GateBlocked.exit_code
EXIT_ATTENTION = NeedsAttention.exit_code

_held = threading.local()  # per-thread depth of writer_lock, so nested steps do not self-deadlock


# -- the single-writer lock -----------------------------------------------------------------------
@contextmanager
def writer_lock(settings: Settings, *, wait_seconds: float = 0.0, what: str = "rolwh") -> Iterator[None]:
    """Hold the exclusive writer lock; wait up to ``wait_seconds``, then raise WarehouseBusy.

    Re-entrant within one thread: a step called inside :func:`run_nightly` reuses its lock.
    """
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    path = settings.lock_path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"another rolwh run is writing the warehouse ({_lock_holder(path)}; lock {path}); "
                        f"waited {wait_seconds:.0f}s for it. Wait until it finishes and run again. "
                        "If that process is gone the lock is already free (the OS releases it): just retry."
                    ) from None
                time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        since = datetime.now().isoformat(timespec="seconds")
        holder = f"pid {os.getpid()} on {socket.gethostname()} since {since}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder}, step {what}\n".encode(), 0)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _lock_holder(path: os.PathLike[str]) -> str:
    try:
        text = open(path, encoding="utf-8").read().strip()  # noqa: SIM115 - one short read
    except OSError:
        text = ""
    return f"held by {text}" if text else "holder unknown"


# -- the steps ------------------------------------------------------------------------------------
def quarantine_action(settings: Settings, feed: str, file_name: str, reason: str) -> str:
    """What the operator should do about one quarantined file."""
    return (
        f"{feed}/{file_name} was quarantined ({reason}); the rest of the run went on. "
        f"Fix the export (see {settings.quarantine_dir / feed}) and deliver the corrected file to "
        f"{settings.landing / feed}/; the next nightly run loads it."
    )


def _quarantined(settings: Settings, report: Any) -> list[dict[str, str]]:
    out = []
    for q in getattr(report, "quarantined", ()) or ():
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


def ingest_step(
    settings: Settings, feed: str, *, wait_seconds: float = TASK_LOCK_WAIT_SECONDS
) -> dict[str, Any]:
    """Load new files of one feed; quarantined files are listed, they do not fail the step."""

    with writer_lock(settings, wait_seconds=wait_seconds, what=f"ingest {feed}"):
        report = ingest_feed(settings, feed, progress=False)
    return {
        "step": f"ingest {feed}",
        "feed": feed,
        "files": len(getattr(report, "files", ()) or ()),
        "quarantined": _quarantined(settings, report),
        "headline": f"{len(getattr(report, 'files', ()) or ())} file(s) seen, "
        f"{len(getattr(report, 'quarantined', ()) or ())} quarantined",
        "summary": report.render(),
    }


def build_marts(settings: Settings, *, full_refresh: bool = False) -> BuildResult:
    """``dbt build`` with the verified releases handed to the frozen mart (a release that fails
    verification is left out of it; :func:`publish_checked` names it for the operator)."""
    return build(settings, full_refresh=full_refresh, frozen_releases=frozen_release_vars(settings))


def freeze_and_republish(
    settings: Settings, year: int, reason: str | None = None
) -> tuple[Release, PublishOutcome]:
    """Freeze ``year``, rebuild the frozen mart from the releases and publish, so the serving file
    shows the new release at once (not after the next nightly run). The caller holds the lock."""
    release = freeze(settings, year=year, reason=reason)
    refresh_frozen(settings, frozen_release_vars(settings))
    return release, publish_checked(settings)


def build_step(
    settings: Settings, *, full_refresh: bool = False, wait_seconds: float = TASK_LOCK_WAIT_SECONDS
) -> dict[str, Any]:
    """dbt build of every model and its tests; a failed build raises."""

    with writer_lock(settings, wait_seconds=wait_seconds, what="build"):
        result = build_marts(settings, full_refresh=full_refresh)
    if not result.ok:
        raise RolwhError(f"dbt build failed:\n{result.render()}")
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
    summary = {
        "step": f"gate {mode}",
        "passed": bool(result.passed),
        "blocking_failures": [str(f) for f in result.blocking_failures],
        "warnings": [str(w) for w in result.warnings],
        "summary": result.render(),
    }
    if not result.passed:
        raise GateBlocked(
            f"quality gate ({mode}) blocked publication; the previous publication stays.\n{result.render()}"
        )
    return summary


@dataclass
class PublishOutcome:
    """What the publish step did: published or held, and what needs an operator."""

    published: bool
    summary: str
    attention: list[str] = field(default_factory=list)


def publish_checked(settings: Settings, *, accept_lower_closed_periods: str | None = None) -> PublishOutcome:
    """Publish unless lower closed-period counts are unexplained (then hold the last publication);
    releases that fail verification are left out of the frozen mart and named for the operator."""

    refused, warnings = release_attention(settings)
    held = closed_periods.check(settings)
    warned = [f"warning: {w}" for w in warnings]
    if held.held and not accept_lower_closed_periods:
        text = "nothing published: lower counts in closed periods (see needs attention)"
        return PublishOutcome(False, "\n".join([text, *warned]), [held.render(), *refused])
    notes = [held.render(), *warned]
    if held.held:
        closed_periods.record_acceptance(settings, held, str(accept_lower_closed_periods))
        notes.append(
            f"lower closed-period counts accepted ({accept_lower_closed_periods}); recorded in "
            f"{closed_periods.ACCEPT_TABLE}"
        )
    result = publish(settings)
    return PublishOutcome(True, "\n".join([result.render(), _write_dashboards(settings), *notes]), refused)


def publish_step(settings: Settings, *, wait_seconds: float = TASK_LOCK_WAIT_SECONDS) -> dict[str, Any]:
    """Publish the marts to the serving file readers open (see :func:`publish_checked`); a held
    publication raises NeedsAttention, refused releases are listed under ``attention``."""
    with writer_lock(settings, wait_seconds=wait_seconds, what="publish"):
        outcome = publish_checked(settings)
    if not outcome.published:
        raise NeedsAttention("\n".join(outcome.attention))
    return {"step": "publish", "summary": outcome.summary, "attention": outcome.attention}


def _write_dashboards(settings: Settings) -> str:
    """After publishing: the dashboards of every published year (readers use the new version)."""

    paths = write_dashboards(settings)
    return "dashboards: " + ", ".join(str(p) for p in paths)


def freeze_step(
    settings: Settings, year: int, reason: str | None = None, *, wait_seconds: float = TASK_LOCK_WAIT_SECONDS
) -> dict[str, Any]:
    """Write the immutable release of ``year``."""

    with writer_lock(settings, wait_seconds=wait_seconds, what=f"freeze {year}"):
        release, outcome = freeze_and_republish(settings, year, reason)
    if not outcome.published:
        raise NeedsAttention("\n".join([release.render(), *outcome.attention]))
    return {"step": f"freeze {year}", "year": year, "summary": f"{release.render()}\n{outcome.summary}"}


def freeze_year(params: dict[str, Any], logical_date: datetime | None) -> int:
    """The year a freeze run is for: the ``year`` param, else the year before the logical date
    (a run triggered by hand without a logical date counts from today, Asia/Shanghai)."""

    if params.get("year"):
        return int(params["year"])
    shanghai = ZoneInfo("Asia/Shanghai")
    ref = logical_date.astimezone(shanghai) if logical_date else datetime.now(shanghai)
    return ref.year - 1


# -- one nightly cycle from the CLI ---------------------------------------------------------------
@dataclass
class StepOutcome:
    name: str
    ok: bool
    summary: str
    state: str | None = None  # shown instead of ok / FAILED (e.g. HELD)


@dataclass
class RunResult:
    """What one nightly cycle did; ``exit_code`` is what ``rolwh run`` returns."""

    exit_code: int = EXIT_OK
    steps: list[StepOutcome] = field(default_factory=list)
    quarantined: list[dict[str, str]] = field(default_factory=list)
    published: bool = False
    attention: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = ["nightly run"]
        for s in self.steps:
            lines.append(f"== {s.name}: {s.state or ('ok' if s.ok else 'FAILED')}")
            lines.extend("   " + line for line in s.summary.rstrip().splitlines())
        if self.quarantined:
            lines.append(f"== {len(self.quarantined)} file(s) quarantined — to do:")
            lines.extend(f" - {q['action']}" for q in self.quarantined)
        if self.attention:
            lines.append(f"== needs attention ({len(self.attention)}):")
            for item in self.attention:
                first, *rest = item.splitlines()
                lines += [f" - {first}", *(f"   {line}" for line in rest)]
        if self.exit_code == EXIT_GATE_BLOCKED:
            lines.append("result: gate BLOCKED — nothing published, the previous publication stays (exit 3)")
        elif self.exit_code == EXIT_ATTENTION:
            lines.append(
                "result: NEEDS ATTENTION — "
                + (
                    "published; act on the above"
                    if self.published
                    else "nothing published, the previous publication stays"
                )
                + f" (exit {EXIT_ATTENTION})"
            )
        elif self.exit_code:
            lines.append(f"result: FAILED (exit {self.exit_code})")
        else:
            lines.append("result: ok, published" if self.published else "result: ok")
        return "\n".join(lines)


def run_nightly(
    settings: Settings,
    progress: bool = True,
    full_refresh: bool = False,
    *,
    wait_seconds: float = 0.0,
    accept_lower_closed_periods: str | None = None,
) -> RunResult:
    """Ingest all feeds, build, gate (nightly), publish if the gate passed; one writer at a time.

    Exit 5 (needs attention): a release failed verification (the rest is published without it), or
    lower closed-period counts held the publication (see :func:`publish_checked`).
    """

    result = RunResult()

    def fail(name: str, exc: RolwhError) -> RunResult:
        result.steps.append(StepOutcome(name, False, str(exc)))
        result.exit_code = exc.exit_code
        return result

    with writer_lock(settings, wait_seconds=wait_seconds, what="nightly run"):
        try:
            report = run_ingest(settings, feeds=None, progress=progress)
        except RolwhError as exc:
            return fail("ingest", exc)
        result.steps.append(StepOutcome("ingest", True, report.render()))
        result.quarantined = _quarantined(settings, report)
        checkpoint("run.after_ingest")
        try:
            built = build_marts(settings, full_refresh=full_refresh)
        except RolwhError as exc:
            return fail("build", exc)
        result.steps.append(StepOutcome("build", bool(built.ok), built.render()))
        if not built.ok:
            result.exit_code = EXIT_FAILED
            return result
        try:
            checkpoint("run.after_build")
            gate = run_gate(settings, mode="nightly")
        except RolwhError as exc:
            return fail("gate", exc)
        result.steps.append(StepOutcome("gate", bool(gate.passed), gate.render()))
        if not gate.passed:
            result.exit_code = EXIT_GATE_BLOCKED
            return result
        checkpoint("run.after_gate")
        try:
            outcome = publish_checked(settings, accept_lower_closed_periods=accept_lower_closed_periods)
        except RolwhError as exc:
            return fail("publish", exc)
        state = None if outcome.published else "HELD"
        result.steps.append(StepOutcome("publish", outcome.published, outcome.summary, state))
        result.published = outcome.published
        result.attention = outcome.attention
        if outcome.attention:
            result.exit_code = EXIT_ATTENTION
    return result


# -- glue for Airflow tasks (Airflow is imported only when a task runs) ----------------------------
OUTCOME_KEY = "outcome"


def _retry_helps(exc: BaseException) -> bool:
    """False for errors a retry cannot fix: bad data, a blocked gate, a missing key, a refused freeze."""

    return not isinstance(exc, DataError | GateBlocked | NeedsAttention | SettingsError | FreezeError)


def airflow_step(name: str, func: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one step inside an Airflow task and record its outcome for the run summary.

    Bad data, a blocked gate, a missing key or a refused freeze fail the task at once
    (AirflowFailException: no retry helps); anything else is re-raised, so the task's retries
    with exponential back-off apply.
    """
    from airflow.sdk import (
        get_current_context,  # lazy: Airflow takes seconds to import; only code that runs under Airflow pays for it
    )
    from airflow.sdk.exceptions import (
        AirflowFailException,  # lazy: Airflow takes seconds to import; only code that runs under Airflow pays for it
    )

    ti = get_current_context()["ti"]
    try:
        summary = func()
    except Exception as exc:
        retryable = _retry_helps(exc)
        error = str(exc) if isinstance(exc, RolwhError) else f"{type(exc).__name__}: {exc}"
        ti.xcom_push(
            key=OUTCOME_KEY, value={"step": name, "ok": False, "retryable": retryable, "error": error}
        )
        if not retryable:
            log.error("%s failed, not retried (fix the cause named here, then run again):\n%s", name, error)
            raise AirflowFailException(f"{name}: {error}") from exc
        log.error("%s failed (retried with back-off if tries remain): %s", name, error)
        raise
    for q in summary.get("quarantined", ()):
        log.warning("QUARANTINED %s/%s: %s", q["feed"], q["file_name"], q["action"])
    log.info("%s:\n%s", name, summary.get("summary", ""))
    ti.xcom_push(key=OUTCOME_KEY, value={"ok": True, **summary})
    return summary


def render_run_summary(title: str, outcomes: dict[str, dict[str, Any] | None]) -> tuple[str, list[str]]:
    """The operator's summary of a DAG run and the task ids that failed or did not run."""
    lines = [f"# {title}", ""]
    bad: list[str] = []
    to_do: list[str] = []
    attention: list[str] = []
    for task_id, outcome in outcomes.items():
        if outcome is None:
            note = "; nothing published, the previous publication stays" if task_id == "publish" else ""
            lines.append(f"- {task_id}: did not run (an upstream step failed){note}")
            bad.append(task_id)
            continue
        if outcome.get("ok"):
            first = (outcome.get("headline") or outcome.get("summary") or "ok").strip().splitlines() or ["ok"]
            lines.append(f"- {task_id}: ok — {first[0].strip()}")
        else:
            lines.append(f"- {task_id}: FAILED — {outcome.get('error', '').strip()}")
            bad.append(task_id)
            to_do.append(
                f"{task_id}: fix the data named above, then clear the task (no automatic retry)"
                if not outcome.get("retryable")
                else f"{task_id}: transient error, retried automatically; if it keeps failing read its log"
            )
        to_do.extend(q["action"] for q in outcome.get("quarantined", ()))
        if outcome.get("attention"):
            attention.append(task_id)
            to_do.extend(outcome["attention"])
    if to_do:
        lines += ["", "## To do", *(f"- {t}" for t in to_do)]
    result = (
        "FAILED: " + ", ".join(bad)
        if bad
        else "needs attention: " + ", ".join(attention)
        if attention
        else "ok"
    )
    lines += ["", "Result: " + result]
    return "\n".join(lines), bad + attention


def airflow_run_summary(settings: Settings, task_ids: list[str]) -> str:
    """Final task (trigger rule all_done): log each step's outcome, keep it in the logs folder,
    and fail if any step failed, so the DAG run's state tells the truth."""
    from airflow.sdk import (
        get_current_context,  # lazy: Airflow takes seconds to import; only code that runs under Airflow pays for it
    )
    from airflow.sdk.exceptions import (
        AirflowFailException,  # lazy: Airflow takes seconds to import; only code that runs under Airflow pays for it
    )

    ctx = get_current_context()
    ti, run_id, dag_id = ctx["ti"], ctx["run_id"], ctx["dag"].dag_id
    outcomes = {t: ti.xcom_pull(task_ids=t, key=OUTCOME_KEY) for t in task_ids}
    text, bad = render_run_summary(f"{dag_id} {run_id}", outcomes)
    runs_dir = settings.logs_dir / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    out = runs_dir / f"{dag_id}__{re.sub(r'[^A-Za-z0-9_.-]+', '_', run_id)}.md"
    out.write_text(text + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(
        json.dumps(
            {"dag_id": dag_id, "run_id": run_id, "failed": bad, "text": text, "outcomes": outcomes},
            ensure_ascii=False,
            default=str,
        ),
        encoding="utf-8",
    )
    log.info("run summary (%s):\n%s", out, text)
    if bad:
        raise AirflowFailException(f"{dag_id}: step(s) failed or need attention: {', '.join(bad)}; see {out}")
    return text
