"""One nightly cycle from the CLI (ingest → build → gate → publish) under one writer lock, and
what it did (:class:`RunResult`, whose ``exit_code`` ``rolwh run`` returns)."""

from __future__ import annotations

from dataclasses import dataclass, field

from expectations.gate import run_gate
from ingest import run_ingest
from rolwh.core.errors import GateBlocked, NeedsAttention, RolwhError
from rolwh.core.faults import checkpoint
from rolwh.core.i18n import N_, _
from rolwh.core.settings import Settings
from rolwh.orchestration import notify
from rolwh.orchestration.attention import Item, attention_lines, needs_attention, worth_telling
from rolwh.orchestration.lock import writer_lock
from rolwh.orchestration.publication import publish_checked
from rolwh.orchestration.steps import build_marts, check_landing, quarantined, review_gate
from rolwh.report.quality_page import write_quality_page

EXIT_OK = 0
EXIT_GATE_BLOCKED = GateBlocked.exit_code
EXIT_ATTENTION = NeedsAttention.exit_code
#: The steps' names as the summary shows them.
STEP_NAMES = {"ingest": N_("ingest"), "build": N_("build"), "gate": N_("gate"), "publish": N_("publish")}


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
    review: list[Item] = field(default_factory=list)

    def render(self) -> str:
        lines = [_("nightly run")]
        for s in self.steps:
            state = s.state or (_("ok") if s.ok else _("FAILED"))
            lines.append(f"== {_(STEP_NAMES.get(s.name, s.name))}: {state}")
            lines.extend("   " + line for line in s.summary.rstrip().splitlines())
        todo = attention_lines(self.quarantined, self.review, self.attention)
        if todo:
            lines.append(_("== needs attention ({n}):").format(n=len(todo)))
            for item in todo:
                first, *rest = item.splitlines()
                lines += [f" - {first}", *(f"   {line}" for line in rest)]
        warnings = sorted((i for i in self.review if not i.acts), key=lambda i: not i.new)
        if warnings:
            lines.append(_("== warnings ({n}; new or changed ones in full):").format(n=len(warnings)))
            lines += [f" - {i.render().splitlines()[0]}" for i in warnings]
        lines.append(self._verdict())
        return "\n".join(lines)

    def _verdict(self) -> str:
        if self.exit_code == EXIT_GATE_BLOCKED:
            return _(
                "result: gate BLOCKED — nothing published, the previous publication stays (exit {code})"
            ).format(code=EXIT_GATE_BLOCKED)
        if self.exit_code == EXIT_ATTENTION:
            if self.published:
                return _("result: published, NEEDS ATTENTION — act on the above (exit {code})").format(
                    code=EXIT_ATTENTION
                )
            return _(
                "result: NEEDS ATTENTION — nothing published, the previous publication stays (exit {code})"
            ).format(code=EXIT_ATTENTION)
        if self.exit_code:
            return _("result: FAILED (exit {code})").format(code=self.exit_code)
        return _("result: ok, published") if self.published else _("result: ok")

    def notice(self, where: str) -> notify.Notice | None:
        """What to send about this run, None when there is nothing (new) to tell."""
        if self.exit_code == EXIT_OK:
            return None
        if self.exit_code == EXIT_GATE_BLOCKED:
            gate = next((s for s in self.steps if s.name == "gate"), None)
            blocking = [ln.strip() for ln in (gate.summary if gate else "").splitlines() if "BLOCKING" in ln]
            return notify.Notice(notify.BLOCKED, where, blocking)
        if self.exit_code == EXIT_ATTENTION:
            if not worth_telling(self.quarantined, self.review, self.attention):
                return None
            return notify.Notice(
                notify.ATTENTION, where, attention_lines(self.quarantined, self.review, self.attention)
            )
        failed = [f"{_(STEP_NAMES.get(s.name, s.name))}: {s.summary}" for s in self.steps if not s.ok]
        return notify.Notice(notify.FAILED, where, failed)


def run_nightly(
    settings: Settings,
    progress: bool = True,
    full_refresh: bool = False,
    *,
    wait_seconds: float = 0.0,
    accept_lower_closed_periods: str | None = None,
) -> RunResult:
    """One nightly cycle, then a notification of a failure, a block or new attention items.

    Exit 5 (published, needs attention): files quarantined, a freeze-blocking warning or an overdue
    feed open, a release that failed verification (the rest is published without it); exit 5 with
    nothing published: lower closed-period counts held the publication (see :func:`publish_checked`).
    Exit 7: the landing area is missing or unreadable (nothing is loaded or published). Exit 4
    (another run holds the lock) is raised and not notified: that run reports itself.
    """
    where = _("rolwh run on {home}").format(home=settings.home)
    try:
        result = _cycle(settings, progress, full_refresh, wait_seconds, accept_lower_closed_periods)
    except RolwhError as exc:
        if exc.exit_code != 4:
            notify.send(notify.Notice(notify.FAILED, where, [str(exc)]))
        raise
    except Exception as exc:
        notify.send(notify.Notice(notify.FAILED, where, [f"{type(exc).__name__}: {exc}"]))
        raise
    notice = result.notice(where)
    if notice is not None:
        notify.send(notice)
    return result


def _cycle(
    settings: Settings,
    progress: bool,
    full_refresh: bool,
    wait_seconds: float,
    accept_lower_closed_periods: str | None,
) -> RunResult:
    """Ingest all feeds, build, gate (nightly), publish if the gate passed; one writer at a time.
    A failed build raises DbtBuildError (recorded as the failed build step, with its exit code)."""

    result = RunResult()

    def fail(name: str, exc: RolwhError) -> RunResult:
        result.steps.append(StepOutcome(name, False, str(exc)))
        result.exit_code = exc.exit_code
        return result

    with writer_lock(settings, wait_seconds=wait_seconds, what="nightly run"):
        try:
            check_landing(settings)
            report = run_ingest(settings, feeds=None, progress=progress)
        except RolwhError as exc:
            return fail("ingest", exc)
        result.steps.append(StepOutcome("ingest", True, report.render()))
        result.quarantined = quarantined(settings, report)
        checkpoint("run.after_ingest")
        try:
            built = build_marts(settings, full_refresh=full_refresh, progress=progress)
        except RolwhError as exc:
            return fail("build", exc)
        result.steps.append(StepOutcome("build", True, built.render()))
        try:
            checkpoint("run.after_build")
            gate = run_gate(settings, mode="nightly", progress=progress)
            result.review = review_gate(settings, gate)
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
        state = None if outcome.published else _("HELD")
        result.steps.append(StepOutcome("publish", outcome.published, outcome.summary, state))
        result.published = outcome.published
        result.attention = outcome.attention
        if not outcome.published or needs_attention(result.quarantined, result.review, result.attention):
            result.exit_code = EXIT_ATTENTION
    return result
