"""The operator's run summary: what failed, what did not run, and what to do about quarantined files."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from expectations.checks import COMPLETENESS, WARNING
from expectations.results import Finding
from rolwh.core.settings import Settings
from rolwh.orchestration.airflow_tasks import (
    render_run_summary,
    summarise,
)
from rolwh.orchestration.attention import state_path, to_json, track
from rolwh.orchestration.nightly import (
    EXIT_ATTENTION,
    EXIT_GATE_BLOCKED,
    RunResult,
    StepOutcome,
)
from rolwh.orchestration.steps import (
    quarantine_action,
)


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLWH_LANG", "en")


def test_summary_names_failed_step_with_its_reason_and_steps_that_did_not_run(
    settings: Settings, english: None
) -> None:
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


def test_summary_of_a_clean_run_says_ok(english: None) -> None:
    text, bad = render_run_summary("t", {"build": {"ok": True, "summary": "12 models"}})
    assert bad == []
    assert text.rstrip().endswith("Result: ok")


def test_blocked_gate_renders_exit_3_and_keeps_previous_publication(english: None) -> None:
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


ID_CHECK = Finding(
    "warn_ids", "ExpectColumnValuesToBeInSet", "raw.petitions", "id_valid", WARNING, "3 of 90 rows", 3
)
GAP = Finding(
    "completeness_exports",
    "ExpectColumnValuesToBeBetween",
    "audit.file_loads",
    "excess_days",
    COMPLETENESS,
    "petitions: gap of 70 days between exports 20240131 and 20240410",
    1,
)


def test_a_warning_is_new_once_then_open_since_and_new_again_when_it_changes(settings: Settings) -> None:
    day1, day2, day3 = dt.date(2026, 12, 1), dt.date(2026, 12, 2), dt.date(2026, 12, 3)
    first = track(settings, [ID_CHECK, GAP], day1, set())
    assert [(i.new, i.acts, i.since) for i in first] == [
        (True, False, "2026-12-01"),
        (True, True, "2026-12-01"),
    ]
    second = track(settings, [ID_CHECK, GAP], day2, set())
    assert [i.new for i in second] == [False, False] and {i.since for i in second} == {"2026-12-01"}
    assert "自 2026-12-01 起未解决" in second[0].render()
    changed = Finding(**{**ID_CHECK.__dict__, "message": "5 of 95 rows", "unexpected_count": 5})
    third = track(settings, [changed], day3, set())  # the gap is gone: dropped from the state
    assert [(i.new, i.since) for i in third] == [(True, "2026-12-01")]  # same identity, counts changed
    assert list(json.loads(state_path(settings).read_text(encoding="utf-8"))) == [
        "warn_ids/ExpectColumnValuesToBeInSet|raw.petitions|id_valid"
    ]
    assert track(settings, [GAP], day3, set())[0].since == "2026-12-03"  # back again: new


def test_run_with_quarantined_file_is_published_needs_attention_exit_5(settings: Settings) -> None:
    action = quarantine_action(settings, "petitions", "信访事项导出_20240331.xlsx", "缺少必填列 登记日期")
    result = RunResult(
        exit_code=EXIT_ATTENTION,
        published=True,
        quarantined=[{"feed": "petitions", "file_name": "信访事项导出_20240331.xlsx", "action": action}],
    )
    text = result.render()
    assert "== 需要处理（1 项）：" in text and "petitions/信访事项导出_20240331.xlsx 已被隔离" in text
    assert text.endswith("结果：已发布，需要处理——请按上述要求处理（退出码 5）")
    notice = result.notice("rolwh run")
    assert notice is not None and notice.outcome == "attention" and action in notice.lines


def test_still_open_items_keep_exit_5_but_are_not_sent_again(settings: Settings) -> None:
    track(settings, [GAP], dt.date(2026, 12, 1), set())
    items = track(settings, [GAP, ID_CHECK], dt.date(2026, 12, 2), set())
    result = RunResult(exit_code=EXIT_ATTENTION, published=True, review=items)
    assert result.notice("rolwh run") is None  # the gap was told yesterday; the new one only warns
    assert "自 2026-12-01 起未解决" in result.render()


def test_airflow_summary_states_ok_attention_blocked_failed(settings: Settings) -> None:
    gap = to_json(track(settings, [GAP], dt.date(2026, 12, 1), set()))
    attention = summarise(
        "t", {"gate": {"ok": True, "summary": "PASSED", "review": gap}, "publish": {"ok": True}}
    )
    assert (attention.state, attention.failed, attention.attention, attention.tell) == (
        "attention",
        [],
        ["gate"],
        True,
    )
    assert any("excess_days" in line for line in attention.notice_lines)
    blocked = summarise("t", {"gate": {"ok": False, "blocked": True, "error": "rate > 1"}, "publish": None})
    assert (blocked.state, blocked.failed) == ("blocked", ["gate", "publish"])
    failed = summarise("t", {"build": {"ok": False, "retryable": True, "error": "OSError"}, "gate": None})
    assert failed.state == "failed" and failed.notice_lines == ["build: OSError"]
    assert summarise("t", {"build": {"ok": True}}).state == "ok"
