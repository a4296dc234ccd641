"""Errors an operator can act on: each carries the exit code the CLI returns for it."""

from __future__ import annotations


class RolwhError(RuntimeError):
    """Base of every error the CLI reports as one readable line (no traceback)."""

    exit_code = 1


class DataError(RolwhError):
    """Bad input data: retrying does not help, fixing the file does."""


class GateBlocked(RolwhError):
    """A blocking quality expectation failed; nothing was published."""

    exit_code = 3


class WarehouseBusy(RolwhError):
    """Another run holds the writer lock."""

    exit_code = 4


class NeedsAttention(RolwhError):
    """The run did what it safely could but an operator must act (a refused release, a held
    publication): the message says what; ``rolwh run`` exits 5."""

    exit_code = 5
