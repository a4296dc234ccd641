"""Targets (目标) and the 红黄绿 status (issue 15): the targets files are checked and a bad one
names file, row and column (exit 2); on the demo, the shipped targets give red, yellow and green,
each consistent with its thresholds; a missing target is 未设目标, never green."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from rolwh.core.errors import ConfigError
from rolwh.core.settings import DBT_PROJECT_DIR, DEFAULT_TARGETS_DIR, Settings
from rolwh.serving.query import reader_path
from rolwh.transform.targets import read_targets, target_files

HEADER = "indicator_code,community_code,grain,direction,green,yellow\n"


def _file(folder: Path, body: str, name: str = "2024.csv", header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(header + body, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLWH_LANG", "en")


def test_the_shipped_targets_are_valid_and_read_as_fractions() -> None:
    targets = read_targets(sorted(DEFAULT_TARGETS_DIR.glob("*.csv")))
    by_key = {(t.year, t.indicator_code, t.community_code): t for t in targets}
    rate = by_key[(2024, "DS_RESOLUTION_RATE", None)]
    assert (rate.direction, rate.green_threshold, rate.yellow_threshold) == ("higher", 0.98, 0.95)
    assert by_key[(2024, "PT_REPEAT_RATE", None)].direction == "lower"
    no_target = by_key[(2024, "CR_ONLINE_SHARE", None)]  # a row without thresholds: no target
    assert (no_target.direction, no_target.green_threshold) == (None, None)


@pytest.mark.parametrize(
    ("body", "row", "column"),
    [
        ("DS_RESOLUTION_RATE,,,higher,98%,95%\nNOPE,,,higher,1,0\n", "row 3", "indicator_code"),
        ("DS_RESOLUTION_RATE,XX99,,higher,98%,95%\n", "row 2", "community_code"),
        ("TR_LAW_LECTURES,JJ01,,higher,4,2\n", "row 2", "community_code"),  # street-wide only
        ("DS_RESOLUTION_RATE,,,higher,95%,98%\n", "row 2", "yellow"),  # green worse than yellow
        ("PT_REPEAT_RATE,,,lower,10%,5%\n", "row 2", "yellow"),
        ("DS_RESOLUTION_RATE,,,higher,98,95\n", "row 2", "green"),  # a ratio of 98 without %
        ("DS_RESOLUTION_RATE,,,higher,98%,\n", "row 2", "yellow"),  # one threshold only
        ("DS_RESOLUTION_RATE,,,upwards,98%,95%\n", "row 2", "direction"),
        ("DS_RESOLUTION_RATE,,monthly,higher,98%,95%\n", "row 2", "grain"),
        ("DS_REGISTERED,ALL,,higher,a lot,10\n", "row 2", "green"),
        ("DS_REGISTERED,ALL,,higher,50%,10\n", "row 2", "green"),  # a count is no percentage
    ],
)
def test_a_bad_row_names_file_row_and_column(tmp_path: Path, body: str, row: str, column: str) -> None:
    path = _file(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        read_targets([path])
    message = str(info.value)
    assert info.value.exit_code == 2
    assert str(path) in message and row in message and f"column {column}" in message, message


def test_duplicates_unknown_headers_and_bad_names_are_refused(tmp_path: Path, settings: Settings) -> None:
    twice = _file(
        tmp_path / "a", "DS_RESOLUTION_RATE,,,higher,98%,95%\nDS_RESOLUTION_RATE,,,higher,97%,95%\n"
    )
    with pytest.raises(ConfigError, match="row 3: the same indicator, community and grain as row 2"):
        read_targets([twice])
    odd = _file(tmp_path / "b", "DS_RESOLUTION_RATE,98%\n", header="indicator_code,target\n")
    with pytest.raises(ConfigError, match="row 1: unknown column 'target'"):
        read_targets([odd])
    _file(settings.targets_dir, "", name="targets-2024.csv")
    with pytest.raises(ConfigError, match="the name must be the year"):
        target_files(settings)


def test_chinese_headers_and_an_excel_gb18030_file_are_read(tmp_path: Path) -> None:
    path = tmp_path / "2024.csv"
    text = "指标代码,社区代码,粒度,方向,绿灯阈值,黄灯阈值\nDS_RESOLUTION_RATE,JJ01,季度,越高越好,99％,0.97\n"
    path.write_bytes(text.encode("gb18030"))
    (target,) = read_targets([path])
    assert (target.community_code, target.grain, target.direction) == ("JJ01", "quarter", "higher")
    assert (target.green_threshold, target.yellow_threshold) == (0.99, 0.97)


def test_a_district_file_replaces_the_shipped_one_of_its_year(settings: Settings) -> None:
    shipped = {p.name: p for p in target_files(settings)}
    assert shipped["2024.csv"].parent == DEFAULT_TARGETS_DIR
    own = _file(settings.targets_dir, "DS_RESOLUTION_RATE,,,higher,99%,96%\n")
    chosen = {p.name: p for p in target_files(settings)}
    assert chosen["2024.csv"] == own and chosen["2025.csv"] == shipped["2025.csv"]


def test_build_with_a_bad_targets_file_exits_2_with_one_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROLWH_LANG")
    _file(settings.targets_dir, "DS_RESOLUTION_RATE,,,higher,95%,98%\n")
    proc = subprocess.run(
        [sys.executable, "-m", "rolwh.cli", "build"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "2024.csv" in proc.stderr and "第 2 行" in proc.stderr, proc.stderr  # Chinese by default


# -- on the demo -----------------------------------------------------------------------------------


def _rows(settings: Settings, sql: str, params: list[object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(reader_path(settings)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_demo_targets_give_red_yellow_and_green_each_true_to_its_thresholds(
    demo_published: Settings,
) -> None:
    rows = _rows(
        demo_published,
        "select indicator_code, value, direction, green_threshold, yellow_threshold, status, status_zh "
        "from marts.fct_indicator_status where period = '2024' and community_code = 'ALL'",
    )
    seen = {r[5] for r in rows}
    assert {"red", "yellow", "green", "no_target"} <= seen, seen
    labels = {"green": "绿", "yellow": "黄", "red": "红", "no_target": "未设目标", "no_value": "无数据"}
    for code, value, direction, green, yellow, status, status_zh in rows:
        assert status_zh == labels[status]
        if green is None:
            assert status == "no_target", code  # a missing target is never green
            continue
        better = (lambda a, b: a >= b) if direction == "higher" else (lambda a, b: a <= b)
        expected = "green" if better(value, green) else "yellow" if better(value, yellow) else "red"
        assert status == expected, (code, value, green, yellow, status)
    by_code = {r[0]: r[5] for r in rows}
    assert by_code["DS_RESOLUTION_RATE"] == "green"  # 100 % against 98 %
    assert by_code["CR_SUCCESS_RATE"] == "yellow"  # 28.26 % against 35 % / 25 %
    assert by_code["PT_TIMELY_NOTICE_RATE"] == "red"  # 87.16 % against 100 % / 95 %
    assert by_code["CR_RECEIVED"] == "no_target"


def test_status_mart_changes_partial_periods_and_dictionary_order(demo_published: Settings) -> None:
    # one row per (period, community, indicator) of both grains, as the two long marts
    counts = _rows(
        demo_published,
        "select (select count(*) from marts.fct_indicator_status), (select count(*) from"
        " marts.fct_indicator_quarterly) + (select count(*) from marts.fct_indicator_annual)",
    )[0]
    assert counts[0] == counts[1] > 0
    # 同比 and 环比 follow the long marts' values
    (change,) = _rows(
        demo_published,
        """
        select count(*) from marts.fct_indicator_status as s
        join marts.fct_indicator_quarterly as q1 on q1.period = '2024Q1' and s.community_code = q1.community_code
            and s.indicator_code = q1.indicator_code
        join marts.fct_indicator_quarterly as q4 on q4.period = '2024Q4' and s.community_code = q4.community_code
            and s.indicator_code = q4.indicator_code
        where s.period = '2025Q1'
            and s.prev_year_value is not distinct from q1.value
            and s.yoy_change is not distinct from s.value - q1.value
            and s.prev_period_value is not distinct from q4.value
            and s.qoq_change is not distinct from s.value - q4.value
        """,
    )[0]
    (total,) = _rows(
        demo_published, "select count(*) from marts.fct_indicator_status where period = '2025Q1'"
    )[0]
    assert change == total > 0
    assert _rows(
        demo_published,
        "select distinct period_grain, quarter is null, prev_period_value is null from marts.fct_indicator_status"
        " where period_grain = 'year'",
    ) == [("year", True, True)]
    # the data ends in March 2025: the year 2025 is partial, 2024 and 2025Q1 are not
    partial = dict(
        _rows(demo_published, "select distinct period, is_partial from marts.fct_indicator_status")
    )
    assert partial["2025"] is True and partial["2024"] is False and partial["2025Q1"] is False
    # display_order is the dictionary's row order, on the mart and on dim_indicator
    with (DBT_PROJECT_DIR / "seeds" / "indicators.csv").open(encoding="utf-8") as fh:
        dictionary = [row["indicator_code"] for row in csv.DictReader(fh)]
    assert [
        c
        for (c,) in _rows(
            demo_published, "select indicator_code from marts.dim_indicator order by display_order"
        )
    ] == dictionary
    assert _rows(
        demo_published,
        "select count(*) from marts.fct_indicator_status as s join marts.dim_indicator as d"
        " using (indicator_code) where s.display_order <> d.display_order",
    ) == [(0,)]


def test_rolwh_indicators_shows_target_and_status(demo_run: dict[str, object]) -> None:
    env = {**demo_run["env"], "COLUMNS": "200"}  # type: ignore[dict-item]
    env.pop("ROLWH_LANG", None)  # Chinese
    proc = subprocess.run(
        [sys.executable, "-m", "rolwh.cli", "indicators", "--year", "2024"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "目标" in out and "状态" in out and "未设目标" in out
    for label in ("绿", "黄", "红"):
        assert label in out
    line = next(li for li in out.splitlines() if "DS_RESOLUTION_RATE" in li)
    assert "≥98.00%" in line and "绿" in line
    # the dictionary's order: 受理 before 办结
    assert out.index("CR_RECEIVED") < out.index("CR_CONCLUDED")
