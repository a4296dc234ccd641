"""The DAG files: they parse, and every DAG and task follows the project's rules."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rolwh.core.contracts import FEEDS
from rolwh.orchestration.airflow_tasks import freeze_year

WRITER_POOL = "rolwh_duckdb_writer"
WRITER_TASK_PREFIXES = ("ingest_", "build", "gate", "full_gate", "publish", "freeze")


def test_dagbag_loads_without_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert {"rol_nightly", "rol_annual_freeze"} <= set(dagbag.dag_ids)


def test_every_dag_has_tags_owner_retries_and_docs(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.doc_md and dag_id in dag.doc_md, dag_id
        for t in dag.tasks:
            assert t.owner == "rolwh", (dag_id, t.task_id)
            if t.task_id != "summary":  # the summary only reports; retrying it changes nothing
                assert t.retries >= 1, (dag_id, t.task_id)
                assert t.retry_exponential_backoff, (dag_id, t.task_id)


def test_every_warehouse_task_runs_in_the_one_slot_writer_pool(dagbag) -> None:
    writers = [
        (dag_id, t)
        for dag_id, dag in dagbag.dags.items()
        for t in dag.tasks
        if t.task_id.startswith(WRITER_TASK_PREFIXES)
    ]
    assert len(writers) >= len(FEEDS) + 5
    for dag_id, t in writers:
        assert t.pool == WRITER_POOL, (dag_id, t.task_id)


def test_nightly_runs_at_two_shanghai_time_without_catchup(dagbag) -> None:
    dag = dagbag.dags["rol_nightly"]
    assert dag.catchup is False
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) == "Asia/Shanghai"


def test_nightly_has_one_ingest_task_per_feed_each_producing_its_raw_asset(dagbag) -> None:
    dag = dagbag.dags["rol_nightly"]
    for f in FEEDS:
        t = dag.get_task(f"ingest_{f.name}")
        assert [a.uri for a in t.outlets] == [f"rolwh://raw/{f.name}"]
        assert t.downstream_task_ids == {"build", "summary"}
    assert [a.uri.rstrip("/") for a in dag.get_task("build").outlets] == ["rolwh://marts"]
    assert [a.uri.rstrip("/") for a in dag.get_task("publish").outlets] == ["rolwh://serving"]


def test_publish_runs_only_after_the_gate_and_the_summary_after_everything(dagbag) -> None:
    dag = dagbag.dags["rol_nightly"]
    assert dag.get_task("gate").upstream_task_ids == {"build"}
    assert dag.get_task("publish").upstream_task_ids == {"gate"}
    assert dag.get_task("publish").trigger_rule == "all_success"
    summary = dag.get_task("summary")
    assert summary.trigger_rule == "all_done"
    # all_done on every step: it must wait for the other ingest tasks even when one failed early
    assert summary.upstream_task_ids == {t.task_id for t in dag.tasks} - {"summary"}
    assert dag.leaves == [summary]


def test_freeze_dag_runs_in_january_for_last_year_and_takes_year_and_reason(dagbag) -> None:
    dag = dagbag.dags["rol_annual_freeze"]
    assert dag.timetable.expression == "0 3 20 1 *"
    assert str(dag.timetable.timezone) == "Asia/Shanghai"
    assert set(dag.params.keys()) >= {"year", "reason"}
    assert dag.get_task("freeze").upstream_task_ids >= {"full_gate"}


def test_freeze_year_defaults_to_the_year_before_the_logical_date_in_shanghai() -> None:
    # 2025-12-31 17:00 UTC is already 2026-01-01 in Shanghai: the year before is 2025.
    assert freeze_year({}, datetime(2025, 12, 31, 17, tzinfo=ZoneInfo("UTC"))) == 2025
    assert freeze_year({}, datetime(2025, 1, 20, 3, tzinfo=ZoneInfo("Asia/Shanghai"))) == 2024
    assert freeze_year({"year": 2023}, datetime(2025, 1, 20, tzinfo=ZoneInfo("UTC"))) == 2023
    assert freeze_year({"year": None}, None) == datetime.now(ZoneInfo("Asia/Shanghai")).year - 1


def test_nightly_can_be_triggered_with_a_full_refresh(dagbag) -> None:
    dag = dagbag.dags["rol_nightly"]
    assert dag.params["full_refresh"] is False
