"""Every `rolwh` command in every state an operator meets: never a traceback, one clear line, the
documented exit code.

States: a fresh empty home; a run holding the writer lock; the working warehouse missing, held
read-write by another process, or garbage; no key; a read-only home; bad arguments. The commands run
in-process through ``rolwh.cli.main`` (the same code as the ``rolwh`` script, seconds instead of
minutes); a few run as real ``.venv/bin/rolwh`` subprocesses. Commands that would work for minutes in
a state (a whole nightly run, dbt, the demo, the Airflow UI) run only where they fail fast.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rolwh.cli import build_parser, main
from rolwh.core.settings import Settings
from rolwh.orchestration.lock import writer_lock
from rolwh.serving.publish import publish
from tests.conftest import TEST_KEY
from tests.reliability.conftest import copy_home, rolwh, settings_at
from tests.reliability.test_disk_full import tmpfs  # noqa: F401 - the tmpfs fixture
from tests.serving.marts_fixture import build_working_marts

OK, FAILED, USAGE, BUSY, ENVIRONMENT = 0, 1, 2, 4, 7


def _args(home: Path) -> dict[str, list[str]]:
    """Arguments of every command, as an operator would give them."""
    return {
        "demo-data": ["--out", str(home / "landing")],
        "ingest": ["--quiet"],
        "run": ["--quiet"],
        "build": [],
        "sql": ["select count(*) from marts.fct_indicator_annual"],
        "rotate-key": ["--quiet"],
        "status": [],
        "indicators": ["--year", "2024"],
        "freeze": ["--year", "2024"],
        "verify": ["--year", "2024"],
        "anchor": ["--year", "2024"],
        "releases": [],
        "diff": ["--year", "2024"],
        "report": ["--year", "2024"],
        "export": ["--year", "2024", "--out", str(home / "exports" / "indicators.xlsx")],
        "template": ["court_referrals", "--out", str(home / "templates" / "court_referrals.xlsx")],
        "explain": ["CR_SUCCESS", "--year", "2024"],
        "tenants": ["list"],
        "demo": [],
        "airflow-ui": [],
    }


#: What each command exits with in each state; a command missing from a state would work for
#: minutes there (the nightly run, dbt, the demo, the Airflow UI) and is covered where it fails fast.
#: Readers (status, sql, indicators, report) read the published serving file, so they work whenever
#: something is published, whatever the working warehouse's state.
PUBLICATION_READERS = {
    "status": OK,
    "sql": OK,
    "indicators": OK,
    "report": OK,
    "export": OK,
    "explain": FAILED,  # the fixture's marts hold no lineage mart: one line, exit 1 (the real one: test_explain)
    "releases": OK,
}
EXPECTED: dict[str, dict[str, int]] = {
    "fresh": {
        "status": OK,  # "nothing ingested yet"
        "sql": FAILED,  # nothing published yet
        "indicators": FAILED,
        "report": FAILED,
        "export": FAILED,
        "explain": FAILED,
        "template": OK,  # needs nothing but the contract
        "verify": FAILED,  # no release
        "diff": FAILED,
        "anchor": FAILED,
        "releases": OK,
        "ingest": OK,
        "rotate-key": FAILED,  # the key is the warehouse's already
        "tenants": OK,
    },
    "writer_lock": {
        **PUBLICATION_READERS,
        "ingest": BUSY,
        "run": BUSY,
        "build": BUSY,
        "freeze": BUSY,
        "anchor": BUSY,
        "rotate-key": BUSY,
    },
    "missing_warehouse": {**PUBLICATION_READERS, "verify": FAILED, "diff": FAILED},
    "locked_warehouse": {
        **PUBLICATION_READERS,
        "ingest": BUSY,
        "run": BUSY,
        "build": BUSY,
        "rotate-key": BUSY,
    },
    "corrupt_warehouse": {
        "status": FAILED,
        "sql": FAILED,  # nothing published
        "indicators": FAILED,
        "report": FAILED,
        "export": FAILED,
        "releases": OK,
        "ingest": FAILED,
        "run": FAILED,
        "rotate-key": FAILED,
    },
    "missing_key": {
        "status": OK,
        "sql": OK,
        "indicators": OK,
        "export": OK,
        "ingest": FAILED,
        "run": FAILED,
        "rotate-key": FAILED,
    },
    "read_only_home": {
        "status": OK,
        "sql": OK,
        "indicators": OK,
        "releases": OK,
        "verify": FAILED,
        "report": ENVIRONMENT,
        "export": ENVIRONMENT,
        "template": ENVIRONMENT,
        "demo-data": ENVIRONMENT,
        "ingest": ENVIRONMENT,
        "run": ENVIRONMENT,
        "build": ENVIRONMENT,
        "freeze": ENVIRONMENT,
        "anchor": ENVIRONMENT,
        "rotate-key": ENVIRONMENT,
        "demo": ENVIRONMENT,
    },
}


def test_the_matrix_covers_every_command() -> None:
    commands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert commands == set(_args(Path("x")))
    covered = {c for state in EXPECTED.values() for c in state}
    assert covered | {"airflow-ui"} == commands  # airflow-ui: bad arguments only (it serves until stopped)


def _env(monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp: Path, *, key: bool = True) -> None:
    for name, value in settings.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ROLWH_SETTLE_SECONDS", "0")
    monkeypatch.setenv("ROLWH_RELEASE_KEY_FILE", str(tmp / "release-key" / "release.key"))
    monkeypatch.setenv("ROLWH_TENANTS_ROOT", str(tmp / "tenants"))
    monkeypatch.delenv("ROLWH_KEY_FILE", raising=False)
    monkeypatch.delenv("ROLWH_LANG", raising=False)  # Chinese, the default: the translations run too
    if key:
        monkeypatch.setenv("ROLWH_KEY", TEST_KEY)
    else:
        monkeypatch.delenv("ROLWH_KEY", raising=False)


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``rolwh ARGV`` in-process: its exit code, stdout, stderr. An exception escaping main() is the
    traceback an operator would see, and fails the test as it is."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: usage errors and --help
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _check(state: str, command: str, code: int, out: str, err: str, expected: int) -> None:
    said = f"{state} / rolwh {command}: exit {code}\nstdout: {out[-1500:]}\nstderr: {err[-1500:]}"
    assert "Traceback" not in out + err, said
    assert code == expected, said
    if expected == OK:
        return
    if err.strip():  # the error: one line, naming the command
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("rolwh"), said
    else:  # the command's own result: one line, or a run summary ending in its outcome and exit code
        lines = out.strip().splitlines()
        assert len(lines) == 1 or any(f"{word} {code}" in lines[-1] for word in ("exit", "退出码")), said


def _run_state(
    state: str, settings: Settings, capsys: pytest.CaptureFixture[str], commands: dict[str, int] | None = None
) -> None:
    args = _args(settings.home)
    for command, expected in (commands or EXPECTED[state]).items():
        code, out, err = _cli([command, *args[command]], capsys)
        _check(state, command, code, out, err, expected)


@pytest.fixture(scope="module")
def published_template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A home with a working warehouse shaped like the marts, published once (copied per state)."""
    s = settings_at(tmp_path_factory.mktemp("cli-matrix") / "home")
    s.ensure_dirs()
    build_working_marts(s)
    publish(s)
    return s


@pytest.fixture
def published_home(published_template: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A copy of the template, in the environment of the commands run in-process."""
    s = copy_home(published_template.home, tmp_path / "home")
    _env(monkeypatch, s, tmp_path)
    return s


def test_fresh_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = settings_at(tmp_path / "home")
    _env(monkeypatch, s, tmp_path)
    _run_state("fresh", s, capsys)


def test_during_a_run_holding_the_writer_lock(
    published_home: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    held, done = threading.Event(), threading.Event()

    def hold() -> None:  # another thread: writer_lock is re-entrant within one
        with writer_lock(published_home, what="rolwh run (test)"):
            held.set()
            done.wait(600)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert held.wait(30)
    try:
        _run_state("writer_lock", published_home, capsys)
    finally:
        done.set()
        holder.join(30)


def test_missing_working_warehouse(published_home: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    published_home.warehouse_path.unlink()
    _run_state("missing_warehouse", published_home, capsys)


@contextmanager
def _held_read_write(path: Path) -> Iterator[None]:
    """Another process holds the DuckDB file ``path`` read-write (a run, or a tool left open)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "held"
    try:
        yield
    finally:
        holder.stdin.close()
        holder.wait(60)


@pytest.fixture
def warehouse_held(published_home: Settings) -> Iterator[Settings]:
    with _held_read_write(published_home.warehouse_path):
        yield published_home


def test_warehouse_held_by_another_process(
    warehouse_held: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _run_state("locked_warehouse", warehouse_held, capsys)


def test_corrupt_warehouse(published_home: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(published_home.serving_dir)  # nothing published: the readers meet the working file
    published_home.warehouse_path.write_bytes(os.urandom(64 * 1024))
    _run_state("corrupt_warehouse", published_home, capsys)
    _code, _out, err = _cli(["status"], capsys)
    assert "DuckDB" in err and str(published_home.warehouse_path) in err  # names the file


def test_missing_key(
    published_home: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _env(monkeypatch, published_home, tmp_path, key=False)
    assert not published_home.key_file.exists()
    _run_state("missing_key", published_home, capsys)


def test_read_only_home(
    published_template: Settings,
    tmpfs: Path,  # noqa: F811 - the fixture
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = copy_home(published_template.home, tmpfs / "home")
    _env(monkeypatch, s, tmp_path)
    remount = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True, text=True)
    assert remount.returncode == 0, remount.stderr
    _run_state("read_only_home", s, capsys)


BAD_ARGUMENTS: tuple[list[str], ...] = (
    [],
    ["no-such-command"],
    ["indicators"],  # --year is required
    ["indicators", "--year", "twenty"],
    ["indicators", "--year", "2024", "--quarter", "5"],
    ["sql"],
    ["sql", "select 1", "--format", "xml"],
    ["sql", "select 1", "--timeout", "soon"],
    ["tenants", "frobnicate"],
)


@pytest.mark.parametrize("command", sorted(_args(Path("x"))))
def test_an_unknown_option_is_one_line_exit_2(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, settings_at(tmp_path / "home"), tmp_path)
    extra = ["--root", str(tmp_path), "--no-such-option"] if command == "tenants" else ["--no-such-option"]
    code, out, err = _cli([command, *extra], capsys)
    _check("bad arguments", command, code, out, err, USAGE)
    assert "--help" in err


@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=" ".join)
def test_bad_arguments_are_one_line_exit_2(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, settings_at(tmp_path / "home"), tmp_path)
    code, out, err = _cli(argv, capsys)
    _check("bad arguments", " ".join(argv), code, out, err, USAGE)


def test_the_real_script_status_during_a_run_and_sql_before_the_first(published_home: Settings) -> None:
    """Through ``.venv/bin/rolwh``: status reads the publication while a run holds the lock and the
    working file; sql before any publication is one line, Chinese by default."""
    with (
        _held_read_write(published_home.warehouse_path),
        writer_lock(published_home, what="rolwh run (test)"),
    ):
        status = rolwh(published_home, "status", timeout=300)
    assert status.returncode == 0 and "Traceback" not in status.stderr, status.stderr
    assert "court_referrals" in status.stdout and "已发布版本" in status.stdout

    shutil.rmtree(published_home.serving_dir)
    zh = rolwh(published_home, "sql", "select 1", timeout=300)
    en = rolwh(published_home, "sql", "select 1", timeout=300, ROLWH_LANG="en")
    assert (zh.returncode, en.returncode) == (FAILED, FAILED)
    assert zh.stderr.strip().splitlines()[0].startswith("rolwh sql: 尚未发布任何数据"), zh.stderr
    assert len(zh.stderr.strip().splitlines()) == 1, zh.stderr
    assert en.stderr.startswith("rolwh sql: nothing published yet: run `rolwh run` first"), en.stderr
