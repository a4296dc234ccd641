"""The real scale-out: Airflow with the CeleryExecutor on PostgreSQL and Redis, rol_nightly triggered
through the REST API (v2, JWT from the simple auth manager), marts equal to an embedded run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from rolwh.core.settings import REPO_ROOT, Settings, load_settings
from rolwh.orchestration.airflow_local import airflow_bin, airflow_env, dags_test, prepare_airflow

from .marts import marts_snapshot, raw_counts

pytestmark = [pytest.mark.services, pytest.mark.slow]

PG_URL = os.environ.get("ROLWH_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("ROLWH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_DB = 13  # this test's own Redis database; flushed before and after
TEST_KEY = "orchestration-test-key-0123456789abcdef"
PASSWORD = "rolwh-scaleout-test"
RUN_TIMEOUT = 1800.0


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def services() -> tuple[str, str]:
    pg, redis = _reachable(PG_URL, 5432), _reachable(REDIS_URL, 6379)
    if not pg and not redis:
        pytest.skip(f"LOUD SKIP: neither PostgreSQL ({PG_URL}) nor Redis ({REDIS_URL}) is reachable")
    assert pg, f"PostgreSQL is not reachable at {PG_URL} (Redis is): the scale-out test needs both"
    assert redis, f"Redis is not reachable at {REDIS_URL} (PostgreSQL is): the scale-out test needs both"
    return PG_URL, REDIS_URL


@pytest.fixture
def metadata_db(services: tuple[str, str]) -> Iterator[str]:
    """A fresh PostgreSQL database of this test; dropped afterwards."""
    import psycopg2

    name = f"rolwh_af_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"create database {name}")  # name is generated above, not from input
    parts = urlsplit(PG_URL)
    url = urlunsplit(("postgresql+psycopg2", parts.netloc, f"/{name}", "", ""))
    try:
        yield url
    finally:
        with admin.cursor() as cur:
            cur.execute(f"drop database if exists {name} with (force)")
        admin.close()


@pytest.fixture
def broker(services: tuple[str, str]) -> Iterator[str]:
    import redis

    parts = urlsplit(REDIS_URL)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{REDIS_DB}", "", ""))
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    from rolwh.demo_data import generate

    out = tmp_path / "landing"
    generate(out, seed=11, scale=1)
    return out


def _settings(root: Path, landing: Path) -> Settings:
    s = load_settings({"ROLWH_HOME": str(root), "ROLWH_LANDING": str(landing), "ROLWH_KEY": TEST_KEY})
    s.ensure_dirs()
    return s


class Cluster:
    """Scheduler, dag-processor, api-server and one Celery worker as subprocesses."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.procs = env, logs, {}
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, *args: str) -> None:
        out = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.procs[name] = (
            subprocess.Popen(
                [airflow_bin(), *args],
                env=self.env,
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ),
            out,
        )

    def check_alive(self) -> None:
        for name, (proc, _) in self.procs.items():
            assert proc.poll() is None, f"{name} exited ({proc.returncode}):\n{self.tail(name)}"

    def tail(self, name: str, chars: int = 3000) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        for proc, _ in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc, out in self.procs.values():
            try:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            out.close()


def _wait(what: str, check, timeout: float, cluster: Cluster, every: float = 3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cluster.check_alive()
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def test_nightly_on_celery_workers_equals_the_embedded_run(
    tmp_path: Path, metadata_db: str, broker: str, landing: Path
) -> None:
    import httpx

    settings = _settings(tmp_path / "celery-home", landing)
    port, log_port = _free_port(), _free_port()
    base = f"http://127.0.0.1:{port}"
    env = airflow_env(
        settings,
        sql_alchemy_conn=metadata_db,
        executor="CeleryExecutor",
        extra={
            "AIRFLOW__CELERY__BROKER_URL": broker,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_db.replace("+psycopg2", ""),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
            "AIRFLOW__API__BASE_URL": base,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            # only the run this test triggers: no scheduled run when the DAG is unpaused
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "ROLWH_KEY": TEST_KEY,
            "ROLWH_TASK_RETRIES": "0",
        },
    )
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"]  # one secret shared by every process below
    prepare_airflow(env)
    Path(env["AIRFLOW_HOME"], "simple_auth_manager_passwords.json.generated").write_text(
        json.dumps({"admin": PASSWORD})
    )
    cluster = Cluster(env, tmp_path / "cluster-logs")
    try:
        cluster.start(
            "api-server", "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"
        )
        cluster.start("scheduler", "scheduler")
        cluster.start("dag-processor", "dag-processor")
        cluster.start("worker", "celery", "worker", "--concurrency", "2")
        client = httpx.Client(base_url=base, timeout=30)

        def token() -> str | None:
            try:
                r = client.post("/auth/token", json={"username": "admin", "password": PASSWORD})
            except httpx.TransportError:
                return None
            return r.json()["access_token"] if r.status_code == 201 else None

        jwt = _wait("the api-server to hand out a token", token, 180, cluster)
        client.headers["Authorization"] = f"Bearer {jwt}"
        _wait(
            "rol_nightly to be parsed",
            lambda: client.get("/api/v2/dags/rol_nightly").status_code == 200,
            240,
            cluster,
        )
        r = client.patch("/api/v2/dags/rol_nightly", json={"is_paused": False})
        assert r.status_code == 200, r.text
        r = client.post("/api/v2/dags/rol_nightly/dagRuns", json={"logical_date": None, "conf": {}})
        assert r.status_code == 200, r.text
        run_id = r.json()["dag_run_id"]

        def finished() -> str | None:
            state = client.get(f"/api/v2/dags/rol_nightly/dagRuns/{run_id}").json()["state"]
            return state if state in ("success", "failed") else None

        state = _wait(f"dag run {run_id}", finished, RUN_TIMEOUT, cluster, every=10)
        tis = client.get(f"/api/v2/dags/rol_nightly/dagRuns/{run_id}/taskInstances").json()["task_instances"]
        states = {ti["task_id"]: ti["state"] for ti in tis}
        assert state == "success", f"{states}\nworker:\n{cluster.tail('worker')}"
        # published, needs attention (the demo's quarantined files): summary skipped, every other task success
        assert states.pop("summary") == "skipped" and set(states.values()) == {"success"} and "publish" in states
        assert {ti["pool"] for ti in tis if ti["task_id"].startswith(("ingest_", "build", "publish"))} == {
            "rolwh_duckdb_writer"
        }
        assert "rol_nightly" in cluster.tail("worker", 10**7)  # the Celery worker ran the tasks
    finally:
        cluster.stop()

    embedded = _settings(tmp_path / "embedded-home", landing)
    embedded_env = airflow_env(embedded, extra={"ROLWH_KEY": TEST_KEY, "ROLWH_TASK_RETRIES": "0"})
    prepare_airflow(embedded_env)
    code, output = dags_test(embedded_env, "rol_nightly", timeout=RUN_TIMEOUT)
    assert code == 0, output[-3000:]
    assert raw_counts(settings) == raw_counts(embedded)
    assert marts_snapshot(settings) == marts_snapshot(embedded)
