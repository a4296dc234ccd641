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


def open_reader(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to :func:`reader_path`."""
    from rolwh.warehouse import connect

    return connect(settings, read_only=True, path=reader_path(settings))


def run_query(settings: Settings, sql: str, *, fmt: str = "table", out: IO[str] = sys.stdout) -> int:
    """Run ``sql`` read-only and write its result as a table, csv or json (array of objects)."""
    con = open_reader(settings)
    try:
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description or ()]
        rows = cur.fetchall()
    finally:
        con.close()
    if fmt == "json":
        json.dump([dict(zip(columns, r, strict=True)) for r in rows], out, ensure_ascii=False, default=str)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        Console(file=out).print(table)
    return 0
