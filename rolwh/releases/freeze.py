"""The annual data freeze: immutable, checksummed releases of a year's marts, and their revision report.

A release lives in ``releases_dir/<year>/v<N>/``::

    manifest.json            every file below with SHA-256 and row count, code commit, dbt and GX
                             results, input files, who / when / why
    manifest.sha256          SHA-256 of manifest.json (also appended to releases_dir/ledger.jsonl)
    manifest.hmac            the anchor: HMAC-SHA256 of manifest.json under the release key, kept
                             outside ROLWH_HOME (see rolwh.releases.anchor)
    data/<table>.parquet     fct_indicator_annual, fct_indicator_quarterly (rows of the year),
                             dim_indicator, dim_community
    release.duckdb           the same four tables in schema marts (DuckDB 1.4-readable)
    quality/gate.json        the freeze gate's results
    quality/data_docs/       the freeze gate's GX Data Docs

It is written into a temporary folder beside its final place, made read-only (files 0444, folders
0555) and renamed into place in one step. Later corrections of the year reach the live marts only;
:func:`render_diff` shows frozen against live values; the dbt model ``marts.fct_indicator_annual_frozen``
reads the latest release of each year (:func:`frozen_release_vars` hands dbt the verified ones).

Everything that reads a release (the frozen mart, the draft, the diff) first verifies it (every
file's SHA-256 and the anchor) and refuses one that fails: :func:`checked_latest`, :func:`require_verified`.
A release frozen before anchoring (no ``manifest.hmac``) passes with a warning while no release key
exists; once one exists it fails until ``rolwh anchor --year`` (or a re-freeze) anchors it, so
deleting ``manifest.hmac`` is no way around the anchor.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow.parquet as pq

from expectations.gate import run_gate
from rolwh.core.errors import GateBlocked, RolwhError
from rolwh.core.faults import checkpoint
from rolwh.core.settings import REPO_ROOT, Settings
from rolwh.core.warehouse import connect
from rolwh.releases.anchor import (
    ANCHOR_FILE,
    ReleaseKey,
    ReleaseKeyError,
    anchor_problem,
    is_anchored,
    load_key,
    missing_key_message,
    write_anchor,
)
from rolwh.serving.query import open_reader

if TYPE_CHECKING:
    import duckdb

RELEASE_TABLES = ("fct_indicator_annual", "fct_indicator_quarterly", "dim_indicator", "dim_community")
YEAR_TABLES = ("fct_indicator_annual", "fct_indicator_quarterly")
STORAGE_VERSION = "v1.4.0"
VERSION_RE = re.compile(r"^v(\d+)$")
YEAR_RE = re.compile(r"^\d{4}$")
FILE_MODE = 0o444
DIR_MODE = 0o555
SELF_FILES = ("manifest.json", "manifest.sha256", ANCHOR_FILE)


class FreezeError(RolwhError):
    """A freeze that may not happen (already frozen without a reason, no marts, race)."""


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
            f"froze {self.year} as {self.version} at {self.path}",
            f"  by {m.get('frozen_by')} at {m.get('frozen_at')}; "
            f"reason: {m.get('reason') or '(first release)'}",
            f"  code {m.get('git_commit')}; {len(m.get('inputs', []))} input files; "
            f"{len(files)} release files",
            f"  gate: {gate.get('expectations_evaluated')} expectations passed, "
            f"{len(gate.get('warnings', []))} warning(s)",
        ]
        for f in files:
            if f.get("rows") is not None:
                lines.append(f"  {f['path']}: {f['rows']} rows, sha256 {f['sha256'][:12]}…")
        return "\n".join(lines)


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
            return f"no release of {self.year} to verify"
        head = "OK" if self.ok else "FAILED"
        lines = [f"verify {self.year} {', '.join(self.checked)}: {head} ({self.files_checked} files checked)"]
        lines += [f"  {p}" for p in self.problems]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def refusal(self) -> str:
        """One line for a reader that refuses this release: which, why, and what to do."""
        shown = "; ".join(self.problems[:3]) + (
            f"; … {len(self.problems) - 3} more" if len(self.problems) > 3 else ""
        )
        return (
            f"release {self.year}/{', '.join(self.checked)} failed verification and is not used ({shown}). "
            f"Run `rolwh verify --year {self.year}`; restore the release and releases/ledger.jsonl from "
            f'your backup, or re-freeze: rolwh freeze --year {self.year} --reason "…"'
        )


# -- helpers --------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


#: Where a release is written before it is renamed into its year folder (same file system).
INCOMING = ".incoming"


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


def _git_commit() -> tuple[str, bool | None]:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        return head or "unknown", bool(dirty)
    except (OSError, subprocess.SubprocessError):
        return "unknown", None


def _dbt_summary(settings: Settings) -> dict[str, Any] | None:
    path = settings.dbt_target_dir / "run_results.json"
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {"path": str(path), "error": f"unreadable: {exc}"}
    statuses: dict[str, int] = {}
    for r in data.get("results", []):
        statuses[str(r.get("status"))] = statuses.get(str(r.get("status")), 0) + 1
    meta = data.get("metadata", {})
    return {
        "path": str(path),
        "sha256": _sha256(path),
        "generated_at": meta.get("generated_at"),
        "dbt_version": meta.get("dbt_version"),
        "invocation_id": meta.get("invocation_id"),
        "elapsed_time": data.get("elapsed_time"),
        "args": {
            k: data.get("args", {}).get(k)
            for k in ("which", "vars", "full_refresh")
            if k in data.get("args", {})
        },
        "results_by_status": statuses,
    }


def _inputs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(
        "select file_name, feed, sha256, export_date, rows_loaded, loaded_at from audit.file_loads"
        " where status = 'loaded' order by feed, export_date, file_name"
    ).fetchall()
    return [
        {
            "file_name": r[0],
            "feed": r[1],
            "sha256": r[2],
            "export_date": r[3].isoformat() if r[3] else None,
            "rows_loaded": r[4],
            "loaded_at": r[5].isoformat() if r[5] else None,
        }
        for r in rows
    ]


def _lock_down(root: Path) -> None:
    """Files 0444, folders 0555, deepest first (root last)."""
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            os.chmod(Path(dirpath) / name, FILE_MODE)
        for name in dirnames:
            os.chmod(Path(dirpath) / name, DIR_MODE)
    os.chmod(root, DIR_MODE)


def _remove_tree(root: Path) -> None:
    """Remove a (possibly read-only) temporary folder."""
    if not root.exists():
        return
    for dirpath, _dirnames, _ in os.walk(root):
        os.chmod(dirpath, 0o755)
    shutil.rmtree(root, ignore_errors=True)


# -- freeze ---------------------------------------------------------------------------------------
def freeze(settings: Settings, year: int, reason: str | None = None, who: str | None = None) -> Release:
    """Run the freeze gate for ``year`` and, if it passes, write the next immutable release."""

    _repair_ledger(settings, year)
    existing = versions(settings, year)
    if existing and not (reason and reason.strip()):
        raise FreezeError(
            f"{year} is already frozen ({', '.join(existing)} under {year_dir(settings, year)}); "
            f'a new version needs a reason: rolwh freeze --year {year} --reason "why"'
        )
    if not settings.warehouse_path.exists():
        raise FreezeError(f"no warehouse at {settings.warehouse_path}: run `rolwh run` before freezing")
    key = _freeze_key(settings)
    version = f"v{int(VERSION_RE.match(existing[-1]).group(1)) + 1}" if existing else "v1"  # type: ignore[union-attr]
    parent = year_dir(settings, year)
    parent.mkdir(parents=True, exist_ok=True)
    # A release is written under releases/.incoming/ and renamed into releases/<year>/ whole, so the
    # year folder only ever holds complete versions; what a killed freeze left there is removed.
    incoming = settings.releases_dir / INCOMING
    for stale in incoming.glob(f"{int(year):04d}-*"):
        _remove_tree(stale)
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
                raise GateBlocked(f"freeze of {year} refused: the quality gate blocked.\n{gate.render()}")
            checkpoint("freeze.after_gate")
            manifest = _write_release(settings, con, tmp, year, version, gate, reason, who)
            write_anchor(tmp, key)
        finally:
            con.close()
        checkpoint("freeze.after_write")
        _lock_down(tmp)
        checkpoint("freeze.before_rename")
        final = parent / version
        try:
            os.rename(tmp, final)
        except OSError as exc:
            raise FreezeError(
                f"{final} appeared while freezing (another freeze?); nothing written: {exc}"
            ) from exc
    except BaseException:
        _remove_tree(tmp)
        raise
    checkpoint("freeze.before_ledger")
    _append_ledger(settings, year, version, manifest, final)
    notes = [key.created_note()] if key.created else []
    unanchored = _releases(settings, anchored=False)
    if unanchored:  # frozen before anchoring: with a release key they no longer verify until anchored
        notes.append(
            f"releases {', '.join(unanchored)} are unanchored: check them, then `rolwh anchor --year`"
        )
    return Release(year=year, version=version, path=final, manifest=manifest, notes=notes)


def _releases(settings: Settings, *, anchored: bool) -> list[str]:
    """Every release ("year/vN") that is (or is not) anchored."""
    return [
        f"{y}/{v}"
        for y in release_years(settings)
        for v in versions(settings, y)
        if is_anchored(year_dir(settings, y) / v) == anchored
    ]


def _freeze_key(settings: Settings) -> ReleaseKey:
    """The release key a freeze (or anchor) signs with; the first one creates it, unless releases
    anchored under a key that is now missing exist (a new key would orphan them)."""
    key = load_key(settings)
    if key is not None:
        return key
    anchored = _releases(settings, anchored=True)
    if anchored:
        raise ReleaseKeyError(
            f"{missing_key_message(settings)}; releases {', '.join(anchored)} are anchored under it, "
            "so no new key is made"
        )
    key = load_key(settings, create=True)
    assert key is not None
    return key


def anchor(settings: Settings, year: int, version: str | None = None) -> tuple[list[str], list[str]]:
    """Anchor releases frozen before anchoring (no manifest.hmac) whose checksums verify.

    Returns (anchored versions, notes). A release whose checksums fail is not anchored (FreezeError):
    anchoring blesses the bytes as they are now, so check them first (``rolwh verify``, a backup).
    """
    key = _freeze_key(settings)
    todo = [version] if version else versions(settings, year)
    if not todo:
        raise FreezeError(f"{year} has no release under {year_dir(settings, year)}")
    ledger = _ledger(settings)
    done: list[str] = []
    for v in todo:
        folder = year_dir(settings, year) / v
        if is_anchored(folder):
            continue
        check = VerifyResult(year=year, checked=[v])
        _verify_one(folder, v, ledger.get((year, v)), check)
        if not check.ok:
            raise FreezeError(f"{year}/{v} not anchored: its checksums fail.\n{check.render()}")
        os.chmod(folder, 0o755)
        try:
            write_anchor(folder, key)
            os.chmod(folder / ANCHOR_FILE, FILE_MODE)
        finally:
            os.chmod(folder, DIR_MODE)
        done.append(v)
    return done, ([key.created_note()] if key.created else [])


def _write_release(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    tmp: Path,
    year: int,
    version: str,
    gate: Any,
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
            raise FreezeError(f"marts.fct_indicator_annual has no rows for {year}: nothing to freeze")
        pq.write_table(tbl, data / f"{table}.parquet", compression="zstd")
        rows[f"data/{table}.parquet"] = tbl.num_rows
        arrow[table] = tbl
        checkpoint("freeze.mid_write")

    db_path = tmp / "release.duckdb"
    mem = duckdb.connect()
    try:
        mem.execute(f"attach {_sql_string(str(db_path))} as rel (storage_version '{STORAGE_VERSION}')")
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
            "sha256": _sha256(path),
            "bytes": path.stat().st_size,
            "rows": rows.get(rel),
        }
        if rel == "release.duckdb":
            entry["tables"] = {f"marts.{t}": arrow[t].num_rows for t in RELEASE_TABLES}
        files.append(entry)
    commit, dirty = _git_commit()
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
        "dbt_run_results": _dbt_summary(settings),
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
        "inputs": _inputs(con),
        "files": files,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, default=str)
    (tmp / "manifest.json").write_text(text, encoding="utf-8")
    (tmp / "manifest.sha256").write_text(
        f"{_sha256(tmp / 'manifest.json')}  manifest.json\n", encoding="utf-8"
    )
    return manifest


def _append_ledger(
    settings: Settings, year: int, version: str, manifest: dict[str, Any], final: Path
) -> None:
    entry = {
        "year": year,
        "version": version,
        "frozen_at": manifest["frozen_at"],
        "frozen_by": manifest["frozen_by"],
        "reason": manifest["reason"],
        "manifest_sha256": _sha256(final / "manifest.json"),
    }
    with (settings.releases_dir / "ledger.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _repair_ledger(settings: Settings, year: int) -> None:
    """Finish a freeze killed between its rename and its ledger line: a complete release (its
    manifest matches manifest.sha256) missing from the ledger gets its line now."""
    ledger = _ledger(settings)
    for v in versions(settings, year):
        folder = year_dir(settings, year) / v
        if (year, v) in ledger or not (folder / "manifest.sha256").exists():
            continue
        if (folder / "manifest.sha256").read_text().split()[0] != _sha256(folder / "manifest.json"):
            continue  # tampered or damaged: verify reports it, the ledger must not bless it
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        _append_ledger(settings, year, v, manifest, folder)


def _ledger(settings: Settings) -> dict[tuple[int, str], dict[str, Any]]:
    path = settings.releases_dir / "ledger.jsonl"
    out: dict[tuple[int, str], dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                e = json.loads(line)
                out[(int(e["year"]), str(e["version"]))] = e
    return out


# -- verify ---------------------------------------------------------------------------------------
def verify(settings: Settings, year: int, version: str | None = None) -> VerifyResult:
    """Re-check every checksum of the year's release (every version, or ``version``)."""
    result = VerifyResult(year=year)
    todo = [version] if version else versions(settings, year)
    ledger = _ledger(settings)
    key, key_error = None, None
    try:
        key = load_key(settings) if todo else None
    except ReleaseKeyError as exc:
        key_error = str(exc)
    for v in todo:
        folder = year_dir(settings, year) / v
        result.checked.append(v)
        if not folder.is_dir():
            result.problems.append(f"{v}: missing release folder {folder}")
            continue
        _verify_one(folder, v, ledger.get((year, v)), result)
        if key_error:
            result.problems.append(f"{v}: cannot check the anchor: {key_error}")
        elif not is_anchored(folder):
            note = (
                f"{v}: unanchored (frozen before anchoring, no {ANCHOR_FILE}): re-freeze or "
                f"`rolwh anchor --year {year}`"
            )
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
        result.problems.append(f"{v}: missing file manifest.json")
        return
    actual = _sha256(manifest_path)
    result.files_checked += 1
    recorded = (
        (folder / "manifest.sha256").read_text().split()[0] if (folder / "manifest.sha256").exists() else None
    )
    if recorded is None:
        result.problems.append(f"{v}: missing file manifest.sha256")
    elif recorded != actual:
        result.problems.append(
            f"{v}: changed file manifest.json (sha256 {actual[:12]}…, manifest.sha256 says {recorded[:12]}…)"
        )
    if ledger_entry is None:
        result.problems.append(f"{v}: not in the release ledger (releases/ledger.jsonl)")
    elif ledger_entry.get("manifest_sha256") != actual:
        result.problems.append(f"{v}: changed file manifest.json (sha256 differs from the ledger's)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        result.problems.append(f"{v}: manifest.json is not valid JSON: {exc}")
        return
    listed = {f["path"]: f for f in manifest.get("files", [])}
    for rel, entry in listed.items():
        path = folder / rel
        result.files_checked += 1
        if not path.is_file():
            result.problems.append(f"{v}: missing file {rel}")
            continue
        digest = _sha256(path)
        if digest != entry["sha256"]:
            result.problems.append(
                f"{v}: changed file {rel} (sha256 {digest[:12]}…, expected {entry['sha256'][:12]}…)"
            )
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(folder).as_posix()
        if rel not in listed and rel not in SELF_FILES:
            result.problems.append(f"{v}: extra file {rel} (not in the manifest)")
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        want = DIR_MODE if path.is_dir() else FILE_MODE
        if mode & 0o222:
            rel = path.relative_to(folder).as_posix() or "."
            result.problems.append(f"{v}: writable {rel} (mode {mode:o}, expected {want:o})")


# -- listing --------------------------------------------------------------------------------------
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


# -- revision report ------------------------------------------------------------------------------
def _resolve_version(settings: Settings, year: int, version: str | None) -> str:
    have = versions(settings, year)
    if not have:
        raise FreezeError(
            f"{year} has no release under {year_dir(settings, year)}: run `rolwh freeze --year {year}`"
        )
    if version is None:
        return have[-1]
    if version not in have:
        raise FreezeError(f"{year} has no release {version}; it has {', '.join(have)}")
    return version


def _live_annual(
    settings: Settings, year: int, con: duckdb.DuckDBPyConnection | None
) -> dict[tuple[str, str], Any]:
    sql = "select indicator_code, community_code, value from marts.fct_indicator_annual where year = ?"
    if con is not None:
        rows = con.execute(sql, [year]).fetchall()
    else:
        try:
            live = connect(settings, read_only=True)
        except (duckdb.IOException, FileNotFoundError):  # the writer holds the working file
            live = open_reader(settings)
        try:
            rows = live.execute(sql, [year]).fetchall()
        finally:
            live.close()
    return {(r[0], r[1]): r[2] for r in rows}


def diff_rows(
    settings: Settings, year: int, version: str | None = None, con: duckdb.DuckDBPyConnection | None = None
) -> list[dict[str, Any]]:
    """Per indicator and community (ALL first), the frozen and live annual value and the change."""

    version = _resolve_version(settings, year, version)
    require_verified(settings, year, version)
    parquet = year_dir(settings, year) / version / "data" / "fct_indicator_annual.parquet"
    mem = duckdb.connect()
    try:
        frozen = {
            (r[0], r[1]): r[2]
            for r in mem.execute(
                "select indicator_code, community_code, value from read_parquet(?)", [str(parquet)]
            ).fetchall()
        }
    finally:
        mem.close()
    live = _live_annual(settings, year, con)
    out = []
    for key in sorted(set(frozen) | set(live), key=lambda k: (k[0], k[1] != "ALL", k[1])):
        f, lv = frozen.get(key), live.get(key)
        f_num = float(f) if f is not None else None
        l_num = float(lv) if lv is not None else None
        if key not in frozen:
            status = "new"
        elif key not in live:
            status = "removed"
        elif f_num == l_num or (f_num is not None and l_num is not None and abs(f_num - l_num) < 1e-12):
            status = "same"
        else:
            status = "changed"
        change = l_num - f_num if f_num is not None and l_num is not None else None
        out.append(
            {
                "year": year,
                "version": version,
                "indicator_code": key[0],
                "community_code": key[1],
                "frozen_value": f_num,
                "live_value": l_num,
                "change": change,
                "status": status,
            }
        )
    return out


def render_diff(settings: Settings, year: int, version: str | None = None, *, all_rows: bool = False) -> str:
    """The revision report: every indicator's ALL row, plus every community row that changed."""
    rows = diff_rows(settings, year, version)
    version = rows[0]["version"] if rows else _resolve_version(settings, year, version)
    changed = [r for r in rows if r["status"] != "same"]
    lines = [
        f"revision report {year}: release {version} vs live marts — {len(changed)} of {len(rows)} "
        "values differ",
        f"{'indicator':<28}{'community':<10}{'frozen':>14}{'live':>14}{'change':>14}  status",
    ]

    def num(x: float | None) -> str:
        return "NULL" if x is None else (f"{x:.0f}" if float(x).is_integer() else f"{x:.4f}")

    for r in rows:
        if all_rows or r["community_code"] == "ALL" or r["status"] != "same":
            ch = "" if r["change"] in (None, 0) else ("+" if r["change"] > 0 else "") + num(r["change"])
            lines.append(
                f"{r['indicator_code']:<28}{r['community_code']:<10}{num(r['frozen_value']):>14}"
                f"{num(r['live_value']):>14}{ch:>14}  {r['status']}"
            )
    return "\n".join(lines)


# -- readers of releases verify them first -------------------------------------------------------
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
    warnings = [f"release {c.year}/{w}" for c in checks if c.ok for w in c.warnings]
    return refused, warnings


# -- frozen view for analysts ---------------------------------------------------------------------
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


def frozen_release_vars(settings: Settings, checks: list[VerifyResult] | None = None) -> list[dict[str, Any]]:
    """The dbt var ``frozen_releases`` of the model ``marts.fct_indicator_annual_frozen``: the latest
    release of each year that verifies, as {year, version, path (absolute annual Parquet), frozen_at}."""
    return [
        {"year": year, "version": version, "path": str(path), "frozen_at": frozen_at}
        for year, version, path, frozen_at in latest_releases(settings, checks)
    ]
