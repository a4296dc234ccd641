"""Suites on the export history: gaps longer than a feed's cadence, and a feed's volume halving."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING

import pandas as pd

from expectations.checks import BLOCKING, COMPLETENESS, WARNING, Problem, Validation, check
from expectations.config import QualityConfig
from rolwh.core.contracts import FEEDS, Kind
from rolwh.core.i18n import _, ngettext
from rolwh.core.sql import table_exists

if TYPE_CHECKING:
    import duckdb


def export_gap_frame(con: duckdb.DuckDBPyConnection, cfg: QualityConfig, year: int | None) -> pd.DataFrame:
    """Gaps between consecutive export dates of loaded files (and the year bounds when ``year``)."""
    rows = con.execute(
        "select feed, export_date from audit.file_loads where status = 'loaded' and export_date is not null"
        " group by all order by 1, 2"
    ).fetchall()
    dates: dict[str, list[dt.date]] = {}
    for feed_name, d in rows:
        dates.setdefault(feed_name, []).append(d)
    records = []
    for feed in FEEDS:
        months = cfg.cadence(feed.name)
        max_days = cfg.max_gap_days(feed.name)
        if months is None or max_days is None:
            continue
        exports = set(dates.get(feed.name, []))
        points = sorted(exports)
        bounds: dict[dt.date, str] = {}
        if year is not None:
            lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)
            bounds = {
                d: f"the year {which} {d:%Y%m%d}"
                for d, which in ((lo, "start"), (hi, "end"))
                if d not in exports
            }
            points = sorted({lo, hi, *(d for d in points if lo <= d <= hi)})

        def name(d: dt.date, bounds: dict[dt.date, str] = bounds) -> str:
            return bounds.get(d, f"export {d:%Y%m%d}")

        for a, b in itertools.pairwise(points):
            gap = (b - a).days
            records.append(
                {
                    "feed": feed.name,
                    "from_date": a,
                    "to_date": b,
                    "from_label": name(a),
                    "to_label": name(b),
                    "gap_days": gap,
                    "cadence_months": months,
                    "max_gap_days": max_days,
                    "excess_days": max(gap - max_days, 0),
                }
            )
    cols = [
        "feed",
        "from_date",
        "to_date",
        "from_label",
        "to_label",
        "gap_days",
        "cadence_months",
        "max_gap_days",
        "excess_days",
    ]
    return pd.DataFrame.from_records(records, columns=cols)


def audit_validations(
    con: duckdb.DuckDBPyConnection, cfg: QualityConfig, year: int | None
) -> tuple[list[Validation], list[Problem]]:
    if not table_exists(con, "audit", "file_loads"):
        return [], [
            Problem(
                "completeness_exports",
                "audit.file_loads",
                "table_exists",
                BLOCKING,
                _("{table} is missing").format(table="audit.file_loads"),
            )
        ]
    frame = export_gap_frame(con, cfg, year)
    v = Validation("completeness_exports", "audit.file_loads", frame)

    def gap_label(r: pd.Series) -> str:
        months = int(r.get("cadence_months") or 0)
        cadence = ngettext("cadence {n} month", "cadence {n} months", months).format(n=months)
        a, b = str(r.get("from_label")), str(r.get("to_label"))
        if a.startswith("export ") and b.startswith("export "):
            text = _("{feed}: gap of {days} days between exports {a} and {b} ({cadence})")
            a, b = a[7:], b[7:]
        else:
            text = _("{feed}: gap of {days} days between {a} and {b} ({cadence})")
            a, b = _point(a), _point(b)
        return text.format(feed=r.get("feed"), days=r.get("gap_days"), a=a, b=b, cadence=cadence)

    v.checks.append(
        check(
            "ExpectColumnValuesToBeBetween",
            _("no gap between consecutive exports longer than the feed's cadence"),
            column="excess_days",
            severity=COMPLETENESS,
            label=gap_label,
            labels_only=True,
            min_value=0,
            max_value=0,
        )
    )
    out = [v, _volume_validation(con, cfg)]
    return out, []


def volume_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Records per complete quarter of each regularly exported event feed, with the previous quarter."""
    records = []
    for feed in FEEDS:
        if feed.snapshot or feed.cadence_months is None or len(feed.key) != 1:
            continue
        date_col = next(
            (c.name for c in feed.columns if c.required and c.kind in (Kind.DATE, Kind.DATETIME)), None
        )
        if date_col is None or not table_exists(con, "raw", feed.name):
            continue
        key = feed.key[0]
        counts = dict(
            con.execute(
                f"select cast(date_trunc('quarter', {date_col}) as date), count(distinct {key})"
                f" from {feed.table} where {date_col} is not null group by 1"
            ).fetchall()
        )
        (max_export,) = con.execute(f"select max(_export_date) from {feed.table}").fetchone() or (None,)
        if not counts or max_export is None:
            continue
        q = min(counts)
        quarters = []
        while True:
            end = _add_months(q, 3) - dt.timedelta(days=1)
            if end > max_export:
                break
            quarters.append(q)
            q = _add_months(q, 3)
        for prev, cur in itertools.pairwise(quarters):
            pv, cv = counts.get(prev, 0), counts.get(cur, 0)
            records.append(
                {
                    "feed": feed.name,
                    "quarter": f"{cur.year}Q{(cur.month - 1) // 3 + 1}",
                    "previous_quarter": f"{prev.year}Q{(prev.month - 1) // 3 + 1}",
                    "volume": cv,
                    "previous_volume": pv,
                    "ratio": (cv / pv) if pv else None,
                }
            )
    cols = ["feed", "quarter", "previous_quarter", "volume", "previous_volume", "ratio"]
    return pd.DataFrame.from_records(records, columns=cols)


def _volume_validation(con: duckdb.DuckDBPyConnection, cfg: QualityConfig) -> Validation:
    v = Validation("warn_feed_volume", "raw.*", volume_frame(con))
    v.checks.append(
        check(
            "ExpectColumnValuesToBeBetween",
            _("a feed's records per quarter do not drop below {ratio:.0%} of the previous quarter").format(
                ratio=cfg.min_volume_ratio
            ),
            column="ratio",
            severity=WARNING,
            min_value=cfg.min_volume_ratio,
            label=lambda r: _(
                "{feed}: {n} records in {quarter} against {previous} in {previous_quarter}"
            ).format(
                feed=r.get("feed"),
                n=r.get("volume"),
                quarter=r.get("quarter"),
                previous=r.get("previous_volume"),
                previous_quarter=r.get("previous_quarter"),
            ),
            labels_only=True,
        )
    )
    return v


def _point(label: str) -> str:
    """A gap's end as shown: an export (``export YYYYMMDD``) or a bound of the year."""
    kind, _sp, date = label.rpartition(" ")
    if kind == "the year start":
        return _("the year start {date}").format(date=date)
    if kind == "the year end":
        return _("the year end {date}").format(date=date)
    return _("export {date}").format(date=date)


def _add_months(d: dt.date, months: int) -> dt.date:
    m = d.month - 1 + months
    return dt.date(d.year + m // 12, m % 12 + 1, 1)
