"""Each file isolated: an unexpected error while reading or loading one file is the file's fault
(it is quarantined and the run goes on) unless it is a fault of the environment (full or read-only
disk, memory, the warehouse, an interrupt), which stops the run.

Neither the reason nor the engineers' log line carries the exception's message: DuckDB and the
parsers quote cell values in theirs. They name the file, the exception class and the code location.
"""

from __future__ import annotations

import errno
import logging
import traceback

import duckdb

from ingest.discover import LandingFile
from ingest.report import visible
from rolwh.core.errors import RolwhError
from rolwh.core.i18n import _

log = logging.getLogger("rolwh.ingest")

#: DuckDB errors of the database itself, not of a file's content.
ENVIRONMENT_DUCKDB = (
    duckdb.IOException,
    duckdb.OutOfMemoryException,
    duckdb.FatalException,
    duckdb.InterruptException,
    duckdb.ConnectionException,
    duckdb.TransactionException,
    duckdb.PermissionException,
)
#: Texts of an environment fault wrapped in another exception type.
ENVIRONMENT_TEXTS = ("No space left on device", "Read-only file system", "Could not set lock", "Disk quota")
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.ENOMEM})


def environment_fault(exc: BaseException) -> bool:
    """True when ``exc`` (or an exception in its chain) is not the file's fault: stop the run."""
    seen: BaseException | None = exc
    while seen is not None:
        if not isinstance(seen, Exception) or isinstance(seen, RolwhError | MemoryError | OSError):
            return True
        if isinstance(seen, ENVIRONMENT_DUCKDB):
            return True
        if getattr(seen, "errno", None) in ENVIRONMENT_ERRNOS:
            return True
        if any(text in str(seen) for text in ENVIRONMENT_TEXTS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def unreadable_reason(lf: LandingFile, exc: BaseException) -> str:
    """The quarantine reason of a file whose reading failed unexpectedly: file and class only."""
    return _(
        "{file} could not be read: {error} (an unexpected error, not a known problem "
        "of the contract: kept for the engineers, the ingest log names where it happened; once fixed, "
        "deliver the file again under a new name)"
    ).format(file=lf.name, error=exception_name(exc))


def exception_name(exc: BaseException) -> str:
    """``module.Class`` of an exception (``Class`` for a built-in one); never its message."""
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def log_unreadable(lf: LandingFile, exc: BaseException) -> None:
    """One log line for the engineers: file, exception class, innermost code location; no message."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else "unknown"
    log.error(
        "ingest %s/%s quarantined: %s raised at %s", lf.feed, visible(lf.name), exception_name(exc), where
    )
