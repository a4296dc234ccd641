"""Demo landing area: all 7 feeds, 2024-01 to 2025-03, dirty like real exports, giving the 2024 report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rolwh.demo_data.landing import generate as _generate

if TYPE_CHECKING:
    from rolwh.demo_data.landing import DemoSummary


def generate(out: Path, seed: int = 2024, scale: int = 1) -> DemoSummary:
    """Write the demo exports under ``out``; see :mod:`rolwh.demo_data.landing`."""

    return _generate(out, seed=seed, scale=scale)
