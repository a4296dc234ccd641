"""Thresholds and export cadences of the quality gate, read from ``expectations/quality.yaml``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rolwh.core.contracts import FEEDS
from rolwh.core.errors import ConfigError

CONFIG_PATH = Path(__file__).resolve().parent / "quality.yaml"
#: Days a "month" of cadence stands for (31, so month ends 01-31 -> 02-29 -> 03-31 never warn).
DAYS_PER_MONTH = 31


@dataclass(frozen=True)
class QualityConfig:
    """Every tunable of the gate; defaults here, overrides in quality.yaml."""

    date_min: dt.date = dt.date(2000, 1, 1)
    date_max_days_ahead: int = 1
    future_date_columns: tuple[str, ...] = ("enforcement_officers.certificate_valid_until",)
    cadence_months: dict[str, int | None] = field(default_factory=dict)
    gap_grace_days: int = 0
    max_invalid_id_share: float = 0.02
    max_unknown_community_share: float = 0.05
    max_negative_duration_share: float = 0.01
    min_volume_ratio: float = 0.5

    def cadence(self, feed_name: str) -> int | None:
        """Cadence in months of a feed: configuration if set, else the contract's."""
        if feed_name in self.cadence_months:
            return self.cadence_months[feed_name]
        return {f.name: f.cadence_months for f in FEEDS}[feed_name]

    def max_gap_days(self, feed_name: str) -> int | None:
        months = self.cadence(feed_name)
        return None if months is None else months * DAYS_PER_MONTH + self.gap_grace_days

    def date_max(self, today: dt.date | None = None) -> dt.date:
        return (today or dt.date.today()) + dt.timedelta(days=self.date_max_days_ahead)


def load_config(path: Path | None = None, **overrides: Any) -> QualityConfig:
    """The configuration in ``path`` (default expectations/quality.yaml); keyword overrides win."""

    path = path or CONFIG_PATH
    data: dict[str, Any] = {}
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.update(overrides)
    known = set(QualityConfig.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{path}: unknown quality settings {sorted(unknown)}; known: {sorted(known)}")
    if isinstance(data.get("date_min"), str):
        data["date_min"] = dt.date.fromisoformat(data["date_min"])
    if "future_date_columns" in data:
        data["future_date_columns"] = tuple(data["future_date_columns"] or ())
    feeds = {f.name for f in FEEDS}
    bad = set(data.get("cadence_months") or {}) - feeds
    if bad:
        raise ConfigError(f"{path}: cadence_months names unknown feeds {sorted(bad)}; feeds: {sorted(feeds)}")
    data["cadence_months"] = dict(data.get("cadence_months") or {})
    return QualityConfig(**data)
