"""Two writers at once: the second gets WarehouseBusy (exit 4); a killed holder's lock is free."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from rolwh.core.errors import WarehouseBusy
from rolwh.core.settings import REPO_ROOT, Settings
from rolwh.orchestration.lock import writer_lock
from tests.reliability.conftest import child_env, rolwh

HOLD = (
    "import sys, time\n"
    "from rolwh.orchestration.lock import writer_lock\n"
    "from rolwh.core.settings import load_settings\n"
    "with writer_lock(load_settings(), what='test holder'):\n"
    "    print('held', flush=True)\n"
    "    time.sleep(600)\n"
)


def _holder(settings: Settings) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD],
        env=child_env(settings),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_run_exits_4_with_a_clear_message(settings: Settings) -> None:
    holder = _holder(settings)
    try:
        proc = rolwh(settings, "run", "--quiet", timeout=120)
        assert proc.returncode == WarehouseBusy.exit_code == 4, proc.stderr
        assert "another rolwh run is writing the warehouse" in proc.stderr
        assert f"pid {holder.pid}" in proc.stderr and "Traceback" not in proc.stderr
        assert not settings.warehouse_path.exists()  # the refused run touched nothing
    finally:
        holder.kill()
        holder.wait()


def test_lock_of_a_killed_run_is_free_at_once(settings: Settings) -> None:
    holder = _holder(settings)
    with pytest.raises(WarehouseBusy), writer_lock(settings):
        pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    with writer_lock(settings, what="after the kill"):
        assert "after the kill" in settings.lock_path.read_text()
    assert time.monotonic() - started < 1.0  # no stale-lock timeout: flock died with the process


def test_waiting_writer_gets_the_lock_when_the_first_ends(settings: Settings) -> None:
    holder = _holder(settings)
    subprocess.Popen(["sh", "-c", f"sleep 2; kill {holder.pid}"])
    started = time.monotonic()
    with writer_lock(settings, wait_seconds=30, what="waiter"):
        waited = time.monotonic() - started
    holder.wait()
    assert 1.0 < waited < 30
