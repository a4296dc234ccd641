"""docker-compose.yaml, the Dockerfile and the .env scripts: complete and consistent (no engine needed).

The stack itself runs in tests/orchestration/test_container_stack.py.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from rolwh.core.settings import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yaml"
FIRST_RUN = REPO_ROOT / "deploy" / "first-run-secrets.sh"
AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
SECRETS = (
    "AIRFLOW_ADMIN_PASSWORD",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "AIRFLOW_FERNET_KEY",
    "POSTGRES_PASSWORD",
    "ROLWH_KEY",
)


def _compose_exe() -> str:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("LOUD SKIP: docker-compose (Debian package) is not installed; cannot validate")
    return exe


def _env_file(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")
    )


@pytest.fixture(scope="module")
def env_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A .env written by the real first-run script from the template."""
    path = tmp_path_factory.mktemp("env") / ".env"
    subprocess.run([str(FIRST_RUN), str(path)], check=True, capture_output=True, timeout=60)
    return path


def _config(env_file: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in _env_file(env_file)}
    return subprocess.run(
        [_compose_exe(), "-f", str(COMPOSE), "--env-file", str(env_file), "config", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env={**base, **(env or {})},
    )


@pytest.fixture(scope="module")
def resolved(env_file: Path) -> dict:
    """The compose file as docker-compose resolves it (anchors merged, variables substituted)."""
    done = _config(env_file)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_compose_validates_quietly(env_file: Path) -> None:
    done = _config(env_file, "-q")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_compose_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    empty = tmp_path / ".env"
    empty.write_text("AIRFLOW_API_PORT=18080\n")
    done = _config(empty, "-q")
    assert done.returncode != 0
    assert "first-run-secrets.sh" in done.stderr


def test_compose_has_celery_services_with_postgres_and_redis(resolved: dict) -> None:
    services = resolved["services"]
    assert {"postgres", "redis", *AIRFLOW_SERVICES} <= set(services)

    def command(name: str) -> str:
        cmd = services[name].get("command") or []
        return cmd if isinstance(cmd, str) else " ".join(cmd)

    commands = {name: command(name) for name in AIRFLOW_SERVICES}
    assert commands["airflow-apiserver"].rstrip().endswith("exec airflow api-server")
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"] == "celery worker"
    assert "pools set rolwh_duckdb_writer 1" in commands["airflow-init"]
    assert "airflow db migrate" in commands["airflow-init"]


def test_every_service_but_init_has_a_health_check_and_init_gates_them(resolved: dict) -> None:
    services = resolved["services"]
    for name, service in services.items():
        if name != "airflow-init":
            assert service.get("healthcheck", {}).get("test"), name
    for name in AIRFLOW_SERVICES[1:]:
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"


def test_init_runs_as_root_fixes_ownership_and_refuses_published_secrets(resolved: dict) -> None:
    init = resolved["services"]["airflow-init"]
    script = " ".join(init["command"]).replace("$$", "$")  # `config` prints the file's $$ escapes
    assert init["user"] == "0:0"
    assert 'chown "${AIRFLOW_UID}:0"' in script and "/opt/airflow/logs" in script
    for published in ("rolwh-laptop-only-", "tbPxrFKBf1tnZQf2y6nNfYs0yguKp33Rh9f_Jkk5KWw=", "|admin|"):
        assert published in script, published
    assert 'setpriv --reuid="${AIRFLOW_UID}"' in script  # migrations not as root


def test_airflow_services_run_as_airflow_uid_share_secrets_image_and_data(
    resolved: dict, env_file: Path
) -> None:
    services = resolved["services"]
    env = _env_file(env_file)
    envs = [services[name]["environment"] for name in AIRFLOW_SERVICES]
    for key in (
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "ROLWH_HOME",
        "ROLWH_KEY",
    ):
        values = {e.get(key) for e in envs}
        assert len(values) == 1 and None not in values and "" not in values, key
    assert {e["AIRFLOW__API_AUTH__JWT_SECRET"] for e in envs} == {env["AIRFLOW_JWT_SECRET"]}
    assert {e["AIRFLOW__CORE__EXECUTOR"] for e in envs} == {"CeleryExecutor"}
    assert {e["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] for e in envs} == {
        "http://airflow-apiserver:8080/execution/"
    }
    assert {services[name]["image"] for name in AIRFLOW_SERVICES} == {env["ROLWH_IMAGE"]}
    assert {services[name]["user"] for name in AIRFLOW_SERVICES[1:]} == {f"{env['AIRFLOW_UID']}:0"}
    data = str(REPO_ROOT / "data")  # ROLWH_DATA_DIR=./data, next to the compose file
    for name in AIRFLOW_SERVICES:
        # docker-compose v1 prints short syntax ("source:target:mode")
        mounts = [
            v.split(":") if isinstance(v, str) else [v["source"], v["target"]]
            for v in services[name]["volumes"]
        ]
        targets = {m[1]: m[0] for m in mounts}
        assert targets.get(services[name]["environment"]["ROLWH_HOME"]) == data, name
        assert targets.get("/opt/airflow/logs") == "airflow-logs", name
    assert services["airflow-apiserver"]["ports"] in (
        [f"127.0.0.1:{env['AIRFLOW_API_PORT']}:8080/tcp"],
        [
            {
                "host_ip": "127.0.0.1",
                "published": int(env["AIRFLOW_API_PORT"]),
                "target": 8080,
                "protocol": "tcp",
            }
        ],
    )


def test_images_and_settings_can_be_overridden_from_the_environment(env_file: Path) -> None:
    done = _config(
        env_file,
        env={
            "POSTGRES_IMAGE": "pg:mine",
            "REDIS_IMAGE": "redis:mine",
            "ROLWH_IMAGE": "rolwh:mine",
            "AIRFLOW_UID": "1234",
            "AIRFLOW_JWT_SECRET": "from-the-env-0123456789",
        },
    )
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    assert services["postgres"]["image"] == "pg:mine"
    assert services["redis"]["image"] == "redis:mine"
    assert {services[n]["image"] for n in AIRFLOW_SERVICES} == {"rolwh:mine"}
    assert services["airflow-worker"]["user"] == "1234:0"
    assert {services[n]["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"] for n in AIRFLOW_SERVICES} == {
        "from-the-env-0123456789"
    }


def test_first_run_script_writes_random_secrets_once_and_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("AIRFLOW_API_PORT=18080\nROLWH_KEY=already-set-0123456789abcdef0123456789\n")
    run = [str(FIRST_RUN), str(path)]
    subprocess.run(run, check=True, capture_output=True, timeout=60)
    first = _env_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first["AIRFLOW_API_PORT"] == "18080"  # kept
    assert first["ROLWH_KEY"] == "already-set-0123456789abcdef0123456789"  # kept
    assert first["AIRFLOW_ADMIN_USER"] and first["ROLWH_IMAGE"]  # added from the template
    for key in SECRETS[:-1]:
        assert len(first[key]) >= 16, key
    assert len({first[k] for k in SECRETS}) == len(SECRETS)
    assert len(first["AIRFLOW_FERNET_KEY"]) == 44 and first["AIRFLOW_FERNET_KEY"].endswith("=")

    other = tmp_path / "other.env"
    subprocess.run([str(FIRST_RUN), str(other)], check=True, capture_output=True, timeout=60)
    assert all(_env_file(other)[k] != first[k] for k in SECRETS)  # random, not a default

    done = subprocess.run(run, check=True, capture_output=True, text=True, timeout=60)
    assert _env_file(path) == first
    assert "nothing changed" in done.stdout


def test_dockerfile_installs_the_lock_from_a_wheelhouse_or_a_mirror_with_hashes() -> None:
    text = (REPO_ROOT / "Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.11-slim-bookworm" in text
    assert "--require-hashes" in text and "-r /tmp/wheelhouse/requirements.txt" in text
    assert "--no-index --find-links /tmp/wheelhouse" in text
    assert "--index-url $PIP_INDEX_URL" in text and "--cert /tmp/wheelhouse/$PIP_CA_BUNDLE" in text
    assert "ARG AIRFLOW_UID=50000" in text and "USER ${AIRFLOW_UID}:0" in text
    assert 'ENTRYPOINT ["tini", "--", "airflow"]' in text
    assert "COPY --from=build /opt/rolwh/venv" in text  # the wheelhouse stays in the build stage
    assert "--no-index --no-deps /tmp/project/rolwh-*.whl" in text and "pip check" in text
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert ignored[ignored.index("*") + 1 :][:3] == ["!dist/wheelhouse/", "!dbt_project/", "!dags/"]
