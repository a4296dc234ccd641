"""Where releases live and the small rules every release module shares.

A release lives in ``releases_dir/<year>/v<N>/``::

    manifest.json            every file below with SHA-256 and row count, code commit, dbt and GX
                             results, input files, who / when / why
    manifest.sha256          SHA-256 of manifest.json (also appended to releases_dir/ledger.jsonl)
    manifest.hmac            the anchor: HMAC-SHA256 of manifest.json under the release key, kept
                             outside ROLWH_HOME (see rolwh.release.anchor)
    data/<table>.parquet     fct_indicator_annual, fct_indicator_quarterly (rows of the year),
                             dim_indicator, dim_community
    release.duckdb           the same four tables in schema marts (DuckDB 1.4-readable)
    quality/gate.json        the freeze gate's results
    quality/data_docs/       the freeze gate's GX Data Docs

Written by :mod:`rolwh.release.write`, checked by :mod:`rolwh.release.verify`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from rolwh.core.errors import FreezeError
from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.release.anchor import ANCHOR_FILE, is_anchored

RELEASE_TABLES = ("fct_indicator_annual", "fct_indicator_quarterly", "dim_indicator", "dim_community")
YEAR_TABLES = ("fct_indicator_annual", "fct_indicator_quarterly")
VERSION_RE = re.compile(r"^v(\d+)$")
YEAR_RE = re.compile(r"^\d{4}$")
FILE_MODE = 0o444
DIR_MODE = 0o555
SELF_FILES = ("manifest.json", "manifest.sha256", ANCHOR_FILE)
#: Where a release is written before it is renamed into its year folder (same file system).
INCOMING = ".incoming"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def year_dir(settings: Settings, year: int) -> Path:
    return settings.releases_dir / f"{int(year):04d}"


def versions(settings: Settings, year: int) -> list[str]:
    """Versions of a year's release, oldest first (v1, v2, …)."""
    folder = year_dir(settings, year)
    if not folder.is_dir():
        return []
    found = [
        (int(m.group(1)), p.name) for p in folder.iterdir() if (m := VERSION_RE.match(p.name)) and p.is_dir()
    ]
    return [name for _, name in sorted(found)]


def release_years(settings: Settings) -> list[int]:
    if not settings.releases_dir.is_dir():
        return []
    return sorted(
        int(p.name) for p in settings.releases_dir.iterdir() if YEAR_RE.match(p.name) and p.is_dir()
    )


def lock_down(root: Path) -> None:
    """Files 0444, folders 0555, deepest first (root last)."""
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            os.chmod(Path(dirpath) / name, FILE_MODE)
        for name in dirnames:
            os.chmod(Path(dirpath) / name, DIR_MODE)
    os.chmod(root, DIR_MODE)


def remove_tree(root: Path) -> None:
    """Remove a (possibly read-only) temporary folder."""
    if not root.exists():
        return
    for dirpath, _dirnames, _files in os.walk(root):
        os.chmod(dirpath, 0o755)
    shutil.rmtree(root, ignore_errors=True)


def releases(settings: Settings, *, anchored: bool) -> list[str]:
    """Every release ("year/vN") that is (or is not) anchored."""
    return [
        f"{y}/{v}"
        for y in release_years(settings)
        for v in versions(settings, y)
        if is_anchored(year_dir(settings, y) / v) == anchored
    ]


def resolve_version(settings: Settings, year: int, version: str | None) -> str:
    have = versions(settings, year)
    if not have:
        raise FreezeError(
            _("{year} has no release under {path}: run `rolwh freeze --year {year}`").format(
                year=year, path=year_dir(settings, year)
            )
        )
    if version is None:
        return have[-1]
    if version not in have:
        raise FreezeError(
            _("{year} has no release {version}; it has {versions}").format(
                year=year, version=version, versions=", ".join(have)
            )
        )
    return version
