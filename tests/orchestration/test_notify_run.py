"""`rolwh run` through the real CLI on a small demo landing area with a planted file full of personal
data: exit 5 (published, needs attention), a Chinese e-mail and webhook naming the quarantined files
and what to do, never a personal value; the next run tells the still-open items as "open since" and
sends nothing new."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import notify_env

pytestmark = pytest.mark.slow

TEST_KEY = "notify-run-test-key-0123456789abcdef012345"
PLANTED = "信访事项导出_20240415.csv"
#: A name, an ID number and a phone number that must appear in no notification.
PII = ("欧阳清扬", "110101199003074477", "13912345678")


def _rolwh(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rolwh.cli", *args], env=env, capture_output=True, text=True, timeout=1500
    )


def test_cli_run_needs_attention_and_notifies_in_chinese_without_personal_data(
    tmp_path: Path, smtp_server, webhook_server
) -> None:
    from rolwh.demo_data import generate
    from tests.support.pii import NeedleIndex, collect_pii

    smtp_server.messages.clear()
    webhook_server.bodies.clear()
    home = tmp_path / "home"
    generate(home / "landing", seed=7, scale=1)
    # a petitions export without its 登记日期 column: quarantined, with a name, ID and phone inside
    (home / "landing" / "petitions" / PLANTED).write_text(
        "信访件编号,信访人,证件号码,联系电话\nXF-1,{},{},{}\n".format(*PII), encoding="utf-8"
    )
    as_delivered = tmp_path / "as-delivered"
    shutil.copytree(home / "landing", as_delivered)
    needles = collect_pii(as_delivered).needles() | set(PII)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROLWH_", "AIRFLOW"))}
    env |= {"ROLWH_HOME": str(home), "ROLWH_KEY": TEST_KEY, "ROLWH_SETTLE_SECONDS": "0"}
    env |= notify_env(smtp_server, webhook_server, "dingtalk")

    first = _rolwh(env, "run", "--quiet")
    out = first.stdout + first.stderr
    assert first.returncode == 5, out[-4000:]
    assert "结果：已发布，需要处理" in out and "Traceback" not in out
    assert (home / "serving" / "rolwh.duckdb").exists()
    (mail,) = smtp_server.messages
    (hook,) = webhook_server.bodies
    body, text = mail.get_content(), hook["markdown"]["text"]
    assert mail["Subject"].startswith("rolwh：夜间运行已发布，需要处理")
    assert hook["markdown"]["title"] == mail["Subject"]
    for message in (body, text):
        assert f"petitions/{PLANTED} 已被隔离" in message  # the file, named
        assert (
            "更正后的文件报送至" in message and str(home / "landing" / "petitions") in message
        )  # what to do
        assert "自 2025-" in message and "没有新的导出文件" in message  # the demo's feeds are overdue
        assert NeedleIndex(needles).find(message) == set(), "a personal value in the notification"
    assert NeedleIndex(needles).find(out) == set()

    second = _rolwh(env, "run", "--quiet")
    again = second.stdout + second.stderr
    assert second.returncode == 5, again[-4000:]  # still open: the overdue feeds block a freeze
    assert "起未解决" in again and "已被隔离" not in again
    assert len(smtp_server.messages) == 1 and len(webhook_server.bodies) == 1  # nothing new: not sent again
