"""Listing every release with its verification status (``rolwh releases``)."""

from __future__ import annotations

import json
from typing import Any

from rolwh.core.settings import Settings
from rolwh.release.store import release_years, versions, year_dir
from rolwh.release.verify import verify


def list_releases(settings: Settings) -> list[dict[str, Any]]:
    """Every release: year, version, when, who, reason, status (ok / the first problem)."""
    out = []
    for year in release_years(settings):
        for v in versions(settings, year):
            path = year_dir(settings, year) / v / "manifest.json"
            try:
                m = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                m = {}
            check = verify(settings, year, v)
            out.append(
                {
                    "year": year,
                    "version": v,
                    "frozen_at": m.get("frozen_at"),
                    "frozen_by": m.get("frozen_by"),
                    "reason": m.get("reason"),
                    "git_commit": m.get("git_commit"),
                    "status": "ok"
                    if check.ok
                    else f"FAILED: {len(check.problems)} problem(s), e.g. {check.problems[0]}",
                    "path": str(path.parent),
                }
            )
    return out


def render_releases(settings: Settings) -> str:
    rows = list_releases(settings)
    if not rows:
        return f"no releases under {settings.releases_dir}"
    lines = [f"{'year':<6}{'version':<9}{'frozen at':<27}{'by':<14}{'status':<8}reason"]
    for r in rows:
        status = "ok" if r["status"] == "ok" else "FAILED"
        lines.append(
            f"{r['year']:<6}{r['version']:<9}{r['frozen_at'] or '?':<27}{(r['frozen_by'] or '?'):<14}"
            f"{status:<8}{r['reason'] or '-'}"
        )
        if status != "ok":
            lines.append(f"      {r['status']}")
    return "\n".join(lines)
