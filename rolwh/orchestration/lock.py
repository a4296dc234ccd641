"""The single-writer lock of the working warehouse.

DuckDB allows one read-write process or many readers, never both, so every step that touches the
working warehouse runs under :func:`writer_lock` (an exclusive ``fcntl.flock`` on
``settings.lock_path``). The OS drops a flock when its process dies, so a killed run never leaves
a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from rolwh.core.errors import WarehouseBusy
from rolwh.core.settings import Settings

_held = threading.local()  # per-thread depth of writer_lock, so nested holders do not self-deadlock


@contextmanager
def writer_lock(settings: Settings, *, wait_seconds: float = 0.0, what: str = "rolwh") -> Iterator[None]:
    """Hold the exclusive writer lock; wait up to ``wait_seconds``, then raise WarehouseBusy.

    Re-entrant within one thread: an inner ``writer_lock`` reuses the outer one's lock.
    """
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    path = settings.lock_path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"another rolwh run is writing the warehouse ({_lock_holder(path)}; lock {path}); "
                        f"waited {wait_seconds:.0f}s for it. Wait until it finishes and run again. "
                        "If that process is gone the lock is already free (the OS releases it): just retry."
                    ) from None
                time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        since = datetime.now().isoformat(timespec="seconds")
        holder = f"pid {os.getpid()} on {socket.gethostname()} since {since}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder}, step {what}\n".encode(), 0)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _lock_holder(path: os.PathLike[str]) -> str:
    try:
        text = open(path, encoding="utf-8").read().strip()  # noqa: SIM115 - one short read
    except OSError:
        text = ""
    return f"held by {text}" if text else "holder unknown"
