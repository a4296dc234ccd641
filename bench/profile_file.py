"""Where one file's ingest spends its time: ``python -m bench.profile_file FEED PATH``.

Runs the phases of :func:`ingest.load.load_file` one by one on an in-memory DuckDB (same readers,
parse query and inserts) and prints seconds and µs per row for each, then the costliest
expressions of the parse query. The first file of a process includes one-off costs (as in a task).
"""

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from ingest import csv_reader, grid, readers
from ingest.discover import describe
from ingest.headers import find_header
from ingest.load import GRID, PARSED, _counts, insert_raw_rows, insert_rejected_rows, parsed_positions
from ingest.parse_sql import MACROS, ColumnSql, _outputs, _parsed, build_parse_sql, free_text_positions
from ingest.pseudonymize import hmac_macro_sql
from rolwh.core.contracts import feed
from rolwh.core.warehouse import ensure_schema

fname, path = sys.argv[1], Path(sys.argv[2])
con = duckdb.connect()
ensure_schema(con)
con.execute(hmac_macro_sql(b"k" * 40))
for m in MACROS:
    con.execute(m)
T = {}


def t(k, fn):
    t0 = time.perf_counter()
    r = fn()
    T[k] = T.get(k, 0) + time.perf_counter() - t0
    return r


w = Path(tempfile.mkdtemp())
lf = t("sha256+stat", lambda: describe(fname, path))
if path.suffix == ".csv":
    src = t("utf-8 check / transcode", lambda: csv_reader.utf8_source(path, w))
    sheet = t("read_csv -> arrow", lambda: csv_reader.read_csv_sheet(con, src, w))
else:
    sheet = t("xlsx -> arrow", lambda: readers.read_sheet(con, path, w, feed(fname)).cells)
f = feed(fname)
h = t("find header", lambda: find_header(f, grid.leading_rows(sheet)))
g = t("NFKC/trim (arrow)", lambda: grid.normalise_grid(sheet, nfkc=parsed_positions(f, h)))
view = grid.grid_view(con, g, GRID)
width = view.__enter__()  # the parse reads the Arrow grid through this view (no copy)
plan = build_parse_sql(
    f,
    h.positions,
    width,
    GRID,
    h.row_number,
    grid.scan_grid(g, h.positions.values(), free_text_positions(f, h.positions)),
)
errors = ", ".join(name for name, _ in plan.errors)
t(
    "parse+validate+HMAC query",
    lambda: con.execute(
        f"create or replace temp table {PARSED} as select *, (_skip_reason is null and "
        f"coalesce({errors}) is not null) as _rejected from ({plan.sql})"
    ),
)
t("counts", lambda: _counts(con))

t("insert raw (+ order by)", lambda: insert_raw_rows(con, f, lf, plan, "x", dt.datetime.now()))
t(
    "insert rejected",
    lambda: insert_rejected_rows(con, plan, {"load_id": "x", "file": "f", "feed": fname, "sha": "s"}),
)
n = g.num_rows
tot = sum(T.values())
print(f"{path.name}: {n} rows, {tot:.2f}s, {n / tot:,.0f} rows/s")
for k, v in T.items():
    print(f"  {k:<28}{v:7.2f}s {v / tot:5.0%} {v / n * 1e6:8.1f} us/row")
# expression costs inside the parse query
sql = plan.sql
base = sql[: sql.rindex("select _row_number, _skip_reason")]


def best(q):
    b = 9e9
    for _ in range(2):
        t0 = time.perf_counter()
        con.execute(q).fetchall()
        b = min(b, time.perf_counter() - t0)
    return b


t0 = best(f"select count(*) from ({base} select * from data_rows)")
print(f"  [query] rows_after_header+dedupe window: {t0:.2f}s")
con.execute(f"create or replace temp table pp as {base} select * from parsed")
colsql = [ColumnSql(c, h.positions.get(c.name)) for c in f.columns]
parsed_of = {cs.column.name: f"p_{cs.column.name}" for cs in colsql}
items = []
dr = f"({base} select * from data_rows)"
for cs in colsql:
    nm = cs.column.name
    items.append(
        (
            f"parse {nm} ({cs.column.kind.value})",
            best(f"select count({_parsed(cs.column, f's_{nm}')}) from {dr}") - t0,
        )
    )
    for on, e in _outputs(cs.column, f"p_{nm}"):
        if e != f"p_{nm}":
            items.append((f"output {on}", best(f"select count({e}) from pp")))
for k, v in sorted(items, key=lambda x: -x[1])[:8]:
    print(f"  [query] {k:<40}{v:6.2f}s {v / n * 1e6:7.1f} us/row")
