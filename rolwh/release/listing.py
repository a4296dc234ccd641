"""Listing every release with its verification status (``rolwh releases``)."""

from __future__ import annotations

import json
from typing import Any

from rolwh.core.console import fit
from rolwh.core.i18n import _
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
                    else _("FAILED: {n} problem(s), e.g. {problem}").format(
                        n=len(check.problems), problem=check.problems[0]
                    ),
                    "path": str(path.parent),
                }
            )
    return out


def render_releases(settings: Settings) -> str:
    rows = list_releases(settings)
    if not rows:
        return _("no releases under {path}").format(path=settings.releases_dir)
    widths = (6, 9, 27, 14, 8)
    header = (_("year"), _("version"), _("frozen at"), _("by"), _("status"))
    lines = ["".join(fit(h, w) for h, w in zip(header, widths, strict=True)) + _("reason")]
    for r in rows:
        ok = r["status"] == "ok"
        cells = (
            r["year"],
            r["version"],
            r["frozen_at"] or "?",
            r["frozen_by"] or "?",
            _("ok") if ok else _("FAILED"),
        )
        lines.append("".join(fit(c, w) for c, w in zip(cells, widths, strict=True)) + (r["reason"] or "-"))
        if not ok:
            lines.append(f"      {r['status']}")
    return "\n".join(lines)
