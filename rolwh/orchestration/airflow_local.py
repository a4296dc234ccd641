"""The embedded Airflow of one machine: its environment, the demo (`rolwh demo`) and `airflow standalone`.

Airflow lives under ``$ROLWH_HOME/airflow`` with SQLite metadata and this repository's ``dags/``.
:func:`airflow_env` is the one place that environment is built (demo, standalone and tests).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from rolwh.core.console import fit
from rolwh.core.errors import ConfigError, EnvironmentFault, RolwhError
from rolwh.core.i18n import N_, _
from rolwh.core.settings import REPO_ROOT, WRITER_POOL, Settings
from rolwh.demo_data import generate
from rolwh.orchestration.process_group import run_supervised
from rolwh.report import write_report
from rolwh.serving.indicators import indicator_rows

DAGS_DIR = REPO_ROOT / "dags"
POOL_DESCRIPTION = "one DuckDB writer at a time (ingest, build, gate, publish, freeze)"
NIGHTLY_DAG = "rol_nightly"
DEMO_YEAR = 2024
DEFAULT_PORT = 8080
PORT_VARIABLE = "ROLWH_AIRFLOW_PORT"
#: The DAGs `rolwh airflow-ui` unpauses on its first start in a home: once the UI is up, users
#: expect the nightly run to run. The annual freeze and the district roll-up stay paused (a freeze
#: is a deliberate yearly act; the roll-up is for multi-subdistrict setups); the notice says how to
#: unpause them. Later starts keep whatever the operator chose in the UI.
UNPAUSED_ON_FIRST_START = (NIGHTLY_DAG,)
FIRST_START_MARKER = "rolwh_first_start_done"
ADMIN_USER = "admin"
#: The UI listens on this machine only: SimpleAuthManager keeps its password in a plain file.
UI_HOST = "127.0.0.1"


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


def venv_bin() -> Path:
    """The bin folder of this interpreter's environment (not resolved: a venv's python is a symlink)."""
    return Path(sys.executable).parent


def airflow_bin() -> str:
    """The ``airflow`` script next to this interpreter (the project's venv)."""
    candidate = venv_bin() / "airflow"
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
    # `airflow standalone` starts its components as plain `airflow`: the venv's must come first,
    # also when rolwh runs as .venv/bin/rolwh without the venv on PATH.
    env["PATH"] = os.pathsep.join(p for p in (str(venv_bin()), env.get("PATH", "")) if p)
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


def airflow_checked(env: Mapping[str, str], args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run one ``airflow`` CLI command, output captured; raises with Airflow's output on failure."""
    done = run_airflow(env, args, capture=True)
    if done.returncode:
        raise RolwhError(
            _("`airflow {command}` failed:").format(command=" ".join(args))
            + f"\n{done.stdout}\n{done.stderr}"
        )
    return done


def prepare_airflow(env: Mapping[str, str]) -> None:
    """``airflow db migrate`` and the writer pool (1 slot); raises with Airflow's output on failure."""

    for args in (["db", "migrate"], ["pools", "set", WRITER_POOL, "1", POOL_DESCRIPTION]):
        airflow_checked(env, args)


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
        print(
            _("writing demo exports (seed {seed}, scale {scale}) to {landing} …").format(
                seed=seed, scale=scale, landing=settings.landing
            ),
            flush=True,
        )
        print(generate(settings.landing, seed=seed, scale=scale), flush=True)
    settings.key(create=True)  # only the demo creates a key; production brings its own
    env = airflow_env(settings)
    print(
        _("Airflow home {home}: migrating metadata, creating pool {pool} …").format(
            home=env["AIRFLOW_HOME"], pool=WRITER_POOL
        ),
        flush=True,
    )
    prepare_airflow(env)
    print(_("running DAG {dag} (airflow dags test) …").format(dag=NIGHTLY_DAG), flush=True)
    started = time.time()
    code, output = dags_test(env, NIGHTLY_DAG)
    log_file = settings.logs_dir / "demo-airflow.log"
    log_file.write_text(output, encoding="utf-8")
    summary = latest_run_summary(settings, NIGHTLY_DAG, since=started)
    if summary:
        print(summary["text"])
    failed = summary["failed"] if summary else [_("summary (the run wrote no summary)")]
    if summary:  # name the tasks that failed, not the ones that merely did not run after them
        failed = [t for t in failed if summary["outcomes"].get(t)] or failed
    if code or failed:
        print(
            "\n"
            + _("DAG {dag} FAILED at task(s): {tasks}").format(
                dag=NIGHTLY_DAG, tasks=", ".join(failed) or "?"
            )
            + "\n"
            + _("full Airflow output: {path}").format(path=log_file),
            file=sys.stderr,
        )
        return code or 1
    try:  # the dashboard and report draft of the demo year, from the published marts
        for path in write_report(settings, DEMO_YEAR, draft=True):
            print(_("wrote {path}").format(path=path))
    except Exception as exc:  # the DAG run succeeded; a report problem must not hide that
        print(_("(report not written: {error})").format(error=exc), file=sys.stderr)
    _print_results(settings, log_file)
    return 0


#: What the demo wrote, in the order it is listed (labels translated where printed).
RESULT_PLACES = (
    N_("warehouse (working file)"),
    N_("serving file (analysts read)"),
    N_("reports"),
    N_("dbt docs"),
    N_("quality docs"),
    N_("quarantine"),
    N_("Airflow output"),
)


def _print_results(settings: Settings, log_file: Path) -> None:
    serving = settings.serving_dir / "rolwh.duckdb"
    paths = (
        settings.warehouse_path,
        serving,
        settings.reports_dir,
        settings.docs_dir / "dbt.html",
        settings.docs_dir / "quality.html",
        settings.quarantine_dir,
        log_file,
    )
    print("\n" + _("where the results are:"))
    for label, path in zip(RESULT_PLACES, paths, strict=True):
        missing = "" if path.exists() else "  " + _("(not written)")
        print(f"  {fit(_(label), 30)} {path}{missing}")
    try:
        rows = indicator_rows(settings, DEMO_YEAR)
    except Exception as exc:  # the run succeeded; a missing reader must not hide that
        print("\n" + _("(headline figures unavailable: {error})").format(error=exc))
        return
    print("\n" + _("{year} headline figures (all communities):").format(year=DEMO_YEAR))
    for r in rows:
        print(f"  {r.get('indicator_code', ''):<28} {_figure(r):>22}  {r.get('name_zh', '')}")
    print(
        "\n"
        + _("more: {commands}").format(
            commands=f"rolwh indicators --year {DEMO_YEAR} | rolwh report --year {DEMO_YEAR} | rolwh airflow-ui"
        )
    )


def _figure(row: dict) -> str:
    """An indicator's value as the report shows it: ratios in per cent with their fraction."""
    value, num, den = row.get("value"), row.get("numerator"), row.get("denominator")
    if value is None:
        return "—"
    if row.get("unit") == "ratio":
        return f"{float(value) * 100:.2f}% ({float(num or 0):g}/{float(den or 0):g})"
    return f"{float(value):g} {row.get('unit') or ''}".strip()


def ui_port(port: int | None = None) -> int:
    """The UI's port: ``port``, else ``$ROLWH_AIRFLOW_PORT``, else 8080."""
    if port is not None:
        value = port
    else:
        raw = os.environ.get(PORT_VARIABLE, "").strip()
        try:
            value = int(raw) if raw else DEFAULT_PORT
        except ValueError:
            value = -1
    if not 0 < value < 65536:
        raise ConfigError(
            _("the Airflow UI port must be a number from 1 to 65535 (--port or {variable})").format(
                variable=PORT_VARIABLE
            )
        )
    return value


def standalone_env(settings: Settings, port: int) -> dict[str, str]:
    """The environment of ``airflow standalone``: the API (and the tasks' execution API) on ``port``
    of this machine."""
    return airflow_env(
        settings,
        extra={
            "AIRFLOW__API__HOST": UI_HOST,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{UI_HOST}:{port}/execution/",
        },
    )


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((UI_HOST, port))
        except OSError:
            return False
    return True


def dag_paused(env: Mapping[str, str]) -> dict[str, bool]:
    """Each DAG of this home and whether it is paused (``airflow dags list``)."""
    done = airflow_checked(env, ["dags", "list", "-o", "json"])
    for line in (done.stdout or "").splitlines():
        if line.startswith("["):
            try:
                rows = json.loads(line)
            except ValueError:
                continue
            return {str(r["dag_id"]): str(r.get("is_paused")).lower() == "true" for r in rows}
    raise RolwhError(_("`airflow {command}` failed:").format(command="dags list") + f"\n{done.stderr}")


def unpause_on_first_start(env: Mapping[str, str]) -> list[str]:
    """On the first start in this Airflow home: put the DAGs in the metadata and unpause
    :data:`UNPAUSED_ON_FIRST_START`; the DAGs unpaused (none on later starts)."""
    marker = Path(env["AIRFLOW_HOME"]) / FIRST_START_MARKER
    if marker.exists():
        return []
    for args in (["dags", "reserialize"], *(["dags", "unpause", d] for d in UNPAUSED_ON_FIRST_START)):
        airflow_checked(env, args)
    marker.write_text("\n".join(UNPAUSED_ON_FIRST_START) + "\n", encoding="utf-8")
    return list(UNPAUSED_ON_FIRST_START)


def ui_notice(
    env: Mapping[str, str], port: int, paused: Mapping[str, bool], unpaused_now: Sequence[str]
) -> str:
    """What `rolwh airflow-ui` tells the operator: URL, login, paused DAGs and how to unpause, stopping."""
    home = env["AIRFLOW_HOME"]
    password_file = Path(home) / "simple_auth_manager_passwords.json.generated"
    lines = [
        _("Airflow UI: {url}").format(url=f"http://localhost:{port}"),
        _("login: user {user}, password in {path} (Airflow writes it on the first start)").format(
            user=ADMIN_USER, path=password_file
        ),
    ]
    running = sorted(d for d, is_paused in paused.items() if not is_paused)
    stopped = sorted(d for d, is_paused in paused.items() if is_paused)
    if unpaused_now:
        lines.append(
            _(
                "first start in this home: rolwh unpaused {dags}; if today's scheduled time has passed,"
                " the scheduler runs the latest one now"
            ).format(dags=", ".join(unpaused_now))
        )
    if running:
        lines.append(_("running on schedule: {dags}").format(dags=", ".join(running)))
    if stopped:
        command = (
            f"AIRFLOW_HOME={home} AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="
            f"{env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']} {airflow_bin()} dags unpause <DAG>"
        )
        lines.append(_("paused (they do not run on schedule): {dags}").format(dags=", ".join(stopped)))
        lines.append(
            _(
                "to unpause one: switch it on in the UI (the toggle next to its name), or run: {command}"
            ).format(command=command)
        )
    lines.append(_("Ctrl-C (or SIGTERM to this process) stops every Airflow process it started."))
    return "\n".join(lines)


def standalone(settings: Settings, port: int | None = None) -> int:
    """``airflow standalone`` (UI at http://localhost:8080, or ``port``) on this project's DAGs and
    state, until Ctrl-C or SIGTERM, which stop every process it started."""
    port = ui_port(port)
    if not _port_free(port):
        raise EnvironmentFault(
            _("port {port} is in use: stop what uses it, or choose another with --port or {variable}").format(
                port=port, variable=PORT_VARIABLE
            )
        )
    settings.ensure_dirs()
    env = standalone_env(settings, port)
    print(
        _("Airflow home {home}: preparing metadata and DAGs …").format(home=env["AIRFLOW_HOME"]), flush=True
    )
    prepare_airflow(env)
    unpaused_now = unpause_on_first_start(env)
    print(ui_notice(env, port, dag_paused(env), unpaused_now), flush=True)
    code = run_supervised(
        [airflow_bin(), "standalone"], env, cwd=str(REPO_ROOT), marker=f"AIRFLOW_HOME={env['AIRFLOW_HOME']}"
    )
    if code > 128:  # stopped by Ctrl-C or SIGTERM, as asked
        print(_("Airflow stopped: every process it started has ended."), flush=True)
        return 0
    if code:
        print(_("airflow standalone ended with exit code {code}").format(code=code), file=sys.stderr)
        return 1
    return 0
