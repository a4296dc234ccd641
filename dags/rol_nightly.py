"""
### rol_nightly — the nightly cycle of the rule-of-law warehouse (法治政府建设数据仓库)

Every night at 02:00 Asia/Shanghai: load new exports of each feed from the landing area
(one task per feed), `dbt build` the marts, run the nightly quality gate, and publish the marts
to the serving file **only if the gate passed** (otherwise the previous publication stays).

* Every task that touches the DuckDB warehouse runs in pool `rolwh_duckdb_writer` (1 slot) and
  under the project's file lock: one writer at a time.
* Bad data and a blocked gate fail at once (no retries); transient errors are retried with
  exponential back-off.
* The `summary` task keeps the run summary under `$ROLWH_HOME/logs/runs/` and tells the outcome:
  **success** = ok; **skipped** (pink) = published, **needs attention** (files quarantined, a
  freeze-blocking warning or an overdue feed open, a refused release: the summary says what to do);
  **failed** = a step failed or the gate blocked publication. Failure, block and new attention
  items are sent by e-mail / webhook (`ROLWH_NOTIFY_*`, see the README).
* Re-running or backfilling is idempotent: already loaded files are skipped by their sha256.
* After a change of the dbt models, trigger with `{"full_refresh": true}` to rebuild the
  incremental models from scratch.
"""

from __future__ import annotations

# lazy imports: the scheduler parses DAG files often; rolwh's code loads inside the tasks, in the worker.
import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, Param, TriggerRule, dag, task

from rolwh.core.contracts import FEEDS
from rolwh.core.settings import WRITER_POOL, dag_default_args
from rolwh.orchestration.airflow_notifier import RolwhNotifier

FEED_NAMES = [f.name for f in FEEDS]
MARTS = Asset("rolwh://marts")
SERVING = Asset("rolwh://serving")


@dag(
    dag_id="rol_nightly",
    schedule=CronTriggerTimetable("0 2 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rolwh", "nightly"],
    params={
        "full_refresh": Param(
            False,
            type="boolean",
            description="rebuild incremental models from scratch (after a model change)",
        ),
    },
    default_args=dag_default_args(),
)
def rol_nightly() -> None:
    @task(pool=WRITER_POOL)
    def ingest(feed: str) -> dict:
        """Load the new export files of one feed into the raw layer."""
        from rolwh.core.settings import (
            load_settings,
        )
        from rolwh.orchestration.airflow_tasks import (
            airflow_step,
        )
        from rolwh.orchestration.steps import (
            ingest_step,
        )

        return airflow_step(f"ingest {feed}", lambda: ingest_step(load_settings(), feed))

    @task(pool=WRITER_POOL, outlets=[MARTS])
    def build(params: dict | None = None) -> dict:
        """dbt build: staging, intermediate and marts, with their tests."""
        from rolwh.core.settings import (
            load_settings,
        )
        from rolwh.orchestration.airflow_tasks import (
            airflow_step,
        )
        from rolwh.orchestration.steps import (
            build_step,
        )

        full_refresh = bool((params or {}).get("full_refresh"))
        return airflow_step("build", lambda: build_step(load_settings(), full_refresh=full_refresh))

    @task(pool=WRITER_POOL)
    def gate() -> dict:
        """Nightly quality gate; a blocking failure stops publication."""
        from rolwh.core.settings import (
            load_settings,
        )
        from rolwh.orchestration.airflow_tasks import (
            airflow_step,
        )
        from rolwh.orchestration.steps import (
            gate_step,
        )

        return airflow_step("gate", lambda: gate_step(load_settings(), mode="nightly"))

    @task(pool=WRITER_POOL, outlets=[SERVING])
    def publish() -> dict:
        """Atomically publish the marts to the serving file."""
        from rolwh.core.settings import (
            load_settings,
        )
        from rolwh.orchestration.airflow_tasks import (
            airflow_step,
        )
        from rolwh.orchestration.steps import (
            publish_step,
        )

        return airflow_step("publish", lambda: publish_step(load_settings()))

    step_ids = [f"ingest_{name}" for name in FEED_NAMES] + ["build", "gate", "publish"]

    @task(
        trigger_rule=TriggerRule.ALL_DONE,
        retries=0,
        on_failure_callback=RolwhNotifier(),
        on_skipped_callback=RolwhNotifier(),
    )
    def summary() -> str:
        """Log every step's outcome and what to do; fail if a step failed, skip if it needs attention."""
        from rolwh.core.settings import (
            load_settings,
        )
        from rolwh.orchestration.airflow_tasks import (
            airflow_run_summary,
        )

        return airflow_run_summary(load_settings(), step_ids)

    loads = [
        ingest.override(task_id=f"ingest_{name}", outlets=[Asset(f"rolwh://raw/{name}")])(name)
        for name in FEED_NAMES
    ]
    built = build()
    gated = gate()
    published = publish()
    loads >> built >> gated >> published
    # The summary waits for every step (all_done), not only the last one.
    [*loads, built, gated, published] >> summary()


rol_nightly()
