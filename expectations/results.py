"""The gate's verdict and where it is kept: findings, the result of a run, its JSON history under
``quality_dir/results`` and its row in ``audit.gate_runs``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from expectations.checks import BLOCKING, COMPLETENESS
from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.core.sql import table_exists

if TYPE_CHECKING:
    import duckdb


GATE_RUNS_DDL = """
create table if not exists audit.gate_runs (
    run_id varchar primary key,
    mode varchar not null,
    year integer,
    started_at timestamp not null,
    finished_at timestamp not null,
    passed boolean not null,
    blocking_count integer not null,
    warning_count integer not null,
    expectations_evaluated integer not null,
    data_docs_path varchar,
    summary_json varchar not null
)
"""


@dataclass(frozen=True)
class Finding:
    """A failed expectation: which suite, expectation, table and column, and what was found."""

    suite: str
    expectation: str
    table: str
    column: str | None
    severity: str  # blocking | completeness | warning (as configured)
    message: str  # what was found, in words
    unexpected_count: int | None = None

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return _("[{suite}] {expectation} on {where}: {message}").format(
            suite=self.suite, expectation=self.expectation, where=where, message=self.message
        )


class GateRun(NamedTuple):
    """One row of ``audit.gate_runs`` (:data:`GATE_RUNS_DDL`), its columns in order."""

    run_id: str
    mode: str
    year: int | None
    started_at: dt.datetime
    finished_at: dt.datetime
    passed: bool
    blocking_count: int
    warning_count: int
    expectations_evaluated: int
    data_docs_path: str | None
    summary_json: str


@dataclass
class GateResult:
    """The verdict of one gate run."""

    mode: str
    year: int | None
    run_id: str
    started_at: dt.datetime
    finished_at: dt.datetime
    blocking_failures: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    data_docs_path: Path | None = None
    results_path: Path | None = None
    evaluated: int = 0
    results: list[dict[str, object]] = field(default_factory=list)  # one per expectation, JSON-ready

    @property
    def passed(self) -> bool:
        return not self.blocking_failures

    def summary(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "mode": self.mode,
            "year": self.year,
            "passed": self.passed,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": self.finished_at.isoformat(timespec="seconds"),
            "expectations_evaluated": self.evaluated,
            "blocking_failures": [asdict(f) | {"text": str(f)} for f in self.blocking_failures],
            "warnings": [asdict(f) | {"text": str(f)} for f in self.warnings],
            "data_docs_path": str(self.data_docs_path) if self.data_docs_path else None,
            "results": self.results,
        }

    def render(self) -> str:
        """The verdict, every finding (what failed, where) and what to do, in the reader's language."""
        head = _("PASSED") if self.passed else _("BLOCKED")
        mode = _("freeze") if self.mode == "freeze" else _("nightly")
        scope = _("{mode} for {year}").format(mode=mode, year=self.year) if self.year else mode
        lines = [
            _(
                "quality gate ({scope}): {verdict} — {n} expectations, {blocking} blocking failure(s), "
                "{warnings} warning(s)"
            ).format(
                scope=scope,
                verdict=head,
                n=self.evaluated,
                blocking=len(self.blocking_failures),
                warnings=len(self.warnings),
            )
        ]
        lines += [_("  BLOCKING {finding}").format(finding=f) for f in self.blocking_failures]
        lines += [_("  warning  {finding}").format(finding=f) for f in self.warnings]
        if self.data_docs_path:
            lines.append(_("  data docs: {path}").format(path=self.data_docs_path))
        if not self.passed:
            lines.append(
                _(
                    "  what to do: nothing was published; correct the files or rows named above (deliver "
                    "a corrected export) and run again; the data docs show every check"
                )
            )
        return "\n".join(lines)


def classify(severity: str, mode: str) -> bool:
    """True when a failure of this severity blocks in this mode."""
    return severity == BLOCKING or (severity == COMPLETENESS and mode == "freeze")


def write_history(settings: Settings, result: GateResult) -> Path:
    folder = settings.quality_dir / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.run_id}.json"
    path.write_text(json.dumps(result.summary(), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


def record_run(con: duckdb.DuckDBPyConnection, result: GateResult) -> None:
    con.execute("create schema if not exists audit")
    con.execute(GATE_RUNS_DDL)
    summary = result.summary()
    summary.pop("results")
    con.execute(
        "insert into audit.gate_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.run_id,
            result.mode,
            result.year,
            result.started_at,
            result.finished_at,
            result.passed,
            len(result.blocking_failures),
            len(result.warnings),
            result.evaluated,
            str(result.data_docs_path) if result.data_docs_path else None,
            json.dumps(summary, ensure_ascii=False, default=str),
        ],
    )


def latest_gate_run(con: duckdb.DuckDBPyConnection) -> GateRun | None:
    """The last recorded gate run (for status pages and the dashboard), or None."""
    if not table_exists(con, "audit", "gate_runs"):
        return None
    row = con.execute(
        f"select {', '.join(GateRun._fields)} from audit.gate_runs order by finished_at desc limit 1"
    ).fetchone()
    return None if row is None else GateRun(*row)
