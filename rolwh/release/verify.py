"""Verifying releases, and anchoring the ones frozen before anchoring.

Everything that reads a release (the frozen mart, the draft, the diff) first verifies it (every
file's SHA-256 and the anchor) and refuses one that fails: :func:`checked_latest`, :func:`require_verified`.
A release frozen before anchoring (no ``manifest.hmac``) passes with a warning while no release key
exists; once one exists it fails until ``rolwh anchor --year`` (or a re-freeze) anchors it, so
deleting ``manifest.hmac`` is no way around the anchor.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolwh.core.errors import FreezeError, ReleaseKeyError
from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.release.anchor import (
    ANCHOR_FILE,
    ReleaseKey,
    anchor_problem,
    is_anchored,
    load_key,
    missing_key_message,
    write_anchor,
)
from rolwh.release.ledger import read_ledger
from rolwh.release.store import (
    DIR_MODE,
    FILE_MODE,
    SELF_FILES,
    release_years,
    releases,
    sha256,
    versions,
    year_dir,
)


@dataclass
class VerifyResult:
    """Checksums of one year's release(s) re-checked."""

    year: int
    checked: list[str] = field(default_factory=list)  # versions
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.checked) and not self.problems

    def render(self) -> str:
        if not self.checked:
            return _("no release of {year} to verify").format(year=self.year)
        head = _("OK") if self.ok else _("FAILED")
        lines = [
            _("verify {year} {versions}: {verdict} ({n} files checked)").format(
                year=self.year, versions=", ".join(self.checked), verdict=head, n=self.files_checked
            )
        ]
        lines += [f"  {p}" for p in self.problems]
        lines += [_("  warning: {warning}").format(warning=w) for w in self.warnings]
        return "\n".join(lines)

    def refusal(self) -> str:
        """One line for a reader that refuses this release: which, why, and what to do."""
        shown = "; ".join(self.problems[:3]) + (
            _("; … {n} more").format(n=len(self.problems) - 3) if len(self.problems) > 3 else ""
        )
        return _(
            "release {year}/{versions} failed verification and is not used ({problems}). "
            "Run `rolwh verify --year {year}`; restore the release and releases/ledger.jsonl from "
            'your backup, or re-freeze: rolwh freeze --year {year} --reason "…"'
        ).format(year=self.year, versions=", ".join(self.checked), problems=shown)


def verify(settings: Settings, year: int, version: str | None = None) -> VerifyResult:
    """Re-check every checksum of the year's release (every version, or ``version``)."""
    result = VerifyResult(year=year)
    todo = [version] if version else versions(settings, year)
    ledger = read_ledger(settings)
    key, key_error = None, None
    try:
        key = load_key(settings) if todo else None
    except ReleaseKeyError as exc:
        key_error = str(exc)
    for v in todo:
        folder = year_dir(settings, year) / v
        result.checked.append(v)
        if not folder.is_dir():
            result.problems.append(
                _("{version}: missing release folder {path}").format(version=v, path=folder)
            )
            continue
        _verify_one(folder, v, ledger.get((year, v)), result)
        if key_error:
            result.problems.append(
                _("{version}: cannot check the anchor: {why}").format(version=v, why=key_error)
            )
        elif not is_anchored(folder):
            note = _(
                "{version}: unanchored (frozen before anchoring, no {file}): re-freeze or `rolwh anchor --year {year}`"
            ).format(version=v, file=ANCHOR_FILE, year=year)
            (result.problems if key is not None else result.warnings).append(note)
        else:
            problem = anchor_problem(folder, key, settings)
            if problem:
                result.problems.append(f"{v}: {problem}")
    return result


def _verify_one(folder: Path, v: str, ledger_entry: dict[str, Any] | None, result: VerifyResult) -> None:
    """Checksums, ledger, listing and modes of one version (the anchor is checked by the caller)."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        result.problems.append(_("{version}: missing file {file}").format(version=v, file="manifest.json"))
        return
    actual = sha256(manifest_path)
    result.files_checked += 1
    recorded = (
        (folder / "manifest.sha256").read_text().split()[0] if (folder / "manifest.sha256").exists() else None
    )
    if recorded is None:
        result.problems.append(_("{version}: missing file {file}").format(version=v, file="manifest.sha256"))
    elif recorded != actual:
        result.problems.append(
            _(
                "{version}: changed file manifest.json (sha256 {actual}…, manifest.sha256 says {recorded}…)"
            ).format(version=v, actual=actual[:12], recorded=recorded[:12])
        )
    if ledger_entry is None:
        result.problems.append(
            _("{version}: not in the release ledger (releases/ledger.jsonl)").format(version=v)
        )
    elif ledger_entry.get("manifest_sha256") != actual:
        result.problems.append(
            _("{version}: changed file manifest.json (sha256 differs from the ledger's)").format(version=v)
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        result.problems.append(
            _("{version}: manifest.json is not valid JSON: {error}").format(version=v, error=exc)
        )
        return
    listed = {f["path"]: f for f in manifest.get("files", [])}
    for rel, entry in listed.items():
        path = folder / rel
        result.files_checked += 1
        if not path.is_file():
            result.problems.append(_("{version}: missing file {file}").format(version=v, file=rel))
            continue
        digest = sha256(path)
        if digest != entry["sha256"]:
            result.problems.append(
                _("{version}: changed file {file} (sha256 {actual}…, expected {expected}…)").format(
                    version=v, file=rel, actual=digest[:12], expected=entry["sha256"][:12]
                )
            )
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(folder).as_posix()
        if rel not in listed and rel not in SELF_FILES:
            result.problems.append(
                _("{version}: extra file {file} (not in the manifest)").format(version=v, file=rel)
            )
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        want = DIR_MODE if path.is_dir() else FILE_MODE
        if mode & 0o222:
            rel = path.relative_to(folder).as_posix() or "."
            result.problems.append(
                _("{version}: writable {file} (mode {mode:o}, expected {want:o})").format(
                    version=v, file=rel, mode=mode, want=want
                )
            )


def require_verified(settings: Settings, year: int, version: str) -> VerifyResult:
    """Verify one release before it is read; FreezeError (exit 1) names it and what to do."""
    check = verify(settings, year, version)
    if not check.ok:
        raise FreezeError(check.refusal())
    return check


def checked_latest(settings: Settings) -> list[VerifyResult]:
    """The latest version of each year's release, verified (checksums and anchor)."""
    return [
        verify(settings, y, versions(settings, y)[-1])
        for y in release_years(settings)
        if versions(settings, y)
    ]


def release_attention(settings: Settings) -> tuple[list[str], list[str]]:
    """(refusals, warnings) of the latest releases, for the run summary."""
    checks = checked_latest(settings)
    refused = [c.refusal() for c in checks if not c.ok]
    warnings = [
        _("release {year}/{warning}").format(year=c.year, warning=w)
        for c in checks
        if c.ok
        for w in c.warnings
    ]
    return refused, warnings


def signing_key(settings: Settings) -> ReleaseKey:
    """The release key a freeze (or anchor) signs with; the first one creates it, unless releases
    anchored under a key that is now missing exist (a new key would orphan them)."""
    key = load_key(settings)
    if key is not None:
        return key
    anchored = releases(settings, anchored=True)
    if anchored:
        raise ReleaseKeyError(
            _("{why}; releases {releases} are anchored under it, so no new key is made").format(
                why=missing_key_message(settings), releases=", ".join(anchored)
            )
        )
    key = load_key(settings, create=True)
    assert key is not None
    return key


def anchor(settings: Settings, year: int, version: str | None = None) -> tuple[list[str], list[str]]:
    """Anchor releases frozen before anchoring (no manifest.hmac) whose checksums verify.

    Returns (anchored versions, notes). A release whose checksums fail is not anchored (FreezeError):
    anchoring blesses the bytes as they are now, so check them first (``rolwh verify``, a backup).
    """
    key = signing_key(settings)
    todo = [version] if version else versions(settings, year)
    if not todo:
        raise FreezeError(
            _("{year} has no release under {path}").format(year=year, path=year_dir(settings, year))
        )
    ledger = read_ledger(settings)
    done: list[str] = []
    for v in todo:
        folder = year_dir(settings, year) / v
        if is_anchored(folder):
            continue
        check = VerifyResult(year=year, checked=[v])
        _verify_one(folder, v, ledger.get((year, v)), check)
        if not check.ok:
            raise FreezeError(
                _("{year}/{version} not anchored: its checksums fail.\n{details}").format(
                    year=year, version=v, details=check.render()
                )
            )
        os.chmod(folder, 0o755)
        try:
            write_anchor(folder, key)
            os.chmod(folder / ANCHOR_FILE, FILE_MODE)
        finally:
            os.chmod(folder, DIR_MODE)
        done.append(v)
    return done, ([key.created_note()] if key.created else [])
