"""The embedded Airflow of one machine: its environment, the demo (`rolwh demo`) and `airflow standalone`.

Airflow lives under ``$ROLWH_HOME/airflow`` with SQLite metadata and this repository's ``dags/``.
:func:`airflow_env` is the one place that environment is built (demo, standalone and tests).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from rolwh.core.errors import RolwhError
from rolwh.core.settings import REPO_ROOT, WRITER_POOL, Settings
from rolwh.demo_data import generate
from rolwh.report import write_report
from rolwh.serving.indicators import indicator_rows

DAGS_DIR = REPO_ROOT / "dags"
POOL_DESCRIPTION = "one DuckDB writer at a time (ingest, build, gate, publish, freeze)"
NIGHTLY_DAG = "rol_nightly"
DEMO_YEAR = 2024


def airflow_home(settings: Settings) -> Path:
    return settings.home / "airflow"


def _secret(path: Path) -> str:
    """A random secret kept in ``path`` (0600), so every Airflow process of this home shares it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def airflow_bin() -> str:
    """The ``airflow`` script next to this interpreter (the project's venv)."""
    candidate = Path(sys.executable).parent / "airflow"
    return str(candidate) if candidate.exists() else (shutil.which("airflow") or "airflow")


def airflow_env(
    settings: Settings,
    *,
    sql_alchemy_conn: str | None = None,
    executor: str = "LocalExecutor",
    extra: Mapping[str, str] | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The full environment of an Airflow process on these settings (SQLite metadata by default)."""
    home = airflow_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ if base is None else base)
    # A stray AIRFLOW__* from the caller's shell must not point us at another installation.
    env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW__")}
    env.update(settings.env())
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_alchemy_conn or f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API_AUTH__JWT_SECRET": _secret(home / "secrets" / "jwt_secret"),
            "AIRFLOW__API__SECRET_KEY": _secret(home / "secrets" / "api_secret_key"),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__SIMPLE_AUTH_MANAGER__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "NO_COLOR": "1",
        }
    )
    # The project's package must import in every task process, whatever the cwd.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    if extra:
        env.update(extra)
    return env


def run_airflow(
    env: Mapping[str, str], args: Sequence[str], *, capture: bool = False, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one ``airflow`` CLI command with ``env`` (output streamed unless ``capture``)."""
    return subprocess.run(
        [airflow_bin(), *args],
        env=dict(env),
        cwd=str(REPO_ROOT),
        text=True,
        capture_output=capture,
        timeout=timeout,
        check=False,
    )


def prepare_airflow(env: Mapping[str, str]) -> None:
    """``airflow db migrate`` and the writer pool (1 slot); raises with Airflow's output on failure."""

    for args in (["db", "migrate"], ["pools", "set", WRITER_POOL, "1", POOL_DESCRIPTION]):
        done = run_airflow(env, args, capture=True)
        if done.returncode:
            raise RolwhError(f"`airflow {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}")


def dags_test(
    env: Mapping[str, str],
    dag_id: str = NIGHTLY_DAG,
    logical_date: str | None = None,
    *,
    conf: Mapping[str, object] | None = None,
    timeout: float | None = None,
) -> tuple[int, str]:
    """``airflow dags test`` of one DAG run; returns (exit code, combined output)."""
    args = ["dags", "test", dag_id] + ([logical_date] if logical_date else [])
    if conf is not None:
        args += ["--conf", json.dumps(dict(conf))]
    done = run_airflow(env, args, capture=True, timeout=timeout)
    return done.returncode, (done.stdout or "") + (done.stderr or "")


def latest_run_summary(settings: Settings, dag_id: str, since: float = 0.0) -> dict | None:
    """The summary the last run of ``dag_id`` wrote (see :func:`rolwh.orchestration.airflow_tasks.airflow_run_summary`)."""
    found = (settings.logs_dir / "runs").glob(f"{dag_id}__*.json")
    runs = [p for p in found if p.stat().st_mtime >= since]
    if not runs:
        return None
    return json.loads(max(runs, key=lambda p: p.stat().st_mtime).read_text(encoding="utf-8"))


def _landing_is_empty(landing: Path) -> bool:
    return not landing.exists() or not any(p.is_file() for p in landing.rglob("*"))


def run_demo(settings: Settings, seed: int = 2024, scale: int = 1) -> int:
    """Demo exports (if the landing area is empty), then ``rol_nightly`` through Airflow; 0 if it passed."""
    settings.ensure_dirs()
    if _landing_is_empty(settings.landing):
        print(f"writing demo exports (seed {seed}, scale {scale}) to {settings.landing} …", flush=True)
        print(generate(settings.landing, seed=seed, scale=scale), flush=True)
    settings.key(create=True)  # only the demo creates a key; production brings its own
    env = airflow_env(settings)
    print(
        f"Airflow home {env['AIRFLOW_HOME']}: migrating metadata, creating pool {WRITER_POOL} …", flush=True
    )
    prepare_airflow(env)
    print(f"running DAG {NIGHTLY_DAG} (airflow dags test) …", flush=True)
    started = time.time()
    code, output = dags_test(env, NIGHTLY_DAG)
    log_file = settings.logs_dir / "demo-airflow.log"
    log_file.write_text(output, encoding="utf-8")
    summary = latest_run_summary(settings, NIGHTLY_DAG, since=started)
    if summary:
        print(summary["text"])
    failed = summary["failed"] if summary else ["summary (the run wrote no summary)"]
    if summary:  # name the tasks that failed, not the ones that merely did not run after them
        failed = [t for t in failed if summary["outcomes"].get(t)] or failed
    if code or failed:
        print(
            f"\nDAG {NIGHTLY_DAG} FAILED at task(s): {', '.join(failed) or '?'}"
            f"\nfull Airflow output: {log_file}",
            file=sys.stderr,
        )
        return code or 1
    try:  # the dashboard and report draft of the demo year, from the published marts
        for path in write_report(settings, DEMO_YEAR, draft=True):
            print(f"wrote {path}")
    except Exception as exc:  # the DAG run succeeded; a report problem must not hide that
        print(f"(report not written: {exc})", file=sys.stderr)
    _print_results(settings, log_file)
    return 0


def _print_results(settings: Settings, log_file: Path) -> None:
    serving = settings.serving_dir / "rolwh.duckdb"
    places = [
        ("warehouse (working file)", settings.warehouse_path),
        ("serving file (analysts read)", serving),
        ("reports", settings.reports_dir),
        ("dbt docs (opens offline)", settings.docs_dir / "dbt.html"),
        ("quality checks (opens offline)", settings.docs_dir / "quality.html"),
        ("quarantine", settings.quarantine_dir),
        ("Airflow output", log_file),
    ]
    print("\nwhere the results are:")
    for label, path in places:
        print(f"  {label:<30} {path}{'' if path.exists() else '  (not written)'}")
    try:
        rows = indicator_rows(settings, DEMO_YEAR)
    except Exception as exc:  # the run succeeded; a missing reader must not hide that
        print(f"\n(headline figures unavailable: {exc})")
        return
    print(f"\n{DEMO_YEAR} headline figures (all communities):")
    for r in rows:
        print(f"  {r.get('indicator_code', ''):<28} {_figure(r):>22}  {r.get('name_zh', '')}")
    print("\nmore: rolwh indicators --year 2024 | rolwh report --year 2024 | rolwh airflow-ui")


def _figure(row: dict) -> str:
    """An indicator's value as the report shows it: ratios in per cent with their fraction."""
    value, num, den = row.get("value"), row.get("numerator"), row.get("denominator")
    if value is None:
        return "—"
    if row.get("unit") == "ratio":
        return f"{float(value) * 100:.2f}% ({float(num or 0):g}/{float(den or 0):g})"
    return f"{float(value):g} {row.get('unit') or ''}".strip()


def standalone(settings: Settings) -> int:
    """``airflow standalone`` (UI at http://localhost:8080) on this project's DAGs and state."""
    settings.ensure_dirs()
    env = airflow_env(settings)
    prepare_airflow(env)
    print(
        f"Airflow home {env['AIRFLOW_HOME']}; login and password: see "
        f"{env['AIRFLOW_HOME']}/simple_auth_manager_passwords.json.generated",
        flush=True,
    )
    try:
        return run_airflow(env, ["standalone"]).returncode
    except KeyboardInterrupt:
        return 130
