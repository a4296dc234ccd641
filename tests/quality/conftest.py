"""Fixtures of the quality tests: a clean warehouse in a real DuckDB file, and a way to break it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rolwh.core.settings import Settings
from tests.quality.dataset import build_clean_warehouse


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read findings and verdicts by their English message ids (``ROLWH_LANG=en``); a test
    that checks the Chinese removes it."""
    monkeypatch.setenv("ROLWH_LANG", "en")


@pytest.fixture
def clean_warehouse(settings: Settings) -> Settings:
    """``settings`` whose working warehouse holds the clean 2024 dataset."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    build_clean_warehouse(settings.warehouse_path)
    return settings


@pytest.fixture
def sql(clean_warehouse: Settings) -> Callable[..., None]:
    """Run statements on the working warehouse (to break the clean data)."""

    def run(*statements: str, params: list[Any] | None = None) -> None:
        import duckdb

        con = duckdb.connect(str(clean_warehouse.warehouse_path))
        try:
            for s in statements:
                con.execute(s, params or [])
        finally:
            con.close()

    return run
