"""`rolwh indicators`, `report` and `status` as an operator uses them: --community by code or name,
a period with no data, the published side during a run, and help in Chinese or English."""

from __future__ import annotations

import threading

import pytest

from rolwh.cli import main
from rolwh.core.errors import NoData, UsageError
from rolwh.core.settings import Settings
from rolwh.orchestration.lock import writer_lock
from rolwh.serving.communities import Community, match_community
from rolwh.serving.indicators import indicator_rows
from rolwh.serving.status import render_status
from tests.reliability.conftest import rolwh


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("given", ["JJ01", "jj01", "ｊｊ０１", "东门社区", "东门", " 东门社区 "])
def test_community_by_code_or_name(published: Settings, given: str) -> None:
    by_code = indicator_rows(published, 2024, community="JJ01")
    assert by_code and {r["community_code"] for r in by_code} == {"JJ01"}
    assert indicator_rows(published, 2024, community=given) == by_code


def test_the_default_all_and_unknown_resolve(published: Settings) -> None:
    assert {r["community_code"] for r in indicator_rows(published, 2024)} == {"ALL"}
    assert {r["community_code"] for r in indicator_rows(published, 2024, community="unknown")} == {"UNKNOWN"}


@pytest.mark.parametrize(
    ("given", "named"), [("某某社区", ()), ("城", ("JJ10", "JJ11")), ("JJ1", ("JJ10", "JJ15"))]
)
def test_a_missing_or_ambiguous_community_lists_the_valid_ones_exit_2(
    published: Settings,
    given: str,
    named: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROLWH_LANG", "en")
    code, out, err = _cli(["indicators", "--year", "2024", "--community", given], capsys)
    assert code == UsageError.exit_code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert ("fits more than one" in lines[0]) is bool(named)
    assert "JJ01 东门社区" in lines[0] and "JJ15 青泊村" in lines[0]  # the valid ones, code and name
    for code_named in named:
        assert f"{code_named} " in lines[0].split("Valid:")[0]


def test_match_community_prefers_a_whole_match_to_a_prefix() -> None:
    known = [Community("JJ1", "甲"), Community("JJ10", "乙")]
    assert match_community(known, "jj1").code == "JJ1"
    with pytest.raises(UsageError):
        match_community(known, "")


@pytest.mark.parametrize(
    "argv",
    [
        ["indicators", "--year", "2023"],
        ["indicators", "--year", "2025", "--quarter", "2"],
        ["report", "--year", "2023"],
        ["report", "--year", "2023", "--draft"],
        ["freeze", "--year", "2023"],
    ],
    ids=" ".join,
)
def test_a_period_without_data_exits_1_with_one_line(
    published: Settings, argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLWH_LANG", "en")
    code, out, err = _cli(argv, capsys)
    assert code == NoData.exit_code == 1, out + err
    assert err.strip().splitlines() == [err.strip()] and "no data for" in err, err
    assert "2024" in err  # the periods that are there
    assert not (published.reports_dir / "2023").exists()  # no all-"—" report
    assert not (published.releases_dir / "2023").exists()  # no empty release


@pytest.mark.parametrize("command", ["verify", "diff"])
def test_releases_of_a_year_without_data_exit_1(
    published: Settings, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli([command, "--year", "2023"], capsys)
    assert code == 1 and "2023" in out + err and "Traceback" not in out + err


def test_a_period_with_data_still_prints(published: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _cli(["indicators", "--year", "2025", "--quarter", "1", "--community", "青泊"], capsys)
    assert code == 0 and "2025年第1季度" in out and "JJ15" in out


def test_status_reads_the_publication_while_a_run_holds_lock_and_working_file(
    published: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLWH_LANG", "en")
    held, done = threading.Event(), threading.Event()

    def run() -> None:  # a run in another thread: the writer lock and the working file read-write
        import duckdb

        with writer_lock(published, what="rolwh run (test)"):
            con = duckdb.connect(str(published.warehouse_path))
            held.set()
            done.wait(120)
            con.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert held.wait(30)
    try:
        text = render_status(published)
    finally:
        done.set()
        thread.join(30)
    assert "published version rolwh-" in text and "court_referrals" in text


@pytest.mark.parametrize("argv", [["--help"], ["status", "--help"]], ids=" ".join)
def test_help_is_chinese_by_default_english_on_request(settings: Settings, argv: list[str]) -> None:
    zh = rolwh(settings, *argv, timeout=120)
    en = rolwh(settings, *argv, timeout=120, ROLWH_LANG="en")
    assert zh.returncode == en.returncode == 0, zh.stderr + en.stderr
    assert zh.stdout.startswith("用法:rolwh") and "显示本帮助信息并退出" in zh.stdout
    assert "usage:" not in zh.stdout and "options:" not in zh.stdout
    assert en.stdout.startswith("usage: rolwh") and "show this help message and exit" in en.stdout
    wanted = "已加载、拒收和隔离的内容及时间" if argv[0] == "status" else "法治政府建设数据仓库"
    assert wanted in zh.stdout


def test_a_usage_error_is_one_chinese_line(settings: Settings) -> None:
    proc = rolwh(settings, "indicators", timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "rolwh indicators:缺少必需的参数:--year(参见 `rolwh indicators --help`)"
    ]
