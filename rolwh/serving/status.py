"""`rolwh status`: what is loaded, rejected and quarantined, and when, read from the audit tables.

It reads the **published** serving file (read-only, never locked by a run), so it works while a run
writes; before the first publication it reads the working file, read-only (busy during a run).
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

from rich.console import Console
from rich.table import Table

from rolwh.core.console import safe
from rolwh.core.contracts import FEEDS
from rolwh.core.errors import WarehouseBusy
from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.core.sql import table_exists
from rolwh.serving.query import open_reader, published_path

RECENT_FILES = 50


def render_status(settings: Settings) -> str:
    """Per feed and per file (latest first): loaded, rejected, skipped, quarantined and when."""

    buf = StringIO()
    console = Console(file=buf, width=180, color_system=None)
    published = published_path(settings)
    path = published or settings.warehouse_path
    if not path.exists():
        console.print(
            _("no warehouse at {path}: nothing ingested yet (run `rolwh ingest`)").format(path=safe(path))
        )
        return buf.getvalue()
    try:
        con = open_reader(settings, path=path)
    except WarehouseBusy:
        raise WarehouseBusy(
            _(
                "a rolwh run is writing the warehouse right now and nothing is published yet (DuckDB allows "
                "no reader meanwhile): run `rolwh status` again when it ends"
            )
        ) from None
    if published:
        console.print(
            _("published version {version} (what analysts read)").format(version=safe(published.parent.name))
        )
    try:
        if not table_exists(con, "audit", "file_loads"):
            console.print(_("the warehouse has no audit tables yet: nothing ingested (run `rolwh ingest`)"))
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
        rejected_cols = (
            []
            if not table_exists(con, "audit", "rejected_rows")
            else con.execute(
                """
            select feed, file_name, column_name, any_value(reason), count(*)
            from audit.rejected_rows r
            where exists (select 1 from audit.file_loads f where f.load_id = r.load_id)
            group by all order by feed, file_name, count(*) desc limit 40
            """
            ).fetchall()
        )
    finally:
        con.close()

    feeds_table = Table(title=_("feeds"))
    for col in (
        _("feed"),
        _("files loaded"),
        _("duplicates"),
        _("quarantined"),
        _("rows loaded"),
        _("rows rejected"),
        _("rows skipped"),
        _("latest export"),
        _("last ingest"),
    ):
        feeds_table.add_column(col)
    for f in FEEDS:
        r = per_feed.get(f.name)
        if r is None:
            feeds_table.add_row(f.name, "0", "0", "0", "0", "0", "0", "-", _("never"))
        else:
            feeds_table.add_row(f.name, *(_fmt(v) for v in r))
    console.print(feeds_table)

    files_table = Table(title=_("files (latest {n})").format(n=RECENT_FILES))
    for col in (
        _("when"),
        _("feed"),
        _("file"),
        _("status"),
        _("export"),
        _("read"),
        _("loaded"),
        _("rejected"),
        _("skipped"),
        _("reason / notices"),
    ):
        # a file name is what a clerk looks for: never squeezed below 48 cells by the long reasons
        files_table.add_column(col, overflow="fold", min_width=48 if col == _("file") else None)
    for r in files:
        files_table.add_row(*(_fmt(v) for v in r[:9]), safe("; ".join(x for x in r[9:] if x)))
    console.print(files_table)

    if rejected_cols:
        rej = Table(title=_("rejected cells by file and column (values are never stored)"))
        for col in (_("feed"), _("file"), _("column"), _("reason"), _("rows")):
            rej.add_column(col, overflow="fold")
        for r in rejected_cols:
            rej.add_row(*(_fmt(v) for v in r))
        console.print(rej)
    quarantined = [r for r in files if r[3] == "quarantined"]
    if quarantined:
        console.print(
            _("quarantined files are in {folder}/<feed>/ with a .reason.txt beside each").format(
                folder=safe(settings.quarantine_dir)
            )
        )
    return buf.getvalue()


def _fmt(value: object) -> str:
    """A cell of the status tables, inert (file names and reasons come from delivered files)."""

    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return safe(value)
