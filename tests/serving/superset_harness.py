"""A real Apache Superset for the BI tests: its own venv (cached), SQLite metadata, on 127.0.0.1.

The venv lives outside the repository, keyed by the pinned versions, under ``$ROLWH_TEST_CACHE``
(default ``/var/cache/rolwh-test``): built once with ``python3.11 -m venv`` and pip from the package
index, never from the project's lock (Superset pins SQLAlchemy 1.4 and pandas 2.1). The metadata
database is migrated once per venv (``superset db upgrade``, ``fab create-admin``, ``init``) into a
template that every test copies. A test starts the server on a free loopback port and stops it after.
When Superset cannot be installed here the test is skipped with the reason printed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

SUPERSET_VERSION = "6.1.0"
#: What goes into Superset's venv, besides Superset: the serving file's client.
CLIENT_PINS = ("duckdb-engine==0.17.0", "duckdb==2.0.1")
#: Imported by Superset 6.1.0 but not declared by it: by its command line (``superset.cli.test_db``)
#: and by every database engine spec (``db_engine_specs.aws_iam``: "Could not load database driver").
UNDECLARED = ("rich", "cachetools")
#: Superset 6.1.0 allows Flask-Caching < 3, but its metastore cache breaks on 2.5 (an unknown keyword
#: argument, ``superset db upgrade`` fails): keep the 2.3 it was released with.
HELD_BACK = ("flask-caching==2.3.1",)
ADMIN = ("admin", "rolwh-test-admin")
_READY = ".rolwh-ready"
_TEMPLATE = "metadata-template.db"
_CONFIG = """
SECRET_KEY = "rolwh-test-only-{token}"
SQLALCHEMY_DATABASE_URI = "sqlite:///{db}"
TALISMAN_ENABLED = False
RATELIMIT_ENABLED = False
AUTH_RATE_LIMITED = False
WTF_CSRF_ENABLED = True
"""


def cache_dir() -> Path:
    return Path(os.environ.get("ROLWH_TEST_CACHE", "/var/cache/rolwh-test"))


def venv_dir() -> Path:
    return cache_dir() / f"superset-{SUPERSET_VERSION}-py3.11"


def _skip(reason: str) -> None:
    msg = f"SKIPPED: Apache Superset {SUPERSET_VERSION} cannot be installed here: {reason}"
    print(msg, file=sys.stderr)
    warnings.warn(msg, stacklevel=3)
    pytest.skip(msg)


def _run(
    cmd: list[str], env: dict[str, str] | None = None, timeout: int = 1800
) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def _config_env(folder: Path, db: Path) -> dict[str, str]:
    """Environment of every superset command: a config file in ``folder`` using ``db``."""
    config = folder / "superset_config.py"
    config.write_text(_CONFIG.format(token=os.urandom(16).hex(), db=db), encoding="utf-8")
    return {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(config),
        "FLASK_APP": "superset.app:create_app()",
        "SUPERSET_HOME": str(folder),
        "PYTHONWARNINGS": "ignore",
    }


def requirements() -> list[str]:
    """What pip installs into the venv; the ready mark holds them, so a change rebuilds the venv."""
    return [f"apache-superset=={SUPERSET_VERSION}", *CLIENT_PINS, *UNDECLARED, *HELD_BACK]


def superset_venv() -> Path:
    """The cached venv with Superset (built on first use); skip when pip cannot install it."""
    venv = venv_dir()
    try:
        venv.parent.mkdir(parents=True, exist_ok=True)
        lock = (venv.parent / f"{venv.name}.lock").open("w")
    except OSError as exc:
        _skip(f"the cache folder {venv.parent} is not writable ({exc.strerror}); set ROLWH_TEST_CACHE")
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel workers (pytest -n) build it once
        ready = venv / _READY
        if ready.is_file() and ready.read_text(encoding="utf-8").split() == requirements():
            return venv
        if shutil.which("python3.11") is None:
            _skip("python3.11 is not on PATH")
        shutil.rmtree(venv, ignore_errors=True)
        steps = (
            ["python3.11", "-m", "venv", str(venv)],
            [str(venv / "bin" / "pip"), "install", "-q", *requirements()],
        )
        for step in steps:
            done = _run(step)
            if done.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                _skip(f"{' '.join(step[:3])}… failed: {done.stderr.strip()[-400:]}")
        _migrate_template(venv)
        ready.write_text("\n".join(requirements()) + "\n", encoding="utf-8")
    return venv


def _migrate_template(venv: Path) -> None:
    """Migrate a metadata database once and keep it as the template every test copies."""
    work = venv / "template"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    env = _config_env(work, work / _TEMPLATE)
    superset = str(venv / "bin" / "superset")
    user, password = ADMIN
    for step in (
        [superset, "db", "upgrade"],
        [
            superset,
            "fab",
            "create-admin",
            "--username",
            user,
            "--firstname",
            "rolwh",
            "--lastname",
            "test",
            "--email",
            "admin@example.invalid",
            "--password",
            password,
        ],
        [superset, "init"],
    ):
        done = _run(step, env=env)
        assert done.returncode == 0, f"{' '.join(step[1:3])} failed: {done.stderr[-2000:]}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Superset:
    """A logged-in REST client of a running Superset."""

    base: str
    session: requests.Session
    log: Path

    def call(self, method: str, path: str, **kw: Any) -> Any:
        response = self.session.request(method, f"{self.base}{path}", timeout=300, **kw)
        assert response.status_code < 300, (
            f"{method} {path}: {response.status_code} {response.text[:2000]}\n"
            f"server log (end): {self.log.read_text(encoding='utf-8', errors='replace')[-4000:]}"
        )
        return response.json()

    def login(self) -> None:
        user, password = ADMIN
        token = self.call(
            "POST",
            "/api/v1/security/login",
            json={"username": user, "password": password, "provider": "db", "refresh": True},
        )["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        csrf = self.call("GET", "/api/v1/security/csrf_token/")["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.base})


@contextmanager
def running_superset(folder: Path) -> Iterator[Superset]:
    """Superset on a free loopback port with a fresh copy of the template metadata; stopped after."""
    venv = superset_venv()
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "superset.db"
    shutil.copyfile(venv / "template" / _TEMPLATE, db)
    env = _config_env(folder, db)
    port = _free_port()
    log = (folder / "superset.log").open("w")
    server = subprocess.Popen(
        [str(venv / "bin" / "superset"), "run", "-h", "127.0.0.1", "-p", str(port), "--with-threads"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server, folder / "superset.log")
        client = Superset(base=base, session=requests.Session(), log=folder / "superset.log")
        client.login()
        yield client
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_healthy(base: str, server: subprocess.Popen, log: Path) -> None:
    """Wait until ``/health`` answers OK (the server exiting first fails the test with its log)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert server.poll() is None, f"superset exited: {log.read_text()[-3000:]}"
        try:
            if requests.get(f"{base}/health", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise AssertionError(f"superset did not become healthy: {log.read_text()[-3000:]}")
