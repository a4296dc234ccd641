"""Files derived from the spec: dbt's ``_sources.yml`` and ``docs/contract.md`` from the feed contract
(:mod:`rolwh.core.contracts`), ``docs/indicators.md`` from the indicator dictionary (``indicators.csv``).

``python -m rolwh.report.specdocs`` says which are stale (exit 1) and ``--write`` rewrites them; a test
fails when one is stale, so a change of the contract or the dictionary carries its derived files.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

from rolwh.core.contracts import (
    EXPORT_DATE_PATTERN,
    FEEDS,
    FILE_SUFFIXES,
    FOOTER_PREFIXES,
    HEADER_SEARCH_ROWS,
    ID_LIST_SEPARATORS,
    LINEAGE_COLUMNS,
    MAX_FILE_BYTES,
    MAX_REJECTED_SHARE,
    MAX_XLSX_UNCOMPRESSED_BYTES,
    Column,
    Feed,
    Kind,
)
from rolwh.core.settings import DBT_PROJECT_DIR, REPO_ROOT
from rolwh.demo_data.targets import TARGETS_2024, YEAR

SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"
CONTRACT_MD = REPO_ROOT / "docs" / "contract.md"
INDICATORS_MD = REPO_ROOT / "docs" / "indicators.md"
INDICATORS_CSV = DBT_PROJECT_DIR / "seeds" / "indicators.csv"
COMMAND = "python -m rolwh.report.specdocs --write"

#: Lineage columns that every raw row has (dbt tests them not null on every source table).
NOT_NULL_LINEAGE = ("_file_name", "_file_sha256", "_export_date", "_row_number", "_load_id")
#: dbt source freshness (warn, error) in days by a feed's cadence in months; else 31/62 days a month.
FRESHNESS_DAYS = {1: (35, 62), 3: (100, 190)}

#: What a column of each kind accepts and what the raw layer keeps.
KIND_TEXT = {
    Kind.TEXT: "text, trimmed; blank = NULL",
    Kind.KEY: "identifier: NFKC, all white space removed",
    Kind.DATE: "date: `2024-03-05`, `2024/3/5`, `2024.3.5`, `2024年3月5日`, `20240305`, an Excel date or serial",
    Kind.DATETIME: "datetime: a date as above plus ` HH:MM` or ` HH:MM:SS`, local time (Asia/Shanghai)",
    Kind.DECIMAL: "decimal: thousands separators and full-width digits allowed; blank = NULL",
    Kind.INT: "whole number",
    Kind.CODE: "one of the listed codes after trimming and NFKC, else the row is rejected",
    Kind.COMMUNITY: "community text, matched in dbt staging against `seeds/communities.csv` (no match: `UNKNOWN`)",
    Kind.GRID: "dispatch grid: the community is the part before `第N网格` / `N网格`",
    Kind.PII_NAME: "PII: a name, dropped at ingest",
    Kind.PII_ID: "PII: resident ID → HMAC pseudonym `_pid` and check-character flag `_valid` (a wrong one is flagged, not rejected)",
    Kind.PII_ID_LIST: f"PII: several IDs joined by `{ID_LIST_SEPARATORS}` → pseudonyms `_pids` and `_invalid_count`",
    Kind.PII_PHONE: "PII: digits only, `+86` dropped, masked (`138****1208`) = missing → pseudonym `_pid`",
    Kind.PII_STAFF: "PII: staff number → pseudonym `_pid`",
}


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def _key_headers(feed: Feed) -> str:
    headers = [c.header for c in feed.columns for name, _ in c.raw_columns() if name in feed.key]
    return headers[0] if len(headers) == 1 else f"({', '.join(headers)})"


def _versions_note(feed: Feed) -> str:
    if feed.snapshot:
        return "a full snapshot per export, snapshots kept side by side"
    if feed.has_updated_at:
        return "the latest version wins by 更新时间, then export date, file name, row"
    return "no 更新时间: the latest export wins"


def sources_yml() -> str:
    """dbt's sources: every feed a table of source ``raw`` whose columns are the feed's raw columns."""
    lines = [
        f"# Generated from rolwh/core/contracts.py by `{COMMAND}`: do not edit by hand.",
        "version: 2",
        "",
        "sources:",
        "  - name: raw",
        "    description: >",
        "      The raw layer written by ingest: one table per feed, typed, NFKC-normalised, PII",
        "      pseudonymised, every version of every record kept, with lineage columns.",
        "    schema: raw",
        "    config:",
        "      loaded_at_field: _loaded_at",
        *_freshness_lines("      ", *FRESHNESS_DAYS[1]),
        "    tables:",
    ]
    for feed in FEEDS:
        description = f"{feed.title_zh} ({feed.system}), key {_key_headers(feed)}; {_versions_note(feed)}."
        lines += [f"      - name: {feed.name}", f"        description: {_quoted(description)}"]
        lines += _freshness(feed)
        lines.append("        columns:")
        for name, dtype in feed.raw_columns():
            lines += [f"          - name: {name}", f"            data_type: {_quoted(dtype)}"]
            if name in NOT_NULL_LINEAGE:
                lines.append("            data_tests: [not_null]")
    return "\n".join(lines) + "\n"


def _freshness(feed: Feed) -> list[str]:
    if feed.cadence_months is None:
        return ["        config:", "          freshness: null"]
    months = feed.cadence_months
    warn, error = FRESHNESS_DAYS.get(months, (31 * months + 4, 62 * months))
    out = ["        config:"]
    if feed.snapshot:
        out.append('          loaded_at_field: "cast(_export_date as timestamp)"')
    if not feed.snapshot and (warn, error) == FRESHNESS_DAYS[1]:
        return []  # the source's default
    return [*out, *_freshness_lines("          ", warn, error)]


def _freshness_lines(indent: str, warn: int, error: int) -> list[str]:
    return [
        f"{indent}freshness:",
        f"{indent}  warn_after: {{count: {warn}, period: day}}",
        f"{indent}  error_after: {{count: {error}, period: day}}",
    ]


def _column_row(col: Column, feed: Feed) -> str:
    if col.required:
        required = "R"
    elif col.required_when:
        required = f"R {col.required_when.describe(feed)}"
    else:
        required = ""
    rules = [" \\| ".join(col.codes)] if col.codes else []
    if col.blank_default is not None:
        rules.append(f"blank = {col.blank_default}")
    if col.min_value is not None or col.max_value is not None:
        low = "" if col.min_value is None else f"{col.min_value:g} ≤ "
        high = "" if col.max_value is None else f" ≤ {col.max_value:g}"
        rules.append(f"{low}value{high}")
    stored = ", ".join(f"`{n}` {t}" for n, t in col.raw_columns()) or "— (dropped)"
    return f"| {col.header} | {col.kind.value} | {required} | {'; '.join(rules)} | {stored} |"


def contract_md() -> str:
    """docs/contract.md: the landing area, the feeds and every column, from rolwh/core/contracts.py."""
    out = [
        "# The export contract",
        "",
        f"Generated from `rolwh/core/contracts.py` by `{COMMAND}`; do not edit by hand. Ingest, the raw",
        "DDL, dbt's sources, the demo generator and the quality gate all read that one definition.",
        "",
        "## Landing area and files",
        "",
        "- `$ROLWH_LANDING` (default `$ROLWH_HOME/landing`) holds one folder per feed; a file belongs to",
        f"  the feed of its folder. Accepted: {', '.join(f'`{s}`' for s in FILE_SUFFIXES)} (xlsx: first sheet);",
        "  anything else is quarantined with a reason.",
        f"- The file name holds its export date as 8 digits `YYYYMMDD` (pattern `{EXPORT_DATE_PATTERN.pattern}`);",
        "  a file without one is quarantined.",
        f"- The header is the first of the first {HEADER_SEARCH_ROWS} rows holding every required column,",
        "  matched after NFKC and removal of all white space. Unknown extra columns are reported, not loaded.",
        "- Blank rows, and rows whose key cell is blank or starts with "
        + " ".join(f"`{p}`" for p in FOOTER_PREFIXES)
        + ", are skipped.",
        "- A row with a missing required value, an unparseable date or number, or an unknown code is",
        "  rejected (file, row, column and reason recorded, never the value). Exact duplicate rows count once.",
        f"- A file missing a required column, or with more than {MAX_REJECTED_SHARE:.0%} of its data rows",
        f"  rejected, is quarantined whole; so is a file over {MAX_FILE_BYTES // 2**20} MB, an xlsx whose parts",
        f"  exceed {MAX_XLSX_UNCOMPRESSED_BYTES // 2**30} GB uncompressed, or one that cannot be read.",
        "- CSV encodings: UTF-8 with or without BOM, else GB18030. A file whose SHA-256 was loaded before is",
        "  skipped. For every file, rows read = loaded + rejected + skipped.",
        "- Every version of a record is kept; the latest version wins (per feed below). `记录状态 = 作废`",
        "  removes a record from every indicator, not from history.",
        "",
        "## Feeds",
        "",
        "| feed folder | system | what | usual format | key | export cadence | versions | latest-version model (key) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in FEEDS:
        cadence = f"{f.cadence_months} month(s)" if f.cadence_months else "event-driven"
        latest = f"`{f.latest_relation}` ({', '.join(f.latest_key)})" if f.latest_model else "—"
        out.append(
            f"| `{f.name}/` | {f.system} | {f.title_zh} | {f.usual_format} | {_key_headers(f)} | {cadence}"
            f" | {_versions_note(f)} | {latest} |"
        )
    for f in FEEDS:
        out += [
            "",
            f"### `{f.name}`: {f.title_zh}",
            "",
            f"Table `{f.table}`; e.g. `{f.example_file_name}`. R = required.",
            "",
            "| header | kind | required | accepted | raw layer |",
            "|---|---|---|---|---|",
            *(_column_row(c, f) for c in f.columns),
        ]
    out += ["", "## Kinds", "", "| kind | what |", "|---|---|"]
    out += [f"| {k.value} | {KIND_TEXT[k]} |" for k in Kind]
    out += ["", "## Lineage columns of every raw table", "", "| column | type |", "|---|---|"]
    out += [f"| `{n}` | {t} |" for n, t in LINEAGE_COLUMNS]
    out += [
        "",
        "Personal data never enters the warehouse in the clear: names are dropped, ID, phone and staff",
        "numbers become keyed HMAC-SHA256 pseudonyms (the key is configuration, never code).",
    ]
    return "\n".join(out) + "\n"


def read_dictionary(path: Path = INDICATORS_CSV) -> list[dict[str, str]]:
    """The indicator dictionary's rows, in file order."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _computed_as(row: dict[str, str]) -> str:
    numerator = f"`{row['numerator_measure']}`"
    if row["denominator_measure"]:
        numerator += f" / `{row['denominator_measure']}`"
    return f"{numerator} of `{row['family_model']}`"


def indicators_md() -> str:
    """docs/indicators.md: every indicator of the dictionary with its 口径, by source feed."""
    rows = read_dictionary()
    out = [
        "# Indicators (指标口径)",
        "",
        f"Generated from `dbt_project/seeds/indicators.csv` by `{COMMAND}`; do not edit by hand. The",
        "dictionary drives `int_indicator_observations` (each row names its family model and measures)",
        "and is published as `marts.dim_indicator`.",
        "",
        "## Rules for every indicator",
        "",
        "- P is a local calendar quarter or year. Each record counts in its latest version; voided",
        "  records (`记录状态 = 作废`) count nowhere.",
        "- `flow` counts events whose date falls in P; `cohort` looks at the records that entered in P,",
        "  as of the end of P; `stock` is the state at the end of P.",
        "- Every row carries `numerator`, `denominator` (NULL for counts) and `value`: the numerator of",
        "  a count, numerator / denominator of a ratio (NULL when the denominator is 0).",
        "- Year values are computed from the year's records, never from quarterly ratios. A flow count",
        "  over a year equals the sum of its quarters when it is additive (`is_additive`).",
        "- `ALL` is computed over all records: for flows and cohorts its numerator and denominator equal",
        "  the sums over the communities plus `UNKNOWN`. Subdistrict-scoped indicators have `ALL` only.",
        "- Days between dates are calendar days; durations between datetimes are seconds. A negative",
        "  duration stays in the denominator, never in the numerator.",
    ]
    for feed in FEEDS:
        of_feed = [r for r in rows if r["source_feed"] == feed.name]
        if not of_feed:
            continue
        out += [
            "",
            f"## `{feed.name}`: {feed.title_zh}",
            "",
            "| code | 名称 | name | unit | kind | scope | 定义 | 口径 (measures of the family model) | additive |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {r['indicator_code']} | {r['name_zh']} | {r['name_en']} | {r['unit']} | {r['kind']}"
            f" | {r['scope']} | {r['definition_zh']} | {_computed_as(r)} | {r['is_additive']} |"
            for r in of_feed
        ]
    names = {r["indicator_code"]: r["name_zh"] for r in rows}
    out += [
        "",
        f"## The annual report the demo data reproduces ({YEAR}, `ALL`)",
        "",
        "| code | 名称 | value |",
        "|---|---|---|",
    ]
    out += [f"| {code} | {names[code]} | {_figure(value)} |" for code, value in TARGETS_2024.items()]
    return "\n".join(out) + "\n"


def _figure(value: int | Fraction) -> str:
    return str(value) if isinstance(value, int) else f"{float(value):.4f}"


#: Every derived file and what writes it.
GENERATED: dict[Path, Callable[[], str]] = {
    SOURCES_YML: sources_yml,
    CONTRACT_MD: contract_md,
    INDICATORS_MD: indicators_md,
}


def stale() -> list[Path]:
    """The derived files whose content differs from what the spec generates now."""
    return [
        path
        for path, render in GENERATED.items()
        if not path.exists() or path.read_text(encoding="utf-8") != render()
    ]


def write() -> list[Path]:
    """Rewrite the stale derived files; returns them."""
    changed = stale()
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(GENERATED[path](), encoding="utf-8")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rolwh.report.specdocs", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--write", action="store_true", help="rewrite the stale files")
    args = parser.parse_args(argv)
    paths = write() if args.write else stale()
    for path in paths:
        shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        print(f"{'rewrote' if args.write else 'stale'}: {shown}")
    if paths and not args.write:
        print(f"run `{COMMAND}` and commit the result", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
