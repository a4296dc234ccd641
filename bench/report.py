"""The benchmark write-up: machine, versions, one table per scale, the target ratios and growth."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

TARGETS = (
    "rolwh csv ingestion ≥ 0.5× DuckDB read_csv throughput",
    "rolwh xlsx ingestion ≥ 5× pandas + openpyxl throughput",
    "nightly increment ≤ 10 % of a full rebuild",
    "peak memory < 4 GB (DuckDB memory_limit set)",
)


@dataclass(frozen=True)
class Row:
    row_id: str
    group: str
    what: str


def results_path(root: Path, scale: int, seed: int) -> Path:
    return root / f"results-k{scale}-s{seed}.json"


def machine() -> dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        mem = f"{mem_kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        mem = "?"
    return {"cores": str(os.cpu_count()), "memory": mem, "cpu": model, "os": platform.platform()}


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in (
        "duckdb",
        "dbt-core",
        "dbt-duckdb",
        "pandas",
        "pyarrow",
        "fastexcel",
        "python-calamine",
        "openpyxl",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "-"
    return out


def _fmt_rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def ratios(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, met?) for one scale."""
    rows = r["rows"]
    out = []

    def rate(k: str) -> float | None:
        x = rows.get(k)
        return x["rows"] / x["seconds"] if x and x["seconds"] > 0 else None

    if rate("rolwh_csv") and rate("duckdb_csv"):
        q = rate("rolwh_csv") / rate("duckdb_csv")
        with_tc = rows["duckdb_csv"]["seconds"] + rows["transcode"]["seconds"]
        q2 = rate("rolwh_csv") / (rows["duckdb_csv"]["rows"] / with_tc)
        out.append(
            (TARGETS[0], f"{q:.2f}× (vs read_csv + transcode: {q2:.2f}×)", "yes" if q >= 0.5 else "no")
        )
    if rate("rolwh_xlsx") and rate("pandas_xlsx"):
        q = rate("rolwh_xlsx") / rate("pandas_xlsx")
        fastest = max(rate(k) or 0 for k in ("calamine_xlsx", "fastexcel_xlsx"))
        lim = rate("rolwh_xlsx") / fastest if fastest else 0
        out.append(
            (TARGETS[1], f"{q:.1f}× (vs the fastest bare reader: {lim:.2f}×)", "yes" if q >= 5 else "no")
        )
    if "nightly" in rows and "rebuild" in rows:
        q = rows["nightly"]["seconds"] / rows["rebuild"]["seconds"]
        scratch = sum(rows[k]["seconds"] for k in ("rolwh_csv", "rolwh_xlsx", "dbt_full") if k in rows)
        q2 = rows["nightly"]["seconds"] / scratch if scratch else 0
        out.append(
            (
                TARGETS[2],
                f"{q2:.0%} of a rebuild from the landing area (ingest all + full build); "
                f"{q:.0%} of dbt --full-refresh alone",
                f"{'yes' if q2 <= 0.10 else 'no'} / {'yes' if q <= 0.10 else 'no'}",
            )
        )
    if "nightly_run" in rows and "rolwh_run" in rows:
        q = rows["nightly_run"]["seconds"] / rows["rolwh_run"]["seconds"]
        out.append(
            (
                "whole nightly `rolwh run` (with gate, publish) vs `rolwh run` from scratch (not a target)",
                f"{q:.0%}",
                "-",
            )
        )
    if rows:
        peak = max(x["peak_mb"] for x in rows.values())
        out.append((TARGETS[3], f"max {peak:,.0f} MB", "yes" if peak < 4096 else "no"))
    return out


def render(
    results: list[dict[str, Any]],
    plan: tuple[tuple[str, str, str], ...],
    command: str,
    started: str,
    memory_limit: str,
) -> str:
    m, v = machine(), versions()
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m bench` (`make bench`); do not edit by hand. Every measured step ran in a",
        "fresh process (peak RSS = that process and its children, e.g. dbt); imports happen before the",
        "clock starts.",
        "Ratios compare steps of the same run on the same files. Timings are never asserted in tests.",
        "",
        f"- rendered by: `{command}` ({started}); each scale names the run that measured it",
        f"- machine: {m['cores']} cores, {m['memory']}, {m['cpu']}; {m['os']}",
        "- versions: " + ", ".join(f"{k} {x}" for k, x in v.items()),
        f"- DuckDB memory_limit: {memory_limit} in every step (rolwh: `ROLWH_DUCKDB_MEMORY_LIMIT`)",
        "- the machine was shared with other engineers while this ran: the `load` column is the",
        "  1-minute load average before/after each step (2 cores).",
        "",
    ]
    for r in results:
        lines += [f"## Scale K={r['scale']} (seed {r['seed']}; landing `{r['landing']}`)", ""]
        if r.get("command"):
            lines += [f"Measured by `{r['command']}`, started {r.get('started')}.", ""]
        lines += [
            "| group | step | rows | seconds | rows/s | peak MB | load |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for row_id, group, what in plan:
            x = r["rows"].get(row_id)
            if x is None:
                lines.append(f"| {group} | {what} | (not run) | | | | |")
                continue
            unit = " files" if x.get("unit") == "files" else ""
            lines.append(
                f"| {group} | {what} | {x['rows']:,}{unit} | {x['seconds']:.2f} | "
                f"{'-' if unit else _fmt_rate(x['rows'], x['seconds'])} | {x['peak_mb']:,.0f} | "
                f"{x['load'][0]}→{x['load'][1]} |"
            )
        n, m = r.get("pandas_xlsx_sample", (0, 0))
        lines += [
            "",
            f"Files: every regular export except those of the last export day {r.get('last_day')} (the",
            "year); the nightly increment then adds that day's exports to the built warehouse (ingest",
            f"skips known files by hash). pandas + openpyxl read {n} of the {m} xlsx files (every n-th file;",
            "it is compared per row).",
        ]
        lines += ["", "| target | measured | met |", "|---|---|---|"]
        lines += [f"| {t} | {q} | {ok} |" for t, q, ok in ratios(r)]
        after = r.get("after") or {}
        if after.get("rolwh_csv") and after.get("duckdb_csv"):
            a, d, tc = after["rolwh_csv"], after["duckdb_csv"], after.get("transcode", {"seconds": 0})
            q = (a["rows"] / a["seconds"]) / (d["rows"] / d["seconds"])
            q2 = (a["rows"] / a["seconds"]) / (d["rows"] / (d["seconds"] + tc["seconds"]))
            lines += [
                "",
                "Re-measured back to back after the ingest changes in the notes (the csv files above):",
                "",
                "| step | rows | seconds | rows/s | peak MB | load |",
                "|---|---:|---:|---:|---:|---|",
            ]
            for key, what in (
                ("transcode", "transcode GB18030 → UTF-8 (files)"),
                ("duckdb_csv", "DuckDB read_csv → table"),
                ("rolwh_csv", "rolwh ingest, csv files"),
            ):
                x = after[key]
                rate = "-" if key == "transcode" else _fmt_rate(x["rows"], x["seconds"])
                lines.append(
                    f"| {what} | {x['rows']:,} | {x['seconds']:.2f} | {rate} | {x['peak_mb']:,.0f} | "
                    f"{x['load'][0]}→{x['load'][1]} |"
                )
            lines += [
                "",
                f"csv ratio after: {q:.2f}× DuckDB read_csv ({q2:.2f}× read_csv + transcode); target 0.5×.",
            ]
        lines.append("")
    if len(results) >= 2:
        lo, hi = results[0], results[-1]
        lines += [
            f"## Growth K={lo['scale']} → K={hi['scale']}",
            "",
            "Seconds per row at the large scale ÷ seconds per row at the small one (≤ 1: the step grows no",
            "faster than its input; fixed per-file and start-up costs make small scales look slow per row).",
            "",
            "| step | rows × | seconds × | per-row time × |",
            "|---|---:|---:|---:|",
        ]
        for row_id, _group, what in plan:
            a, b = lo["rows"].get(row_id), hi["rows"].get(row_id)
            if not a or not b or not a["rows"] or not b["rows"] or a.get("unit"):
                continue
            rx, sx = b["rows"] / a["rows"], b["seconds"] / a["seconds"]
            lines.append(f"| {what} | {rx:.1f} | {sx:.1f} | {sx / rx:.2f} |")
        lines.append("")
    notes = Path(__file__).with_name("notes.md")
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    return "\n".join(lines)
