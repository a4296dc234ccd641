"""The annual data freeze: run the freeze gate for a year and write its next immutable release.

A release (see :mod:`rolwh.release.store` for its layout) is written into a temporary folder
beside its final place, made read-only (files 0444, folders 0555) and renamed into place in one
step. Later corrections of the year reach the live marts only; :mod:`rolwh.release.diff` shows
frozen against live values; the dbt model ``marts.fct_indicator_annual_frozen`` reads the latest
release of each year (:func:`rolwh.release.frozen.frozen_release_vars`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from expectations.gate import GateResult, run_gate
from rolwh.core.errors import FreezeError, GateBlocked
from rolwh.core.faults import checkpoint
from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.core.sql import STORAGE_VERSION, literal
from rolwh.core.warehouse import connect
from rolwh.release.anchor import write_anchor
from rolwh.release.ledger import append_ledger, repair_ledger
from rolwh.release.manifest import dbt_summary, git_commit, inputs
from rolwh.release.store import (
    INCOMING,
    RELEASE_TABLES,
    VERSION_RE,
    YEAR_TABLES,
    lock_down,
    releases,
    remove_tree,
    sha256,
    versions,
    year_dir,
)
from rolwh.release.verify import signing_key
from rolwh.serving.indicators import require_period


@dataclass
class Release:
    """One written release."""

    year: int
    version: str
    path: Path
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        m = self.manifest
        files = m.get("files", [])
        gate = m.get("gate", {})
        lines = [
            *self.notes,
            _("froze {year} as {version} at {path}").format(
                year=self.year, version=self.version, path=self.path
            ),
            _("  by {who} at {when}; reason: {reason}").format(
                who=m.get("frozen_by"),
                when=m.get("frozen_at"),
                reason=m.get("reason") or _("(first release)"),
            ),
            _("  code {commit}; {inputs} input files; {files} release files").format(
                commit=m.get("git_commit"), inputs=len(m.get("inputs", [])), files=len(files)
            ),
            _("  gate: {n} expectations passed, {warnings} warning(s)").format(
                n=gate.get("expectations_evaluated"), warnings=len(gate.get("warnings", []))
            ),
        ]
        for f in files:
            if f.get("rows") is not None:
                lines.append(
                    _("  {path}: {rows} rows, sha256 {digest}…").format(
                        path=f["path"], rows=f["rows"], digest=f["sha256"][:12]
                    )
                )
        return "\n".join(lines)


def freeze(settings: Settings, year: int, reason: str | None = None, who: str | None = None) -> Release:
    """Run the freeze gate for ``year`` and, if it passes, write the next immutable release."""

    repair_ledger(settings, year)
    existing = versions(settings, year)
    if existing and not (reason and reason.strip()):
        raise FreezeError(
            _(
                "{year} is already frozen ({versions} under {path}); "
                'a new version needs a reason: rolwh freeze --year {year} --reason "why"'
            ).format(year=year, versions=", ".join(existing), path=year_dir(settings, year))
        )
    if not settings.warehouse_path.exists():
        raise FreezeError(
            _("no warehouse at {path}: run `rolwh run` before freezing").format(path=settings.warehouse_path)
        )
    check = connect(settings, read_only=True)
    try:
        require_period(check, year)  # a year without data is refused (exit 1), never an empty release
    finally:
        check.close()
    key = signing_key(settings)
    version = f"v{int(VERSION_RE.match(existing[-1]).group(1)) + 1}" if existing else "v1"  # type: ignore[union-attr]
    parent = year_dir(settings, year)
    parent.mkdir(parents=True, exist_ok=True)
    # A release is written under releases/.incoming/ and renamed into releases/<year>/ whole, so the
    # year folder only ever holds complete versions; what a killed freeze left there is removed.
    incoming = settings.releases_dir / INCOMING
    for stale in incoming.glob(f"{int(year):04d}-*"):
        remove_tree(stale)
    incoming.mkdir(parents=True, exist_ok=True)
    tmp = incoming / f"{int(year):04d}-{version}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        con = connect(settings)
        try:
            gate = run_gate(
                settings, mode="freeze", year=year, con=con, docs_dir=tmp / "quality" / "data_docs"
            )
            if not gate.passed:
                raise GateBlocked(
                    _("freeze of {year} refused: the quality gate blocked.\n{gate}").format(
                        year=year, gate=gate.render()
                    )
                )
            checkpoint("freeze.after_gate")
            manifest = _write_release(settings, con, tmp, year, version, gate, reason, who)
            write_anchor(tmp, key)
        finally:
            con.close()
        checkpoint("freeze.after_write")
        lock_down(tmp)
        checkpoint("freeze.before_rename")
        final = parent / version
        try:
            os.rename(tmp, final)
        except OSError as exc:
            raise FreezeError(
                f"{final} appeared while freezing (another freeze?); nothing written: {exc}"
            ) from exc
    except BaseException:
        remove_tree(tmp)
        raise
    checkpoint("freeze.before_ledger")
    append_ledger(settings, year, version, manifest, final)
    notes = [key.created_note()] if key.created else []
    unanchored = releases(settings, anchored=False)
    if unanchored:  # frozen before anchoring: with a release key they no longer verify until anchored
        notes.append(
            _("releases {releases} are unanchored: check them, then `rolwh anchor --year`").format(
                releases=", ".join(unanchored)
            )
        )
    return Release(year=year, version=version, path=final, manifest=manifest, notes=notes)


def _write_release(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    tmp: Path,
    year: int,
    version: str,
    gate: GateResult,
    reason: str | None,
    who: str | None,
) -> dict[str, Any]:

    data = tmp / "data"
    data.mkdir()
    rows: dict[str, int] = {}
    arrow: dict[str, Any] = {}
    for table in RELEASE_TABLES:
        if table in YEAR_TABLES:
            tbl = con.sql(
                f"select * from marts.{table} where year = ? order by all", params=[year]
            ).to_arrow_table()
        else:
            tbl = con.sql(f"select * from marts.{table} order by all").to_arrow_table()
        if table == "fct_indicator_annual" and tbl.num_rows == 0:
            raise FreezeError(
                _("marts.fct_indicator_annual has no rows for {year}: nothing to freeze").format(year=year)
            )
        pq.write_table(tbl, data / f"{table}.parquet", compression="zstd")
        rows[f"data/{table}.parquet"] = tbl.num_rows
        arrow[table] = tbl
        checkpoint("freeze.mid_write")

    db_path = tmp / "release.duckdb"
    mem = duckdb.connect()
    try:
        mem.execute(f"attach {literal(str(db_path))} as rel (storage_version '{STORAGE_VERSION}')")
        mem.execute("create schema rel.marts")
        for table, tbl in arrow.items():
            mem.register("_src", tbl)
            mem.execute(f"create table rel.marts.{table} as select * from _src")
            mem.unregister("_src")
        mem.execute("checkpoint rel")
        mem.execute("detach rel")
    finally:
        mem.close()
    wal = db_path.with_name(db_path.name + ".wal")
    if wal.exists():
        raise FreezeError(f"{wal} left behind after checkpoint; the release would not be self-contained")

    gate_summary = gate.summary()
    (tmp / "quality").mkdir(exist_ok=True)
    (tmp / "quality" / "gate.json").write_text(
        json.dumps(gate_summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )

    files = []
    for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
        rel = path.relative_to(tmp).as_posix()
        entry: dict[str, Any] = {
            "path": rel,
            "sha256": sha256(path),
            "bytes": path.stat().st_size,
            "rows": rows.get(rel),
        }
        if rel == "release.duckdb":
            entry["tables"] = {f"marts.{t}": arrow[t].num_rows for t in RELEASE_TABLES}
        files.append(entry)
    commit, dirty = git_commit()
    now = dt.datetime.now(dt.UTC)
    manifest = {
        "release": f"{year}/{version}",
        "year": year,
        "version": version,
        "frozen_at": now.isoformat(timespec="seconds"),
        "frozen_by": who or getpass.getuser(),
        "reason": reason,
        "git_commit": commit,
        "git_dirty": dirty,
        "dbt_run_results": dbt_summary(settings),
        "gate": {
            k: gate_summary[k]
            for k in (
                "run_id",
                "mode",
                "year",
                "passed",
                "expectations_evaluated",
                "blocking_failures",
                "warnings",
            )
        }
        | {"results_file": "quality/gate.json", "data_docs": "quality/data_docs/index.html"},
        "inputs": inputs(con),
        "files": files,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, default=str)
    (tmp / "manifest.json").write_text(text, encoding="utf-8")
    (tmp / "manifest.sha256").write_text(
        f"{sha256(tmp / 'manifest.json')}  manifest.json\n", encoding="utf-8"
    )
    return manifest
