"""
### rol_annual_freeze — the immutable release of a year's indicators

Runs on 20 January (03:00 Asia/Shanghai) for the year before, and can be triggered by hand with
the params `year` (default: the year before the run's logical date) and `reason` (required for a
second version of the same year). It runs the **full** quality gate for that year (freeze mode),
then writes the release under `$ROLWH_HOME/releases/`. A blocked gate fails at once and nothing is
frozen; fix the data, re-run `rol_nightly`, then trigger this DAG again.
"""

from __future__ import annotations

# lazy imports: the scheduler parses DAG files often; rolwh's code loads inside the tasks, in the worker.
import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, Param, dag, task

from rolwh.core.settings import WRITER_POOL, dag_default_args
from rolwh.orchestration.airflow_notifier import RolwhNotifier

RELEASES = Asset("rolwh://releases")


@dag(
    dag_id="rol_annual_freeze",
    schedule=CronTriggerTimetable("0 3 20 1 *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rolwh", "freeze", "annual"],
    params={
        "year": Param(None, type=["null", "integer"], description="year to freeze (default: last year)"),
        "reason": Param(None, type=["null", "string"], description="why (required for a second version)"),
    },
    # A failed task (a blocked gate, a refused freeze) is told by e-mail / webhook (ROLWH_NOTIFY_*).
    default_args=dag_default_args(retry_minutes=2, max_retry_minutes=30)
    | {"on_failure_callback": RolwhNotifier()},
)
def rol_annual_freeze() -> None:
    @task
    def pick_year(params: dict | None = None, logical_date=None) -> int:
        """The year to freeze: the `year` param, else the year before the logical date."""
        from rolwh.orchestration.airflow_tasks import (
            freeze_year,
        )

        return freeze_year(params or {}, logical_date)

    @task(pool=WRITER_POOL)
    def full_gate(year: int) -> dict:
        """The full quality gate of the year (freeze mode)."""
        from rolwh.core.settings import (
            load_settings,
        )
        from rolwh.orchestration.airflow_tasks import (
            airflow_step,
        )
        from rolwh.orchestration.steps import (
            gate_step,
        )

        return airflow_step("gate freeze", lambda: gate_step(load_settings(), mode="freeze", year=year))

    @task(pool=WRITER_POOL, outlets=[RELEASES])
    def freeze(year: int, params: dict | None = None) -> dict:
        """Write the immutable release of the year."""
        from rolwh.core.settings import (
            load_settings,
        )
        from rolwh.orchestration.airflow_tasks import (
            airflow_step,
        )
        from rolwh.orchestration.steps import (
            freeze_step,
        )

        reason = (params or {}).get("reason")
        return airflow_step(f"freeze {year}", lambda: freeze_step(load_settings(), year, reason))

    year = pick_year()
    # TaskFlow hands the upstream XComArg to a task typed for the value Airflow resolves it to.
    full_gate(year) >> freeze(year)  # type: ignore[arg-type]


rol_annual_freeze()
