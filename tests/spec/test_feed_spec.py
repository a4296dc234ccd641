"""The per-feed spec (rolwh/core/contracts.py Feed) and the indicator dictionary against the dbt project
they drive, read from its files: each feed's versions model, its latest-version model and key, and
each indicator's family and measures. A drift fails here before a nightly build drops a check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from rolwh.core.contracts import FEEDS, FEEDS_BY_NAME
from rolwh.core.settings import DBT_PROJECT_DIR
from rolwh.report.specdocs import read_dictionary

MODELS_DIR = DBT_PROJECT_DIR / "models"
FEED_VERSIONS_CALL = re.compile(r"\{\{\s*feed_versions\(\s*'(\w+)'")
REF = re.compile(r"ref\(\s*'(\w+)'\s*\)")


def _model_sql() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(MODELS_DIR.rglob("*.sql"))}


def _model_yml() -> dict[str, dict[str, Any]]:
    """Every model's yml entry (anchors resolved), by model name."""
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(MODELS_DIR.rglob("*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or []:
            entries[model["name"]] = model
    return entries


def _data_tests(entry: dict[str, Any]) -> list[Any]:
    return list(entry.get("data_tests") or [])


def _versions_models() -> dict[str, str]:
    """feed -> the model built by ``feed_versions('<feed>', ...)``."""
    found: dict[str, list[str]] = {}
    for name, sql in _model_sql().items():
        for feed in FEED_VERSIONS_CALL.findall(sql):
            found.setdefault(feed, []).append(name)
    assert all(len(models) == 1 for models in found.values()), found
    return {feed: models[0] for feed, models in found.items()}


def test_every_feed_has_one_versions_model_built_by_the_macro() -> None:
    """Without an incremental versions model on its raw table every nightly build is a full one."""
    versions = _versions_models()
    assert set(versions) == {f.name for f in FEEDS}
    for name, sql in _model_sql().items():  # raw tables are read through the macro only
        assert "source('raw'" not in sql and "new_raw_rows(" not in sql, name


def test_each_latest_model_exists_and_its_yml_declares_its_key_unique() -> None:
    sql, yml = _model_sql(), _model_yml()
    for feed in FEEDS:
        if feed.latest_model is None:
            continue
        assert feed.latest_key, feed.name
        assert feed.latest_model in sql, f"{feed.name}: no model {feed.latest_model}.sql"
        assert feed.latest_relation == f"staging.{feed.latest_model}"
        assert Path(MODELS_DIR, "staging") in next(MODELS_DIR.rglob(f"{feed.latest_model}.sql")).parents
        entry = yml.get(feed.latest_model)
        assert entry is not None, f"{feed.latest_model} has no yml entry"
        if len(feed.latest_key) == 1:
            columns = {c["name"]: _data_tests(c) for c in entry.get("columns") or []}
            assert {"unique", "not_null"} <= set(columns.get(feed.latest_key[0], [])), feed.name
        else:
            combos = [
                t["unique_combination_of_columns"]["arguments"]["combination_of_columns"]
                for t in _data_tests(entry)
                if isinstance(t, dict) and "unique_combination_of_columns" in t
            ]
            assert list(feed.latest_key) in combos, feed.name


def test_every_model_reading_a_versions_model_is_the_latest_model_of_its_feed() -> None:
    """Only a feed's latest-version model reads its versions, and it is declared on the Feed, or
    the gate would not check its key after latest-wins."""
    feed_of_versions = {model: feed for feed, model in _versions_models().items()}
    readers = 0
    for name, sql in _model_sql().items():
        feeds = {feed_of_versions[r] for r in REF.findall(sql) if r in feed_of_versions}
        if not feeds:
            continue
        (feed,) = feeds
        assert FEEDS_BY_NAME[feed].latest_model == name, f"{feed}: latest_model should be {name}"
        readers += 1
    assert readers == sum(1 for f in FEEDS if f.latest_model)


def test_source_feed_columns_accept_the_contracts_feeds_only() -> None:
    """The dictionary's and dim_indicator's source_feed are tested against the raw sources (from
    FEEDS), not against a hand-kept list; and the dictionary's values are feeds today."""
    seeds = yaml.safe_load((DBT_PROJECT_DIR / "seeds" / "_seeds.yml").read_text(encoding="utf-8"))
    dictionary = next(s for s in seeds["seeds"] if s["name"] == "indicators")
    entries = [dictionary, _model_yml()["dim_indicator"]]
    for entry in entries:
        column = next(c for c in entry["columns"] if c["name"] == "source_feed")
        assert "is_a_feed" in _data_tests(column), entry["name"]
    assert {r["source_feed"] for r in read_dictionary()} <= set(FEEDS_BY_NAME)


def test_every_indicator_names_a_family_parent_and_its_measures() -> None:
    sql = _model_sql()
    observations = sql["int_indicator_observations"]
    families = set(re.findall(r"'(int_\w+_indicators)'", observations))
    for row in read_dictionary():
        code, family = row["indicator_code"], row["family_model"]
        assert family in families, f"{code}: {family} is not listed in int_indicator_observations.sql"
        for measure in filter(None, (row["numerator_measure"], row["denominator_measure"])):
            # a family counts the flags of the macro it calls (macros/record_flags/<name>_flags.sql)
            flags = "".join(
                (MODELS_DIR.parent / "macros" / "record_flags" / f"{name}.sql").read_text(encoding="utf-8")
                for name in re.findall(r"\b(\w+_flags)\(\)", sql[family])
            )
            assert re.search(rf"\bas {measure}\b", sql[family] + flags), f"{code}: {family} has no column {measure}"
        assert (row["unit"] == "ratio") == bool(row["denominator_measure"]), code


def test_every_feed_declares_the_relation_its_key_is_checked_on() -> None:
    """The gate checks key uniqueness on each feed's declared latest relation: a feed without one
    would silently lose that check, so every feed must name it (and quality.yaml no longer can)."""
    assert [f.name for f in FEEDS if not (f.latest_model and f.latest_key)] == []
    config = yaml.safe_load(
        (DBT_PROJECT_DIR.parent / "expectations" / "quality.yaml").read_text(encoding="utf-8")
    )
    assert "latest_relations" not in config
