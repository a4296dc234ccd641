"""Freshness: a feed whose newest loaded export is older than its cadence allows (nothing new has
arrived although the next export is due). Told nightly as a finding that needs an operator; the
gap check of :mod:`expectations.audit_suites` looks only between exports already delivered."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from expectations.checks import COMPLETENESS
from expectations.config import QualityConfig, load_config
from expectations.results import Finding
from rolwh.core.contracts import FEEDS
from rolwh.core.i18n import _
from rolwh.core.sql import table_exists

if TYPE_CHECKING:
    import duckdb

SUITE = "freshness"
EXPECTATION = "feed_has_an_export_within_its_cadence"
TABLE = "audit.file_loads"


def stale_feeds(
    con: duckdb.DuckDBPyConnection, today: dt.date, cfg: QualityConfig | None = None
) -> list[Finding]:
    """One finding per regularly exported feed with no loaded export in the last cadence (a feed
    never delivered at all counts from nothing: it is not stale, the freeze's gate names it)."""
    cfg = cfg or load_config()
    if not table_exists(con, "audit", "file_loads"):
        return []
    newest = dict(
        con.execute(
            "select feed, max(export_date) from audit.file_loads"
            " where status = 'loaded' and export_date is not null group by feed"
        ).fetchall()
    )
    out = []
    for feed in FEEDS:
        max_days, last = cfg.max_gap_days(feed.name), newest.get(feed.name)
        if max_days is None or last is None or (today - last).days <= max_days:
            continue
        message = _(
            "no new export since {date} (the cadence is {months} month(s)): the next export is overdue"
        ).format(date=f"{last:%Y-%m-%d}", months=cfg.cadence(feed.name))
        out.append(Finding(SUITE, EXPECTATION, TABLE, feed.name, COMPLETENESS, message))
    return out
