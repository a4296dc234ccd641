"""Closed periods: lower counts for a quarter that is over, with files of the last publication gone,
hold the publication (exit 5) until the files are back or the drop is accepted with a reason."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from rolwh.core.settings import Settings, load_settings
from rolwh.orchestration.airflow_tasks import render_run_summary
from rolwh.orchestration.nightly import EXIT_ATTENTION
from rolwh.serving.closed_periods import check, quarter_start
from rolwh.serving.publish import current_version, publish
from tests.serving.demo_cli import cli, serving_rows

AFTER_2025Q1 = dt.date(2025, 6, 1)  # 2024Q1 … 2025Q1 are closed


def _working(settings: Settings, *statements: str) -> None:
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        for s in statements:
            con.execute(s)
    finally:
        con.close()


ADDITIVE = (
    "alter table marts.dim_indicator add column is_additive boolean",
    "update marts.dim_indicator set is_additive = (unit = 'count')",
)
LOWER_Q1 = (
    "update marts.fct_indicator_quarterly set value = value - 3, numerator = numerator - 3"
    " where indicator_code = 'CR_RECEIVED' and year = 2024 and quarter = 1 and community_code = 'ALL'"
)


@pytest.fixture
def published_additive(working: Settings) -> Settings:
    _working(working, *ADDITIVE)
    publish(working)
    return working


def test_quarter_start() -> None:
    assert quarter_start(dt.date(2025, 6, 30)) == dt.date(2025, 4, 1)
    assert quarter_start(dt.date(2025, 1, 1)) == dt.date(2025, 1, 1)
    assert quarter_start(dt.date(2024, 12, 31)) == dt.date(2024, 10, 1)


def test_a_lower_closed_count_is_explained_while_every_published_file_is_still_loaded(
    published_additive: Settings,
) -> None:
    s = published_additive
    assert check(s, today=AFTER_2025Q1).drops == []
    con = duckdb.connect(str(s.warehouse_path), read_only=True)
    try:
        (old,) = con.execute(
            "select value from marts.fct_indicator_quarterly where indicator_code = 'CR_RECEIVED'"
            " and year = 2024 and quarter = 1 and community_code = 'ALL'"
        ).fetchone()
    finally:
        con.close()
    _working(s, LOWER_Q1)  # a void or a correction

    result = check(s, today=AFTER_2025Q1)
    assert [d.render() for d in result.drops] == [f"CR_RECEIVED 2024Q1 ALL: {old:.0f} -> {old - 3:.0f}"]
    assert result.missing_files == [] and not result.held
    assert "explained by voids or corrections" in result.render()
    # a quarter not yet over never holds anything
    assert check(s, today=dt.date(2024, 2, 1)).drops == []


def test_a_lower_closed_count_with_a_published_file_gone_is_held(published_additive: Settings) -> None:
    s = published_additive
    _working(s, LOWER_Q1, "delete from audit.file_loads where feed = 'court_referrals'")

    result = check(s, today=AFTER_2025Q1)
    assert result.held
    assert result.missing_files == ["court_referrals/court_referrals_20250331.xlsx"]
    text = result.render()
    assert (
        "the previous publication stays" in text and "court_referrals/court_referrals_20250331.xlsx" in text
    )
    assert '--accept-lower-closed-periods "reason"' in text


def test_a_needs_attention_step_shows_in_the_airflow_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLWH_LANG", "en")
    text, bad = render_run_summary(
        "rol_nightly manual__1",
        {
            "publish": {
                "ok": True,
                "summary": "published v",
                "attention": ["release 2024/v1 failed verification"],
            }
        },
    )
    assert bad == ["publish"]
    assert "- release 2024/v1 failed verification" in text
    assert text.rstrip().endswith("Result: published, needs attention: publish")
    assert EXIT_ATTENTION == 5


# -- the case, through the real CLI on a copy of the demo home -----------------------------
COURT = "court_referrals"
PRUNED = (
    "诉前调解案件导出_20240131.xlsx",
    "诉前调解案件导出_20240229.xlsx",
    "诉前调解案件导出_20240331.xlsx",
)
RECEIVED_2024 = (
    "select value from marts.fct_indicator_annual"
    " where year = 2024 and indicator_code = 'CR_RECEIVED' and community_code = 'ALL'"
)


def _lost_and_pruned(demo_run: dict, tmp_path: Path) -> tuple[Path, dict[str, str], Settings]:
    """A copy of the demo home whose warehouse is lost and whose landing area lost 2024Q1's court files."""
    assert demo_run["exit_code"] == 5, demo_run[
        "output"
    ]  # 5: published, needs attention (the demo's quarantined files, overdue feeds)
    home = tmp_path / "home"
    shutil.copytree(demo_run["home"], home, symlinks=True)
    env = {
        **demo_run["env"],
        "ROLWH_HOME": str(home),
        "ROLWH_LANDING": str(home / "landing"),
        "ROLWH_LANG": "en",  # these tests read the English message ids
    }
    shutil.rmtree(home / "warehouse")
    for name in PRUNED:
        (home / "landing" / COURT / name).unlink()
    return home, env, load_settings(env)


@pytest.mark.slow
def test_lost_warehouse_and_pruned_landing_hold_the_publication_until_the_files_are_back(
    demo_run: dict, tmp_path: Path
) -> None:
    home, env, settings = _lost_and_pruned(demo_run, tmp_path)
    before = current_version(settings)
    (old_q1,) = serving_rows(
        home,
        "select value from marts.fct_indicator_quarterly where year = 2024 and quarter = 1"
        " and indicator_code = 'CR_RECEIVED' and community_code = 'ALL'",
    )[0]

    held = cli(env, "run", "--quiet")
    assert held.returncode == 5, held.stdout + held.stderr
    out = held.stdout
    assert "== publish: HELD" in out and "result: NEEDS ATTENTION — nothing published" in out
    assert f"CR_RECEIVED 2024Q1 ALL: {old_q1:.0f} -> " in out
    for name in PRUNED:
        assert f"{COURT}/{name}" in out
    assert current_version(settings) == before
    assert serving_rows(home, RECEIVED_2024) == [(476,)]

    for name in PRUNED:  # the files come back from the copy kept aside
        shutil.copy2(Path(demo_run["landing"]) / COURT / name, home / "landing" / COURT / name)
    again = cli(env, "run", "--quiet")
    assert again.returncode == 5, again.stdout + again.stderr  # published; the demo's feeds are overdue
    assert "result: published, NEEDS ATTENTION" in again.stdout
    assert current_version(settings) != before
    assert serving_rows(home, RECEIVED_2024) == [(476,)]


@pytest.mark.slow
def test_accepting_lower_closed_periods_publishes_and_records_who_and_why(
    demo_run: dict, tmp_path: Path
) -> None:
    home, env, _ = _lost_and_pruned(demo_run, tmp_path)

    run = cli(
        env,
        "run",
        "--quiet",
        "--accept-lower-closed-periods",
        "2024Q1 court exports lost with the old server",
    )
    # published; the demo's overdue feeds still need attention
    assert run.returncode == 5, run.stdout + run.stderr
    assert "lower closed-period counts accepted (2024Q1 court exports lost with the old server)" in run.stdout
    (received,) = serving_rows(home, RECEIVED_2024)[0]
    assert received < 476
    rows = serving_rows(
        home, "select accepted_by, reason, lower_counts, missing_files, details from audit.accepted_revisions"
    )
    assert len(rows) == 1
    by, reason, lower, missing, details = rows[0]
    assert by and reason == "2024Q1 court exports lost with the old server"
    assert lower > 0 and missing == len(PRUNED)
    assert sorted(json.loads(details)["missing_files"]) == sorted(f"{COURT}/{n}" for n in PRUNED)
