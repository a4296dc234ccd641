"""``python -m bench [--scales 1,100] [--seed 2024] [--out docs/benchmarks.md]``: measure, write the table."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.report import render, results_path
from bench.step import RESULT_PREFIX

REPO = Path(__file__).resolve().parent.parent
EXPORT_NAME = re.compile(r"_(\d{8})\.(?:csv|xlsx)$")
#: openpyxl reads ~1 ms a row here: above this many bytes of xlsx the pandas row reads a sample.
PANDAS_XLSX_BYTES = 8 * 2**20
BENCH_KEY = "bench-key-0123456789abcdef0123456789abcdef"

#: (id, group, what, step name) in table order; rows of one scale share one landing area.
PLAN: tuple[tuple[str, str, str], ...] = (
    ("transcode", "limit", "transcode GB18030 csv to UTF-8 (Python codec; not in the read_csv row)"),
    ("duckdb_csv", "limit", "DuckDB read_csv → table, all csv files (UTF-8)"),
    ("calamine_xlsx", "limit", "python-calamine read to Python lists, all xlsx files (no validation)"),
    ("fastexcel_xlsx", "limit", "fastexcel read to Arrow, all xlsx files (no validation; rolwh's reader)"),
    ("pandas_csv", "pandas", "pandas read_csv (C engine, encoding) → DuckDB, all csv files"),
    ("pandas_xlsx", "pandas", "pandas read_excel (openpyxl) → DuckDB, xlsx files (a sample when large)"),
    ("rolwh_csv", "rolwh", "rolwh ingest, csv files (detect/transcode, validate, pseudonymise, audit)"),
    ("rolwh_xlsx", "rolwh", "rolwh ingest, xlsx files (same)"),
    ("dbt_full", "rolwh", "dbt build --full-refresh (seeds, models, tests; no docs)"),
    ("nightly", "rolwh", "nightly increment: ingest last export day + incremental dbt build"),
    ("rebuild", "rolwh", "full rebuild of the same warehouse (dbt build --full-refresh)"),
    (
        "nightly_run",
        "rolwh",
        "nightly rolwh run: the year's warehouse + last export day (ingest, build, docs, gate, publish)",
    ),
    ("rolwh_run", "rolwh", "rolwh run end to end, fresh home (ingest, build + docs, gate, publish)"),
)


def bench_root() -> Path:
    return Path(os.environ.get("ROLWH_BENCH_DIR", "/tmp/rolwh-bench"))


def landing_for(scale: int, seed: int) -> Path:
    """The demo landing area of (scale, seed), generated once, cached (renamed into place when complete)."""
    target = bench_root() / f"landing-k{scale}-s{seed}"
    if target.is_dir():
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    print(f"generating {target} (rolwh demo-data --scale {scale}) ...", flush=True)
    subprocess.run(
        [
            str(REPO / ".venv/bin/rolwh"),
            "demo-data",
            "--scale",
            str(scale),
            "--seed",
            str(seed),
            "--out",
            str(partial),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    partial.rename(target)
    return target


def regular_files(landing: Path, suffix: str) -> list[Path]:
    """Regular export files ``<stem>_YYYYMMDD<suffix>`` (the deliberately broken names left out)."""
    return sorted(p for p in landing.glob(f"*/*{suffix}") if p.is_file() and EXPORT_NAME.search(p.name))


def export_day(p: Path) -> str:
    m = EXPORT_NAME.search(p.name)
    return m.group(1) if m else ""


def sample(files: list[Path], max_bytes: int) -> list[Path]:
    """Every n-th file so that the sample holds about ``max_bytes`` (for the very slow openpyxl path)."""
    total = sum(p.stat().st_size for p in files)
    n = max(1, -(-total // max_bytes))
    return files[::n]


def view(landing: Path, files: list[Path], out: Path) -> Path:
    """A landing area of hard links to ``files`` (feed folders kept): one warehouse takes them in
    parts. Not symlinks: ingest never follows a symbolic link (it quarantines it)."""
    shutil.rmtree(out, ignore_errors=True)
    for f in files:
        (out / f.parent.name).mkdir(parents=True, exist_ok=True)
        (out / f.parent.name / f.name).hardlink_to(f)
    return out


def run_step(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its result line, plus the load average around it."""
    env = {
        **os.environ,
        "ROLWH_KEY": BENCH_KEY,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PYTHONPATH": str(REPO),
    }
    env.pop("ROLWH_KEY_FILE", None)
    load_before = os.getloadavg()[0]
    wall = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.step", name, json.dumps(args)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - wall
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"bench step {name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(lines[-1][len(RESULT_PREFIX) :])
    result["load"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    result["wall"] = wall
    return result


def bench_scale(scale: int, seed: int, memory_limit: str, save: callable) -> dict[str, Any]:
    landing = landing_for(scale, seed)
    work = bench_root() / f"run-k{scale}-s{seed}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    all_csv, all_xlsx = regular_files(landing, ".csv"), regular_files(landing, ".xlsx")
    last = max(export_day(p) for p in all_csv + all_xlsx)
    # the "year": every regular export but the last export day's; that day is the nightly increment
    csvs = [p for p in all_csv if export_day(p) != last]
    xlsxs = [p for p in all_xlsx if export_day(p) != last]
    pandas_xlsxs = sample(xlsxs, PANDAS_XLSX_BYTES)
    results: dict[str, Any] = {
        "scale": scale,
        "seed": seed,
        "landing": str(landing),
        "rows": {},
        "last_day": last,
        "pandas_xlsx_sample": [len(pandas_xlsxs), len(xlsxs)],
    }
    common = {"memory_limit": memory_limit}

    def measure(row_id: str, step: str, args: dict[str, Any]) -> None:
        print(f"  k={scale} {row_id} ...", flush=True)
        results["rows"][row_id] = run_step(step, {**common, **args})
        save(results)

    measure("transcode", "transcode", {"files": [str(p) for p in csvs], "out": str(work / "utf8")})
    measure("duckdb_csv", "duckdb_read_csv", {"dir": str(work / "utf8"), "db": str(work / "limit.duckdb")})
    measure("calamine_xlsx", "calamine_xlsx", {"files": [str(p) for p in xlsxs]})
    measure("fastexcel_xlsx", "fastexcel_xlsx", {"files": [str(p) for p in xlsxs]})
    measure(
        "pandas_csv", "pandas_csv", {"files": [str(p) for p in csvs], "db": str(work / "pandas_csv.duckdb")}
    )
    measure(
        "pandas_xlsx",
        "pandas_xlsx",
        {"files": [str(p) for p in pandas_xlsxs], "db": str(work / "pandas_xlsx.duckdb")},
    )
    # rolwh: the year's csv files then its xlsx files into one warehouse, then a full dbt build
    h1 = str(work / "home-year")
    measure("rolwh_csv", "rolwh_ingest", {"home": h1, "landing": str(view(landing, csvs, work / "view-csv"))})
    measure(
        "rolwh_xlsx", "rolwh_ingest", {"home": h1, "landing": str(view(landing, xlsxs, work / "view-xlsx"))}
    )
    measure("dbt_full", "dbt_build", {"home": h1, "full_refresh": True})
    # the next night: the landing area now also holds the last day's exports (older files are skipped)
    night = str(view(landing, all_csv + all_xlsx, work / "view-night"))
    h2 = work / "home-year-run"  # the same year's warehouse, for the whole nightly `rolwh run`
    shutil.copytree(h1, h2, symlinks=True)
    measure("nightly", "nightly_increment", {"home": h1, "landing": night})
    measure("rebuild", "dbt_build", {"home": h1, "landing": night, "full_refresh": True})
    measure("nightly_run", "rolwh_run", {"home": str(h2), "landing": night})
    # end to end on a fresh home over the whole landing area (broken files included)
    everything = sorted(p for p in landing.glob("*/*") if p.is_file())
    measure(
        "rolwh_run",
        "rolwh_run",
        {"home": str(work / "home-run"), "landing": str(view(landing, everything, work / "view-run"))},
    )
    return results


def remeasure_csv(scale: int, seed: int, memory_limit: str, save: callable, results: dict[str, Any]) -> None:
    """Re-measure the csv limit and rolwh's csv ingestion back to back (after a change to ingest)."""
    landing = landing_for(scale, seed)
    work = bench_root() / f"run-k{scale}-s{seed}"
    all_csv = regular_files(landing, ".csv")
    last = max(export_day(p) for p in all_csv + regular_files(landing, ".xlsx"))
    csvs = [p for p in all_csv if export_day(p) != last]
    after: dict[str, Any] = {}
    results["after"] = after
    common = {"memory_limit": memory_limit}
    shutil.rmtree(work / "utf8-after", ignore_errors=True)
    shutil.rmtree(work / "home-after", ignore_errors=True)
    for row_id, step, args in (
        ("transcode", "transcode", {"files": [str(p) for p in csvs], "out": str(work / "utf8-after")}),
        (
            "duckdb_csv",
            "duckdb_read_csv",
            {"dir": str(work / "utf8-after"), "db": str(work / "limit-after.duckdb")},
        ),
        (
            "rolwh_csv",
            "rolwh_ingest",
            {"home": str(work / "home-after"), "landing": str(view(landing, csvs, work / "view-csv-after"))},
        ),
    ):
        (work / "limit-after.duckdb").unlink(missing_ok=True) if row_id == "duckdb_csv" else None
        print(f"  k={scale} after: {row_id} ...", flush=True)
        after[row_id] = run_step(step, {**common, **args})
        save(results)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--scales", default="1,100", help="comma-separated demo scales K (default 1,100)")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"))
    p.add_argument(
        "--memory-limit",
        default=os.environ.get("ROLWH_DUCKDB_MEMORY_LIMIT", "2GB"),
        help="DuckDB memory_limit of every step (rolwh's settings.memory_limit)",
    )
    p.add_argument(
        "--render-only",
        action="store_true",
        help="only rewrite --out from the saved results of --scales (no measuring)",
    )
    p.add_argument(
        "--remeasure-csv",
        action="store_true",
        help="keep the saved results of --scales and add a back-to-back re-measurement of csv ingestion",
    )
    args = p.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    os.environ["ROLWH_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    done: dict[int, dict[str, Any]] = {}

    def save(results: dict[str, Any]) -> None:
        if not args.render_only:
            results.setdefault("command", command)
            results.setdefault("started", started)
        done[results["scale"]] = results
        results_path(bench_root(), results["scale"], results["seed"]).write_text(
            json.dumps(results, indent=1)
        )
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(
            render([done[k] for k in sorted(done)], PLAN, command, started, args.memory_limit)
        )

    if args.remeasure_csv:
        for scale in scales:
            results = json.loads(results_path(bench_root(), scale, args.seed).read_text())
            remeasure_csv(scale, args.seed, args.memory_limit, save, results)
        print(Path(args.out).read_text())
        return 0
    if args.render_only:
        for scale in scales:
            save(json.loads(results_path(bench_root(), scale, args.seed).read_text()))
        print(Path(args.out).read_text())
        return 0
    for scale in scales:
        print(f"scale {scale}", flush=True)
        bench_scale(scale, args.seed, args.memory_limit, save)
    print(Path(args.out).read_text())
    return 0


__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
