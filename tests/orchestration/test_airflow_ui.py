"""`rolwh airflow-ui` as the README gives it: .venv/bin/rolwh with a clean PATH in a fresh home.

It serves the API on its port, prints URL, login and the paused DAGs, and a SIGTERM to it stops
every Airflow process it started (scheduler, api-server, dag-processor, triggerer, workers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from rolwh.orchestration.airflow_local import FIRST_START_MARKER, NIGHTLY_DAG

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 600


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _api_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def _ours(marker: str, session: int) -> list[psutil.Process]:
    """Processes of ``session`` or with ``marker`` (the temp home) in their environment or command line."""
    found = []
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if p.pid == os.getpid() or p.status() == psutil.STATUS_ZOMBIE:
                continue
            in_env = any(marker in v for v in p.environ().values())
            if os.getsid(p.pid) == session or in_env or marker in " ".join(p.cmdline()):
                found.append(p)
    return found


def test_airflow_ui_serves_tells_and_stops_every_process(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = _free_port()
    env = {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",  # no .venv/bin: the README runs .venv/bin/rolwh
        "ROLWH_HOME": str(home),
        "ROLWH_SETTLE_SECONDS": "0",
        "ROLWH_LANG": "en",
        "LANG": "C.UTF-8",
    }
    out = tmp_path / "airflow-ui.out"
    rolwh = Path(sys.executable).parent / "rolwh"
    with out.open("w") as fh:
        proc = subprocess.Popen(
            [str(rolwh), "airflow-ui", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (_api_answers(port) and "paused (they do not run on schedule)" in out.read_text()):
            assert proc.poll() is None, (
                f"rolwh airflow-ui ended ({proc.returncode}):\n{out.read_text()[-3000:]}"
            )
            assert time.monotonic() < deadline, f"no API on {port}:\n{out.read_text()[-3000:]}"
            time.sleep(2)
        text = out.read_text()
        assert "FileNotFoundError" not in text
        assert f"http://localhost:{port}" in text
        airflow_home = home / "airflow"
        assert (
            f"user admin, password in {airflow_home / 'simple_auth_manager_passwords.json.generated'}" in text
        )
        assert f"running on schedule: {NIGHTLY_DAG}" in text  # unpaused on the first start
        assert "paused (they do not run on schedule): rol_annual_freeze, rol_district" in text
        assert "dags unpause <DAG>" in text
        assert (airflow_home / FIRST_START_MARKER).exists()
        running = _ours(str(home), proc.pid)
        names = " ".join(" ".join(p.cmdline()) for p in running)
        for component in ("scheduler", "dag-processor", "triggerer"):  # the api-server answered above
            assert component in names
        assert len(running) >= 5, names  # rolwh, standalone and its four components at least

        stop_started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0, out.read_text()[-3000:]
        print(f"{len(running)} processes stopped in {time.monotonic() - stop_started:.1f} s")
        left = _ours(str(home), proc.pid)
        assert not left, [p.cmdline() for p in left]
        assert not _api_answers(port)
        assert "Airflow stopped" in out.read_text()
    finally:
        for p in _ours(str(home), proc.pid):  # never leave a failed test's processes behind
            with contextlib.suppress(psutil.Error):
                p.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
