"""Test-only fault injection: ``checkpoint(label)`` SIGKILLs this process when ROLWH_TEST_KILL_AT says so.

``ROLWH_TEST_KILL_AT=<label>:<n>`` kills the process the n-th time (1-based) it passes the named
checkpoint; ``<label>`` alone means the first time. Unset (production), a checkpoint costs one
dictionary lookup. The crash-safety tests (tests/reliability) kill ``rolwh run`` at every label.
"""

from __future__ import annotations

import os
import signal

ENV = "ROLWH_TEST_KILL_AT"
_passed: dict[str, int] = {}


def checkpoint(label: str) -> None:
    """Die here (SIGKILL, no clean-up of any kind) if the environment asks for it."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    want, _, nth = spec.partition(":")
    if want != label:
        return
    _passed[label] = _passed.get(label, 0) + 1
    if _passed[label] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
