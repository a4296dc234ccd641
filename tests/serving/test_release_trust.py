"""Releases are verified before they are read: through the real CLI, on a frozen copy of the demo home.

A rewritten value in a release's Parquet fails `rolwh verify`, is not served in
marts.fct_indicator_annual_frozen by the next `rolwh run` (exit 5, the release named), and is not
printed by the draft or the diff. A consistent rewrite (Parquet, manifest, manifest.sha256, ledger)
fails `rolwh verify` on the anchor; a missing release key is a clear message and exit 1.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from pathlib import Path

import pytest

from rolwh.core.settings import load_settings
from rolwh.release.frozen import latest_releases
from tests.serving.demo_cli import cli, forge_value, serving_rows

pytestmark = pytest.mark.slow

YEAR = 2024
FORGED = 999.0  # the demo's 2024 受理 is 476


def _env(demo_env: dict[str, str], home: Path, key_file: Path) -> dict[str, str]:
    return {
        **demo_env,
        "ROLWH_HOME": str(home),
        "ROLWH_LANDING": str(home / "landing"),
        "ROLWH_RELEASE_KEY_FILE": str(key_file),
        "ROLWH_LANG": "en",  # these tests read the English message ids
    }


@pytest.fixture(scope="module")
def frozen_demo(demo_run: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the demo home with 2024 frozen by `rolwh freeze` (the key made on first use)."""
    assert demo_run["exit_code"] == 5, demo_run[
        "output"
    ]  # published, needs attention (quarantined demo files)
    root = tmp_path_factory.mktemp("frozen-demo")
    home, key_file = root / "home", root / "release-key" / "release.key"
    shutil.copytree(demo_run["home"], home, symlinks=True)
    frozen = cli(_env(demo_run["env"], home, key_file), "freeze", "--year", str(YEAR))
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr
    assert f"created the release key {key_file} (mode 0600): back it up" in frozen.stdout
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (home / "releases" / str(YEAR) / "v1" / "manifest.hmac").is_file()
    return home, key_file


@pytest.fixture
def demo(frozen_demo: tuple[Path, Path], demo_run: dict, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """This test's own copy of the frozen demo home, and the environment of the CLI on it."""
    home = tmp_path / "home"
    shutil.copytree(frozen_demo[0], home, symlinks=True)
    return home, _env(demo_run["env"], home, frozen_demo[1])


def _release(home: Path) -> Path:
    return home / "releases" / str(YEAR) / "v1"


def _writable(path: Path) -> None:
    for p in (path.parent, path):
        p.chmod(0o755 if p.is_dir() else 0o644)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


FROZEN_RECEIVED = (
    "select value from marts.fct_indicator_annual_frozen"
    f" where year = {YEAR} and indicator_code = 'CR_RECEIVED' and community_code = 'ALL'"
)
LIVE_RECEIVED = (
    "select value from marts.fct_indicator_annual"
    f" where year = {YEAR} and indicator_code = 'CR_RECEIVED' and community_code = 'ALL'"
)


def test_a_rewritten_value_is_refused_by_verify_run_draft_and_diff(demo: tuple[Path, dict[str, str]]) -> None:
    home, env = demo
    # the untouched release is served by the next run
    ok = cli(env, "run", "--quiet")
    assert ok.returncode == 5, ok.stdout + ok.stderr  # published; the demo's feeds are overdue
    assert serving_rows(home, FROZEN_RECEIVED) == [(476,)]

    forge_value(_release(home) / "data" / "fct_indicator_annual.parquet", "CR_RECEIVED", FORGED)

    verify = cli(env, "verify", "--year", str(YEAR))
    assert verify.returncode == 1
    assert "v1: changed file data/fct_indicator_annual.parquet" in verify.stdout

    run = cli(env, "run", "--quiet")
    assert run.returncode == 5, run.stdout + run.stderr
    assert f"release {YEAR}/v1 failed verification and is not used" in run.stdout
    assert f"rolwh verify --year {YEAR}" in run.stdout
    assert "result: published, NEEDS ATTENTION" in run.stdout
    assert serving_rows(home, FROZEN_RECEIVED) == []  # not served …
    assert serving_rows(
        home, f"select count(*) from marts.fct_indicator_annual_frozen where year = {YEAR}"
    ) == [(0,)]
    assert serving_rows(home, LIVE_RECEIVED) == [(476,)]  # … while the rest is published

    draft = cli(env, "report", "--year", str(YEAR), "--draft")
    assert draft.returncode == 1
    assert f"release {YEAR}/v1 failed verification" in draft.stderr
    for name in ("draft.md", "draft.html"):
        path = home / "reports" / str(YEAR) / name
        assert not path.exists() or "999" not in path.read_text(encoding="utf-8")

    diff = cli(env, "diff", "--year", str(YEAR))
    assert diff.returncode == 1 and f"release {YEAR}/v1 failed verification" in diff.stderr
    assert "999" not in diff.stdout
    for proc in (verify, run, draft, diff):
        assert "Traceback" not in proc.stdout + proc.stderr


def test_a_consistent_rewrite_fails_verify_on_the_anchor(demo: tuple[Path, dict[str, str]]) -> None:
    home, env = demo
    release = _release(home)
    forge_value(release / "data" / "fct_indicator_annual.parquet", "CR_RECEIVED", FORGED)
    # … then every checksum under ROLWH_HOME recomputed: manifest, manifest.sha256, ledger
    manifest_path = release / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        entry["sha256"] = _sha(release / entry["path"])
    _writable(manifest_path)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    _writable(release / "manifest.sha256")
    (release / "manifest.sha256").write_text(f"{_sha(manifest_path)}  manifest.json\n", encoding="utf-8")
    ledger = home / "releases" / "ledger.jsonl"
    entries = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]
    for e in entries:
        e["manifest_sha256"] = _sha(manifest_path)
    ledger.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    for p in (release / "data" / "fct_indicator_annual.parquet", manifest_path, release / "manifest.sha256"):
        p.chmod(0o444)
    (release / "data").chmod(0o555)
    release.chmod(0o555)

    verify = cli(env, "verify", "--year", str(YEAR))
    assert verify.returncode == 1, verify.stdout
    assert (
        "v1: anchor does not match manifest.json: the manifest (or manifest.hmac) was rewritten after the freeze"
        in verify.stdout
    )
    assert "changed file" not in verify.stdout  # every checksum agrees: only the anchor catches it
    settings = load_settings(env)
    assert latest_releases(settings) == []  # so the frozen mart leaves it out

    # removing the anchor is no way around it while a release key exists
    release.chmod(0o755)
    (release / "manifest.hmac").unlink()
    release.chmod(0o555)
    stripped = cli(env, "verify", "--year", str(YEAR))
    assert stripped.returncode == 1
    assert "v1: unanchored (frozen before anchoring, no manifest.hmac)" in stripped.stdout
    assert latest_releases(settings) == []


def test_a_missing_or_misplaced_release_key_is_a_clear_error(
    demo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    home, env = demo
    gone = tmp_path / "nowhere" / "release.key"
    no_key = {**env, "ROLWH_RELEASE_KEY_FILE": str(gone)}

    verify = cli(no_key, "verify", "--year", str(YEAR))
    assert verify.returncode == 1
    assert (
        f"v1: cannot check the anchor: no release key (ROLWH_RELEASE_KEY unset, no file {gone})"
        in verify.stdout
    )
    assert "restore the key file from your backup" in verify.stdout

    refreeze = cli(no_key, "freeze", "--year", str(YEAR), "--reason", "补录")
    assert refreeze.returncode == 1
    assert f"releases {YEAR}/v1 are anchored under it, so no new key is made" in refreeze.stderr
    assert not gone.exists() and not (home / "releases" / str(YEAR) / "v2").exists()

    inside = home / "secrets" / "release.key"
    inside.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(env["ROLWH_RELEASE_KEY_FILE"], inside)
    inside.chmod(0o600)
    misplaced = cli({**env, "ROLWH_RELEASE_KEY_FILE": str(inside)}, "verify", "--year", str(YEAR))
    assert misplaced.returncode == 1
    assert f"the release key file {inside} is under ROLWH_HOME" in misplaced.stdout
    for proc in (verify, refreeze, misplaced):
        assert "Traceback" not in proc.stdout + proc.stderr


def test_a_release_frozen_before_anchoring_warns_until_anchored(
    demo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    home, env = demo
    release = _release(home)
    release.chmod(0o755)
    (release / "manifest.hmac").unlink()  # as a release frozen by an older rolwh
    release.chmod(0o555)
    new_key = tmp_path / "fresh" / "release.key"
    legacy = {**env, "ROLWH_RELEASE_KEY_FILE": str(new_key)}

    verify = cli(legacy, "verify", "--year", str(YEAR))
    assert verify.returncode == 0, verify.stdout
    assert (
        f"warning: v1: unanchored (frozen before anchoring, no manifest.hmac): re-freeze or "
        f"`rolwh anchor --year {YEAR}`" in verify.stdout
    )
    assert latest_releases(load_settings(legacy))  # served as before, with the warning

    anchored = cli(legacy, "anchor", "--year", str(YEAR))
    assert anchored.returncode == 0, anchored.stdout + anchored.stderr
    assert (
        f"created the release key {new_key}" in anchored.stdout and f"anchored {YEAR}: v1" in anchored.stdout
    )
    assert stat.S_IMODE(new_key.stat().st_mode) == 0o600
    assert stat.S_IMODE((release / "manifest.hmac").stat().st_mode) == 0o444
    again = cli(legacy, "verify", "--year", str(YEAR))
    assert again.returncode == 0 and "warning" not in again.stdout, again.stdout


def test_a_freeze_is_served_at_once_without_another_run(demo: tuple[Path, dict[str, str]]) -> None:
    """`rolwh freeze` rebuilds the dbt model marts.fct_indicator_annual_frozen and republishes:
    `rolwh sql` sees the year's frozen rows straight after it (issue 13, point 3)."""
    home, env = demo
    frozen = cli(
        env,
        "sql",
        "--format",
        "csv",
        f"select count(*) from marts.fct_indicator_annual_frozen where year = {YEAR}",
    )
    live = cli(
        env, "sql", "--format", "csv", f"select count(*) from marts.fct_indicator_annual where year = {YEAR}"
    )
    assert frozen.returncode == 0 and live.returncode == 0, frozen.stderr + live.stderr
    count = int(frozen.stdout.strip().splitlines()[-1])
    assert count > 0 and count == int(live.stdout.strip().splitlines()[-1])
    assert serving_rows(home, "select distinct release_version from marts.fct_indicator_annual_frozen") == [
        ("v1",)
    ]
