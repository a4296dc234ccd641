"""Errors an operator can act on: each carries the exit code the CLI returns for it."""

from __future__ import annotations

import errno
import re

from rolwh.core.i18n import N_, _


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


class ConfigError(RolwhError):
    """A configuration file or setting is invalid: fixing it helps, retrying does not."""

    exit_code = 2


class SettingsError(RolwhError):
    """A setting is missing or unusable; the message says which and how to fix it."""


class KeyMismatch(SettingsError):
    """The key differs from the one the working warehouse was pseudonymised with (see rotate-key)."""

    exit_code = 6


class ReleaseKeyError(SettingsError):
    """The release key is missing where one is needed, or unusable (exit 1)."""


class FreezeError(RolwhError):
    """A freeze, anchor or release read that may not happen (already frozen without a reason, no
    marts, a race, no such release, a release that fails verification)."""


class NoWarehouse(RolwhError):
    """No warehouse file to read yet: ``rolwh run`` first."""


class WarehouseDamaged(RolwhError):
    """A DuckDB file that cannot be read as one (garbage bytes, truncated): restore or rebuild it."""


class NoData(RolwhError):
    """Nothing to show: nothing published yet, or no data for the asked period (exit 1)."""


class UsageError(RolwhError):
    """An argument that parses but names nothing that exists (an unknown community): exit 2, as
    argparse's own usage errors."""

    exit_code = 2


class EnvironmentFault(RolwhError):
    """The machine, not the data: a read-only or full file system, a missing or unwritable folder."""

    exit_code = 7


#: errno of an OSError that is the environment's fault, and what the operator should do about it.
_FAULTS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: (N_("disk full while writing"), N_("free space on that file system and re-run")),
    errno.EDQUOT: (
        N_("disk quota exceeded while writing"),
        N_("free space or raise the quota, and re-run"),
    ),
    errno.EROFS: (
        N_("read-only file system: cannot write"),
        N_(
            "rolwh writes under ROLWH_HOME: mount it read-write or point ROLWH_HOME (--home) at a "
            "writable folder"
        ),
    ),
    errno.EACCES: (
        N_("permission denied on"),
        N_(
            "give the user running rolwh write access to it, or point ROLWH_HOME (--home) / ROLWH_LANDING "
            "(--landing) at a folder it may write"
        ),
    ),
    errno.ENOENT: (
        N_("missing file or folder:"),
        N_("create it, or correct ROLWH_HOME (--home) / ROLWH_LANDING (--landing)"),
    ),
    errno.ENOTDIR: (
        N_("not a folder (a part of the path is a file):"),
        N_("correct ROLWH_HOME (--home) / ROLWH_LANDING (--landing)"),
    ),
}
_FAULTS[errno.EPERM] = _FAULTS[errno.EACCES]
#: The same faults as DuckDB and dbt report them (text, no errno).
_FAULT_TEXTS: dict[str, int] = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "Read-only file system": errno.EROFS,
    "Permission denied": errno.EACCES,
}
SAFE_STATE = N_(
    "files already loaded stay loaded, a half-loaded file is rolled back; the previous publication "
    "and the releases are unchanged"
)


def environment_fault(exc: BaseException) -> str | None:
    """One line for the operator when ``exc`` (or its cause) is an environment fault, else None.

    An OSError counts by its errno (:data:`_FAULTS`; ENOENT/ENOTDIR only with a file name), any
    other error by the system's words for a full, read-only or forbidden file system in its text.
    """
    seen: BaseException | None = exc
    while seen is not None:
        text = " ".join(str(seen).split())
        code = seen.errno if isinstance(seen, OSError) and seen.errno in _FAULTS else None
        path = getattr(seen, "filename", None) if code else None
        if code in (errno.ENOENT, errno.ENOTDIR) and not path:
            code = None
        if code is None:
            code = next((c for words, c in _FAULT_TEXTS.items() if words in text), None)
            found = re.search(r'(?:file|path|directory)\s+"([^"]+)"', text) or re.search(
                r"(/[^\s\"']+)", text
            )
            path = found.group(1).rstrip(":,.'") if found else None
        if code is not None:
            what, todo = _FAULTS[code]
            return _("{what} {path}: {todo} ({safe_state}). [{detail}]").format(
                what=_(what),
                path=path or _("the rolwh state"),
                todo=_(todo),
                safe_state=_(SAFE_STATE),
                detail=text[:300],
            )
        seen = seen.__cause__ or seen.__context__
    return None


class NeedsAttention(RolwhError):
    """The run did what it safely could but an operator must act (a refused release, a held
    publication): the message says what; ``rolwh run`` exits 5."""

    exit_code = 5


#: How DuckDB words a file another process holds, and a file that is not a DuckDB database.
_LOCK_TEXTS = ("Could not set lock on file", "Conflicting lock is held")
_DAMAGED_TEXTS = ("not a valid DuckDB database file", "Invalid Input Error: Trying to read a database file")


def database_open_error(exc: BaseException, path: object) -> RolwhError | None:
    """The operator's error for DuckDB failing to open ``path``: another process holds it (exit 4)
    or it is no DuckDB database (damaged, exit 1); None for anything else."""
    text = str(exc)
    if any(words in text for words in _LOCK_TEXTS):
        return WarehouseBusy(
            _(
                "another process holds {path} for writing (a rolwh run, or a tool that opened it "
                "read-write): run again when it ends"
            ).format(path=path)
        )
    if any(words in text for words in _DAMAGED_TEXTS):
        return WarehouseDamaged(
            _(
                "{path} is not a readable DuckDB database (damaged, or not a warehouse file): restore it "
                "from a backup, or move it aside and run `rolwh run` to rebuild it from the landing area"
            ).format(path=path)
        )
    return None
