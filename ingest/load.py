"""Loading one file: parse set-wise in DuckDB, then raw rows + rejected rows + audit row in ONE transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.cell_notices import cell_notices
from ingest.discover import LandingFile
from ingest.grid import grid_view, leading_rows, normalise_grid, scan_grid
from ingest.headers import HeaderMatch, find_header
from ingest.isolate import environment_fault
from ingest.parse_sql import MACROS, ParsePlan, build_parse_sql, free_text_positions
from ingest.pseudonymize import hmac_macro_sql
from ingest.quarantine import Quarantine
from ingest.readers import read_sheet
from ingest.report import FileResult
from rolwh.core.contracts import LINEAGE_COLUMNS, MAX_REJECTED_SHARE, Feed, Kind, feed
from rolwh.core.faults import checkpoint
from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.core.sql import literal as q
from rolwh.core.warehouse import checked_key, connect, ensure_schema

if TYPE_CHECKING:
    import duckdb

GRID = "rolwh_grid"
PARSED = "rolwh_parsed"


def open_warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The writer connection with the raw/audit schema and the temp parse + HMAC macros."""

    con = connect(settings)
    # Checkpoint (write the WAL's rows into the database file) every 256 MB of WAL instead of
    # DuckDB's 16 MB: each checkpoint rewrites the raw tables' last, growing row groups, so at
    # 16 MB a K=100 csv ingest spent ~1 s in commits; now ~0.3 s plus ~0.3 s in the final
    # checkpoint at close. Durability is unchanged: every commit is in the WAL, replayed on open.
    con.execute("set checkpoint_threshold = '256MB'")
    ensure_schema(con)
    # checked_key refuses a key other than the one the warehouse was written with
    con.execute(hmac_macro_sql(checked_key(con, settings)))
    for macro in MACROS:
        con.execute(macro)
    return con


@dataclass(frozen=True)
class Recorded:
    status: str
    reason: str | None


def recorded(con: duckdb.DuckDBPyConnection, lf: LandingFile) -> Recorded | None:
    """The audit record of this exact (feed, file name, content), if any."""
    row = con.execute(
        "select status, reason from audit.file_loads where feed = ? and file_name = ? and sha256 = ? "
        "order by loaded_at desc limit 1",
        [lf.feed, lf.name, lf.sha256],
    ).fetchone()
    return Recorded(row[0], row[1]) if row else None


def earlier_load_of_content(con: duckdb.DuckDBPyConnection, lf: LandingFile) -> str | None:
    """The name of an earlier file of this feed with the same content that was loaded, if any."""
    row = con.execute(
        "select file_name from audit.file_loads where feed = ? and sha256 = ? and status = 'loaded' "
        "order by loaded_at limit 1",
        [lf.feed, lf.sha256],
    ).fetchone()
    return row[0] if row else None


def insert_file_row(
    con: duckdb.DuckDBPyConnection, lf: LandingFile, r: FileResult, loaded_at: dt.datetime
) -> None:
    con.execute(
        "insert into audit.file_loads (load_id, file_name, feed, sha256, status, export_date, size_bytes, "
        "rows_read, rows_loaded, rows_rejected, rows_skipped, reason, notices, loaded_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            r.load_id,
            lf.name,
            lf.feed,
            lf.sha256,
            r.status,
            lf.export_date,
            lf.size_bytes,
            r.rows_read,
            r.rows_loaded,
            r.rows_rejected,
            r.rows_skipped,
            r.reason,
            r.notices,
            loaded_at,
        ],
    )


def record_only(con: duckdb.DuckDBPyConnection, lf: LandingFile, status: str, reason: str) -> FileResult:
    """Commit an audit row for a file that is not read (quarantined unread, or duplicate content)."""
    result = FileResult(lf.name, lf.feed, lf.sha256, status, reason=reason, load_id=new_load_id())
    con.begin()
    try:
        insert_file_row(con, lf, result, dt.datetime.now())
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return result


def new_load_id() -> str:
    return uuid.uuid4().hex


def load_file(
    con: duckdb.DuckDBPyConnection, lf: LandingFile, workdir: Path, source: Path | None = None
) -> FileResult:
    """Read, parse, validate and load one file; quarantine-worthy problems are recorded, not raised.

    ``source`` is the path to read the content by (default ``lf.path``; the runner passes the
    descriptor it hashed). Returns the result after its transaction committed. A Quarantine result
    still needs its file moved by the caller (after the commit, so a crash never loses the audit
    row). Any other exception leaves nothing of the file in the warehouse (its transaction is
    rolled back) and is for the caller to isolate (ingest.isolate).
    """
    f = feed(lf.feed)
    try:
        sheet = read_sheet(con, source or lf.path, workdir, f)
        header = find_header(f, leading_rows(sheet.cells))
    except Quarantine as q:
        if q.__cause__ is not None and environment_fault(q.__cause__):
            raise q.__cause__ from None  # a full disk while reading is not the file's fault
        return record_only(con, lf, "quarantined", str(q))
    grid = normalise_grid(sheet.cells, nfkc=parsed_positions(f, header))
    reader_notices = sheet.notices
    del sheet
    with grid_view(con, grid, GRID) as width:
        scan = scan_grid(grid, header.positions.values(), free_text_positions(f, header.positions))
        plan = build_parse_sql(f, header.positions, width, GRID, header.row_number, scan)
        _check_outputs(f, plan)
        errors = ", ".join(name for name, _ in plan.errors)
        con.execute(
            f"create or replace temp table {PARSED} as select *, "
            f"(_skip_reason is null and coalesce({errors}) is not null) as _rejected "
            f"from ({plan.sql})"
        )
    del grid
    try:
        # notices of the reader (which sheet) and of the parse (cells cleaned or masked): shape only
        notices = [*reader_notices, *cell_notices(con, PARSED, plan)]
        return _commit(con, f, lf, plan, header, notices)
    finally:
        con.execute(f"drop table if exists {PARSED}")


def parsed_positions(f: Feed, header: HeaderMatch) -> set[int]:
    """Grid columns whose cells the parse reads (NFKC'd): contract columns except names (dropped)."""
    kinds = {c.name: c.kind for c in f.columns}
    return {i for name, i in header.positions.items() if kinds[name] is not Kind.PII_NAME}


def _check_outputs(f: Feed, plan: ParsePlan) -> None:
    expected = tuple(name for name, _ in f.raw_columns()[: -len(LINEAGE_COLUMNS)])
    if plan.outputs != expected:  # a contract kind without a parse rule: a programming error
        raise AssertionError(f"parse plan of {f.name} produces {plan.outputs}, raw table has {expected}")


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int, str | None]:
    """(rows read, skipped, rejected, note on the skipped rows) of the parse table, in one scan."""
    groups = con.execute(
        f"select _skip_reason, count(*), count(*) filter (where _rejected) from {PARSED} group by all order by 1"
    ).fetchall()
    read = sum(n for _why, n, _r in groups)
    rejected = sum(r for _why, _n, r in groups)
    reasons = [(why, n) for why, n, _r in groups if why is not None]
    skipped = sum(n for _why, n in reasons)
    counted = ", ".join(_("{n} {why}").format(n=n, why=_(why)) for why, n in reasons)
    skipped_note = _("skipped rows: {counts}").format(counts=counted) if reasons else None
    return read, skipped, rejected, skipped_note


def _commit(
    con: duckdb.DuckDBPyConnection,
    f: Feed,
    lf: LandingFile,
    plan: ParsePlan,
    header: HeaderMatch,
    cell_notes: list[str],
) -> FileResult:
    read, skipped, rejected, skipped_note = _counts(con)
    data_rows = read - skipped
    notices = _("; ").join(n for n in (header.notices(), skipped_note, *cell_notes) if n) or None
    load_id = new_load_id()
    result = FileResult(
        lf.name,
        lf.feed,
        lf.sha256,
        "loaded",
        rows_read=read,
        rows_skipped=skipped,
        notices=notices,
        load_id=load_id,
    )
    too_many = data_rows > 0 and rejected / data_rows > MAX_REJECTED_SHARE
    if too_many:
        result.status = "quarantined"
        result.rows_rejected = data_rows
        result.reason = _(
            "{rejected} of {rows} data rows rejected ({share:.0%}), more than {limit:.0%}: whole file "
            "quarantined (reasons per row and column in audit.rejected_rows, shown by `rolwh status`); "
            "correct those rows and deliver the file again"
        ).format(rejected=rejected, rows=data_rows, share=rejected / data_rows, limit=MAX_REJECTED_SHARE)
    else:
        result.rows_rejected = rejected
        result.rows_loaded = data_rows - rejected
    loaded_at = dt.datetime.now()
    params = {"load_id": load_id, "file": lf.name, "feed": lf.feed, "sha": lf.sha256}
    con.begin()
    try:
        if not too_many:
            insert_raw_rows(con, f, lf, plan, load_id, loaded_at)
        insert_rejected_rows(con, plan, params)
        checkpoint("ingest.before_commit")
        insert_file_row(con, lf, result, loaded_at)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return result


def insert_raw_rows(
    con: duckdb.DuckDBPyConnection,
    f: Feed,
    lf: LandingFile,
    plan: ParsePlan,
    load_id: str,
    loaded_at: dt.datetime,
) -> None:
    lineage = ", ".join(name for name, _ in LINEAGE_COLUMNS)
    outputs = ", ".join(plan.outputs)
    con.execute(
        f"insert into {f.table} ({outputs}, {lineage}) "
        f"select {outputs}, $file, $sha, $export_date, _row_number, $load_id, $loaded_at "
        f"from {PARSED} where _skip_reason is null and not _rejected order by _row_number",
        {
            "file": lf.name,
            "sha": lf.sha256,
            "export_date": lf.export_date,
            "load_id": load_id,
            "loaded_at": loaded_at,
        },
    )


def insert_rejected_rows(con: duckdb.DuckDBPyConnection, plan: ParsePlan, params: dict[str, str]) -> None:
    """One audit row per bad (row, column): the reason, never the value."""

    parts = " union all ".join(
        f"select _row_number, {q(header)} as column_name, {name} as reason from {PARSED} where {name} is not null"
        for name, header in plan.errors
    )
    con.execute(
        "insert into audit.rejected_rows (load_id, file_name, feed, sha256, row_number, column_name, reason) "
        f"select $load_id, $file, $feed, $sha, _row_number, column_name, reason from ({parts}) "
        "order by _row_number, column_name",
        params,
    )
