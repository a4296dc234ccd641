"""Build the dbt marts: `dbt build` (seeds, models, tests, unit tests) then `dbt docs generate`."""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb

from rolwh.core.contracts import FEEDS
from rolwh.core.errors import EnvironmentFault, RolwhError, WarehouseBusy
from rolwh.core.faults import checkpoint
from rolwh.core.settings import DBT_PROJECT_DIR, Settings
from rolwh.core.sql import table_exists
from rolwh.core.warehouse import connect, ensure_schema

log = logging.getLogger(__name__)

#: Copy of the build's run_results.json (``dbt docs generate`` overwrites the original).
BUILD_RESULTS_NAME = "build_run_results.json"
#: In the dbt target dir while a build runs; still there when the last build failed or was killed.
FROZEN_MODEL = "fct_indicator_annual_frozen"
#: the var naming the verified releases the frozen mart reads (not part of the project's fingerprint)
FROZEN_VAR = "frozen_releases"
INCOMPLETE_MARKER = "build.incomplete"
#: Statuses dbt reports for a node that did not pass.
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


class DbtBuildError(RolwhError):
    """dbt failed: the message names the failing nodes and what dbt said about them."""

    def __init__(self, message: str, result: BuildResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class NodeResult:
    """One node of run_results.json: a model, seed, data test or unit test."""

    unique_id: str
    resource_type: str  # model | seed | test | unit_test | snapshot | ...
    status: str
    message: str
    failures: int | None
    execution_time: float

    @property
    def name(self) -> str:
        return self.unique_id.split(".", 2)[-1]

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the nodes dbt ran, where its artefacts are, and whether it all passed."""

    returncode: int
    nodes: tuple[NodeResult, ...]
    run_results_path: Path | None
    target_dir: Path
    elapsed_s: float = 0.0
    command: tuple[str, ...] = ()
    output_tail: str = ""
    docs_generated: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: str | None = None  # why dbt did not run (nothing new since the last build)

    @property
    def failed_nodes(self) -> tuple[NodeResult, ...]:
        return tuple(n for n in self.nodes if n.failed)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.failed_nodes

    @property
    def docs_index(self) -> Path:
        return self.target_dir / "index.html"

    def render(self) -> str:
        """A readable summary: nodes passed/failed per kind, then every failing node with its message."""
        if self.skipped:
            return f"dbt build not run: {self.skipped}"
        lines = [f"dbt build {'OK' if self.ok else 'FAILED'} in {self.elapsed_s:.1f} s"]
        for kind, by_status in sorted(self.counts.items()):
            parts = ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
            lines.append(f"  {kind + 's':<11} {parts}")
        for node in self.failed_nodes:
            lines.append(f"  FAILED {node.resource_type} {node.name}: {_one_line(node.message)}")
        if self.returncode != 0 and not self.failed_nodes and self.output_tail:
            lines.append("  dbt said:")
            lines.extend("    " + line for line in self.output_tail.splitlines()[-15:])
        if self.run_results_path:
            lines.append(f"  run results: {self.run_results_path}")
        if self.docs_generated:
            lines.append(f"  docs: {self.docs_index}")
        return "\n".join(lines)


def _one_line(text: str, limit: int = 400) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def dbt_executable() -> str:
    """The dbt of this interpreter's environment (next to ``sys.executable``)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def parse_run_results(path: Path) -> tuple[NodeResult, ...]:
    """The node results of a dbt run_results.json; none when dbt could not finish writing it
    (a full disk truncates it: the build then fails on its return code and says why)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    nodes = []
    for r in data.get("results", []):
        uid = r.get("unique_id", "")
        nodes.append(
            NodeResult(
                unique_id=uid,
                resource_type=uid.split(".", 1)[0],
                status=str(r.get("status", "")),
                message=str(r.get("message") or ""),
                failures=r.get("failures"),
                execution_time=float(r.get("execution_time") or 0.0),
            )
        )
    return tuple(nodes)


def _count(nodes: tuple[NodeResult, ...]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for n in nodes:
        by_status = counts.setdefault(n.resource_type, {})
        by_status[n.status] = by_status.get(n.status, 0) + 1
    return counts


def _run_dbt(args: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings.dbt_env()}
    cmd = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(settings.dbt_target_dir),
        "--log-path",
        str(settings.dbt_log_dir),
    ]
    return subprocess.run(
        cmd,
        env=env,
        capture_output=True,
        text=True,
        cwd=DBT_PROJECT_DIR,
        check=False,
        preexec_fn=_die_with_parent,
    )


def _die_with_parent() -> None:
    """In the dbt child: get SIGKILL when the parent dies (Linux), so a killed run leaves no orphan
    dbt writing the warehouse after the writer lock is gone."""

    # not Linux: the lock file and DuckDB's own file lock still refuse a second writer
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@dataclass(frozen=True)
class LastBuilds:
    """Fingerprints of the last successful builds recorded in audit.dbt_builds."""

    any_build: str | None  # the last build, whole or --select
    whole_build: str | None  # the last build of the whole project
    whole_docs: bool  # ... and whether it left a docs site


def project_fingerprint(dbt_vars: Mapping[str, Any] | None) -> str:
    """SHA-256 of everything a build's result depends on besides the data: every file of the dbt
    project (models, tests, macros, seeds, configuration), the --vars and the dbt versions."""

    h = hashlib.sha256()
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        rel = path.relative_to(DBT_PROJECT_DIR)
        if path.is_file() and rel.parts[0] not in ("target", "logs", "dbt_packages"):
            h.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(json.dumps(dict(dbt_vars or {}), sort_keys=True, default=str).encode())
    h.update(f"dbt-core {version('dbt-core')} dbt-duckdb {version('dbt-duckdb')}".encode())
    return h.hexdigest()


def _prepare_warehouse(settings: Settings) -> LastBuilds:
    """Create the raw and audit layers (so dbt's sources exist before any load), then let go;
    returns what the last successful builds were."""

    settings.ensure_dirs()
    try:
        con = connect(settings)
    except duckdb.IOException as exc:  # another process holds the file (DuckDB: one writer)
        raise WarehouseBusy(
            f"cannot build: the warehouse {settings.warehouse_path} is open in another process ({exc})"
        ) from None
    try:
        ensure_schema(con)
        last = "select {} from audit.dbt_builds {} order by built_at desc limit 1"
        any_build = con.execute(last.format("fingerprint", "")).fetchone()
        whole = con.execute(last.format("fingerprint, docs_generated", "where selection is null")).fetchone()
    finally:
        con.close()
    return LastBuilds(
        any_build=any_build[0] if any_build else None,
        whole_build=whole[0] if whole else None,
        whole_docs=bool(whole and whole[1]),
    )


def build(
    settings: Settings,
    full_refresh: bool = False,
    select: str | None = None,
    *,
    dbt_vars: Mapping[str, Any] | None = None,
    frozen_releases: Sequence[Mapping[str, Any]] = (),
    docs: bool = True,
    raise_on_failure: bool = True,
) -> BuildResult:
    """Run ``dbt build`` (seeds, models, data and unit tests) on the working warehouse.

    ``dbt_vars`` are passed as dbt ``--vars`` (e.g. ``{"as_of_date": "2024-06-30"}``);
    ``frozen_releases`` (verified by the caller: rolwh.releases.frozen.frozen_release_vars) become the
    var ``frozen_releases`` of ``marts.fct_indicator_annual_frozen``, outside the project's
    fingerprint: a new release rebuilds that one model, not the project. On success the
    docs site (index.html, manifest.json, catalog.json, lineage included) is generated into
    ``settings.dbt_target_dir``. Nothing else may hold the DuckDB file open meanwhile. A failing
    build raises :class:`DbtBuildError` naming the failing nodes (unless ``raise_on_failure`` is off).

    What runs depends on the last builds (``audit.dbt_builds``): another project, vars or dbt →
    ``--full-refresh``; the same as the last whole build → no seeds, unit tests or docs generation,
    only what is downstream of feeds with rows not yet built, and no dbt at all when there are none
    (``BuildResult.skipped``). A build that failed or was killed leaves a marker: the next builds all.
    """

    last = _prepare_warehouse(settings)
    settings.dbt_target_dir.mkdir(parents=True, exist_ok=True)
    run_results = settings.dbt_target_dir / "run_results.json"
    run_results.unlink(missing_ok=True)
    fingerprint = project_fingerprint(dbt_vars)
    # Incremental models are only valid for the project, vars and dbt that built them: any change
    # since the last build (or no recorded build) rebuilds them from the raw layer.
    full_refresh = full_refresh or last.any_build != fingerprint
    # The nightly case: same project, vars and dbt as the last whole build, only new data. Seeds
    # and unit tests (SQL logic on fixed inputs) cannot have changed; models and data tests run.
    same_project = not full_refresh and not select and last.whole_build == fingerprint
    target = settings.dbt_target_dir
    incomplete = target / INCOMPLETE_MARKER  # left behind by a build that failed or was killed
    # Only the feeds that received rows dbt has not built yet (None: unknown, build everything).
    feeds = _feeds_with_unbuilt_rows(settings) if same_project and not incomplete.exists() else None
    if feeds == [] and (not docs or (last.whole_docs and _docs_present(target))):
        _after_build(settings, None)
        refresh_frozen(settings, frozen_releases, dbt_vars)
        return BuildResult(
            returncode=0,
            nodes=(),
            run_results_path=None,
            target_dir=target,
            docs_generated=docs,
            skipped="no feed has rows that the last build did not take in; the marts are current"
            " (`rolwh build --full-refresh` rebuilds everything)",
        )
    auto_select = feeds is not None and 0 < len(feeds) < len(FEEDS)

    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        # only the tests whose parents are all built by this selection
        args += ["--select", select, "--indirect-selection", "buildable"]
    elif auto_select:
        # what is downstream of the feeds with new rows (every table exists: tests of shared
        # marts run too, whichever parent is selected)
        args += ["--select", *(f"source:raw.{f}+" for f in feeds)]
    if same_project:
        args += ["--exclude", "resource_type:seed", "resource_type:unit_test"]
    args += _vars_args(dbt_vars, frozen_releases)
    started = time.monotonic()
    checkpoint("build.before_dbt")
    incomplete.touch()
    proc = _run_dbt(args, settings)
    elapsed = time.monotonic() - started

    kept: Path | None = None
    nodes: tuple[NodeResult, ...] = ()
    if run_results.exists():
        kept = settings.dbt_target_dir / BUILD_RESULTS_NAME
        shutil.copyfile(run_results, kept)
        nodes = parse_run_results(kept)
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
    if proc.returncode != 0 and not full_refresh and _shape_changed(proc.stdout + proc.stderr, nodes):
        # A new release of the models or the dictionary changed a table's columns: rebuild the
        # derived tables from the raw layer (it keeps every version, so nothing is lost).
        log.warning("model or seed columns changed since the last build: rebuilding with --full-refresh")
        return build(
            settings,
            True,
            select,
            dbt_vars=dbt_vars,
            frozen_releases=frozen_releases,
            docs=docs,
            raise_on_failure=raise_on_failure,
        )

    checkpoint("build.after_dbt")
    docs_ok = False
    if docs and proc.returncode == 0 and same_project and last.whole_docs and _docs_present(target):
        docs_ok = True  # same project as the docs site's: the build refreshed manifest.json itself
    elif docs and proc.returncode == 0:
        docs_args = ["docs", "generate", *_vars_args(dbt_vars, frozen_releases)]
        docs_proc = _run_dbt(docs_args, settings)
        docs_ok = docs_proc.returncode == 0 and (settings.dbt_target_dir / "index.html").exists()
        if not docs_ok:
            tail += "\n[dbt docs generate failed]\n" + "\n".join(
                (docs_proc.stdout + docs_proc.stderr).strip().splitlines()[-15:]
            )

    result = BuildResult(
        returncode=proc.returncode if (docs_ok or not docs or proc.returncode != 0) else 1,
        nodes=nodes,
        run_results_path=kept,
        target_dir=settings.dbt_target_dir,
        elapsed_s=elapsed,
        command=tuple(args),
        output_tail=tail,
        docs_generated=docs_ok,
        counts=_count(nodes),
    )
    if result.ok:
        selection = select or (f"feeds:{','.join(feeds)}" if auto_select else None)
        _after_build(settings, (fingerprint, selection, full_refresh, docs_ok))
        if not select:  # a whole or feed-selected build rebuilt the frozen mart with these releases
            _record_frozen(settings, frozen_releases)
        incomplete.unlink(missing_ok=True)
    if not result.ok and raise_on_failure:
        full = _disk_full_note(settings, proc.stdout + proc.stderr)
        error = DbtBuildError(full + result.render(), result)
        if full:
            error.exit_code = EnvironmentFault.exit_code  # the disk, not the models: exit 7
        raise error
    return result


def _docs_present(target: Path) -> bool:
    return all((target / name).is_file() for name in ("index.html", "catalog.json"))


def _feeds_with_unbuilt_rows(settings: Settings) -> list[str] | None:
    """Feeds whose raw table holds loads that their ``*_versions`` model has not taken in yet, or
    None when that cannot be told (no manifest of an earlier build, a model or table missing).

    Each versions model appends every new load of its raw table and the rest of the project is
    rebuilt from them, so a feed without such loads has nothing new for any model."""

    try:
        manifest = json.loads((settings.dbt_target_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    versions = {}  # feed -> "schema.table" of the incremental model reading its raw table
    for node in manifest.get("nodes", {}).values():
        if (
            node.get("resource_type") == "model"
            and node.get("config", {}).get("materialized") == "incremental"
        ):
            for parent in node.get("depends_on", {}).get("nodes", []):
                if parent.startswith("source.") and parent.split(".")[-2] == "raw":
                    versions[parent.split(".")[-1]] = f"{node['schema']}.{node.get('alias') or node['name']}"
    if any(f.name not in versions for f in FEEDS):
        return None
    con = connect(settings)
    try:
        needed = (*versions.values(), "marts.fct_indicator_annual")
        if not all(table_exists(con, *relation.split(".", 1)) for relation in needed):
            return None
        return [
            f.name
            for f in FEEDS
            if con.execute(
                f"select exists (select _load_id from {f.table} except select _load_id from {versions[f.name]})"
            ).fetchone()[0]
        ]
    finally:
        con.close()


def _after_build(settings: Settings, record: tuple[str, str | None, bool, bool] | None) -> None:
    """Record the build (fingerprint, selection, full refresh, docs) in audit.dbt_builds."""
    if record is None:
        return
    con = connect(settings)
    try:
        fingerprint, *rest = record
        con.execute(
            "insert into audit.dbt_builds values (?, ?, ?, ?, ?)", [fingerprint, dt.datetime.now(), *rest]
        )
    finally:
        con.close()


def _vars_args(dbt_vars: Mapping[str, Any] | None, frozen_releases: Sequence[Mapping[str, Any]]) -> list[str]:
    """``--vars`` of a dbt command: the project's vars plus the verified releases."""
    merged = {**dict(dbt_vars or {}), FROZEN_VAR: [dict(r) for r in frozen_releases]}
    return ["--vars", json.dumps(merged, ensure_ascii=False, default=str)]


def _frozen_record(settings: Settings) -> Path:
    return settings.dbt_target_dir / "frozen_releases.json"


def _record_frozen(settings: Settings, frozen_releases: Sequence[Mapping[str, Any]]) -> None:
    """Remember which releases the frozen mart holds (compared by :func:`refresh_frozen`)."""
    _frozen_record(settings).write_text(
        json.dumps([dict(r) for r in frozen_releases], sort_keys=True, default=str), encoding="utf-8"
    )


def refresh_frozen(
    settings: Settings,
    frozen_releases: Sequence[Mapping[str, Any]],
    dbt_vars: Mapping[str, Any] | None = None,
) -> bool:
    """Rebuild only ``marts.fct_indicator_annual_frozen`` when the verified releases differ from
    those it holds (a freeze, or a release that stopped verifying); True when it ran."""
    wanted = json.dumps([dict(r) for r in frozen_releases], sort_keys=True, default=str)
    record = _frozen_record(settings)
    if record.exists() and record.read_text(encoding="utf-8") == wanted:
        return False
    args = ["build", "--select", FROZEN_MODEL, *_vars_args(dbt_vars, frozen_releases)]
    proc = _run_dbt(args, settings)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-20:])
        raise DbtBuildError(f"dbt could not rebuild {FROZEN_MODEL} from the releases:\n{tail}")
    _record_frozen(settings, frozen_releases)
    return True


def _shape_changed(output: str, nodes: tuple[NodeResult, ...]) -> bool:
    """Did the build fail because an incremental model's or a seed's columns changed?"""
    if "schemas on this incremental model are out of sync" in output:
        return True
    return any(n.failed and n.resource_type == "seed" for n in nodes)


#: Below this much free space a failed build is reported as a full disk.
DISK_FULL_BYTES = 2 * 2**20


def _disk_full_note(settings: Settings, output: str) -> str:
    """A first line saying the disk is full when dbt says so or the warehouse's file system has no space."""
    try:
        st = os.statvfs(settings.warehouse_dir)
        free = st.f_bavail * st.f_frsize
    except OSError:
        free = DISK_FULL_BYTES
    if "No space left on device" not in output and free >= DISK_FULL_BYTES:
        return ""
    return (
        f"disk full while writing {settings.warehouse_dir} (dbt build; {free / 2**20:.1f} MB free): free "
        f"space on that file system and re-run; the previous publication and the releases are unchanged.\n"
    )
