"""The Airflow notifier of rolwh's DAGs: a :class:`airflow.sdk.BaseNotifier` that sends the run's
notice (:mod:`rolwh.orchestration.notify`) when a task fails or, for the nightly ``summary`` task,
ends skipped because the run needs attention.

Imported by the DAG files at parse time, so it loads only Airflow's SDK (already loaded there) and
light modules; the run summary it reads is written by
:func:`rolwh.orchestration.airflow_tasks.airflow_run_summary`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from airflow.sdk import BaseNotifier

from rolwh.orchestration import notify

log = logging.getLogger(__name__)


class RolwhNotifier(BaseNotifier):
    """``on_failure_callback`` / ``on_skipped_callback``: e-mail and webhook as ``ROLWH_NOTIFY_*`` say."""

    def notify(self, context: Any) -> None:
        from rolwh.core.settings import (  # lazy: runs in the task process only, not when the DAG is parsed
            load_settings,
        )
        from rolwh.orchestration.airflow_tasks import (  # lazy: runs in the task process only, not when the DAG is parsed
            summary_file,
        )

        ti, dag_id, run_id = context.get("ti"), context["dag"].dag_id, context["run_id"]
        where = f"{dag_id} {run_id}"
        path = summary_file(load_settings(), dag_id, run_id)
        try:
            done = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):  # the summary was not written: the failing task itself is told
            error = context.get("exception")
            task = getattr(ti, "task_id", "?")
            notice = notify.Notice(notify.FAILED, where, [f"{task}: {error or type(error).__name__}"])
        else:
            if not done.get("tell"):
                log.info("nothing new to tell about %s (%s)", where, done.get("state"))
                return
            notice = notify.Notice(done["state"], where, done.get("notice_lines") or [], str(path))
        notify.send(notice)
