"""Glue between the steps (rolwh.orchestration.steps) and Airflow: run a step inside a task with
the retry policy, record its outcome in XCom, and the run summary the DAGs end with.

Airflow is imported only inside the functions a running task calls, so the tests and the CLI can
use the rest (e.g. :func:`render_run_summary`) without loading Airflow (seconds to import).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rolwh.core.errors import DataError, FreezeError, GateBlocked, NeedsAttention, RolwhError
from rolwh.core.i18n import _
from rolwh.core.settings import Settings, SettingsError
from rolwh.orchestration.attention import Item, attention_lines, from_json, needs_attention, worth_telling
from rolwh.orchestration.notify import ATTENTION, BLOCKED, FAILED

log = logging.getLogger(__name__)

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
            key=OUTCOME_KEY,
            value={
                "step": name,
                "ok": False,
                "retryable": retryable,
                "blocked": isinstance(exc, GateBlocked),
                "error": error,
            },
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


def freeze_year(params: dict[str, Any], logical_date: datetime | None) -> int:
    """The year a freeze run is for: the ``year`` param, else the year before the logical date
    (a run triggered by hand without a logical date counts from today, Asia/Shanghai)."""

    if params.get("year"):
        return int(params["year"])
    shanghai = ZoneInfo("Asia/Shanghai")
    ref = logical_date.astimezone(shanghai) if logical_date else datetime.now(shanghai)
    return ref.year - 1


@dataclass
class DagOutcome:
    """What a DAG run came to, from its steps' outcomes (see :func:`summarise`)."""

    text: str  # the operator's summary
    failed: list[str]  # tasks that failed or did not run
    attention: list[str]  # tasks whose outcome needs an operator
    state: str  # ok | attention | blocked | failed (rolwh.orchestration.notify)
    notice_lines: list[str] = field(default_factory=list)  # what a notification says
    tell: bool = False  # worth a notification (failed, blocked, or new attention items)


def summarise(title: str, outcomes: dict[str, dict[str, Any] | None]) -> DagOutcome:
    """The operator's summary of a DAG run: each step, what to do, the open warnings, the result."""
    lines = [f"# {title}", ""]
    bad: list[str] = []
    errors: list[str] = []
    blocked = True
    to_do: list[str] = []
    quarantined: list[dict[str, str]] = []
    review: list[Item] = []
    publish_notes: list[str] = []
    attention: list[str] = []
    for task_id, outcome in outcomes.items():
        if outcome is None:
            note = _("; nothing published, the previous publication stays") if task_id == "publish" else ""
            lines.append(
                "- " + _("{task}: did not run (an upstream step failed)").format(task=task_id) + note
            )
            bad.append(task_id)
            continue
        if outcome.get("ok"):
            first = (outcome.get("headline") or outcome.get("summary") or "ok").strip().splitlines() or ["ok"]
            lines.append("- " + _("{task}: ok — {what}").format(task=task_id, what=first[0].strip()))
        else:
            error = outcome.get("error", "").strip()
            lines.append("- " + _("{task}: FAILED — {error}").format(task=task_id, error=error))
            bad.append(task_id)
            errors.append(f"{task_id}: {error}")
            blocked = blocked and bool(outcome.get("blocked"))
            to_do.append(
                _("{task}: fix the data named above, then clear the task (no automatic retry)").format(
                    task=task_id
                )
                if not outcome.get("retryable")
                else _(
                    "{task}: transient error, retried automatically; if it keeps failing read its log"
                ).format(task=task_id)
            )
        quarantined += outcome.get("quarantined", ())
        items = from_json(outcome.get("review"))
        review += items
        publish_notes += outcome.get("attention") or ()
        if outcome.get("quarantined") or outcome.get("attention") or any(i.acts for i in items):
            attention.append(task_id)
    to_do += attention_lines(quarantined, review, publish_notes)
    if to_do:
        lines += ["", "## " + _("To do"), *(f"- {t}" for t in to_do)]
    warnings = sorted((i for i in review if not i.acts), key=lambda i: not i.new)
    if warnings:
        lines += ["", "## " + _("Warnings (new or changed ones in full)")]
        lines += [f"- {i.render().splitlines()[0]}" for i in warnings]
    if bad:
        state = BLOCKED if errors and blocked else FAILED
        verdict = _("FAILED: {tasks}").format(tasks=", ".join(bad))
        notice, tell = errors or [verdict], True
    elif needs_attention(quarantined, review, publish_notes):
        state = ATTENTION
        verdict = _("published, needs attention: {tasks}").format(tasks=", ".join(attention))
        notice = attention_lines(quarantined, review, publish_notes)
        tell = worth_telling(quarantined, review, publish_notes)
    else:
        state, verdict, notice, tell = "ok", _("ok"), [], False
    lines += ["", _("Result: {verdict}").format(verdict=verdict)]
    return DagOutcome("\n".join(lines), bad, [] if bad else attention, state, notice, tell)


def render_run_summary(title: str, outcomes: dict[str, dict[str, Any] | None]) -> tuple[str, list[str]]:
    """The operator's summary of a DAG run and the task ids that failed, did not run or need attention."""
    done = summarise(title, outcomes)
    return done.text, done.failed + done.attention


def summary_file(settings: Settings, dag_id: str, run_id: str) -> Path:
    """Where a DAG run's summary is kept (``.md``; the ``.json`` beside it holds its outcomes)."""
    return settings.logs_dir / "runs" / f"{dag_id}__{re.sub(r'[^A-Za-z0-9_.-]+', '_', run_id)}.md"


def airflow_run_summary(settings: Settings, task_ids: list[str]) -> str:
    """Final task (trigger rule all_done): log each step's outcome, keep it in the logs folder,
    and fail if any step failed, so the DAG run's state tells the truth."""
    from airflow.sdk import (
        get_current_context,  # lazy: Airflow takes seconds to import; only code that runs under Airflow pays for it
    )
    from airflow.sdk.exceptions import (  # lazy: Airflow takes seconds to import; only code that runs under Airflow pays for it
        AirflowFailException,
        AirflowSkipException,
    )

    ctx = get_current_context()
    ti, run_id, dag_id = ctx["ti"], ctx["run_id"], ctx["dag"].dag_id
    outcomes = {t: ti.xcom_pull(task_ids=t, key=OUTCOME_KEY) for t in task_ids}
    done = summarise(f"{dag_id} {run_id}", outcomes)
    out = summary_file(settings, dag_id, run_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(done.text + "\n", encoding="utf-8")
    record = {"dag_id": dag_id, "run_id": run_id, "outcomes": outcomes} | asdict(done)
    out.with_suffix(".json").write_text(json.dumps(record, ensure_ascii=False, default=str), encoding="utf-8")
    log.info("run summary (%s):\n%s", out, done.text)
    if done.failed:
        raise AirflowFailException(f"{dag_id}: step(s) failed: {', '.join(done.failed)}; see {out}")
    if done.attention:
        # Skipped, not success: the run published, but the grid shows this task apart from green, and
        # the task's on_skipped_callback (rolwh.orchestration.airflow_notifier) tells people.
        raise AirflowSkipException(
            f"{dag_id}: published, needs attention: {', '.join(done.attention)}; see {out}"
        )
    return done.text
