"""One measured step, run in a fresh process: ``python -m bench.step NAME JSON``; prints one result line.

The parent starts one process per step, so the peak RSS reported here (this process and its
children, e.g. dbt) belongs to that step alone. Imports happen before the clock starts.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULT_PREFIX = "BENCH_RESULT "
STEPS: dict[str, Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]] = {}


def step(name: str) -> Callable:
    def register(func: Callable) -> Callable:
        STEPS[name] = func
        return func

    return register


def _settings(args: dict[str, Any]):  # -> Settings
    from rolwh.core.settings import load_settings

    return load_settings(home=args["home"], landing=args.get("landing"))


def _csv_width(path: Path) -> int:
    from ingest.csv_reader import _head_width

    return _head_width(path)


def _duckdb(path: str, memory_limit: str):  # -> DuckDBPyConnection
    import duckdb

    return duckdb.connect(path, config={"memory_limit": memory_limit})


# -- the limit ------------------------------------------------------------------------------------
@step("transcode")
def transcode(args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """GB18030 csv files to UTF-8 (DuckDB cannot read GB18030 here); other csv files are linked."""
    from ingest.csv_reader import detect_encoding, transcode_to_utf8

    out = Path(args["out"])
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for i, p in enumerate(map(Path, args["files"])):
        target = out / f"{i:05d}.csv"
        if detect_encoding(p) == "gb18030":
            transcode_to_utf8(p, "gb18030", target)
            n += 1
        else:
            target.symlink_to(p)
    return n, {"unit": "files"}


@step("duckdb_read_csv")
def duckdb_read_csv(args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """DuckDB's native read_csv of every (UTF-8) csv file into a table of a DuckDB file."""
    import duckdb

    con = _duckdb(args["db"], args["memory_limit"])
    rows = 0
    for i, p in enumerate(sorted(Path(args["dir"]).iterdir())):
        width = _csv_width(p)
        columns = "{" + ", ".join(f"'c{j}': 'VARCHAR'" for j in range(width)) + "}"
        sql = (
            f"create table t{i} as select * from read_csv($p, header = false, auto_detect = false, "
            f"columns = {columns}, null_padding = true, strict_mode = false, max_line_size = 9999999PARALLEL)"
        )
        try:
            con.execute(sql.replace("PARALLEL", ""), {"p": str(p)})
        except duckdb.Error as exc:  # as rolwh does: quoted newlines + null padding need the serial reader
            if "parallel" not in str(exc):
                raise
            con.execute(sql.replace("PARALLEL", ", parallel = false"), {"p": str(p)})
        rows += con.execute(f"select count(*) from t{i}").fetchall()[0][0]
    con.close()
    return rows, {}


@step("calamine_xlsx")
def calamine_xlsx(args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """python-calamine reading the first sheet of every xlsx file (no validation)."""
    from python_calamine import CalamineWorkbook

    rows = 0
    for p in args["files"]:
        rows += len(CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python(skip_empty_area=False))
    return rows, {}


@step("fastexcel_xlsx")
def fastexcel_xlsx(args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """fastexcel reading the first sheet of every xlsx file into Arrow, every cell as text (no validation)."""
    import fastexcel

    rows = 0
    for p in args["files"]:
        rows += (
            fastexcel.read_excel(p)
            .load_sheet(0, header_row=None, skip_rows=0, dtypes="string")
            .to_arrow()
            .num_rows
        )
    return rows, {}


# -- the common alternative -----------------------------------------------------------------------
@step("pandas_csv")
def pandas_csv(args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """pandas.read_csv (default C engine, with the file's encoding) appended into DuckDB."""
    import pandas as pd

    from ingest.csv_reader import detect_encoding

    con = _duckdb(args["db"], args["memory_limit"])
    rows = 0
    for i, p in enumerate(map(Path, args["files"])):
        enc = detect_encoding(p)
        with p.open(encoding=enc, newline="") as fh:
            width = max(len(line.split(",")) for _, line in zip(range(20), fh, strict=False))
        df = pd.read_csv(p, encoding=enc, header=None, dtype=str, names=range(width), engine="c")
        df.columns = [f"c{j}" for j in range(df.shape[1])]
        con.register("df", df)
        con.execute(f"create table t{i} as select * from df")
        con.unregister("df")
        rows += len(df)
    con.close()
    return rows, {}


@step("pandas_xlsx")
def pandas_xlsx(args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """pandas.read_excel (openpyxl, its default for xlsx) appended into DuckDB."""
    import pandas as pd

    con = _duckdb(args["db"], args["memory_limit"])
    rows = 0
    for i, p in enumerate(args["files"]):
        df = pd.read_excel(p, engine="openpyxl", header=None, dtype=str)
        df.columns = [f"c{j}" for j in range(df.shape[1])]
        con.register("df", df)
        con.execute(f"create table t{i} as select * from df")
        con.unregister("df")
        rows += len(df)
    con.close()
    return rows, {}


# -- rolwh ----------------------------------------------------------------------------------------
@step("rolwh_ingest")
def rolwh_ingest(args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``run_ingest`` of a landing view (validation, pseudonymisation, audit included)."""
    import duckdb  # noqa: F401 - imported before the clock
    import pyarrow.compute  # noqa: F401

    from ingest import run_ingest

    s = _settings(args)
    started = time.perf_counter()
    report = run_ingest(s, progress=False)
    args["_seconds"] = time.perf_counter() - started
    rows = sum(f.rows_read for f in report.files)
    return rows, {"files": len(report.files), "loaded": sum(f.rows_loaded for f in report.files)}


def _raw_rows(s) -> int:
    from rolwh.core.contracts import FEEDS
    from rolwh.core.warehouse import connect

    con = connect(s, read_only=True)
    try:
        return sum(con.execute(f"select count(*) from {f.table}").fetchall()[0][0] for f in FEEDS)
    finally:
        con.close()


@step("dbt_build")
def dbt_build(args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``rolwh build`` (dbt build: seeds, models, tests) without docs; full refresh or incremental."""
    from rolwh.transform.build import build

    s = _settings(args)
    started = time.perf_counter()
    result = build(s, full_refresh=bool(args.get("full_refresh")), docs=False)
    args["_seconds"] = time.perf_counter() - started
    return _raw_rows(s), {"nodes": len(result.nodes), "ok": result.ok}


@step("nightly_increment")
def nightly_increment(args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One night's increment: ingest the new exports (older files skipped by hash) + incremental dbt build."""
    import duckdb  # noqa: F401
    import pyarrow.compute  # noqa: F401

    from ingest import run_ingest
    from rolwh.transform.build import build

    s = _settings(args)
    started = time.perf_counter()
    report = run_ingest(s, progress=False)
    result = build(s, docs=False)
    args["_seconds"] = time.perf_counter() - started
    return sum(f.rows_read for f in report.files), {"files": len(report.files), "ok": result.ok}


@step("rolwh_run")
def rolwh_run(args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``rolwh run`` end to end: ingest, dbt build + docs, gate, publish; rows = rows read by this run."""
    import duckdb  # noqa: F401
    import pyarrow.compute  # noqa: F401

    from rolwh.orchestration.nightly import run_nightly

    s = _settings(args)
    before = sum(f.rows_read for f in _file_loads(s)) if s.warehouse_path.exists() else 0
    started = time.perf_counter()
    result = run_nightly(s, progress=False)
    args["_seconds"] = time.perf_counter() - started
    rows = sum(f.rows_read for f in _file_loads(s)) - before
    return rows, {"exit_code": result.exit_code, "published": result.published}


def _file_loads(s):
    from types import SimpleNamespace

    from rolwh.core.warehouse import connect

    con = connect(s, read_only=True)
    try:
        return [
            SimpleNamespace(rows_read=r[0])
            for r in con.execute("select rows_read from audit.file_loads").fetchall()
        ]
    finally:
        con.close()


#: Modules each step imports before its clock starts (the venv may run without bytecode caches).
PRELOAD: dict[str, tuple[str, ...]] = {
    "pandas_csv": ("pandas", "openpyxl"),
    "pandas_xlsx": ("pandas", "openpyxl"),
    "calamine_xlsx": ("python_calamine",),
    "fastexcel_xlsx": ("fastexcel",),
    "rolwh_ingest": ("fastexcel", "ingest.runner", "ingest.load"),
    "nightly_increment": ("fastexcel", "ingest.runner", "ingest.load", "rolwh.transform.build"),
    "rolwh_run": (
        "fastexcel",
        "ingest.runner",
        "ingest.load",
        "rolwh.transform.build",
        "expectations.gate",
        "rolwh.serving.publish",
    ),
}


def main(argv: list[str]) -> int:
    import importlib

    name, args = argv[0], json.loads(argv[1])
    func = STEPS[name]
    for module in ("duckdb", "pyarrow", "pyarrow.compute", "ingest.readers", *PRELOAD.get(name, ())):
        importlib.import_module(module)
    started = time.perf_counter()
    rows, extra = func(args)
    seconds = args.get("_seconds", time.perf_counter() - started)
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(RESULT_PREFIX + json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_kb / 1024, **extra}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
