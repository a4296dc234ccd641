"""Gate configuration: cadences default from the contract, overrides come from one file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from expectations.config import load_config
from rolwh.core.contracts import FEEDS_BY_NAME
from rolwh.core.errors import ConfigError


def test_cadences_default_from_the_contract() -> None:
    cfg = load_config()
    for name, feed in FEEDS_BY_NAME.items():
        assert cfg.cadence(name) == feed.cadence_months
    assert cfg.max_gap_days("court_referrals") == 31
    assert cfg.max_gap_days("enforcement_officers") == 93
    assert cfg.max_gap_days("exam_results") is None  # event-driven: exempt


def test_configured_cadence_changes_what_counts_as_an_export_gap(tmp_path: Path) -> None:
    import duckdb

    from expectations.audit_suites import export_gap_frame
    from rolwh.core.warehouse import ensure_schema

    con = duckdb.connect()
    ensure_schema(con)
    for d in (dt.date(2024, 1, 31), dt.date(2024, 4, 30)):
        con.execute(
            "insert into audit.file_loads values ('l', ?, 'court_referrals', ?, 'loaded', ?, 1, 0, 0, 0, 0,"
            " null, null, now())",
            [f"f_{d:%Y%m%d}.xlsx", f"sha{d}", d],
        )
    path = tmp_path / "quality.yaml"
    path.write_text("cadence_months:\n  court_referrals: 3\n", encoding="utf-8")

    monthly = export_gap_frame(con, load_config(), None)
    quarterly = export_gap_frame(con, load_config(path), None)

    court = monthly[monthly["feed"] == "court_referrals"]
    assert court["gap_days"].tolist() == [90] and court["excess_days"].tolist() == [59]
    assert quarterly[quarterly["feed"] == "court_referrals"]["excess_days"].tolist() == [0]


def test_unknown_settings_are_refused_with_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text("max_unkown_share: 0.1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown quality settings.*max_unkown_share"):
        load_config(path)
    path.write_text("cadence_months:\n  court: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown feeds.*court"):
        load_config(path)
