"""Read-only access for analysts: ``rolwh sql`` and every reader of the marts.

Readers open the published serving file (see :mod:`rolwh.serving.publish`), read-only, so a reader can never
write, never takes the writer's lock and never blocks publishing. Before the first publish the
fixed readers (indicators, reports) fall back to the working warehouse (read-only: that fails while
a writer has it open); ``rolwh sql`` never does: it runs free-form SQL, and the working file holds
the raw layer.

``rolwh sql`` is bounded: its connection spills only into a private folder (mode 0700, under
``ROLWH_SQL_TEMP_ROOT`` or the system temp folder, never beside a published file) that is removed
afterwards, at most ``ROLWH_SQL_MAX_TEMP_SIZE`` of it, within ``ROLWH_SQL_MEMORY_LIMIT``, and a
query is interrupted after ``--timeout`` seconds (default ``ROLWH_SQL_TIMEOUT``, 60).
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import duckdb
from rich.console import Console
from rich.table import Table

from rolwh.core.console import json_inert, plain, safe
from rolwh.core.errors import NoWarehouse, RolwhError
from rolwh.core.settings import Settings
from rolwh.core.sql import connection_config

if TYPE_CHECKING:
    import duckdb

#: Exit code of a `rolwh sql` query that ran past its --timeout.
EXIT_TIMEOUT = 8


class NothingPublished(RolwhError):
    """``rolwh sql`` before the first publication: it never opens the working warehouse."""


class QueryTimeout(RolwhError):
    """A `rolwh sql` query ran longer than its --timeout and was interrupted."""

    exit_code = EXIT_TIMEOUT


def published_path(settings: Settings) -> Path | None:
    """The current published serving version's DuckDB file, None before the first publication.

    The serving symlink is resolved here, so one reader sees one version even if a publish swaps
    ``current`` while it works; superseded versions outlive the grace period of their readers.
    """
    serving = settings.serving_dir / "rolwh.duckdb"
    return serving.resolve(strict=True) if serving.exists() else None


def reader_path(settings: Settings) -> Path:
    """The DuckDB file the fixed readers read: the current serving version, else the working file."""
    return published_path(settings) or settings.warehouse_path


#: Configuration of every reader connection: no file, network or extension access outside the
#: opened warehouse file (read_csv('/etc/passwd'), COPY … TO, ATTACH, INSTALL/LOAD all fail), and
#: the configuration is locked, so a query cannot ``SET`` its way back out. No spill folder (DuckDB's
#: default one sits beside the opened file, inside the published version); `rolwh sql` gives its
#: connection a private one (see :func:`sql_reader`).
READER_CONFIG: dict[str, str | bool] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "temp_directory": "",
}
#: First characters that make a spreadsheet treat a CSV cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def open_reader(
    settings: Settings, *, path: Path | None = None, limits: dict[str, str] | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only, sandboxed connection to ``path`` (default :func:`reader_path`; see
    :data:`READER_CONFIG`); ``limits`` override its memory limit and spill settings."""

    path = path or reader_path(settings)
    if not path.exists():
        raise NoWarehouse(f"no warehouse at {path}: run `rolwh run` first")
    config = connection_config(settings) | READER_CONFIG | (limits or {})
    con = duckdb.connect(str(path), read_only=True, config=config)
    con.execute("set lock_configuration = true")
    return con


@contextmanager
def sql_reader(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The bounded connection of ``rolwh sql`` to the published serving file (never the working one).

    Spill goes to a fresh private folder, capped at ``settings.sql_max_temp_size`` and removed on
    exit; memory is capped at ``settings.sql_memory_limit``.
    """
    path = published_path(settings)
    if path is None:
        raise NothingPublished(
            "nothing published yet: run `rolwh run` first (rolwh sql reads only the published marts and "
            f"audit tables, in {plain(settings.serving_dir)})"
        )
    spill = Path(tempfile.mkdtemp(prefix="sql-", dir=settings.sql_temp_parent))  # mode 0700
    try:
        limits = {
            "memory_limit": settings.sql_memory_limit,
            "temp_directory": str(spill),
            "max_temp_directory_size": settings.sql_max_temp_size,
        }
        con = open_reader(settings, path=path, limits=limits)
        try:
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)


#: Every CSV rolwh writes starts with the UTF-8 byte-order mark.
BOM = "\ufeff"


def csv_safe(value: object) -> object:
    """A cell for CSV output: text that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def run_query(
    settings: Settings,
    sql: str,
    *,
    fmt: str = "table",
    out: IO[str] = sys.stdout,
    timeout: float | None = None,
) -> int:
    """Run ``sql`` read-only on the published file and write its result as a table, csv or json.

    ``timeout`` (seconds, default ``settings.sql_timeout``; 0: none) interrupts the query and
    raises :class:`QueryTimeout`. Every value and name printed is inert (:mod:`rolwh.core.console`).
    """

    seconds = settings.sql_timeout if timeout is None else timeout
    with sql_reader(settings) as con:
        timer = threading.Timer(seconds, con.interrupt) if seconds > 0 else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            cur = con.execute(sql)
            columns = [d[0] for d in cur.description or ()]
            rows = cur.fetchall()
        except duckdb.InterruptException:
            raise QueryTimeout(
                f"query interrupted after its time limit of {seconds:g} s (--timeout SECONDS, 0 for none)"
            ) from None
        except duckdb.Error as exc:  # read-only and sandboxed: writes and file access end here
            raise RolwhError(
                f"query failed (the connection is read-only, without file access): {plain(exc)}"
            ) from None
        finally:
            if timer:
                timer.cancel()
    write_result(columns, rows, fmt, out)
    return 0


def write_result(columns: list[str], rows: list[tuple], fmt: str, out: IO[str]) -> None:
    """A query result as json (array of objects, exact text), csv (UTF-8 BOM first, formula-safe; control characters
    shown as escapes, see :mod:`rolwh.core.console`) or a table, every text inert."""
    if fmt == "json":
        records = [dict(zip(columns, r, strict=True)) for r in rows]
        out.write(json_inert(json.dumps(records, ensure_ascii=False, default=str)) + "\n")
    elif fmt == "csv":
        out.write(BOM)  # Excel on Chinese Windows reads a CSV without it as GBK and garbles it
        writer = csv.writer(out)
        writer.writerow([plain(csv_safe(c)) for c in columns])
        writer.writerows([plain(csv_safe(v)) if isinstance(v, str) else v for v in r] for r in rows)
    else:
        table = Table()
        for c in columns:
            table.add_column(safe(c), overflow="fold")  # wrapped, never cut (width: $COLUMNS)
        for r in rows:
            table.add_row(*("" if v is None else safe(v) for v in r))
        Console(file=out).print(table)
