"""Every people-facing message id in the code has a Chinese translation, and the switch works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from rolwh.core import i18n

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("rolwh", "ingest", "expectations", "dags")
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*(?:![rsa])?(?::[^}]*)?\}")


def _message_ids() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in SOURCES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords={"_": None, "N_": None, "ngettext": (1, 2)}
        ):
            # a plural (ngettext) entry is keyed by its singular id
            msgid = message[0] if isinstance(message, tuple) else message
            found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
    return found


def _catalogue():
    with i18n.catalogue_path().open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def test_every_message_id_is_translated_to_chinese() -> None:
    catalogue = _catalogue()
    missing = []
    for msgid, where in sorted(_message_ids().items(), key=lambda kv: kv[1]):
        entry = catalogue.get(msgid)
        text = entry.string if entry is not None else None
        if isinstance(text, tuple):
            text = text[0]
        if not text or (entry is not None and entry.fuzzy):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, "untranslated (run `make i18n`, then fill msgstr):\n" + "\n".join(missing)


def test_translations_keep_every_placeholder() -> None:
    broken = []
    for entry in _catalogue():
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted:
                broken.append(f"{ids[0]!r} -> {text!r}")
    assert not broken, "placeholders differ between message id and translation:\n" + "\n".join(broken)


def test_chinese_by_default_english_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue = _catalogue()
    entry = next((e for e in catalogue if e.id and isinstance(e.id, str) and e.string), None)
    if entry is None:
        pytest.skip("empty catalogue")
    monkeypatch.delenv("ROLWH_LANG", raising=False)
    assert i18n.language() == "zh_CN"
    assert i18n._(entry.id) == entry.string
    monkeypatch.setenv("ROLWH_LANG", "en")
    assert i18n._(entry.id) == entry.id
    monkeypatch.setenv("ROLWH_LANG", "zh-CN.UTF-8")
    assert i18n._(entry.id) == entry.string
