"""
### rol_district — every subdistrict's nightly cycle in parallel, then the district roll-up

Every night at 03:00 Asia/Shanghai: list the tenants (one folder per subdistrict under
`$ROLWH_TENANTS_ROOT`, each its own ROLWH_HOME), run each tenant's nightly cycle (ingest, dbt build,
gate, publish) as one **mapped task instance per tenant** (`.expand`), then build
`district_marts.duckdb` from every tenant's *published* Parquet.

* Tenant tasks use **no shared pool**: the project's 1-slot pool `rolwh_duckdb_writer` guards the
  one warehouse of a single-tenant install; here every tenant has its own DuckDB file and its own
  `flock` writer lock, so two tenants never share a writer. Parallelism is bounded by
  `max_active_tis_per_dagrun` (`ROLWH_TENANT_PARALLELISM`, default 4) and the Celery workers'
  concurrency; size both by memory (each run holds up to `ROLWH_DUCKDB_MEMORY_LIMIT` plus dbt).
* The roll-up runs when all tenants are done (`all_done`): a failed tenant keeps its previous
  publication in the district file, and the roll-up task fails afterwards naming it.
* Bad data and a blocked gate are not retried; transient errors are, with exponential back-off.
"""

from __future__ import annotations

# lazy imports: the scheduler parses DAG files often; rolwh's code loads inside the tasks, in the worker.
from datetime import timedelta

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, TriggerRule, dag, task

from rolwh.core.settings import dag_default_args, tenant_parallelism

PARALLELISM = tenant_parallelism()
DISTRICT = Asset("rolwh://district")


@dag(
    dag_id="rol_district",
    schedule=CronTriggerTimetable("0 3 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rolwh", "district"],
    default_args=dag_default_args(),
)
def rol_district() -> None:
    @task
    def tenants() -> list[str]:
        """The tenant folders under $ROLWH_TENANTS_ROOT."""
        from rolwh.orchestration.tenants import (
            list_tenants,
        )

        return list_tenants()

    @task(max_active_tis_per_dagrun=PARALLELISM, execution_timeout=timedelta(hours=3))
    def tenant_nightly(tenant: str) -> dict:
        """One tenant's nightly cycle under that tenant's own writer lock."""
        from rolwh.orchestration.airflow_tasks import (
            airflow_step,
        )
        from rolwh.orchestration.tenants import (
            tenant_run_step,
        )

        return airflow_step(f"nightly {tenant}", lambda: tenant_run_step(tenant))

    @task(trigger_rule=TriggerRule.ALL_DONE, outlets=[DISTRICT])
    def district_rollup(names: list[str]) -> dict:
        """district_marts.duckdb from every tenant's published marts; fails afterwards if a tenant failed."""
        from airflow.sdk import (
            get_current_context,
        )
        from airflow.sdk.exceptions import (
            AirflowFailException,
        )

        from rolwh.orchestration.tenants import (
            rollup,
        )

        result = rollup(tenants=names)
        done = {
            o["tenant"] for o in get_current_context()["ti"].xcom_pull(task_ids="tenant_nightly") or [] if o
        }
        failed = sorted(set(names) - done)
        if failed:
            raise AirflowFailException(
                f"roll-up written, but these tenants' nightly runs failed (their previous publication "
                f"was used): {', '.join(failed)}\n{result.render()}"
            )
        return {"summary": result.render(), "tenants": result.tenants, "missing": result.missing}

    names = tenants()
    # TaskFlow hands the upstream XComArg to a task typed for the value Airflow resolves it to.
    tenant_nightly.expand(tenant=names) >> district_rollup(names)  # type: ignore[arg-type]


rol_district()
