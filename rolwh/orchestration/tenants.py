"""Many subdistricts: one ROLWH_HOME per tenant, each tenant's nightly cycle, and the district roll-up.

Layout (``ROLWH_TENANTS_ROOT``, default ``<repo>/var/tenants``)::

    <root>/<tenant>/                 the tenant's ROLWH_HOME: own landing, warehouse, key, writer lock
    <root>/<tenant>/landing/<feed>/  its exports
    <root>/<tenant>/serving/parquet  -> current/parquet (rolwh.serving.publish: <schema>.<table>/data.parquet)
    <root>/_district/district_marts.duckdb the roll-up (replaced atomically; readers open it read-only)

A tenant is isolated: its own DuckDB file and flock, so tenants run in parallel with no shared
writer. The roll-up only reads what tenants *published* (their current Parquet), never a working
warehouse, so it needs no tenant lock and never sees a half-built tenant.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from rolwh.core.argparse_i18n import OneLineParser
from rolwh.core.errors import RolwhError
from rolwh.core.i18n import _
from rolwh.core.settings import Settings, load_settings, tenants_root
from rolwh.core.sql import literal
from rolwh.orchestration.nightly import EXIT_ATTENTION, RunResult, run_nightly

TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
DISTRICT_DIR = "_district"
DISTRICT_FILE = "district_marts.duckdb"  # not district.duckdb: its catalog would clash with schema district
#: Published mart tables the roll-up unions (``<schema>.<table>`` folders under serving/parquet).
ROLLED_UP = ("marts.fct_indicator_annual", "marts.fct_indicator_quarterly")


class TenantError(RolwhError):
    """A tenant name, folder or publication is unusable; the message says which."""


def _check_name(tenant: str) -> str:
    if not TENANT_NAME.match(tenant):
        raise TenantError(
            _("tenant name {name} is not valid: use lower-case letters, digits, '-' or '_'").format(
                name=repr(tenant)
            )
        )
    return tenant


def list_tenants(root: Path | None = None) -> list[str]:
    """Tenant folders under ``root`` (sorted); the district folder and other names are ignored."""
    root = root or tenants_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and TENANT_NAME.match(p.name))


def tenant_settings(tenant: str, root: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """The tenant's own settings: home ``<root>/<tenant>``, its landing and key file.

    ``ROLWH_KEY``/``ROLWH_HOME``/``ROLWH_LANDING``/``ROLWH_KEY_FILE`` of the caller are ignored: a
    tenant's pseudonyms use the tenant's key. Memory and thread limits are inherited.
    """
    root = root or tenants_root(env)
    home = root / _check_name(tenant)
    base = dict(os.environ if env is None else env)
    for name in ("ROLWH_HOME", "ROLWH_LANDING", "ROLWH_KEY", "ROLWH_KEY_FILE"):
        base.pop(name, None)
    base["ROLWH_HOME"] = str(home)
    return load_settings(base)


def init_tenant(tenant: str, root: Path | None = None) -> Settings:
    """Create a tenant's folders and its own 0600 pseudonymisation key (idempotent)."""
    s = tenant_settings(tenant, root)
    s.ensure_dirs()
    s.key(create=True)
    return s


def run_tenant(
    tenant: str, root: Path | None = None, *, full_refresh: bool = False, wait_seconds: float = 0.0
) -> RunResult:
    """One tenant's nightly cycle (ingest, build, gate, publish) under that tenant's writer lock."""

    s = tenant_settings(tenant, root)
    if not s.home.is_dir():
        raise TenantError(
            _("no tenant {name} under {root}: create it with init_tenant first").format(
                name=repr(tenant), root=s.home.parent
            )
        )
    return run_nightly(s, progress=False, full_refresh=full_refresh, wait_seconds=wait_seconds)


def tenant_run_step(tenant: str, root: Path | None = None) -> dict[str, object]:
    """:func:`run_tenant` as a small JSON summary for XCom; raises if the tenant's run failed (a
    published run that needs attention, exit 5, is not a failure: the roll-up takes it)."""
    result = run_tenant(tenant, root, wait_seconds=300.0)
    summary = {
        "tenant": tenant,
        "exit_code": result.exit_code,
        "published": result.published,
        "quarantined": result.quarantined,
        "summary": result.render(),
    }
    if result.exit_code and not (result.published and result.exit_code == EXIT_ATTENTION):
        raise RolwhError(
            _("tenant {name}: nightly run failed (exit {code})\n{summary}").format(
                name=tenant, code=result.exit_code, summary=result.render()
            )
        )
    return summary


# -- the district roll-up -------------------------------------------------------------------------
def district_path(root: Path | None = None) -> Path:
    return (root or tenants_root()) / DISTRICT_DIR / DISTRICT_FILE


def published_parquet(tenant: str, table: str, root: Path | None = None) -> Path | None:
    """The tenant's current published Parquet of ``table``, resolved once (no mixing of versions)."""
    s = tenant_settings(tenant, root)
    folder = s.serving_dir / "parquet" / table
    if not folder.exists():
        return None
    return folder.resolve() / "data.parquet"


@dataclass
class RollupResult:
    path: Path
    tenants: list[str]
    missing: list[str] = field(default_factory=list)  # tenants without a publication (left out)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def render(self) -> str:
        lines = [
            _("district roll-up {path}: {n} tenant(s) in {seconds:.1f}s").format(
                path=self.path, n=len(self.tenants), seconds=self.seconds
            )
        ]
        lines += [_("  {table}: {rows} rows").format(table=t, rows=n) for t, n in sorted(self.rows.items())]
        if self.missing:
            lines.append(
                _("  not yet published (left out): {tenants}").format(tenants=", ".join(self.missing))
            )
        return "\n".join(lines)


def rollup(
    root: Path | None = None, tenants: Iterable[str] | None = None, *, memory_limit: str = "2GB"
) -> RollupResult:
    """Build ``district_marts.duckdb`` from every tenant's published marts.

    * ``district.fct_indicator_annual`` / ``district.fct_indicator_quarterly``: every tenant's rows
      with a ``tenant`` column;
    * ``district.fct_indicator_annual_total`` / ``..._quarterly_total``: one row per (period,
      indicator) over the tenants' ``ALL`` rows: counts summed, ratios recomputed as
      sum(numerator) / sum(denominator) (never an average of ratios).

    The file is written next to the old one and swapped in with ``os.replace`` (atomic).
    """

    started = time.monotonic()
    root = root or tenants_root()
    names = list(tenants) if tenants is not None else list_tenants(root)
    target = district_path(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    files: dict[str, dict[str, Path]] = {}
    missing = []
    for t in names:
        found = {table: published_parquet(t, table, root) for table in ROLLED_UP}
        if all(found.values()):
            files[t] = found  # type: ignore[assignment]
        else:
            missing.append(t)
    result = RollupResult(path=target, tenants=sorted(files), missing=missing)
    con = duckdb.connect(str(tmp), config={"memory_limit": memory_limit})
    try:
        con.execute("create schema district")
        for table in ROLLED_UP:
            name = table.split(".", 1)[1]
            if not files:
                raise TenantError(
                    _("no tenant under {root} has published yet: nothing to roll up").format(root=root)
                )
            # tenant names are validated identifiers-free literals; paths are quoted literals
            union = " union all ".join(
                f"select {literal(t)} as tenant, * from read_parquet({literal(str(f[table]))})"
                for t, f in sorted(files.items())
            )
            con.execute(f"create table district.{name} as {union}")
            dim = literal(str(_dim_indicator(files)))
            keys = "year, period, period_start, period_end" + (", quarter" if "quarterly" in name else "")
            con.execute(
                f"""
                create table district.{name}_total as
                with parts as (
                    select f.*, i.unit, i.kind
                    from district.{name} f
                    join (select distinct on (indicator_code) indicator_code, unit, kind
                          from read_parquet({dim})) i using (indicator_code)
                    where f.community_code = 'ALL'
                )
                select {keys}, indicator_code, any_value(unit) as unit,
                       count(distinct tenant) as tenants,
                       sum(numerator) as numerator,
                       sum(denominator) as denominator,
                       case when any_value(unit) = 'count' then sum(numerator)
                            when sum(denominator) is null or sum(denominator) = 0 then null
                            else sum(numerator) / sum(denominator) end as value
                from parts
                group by all
                order by all
                """
            )
        for t in result.tenants:
            (n,) = con.execute(
                "select count(*) from district.fct_indicator_annual where tenant = ?", [t]
            ).fetchall()[0]
            result.rows[t] = int(n)
        con.execute("checkpoint")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, target)
    result.seconds = time.monotonic() - started
    return result


def _dim_indicator(files: dict[str, dict[str, Path]]) -> Path:
    """One tenant's published indicator dictionary (the seed is the same for every tenant)."""
    first = next(iter(sorted(files.items())))[1][ROLLED_UP[0]]
    dim = first.parent.parent / "marts.dim_indicator" / "data.parquet"
    if not dim.exists():
        raise TenantError(
            _("{path} is missing: the tenant's publication has no marts.dim_indicator").format(path=dim)
        )
    return dim


def main(argv: list[str] | None = None) -> int:
    """``python -m rolwh.orchestration.tenants list | init NAME | run NAME | rollup`` (CLI access)."""

    p = OneLineParser(prog="rolwh tenants", description=__doc__.splitlines()[0])
    p.add_argument("--root", help="tenants root (default $ROLWH_TENANTS_ROOT or ./var/tenants)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    sub.add_parser("init").add_argument("tenant")
    sub.add_parser("run").add_argument("tenant")
    sub.add_parser("rollup")
    args = p.parse_args(argv)
    root = Path(args.root).resolve() if args.root else None
    try:
        if args.command == "list":
            print("\n".join(list_tenants(root)))
        elif args.command == "init":
            print(init_tenant(args.tenant, root).home)
        elif args.command == "run":
            result = run_tenant(args.tenant, root)
            print(result.render())
            return result.exit_code
        else:
            print(rollup(root).render())
    except RolwhError as exc:
        print(f"rolwh tenants {args.command}: {exc}", flush=True)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
