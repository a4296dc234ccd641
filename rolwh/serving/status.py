"""`rolwh status`: what is loaded, rejected and quarantined, and when, read from the audit tables."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import duckdb
from rich.console import Console
from rich.table import Table

from rolwh.core.console import safe
from rolwh.core.contracts import FEEDS
from rolwh.core.errors import WarehouseBusy
from rolwh.core.settings import Settings
from rolwh.core.sql import table_exists

RECENT_FILES = 50


def render_status(settings: Settings) -> str:
    """Per feed and per file (latest first): loaded, rejected, skipped, quarantined and when."""

    buf = StringIO()
    console = Console(file=buf, width=180, color_system=None)
    if not settings.warehouse_path.exists():
        console.print(
            f"no warehouse at {safe(settings.warehouse_path)}: nothing ingested yet (run `rolwh ingest`)"
        )
        return buf.getvalue()
    try:
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise WarehouseBusy(
            "a rolwh run is writing the warehouse right now (DuckDB allows no reader meanwhile): "
            "run `rolwh status` again when it ends"
        ) from None
    try:
        if not table_exists(con, "audit", "file_loads"):
            console.print("the warehouse has no audit tables yet: nothing ingested (run `rolwh ingest`)")
            return buf.getvalue()
        per_feed = {
            r[0]: r[1:]
            for r in con.execute(
                """
                select feed,
                    count(*) filter (where status = 'loaded'),
                    count(*) filter (where status = 'skipped_duplicate'),
                    count(*) filter (where status = 'quarantined'),
                    coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0), coalesce(sum(rows_skipped), 0),
                    max(export_date) filter (where status = 'loaded'),
                    max(loaded_at)
                from audit.file_loads group by feed
                """
            ).fetchall()
        }
        files = con.execute(
            """
            select loaded_at, feed, file_name, status, export_date, rows_read, rows_loaded, rows_rejected,
                   rows_skipped, coalesce(reason, ''), coalesce(notices, '')
            from audit.file_loads order by loaded_at desc, feed, file_name limit ?
            """,
            [RECENT_FILES],
        ).fetchall()
        rejected_cols = con.execute(
            """
            select feed, file_name, column_name, any_value(reason), count(*)
            from audit.rejected_rows r
            where exists (select 1 from audit.file_loads f where f.load_id = r.load_id)
            group by all order by feed, file_name, count(*) desc limit 40
            """
        ).fetchall()
    finally:
        con.close()

    feeds_table = Table(title="feeds")
    for col in (
        "feed",
        "files loaded",
        "duplicates",
        "quarantined",
        "rows loaded",
        "rows rejected",
        "rows skipped",
        "latest export",
        "last ingest",
    ):
        feeds_table.add_column(col)
    for f in FEEDS:
        r = per_feed.get(f.name)
        if r is None:
            feeds_table.add_row(f.name, "0", "0", "0", "0", "0", "0", "-", "never")
        else:
            feeds_table.add_row(f.name, *(_fmt(v) for v in r))
    console.print(feeds_table)

    files_table = Table(title=f"files (latest {RECENT_FILES})")
    for col in (
        "when",
        "feed",
        "file",
        "status",
        "export",
        "read",
        "loaded",
        "rejected",
        "skipped",
        "reason / notices",
    ):
        files_table.add_column(col, overflow="fold")
    for r in files:
        files_table.add_row(*(_fmt(v) for v in r[:9]), safe("; ".join(x for x in r[9:] if x)))
    console.print(files_table)

    if rejected_cols:
        rej = Table(title="rejected cells by file and column (values are never stored)")
        for col in ("feed", "file", "column", "reason", "rows"):
            rej.add_column(col, overflow="fold")
        for r in rejected_cols:
            rej.add_row(*(_fmt(v) for v in r))
        console.print(rej)
    quarantined = [r for r in files if r[3] == "quarantined"]
    if quarantined:
        console.print(
            f"quarantined files are in {safe(settings.quarantine_dir)}/<feed>/ with a .reason.txt beside each"
        )
    return buf.getvalue()


def _fmt(value: object) -> str:
    """A cell of the status tables, inert (file names and reasons come from delivered files)."""

    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return safe(value)
