"""One nightly cycle from the CLI (ingest → build → gate → publish) under one writer lock, and
what it did (:class:`RunResult`, whose ``exit_code`` ``rolwh run`` returns)."""

from __future__ import annotations

from dataclasses import dataclass, field

from expectations.gate import run_gate
from ingest import run_ingest
from rolwh.core.errors import GateBlocked, NeedsAttention, RolwhError
from rolwh.core.faults import checkpoint
from rolwh.core.settings import Settings
from rolwh.orchestration.lock import writer_lock
from rolwh.orchestration.publication import publish_checked
from rolwh.orchestration.steps import build_marts, quarantined
from rolwh.report.quality_page import write_quality_page

EXIT_OK = 0
EXIT_GATE_BLOCKED = GateBlocked.exit_code
EXIT_ATTENTION = NeedsAttention.exit_code


@dataclass
class StepOutcome:
    name: str
    ok: bool
    summary: str
    state: str | None = None  # shown instead of ok / FAILED (e.g. HELD)


@dataclass
class RunResult:
    """What one nightly cycle did; ``exit_code`` is what ``rolwh run`` returns."""

    exit_code: int = EXIT_OK
    steps: list[StepOutcome] = field(default_factory=list)
    quarantined: list[dict[str, str]] = field(default_factory=list)
    published: bool = False
    attention: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = ["nightly run"]
        for s in self.steps:
            lines.append(f"== {s.name}: {s.state or ('ok' if s.ok else 'FAILED')}")
            lines.extend("   " + line for line in s.summary.rstrip().splitlines())
        if self.quarantined:
            lines.append(f"== {len(self.quarantined)} file(s) quarantined — to do:")
            lines.extend(f" - {q['action']}" for q in self.quarantined)
        if self.attention:
            lines.append(f"== needs attention ({len(self.attention)}):")
            for item in self.attention:
                first, *rest = item.splitlines()
                lines += [f" - {first}", *(f"   {line}" for line in rest)]
        lines.append(self._verdict())
        return "\n".join(lines)

    def _verdict(self) -> str:
        if self.exit_code == EXIT_GATE_BLOCKED:
            return "result: gate BLOCKED — nothing published, the previous publication stays (exit 3)"
        if self.exit_code == EXIT_ATTENTION:
            done = (
                "published; act on the above"
                if self.published
                else "nothing published, the previous publication stays"
            )
            return f"result: NEEDS ATTENTION — {done} (exit {EXIT_ATTENTION})"
        if self.exit_code:
            return f"result: FAILED (exit {self.exit_code})"
        return "result: ok, published" if self.published else "result: ok"


def run_nightly(
    settings: Settings,
    progress: bool = True,
    full_refresh: bool = False,
    *,
    wait_seconds: float = 0.0,
    accept_lower_closed_periods: str | None = None,
) -> RunResult:
    """Ingest all feeds, build, gate (nightly), publish if the gate passed; one writer at a time.

    A failed build raises DbtBuildError (recorded as the failed build step, with its exit code).
    Exit 5 (needs attention): a release failed verification (the rest is published without it), or
    lower closed-period counts held the publication (see :func:`publish_checked`).
    """

    result = RunResult()

    def fail(name: str, exc: RolwhError) -> RunResult:
        result.steps.append(StepOutcome(name, False, str(exc)))
        result.exit_code = exc.exit_code
        return result

    with writer_lock(settings, wait_seconds=wait_seconds, what="nightly run"):
        try:
            report = run_ingest(settings, feeds=None, progress=progress)
        except RolwhError as exc:
            return fail("ingest", exc)
        result.steps.append(StepOutcome("ingest", True, report.render()))
        result.quarantined = quarantined(settings, report)
        checkpoint("run.after_ingest")
        try:
            built = build_marts(settings, full_refresh=full_refresh)
        except RolwhError as exc:
            return fail("build", exc)
        result.steps.append(StepOutcome("build", True, built.render()))
        try:
            checkpoint("run.after_build")
            gate = run_gate(settings, mode="nightly")
            write_quality_page(settings)  # readable offline, blocked or not
        except RolwhError as exc:
            return fail("gate", exc)
        result.steps.append(StepOutcome("gate", bool(gate.passed), gate.render()))
        if not gate.passed:
            result.exit_code = EXIT_GATE_BLOCKED
            return result
        checkpoint("run.after_gate")
        try:
            outcome = publish_checked(settings, accept_lower_closed_periods=accept_lower_closed_periods)
        except RolwhError as exc:
            return fail("publish", exc)
        state = None if outcome.published else "HELD"
        result.steps.append(StepOutcome("publish", outcome.published, outcome.summary, state))
        result.published = outcome.published
        result.attention = outcome.attention
        if outcome.attention:
            result.exit_code = EXIT_ATTENTION
    return result
