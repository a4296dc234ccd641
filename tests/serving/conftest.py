"""Fixtures of the serving tests: a working file shaped like the marts, and a published version."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolwh.core.settings import Settings
from tests.serving.marts_fixture import build_working_marts

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def working(settings: Settings) -> Settings:
    """``settings`` whose working warehouse holds marts and audit tables (2024 report figures)."""
    build_working_marts(settings)
    return settings


@pytest.fixture
def published(working: Settings) -> Settings:
    """``working``, published once to the serving file."""
    from rolwh.serving.publish import publish

    publish(working)
    return working


@pytest.fixture(scope="module")
def demo_published(demo_run: dict[str, object]) -> Settings:
    """The demo's real serving file (dbt-built star schema, cn views, comments), read only."""
    assert demo_run["exit_code"] == 5, demo_run[
        "output"
    ]  # published, needs attention (quarantined demo files)
    settings = demo_run["settings"]
    assert isinstance(settings, Settings)
    return settings
