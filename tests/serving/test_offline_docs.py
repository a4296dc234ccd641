"""Docs that open offline: no page rolwh writes (drafts, the one-file dbt docs, the quality page)
references a remote URL, and the dbt docs and the quality page read from disk show their content."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from expectations.results import Finding, GateResult, write_history
from rolwh.core.offline import OFFLINE_TARGET, remote_references, strip_remote_references
from rolwh.core.settings import Settings
from rolwh.report import write_dashboards
from rolwh.report.draft import write_draft
from rolwh.report.quality_page import write_quality_page
from rolwh.transform.build import OFFLINE_DBT_DOCS, STATIC_DOCS
from tests.serving.test_dashboard import CHROMIUM, CHROMIUM_ARGS


def test_remote_references_are_found_and_neutralised() -> None:
    page = (
        '<link rel="stylesheet" href="https://cdn.example.org/bootstrap.css">'
        "<script src='//cdn.example.org/jquery.js'></script>"
        "<style>@import url(http://fonts.example.org/a.css); .x { background: url( https://x.org/y.png ) }"
        '@import "//x.org/b.css";</style>'
        '<script>i.async=1,i.src="//d1fc8wv8zag5ca.cloudfront.net/2.9.0/sp.js"</script>'
        '<a href="#ind-CR_RECEIVED">476</a><img src="data:image/png;base64,AAAA"><a href="../docs/dbt.html">'
    )
    assert remote_references(page) == [
        "https://cdn.example.org/bootstrap.css",
        "//cdn.example.org/jquery.js",
        "http://fonts.example.org/a.css",
        "https://x.org/y.png",
        "//x.org/b.css",
        "//d1fc8wv8zag5ca.cloudfront.net/2.9.0/sp.js",
    ]
    stripped = strip_remote_references(page)
    assert remote_references(stripped) == []
    assert f'href="{OFFLINE_TARGET}"' in stripped and f'i.src="{OFFLINE_TARGET}"' in stripped
    assert '<a href="#ind-CR_RECEIVED">476</a>' in stripped and 'href="../docs/dbt.html"' in stripped


def _gate_history(settings: Settings) -> GateResult:
    """A gate run as expectations.gate records it: one passed check, one failure naming file and row."""
    now = dt.datetime(2025, 1, 5, 2, 0, 0)
    finding = Finding(
        "raw_petitions",
        "expect_column_values_to_be_in_set",
        "raw.petitions",
        "petitioner_id_valid",
        "warning",
        "expected share of 证件号码 with a bad check character at most 2.0%; found 18 of 754 rows not so "
        "(2.52%) at 信访事项导出_20240229.xlsx row 22",
        18,
    )
    result = GateResult("nightly", None, "20250105T020000-abc123", now, now, warnings=[finding], evaluated=2)
    result.results = [
        {
            "suite": "raw_petitions",
            "table": "raw.petitions",
            "expectation": "expect_column_values_to_not_be_null",
            "column": "case_no",
            "severity": "blocking",
            "success": True,
            "observed": {"element_count": 754, "unexpected_count": 0, "unexpected_percent": 0.0},
        },
        {
            "suite": "raw_petitions",
            "table": "raw.petitions",
            "expectation": "expect_column_values_to_be_in_set",
            "column": "petitioner_id_valid",
            "severity": "warning",
            "success": False,
            "observed": {"element_count": 754, "unexpected_count": 18, "partial_unexpected_list": ["X1"]},
        },
    ]
    write_history(settings, result)
    return result


def test_quality_page_lists_every_expectation_with_its_finding(published: Settings) -> None:
    _gate_history(published)
    paths = write_dashboards(published)
    page_path = published.docs_dir / "quality.html"
    assert page_path in paths
    page = page_path.read_text(encoding="utf-8")
    assert remote_references(page) == [] and "<script" not in page
    assert "<title>质量检查结果</title>" in page
    assert "检查集：raw_petitions" in page and "共2项检查，1项未通过" in page
    assert "expect_column_values_to_not_be_null" in page and "expect_column_values_to_be_in_set" in page
    assert '<tr class="failed">' in page and '<tr class="ok">' in page
    assert "信访事项导出_20240229.xlsx row 22" in page  # the finding names file and row
    assert "X1" not in page  # never a listed value
    assert "data_docs" not in page  # GX Data Docs load CDNs: not linked


def test_quality_page_without_gate_runs_says_so(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLWH_LANG", "en")
    page = write_quality_page(settings).read_text(encoding="utf-8")
    assert "No quality check has run yet" in page and remote_references(page) == []


def test_no_page_rolwh_writes_references_a_remote_url(demo_published: Settings, tmp_path: Path) -> None:
    settings = demo_published
    dbt_page = settings.docs_dir / OFFLINE_DBT_DOCS
    quality = settings.docs_dir / "quality.html"
    drafts = write_draft(settings, 2024, tmp_path)  # the demo home is shared: the draft goes elsewhere
    pages = [dbt_page, quality, *(p for p in drafts if p.suffix in (".md", ".html"))]
    pages += sorted(settings.reports_dir.rglob("*.html"))
    assert len(pages) >= 5
    found = {str(p): remote_references(p.read_text(encoding="utf-8")) for p in pages}
    assert {p: urls for p, urls in found.items() if urls} == {}
    # dbt's own static file loads its usage tracker from a CDN: the offline copy must not
    assert remote_references((settings.dbt_target_dir / STATIC_DOCS).read_text(encoding="utf-8"))
    # the dbt docs are one file: manifest and catalog inside (index.html fetches them, blocked from disk)
    assert "fct_indicator_annual" in dbt_page.read_text(encoding="utf-8")
    # the quality page covers every suite of the last gate run
    history = max(
        (
            json.loads(p.read_text(encoding="utf-8"))
            for p in (settings.quality_dir / "results").glob("*.json")
        ),
        key=lambda r: r["finished_at"],
    )
    page = quality.read_text(encoding="utf-8")
    for suite in {r["suite"] for r in history["results"]}:
        assert f"检查集：{suite} " in page
    assert page.count("<tr class=") == len(history["results"])


@pytest.mark.slow
@pytest.mark.browser
def test_dbt_docs_and_quality_page_open_from_disk_in_chromium(demo_published: Settings) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"SKIPPED LOUDLY: {CHROMIUM} is absent; install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    settings = demo_published
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            # not the empty shell: a model's page shows its description and columns (from the
            # manifest and catalog inside the file)
            url = (
                settings.docs_dir / OFFLINE_DBT_DOCS
            ).as_uri() + "#!/model/model.rolwh.fct_indicator_annual"
            page.goto(url, wait_until="load")
            page.get_by_text("indicator_code", exact=True).first.wait_for(timeout=30_000)
            assert "fct_indicator_annual" in page.inner_text("body")
            page.goto((settings.docs_dir / "quality.html").as_uri(), wait_until="load")
            assert page.title() == "质量检查结果"
            assert page.locator("h3.suite").count() >= 10
        finally:
            browser.close()
    remote = [u for u in requests if not u.startswith(("file://", "data:", "about:", "blob:"))]
    assert remote == []
