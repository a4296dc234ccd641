"""Telling people when a nightly run failed, was blocked by the gate or needs attention: e-mail over
SMTP and a JSON webhook (generic, or the Enterprise WeChat / DingTalk robots' markdown), both set by
``ROLWH_NOTIFY_*`` (:class:`rolwh.core.settings.NotifySettings`).

The message is in the reader's language (Chinese by default). It is composed only of what the run
says about files, rows, columns and checks: never a delivered cell's value. A channel that fails
logs one line and never fails the run; each is tried once, with a timeout.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from rolwh.core.i18n import N_, _
from rolwh.core.settings import NotifySettings, notify_settings

log = logging.getLogger(__name__)

FAILED, BLOCKED, ATTENTION = "failed", "blocked", "attention"
#: The title of each outcome (``{where}``: the run).
TITLES = {
    FAILED: N_("rolwh: the nightly run FAILED ({where})"),
    BLOCKED: N_("rolwh: the quality gate blocked the nightly run, nothing was published ({where})"),
    ATTENTION: N_("rolwh: the nightly run published, and needs attention ({where})"),
}
#: The longest line a notice carries (a long gate report is cut: the run summary has it all).
MAX_LINE = 1500
MAX_LINES = 40


@dataclass
class Notice:
    """What to tell: the outcome, which run, what happened and what to do (one entry each)."""

    outcome: str  # failed | blocked | attention
    where: str
    lines: list[str] = field(default_factory=list)
    summary_path: str | None = None

    @property
    def title(self) -> str:
        return _(TITLES[self.outcome]).format(where=self.where)

    def markdown(self) -> str:
        shown = [_cut(line) for line in self.lines[:MAX_LINES]]
        out = [f"### {self.title}", "", _("What happened and what to do:"), ""]
        for line in shown:
            first, *rest = line.splitlines() or [""]
            out += [f"- {first}", *(f"  {r}" for r in rest)]
        if len(self.lines) > MAX_LINES:
            out.append("- " + _("… and {n} more (see the run summary)").format(n=len(self.lines) - MAX_LINES))
        if self.summary_path:
            out += ["", _("Run summary: {path}").format(path=self.summary_path)]
        return "\n".join(out)


def _cut(line: str) -> str:
    return line if len(line) <= MAX_LINE else line[:MAX_LINE] + " …"


def webhook_payload(preset: str, title: str, text: str) -> dict[str, object]:
    """The JSON body of a webhook call in the shape of ``preset`` (generic, wecom, dingtalk)."""
    if preset == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if preset == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"source": "rolwh", "title": title, "text": text}


def send_email(cfg: NotifySettings, title: str, text: str) -> None:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = title, cfg.mail_from, ", ".join(cfg.mail_to)
    msg["Date"], msg["Message-ID"] = formatdate(localtime=True), make_msgid(domain="rolwh")
    msg.set_content(text, charset="utf-8")
    with smtplib.SMTP(str(cfg.smtp_host), cfg.smtp_port, timeout=cfg.timeout) as smtp:
        if cfg.smtp_starttls:
            smtp.starttls()
        if cfg.smtp_user:
            smtp.login(cfg.smtp_user, cfg.smtp_password or "")
        smtp.send_message(msg)


def post_webhook(cfg: NotifySettings, title: str, text: str) -> None:
    body = json.dumps(webhook_payload(cfg.webhook_preset, title, text), ensure_ascii=False).encode()
    request = urllib.request.Request(
        str(cfg.webhook_url),
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=cfg.timeout) as response:
        response.read()


def send(notice: Notice, cfg: NotifySettings | None = None) -> list[str]:
    """Send ``notice`` on every configured channel; returns the channels that took it."""
    try:
        cfg = cfg or notify_settings()
    except Exception as exc:  # a bad setting must not fail the run it reports on
        log.error("notification not sent: %s", exc)
        return []
    title, text = notice.title, notice.markdown()
    channels = []
    if cfg.email:
        channels.append(("e-mail", lambda: send_email(cfg, title, text)))
    if cfg.webhook_url:
        channels.append((f"webhook ({cfg.webhook_preset})", lambda: post_webhook(cfg, title, text)))
    sent = []
    for name, deliver in channels:
        try:
            deliver()
        except Exception as exc:  # one line per failing channel; the run's outcome stands
            log.error("notification by %s failed: %s: %s", name, type(exc).__name__, exc)
        else:
            sent.append(name)
    if sent:
        log.info("notified (%s): %s", ", ".join(sent), notice.outcome)
    return sent
