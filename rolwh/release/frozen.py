"""What the frozen mart reads: the latest verified release of each year.

The dbt model ``marts.fct_indicator_annual_frozen`` reads the annual Parquet of the releases
:func:`frozen_release_vars` hands it (var ``frozen_releases``); a year whose latest release fails
verification is left out.
"""

from __future__ import annotations

import json
from pathlib import Path

from rolwh.core.settings import Settings
from rolwh.release.store import year_dir
from rolwh.release.verify import VerifyResult, checked_latest
from rolwh.transform.build_state import FrozenRelease


def latest_releases(
    settings: Settings, checks: list[VerifyResult] | None = None
) -> list[tuple[int, str, Path, str | None]]:
    """(year, version, annual parquet path, frozen_at) of the latest release of each year, if it
    verifies: a year whose latest release fails is left out (no fallback to an older version)."""
    out = []
    for check in checked_latest(settings) if checks is None else checks:
        if not check.ok:
            continue
        year, version = check.year, check.checked[-1]
        folder = year_dir(settings, year) / version
        try:
            frozen_at = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("frozen_at")
        except (OSError, ValueError):
            frozen_at = None
        out.append((year, version, (folder / "data" / "fct_indicator_annual.parquet").resolve(), frozen_at))
    return out


def frozen_release_vars(settings: Settings, checks: list[VerifyResult] | None = None) -> list[FrozenRelease]:
    """The dbt var ``frozen_releases`` of the model ``marts.fct_indicator_annual_frozen``: the latest
    release of each year that verifies, as {year, version, path (absolute annual Parquet), frozen_at}."""
    return [
        FrozenRelease(year=year, version=version, path=str(path), frozen_at=frozen_at)
        for year, version, path, frozen_at in latest_releases(settings, checks)
    ]
