"""A long-running child started in its own session and stopped as a whole (``rolwh airflow-ui``).

``airflow standalone`` starts the scheduler, api-server, dag-processor and triggerer, and the
scheduler forks LocalExecutor workers that ignore SIGTERM. Stopping only the process we started
leaves all of them running. :func:`run_supervised` starts the command in a new session, turns
Ctrl-C and SIGTERM into a stop of every process of that session (and of every process whose
environment carries ``marker``, for one that left the session), and SIGKILLs what is still alive
after a grace period.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from types import FrameType

import psutil

log = logging.getLogger(__name__)

#: Seconds the components get to shut down after SIGTERM before SIGKILL.
GRACE_SECONDS = 15.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_supervised(
    cmd: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: str | None = None,
    marker: str | None = None,
    grace_s: float = GRACE_SECONDS,
) -> int:
    """Run ``cmd`` in its own session until it exits or this process gets SIGINT/SIGTERM; then stop
    every process it started. Returns its exit code, or 128 + the signal that stopped it."""
    received: list[int] = []

    def note(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    previous = {s: signal.signal(s, note) for s in STOP_SIGNALS}
    try:
        proc = subprocess.Popen(list(cmd), env=dict(env), cwd=cwd, start_new_session=True)
        try:
            while not received and proc.poll() is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=0.5)
        finally:
            stop_group(proc.pid, marker=marker, grace_s=grace_s)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=1)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if received:
        return 128 + received[0]
    return proc.returncode if proc.returncode is not None else 1


def members(session: int, marker: str | None = None) -> list[psutil.Process]:
    """The live processes of ``session`` (its leader's pid), their descendants, and those whose
    environment holds ``marker`` (``NAME=value``)."""
    found: dict[int, psutil.Process] = {}
    own = os.getpid()
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if p.pid == own or p.status() == psutil.STATUS_ZOMBIE:
                continue
            if os.getsid(p.pid) == session or (marker and _has_marker(p, marker)):
                found[p.pid] = p
    for p in list(found.values()):
        with contextlib.suppress(psutil.Error):
            found.update({c.pid: c for c in p.children(recursive=True) if c.pid != own})
    return list(found.values())


def _has_marker(p: psutil.Process, marker: str) -> bool:
    name, _, value = marker.partition("=")
    return p.environ().get(name) == value


def stop_group(session: int, *, marker: str | None = None, grace_s: float = GRACE_SECONDS) -> None:
    """SIGTERM every member, wait up to ``grace_s`` for them to exit, then SIGKILL the rest."""
    deadline = time.monotonic() + grace_s
    termed: set[int] = set()
    while time.monotonic() < deadline:
        alive = members(session, marker)
        if not alive:
            return
        for p in alive:
            if p.pid not in termed:
                with contextlib.suppress(psutil.Error):
                    p.terminate()
                termed.add(p.pid)
        psutil.wait_procs(alive, timeout=min(1.0, max(0.0, deadline - time.monotonic())))
    for _round in range(5):  # what ignored SIGTERM (LocalExecutor workers) or started meanwhile
        alive = members(session, marker)
        if not alive:
            return
        log.info("killing %d process(es) still running after %.0f s", len(alive), grace_s)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(alive, timeout=2)
