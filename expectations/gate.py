"""The quality gate: run every suite with GX and write Data Docs; the verdict is kept by
:mod:`expectations.results` (history JSON, ``audit.gate_runs``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from expectations.checks import Check, Problem, Validation
from expectations.config import QualityConfig, load_config
from expectations.results import Finding, GateResult, classify, record_run, write_history
from expectations.suites import all_validations
from rolwh.core.errors import ConfigError
from rolwh.core.i18n import _
from rolwh.core.progress import Steps, progress_steps
from rolwh.core.settings import Settings
from rolwh.core.warehouse import connect

if TYPE_CHECKING:
    import duckdb

MODES = ("nightly", "freeze")
MAX_LABELS = 5


def run_gate(
    settings: Settings,
    mode: str = "nightly",
    year: int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    config: QualityConfig | None = None,
    docs_dir: Path | None = None,
    record: bool = True,
    today: dt.date | None = None,
    progress: bool = True,
) -> GateResult:
    """Validate the raw layer, the marts and the export history; never raises on failed data.

    ``mode="freeze"`` (needs ``year``) makes export completeness and missing roster snapshots
    blocking and restricts the mart suites to that year. ``con`` is the writer's connection when
    the pipeline holds one; otherwise the gate opens the working warehouse itself. The verdict is
    recorded in ``audit.gate_runs`` and ``quality_dir/results/<timestamp>.json``; Data Docs go to
    ``docs_dir`` (default ``quality_dir/data_docs``).
    """
    if mode not in MODES:
        raise ConfigError(f"gate mode must be one of {MODES}, not {mode!r}")
    if mode == "freeze" and year is None:
        raise ConfigError("the freeze gate needs a year")
    cfg = config or load_config()
    today = today or dt.date.today()
    started = dt.datetime.now()
    run_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    docs_dir = docs_dir or settings.quality_dir / "data_docs"

    own = con is None
    if con is None:
        con = connect(settings, read_only=not record)
    try:
        validations, problems = all_validations(con, cfg, year=year, today=today)
        result = GateResult(mode=mode, year=year, run_id=run_id, started_at=started, finished_at=started)
        with progress_steps(_("quality gate"), len(validations), enabled=progress) as steps:
            _run_gx(validations, problems, result, docs_dir, steps)
        result.data_docs_path = docs_dir / "index.html"
        result.finished_at = dt.datetime.now()
        result.results_path = write_history(settings, result)
        if record:
            record_run(con, result)
    finally:
        if own:
            con.close()
    return result


def _context(docs_dir: Path) -> Any:
    """An in-memory GX context whose only Data Docs site is ``docs_dir`` (no temp folders)."""
    import great_expectations as gx  # lazy: GX takes seconds to import and logs at import time; only a gate run pays for it
    from great_expectations.data_context.types.base import (  # lazy: GX takes seconds to import and logs at import time; only a gate run pays for it
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    docs_dir.mkdir(parents=True, exist_ok=True)
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={
            "rolwh": {
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
            }
        },
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _run_gx(
    validations: list[Validation], problems: list[Problem], result: GateResult, docs_dir: Path, steps: Steps
) -> None:
    import great_expectations as gx  # lazy: GX takes seconds to import and logs at import time; only a gate run pays for it

    for p in problems:
        f = Finding(p.suite, p.expectation, p.table, None, p.severity, p.message)
        (result.blocking_failures if classify(p.severity, result.mode) else result.warnings).append(f)
        result.results.append(
            {
                "suite": p.suite,
                "table": p.table,
                "expectation": p.expectation,
                "column": None,
                "severity": p.severity,
                "success": False,
                "observed": p.message,
            }
        )
    if not validations:
        return
    ctx = _context(docs_dir)
    source = ctx.data_sources.add_pandas("rolwh")
    for i, v in enumerate(validations):
        asset = source.add_dataframe_asset(f"{i:02d}_{v.suite}")
        batch = asset.add_batch_definition_whole_dataframe("whole")
        for n, c in enumerate(v.checks):
            c.expectation.meta = {"severity": c.severity, "what": c.what, "table": v.table, "check": n}
        suite = ctx.suites.add(
            gx.ExpectationSuite(name=v.suite, expectations=[c.expectation for c in v.checks])
        )
        vd = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=f"{i:02d}_{v.suite}", data=batch, suite=suite)
        )
        cp = ctx.checkpoints.add(
            gx.Checkpoint(
                name=f"cp_{i:02d}_{v.suite}",
                validation_definitions=[vd],
                actions=[],
                result_format={"result_format": "COMPLETE"},
            )
        )
        run = cp.run(batch_parameters={"dataframe": nanosecond_times(v.frame)})
        for vr in run.run_results.values():
            for er in vr.results:
                _collect(er, v.checks[int(er.expectation_config.meta["check"])], v, result)
        steps.advance(f"{v.suite} ({v.table})")
    ctx.build_data_docs(site_names=["rolwh"])


def nanosecond_times(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its date/time columns as datetime64[ns].

    DuckDB hands pandas datetime64[us]; GX's pandas ``column_values_between`` is vectorised only
    for nanosecond columns and otherwise calls a Python function per value (at K=100 that was
    33 of the gate's 61 s). A time outside the nanosecond range (years 1677-2262) becomes the
    nearest of 1678-01-01 / 2262-01-01, so a range check still fails on it.
    """

    columns = [c for c in frame.columns if pd.api.types.is_datetime64_dtype(frame[c].dtype)]
    columns = [c for c in columns if frame[c].dtype != "datetime64[ns]"]
    if not columns:
        return frame
    out = frame.copy(deep=False)
    lo, hi = pd.Timestamp("1678-01-01"), pd.Timestamp("2262-01-01")  # just inside the ns range
    for c in columns:
        out[c] = out[c].mask(out[c] < lo, lo).mask(out[c] > hi, hi).astype("datetime64[ns]")
    return out


def _collect(er: Any, check: Check, v: Validation, result: GateResult) -> None:
    """Record one GX ExpectationValidationResult (``er``: GX types it loosely, its fields are JSON)."""
    result.evaluated += 1
    cfg = er.expectation_config
    res = er.result or {}
    raised = bool((er.exception_info or {}).get("raised_exception"))
    observed = _observed(res, er.exception_info if raised else None, quote_values=not _holds_cells(v))
    result.results.append(
        {
            "suite": v.suite,
            "table": v.table,
            "expectation": cfg.type,
            "column": check.column,
            "severity": check.severity,
            "success": bool(er.success),
            "observed": observed,
        }
    )
    if er.success:
        return
    message = _message(check, v, res, raised, er.exception_info)
    finding = Finding(
        v.suite, cfg.type, v.table, check.column, check.severity, message, res.get("unexpected_count")
    )
    (result.blocking_failures if classify(check.severity, result.mode) else result.warnings).append(finding)


def _message(
    check: Check, v: Validation, res: dict[str, Any], raised: bool, exc: dict[str, object] | None
) -> str:
    if raised:
        return _("could not evaluate ({what}): {error}").format(
            what=check.what, error=(exc or {}).get("exception_message")
        )
    labels: list[str] = []
    idx = res.get("unexpected_index_list") or []
    if check.label is not None:
        for i in idx[: (50 if check.labels_only else MAX_LABELS)]:
            try:
                labels.append(check.label(v.frame.loc[i]))
            except Exception:  # a label must never hide the failure itself
                labels.append(_("row {n}").format(n=i))
    if check.labels_only and labels:
        more = _(" (and {n} more)").format(n=len(idx) - len(labels)) if len(idx) > len(labels) else ""
        return _("; ").join(labels) + more
    if "unexpected_count" in res:
        n, total = res.get("unexpected_count"), res.get("element_count")
        pct = res.get("unexpected_percent")
        # values of a delivered file's cells are never quoted (personal data): its rows are named instead
        quoted = [] if _holds_cells(v) else (res.get("partial_unexpected_list") or [])[:MAX_LABELS]
        values = [_plain(x) for x in quoted]
        text = _("expected {what}; found {n} of {total} rows not so").format(
            what=check.what, n=n, total=total
        )
        if pct is not None:
            text += f" ({pct:.2f}%)"
        if values:
            text += _(", e.g. values {values}").format(values=values)
        if labels:
            text += _(" at {labels}").format(labels=", ".join(labels))
        return text
    if "details" in res:
        mismatched = (res.get("details") or {}).get("mismatched") or {}
        missing = mismatched.get("missing")
        if missing:
            return _("expected {what}; missing columns {missing}, found {found}").format(
                what=check.what, missing=missing, found=res.get("observed_value")
            )
    return _("expected {what}; observed {observed}").format(
        what=check.what, observed=_plain(res.get("observed_value"))
    )


def _plain(x: object) -> object:
    """A JSON-friendly version of a value GX reports."""
    if hasattr(x, "item") and not isinstance(x, (list, tuple, dict, str)):
        with contextlib.suppress(TypeError, ValueError):
            x = x.item()  # numpy scalars
    if x is None or isinstance(x, (bool, int, str)):
        return x
    if isinstance(x, float):
        return None if math.isnan(x) else x
    if isinstance(x, (list, tuple)):
        return [_plain(i) for i in x]
    if isinstance(x, dict):
        return {str(k): _plain(i) for k, i in x.items()}
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    return str(x)


def _holds_cells(v: Validation) -> bool:
    """Does the validated frame hold cells of delivered files (the raw layer, the staging models)?"""
    return v.table.startswith(("raw.", "staging."))


def _observed(res: dict[str, Any], exc: dict[str, object] | None, *, quote_values: bool) -> dict[str, object]:
    if exc:
        return {"exception": exc.get("exception_message")}
    keep = (
        "element_count",
        "unexpected_count",
        "unexpected_percent",
        "observed_value",
        "partial_unexpected_list",
    )
    return {k: _plain(res[k]) for k in keep if k in res and (quote_values or k != "partial_unexpected_list")}
