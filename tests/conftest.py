"""Shared fixtures: every test gets its own ROLWH_HOME and key, never the repository's var/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rolwh.settings import Settings, load_settings

TEST_KEY = "test-key-0123456789abcdef0123456789abcdef"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on a fresh ROLWH_HOME under tmp_path, with a fixed test key in the environment."""
    home = tmp_path / "home"
    monkeypatch.setenv("ROLWH_HOME", str(home))
    monkeypatch.setenv("ROLWH_LANDING", str(home / "landing"))
    monkeypatch.setenv("ROLWH_KEY", TEST_KEY)
    monkeypatch.delenv("ROLWH_KEY_FILE", raising=False)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    s = load_settings()
    s.ensure_dirs()
    return s
