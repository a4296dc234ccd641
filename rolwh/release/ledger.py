"""The release ledger ``releases_dir/ledger.jsonl``: one line per release (year, version, who, when,
why, the SHA-256 of its manifest), appended after the release is renamed into place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rolwh.core.settings import Settings
from rolwh.release.store import sha256, versions, year_dir


def append_ledger(settings: Settings, year: int, version: str, manifest: dict[str, Any], final: Path) -> None:
    entry = {
        "year": year,
        "version": version,
        "frozen_at": manifest["frozen_at"],
        "frozen_by": manifest["frozen_by"],
        "reason": manifest["reason"],
        "manifest_sha256": sha256(final / "manifest.json"),
    }
    with (settings.releases_dir / "ledger.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def repair_ledger(settings: Settings, year: int) -> None:
    """Finish a freeze killed between its rename and its ledger line: a complete release (its
    manifest matches manifest.sha256) missing from the ledger gets its line now."""
    ledger = read_ledger(settings)
    for v in versions(settings, year):
        folder = year_dir(settings, year) / v
        if (year, v) in ledger or not (folder / "manifest.sha256").exists():
            continue
        if (folder / "manifest.sha256").read_text().split()[0] != sha256(folder / "manifest.json"):
            continue  # tampered or damaged: verify reports it, the ledger must not bless it
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        append_ledger(settings, year, v, manifest, folder)


def read_ledger(settings: Settings) -> dict[tuple[int, str], dict[str, Any]]:
    path = settings.releases_dir / "ledger.jsonl"
    out: dict[tuple[int, str], dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                e = json.loads(line)
                out[(int(e["year"]), str(e["version"]))] = e
    return out
