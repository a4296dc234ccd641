"""One demo landing area per test session (generation takes a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolwh.demo_data import generate

SEED = 2024


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "landing"
    generate(out, seed=SEED, scale=1)
    return out
