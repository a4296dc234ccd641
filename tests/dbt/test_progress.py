"""Progress of the long steps off a terminal (Airflow logs, pipes): a real dbt build and a real gate
print one plain line per finished node / suite to the stream, and no escape code."""

from __future__ import annotations

import io
import re

import pytest

from expectations.gate import run_gate
from rolwh.core.progress import progress_steps
from rolwh.core.settings import Settings
from rolwh.transform.build import build
from tests.dbt.dbt_rawdata import load_batch_a, load_into

ESCAPES = re.compile("[\x1b\x9b\r]")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_off_a_terminal_and_nothing_when_disabled() -> None:
    out = io.StringIO()
    with progress_steps("ingest", 2, stream=out) as steps:
        steps.advance("court_referrals/a\x1b[2J.csv")
        steps.advance("petitions/b.csv")
    assert out.getvalue().splitlines() == [
        "ingest [1/2] court_referrals/a\\x1b[2J.csv",  # a file name cannot clear the log
        "ingest [2/2] petitions/b.csv",
    ]
    quiet = io.StringIO()
    with progress_steps("ingest", 2, stream=quiet, enabled=False) as steps:
        steps.advance("x")
    assert quiet.getvalue() == ""


def test_a_terminal_gets_a_bar_not_lines() -> None:
    out = Terminal()
    with progress_steps("dbt build", stream=out) as steps:
        steps.set_total(3)
        steps.advance("model m1: success")
    assert "dbt build [1/3]" not in out.getvalue()  # the bar, not the plain log lines
    assert steps.done == 1 and steps.total == 3


@pytest.mark.slow
def test_dbt_build_and_gate_print_plain_progress_into_a_pipe(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLWH_LANG", "en")
    load_into(settings, load_batch_a)
    capsys.readouterr()

    result = build(settings, docs=False, progress=True)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("dbt build [")]
    total = len(result.nodes)
    assert total > 10
    assert len(lines) == total  # one line per node dbt ran
    assert lines[-1].startswith(f"dbt build [{total}/{total}] ")
    assert any(re.match(r"dbt build \[\d+/\d+\] model \w+: success$", line) for line in lines)
    assert any(re.match(r"dbt build \[\d+/\d+\] test \w+: pass$", line) for line in lines)
    assert not ESCAPES.search(err)

    gate = run_gate(settings, progress=True)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("quality gate [")]
    assert lines, err[-2000:]
    last = re.match(r"quality gate \[(\d+)/(\d+)\] \w+ \(\S+\)$", lines[-1])
    assert last, lines[-1]
    assert last[1] == last[2] == str(len(lines))  # one line per suite, all of them
    assert gate.evaluated > 0
    assert not ESCAPES.search(err)


@pytest.mark.slow
def test_progress_off_prints_nothing(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    load_into(settings, load_batch_a)
    capsys.readouterr()
    assert build(settings, docs=False, progress=False).ok
    assert "dbt build [" not in capsys.readouterr().err
