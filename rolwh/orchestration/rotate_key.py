"""`rolwh rotate-key`: start the working warehouse anew under a new pseudonymisation key.

Pseudonyms are HMACs under the key, so a new key cannot re-pseudonymise what is stored (the clear
values were never kept). Rotation therefore starts anew from the delivered exports:

1. the new key (``ROLWH_KEY`` or the key file, already changed by the operator) is checked;
2. every file the working warehouse loaded must still be in the landing area (loaded files stay
   there by design; quarantined originals are not re-read), else rotation refuses unless ``force``;
3. the working warehouse folder is moved aside, kept as ``warehouse-before-rotation-<UTC time>``;
4. a new working warehouse records the new key's fingerprint and ingests the whole landing area.

The next ``rolwh run`` builds, checks and publishes under the new key. Frozen releases keep their
figures (they hold no personal data in the clear). To undo: move the kept folder back to
``warehouse`` and restore the old key.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import IngestReport, run_ingest
from rolwh.core.console import plain
from rolwh.core.errors import RolwhError
from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.core.warehouse import (
    connect,
    ensure_schema,
    key_fingerprint,
    record_fingerprint,
    recorded_fingerprint,
)

if TYPE_CHECKING:
    import duckdb

#: How many missing landing files the refusal names.
NAMED_MISSING = 5


@dataclass(frozen=True)
class Rotation:
    kept: Path
    old_fingerprint: str | None
    new_fingerprint: str
    report: IngestReport

    def render(self) -> str:
        return "\n".join(
            [
                _("key rotated: the old working warehouse (key fingerprint {old}) is kept at {path}").format(
                    old=self.old_fingerprint or _("none"), path=plain(self.kept)
                ),
                _("new working warehouse under key fingerprint {new}, the landing area re-ingested:").format(
                    new=self.new_fingerprint
                ),
                self.report.render().rstrip(),
                _("next: `rolwh run` builds, checks and publishes under the new key"),
            ]
        )


def missing_loaded_files(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[str]:
    """``feed/file`` of every loaded file that is no longer in the landing area."""
    rows = con.execute(
        "select distinct feed, file_name from audit.file_loads where status = 'loaded' order by 1, 2"
    ).fetchall()
    return [f"{feed}/{name}" for feed, name in rows if not (settings.landing / feed / name).is_file()]


def rotate_key(settings: Settings, *, force: bool = False, progress: bool = False) -> Rotation:
    """Move the working warehouse aside and re-ingest the landing area under the current key.

    The caller holds the writer lock.
    """
    key = settings.key()
    new = key_fingerprint(key)
    if not settings.warehouse_path.exists():
        raise RolwhError(
            _(
                "no working warehouse at {path}: nothing to rotate "
                "(the first `rolwh run` records the key it runs with)"
            ).format(path=plain(settings.warehouse_path))
        )
    con = connect(settings)
    try:
        ensure_schema(con)
        old = recorded_fingerprint(con)
        missing = missing_loaded_files(settings, con)
    finally:
        con.close()
    if old == new:
        raise RolwhError(
            _(
                "the warehouse already uses the key from {source} (fingerprint {fingerprint}): "
                "set the new key (ROLWH_KEY or the key file) first, then run `rolwh rotate-key`"
            ).format(source=plain(settings.key_source()), fingerprint=new)
        )
    if missing and not force:
        named = ", ".join(plain(m) for m in missing[:NAMED_MISSING])
        raise RolwhError(
            _(
                "{n} loaded export(s) are no longer in the landing area {landing} ({files}): rotation "
                "re-ingests the landing area only, so their rows would be lost. Put them back, or pass "
                "--force to rotate without them"
            ).format(
                n=len(missing),
                landing=plain(settings.landing),
                files=named + (", …" if len(missing) > NAMED_MISSING else ""),
            )
        )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = settings.home / f"warehouse-before-rotation-{stamp}"
    os.rename(settings.warehouse_dir, kept)
    con = connect(settings)
    try:
        ensure_schema(con)
        record_fingerprint(con, key)
    finally:
        con.close()
    report = run_ingest(settings, progress=progress)
    return Rotation(kept=kept, old_fingerprint=old, new_fingerprint=new, report=report)
