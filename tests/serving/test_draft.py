"""The report draft: figures from the frozen release when there is one, else marked provisional."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from rolwh.core.errors import FreezeError
from rolwh.core.settings import Settings
from rolwh.release.anchor import write_anchor
from rolwh.release.ledger import append_ledger
from rolwh.release.store import lock_down
from rolwh.release.verify import signing_key
from rolwh.report import write_report
from rolwh.report.draft import PROVISIONAL, DraftError, latest_release
from rolwh.serving.publish import publish
from tests.serving.demo_cli import forge_value
from tests.serving.marts_fixture import build_working_marts


def _freeze_like(settings: Settings, year: int, version: str, revision: int) -> Path:
    """A release folder laid out, checksummed, anchored, read-only and in the ledger as rolwh.release.write
    writes it (data/<table>.parquet, manifest.json, manifest.sha256, manifest.hmac).

    The real freeze also runs the gate on the raw layer, which these mart-only fixtures lack.
    """
    build_working_marts(settings, revision=revision)
    folder = settings.releases_dir / f"{year:04d}" / version
    (folder / "data").mkdir(parents=True)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    files = []
    try:
        for table in ("fct_indicator_annual", "fct_indicator_quarterly", "dim_indicator", "dim_community"):
            rel = f"data/{table}.parquet"
            where = f"where year = {year}" if table.startswith("fct_") else ""
            con.execute(f"copy (select * from marts.{table} {where}) to '{folder / rel}' (format parquet)")
    finally:
        con.close()
    for table in ("fct_indicator_annual", "fct_indicator_quarterly", "dim_indicator", "dim_community"):
        rel = f"data/{table}.parquet"
        files.append(
            {"path": rel, "sha256": hashlib.sha256((folder / rel).read_bytes()).hexdigest(), "rows": None}
        )
    manifest = {
        "release": f"{year}/{version}",
        "year": year,
        "version": version,
        "frozen_at": "2025-01-20T08:00:00+00:00",
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    digest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    (folder / "manifest.sha256").write_text(f"{digest}  manifest.json\n", encoding="utf-8")
    write_anchor(folder, signing_key(settings))
    append_ledger(
        settings,
        year,
        version,
        {"frozen_at": manifest["frozen_at"], "frozen_by": "t", "reason": None},
        folder,
    )
    lock_down(folder)
    return folder


def test_draft_without_a_release_uses_live_marts_and_says_provisional(published: Settings) -> None:
    paths = write_report(published, 2024, draft=True)
    md = next(p for p in paths if p.name == "draft.md").read_text(encoding="utf-8")
    html = next(p for p in paths if p.name == "draft.html").read_text(encoding="utf-8")
    assert f"「{PROVISIONAL}」" in md and f"「{PROVISIONAL}」" in html
    assert "一、工作情况及成效" in md
    assert "接收江津区法院委托诉前调解案件[476](#ind-CR_RECEIVED)件" in md
    assert "调解成功[130](#ind-CR_SUCCESS)件，调解成功率[28.26%](#ind-CR_SUCCESS_RATE)" in md
    assert "化解率[100%](#ind-DS_RESOLUTION_RATE)" in md
    # every linked code has its glossary anchor, with the name from dim_indicator
    codes = set(re.findall(r"\]\(#ind-([A-Z0-9_]+)\)", md))
    assert len(codes) >= 25
    for code in codes:
        assert f'<a id="ind-{code}"></a>`{code}`' in md
    assert "| 诉前调解成功率 |" in md
    assert '<a class="figure" href="#ind-CR_SUCCESS_RATE" data-code="CR_SUCCESS_RATE">28.26%</a>' in html
    assert '<tr id="ind-CR_SUCCESS_RATE">' in html


def test_draft_takes_figures_from_the_latest_frozen_release(published: Settings) -> None:
    _freeze_like(published, 2024, "v1", revision=10)
    _freeze_like(published, 2024, "v2", revision=20)
    build_working_marts(published, revision=5)  # the live marts moved on again
    publish(published)
    assert latest_release(published, 2024) == published.releases_dir / "2024" / "v2"
    paths = write_report(published, 2024, draft=True)
    md = next(p for p in paths if p.name == "draft.md").read_text(encoding="utf-8")
    html = next(p for p in paths if p.name == "draft.html").read_text(encoding="utf-8")
    assert PROVISIONAL not in md and PROVISIONAL not in html
    assert "冻结版本 2024/v2" in md
    assert "接收江津区法院委托诉前调解案件[496](#ind-CR_RECEIVED)件" in md  # 476 + 20: v2, not live (481)
    assert "[481]" not in md and "[486]" not in md
    # the dashboard keeps showing the live, published marts
    dashboard = next(p for p in paths if p.name == "index.html").read_text(encoding="utf-8")
    assert "<strong>481</strong>" in dashboard


def test_draft_template_naming_an_unknown_indicator_is_an_error(
    published: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import rolwh.report.draft as draft

    bad = tmp_path / "sentences.toml"
    shutil.copy(draft.SENTENCES_FILE, bad)
    bad.write_text(
        bad.read_text(encoding="utf-8") + '\n[[paragraphs]]\ntext = "共{NO_SUCH_CODE}件"\n', "utf-8"
    )
    monkeypatch.setattr(draft, "SENTENCES_FILE", bad)
    with pytest.raises(DraftError, match="NO_SUCH_CODE"):
        write_report(published, 2024, draft=True)


def test_draft_refuses_a_release_that_fails_verification(
    published: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLWH_LANG", "en")  # the English message ids are asserted
    folder = _freeze_like(published, 2024, "v1", revision=0)
    forge_value(folder / "data" / "fct_indicator_annual.parquet", "CR_RECEIVED", 999)

    with pytest.raises(
        FreezeError, match=r"release 2024/v1 failed verification .*changed file data/fct_indicator_annual"
    ):
        write_report(published, 2024, draft=True)
    draft = published.reports_dir / "2024" / "draft.md"
    assert not draft.exists() or "999" not in draft.read_text(encoding="utf-8")
