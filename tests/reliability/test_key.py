"""The pseudonymisation key, through the real CLI on real demo exports: its fingerprint is kept in the
warehouse (never the key), a run under another key refuses (exit 6) and `rolwh rotate-key` starts
anew; weak keys are refused; when both ROLWH_KEY and a key file exist, the one used is named."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from rolwh.core.errors import KeyMismatch
from rolwh.core.settings import Settings, key_problem, load_settings, new_key
from rolwh.core.warehouse import key_fingerprint
from tests.conftest import TEST_KEY
from tests.reliability.conftest import rolwh as rolwh_zh
from tests.reliability.conftest import settings_at, small_landing

rolwh = functools.partial(rolwh_zh, ROLWH_LANG="en")  # the messages below are asserted in English

OTHER_KEY = "other-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
BENCH_KEY = "bench-key-0123456789abcdef0123456789abcdef"


def _fingerprints(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[0] for r in con.execute("select fingerprint from private.key_fingerprint").fetchall()]
    finally:
        con.close()


def _raw(settings: Settings, path: Path | None = None) -> tuple[int, set[str]]:
    """(raw court referral rows, their applicant ID pseudonyms)."""
    con = duckdb.connect(str(path or settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("select applicant_id_pid from raw.court_referrals").fetchall()
    finally:
        con.close()
    return len(rows), {r[0] for r in rows if r[0]}


def _ok(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


@pytest.fixture
def ingested(demo_landing: Path, tmp_path: Path) -> Settings:
    """One month of every demo feed ingested through `rolwh ingest` under TEST_KEY."""
    s = settings_at(tmp_path / "home")
    small_landing(demo_landing, s.landing, ("202401",))
    _ok(rolwh(s, "ingest", "--quiet"))
    return s


def test_the_warehouse_keeps_the_key_fingerprint_never_the_key(ingested: Settings) -> None:
    assert _fingerprints(ingested.warehouse_path) == [key_fingerprint(TEST_KEY.encode())]
    assert len(key_fingerprint(TEST_KEY.encode())) == 16
    for path in ingested.warehouse_dir.iterdir():
        assert TEST_KEY.encode() not in path.read_bytes(), path


def test_a_run_under_another_key_refuses_with_exit_6_and_explains_rotation(ingested: Settings) -> None:
    before = _raw(ingested)
    assert before[0] > 0
    proc = rolwh(ingested, "ingest", "--quiet", ROLWH_KEY=OTHER_KEY)
    assert proc.returncode == KeyMismatch.exit_code == 6, proc.stderr
    assert "rotate-key" in proc.stderr and "landing area must still hold every export" in proc.stderr
    assert "Traceback" not in proc.stderr and OTHER_KEY not in proc.stderr
    proc = rolwh(ingested, "run", "--quiet", ROLWH_KEY=OTHER_KEY)
    assert proc.returncode == 6, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "rotate-key" in proc.stdout and "Traceback" not in proc.stderr
    assert _raw(ingested) == before  # nothing loaded under the other key
    assert _fingerprints(ingested.warehouse_path) == [key_fingerprint(TEST_KEY.encode())]


def test_rotate_key_keeps_the_old_warehouse_and_reingests_the_landing_area(ingested: Settings) -> None:
    rows, old_pids = _raw(ingested)
    loaded = sorted((ingested.landing / "court_referrals").iterdir())
    aside = ingested.home / "aside.csv"

    # a loaded export gone from the landing area: rotation would lose it, so it refuses
    shutil.move(loaded[0], aside)
    proc = rolwh(ingested, "rotate-key", "--quiet", ROLWH_KEY=OTHER_KEY)
    assert proc.returncode == 1 and "no longer in the landing area" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and not list(ingested.home.glob("warehouse-before-rotation-*"))
    shutil.move(aside, loaded[0])

    # the same key: nothing to rotate
    proc = rolwh(ingested, "rotate-key", "--quiet")
    assert proc.returncode == 1 and "already uses" in proc.stderr, proc.stderr

    proc = rolwh(ingested, "rotate-key", ROLWH_KEY=OTHER_KEY)
    _ok(proc)
    (kept,) = ingested.home.glob("warehouse-before-rotation-*")
    assert str(kept) in proc.stdout and "rolwh run" in proc.stdout
    assert _fingerprints(kept / "rolwh.duckdb") == [key_fingerprint(TEST_KEY.encode())]
    assert _raw(ingested, kept / "rolwh.duckdb") == (rows, old_pids)  # kept as it was
    assert _fingerprints(ingested.warehouse_path) == [key_fingerprint(OTHER_KEY.encode())]
    new_rows, new_pids = _raw(ingested)
    assert new_rows == rows and len(new_pids) == len(old_pids) and not new_pids & old_pids

    _ok(rolwh(ingested, "ingest", "--quiet", ROLWH_KEY=OTHER_KEY))  # the new key is the warehouse's now
    assert _raw(ingested) == (new_rows, new_pids)
    assert rolwh(ingested, "ingest", "--quiet").returncode == 6  # and the old one is refused


@pytest.mark.parametrize("key", [" " * 32, "0" * 32, "ab" * 16, "0123" * 8, "short-key-0123456789"])
def test_weak_keys_are_refused_without_quoting_them(tmp_path: Path, key: str) -> None:
    s = settings_at(tmp_path / "home")
    proc = rolwh(s, "ingest", "--quiet", ROLWH_KEY=key)
    assert proc.returncode == 1, proc.stderr
    assert "ROLWH_KEY" in proc.stderr and "Traceback" not in proc.stderr
    assert key not in proc.stderr
    assert not s.warehouse_path.exists() or _fingerprints(s.warehouse_path) == []


def test_a_weak_key_file_is_refused(tmp_path: Path) -> None:
    s = settings_at(tmp_path / "home")
    s.key_file.parent.mkdir(parents=True)
    s.key_file.write_text("0" * 64 + "\n")
    s.key_file.chmod(0o600)
    proc = rolwh(s, "ingest", "--quiet", ROLWH_KEY="", ROLWH_KEY_FILE=str(s.key_file))
    assert proc.returncode == 1 and str(s.key_file) in proc.stderr and "too weak" in proc.stderr, proc.stderr


def test_the_project_keys_and_generated_keys_are_strong_enough(tmp_path: Path) -> None:
    assert key_problem(TEST_KEY) is None and key_problem(BENCH_KEY) is None and key_problem(OTHER_KEY) is None
    assert all(key_problem(new_key()) is None for _ in range(2000))
    demo = load_settings({"ROLWH_HOME": str(tmp_path / "demo")})  # what `rolwh demo` does
    key = demo.key(create=True)
    assert key_problem(key.decode()) is None and len(key) == 64
    assert os.stat(demo.key_file).st_mode & 0o777 == 0o600


def test_both_key_sources_set_says_which_one_is_used(tmp_path: Path, demo_landing: Path) -> None:
    s = settings_at(tmp_path / "home")
    small_landing(demo_landing, s.landing, ("202401",))
    s.key_file.parent.mkdir(parents=True)
    s.key_file.write_text(new_key() + "\n")
    s.key_file.chmod(0o600)
    proc = rolwh(s, "ingest", "--quiet", ROLWH_KEY_FILE=str(s.key_file))
    _ok(proc)
    lines = [line for line in proc.stderr.splitlines() if "pseudonymisation key" in line]
    assert lines == [
        f"pseudonymisation key: using ROLWH_KEY (the key file {s.key_file} also exists and is NOT used)"
    ]
    assert _fingerprints(s.warehouse_path) == [key_fingerprint(TEST_KEY.encode())]
    s.key_file.unlink()  # ROLWH_KEY alone: nothing to say
    proc = rolwh(s, "ingest", "--quiet")
    _ok(proc)
    assert "pseudonymisation key" not in proc.stderr
