"""The release key: where it comes from, how it is made, and what is refused (real files, no mocks)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rolwh.core.settings import load_settings
from rolwh.release.anchor import ReleaseKeyError, anchor_problem, load_key, write_anchor


def _settings(tmp_path: Path, **env: str):
    return load_settings({"ROLWH_HOME": str(tmp_path / "home"), **env})


def test_the_first_use_creates_a_0600_key_and_later_uses_reuse_it(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "rolwh" / "release.key"
    s = _settings(tmp_path, ROLWH_RELEASE_KEY_FILE=str(path))
    assert load_key(s) is None  # nothing is made unless asked
    made = load_key(s, create=True)
    assert made is not None and made.created and made.source == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_key(s, create=True)
    assert again is not None and not again.created and again.secret == made.secret
    assert not list(path.parent.glob(".*.tmp")), "temporary key file left behind"


def test_a_short_or_readable_or_misplaced_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReleaseKeyError, match="ROLWH_RELEASE_KEY is shorter than 32 characters"):
        load_key(_settings(tmp_path, ROLWH_RELEASE_KEY="0" * 8))
    open_key = tmp_path / "open.key"
    open_key.write_text("a" * 64)
    open_key.chmod(0o644)
    with pytest.raises(ReleaseKeyError, match="is readable by others \\(mode 644\\); chmod 600 it"):
        load_key(_settings(tmp_path, ROLWH_RELEASE_KEY_FILE=str(open_key)))
    inside = tmp_path / "home" / "secrets" / "release.key"
    with pytest.raises(ReleaseKeyError, match="is under ROLWH_HOME"):
        load_key(_settings(tmp_path, ROLWH_RELEASE_KEY_FILE=str(inside)), create=True)
    assert not inside.exists()


def test_the_environment_key_wins_and_another_key_is_named_as_such(tmp_path: Path) -> None:
    folder = tmp_path / "release"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"year": 2024}', encoding="utf-8")
    first = load_key(_settings(tmp_path, ROLWH_RELEASE_KEY="k" * 40, ROLWH_RELEASE_KEY_FILE="/nonexistent"))
    assert first is not None and first.source == "ROLWH_RELEASE_KEY"
    write_anchor(folder, first)
    s = _settings(tmp_path)
    assert anchor_problem(folder, first, s) is None
    other = load_key(_settings(tmp_path, ROLWH_RELEASE_KEY="j" * 40))
    assert "anchored under another release key" in str(anchor_problem(folder, other, s))
    (folder / "manifest.json").write_text('{"year": 2025}', encoding="utf-8")
    assert "anchor does not match manifest.json" in str(anchor_problem(folder, first, s))
