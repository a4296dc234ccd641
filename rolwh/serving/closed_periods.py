"""Closed periods: a run may not silently publish lower counts for a quarter that is over.

A quarter is **closed** when it ended before the quarter of the run date (Asia/Shanghai). Before
publishing, the candidate marts (the working warehouse) are compared with the current publication
(the serving file): every additive count (``marts.dim_indicator.is_additive``) of a closed quarter,
per community, that would go down is a *drop*.

A drop is **explained** when every file the last publication was built from (its
``audit.file_loads`` rows with status ``loaded``, by SHA-256) is still loaded in the working
warehouse: then it can only come from voids, corrections or new versions of records, and the run
publishes. Otherwise (the warehouse was lost and the landing area pruned, say) the publication is
**held**: the previous one stays, the run summary lists what dropped and which files are missing
(names only), and ``rolwh run`` exits 5 (needs attention). The way out, once the loss is understood,
is ``rolwh run --accept-lower-closed-periods "reason"``: it publishes and records who, when, why
and what in ``audit.accepted_revisions``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import duckdb

from rolwh.core.settings import Settings
from rolwh.core.warehouse import connect
from rolwh.serving.publish import serving_path

TIMEZONE = ZoneInfo("Asia/Shanghai")
ACCEPT_TABLE = "audit.accepted_revisions"
#: Drops and missing files shown in a run summary (all of them are in the audit row when accepted).
SHOWN = 20

_DROPS_SQL = """
with published as (
    select q.year, q.quarter, q.indicator_code, q.community_code, q.value
    from pub.marts.fct_indicator_quarterly q
    join pub.marts.dim_indicator d using (indicator_code)
    where d.is_additive and q.period_end < ? and q.value is not null
)
select p.indicator_code, p.year, p.quarter, p.community_code, p.value, coalesce(c.value, 0)
from published p
left join work.marts.fct_indicator_quarterly c
    using (year, quarter, indicator_code, community_code)
where coalesce(c.value, 0) < p.value
order by p.indicator_code, p.year, p.quarter, p.community_code != 'ALL', p.community_code
"""

_MISSING_SQL = """
select p.feed, p.file_name
from pub.audit.file_loads p
where p.status = 'loaded'
  and not exists (
    select 1 from work.audit.file_loads w where w.status = 'loaded' and w.sha256 = p.sha256
  )
order by p.feed, p.file_name
"""


@dataclass(frozen=True)
class Drop:
    indicator_code: str
    year: int
    quarter: int
    community_code: str
    old: float
    new: float

    def render(self) -> str:
        return (
            f"{self.indicator_code} {self.year}Q{self.quarter} {self.community_code}: "
            f"{_num(self.old)} -> {_num(self.new)}"
        )


@dataclass
class ClosedPeriodCheck:
    """The candidate marts against the current publication, for the quarters before ``closed_before``."""

    closed_before: dt.date
    drops: list[Drop] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)  # feed/file_name

    @property
    def held(self) -> bool:
        """Lower closed-period counts that no void or correction explains."""
        return bool(self.drops and self.missing_files)

    def render(self) -> str:
        if not self.drops:
            return f"closed periods (before {self.closed_before}): no count went down"
        if not self.held:
            return (
                f"closed periods (before {self.closed_before}): {len(self.drops)} lower count(s), explained "
                "by voids or corrections (every file of the last publication is still loaded)"
            )
        lines = [
            f"closed periods (before {self.closed_before}): {len(self.drops)} count(s) would go down and "
            f"{len(self.missing_files)} file(s) of the last publication are no longer loaded, so nothing "
            "explains the drop; the previous publication stays.",
            "  lower counts (indicator period community: published -> this run):",
            *(f"    {d.render()}" for d in self.drops[:SHOWN]),
        ]
        if len(self.drops) > SHOWN:
            lines.append(f"    … {len(self.drops) - SHOWN} more")
        lines.append("  files of the last publication missing from the warehouse:")
        lines += [f"    {f}" for f in self.missing_files[:SHOWN]]
        if len(self.missing_files) > SHOWN:
            lines.append(f"    … {len(self.missing_files) - SHOWN} more")
        lines.append(
            "  to do: deliver the missing files to the landing area again and re-run; or, if the loss is "
            'real and understood: rolwh run --accept-lower-closed-periods "reason" (recorded in '
            f"{ACCEPT_TABLE})"
        )
        return "\n".join(lines)

    def details(self) -> dict[str, object]:
        return {
            "drops": [d.__dict__ for d in self.drops],
            "missing_files": self.missing_files,
        }


def _num(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.4f}"


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def check(settings: Settings, *, today: dt.date | None = None) -> ClosedPeriodCheck:
    """Compare the working warehouse's marts with the current publication (none yet: nothing to hold)."""
    closed_before = quarter_start(today or dt.datetime.now(TIMEZONE).date())
    result = ClosedPeriodCheck(closed_before)
    published = serving_path(settings)
    if not published.exists() or not settings.warehouse_path.exists():
        return result
    con = duckdb.connect()
    try:
        con.execute("attach ? as pub (read_only)", [str(published.resolve())])
        con.execute("attach ? as work (read_only)", [str(settings.warehouse_path)])
        rows = con.execute(_DROPS_SQL, [closed_before]).fetchall()
        result.drops = [Drop(str(i), int(y), int(q), str(c), float(o), float(n)) for i, y, q, c, o, n in rows]
        if result.drops:
            result.missing_files = [f"{f}/{n}" for f, n in con.execute(_MISSING_SQL).fetchall()]
    finally:
        con.close()
    return result


def record_acceptance(
    settings: Settings, held: ClosedPeriodCheck, reason: str, who: str | None = None
) -> None:
    """Write who accepted which lower closed-period counts, and why, to ``audit.accepted_revisions``."""
    con = connect(settings)
    try:
        con.execute("create schema if not exists audit")
        con.execute(
            f"""
            create table if not exists {ACCEPT_TABLE} (
                accepted_at timestamp not null,
                accepted_by varchar not null,
                reason varchar not null,
                closed_before date not null,
                lower_counts integer not null,
                missing_files integer not null,
                details json not null
            )
            """
        )
        con.execute(
            f"insert into {ACCEPT_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
            [
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                who or getpass.getuser(),
                reason,
                held.closed_before,
                len(held.drops),
                len(held.missing_files),
                json.dumps(held.details(), ensure_ascii=False),
            ],
        )
    finally:
        con.close()
