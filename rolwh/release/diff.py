"""The revision report: a release's frozen annual values against the live marts."""

from __future__ import annotations

from typing import Any

import duckdb

from rolwh.core.console import fit
from rolwh.core.errors import NoWarehouse
from rolwh.core.i18n import N_, _
from rolwh.core.settings import Settings
from rolwh.core.warehouse import connect
from rolwh.release.store import resolve_version, year_dir
from rolwh.release.verify import require_verified
from rolwh.serving.query import open_reader

#: A row's status in the revision report (kept as data; shown translated).
STATUSES = (N_("new"), N_("removed"), N_("same"), N_("changed"))


def _live_annual(
    settings: Settings, year: int, con: duckdb.DuckDBPyConnection | None
) -> dict[tuple[str, str], Any]:
    sql = "select indicator_code, community_code, value from marts.fct_indicator_annual where year = ?"
    if con is not None:
        rows = con.execute(sql, [year]).fetchall()
    else:
        try:
            live = connect(settings, read_only=True)
        except (duckdb.IOException, NoWarehouse):  # the writer holds the working file
            live = open_reader(settings)
        try:
            rows = live.execute(sql, [year]).fetchall()
        finally:
            live.close()
    return {(r[0], r[1]): r[2] for r in rows}


def diff_rows(
    settings: Settings, year: int, version: str | None = None, con: duckdb.DuckDBPyConnection | None = None
) -> list[dict[str, Any]]:
    """Per indicator and community (ALL first), the frozen and live annual value and the change."""

    version = resolve_version(settings, year, version)
    require_verified(settings, year, version)
    parquet = year_dir(settings, year) / version / "data" / "fct_indicator_annual.parquet"
    mem = duckdb.connect()
    try:
        frozen = {
            (r[0], r[1]): r[2]
            for r in mem.execute(
                "select indicator_code, community_code, value from read_parquet(?)", [str(parquet)]
            ).fetchall()
        }
    finally:
        mem.close()
    live = _live_annual(settings, year, con)
    out = []
    for key in sorted(set(frozen) | set(live), key=lambda k: (k[0], k[1] != "ALL", k[1])):
        f, lv = frozen.get(key), live.get(key)
        f_num = float(f) if f is not None else None
        l_num = float(lv) if lv is not None else None
        if key not in frozen:
            status = "new"
        elif key not in live:
            status = "removed"
        elif f_num == l_num or (f_num is not None and l_num is not None and abs(f_num - l_num) < 1e-12):
            status = "same"
        else:
            status = "changed"
        change = l_num - f_num if f_num is not None and l_num is not None else None
        out.append(
            {
                "year": year,
                "version": version,
                "indicator_code": key[0],
                "community_code": key[1],
                "frozen_value": f_num,
                "live_value": l_num,
                "change": change,
                "status": status,
            }
        )
    return out


def render_diff(settings: Settings, year: int, version: str | None = None, *, all_rows: bool = False) -> str:
    """The revision report: every indicator's ALL row, plus every community row that changed."""
    rows = diff_rows(settings, year, version)
    version = rows[0]["version"] if rows else resolve_version(settings, year, version)
    changed = [r for r in rows if r["status"] != "same"]
    lines = [
        _("revision report {year}: release {version} vs live marts — {changed} of {n} values differ").format(
            year=year, version=version, changed=len(changed), n=len(rows)
        ),
        fit(_("indicator"), 28)
        + fit(_("community"), 10)
        + "".join(fit(_(h), 14, ">") for h in (N_("frozen"), N_("live"), N_("change")))
        + "  "
        + _("status"),
    ]

    def num(x: float | None) -> str:
        return "NULL" if x is None else (f"{x:.0f}" if float(x).is_integer() else f"{x:.4f}")

    for r in rows:
        if all_rows or r["community_code"] == "ALL" or r["status"] != "same":
            ch = "" if r["change"] in (None, 0) else ("+" if r["change"] > 0 else "") + num(r["change"])
            lines.append(
                f"{r['indicator_code']:<28}{r['community_code']:<10}{num(r['frozen_value']):>14}"
                f"{num(r['live_value']):>14}{ch:>14}  {_(r['status'])}"
            )
    return "\n".join(lines)
