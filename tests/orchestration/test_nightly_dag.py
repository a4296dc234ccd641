"""rol_nightly end to end through Airflow (`airflow dags test`) on a small generated landing area,
and a three-day backfill that must equal one clean run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rolwh.core.settings import Settings, load_settings
from rolwh.orchestration.airflow_local import airflow_env, dags_test, latest_run_summary, prepare_airflow

from .conftest import notify_env
from .marts import marts_snapshot, raw_counts

pytestmark = pytest.mark.slow

TEST_KEY = "orchestration-test-key-0123456789abcdef"
DAG_TIMEOUT = 1500


def _home(
    root: Path, name: str, landing: Path, notify: dict[str, str] | None = None
) -> tuple[Settings, dict[str, str]]:
    settings = load_settings(
        {"ROLWH_HOME": str(root / name), "ROLWH_LANDING": str(landing), "ROLWH_KEY": TEST_KEY}
    )
    settings.ensure_dirs()
    env = airflow_env(settings, extra={"ROLWH_KEY": TEST_KEY, "ROLWH_TASK_RETRIES": "0", **(notify or {})})
    prepare_airflow(env)
    return settings, env


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rolwh.demo_data import generate

    out = tmp_path_factory.mktemp("landing")
    generate(out, seed=11, scale=1)
    return out


@pytest.fixture(scope="module")
def clean_run(
    tmp_path_factory: pytest.TempPathFactory, landing: Path, smtp_server, webhook_server
) -> tuple[Settings, int, str]:
    """One run of rol_nightly on a fresh ROLWH_HOME, notifying the loopback receivers."""
    notify = notify_env(smtp_server, webhook_server, "wecom")
    settings, env = _home(tmp_path_factory.mktemp("clean"), "home", landing, notify)
    code, output = dags_test(env, "rol_nightly", timeout=DAG_TIMEOUT)
    (settings.logs_dir / "dags-test.log").write_text(output)
    return settings, code, output


def test_nightly_dag_ingests_builds_gates_and_publishes(clean_run: tuple[Settings, int, str]) -> None:
    settings, code, output = clean_run
    summary = latest_run_summary(settings, "rol_nightly")
    assert summary is not None, output[-3000:]
    assert code == 0 and summary["failed"] == [], summary["text"]
    assert summary["state"] == "attention"  # the demo's quarantined files and overdue feeds
    outcomes = summary["outcomes"]
    assert outcomes["gate"]["passed"] is True
    assert outcomes["publish"]["ok"] is True
    marts = marts_snapshot(settings)
    live = {t: rows for t, rows in marts.items() if not t.endswith("_frozen")}  # empty before a freeze
    assert live and all(rows for rows in live.values()), {t: len(r) for t, r in marts.items()}
    assert sum(raw_counts(settings).values()) > 0


def test_quarantined_demo_files_are_listed_with_what_to_do_without_failing_the_run(
    clean_run: tuple[Settings, int, str],
) -> None:
    settings, code, _ = clean_run
    summary = latest_run_summary(settings, "rol_nightly")
    assert summary is not None and code == 0
    quarantined = [q for o in summary["outcomes"].values() if o for q in o.get("quarantined", ())]
    assert quarantined, "the demo landing area contains broken files; they must be reported"
    text = summary["text"]
    assert "## 待办事项" in text
    for q in quarantined:
        assert q["file_name"] in text and q["reason"] in text
        assert str(settings.landing / q["feed"]) in q["action"]
    md = sorted((settings.logs_dir / "runs").glob("rol_nightly__*.md"))
    assert md and md[-1].read_text(encoding="utf-8").strip() == text.strip()


def _task_states(settings: Settings, run_id: str) -> dict[str, str]:
    import sqlite3

    con = sqlite3.connect(settings.home / "airflow" / "airflow.db")
    try:
        rows = con.execute(
            "select task_id, state from task_instance where dag_id = 'rol_nightly' and run_id = ?", (run_id,)
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def test_attention_shows_as_a_skipped_summary_and_is_notified_in_chinese_without_personal_data(
    clean_run: tuple[Settings, int, str], smtp_server, webhook_server, tmp_path: Path
) -> None:
    from rolwh.demo_data import generate
    from tests.support.pii import NeedleIndex, collect_pii

    settings, _code, output = clean_run
    summary = latest_run_summary(settings, "rol_nightly")
    assert summary is not None, output[-3000:]
    states = _task_states(settings, summary["run_id"])
    assert states["summary"] == "skipped" and states["publish"] == "success", states  # not plain green
    mails = [m for m in smtp_server.messages if "夜间运行已发布，需要处理" in m["Subject"]]
    hooks = [b for b in webhook_server.bodies if "夜间运行已发布，需要处理" in b["markdown"]["content"]]
    assert len(mails) == 1 and len(hooks) == 1, [m["Subject"] for m in smtp_server.messages]
    assert "rol_nightly" in mails[0]["Subject"]
    quarantined = [q for o in summary["outcomes"].values() if o for q in o.get("quarantined", ())]
    as_delivered = tmp_path / "landing"
    generate(as_delivered, seed=11, scale=1)
    needles = collect_pii(as_delivered).needles()
    for message in (mails[0].get_content(), hooks[0]["markdown"]["content"]):
        for q in quarantined:
            assert f"{q['feed']}/{q['file_name']} 已被隔离" in message
        assert "更正后的文件报送至" in message
        assert NeedleIndex(needles).find(message) == set()


def test_backfill_of_three_days_equals_one_clean_run(
    tmp_path_factory: pytest.TempPathFactory, landing: Path, clean_run: tuple[Settings, int, str]
) -> None:
    clean, code, _ = clean_run
    assert code == 0
    settings, env = _home(tmp_path_factory.mktemp("backfill"), "home", landing)
    for day in ("2025-03-01", "2025-03-02", "2025-03-03"):
        rc, output = dags_test(env, "rol_nightly", logical_date=day, timeout=DAG_TIMEOUT)
        assert rc == 0, output[-3000:]
    summaries = sorted((settings.logs_dir / "runs").glob("rol_nightly__*.json"))
    assert len(summaries) == 3
    last = json.loads(summaries[-1].read_text(encoding="utf-8"))
    assert last["failed"] == []
    assert raw_counts(settings) == raw_counts(clean)
    assert marts_snapshot(settings) == marts_snapshot(clean)


def test_a_failing_step_fails_the_run_and_names_the_task(
    tmp_path_factory: pytest.TempPathFactory, landing: Path, smtp_server, webhook_server
) -> None:
    # The key is unusable: ingest refuses to run (it would write personal data unhashed otherwise).
    root = tmp_path_factory.mktemp("nokey")
    settings = load_settings({"ROLWH_HOME": str(root / "home"), "ROLWH_LANDING": str(landing)})
    settings.ensure_dirs()
    env = airflow_env(settings, extra={"ROLWH_TASK_RETRIES": "0"})
    env.pop("ROLWH_KEY", None)
    env.update(notify_env(smtp_server, webhook_server, "dingtalk"))
    prepare_airflow(env)
    code, output = dags_test(env, "rol_nightly", timeout=DAG_TIMEOUT)
    summary = latest_run_summary(settings, "rol_nightly")
    assert summary is not None, output[-3000:]
    assert code != 0 or summary["failed"]
    assert "ingest_court_referrals" in summary["failed"] and "publish" in summary["failed"]
    assert "pseudonymisation key" in summary["text"]
    assert not (settings.serving_dir / "rolwh.duckdb").exists()
    assert _task_states(settings, summary["run_id"])["summary"] == "failed"
    failed = [m for m in smtp_server.messages if "夜间运行失败" in m["Subject"]]
    assert failed and "ingest_court_referrals" in failed[-1].get_content()
    assert any(b["markdown"].get("title") == failed[-1]["Subject"] for b in webhook_server.bodies)
    shutil.rmtree(root, ignore_errors=True)


def test_freeze_dag_writes_the_release_of_the_year_given(clean_run: tuple[Settings, int, str]) -> None:
    settings, code, _ = clean_run
    assert code == 0
    env = airflow_env(settings, extra={"ROLWH_KEY": TEST_KEY, "ROLWH_TASK_RETRIES": "0"})
    rc, output = dags_test(env, "rol_annual_freeze", conf={"year": 2024, "reason": None}, timeout=DAG_TIMEOUT)
    assert rc == 0, output[-3000:]
    assert (settings.releases_dir / "2024" / "v1").is_dir()


def test_no_personal_data_in_airflow_task_logs_or_any_artefact_of_the_dag_run(
    clean_run: tuple[Settings, int, str], tmp_path: Path
) -> None:
    """The Airflow run's logs (task output of `airflow dags test`, the metadata DB, the run summary)
    and every other artefact of the home hold no ID number, phone number or name of the exports."""
    from rolwh.demo_data import generate
    from tests.support.pii import collect_pii, scan_duckdb, scan_files, scan_sqlite

    settings, _code, output = clean_run
    as_delivered = tmp_path / "landing"
    generate(as_delivered, seed=11, scale=1)  # same seed as the run's landing, before quarantine moved files
    needles = collect_pii(as_delivered).needles()
    assert len(needles) > 1000
    assert "ingest_court_referrals" in output  # the captured task output is what gets scanned
    files = [p for p in settings.home.rglob("*") if p.is_file() and "quarantine" not in p.parts]
    assert any(p.suffix == ".log" for p in files)
    hits = scan_files([p for p in files if p.suffix not in (".duckdb", ".db")], needles)
    hits += [h for p in files if p.suffix == ".duckdb" for h in scan_duckdb(p, needles)]
    hits += [h for p in files if p.suffix == ".db" for h in scan_sqlite(p, needles)]  # Airflow's metadata DB
    assert hits == []
