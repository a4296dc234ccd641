"""Build the dbt marts: `dbt build` (seeds, models, tests, unit tests) then `dbt docs generate`,
running only what the last builds (rolwh.transform.build_state) leave to do."""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from rolwh.core.contracts import FEEDS
from rolwh.core.errors import EnvironmentFault
from rolwh.core.faults import checkpoint
from rolwh.core.i18n import _
from rolwh.core.offline import strip_remote_references
from rolwh.core.progress import progress_steps
from rolwh.core.settings import Settings
from rolwh.transform.build_state import (
    INCOMPLETE_MARKER,
    FrozenRelease,
    docs_present,
    feeds_with_unbuilt_rows,
    frozen_is_current,
    prepare_warehouse,
    project_fingerprint,
    record_build,
    record_frozen,
)
from rolwh.transform.dbt_runner import (
    BuildResult,
    DbtBuildError,
    NodeResult,
    count_nodes,
    disk_full_note,
    node_progress,
    output_tail,
    parse_run_results,
    run_dbt,
    shape_changed,
)
from rolwh.transform.targets import read_targets, target_files, targets_digest, write_targets

log = logging.getLogger(__name__)

#: Copy of the build's run_results.json (``dbt docs generate`` overwrites the original).
BUILD_RESULTS_NAME = "build_run_results.json"
FROZEN_MODEL = "fct_indicator_annual_frozen"
#: ``dbt docs generate --static``: the docs site as one file (manifest and catalog inside), which
#: a browser opens from disk (index.html fetches manifest.json, which browsers block for file://)
STATIC_DOCS = "static_index.html"
#: the offline copy in ``settings.docs_dir`` (remote references neutralised)
OFFLINE_DBT_DOCS = "dbt.html"
#: the var naming the verified releases the frozen mart reads (not part of the project's fingerprint)
FROZEN_VAR = "frozen_releases"


def build(
    settings: Settings,
    full_refresh: bool = False,
    select: str | None = None,
    *,
    dbt_vars: Mapping[str, object] | None = None,
    frozen_releases: Sequence[FrozenRelease] = (),
    docs: bool = True,
    raise_on_failure: bool = True,
    progress: bool = True,
) -> BuildResult:
    """Run ``dbt build`` (seeds, models, data and unit tests) on the working warehouse.

    ``dbt_vars`` are passed as dbt ``--vars`` (e.g. ``{"as_of_date": "2024-06-30"}``);
    ``frozen_releases`` (verified by the caller: rolwh.release.frozen.frozen_release_vars) become the
    var ``frozen_releases`` of ``marts.fct_indicator_annual_frozen``, outside the project's
    fingerprint: a new release rebuilds that one model, not the project. On success the
    docs site (index.html, manifest.json, catalog.json, lineage included) is generated into
    ``settings.dbt_target_dir``. Nothing else may hold the DuckDB file open meanwhile. A failing
    build raises :class:`DbtBuildError` naming the failing nodes (unless ``raise_on_failure`` is off).

    What runs depends on the last builds (``audit.dbt_builds``): another project, vars or dbt →
    ``--full-refresh``; the same as the last whole build → no seeds, unit tests or docs generation,
    only what is downstream of feeds with rows not yet built, and no dbt at all when there are none
    (``BuildResult.skipped``). A build that failed or was killed leaves a marker: the next builds all.
    ``progress`` shows each finished node (rolwh.core.progress: a bar, or plain lines off a terminal).
    """

    targets = read_targets(target_files(settings))  # a bad file: exit 2 before dbt runs
    last = prepare_warehouse(settings)
    write_targets(settings, targets)
    settings.dbt_target_dir.mkdir(parents=True, exist_ok=True)
    run_results = settings.dbt_target_dir / "run_results.json"
    run_results.unlink(missing_ok=True)
    fingerprint = project_fingerprint(dbt_vars, targets_digest(targets))
    # Incremental models are only valid for the project, vars and dbt that built them: any change
    # since the last build (or no recorded build) rebuilds them from the raw layer.
    full_refresh = full_refresh or last.any_build != fingerprint
    # The nightly case: same project, vars and dbt as the last whole build, only new data. Seeds
    # and unit tests (SQL logic on fixed inputs) cannot have changed; models and data tests run.
    same_project = not full_refresh and not select and last.whole_build == fingerprint
    target = settings.dbt_target_dir
    incomplete = target / INCOMPLETE_MARKER  # left behind by a build that failed or was killed
    # Only the feeds that received rows dbt has not built yet (None: unknown, build everything).
    feeds = feeds_with_unbuilt_rows(settings) if same_project and not incomplete.exists() else None
    if feeds == [] and (not docs or (last.whole_docs and _docs_present(target))):
        refresh_frozen(settings, frozen_releases, dbt_vars)
        if docs:
            write_offline_docs(settings)
        return BuildResult(
            returncode=0,
            nodes=(),
            run_results_path=None,
            target_dir=target,
            docs_generated=docs,
            skipped=_(
                "no feed has rows that the last build did not take in; the marts are current"
                " (`rolwh build --full-refresh` rebuilds everything)"
            ),
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
        args += ["--select", *(f"source:raw.{f}+" for f in feeds or ())]
    if same_project:
        args += ["--exclude", "resource_type:seed", "resource_type:unit_test"]
    args += _vars_args(dbt_vars, frozen_releases)
    started = time.monotonic()
    checkpoint("build.before_dbt")
    incomplete.touch()
    with progress_steps(_("dbt build"), enabled=progress) as steps:
        proc = run_dbt(args, settings, on_event=node_progress(steps))
    elapsed = time.monotonic() - started

    kept: Path | None = None
    nodes: tuple[NodeResult, ...] = ()
    if run_results.exists():
        kept = settings.dbt_target_dir / BUILD_RESULTS_NAME
        shutil.copyfile(run_results, kept)
        nodes = parse_run_results(kept)
    tail = output_tail(proc, 30)
    if proc.returncode != 0 and not full_refresh and shape_changed(proc.stdout + proc.stderr, nodes):
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
            progress=progress,
        )

    checkpoint("build.after_dbt")
    docs_ok = False
    if docs and proc.returncode == 0 and same_project and last.whole_docs and _docs_present(target):
        docs_ok = True  # same project as the docs site's: the build refreshed manifest.json itself
    elif docs and proc.returncode == 0:
        docs_proc = run_dbt(
            ["docs", "generate", "--static", *_vars_args(dbt_vars, frozen_releases)], settings
        )
        docs_ok = docs_proc.returncode == 0 and (settings.dbt_target_dir / "index.html").exists()
        if not docs_ok:
            tail += "\n" + _("[dbt docs generate failed]") + "\n" + output_tail(docs_proc, 15)
    if docs_ok:
        write_offline_docs(settings)

    result = BuildResult(
        returncode=proc.returncode if (docs_ok or not docs or proc.returncode != 0) else 1,
        nodes=nodes,
        run_results_path=kept,
        target_dir=settings.dbt_target_dir,
        elapsed_s=elapsed,
        command=tuple(args),
        output_tail=tail,
        docs_generated=docs_ok,
        counts=count_nodes(nodes),
    )
    if result.ok:
        selection = select or (f"feeds:{','.join(feeds or ())}" if auto_select else None)
        record_build(settings, fingerprint, selection, full_refresh, docs_ok)
        if not select:  # a whole or feed-selected build rebuilt the frozen mart with these releases
            record_frozen(settings, frozen_releases)
        incomplete.unlink(missing_ok=True)
    if not result.ok and raise_on_failure:
        full = disk_full_note(settings, proc.stdout + proc.stderr)
        error = DbtBuildError(full + result.render(), result)
        if full:
            error.exit_code = EnvironmentFault.exit_code  # the disk, not the models: exit 7
        raise error
    return result


def _docs_present(target: Path) -> bool:
    """A docs site in the target dir, its one-file version included."""
    return docs_present(target) and (target / STATIC_DOCS).is_file()


def write_offline_docs(settings: Settings) -> Path | None:
    """Copy the one-file dbt docs to ``docs_dir/dbt.html`` with every remote reference (dbt's usage
    tracker script) pointing nowhere, when the generated file is newer than the copy; its path."""
    source = settings.dbt_target_dir / STATIC_DOCS
    target = settings.docs_dir / OFFLINE_DBT_DOCS
    if not source.is_file():
        return None
    if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    settings.docs_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(strip_remote_references(source.read_text(encoding="utf-8")), encoding="utf-8")
    tmp.replace(target)
    return target


def _vars_args(dbt_vars: Mapping[str, object] | None, frozen_releases: Sequence[FrozenRelease]) -> list[str]:
    """``--vars`` of a dbt command: the project's vars plus the verified releases."""
    merged = {**dict(dbt_vars or {}), FROZEN_VAR: [dict(r) for r in frozen_releases]}
    return ["--vars", json.dumps(merged, ensure_ascii=False, default=str)]


def refresh_frozen(
    settings: Settings,
    frozen_releases: Sequence[FrozenRelease],
    dbt_vars: Mapping[str, object] | None = None,
) -> bool:
    """Rebuild only ``marts.fct_indicator_annual_frozen`` when the verified releases differ from
    those it holds (a freeze, or a release that stopped verifying); True when it ran."""
    if frozen_is_current(settings, frozen_releases):
        return False
    proc = run_dbt(["build", "--select", FROZEN_MODEL, *_vars_args(dbt_vars, frozen_releases)], settings)
    if proc.returncode != 0:
        raise DbtBuildError(
            _("dbt could not rebuild {model} from the releases:\n{output}").format(
                model=FROZEN_MODEL, output=output_tail(proc, 20)
            )
        )
    record_frozen(settings, frozen_releases)
    return True
