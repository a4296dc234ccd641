"""The operator's run summary: what failed, what did not run, and what to do about quarantined files."""

from __future__ import annotations

from rolwh.core.settings import Settings
from rolwh.orchestration.airflow_tasks import (
    render_run_summary,
)
from rolwh.orchestration.nightly import (
    EXIT_GATE_BLOCKED,
    RunResult,
    StepOutcome,
)
from rolwh.orchestration.steps import (
    quarantine_action,
)


def test_summary_names_failed_step_with_its_reason_and_steps_that_did_not_run(settings: Settings) -> None:
    action = quarantine_action(settings, "petitions", "信访事项导出_20240331.xlsx", "missing header 登记日期")
    text, bad = render_run_summary(
        "rol_nightly manual__1",
        {
            "ingest_petitions": {
                "ok": True,
                "summary": "1 file loaded",
                "quarantined": [{"feed": "petitions", "file_name": "x", "action": action}],
            },
            "build": {
                "ok": False,
                "retryable": False,
                "error": "disputes.xlsx row 7 column 登记日期: not a date",
            },
            "gate": None,
        },
    )
    assert bad == ["build", "gate"]
    assert "build: FAILED — disputes.xlsx row 7 column 登记日期: not a date" in text
    assert "gate: did not run" in text
    assert "信访事项导出_20240331.xlsx" in text and "missing header 登记日期" in text
    assert str(settings.landing / "petitions") in text
    assert "no automatic retry" in text
    assert text.rstrip().endswith("Result: FAILED: build, gate")


def test_summary_of_a_clean_run_says_ok() -> None:
    text, bad = render_run_summary("t", {"build": {"ok": True, "summary": "12 models"}})
    assert bad == []
    assert text.rstrip().endswith("Result: ok")


def test_blocked_gate_renders_exit_3_and_keeps_previous_publication() -> None:
    result = RunResult(exit_code=EXIT_GATE_BLOCKED, steps=[StepOutcome("gate", False, "rate > 1")])
    text = result.render()
    assert "gate: FAILED" in text and "previous publication stays" in text and "exit 3" in text


def test_only_transient_errors_are_retried() -> None:
    from rolwh.core.errors import (
        DataError,
        FreezeError,
        GateBlocked,
        NeedsAttention,
        SettingsError,
        WarehouseBusy,
    )
    from rolwh.orchestration.airflow_tasks import _retry_helps

    assert not _retry_helps(DataError("disputes.xlsx row 3 column 登记日期: not a date"))
    assert not _retry_helps(GateBlocked("blocked"))
    assert not _retry_helps(SettingsError("no pseudonymisation key"))
    assert not _retry_helps(FreezeError("2024 is already frozen"))  # matched by its class, not its name
    assert not _retry_helps(NeedsAttention("a release failed verification"))
    assert _retry_helps(WarehouseBusy("another run"))  # the other run ends; waiting helps
    assert _retry_helps(OSError("disk busy"))
