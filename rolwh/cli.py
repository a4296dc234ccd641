"""The ``rolwh`` command line: argument parsing only; every command calls one package function.

Heavy modules (duckdb, dbt, airflow, great_expectations) are imported inside the commands, so
``rolwh --help`` is instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rolwh.core.argparse_i18n import OneLineParser, localise
from rolwh.core.console import plain
from rolwh.core.i18n import _

# lazy imports: each command imports what it needs inside its function, so `rolwh --help` and
# `rolwh status` start at once instead of loading Airflow, dbt and GX (seconds each).

#: Exit codes the operator (and Airflow) can act on.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_GATE_BLOCKED = 3
EXIT_BUSY = 4
EXIT_ATTENTION = 5  # rolwh run: a release refused or a publication held; the summary says what to do
EXIT_KEY_MISMATCH = 6  # rolwh.core.errors.KeyMismatch: another key than the warehouse's (rotate-key)
EXIT_ENVIRONMENT = 7  # rolwh.core.errors.EnvironmentFault: read-only / full disk, missing / unwritable folder
EXIT_TIMEOUT = 8  # rolwh.serving.query.QueryTimeout: `rolwh sql` ran past --timeout


def _print(text: object) -> None:
    """Print a command's summary with every control character shown escaped (rolwh.core.console): file
    names and reasons in it come from delivered files."""
    print(plain(text))


def _settings(args: argparse.Namespace):  # -> Settings; typed lazily to keep --help instant
    from rolwh.core.settings import (
        load_settings,
    )

    return load_settings(home=getattr(args, "home", None), landing=getattr(args, "landing", None))


def cmd_demo_data(args: argparse.Namespace) -> int:
    from rolwh.demo_data import (
        generate,
    )

    summary = generate(Path(args.out), seed=args.seed, scale=args.scale)
    _print(summary)
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest import (
        run_ingest,
    )
    from rolwh.orchestration.lock import (
        writer_lock,
    )
    settings = _settings(args)
    with writer_lock(settings, what="rolwh ingest"):
        report = run_ingest(settings, feeds=args.feed or None, progress=not args.quiet)
    _print(report.render())
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from rolwh.orchestration.nightly import (
        run_nightly,
    )

    result = run_nightly(
        _settings(args),
        progress=not args.quiet,
        full_refresh=args.full_refresh,
        accept_lower_closed_periods=args.accept_lower_closed_periods,
    )
    _print(result.render())
    return result.exit_code


def cmd_build(args: argparse.Namespace) -> int:
    from rolwh.orchestration.lock import (
        writer_lock,
    )
    from rolwh.orchestration.steps import (
        build_marts,
    )

    settings = _settings(args)
    with writer_lock(settings, what="rolwh build"):
        result = build_marts(settings, full_refresh=args.full_refresh, progress=not args.quiet)
    _print(result.render())
    return EXIT_OK if result.ok else EXIT_FAILED


def cmd_sql(args: argparse.Namespace) -> int:
    from rolwh.serving.query import (
        run_query,
    )

    return run_query(_settings(args), args.query, fmt=args.format, out=sys.stdout, timeout=args.timeout)


def cmd_status(args: argparse.Namespace) -> int:
    from rolwh.serving.status import (
        render_status,
    )

    _print(render_status(_settings(args)))
    return EXIT_OK


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from rolwh.orchestration.lock import (
        writer_lock,
    )
    from rolwh.orchestration.rotate_key import (
        rotate_key,
    )

    settings = _settings(args)
    with writer_lock(settings, what="rolwh rotate-key"):
        rotation = rotate_key(settings, force=args.force, progress=not args.quiet)
    _print(rotation.render())
    return EXIT_OK


def cmd_indicators(args: argparse.Namespace) -> int:
    from rolwh.serving.indicators import (
        print_indicators,
    )

    return print_indicators(_settings(args), year=args.year, quarter=args.quarter, community=args.community)


def cmd_explain(args: argparse.Namespace) -> int:
    from rolwh.serving.explain import print_explain

    return print_explain(
        _settings(args), args.indicator, args.year, args.quarter, args.community, fmt=args.format
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from rolwh.orchestration.airflow_local import (
        run_demo,
    )

    return run_demo(_settings(args), seed=args.seed, scale=args.scale)


def cmd_airflow_ui(args: argparse.Namespace) -> int:
    from rolwh.orchestration.airflow_local import (
        standalone,
    )

    return standalone(_settings(args), port=args.port)


def cmd_freeze(args: argparse.Namespace) -> int:
    from rolwh.orchestration.lock import (
        writer_lock,
    )
    from rolwh.orchestration.publication import (
        freeze_and_republish,
    )

    settings = _settings(args)
    with writer_lock(settings, what=f"rolwh freeze {args.year}"):
        release, outcome = freeze_and_republish(settings, args.year, args.reason)
    _print(release.render())
    _print(outcome.summary)
    for note in outcome.attention:
        _print(f"needs attention: {note}")
    return EXIT_OK if outcome.published and not outcome.attention else EXIT_ATTENTION


def cmd_verify(args: argparse.Namespace) -> int:
    from rolwh.release.verify import (
        verify,
    )

    result = verify(_settings(args), year=args.year, version=args.version)
    _print(result.render())
    return EXIT_OK if result.ok else EXIT_FAILED


def cmd_anchor(args: argparse.Namespace) -> int:
    from rolwh.orchestration.lock import (
        writer_lock,
    )
    from rolwh.release.verify import (
        anchor,
    )

    settings = _settings(args)
    with writer_lock(settings, what=f"rolwh anchor {args.year}"):
        done, notes = anchor(settings, year=args.year, version=args.version)
    print(
        "\n".join([*notes, f"anchored {args.year}: {', '.join(done) or 'nothing to do (already anchored)'}"])
    )
    return EXIT_OK


def cmd_releases(args: argparse.Namespace) -> int:
    from rolwh.release.listing import (
        render_releases,
    )

    _print(render_releases(_settings(args)))
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from rolwh.release.diff import (
        render_diff,
    )

    _print(render_diff(_settings(args), year=args.year, version=args.version))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from rolwh.report import (
        write_report,
    )

    for path in write_report(_settings(args), year=args.year, draft=args.draft):
        _print(path)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from rolwh.report.excel import (  # lazy: xlsxwriter only for this command
        export_workbook,
    )

    _print(export_workbook(_settings(args), args.year, args.quarter, Path(args.out)))
    return EXIT_OK


def cmd_tenants(args: argparse.Namespace) -> int:
    from rolwh.orchestration.tenants import (
        main as tenants_main,
    )

    return tenants_main(args.rest)


def cmd_template(args: argparse.Namespace) -> int:
    from rolwh.report.template import (
        write_feed_template,
    )

    _print(write_feed_template(args.feed, Path(args.out)))
    return EXIT_OK


def _add_paths(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", help=_("state folder (default $ROLWH_HOME or ./var)"))
    p.add_argument("--landing", help=_("landing area (default $ROLWH_LANDING or $ROLWH_HOME/landing)"))


def _add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help=_("no progress display"))


def _add_year(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True, help=_("the year, e.g. 2024"))


def build_parser() -> argparse.ArgumentParser:
    localise()
    parser = OneLineParser(prog="rolwh", description=_("Rule-of-law data warehouse."))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title=_("commands"))

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func, parser=p)
        return p

    p = add("demo-data", cmd_demo_data, _("write a demo landing area with all 7 feeds (2024-01 to 2025-03)"))
    p.add_argument("--out", required=True, help=_("landing folder to write"))
    p.add_argument("--seed", type=int, default=2024, help=_("random seed (default 2024)"))
    p.add_argument("--scale", type=int, default=1, help=_("multiply volume (benchmarks)"))

    p = add("ingest", cmd_ingest, _("load new export files from the landing area into the raw layer"))
    _add_paths(p)
    p.add_argument("--feed", action="append", help=_("only this feed (repeatable)"))
    _add_quiet(p)

    p = add("run", cmd_run, _("one nightly cycle: ingest, build the marts, check, publish"))
    _add_paths(p)
    p.add_argument("--full-refresh", action="store_true", help=_("rebuild incremental models from scratch"))
    _add_quiet(p)
    p.add_argument(
        "--accept-lower-closed-periods",
        metavar="REASON",
        help=_(
            "publish even though counts of closed quarters go down with files of the last publication "
            "missing; recorded with REASON in audit.accepted_revisions"
        ),
    )

    p = add("build", cmd_build, _("build the dbt models and run their tests (dbt build)"))
    _add_paths(p)
    p.add_argument("--full-refresh", action="store_true", help=_("rebuild incremental models from scratch"))
    _add_quiet(p)

    p = add("sql", cmd_sql, _("run a read-only SQL query on the warehouse analysts read"))
    _add_paths(p)
    p.add_argument("query", help=_("the SQL query (read-only; published marts and audit tables)"))
    p.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help=_("output format (default table)")
    )
    p.add_argument(
        "--timeout",
        type=float,
        help=_(
            "interrupt the query after SECONDS (default $ROLWH_SQL_TIMEOUT or 60; 0: none); exit {code}"
        ).format(code=EXIT_TIMEOUT),
    )

    p = add(
        "rotate-key",
        cmd_rotate_key,
        _(
            "start anew under a new pseudonymisation key: keep the working warehouse aside, re-ingest the "
            "landing area (it must still hold every export)"
        ),
    )
    _add_paths(p)
    p.add_argument(
        "--force", action="store_true", help=_("rotate even if loaded exports left the landing area")
    )
    _add_quiet(p)

    p = add("status", cmd_status, _("what is loaded, rejected and quarantined, and when"))
    _add_paths(p)

    p = add("indicators", cmd_indicators, _("print the rule-of-law indicators of a year or quarter"))
    _add_paths(p)
    _add_year(p)
    p.add_argument(
        "--quarter", type=int, choices=(1, 2, 3, 4), help=_("the quarter, 1-4 (default: the year)")
    )
    p.add_argument(
        "--community",
        default="ALL",
        help=_("community code or name, e.g. JJ01 or 东门 (a unique prefix will do; default ALL)"),
    )

    p = add(
        "export",
        cmd_export,
        _("write the indicator tables of a year or quarter to an Excel workbook (targets, status, definitions)"),
    )
    _add_paths(p)
    _add_year(p)
    p.add_argument("--quarter", type=int, choices=(1, 2, 3, 4), help=_("the quarter, 1-4 (default: the year)"))
    p.add_argument("--out", required=True, help=_("the .xlsx file to write"))

    p = add("freeze", cmd_freeze, _("run the full gate for a year and write an immutable release"))
    _add_paths(p)
    _add_year(p)
    p.add_argument("--reason", help=_("why; required for a second version of the same year"))

    p = add("verify", cmd_verify, _("re-check every checksum of a release"))
    _add_paths(p)
    _add_year(p)
    p.add_argument("--version", help=_("e.g. v1 (default: every version of the year)"))

    p = add("anchor", cmd_anchor, _("anchor releases frozen before anchoring (HMAC under the release key)"))
    _add_paths(p)
    _add_year(p)
    p.add_argument("--version", help=_("e.g. v1 (default: every unanchored version of the year)"))

    p = add("releases", cmd_releases, _("list the frozen releases"))
    _add_paths(p)

    p = add("diff", cmd_diff, _("revision report: frozen vs live value of every indicator of a year"))
    _add_paths(p)
    _add_year(p)
    p.add_argument("--version", help=_("release version to compare (default: the latest)"))

    p = add("report", cmd_report, _("write the HTML dashboard (and with --draft the annual report draft)"))
    _add_paths(p)
    _add_year(p)
    p.add_argument("--draft", action="store_true", help=_("also write the report draft (section 一)"))

    p = add("tenants", cmd_tenants, _("many subdistricts: tenants list | init NAME | run NAME | rollup"))
    p.add_argument(
        "rest", nargs=argparse.REMAINDER, help=_("[--root DIR] list | init NAME | run NAME | rollup")
    )

    p = add("demo", cmd_demo, _("the main job: demo exports, then the nightly DAG through Airflow"))
    _add_paths(p)
    p.add_argument("--seed", type=int, default=2024, help=_("random seed (default 2024)"))
    p.add_argument("--scale", type=int, default=1, help=_("multiply volume (benchmarks)"))

    p = add("airflow-ui", cmd_airflow_ui, _("start `airflow standalone` on this project's DAGs"))
    _add_paths(p)
    p.add_argument("--port", type=int, help=_("UI port (default $ROLWH_AIRFLOW_PORT or 8080)"))

    p = add("explain", cmd_explain, _("list the records behind an indicator's figures, with source file and row"))
    _add_paths(p)
    p.add_argument("indicator", help=_("indicator code, e.g. CR_SUCCESS"))
    _add_year(p)
    p.add_argument("--quarter", type=int, choices=(1, 2, 3, 4), help=_("the quarter, 1-4 (default: the year)"))
    p.add_argument("--community", help=_("community code or name (default: every community)"))
    p.add_argument("--format", choices=("table", "csv"), default="table", help=_("output format (default table)"))

    p = add(
        "template", cmd_template, _("write a fill-in workbook (ledger template) of a feed, from the contract")
    )
    p.add_argument("feed", help=_("feed name, e.g. court_referrals"))
    p.add_argument("--out", required=True, help=_("the .xlsx file to write"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:  # named by the command's parser: "rolwh status: unrecognized arguments …"
        args.parser.error(_("unrecognized arguments: %s") % " ".join(unknown))
    from rolwh.core.console import (
        plain,
    )
    from rolwh.core.errors import (
        RolwhError,
        environment_fault,
    )

    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a RolwhError or an environment fault is one line; anything else re-raised
        fault = environment_fault(exc)
        if isinstance(exc, RolwhError):
            said = str(exc)
            lead = fault if fault and "disk full while writing" not in said else None
            print(
                f"rolwh {args.command}: {plain(lead + chr(10) if lead else '')}{plain(said)}", file=sys.stderr
            )
            return EXIT_ENVIRONMENT if fault else exc.exit_code
        if not fault:
            raise
        print(f"rolwh {args.command}: {plain(fault)}", file=sys.stderr)
        return EXIT_ENVIRONMENT


if __name__ == "__main__":
    sys.exit(main())
