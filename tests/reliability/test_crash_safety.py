"""SIGKILL `rolwh run` / publish / freeze at every kill point: readers see the old or the new version,
releases stay verifiable, and the next run ends with the marts of a run that was never interrupted.

One reference home is prepared per module (a quarter of demo exports, published, frozen as 2024/v1)
and its "new" state (one more month of exports, a broken file among them, run to the end); every kill
point works on a copy of the old home. Ingest-phase kills recover with `rolwh ingest` and compare raw
and audit rows; a few representative points recover with a full `rolwh run` and compare every row of
the indicator marts.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rolwh.core.settings import Settings
from tests.reliability import crash
from tests.reliability.conftest import copy_home, rolwh
from tests.reliability.crash import UNDATED, Reference

pytestmark = pytest.mark.slow

KILLED = -9


@pytest.fixture(scope="module")
def ref(crash_reference: Reference) -> Reference:
    return crash_reference


def _copy(ref: Reference, tmp_path: Path, *, delta: bool = True, src: Settings | None = None) -> Settings:
    s = copy_home((src or ref.old).home, tmp_path / "home")
    if delta:
        crash.add_files(ref.delta, s.landing)
    return s


def _assert_readers_see_old_or_new(s: Settings, ref: Reference) -> str:
    """The serving file and its Parquet export are one complete version; releases verify. Which one."""
    state = crash.serving_state(s)
    assert state is not None
    assert state["duckdb"] == state["parquet"], "serving file and Parquet export disagree"
    which = "old" if state == ref.old_serving else "new" if state == ref.new_serving else None
    assert which, "the serving file is neither the old nor the new publication"
    _assert_releases_intact(s, ref)
    return which


def _assert_releases_intact(s: Settings, ref: Reference, *, allow_unledgered: str | None = None) -> None:
    have = crash.versions(s)
    assert have[0] == "v1"
    checked = crash.verify(s)
    problems = [line.strip() for line in checked.stdout.splitlines()[1:] if line.strip()]
    if allow_unledgered and checked.returncode:
        # killed between rename and ledger: complete, checksums right, only the ledger line missing
        assert problems and all(
            p.startswith(f"{allow_unledgered}: not in the release ledger") for p in problems
        ), checked.stdout
    else:
        assert checked.returncode == 0, checked.stdout + checked.stderr
    for v in have:
        assert crash.release_data(s, v) == ref.v1_data, v
    assert not list((s.releases_dir / str(crash.YEAR)).glob(".v*")), "temporary release folder left behind"


def _kill(s: Settings, label: str, nth: int = 1, *args: str) -> None:
    proc = rolwh(s, *(args or ("run", "--quiet")), ROLWH_TEST_KILL_AT=f"{label}:{nth}")
    assert proc.returncode == KILLED, f"{label}:{nth} not reached ({proc.returncode}): {proc.stdout[-2000:]}"


def _recover_ingest(s: Settings, ref: Reference) -> None:
    crash.ok(rolwh(s, "ingest", "--quiet"), "recovery ingest")
    assert crash.raw_and_audit(s) == ref.new_raw_audit
    assert crash.file_tree(s.quarantine_dir) == ref.new_quarantine
    assert crash.file_tree(s.landing) == crash.file_tree(ref.new.landing)


def _recover_run(s: Settings, ref: Reference) -> None:
    crash.ok(rolwh(s, "run", "--quiet"), "recovery run")
    assert crash.indicator_marts(s) == ref.new_marts
    assert crash.raw_and_audit(s) == ref.new_raw_audit
    assert crash.serving_state(s) == ref.new_serving
    _assert_releases_intact(s, ref)


# -- ingest phase: old publication stays; `rolwh ingest` completes raw + audit exactly -------------
def _nth_committed(ref: Reference, name: str) -> int:
    return ref.committed_order.index(name) + 1


def _nth_scanned_delta_file(s: Settings, ref: Reference, k: int) -> int:
    """The pass of ingest.file_start at which the k-th new file is reached (old files come first per feed)."""
    from ingest.discover import list_files
    from rolwh.core.contracts import FEEDS

    scanned = [p.name for f in FEEDS for p in list_files(s, f.name)]
    new = {p.name for p in ref.delta.rglob("*") if p.is_file()}
    return [i for i, name in enumerate(scanned, 1) if name in new][k - 1]


INGEST_POINTS = [
    ("ingest.file_start", 1),
    ("ingest.file_start", 4),  # between files: three committed, the fourth not begun
    ("ingest.before_commit", 1),
    ("ingest.before_commit", 3),
    ("ingest.file_committed", 1),
    ("ingest.file_committed", 2),
    ("ingest.file_committed", "undated"),  # audit row committed, quarantine move not done
    ("run.after_ingest", 1),
    ("build.before_dbt", 1),
]


@pytest.mark.parametrize(("label", "nth"), INGEST_POINTS, ids=[f"{label}:{n}" for label, n in INGEST_POINTS])
def test_kill_before_dbt_keeps_the_old_publication_and_ingest_completes(
    ref: Reference, tmp_path: Path, label: str, nth: int | str
) -> None:
    s = _copy(ref, tmp_path)
    if nth == "undated":
        n = _nth_committed(ref, UNDATED[1])
    elif label == "ingest.file_start":
        n = _nth_scanned_delta_file(s, ref, int(nth))
    else:
        n = int(nth)
    _kill(s, label, n)
    assert _assert_readers_see_old_or_new(s, ref) == "old"
    _recover_ingest(s, ref)


def test_kill_mid_file_then_full_run_equals_an_uninterrupted_run(ref: Reference, tmp_path: Path) -> None:
    s = _copy(ref, tmp_path)
    _kill(s, "ingest.before_commit", 2)
    assert _assert_readers_see_old_or_new(s, ref) == "old"
    _recover_run(s, ref)


def test_time_based_kill_while_a_file_loads_then_full_run(ref: Reference, tmp_path: Path) -> None:
    s = _copy(ref, tmp_path)
    proc = crash.start_run(s)
    try:
        # the loader's work folder exists while a file is read and parsed
        assert crash.wait_for(lambda: any((s.home / "tmp").glob("ingest-*")), timeout=120)
    finally:
        crash.sigkill(proc)
    assert _assert_readers_see_old_or_new(s, ref) == "old"
    _recover_run(s, ref)


# -- dbt phase --------------------------------------------------------------------------------------
def test_time_based_kill_during_dbt_build_kills_dbt_and_the_next_run_recovers(
    ref: Reference, tmp_path: Path
) -> None:
    s = _copy(ref, tmp_path)
    proc = crash.start_run(s)
    dbt: list[int] = []
    try:

        def dbt_running() -> bool:
            dbt[:] = [c for c in crash.children(proc.pid) if " build" in crash.cmdline(c)]
            return bool(dbt)

        assert crash.wait_for(dbt_running, timeout=300), "dbt build never started"
        time.sleep(12)  # let dbt write models
    finally:
        crash.sigkill(proc)
    assert crash.wait_for(lambda: not crash.alive(dbt[0]), timeout=20), "dbt outlived the killed run"
    assert _assert_readers_see_old_or_new(s, ref) == "old"
    _recover_run(s, ref)


def test_kill_after_dbt_before_docs_keeps_the_old_publication(ref: Reference, tmp_path: Path) -> None:
    s = _copy(ref, tmp_path)
    _kill(s, "build.after_dbt")
    assert _assert_readers_see_old_or_new(s, ref) == "old"
    assert crash.indicator_marts(s) == ref.new_marts  # dbt committed; only docs and publish were lost


# -- publishing: a home killed after the gate, then the publish step killed at each point ---------
@pytest.fixture(scope="module")
def gated(ref: Reference, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the old home whose run was killed after the gate passed (new marts, old serving)."""
    s = _copy(ref, tmp_path_factory.mktemp("gated"))
    _kill(s, "run.after_gate")
    assert _assert_readers_see_old_or_new(s, ref) == "old"
    assert crash.indicator_marts(s) == ref.new_marts
    return s


def test_kill_after_gate_then_full_run_publishes_the_new_version(
    ref: Reference, gated: Settings, tmp_path: Path
) -> None:
    s = copy_home(gated.home, tmp_path / "home")
    _recover_run(s, ref)


PUBLISH_POINTS = [
    ("publish.table_copied", 1),  # first table and its Parquet written, the rest not
    ("publish.table_copied", 5),
    ("publish.after_copy", 1),
    ("publish.before_swap", 1),
    ("publish.after_swap", 1),
    ("publish.before_cleanup", 1),
]


@pytest.mark.parametrize(
    ("label", "nth"), PUBLISH_POINTS, ids=[f"{label}:{n}" for label, n in PUBLISH_POINTS]
)
def test_kill_while_publishing_readers_see_old_or_new_and_republish_completes(
    ref: Reference, gated: Settings, tmp_path: Path, label: str, nth: int
) -> None:
    s = copy_home(gated.home, tmp_path / "home")
    proc = crash.publish(s, ROLWH_TEST_KILL_AT=f"{label}:{nth}")
    assert proc.returncode == KILLED, proc.stdout + proc.stderr
    which = _assert_readers_see_old_or_new(s, ref)
    assert which == (
        "old" if label in ("publish.table_copied", "publish.after_copy", "publish.before_swap") else "new"
    )
    crash.ok(crash.publish(s), "re-publish")
    assert _assert_readers_see_old_or_new(s, ref) == "new"


# -- freezing: 2024/v2 with a reason, killed; v1 untouched; the re-run freeze completes ------------
FREEZE_POINTS = [
    ("freeze.after_gate", 1, False),
    ("freeze.mid_write", 2, False),  # two of four release Parquet files written
    ("freeze.before_rename", 1, True),
    ("freeze.before_ledger", 1, True),
]


@pytest.mark.parametrize(
    ("label", "nth", "rerun"), FREEZE_POINTS, ids=[f"{label}:{n}" for label, n, _ in FREEZE_POINTS]
)
def test_kill_while_freezing_leaves_complete_releases_only(
    ref: Reference, tmp_path: Path, label: str, nth: int, rerun: bool
) -> None:
    s = _copy(ref, tmp_path, delta=False)
    proc = crash.freeze(s, "--reason", "crash test", ROLWH_TEST_KILL_AT=f"{label}:{nth}")
    assert proc.returncode == KILLED, proc.stdout + proc.stderr
    renamed = label == "freeze.before_ledger"
    assert crash.versions(s) == (["v1", "v2"] if renamed else ["v1"])
    _assert_releases_intact(s, ref, allow_unledgered="v2" if renamed else None)
    assert crash.serving_state(s) == ref.old_serving  # a freeze never touches the publication
    if rerun:
        crash.ok(crash.freeze(s, "--reason", "crash test"), "re-run freeze")
        _assert_releases_intact(s, ref)
        assert crash.versions(s)[-1] in ("v2", "v3")
