"""The quality page that opens offline: ``docs_dir/quality.html`` from the gate's results.

For the latest gate run of each mode (nightly, freeze…; the JSON history under
``quality_dir/results`` that expectations.results writes next to ``audit.gate_runs``): every suite,
every expectation with its table, column, severity and pass/fail, and each failure's finding, which
names the delivered file and row (never a cell's value). One self-contained HTML file: inline CSS,
no script, no remote asset. GX Data Docs stay where the gate writes them but load public CDNs, so
this page is the one to open on an intranet.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolwh.core.i18n import _, is_english
from rolwh.core.settings import Settings
from rolwh.report.templates import environment

log = logging.getLogger(__name__)

QUALITY_PAGE = "quality.html"
#: keys of a result's ``observed`` the page shows (counts; never a list of values)
_OBSERVED_KEYS = ("element_count", "unexpected_count", "unexpected_percent", "observed_value", "exception")


@dataclass
class Check:
    expectation: str
    table: str
    column: str
    severity: str
    success: bool
    observed: str
    finding: str  # the failure's finding (file and row), empty when it passed


@dataclass
class Suite:
    name: str
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(not c.success for c in self.checks)


@dataclass
class Run:
    run_id: str
    mode: str
    year: int | None
    started_at: str
    finished_at: str
    passed: bool
    blocking: int
    warnings: int
    suites: list[Suite]

    @property
    def evaluated(self) -> int:
        return sum(len(s.checks) for s in self.suites)


def gate_histories(settings: Settings) -> list[dict[str, Any]]:
    """The gate's JSON histories, oldest first (unreadable files are skipped and logged)."""
    folder = settings.quality_dir / "results"
    runs = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            runs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            log.warning("quality page: skipping unreadable gate result %s: %s", path, exc)
    return sorted(runs, key=lambda r: str(r.get("finished_at", "")))


def latest_runs(histories: Iterable[dict[str, Any]]) -> list[Run]:
    """The latest run of each mode (its history order: oldest mode first)."""
    latest: dict[str, dict[str, Any]] = {}
    for run in histories:
        latest[str(run.get("mode"))] = run
    return [
        _run(r) for r in sorted(latest.values(), key=lambda r: str(r.get("finished_at", "")), reverse=True)
    ]


def _key(item: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        str(item.get("suite")),
        str(item.get("expectation")),
        str(item.get("table")),
        str(item.get("column")),
    )


def _observed(observed: object) -> str:
    if not isinstance(observed, dict):
        return str(observed or "")
    parts = []
    for key in _OBSERVED_KEYS:
        if key in observed and observed[key] is not None:
            value = observed[key]
            shown = f"{value:.2f}%" if key == "unexpected_percent" and isinstance(value, float) else value
            parts.append(f"{key}={shown}")
    return ", ".join(parts)


def _run(summary: dict[str, Any]) -> Run:
    findings: dict[tuple[str, str, str, str], list[str]] = {}
    for f in [*(summary.get("blocking_failures") or []), *(summary.get("warnings") or [])]:
        findings.setdefault(_key(f), []).append(str(f.get("message", "")))
    suites: dict[str, Suite] = {}
    for r in summary.get("results") or []:
        success = bool(r.get("success"))
        check = Check(
            expectation=str(r.get("expectation", "")),
            table=str(r.get("table", "")),
            column=str(r.get("column") or ""),
            severity=str(r.get("severity", "")),
            success=success,
            observed=_observed(r.get("observed")),
            finding="" if success else "; ".join(findings.get(_key(r), [])),
        )
        suites.setdefault(str(r.get("suite")), Suite(str(r.get("suite")))).checks.append(check)
    return Run(
        run_id=str(summary.get("run_id", "")),
        mode=str(summary.get("mode", "")),
        year=summary.get("year"),
        started_at=str(summary.get("started_at", "")),
        finished_at=str(summary.get("finished_at", "")),
        passed=bool(summary.get("passed")),
        blocking=len(summary.get("blocking_failures") or []),
        warnings=len(summary.get("warnings") or []),
        suites=list(suites.values()),
    )


def _labels() -> dict[str, str]:
    return {
        "title": _("Quality check results"),
        "generated": _("Written at {time}"),
        "none": _("No quality check has run yet: run `rolwh run` first."),
        "run": _("Gate run {run_id} ({mode})"),
        "year": _("year {year}"),
        "time": _("Started {started}, finished {finished}"),
        "passed": _("PASSED"),
        "blocked": _("BLOCKED"),
        "counts": _("{evaluated} expectations, {blocking} blocking failure(s), {warnings} warning(s)"),
        "suite_name": _("Suite: {name}"),
        "expectation": _("Expectation"),
        "table": _("Table"),
        "column": _("Column"),
        "severity": _("Severity"),
        "result": _("Result"),
        "observed": _("Observed"),
        "finding": _("Finding (file and row)"),
        "ok": _("passed"),
        "failed": _("failed"),
        "suite_counts": _("{checks} expectations, {failed} failed"),
    }


def render_quality_page(runs: list[Run], generated: dt.datetime) -> str:
    return (
        environment()
        .get_template("quality.html")
        .render(
            runs=runs,
            t=_labels(),
            lang="en" if is_english() else "zh-CN",
            generated=generated.strftime("%Y-%m-%d %H:%M:%S UTC"),
        )
    )


def write_quality_page(settings: Settings) -> Path:
    """Write ``docs_dir/quality.html`` from the gate's history (atomically); its path."""
    page = render_quality_page(latest_runs(gate_histories(settings)), dt.datetime.now(dt.UTC))
    settings.docs_dir.mkdir(parents=True, exist_ok=True)
    target = settings.docs_dir / QUALITY_PAGE
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target
