"""Fixtures of the orchestration tests: the parsed DAGs and an embedded Airflow environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rolwh.core.settings import Settings, load_settings


@pytest.fixture(scope="session")
def dagbag(tmp_path_factory: pytest.TempPathFactory):
    """The repository's dags/ parsed once, as the dag-processor parses it."""
    from rolwh.orchestration.airflow_local import airflow_env

    home = tmp_path_factory.mktemp("dagbag-home")
    env = airflow_env(load_settings({"ROLWH_HOME": str(home)}))
    for key in ("AIRFLOW_HOME", "AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__CORE__LOAD_EXAMPLES"):
        os.environ.setdefault(key, env[key])
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=env["AIRFLOW__CORE__DAGS_FOLDER"])


@pytest.fixture
def landing_settings(settings: Settings) -> Settings:
    """``settings`` with a small generated demo landing area (needs rolwh.demo_data)."""
    from rolwh.demo_data import generate

    generate(settings.landing, seed=7, scale=1)
    assert any(p.is_file() for p in Path(settings.landing).rglob("*"))
    return settings


# -- loopback receivers of notifications: a real SMTP server and a real HTTP endpoint ----------------------------
class _Mailbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd); ``.messages`` holds what it received."""
    from aiosmtpd.controller import Controller

    box = _Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def webhook_server():
    """A real HTTP server on 127.0.0.1 taking JSON POSTs; ``.bodies`` holds them (parsed), ``.url`` its URL."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    bodies: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            bodies.append(json.loads(self.rfile.read(length).decode("utf-8")))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode":0}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.bodies = bodies  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=t0k3n"  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()


def notify_env(smtp_server, webhook_server, preset: str = "generic") -> dict[str, str]:
    """The ROLWH_NOTIFY_* settings pointing at the loopback receivers."""
    return {
        "ROLWH_NOTIFY_SMTP_HOST": "127.0.0.1",
        "ROLWH_NOTIFY_SMTP_PORT": str(smtp_server.port),
        "ROLWH_NOTIFY_FROM": "rolwh@example.org",
        "ROLWH_NOTIFY_TO": "ops@example.org, chief@example.org",
        "ROLWH_NOTIFY_WEBHOOK_URL": webhook_server.url,
        "ROLWH_NOTIFY_WEBHOOK_PRESET": preset,
        "ROLWH_NOTIFY_TIMEOUT": "5",
    }
