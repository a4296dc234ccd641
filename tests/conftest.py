"""Shared fixtures: every test gets its own ROLWH_HOME and key, never the repository's var/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rolwh.core.settings import Settings, load_settings

TEST_KEY = "test-key-0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="session", autouse=True)
def _release_key_outside_home(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The default release key file ($XDG_CONFIG_HOME/rolwh/release.key) in a temporary folder, for
    this process and every child: no test creates or reads ~/.config/rolwh/release.key."""
    before = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))
    yield
    if before is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = before


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on a fresh ROLWH_HOME under tmp_path, with a fixed test key in the environment."""
    home = tmp_path / "home"
    monkeypatch.setenv("ROLWH_HOME", str(home))
    monkeypatch.setenv("ROLWH_LANDING", str(home / "landing"))
    monkeypatch.setenv("ROLWH_KEY", TEST_KEY)
    monkeypatch.setenv("ROLWH_SETTLE_SECONDS", "0")  # files written by a test are complete at once
    monkeypatch.delenv("ROLWH_KEY_FILE", raising=False)
    monkeypatch.setenv("ROLWH_RELEASE_KEY_FILE", str(tmp_path / "release-key" / "release.key"))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    s = load_settings()
    s.ensure_dirs()
    return s


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The demo landing area through the real CLI once per session: `rolwh demo-data`, `rolwh run`.

    Returns the environment, the settings and the run's exit code and output; tests must not
    write to this home (they share it).
    """
    import subprocess
    import sys

    home = tmp_path_factory.mktemp("demo") / "home"
    env = {
        **os.environ,
        "ROLWH_HOME": str(home),
        "ROLWH_LANDING": str(home / "landing"),
        "ROLWH_KEY": TEST_KEY,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop("ROLWH_KEY_FILE", None)
    rolwh = [sys.executable, "-m", "rolwh.cli"]
    subprocess.run(
        [*rolwh, "demo-data", "--out", str(home / "landing")], env=env, check=True, capture_output=True
    )
    landing_copy = home.parent / "landing-as-delivered"
    import shutil

    shutil.copytree(home / "landing", landing_copy)  # ingest moves quarantined files away
    run = subprocess.run([*rolwh, "run", "--quiet"], env=env, capture_output=True, text=True)
    return {
        "env": env,
        "home": home,
        "landing": landing_copy,
        "settings": load_settings(env),
        "exit_code": run.returncode,
        "output": run.stdout + run.stderr,
    }
