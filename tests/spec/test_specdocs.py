"""The files derived from the spec are current, and the generator finds and rewrites a stale one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rolwh.core.contracts import FEEDS, FEEDS_BY_NAME
from rolwh.core.settings import REPO_ROOT
from rolwh.report import specdocs


def test_generated_files_are_current() -> None:
    """Fails when contracts.py or indicators.csv changed without `python -m rolwh.report.specdocs --write`."""
    assert specdocs.stale() == [], (
        "stale: run `python -m rolwh.report.specdocs --write` and commit the result"
    )


def test_check_through_the_real_command_passes_on_the_repository() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rolwh.report.specdocs"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr


def test_a_stale_file_is_reported_then_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "_sources.yml"
    target.write_text(specdocs.sources_yml().replace("case_no", "case_number"), encoding="utf-8")
    monkeypatch.setattr(specdocs, "GENERATED", {target: specdocs.sources_yml})

    assert specdocs.main([]) == 1
    assert specdocs.main(["--write"]) == 0
    assert target.read_text(encoding="utf-8") == specdocs.sources_yml()
    assert specdocs.main([]) == 0


def test_sources_yml_has_every_feed_with_its_raw_columns_in_order() -> None:
    data = yaml.safe_load(specdocs.SOURCES_YML.read_text(encoding="utf-8"))
    (raw,) = data["sources"]
    assert raw["name"] == "raw" and raw["schema"] == "raw"
    tables = {t["name"]: t for t in raw["tables"]}
    assert list(tables) == [f.name for f in FEEDS]
    for name, table in tables.items():
        columns = [(c["name"], c["data_type"]) for c in table["columns"]]
        assert columns == list(FEEDS_BY_NAME[name].raw_columns()), name
        tested = {c["name"] for c in table["columns"] if "not_null" in c.get("data_tests", [])}
        assert tested == set(specdocs.NOT_NULL_LINEAGE), name


def test_freshness_follows_each_feeds_cadence() -> None:
    tables = {
        t["name"]: t.get("config", {})
        for t in yaml.safe_load(specdocs.SOURCES_YML.read_text(encoding="utf-8"))["sources"][0]["tables"]
    }
    for feed in FEEDS:
        config = tables[feed.name]
        if feed.cadence_months is None:
            assert config == {"freshness": None}, feed.name
        elif feed.snapshot:  # a roster is as fresh as its export date, not its load
            assert config["loaded_at_field"] == "cast(_export_date as timestamp)"
            assert config["freshness"]["warn_after"]["count"] > 31 * feed.cadence_months
        else:
            assert "freshness" not in config or config["freshness"]["warn_after"]["count"] > 31, feed.name


def test_contract_md_names_every_feed_column_and_code() -> None:
    text = specdocs.CONTRACT_MD.read_text(encoding="utf-8")
    for feed in FEEDS:
        assert f"### `{feed.name}`" in text
        for col in feed.columns:
            assert f"| {col.header} | {col.kind.value} |" in text, (feed.name, col.header)
            for code in col.codes:
                assert code in text


def test_indicators_md_has_every_indicator_of_the_dictionary_with_its_measures() -> None:
    text = specdocs.INDICATORS_MD.read_text(encoding="utf-8")
    rows = specdocs.read_dictionary()
    assert rows
    for row in rows:
        line = next(line for line in text.splitlines() if line.startswith(f"| {row['indicator_code']} |"))
        for field in ("name_zh", "name_en", "unit", "kind", "scope", "definition_zh", "numerator_measure"):
            assert row[field] in line, (row["indicator_code"], field)
        assert f"`{row['family_model']}`" in line


def test_no_reference_outside_the_repository() -> None:
    """README, docs, code and tests never point at ../shared (a clone does not have it)."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    needle = "shared/" + "spec"  # split so this file does not match itself
    offenders = [
        path
        for path in tracked
        if path.endswith((".py", ".md", ".yml", ".yaml", ".sql", ".toml"))
        and needle in (REPO_ROOT / path).read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == []
