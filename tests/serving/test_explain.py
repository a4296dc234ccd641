"""`rolwh explain`: the records behind a figure, traced back to the export file and row they were
read from, on the demo's real serving file (dbt-built lineage mart), with no personal value."""

from __future__ import annotations

import csv
import io
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from rolwh.core.contracts import FEEDS_BY_NAME, normalise_header
from tests.serving.demo_cli import cli, serving_rows
from tests.support.pii import NeedleIndex, collect_pii

#: CR_SUCCESS of 2024 in the demo: the successful referrals concluded in 2024 (its published numerator).
INDICATOR, YEAR = "CR_SUCCESS", 2024


def _grid(path: Path) -> list[list[str]]:
    """Every row of an export file as text cells, as delivered (1-based row N is ``grid[N - 1]``)."""
    if path.suffix.lower() == ".xlsx":
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
        return [
            ["" if v is None else str(int(v) if isinstance(v, float) and v.is_integer() else v) for v in r]
            for r in rows
        ]
    data = path.read_bytes()
    text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("gb18030")
    return list(csv.reader(io.StringIO(text)))


def _key_column(grid: list[list[str]], feed: str) -> int:
    """The position of the feed's record key under the contract's header (searched as ingest does:
    the first row holding every required header)."""
    spec = FEEDS_BY_NAME[feed]
    key_header = next(c.header for c in spec.columns if c.name == spec.key[0])
    for row in grid[:10]:
        headers = [normalise_header(cell) for cell in row]
        if set(spec.required_headers) <= set(headers):
            return headers.index(normalise_header(key_header))
    raise AssertionError(f"no header row in the first 10 rows for {feed}")


@pytest.fixture(scope="module")
def listing(demo_run: dict[str, object]) -> list[dict[str, str]]:
    assert demo_run["exit_code"] == 5, demo_run["output"]  # published, needs attention (quarantined demo files)
    env = {**demo_run["env"], "ROLWH_LANG": "en"}  # type: ignore[dict-item]
    run = cli(env, "explain", INDICATOR, "--year", str(YEAR), "--format", "csv")
    assert run.returncode == 0, run.stderr
    return list(csv.DictReader(io.StringIO(run.stdout.lstrip("\ufeff"))))


def test_lists_the_130_records_of_the_published_numerator(
    demo_run: dict[str, object], listing: list[dict[str, str]]
) -> None:
    numerators = [r for r in listing if r["role"] == "numerator"]
    assert len(numerators) == 130
    assert len({r["record key"] for r in numerators}) == 130
    home = demo_run["home"]
    assert isinstance(home, Path)
    published = serving_rows(
        home,
        f"select sum(numerator) from marts.fct_indicator_annual where indicator_code = '{INDICATOR}'"
        f" and year = {YEAR} and community_code <> 'ALL'",
    )
    assert published == [(130,)]


def test_each_record_points_at_its_file_and_row(
    demo_run: dict[str, object], listing: list[dict[str, str]]
) -> None:
    home, landing = demo_run["home"], demo_run["landing"]
    assert isinstance(home, Path) and isinstance(landing, Path)
    loaded = {
        name: feed
        for name, feed in serving_rows(
            home, "select file_name, feed from audit.file_loads where status = 'loaded'"
        )
    }
    grids: dict[str, tuple[list[list[str]], int]] = {}
    for record in listing:
        name = record["source file"]
        assert name in loaded, f"{name} is not a loaded file of audit.file_loads"
        if name not in grids:
            path = landing / loaded[name] / Path(name).name
            grid = _grid(path if path.exists() else next(landing.rglob(Path(name).name)))
            grids[name] = (grid, _key_column(grid, loaded[name]))
        grid, key_at = grids[name]
        row = int(record["source row"])
        cell = unicodedata.normalize("NFKC", grid[row - 1][key_at]).strip()  # keys are read NFKC-normalised
        assert cell == record["record key"], f"{name} row {row}"


def test_the_listing_holds_no_personal_value(
    demo_run: dict[str, object], listing: list[dict[str, str]]
) -> None:
    landing = demo_run["landing"]
    assert isinstance(landing, Path)
    needles = collect_pii(landing).needles()
    text = "\n".join(",".join(r.values()) for r in listing)
    index = NeedleIndex(needles)
    planted = sorted(needles)[0]
    assert planted in index.find(text + "\n" + planted)  # the scan finds a value when there is one
    assert index.find(text) == set()


def test_unknown_indicator_and_empty_period(demo_run: dict[str, object]) -> None:
    env = {**demo_run["env"], "ROLWH_LANG": "en"}  # type: ignore[dict-item]
    unknown = cli(env, "explain", "CR_SUCESS", "--year", str(YEAR))
    assert unknown.returncode == 2
    assert "CR_SUCCESS" in unknown.stderr and "Traceback" not in unknown.stderr
    empty = cli(env, "explain", INDICATOR, "--year", "2019")
    assert empty.returncode == 1 and "Traceback" not in empty.stderr
    assert len(empty.stderr.strip().splitlines()) == 1
    quarter = cli(env, "explain", INDICATOR, "--year", str(YEAR), "--quarter", "1", "--community", "JJ01")
    assert quarter.returncode == 0, quarter.stderr
    assert "JJ01" in quarter.stdout and "2024Q1" in quarter.stdout


def _explain_links(html: str) -> set[str]:
    return set(re.findall(r'href="(explain/[^"]+)"', html))


def test_dashboard_and_draft_figures_link_to_their_records(
    demo_run: dict[str, object], tmp_path: Path
) -> None:
    home = demo_run["home"]
    assert isinstance(home, Path)
    copy = tmp_path / "home"  # the demo home is shared: the draft is written into a copy
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("landing", "quarantine", "logs"))
    env = {**demo_run["env"], "ROLWH_HOME": str(copy), "ROLWH_LANDING": str(copy / "landing")}  # type: ignore[dict-item]
    run = cli(env, "report", "--year", str(YEAR), "--draft")
    assert run.returncode == 0, run.stderr
    out = copy / "reports" / str(YEAR)
    dashboard = _explain_links((out / "index.html").read_text(encoding="utf-8"))
    draft = _explain_links((out / "draft.html").read_text(encoding="utf-8"))
    assert f"explain/{INDICATOR}.html#{YEAR}-ALL" in dashboard & draft
    assert f"explain/{INDICATOR}.html#{YEAR}Q1-JJ01" in dashboard
    for link in dashboard | draft:  # every link lands on a section of an existing page
        page, anchor = link.split("#")
        assert f'id="{anchor}"' in (out / page).read_text(encoding="utf-8"), link
    page = (out / "explain" / f"{INDICATOR}.html").read_text(encoding="utf-8")
    street = page.split(f'<section id="{YEAR}-ALL">')[1].split("</section>")[0]
    assert street.count("<tr><td>") == 130  # the street's annual figure: its 130 records
    assert not (out / "explain" / "TR_CERT_RATE.html").exists()  # a roster snapshot: not listed
