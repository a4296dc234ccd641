"""The single-writer lock: a second writer waits or gets WarehouseBusy; a killed holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from rolwh.core.errors import WarehouseBusy
from rolwh.core.settings import Settings
from rolwh.orchestration.lock import writer_lock

HOLDER = """
import sys, time
from rolwh.core.settings import load_settings
from rolwh.orchestration.lock import writer_lock
with writer_lock(load_settings(), what="test holder"):
    print("locked", flush=True)
    time.sleep(float(sys.argv[1]))
"""


def _hold(seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(seconds)], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_second_writer_gets_warehouse_busy_naming_the_holder(settings: Settings) -> None:
    holder = _hold(60)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as err, writer_lock(settings, wait_seconds=0.5):
            pass
        assert time.monotonic() - started >= 0.5
        assert f"pid {holder.pid}" in str(err.value)
        assert "test holder" in str(err.value)
        assert err.value.exit_code == 4
    finally:
        holder.kill()
        holder.wait()


def test_lock_of_a_killed_process_is_released_by_the_os(settings: Settings) -> None:
    holder = _hold(600)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert settings.lock_path.exists()  # the file stays; the flock on it is gone
    with writer_lock(settings, wait_seconds=0):
        assert str(os.getpid()) in settings.lock_path.read_text()


def test_second_writer_that_waits_gets_the_lock_when_the_first_finishes(settings: Settings) -> None:
    holder = _hold(1.5)
    try:
        with writer_lock(settings, wait_seconds=30):
            assert holder.poll() is not None or holder.wait(timeout=5) == 0
    finally:
        holder.kill()
        holder.wait()


def test_lock_is_reentrant_in_one_thread_and_released_after_the_outer_block(settings: Settings) -> None:
    with writer_lock(settings), writer_lock(settings):
        pass
    # released: another process can take it at once
    done = subprocess.run([sys.executable, "-c", HOLDER, "0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "locked" in done.stdout
