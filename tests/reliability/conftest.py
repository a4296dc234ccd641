"""Fixtures of the reliability tests: a small demo landing area, subprocess runs, warehouse snapshots."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rolwh.core.settings import REPO_ROOT, Settings, load_settings
from tests.conftest import TEST_KEY

ROLWH = str(Path(sys.executable).parent / "rolwh")
#: Months of the small landing area: the "old" state, then the delta the interrupted run loads.
OLD_MONTHS = ("202401", "202402", "202403")
DELTA_MONTHS = ("202404",)


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLWH_")}
    env.update(settings.env())
    env.update({"ROLWH_KEY": TEST_KEY, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    env.pop("ROLWH_KEY_FILE", None)
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def rolwh(
    settings: Settings, *args: str, timeout: float = 900, **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a child process on ``settings``."""
    return subprocess.run(
        [ROLWH, *args],
        env=child_env(settings, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
        check=False,
    )


def settings_at(home: Path) -> Settings:
    return load_settings(
        {
            "ROLWH_HOME": str(home),
            "ROLWH_LANDING": str(home / "landing"),
            "ROLWH_KEY": TEST_KEY,
            "ROLWH_SETTLE_SECONDS": "0",  # files written by a test are complete at once
        }
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_home(src: Path, dst: Path) -> Settings:
    """A copy of a whole ROLWH_HOME (symlinks kept: the serving layout is relative symlinks)."""
    shutil.copytree(src, dst, symlinks=True)
    return settings_at(dst)


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full demo landing area (`rolwh demo-data`), generated once per session; read-only use."""
    from rolwh.demo_data import generate

    out = tmp_path_factory.mktemp("demo") / "landing"
    generate(out, seed=2024, scale=1)
    return out


def small_landing(demo: Path, target: Path, months: tuple[str, ...]) -> list[Path]:
    """Copy the demo exports of ``months`` (YYYYMM in the file name) into ``target``; the copied paths."""
    copied = []
    for path in sorted(demo.rglob("*")):
        if path.is_file() and any(f"_{m}" in path.name for m in months) and path.suffix in (".csv", ".xlsx"):
            dst = target / path.parent.name / path.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dst)
            copied.append(dst)
    return copied


@pytest.fixture(scope="session")
def crash_reference(tmp_path_factory: pytest.TempPathFactory, demo_landing: Path):
    """The crash-safety reference homes (old: published and frozen; new: one more month), built once."""
    from tests.reliability.crash import build_reference

    return build_reference(tmp_path_factory.mktemp("crash-ref"), demo_landing)
