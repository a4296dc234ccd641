"""What of the gate's warnings an operator must hear about tonight: each open warning with the date
it was first seen, and whether it is new or changed since the last run told it.

A warning's identity is its check (suite and expectation), table and column, not its counts; a
change of its message (counts, rows named) makes it "changed". The open warnings are kept in
``$ROLWH_HOME/quality/open_warnings.json`` (written by the step that holds the writer lock); a warning
no longer found is dropped, and comes back as new if it reappears.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from expectations.checks import COMPLETENESS
from expectations.results import Finding
from rolwh.core.i18n import _
from rolwh.core.settings import Settings

STATE_FILE = "open_warnings.json"


@dataclass(frozen=True)
class Item:
    """One open warning as the run summary and the notification tell it (JSON-ready for XCom)."""

    what: str  # check, where, what was found
    todo: str  # what to do
    since: str  # ISO date first seen
    new: bool  # new or changed since the last run
    acts: bool  # needs an operator before the freeze (exit 5), not only a warning

    def render(self) -> str:
        if self.new:
            return f"{self.what}\n{self.todo}"
        return _("{what} (open since {since})").format(what=self.what, since=self.since)


def state_path(settings: Settings) -> Path:
    return settings.quality_dir / STATE_FILE


def identity(f: Finding) -> str:
    return f"{f.suite}/{f.expectation}|{f.table}|{f.column or ''}"


def track(settings: Settings, findings: list[Finding], today: dt.date, freshness: set[str]) -> list[Item]:
    """The open items of ``findings`` (new, changed or still open), and the state updated.

    ``freshness``: identities of overdue-feed findings (what to do differs: ask for the export).
    """
    path = state_path(settings)
    try:
        before = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        before = {}
    after: dict[str, dict[str, str]] = {}
    items = []
    for f in findings:
        key, print_ = identity(f), f"{f.message}|{f.unexpected_count}"
        old = before.get(key) or {}
        since = old.get("since") or today.isoformat()
        after[key] = {"since": since, "fingerprint": print_}
        acts = f.severity == COMPLETENESS
        items.append(
            Item(
                what=_("{check} on {where}: {message}").format(
                    check=f"{f.suite}/{f.expectation}",
                    where=f"{f.table}.{f.column}" if f.column else f.table,
                    message=f.message,
                ),
                todo=_todo(settings, f, key in freshness),
                since=since,
                new=old.get("fingerprint") != print_,
                acts=acts,
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(after, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return items


def _todo(settings: Settings, f: Finding, overdue: bool) -> str:
    if overdue:
        return _("To do: ask the source system for the export of {feed} and deliver it to {folder}/.").format(
            feed=f.column, folder=settings.landing / str(f.column)
        )
    if f.severity == COMPLETENESS:
        return _(
            "To do: correct the source export and deliver the corrected file to the landing area; "
            "the year cannot be frozen while this is open. Details: {docs}"
        ).format(docs=settings.quality_dir / "data_docs" / "index.html")
    return _("To do: check the rows named against the source system. Details: {docs}").format(
        docs=settings.quality_dir / "data_docs" / "index.html"
    )


def to_json(items: list[Item]) -> list[dict[str, object]]:
    return [asdict(i) for i in items]


def from_json(rows: list[dict[str, object]] | None) -> list[Item]:
    return [Item(**r) for r in rows or ()]  # type: ignore[arg-type]


def needs_attention(quarantined: list, review: list[Item], attention: list[str]) -> bool:
    """Published, but an operator must act: files quarantined, a freeze-blocking warning or an overdue
    feed open, or what the publication named (a refused release)."""
    return bool(quarantined or attention or any(i.acts for i in review))


def worth_telling(quarantined: list, review: list[Item], attention: list[str]) -> bool:
    """Is any of it new tonight (an item told before and unchanged is not sent again)?"""
    return bool(quarantined or attention or any(i.acts and i.new for i in review))


def attention_lines(quarantined: list[dict[str, str]], review: list[Item], attention: list[str]) -> list[str]:
    """What needs an operator, new first: quarantined files, the publication's notes, open items."""
    acts = sorted((i for i in review if i.acts), key=lambda i: not i.new)
    return [q["action"] for q in quarantined] + list(attention) + [i.render() for i in acts]
