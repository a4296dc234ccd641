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
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rolwh.core.errors import DataError, FreezeError, GateBlocked, NeedsAttention, RolwhError
from rolwh.core.settings import Settings, SettingsError

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


def freeze_year(params: dict[str, Any], logical_date: datetime | None) -> int:
    """The year a freeze run is for: the ``year`` param, else the year before the logical date
    (a run triggered by hand without a logical date counts from today, Asia/Shanghai)."""

    if params.get("year"):
        return int(params["year"])
    shanghai = ZoneInfo("Asia/Shanghai")
    ref = logical_date.astimezone(shanghai) if logical_date else datetime.now(shanghai)
    return ref.year - 1


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
