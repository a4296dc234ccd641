"""Notifications reach a real SMTP server and a real HTTP receiver on loopback, in Chinese, and a
failing channel never fails the run."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rolwh.core.errors import SettingsError
from rolwh.core.settings import notify_settings
from rolwh.orchestration import notify

from .conftest import _free_port, notify_env

TEST_KEY = "notify-test-key-0123456789abcdef0123456789"
FILE = "petitions/信访事项导出_20240331.xlsx"


def _notice() -> notify.Notice:
    return notify.Notice(notify.ATTENTION, "rolwh run", [f"{FILE}: 缺少必填列 登记日期"], "/x/summary.md")


@pytest.fixture(autouse=True)
def _empty(smtp_server, webhook_server) -> None:
    smtp_server.messages.clear()
    webhook_server.bodies.clear()


@pytest.mark.parametrize("preset", ["generic", "wecom", "dingtalk"])
def test_email_and_webhook_in_chinese_with_the_preset_shape(smtp_server, webhook_server, preset: str) -> None:
    sent = notify.send(_notice(), notify_settings(notify_env(smtp_server, webhook_server, preset)))
    assert sent == ["e-mail", f"webhook ({preset})"]
    (mail,) = smtp_server.messages
    assert mail["Subject"] == "rolwh：夜间运行已发布，需要处理（rolwh run）"
    assert mail["To"] == "ops@example.org, chief@example.org"
    body = mail.get_content()
    assert "情况及处理要求" in body and FILE in body and "/x/summary.md" in body
    (hook,) = webhook_server.bodies
    if preset == "wecom":
        assert hook["msgtype"] == "markdown" and set(hook["markdown"]) == {"content"}
        text = hook["markdown"]["content"]
    elif preset == "dingtalk":
        assert hook["msgtype"] == "markdown" and hook["markdown"]["title"] == mail["Subject"]
        text = hook["markdown"]["text"]
    else:
        assert hook["title"] == mail["Subject"]
        text = hook["text"]
    assert text.startswith("### rolwh：夜间运行已发布") and FILE in text


def test_english_with_rolwh_lang_en(smtp_server, webhook_server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLWH_LANG", "en")
    notify.send(_notice(), notify_settings(notify_env(smtp_server, webhook_server)))
    assert (
        smtp_server.messages[0]["Subject"]
        == "rolwh: the nightly run published, and needs attention (rolwh run)"
    )


def test_a_failing_channel_logs_one_line_and_the_other_still_delivers(
    smtp_server, webhook_server, caplog: pytest.LogCaptureFixture
) -> None:
    env = notify_env(smtp_server, webhook_server) | {
        "ROLWH_NOTIFY_SMTP_PORT": str(_free_port())
    }  # nobody there
    with caplog.at_level(logging.ERROR, logger="rolwh.orchestration.notify"):
        sent = notify.send(notify.Notice(notify.FAILED, "x", ["build: dbt failed"]), notify_settings(env))
    assert sent == ["webhook (generic)"] and len(webhook_server.bodies) == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "e-mail" in errors[0].getMessage()
    assert "t0k3n" not in caplog.text  # a robot URL's token is never logged


def test_no_channel_configured_sends_nothing() -> None:
    assert notify.send(_notice(), notify_settings({})) == []


def test_a_bad_preset_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="ROLWH_NOTIFY_WEBHOOK_PRESET"):
        notify_settings({"ROLWH_NOTIFY_WEBHOOK_PRESET": "slack"})


def test_missing_landing_folder_exits_7_publishes_nothing_and_notifies(
    tmp_path: Path, smtp_server, webhook_server
) -> None:
    home, landing = tmp_path / "home", tmp_path / "share-not-mounted"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROLWH_", "AIRFLOW"))}
    env |= {"ROLWH_HOME": str(home), "ROLWH_KEY": TEST_KEY} | notify_env(smtp_server, webhook_server, "wecom")
    done = subprocess.run(
        [sys.executable, "-m", "rolwh.cli", "run", "--quiet", "--landing", str(landing)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 7, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"接收目录 {landing} 不存在" in done.stdout + done.stderr
    assert not landing.exists() and not (home / "serving").exists()
    (mail,) = smtp_server.messages
    assert mail["Subject"].startswith("rolwh：夜间运行失败") and str(landing) in mail.get_content()
    assert str(landing) in webhook_server.bodies[0]["markdown"]["content"]
