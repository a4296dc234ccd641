"""Read-only access for analysts: ``rolwh sql`` and every reader of the marts.

Readers open the published serving file (see :mod:`rolwh.publish`), read-only, so a reader can never
write, never takes the writer's lock and never blocks publishing. Before the first publish they fall
back to the working warehouse (read-only: that fails while a writer has it open).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

from rolwh.settings import Settings

if TYPE_CHECKING:
    import duckdb


def reader_path(settings: Settings) -> Path:
    """The DuckDB file analysts read: the current serving version if published, else the working file.

    The serving symlink is resolved here, so one reader sees one version even if a publish swaps
    ``current`` while it works; superseded versions outlive the grace period of their readers.
    """
    serving = settings.serving_dir / "rolwh.duckdb"
    return serving.resolve(strict=True) if serving.exists() else settings.warehouse_path


#: Configuration of every reader connection: no file, network or extension access outside the
#: opened warehouse file (read_csv('/etc/passwd'), COPY … TO, ATTACH, INSTALL/LOAD all fail), and
#: the configuration is locked, so a query cannot ``SET`` its way back out.
READER_CONFIG: dict[str, str | bool] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}
#: First characters that make a spreadsheet treat a CSV cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def open_reader(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only, sandboxed connection to :func:`reader_path` (see :data:`READER_CONFIG`)."""
    import duckdb

    path = reader_path(settings)
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `rolwh run` first")
    config: dict[str, str | int | bool] = {"memory_limit": settings.memory_limit, **READER_CONFIG}
    if settings.threads:
        config["threads"] = settings.threads
    con = duckdb.connect(str(path), read_only=True, config=config)
    con.execute("set lock_configuration = true")
    return con


def csv_safe(value: object) -> object:
    """A cell for CSV output: text that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def run_query(settings: Settings, sql: str, *, fmt: str = "table", out: IO[str] = sys.stdout) -> int:
    """Run ``sql`` read-only and write its result as a table, csv or json (array of objects)."""
    import duckdb

    from rolwh.errors import RolwhError

    con = open_reader(settings)
    try:
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description or ()]
        rows = cur.fetchall()
    except duckdb.Error as exc:  # read-only and sandboxed: writes and file access end here
        raise RolwhError(f"query failed (the connection is read-only, without file access): {exc}") from exc
    finally:
        con.close()
    if fmt == "json":
        json.dump([dict(zip(columns, r, strict=True)) for r in rows], out, ensure_ascii=False, default=str)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow([csv_safe(c) for c in columns])
        writer.writerows([csv_safe(v) for v in r] for r in rows)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        Console(file=out).print(table)
    return 0
