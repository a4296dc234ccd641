"""End to end: a real `dbt build` on a small hand-computed raw layer (real DuckDB, real dbt)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from rolwh.core.i18n import _
from rolwh.core.settings import Settings, load_settings
from rolwh.transform.build import build
from rolwh.transform.dbt_runner import BuildResult, DbtBuildError
from tests.dbt.dbt_rawdata import D, insert_rows, load_batch_a, load_batch_b, load_into

TEST_KEY = "test-key-0123456789abcdef0123456789abcdef"
LATEST_TABLES = (
    "stg_court__referrals",
    "stg_petition__disputes",
    "stg_petition__petitions",
    "stg_command_centre__dispatch_events",
    "stg_training__exam_results",
    "stg_training__study_sessions",
    "stg_legal_advisor__services",
    "stg_publicity__activities",
)
Key = tuple[str, str, str]  # (period, community_code, indicator_code)
Row = tuple[float | None, float | None, float | None]  # numerator, denominator, value


def _settings(home: Path) -> Settings:
    s = load_settings({"ROLWH_HOME": str(home), "ROLWH_KEY": TEST_KEY})
    s.ensure_dirs()
    return s


def _marts(settings: Settings) -> dict[str, dict[Key, Row]]:
    from rolwh.core.warehouse import connect

    con = connect(settings, read_only=True)
    try:
        out = {}
        for table in ("fct_indicator_quarterly", "fct_indicator_annual"):
            rows = con.execute(
                "select period, community_code, indicator_code, numerator, denominator, value"
                f" from marts.{table}"
            ).fetchall()
            out[table] = {(r[0], r[1], r[2]): (r[3], r[4], r[5]) for r in rows}
        # the latest-version tables are incremental: compare them whole, not only their marts
        for table in LATEST_TABLES:
            rows = con.execute(f"select * from staging.{table} order by all").fetchall()
            out[table] = {(str(i), "", ""): (tuple(r), None, None) for i, r in enumerate(rows)}
        out["versions"] = {
            ("stg_court__referral_versions", "", ""): (
                con.execute("select count(*) from staging.stg_court__referral_versions").fetchone()[0],
                None,
                None,
            )
        }
        return out
    finally:
        con.close()


@dataclass
class Built:
    settings: Settings
    incremental: dict[str, dict[Key, Row]]
    as_of: dict[str, dict[Key, Row]]
    full_refresh: dict[str, dict[Key, Row]]
    incremental_result: BuildResult
    full_refresh_result: BuildResult


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Four dbt runs shared by the module: staging on export A, incremental build after export B,
    a build as of 2024-03-31, and a full refresh (the warehouse ends in the full-refresh state)."""
    settings = _settings(tmp_path_factory.mktemp("dbt") / "home")
    load_into(settings, load_batch_a)
    build(settings, select="+staging", docs=False)
    load_into(settings, load_batch_b)
    incremental_result = build(settings)
    incremental = _marts(settings)
    build(settings, dbt_vars={"as_of_date": "2024-03-31"}, docs=False)
    as_of = _marts(settings)
    full_refresh_result = build(settings, full_refresh=True, docs=False)
    full = _marts(settings)
    return Built(settings, incremental, as_of, full, incremental_result, full_refresh_result)


def q(built_marts: dict[str, dict[Key, Row]], period: str, community: str, code: str) -> Row:
    table = "fct_indicator_annual" if len(period) == 4 else "fct_indicator_quarterly"
    return built_marts[table][(period, community, code)]


@pytest.mark.slow
def test_build_passes_every_model_data_test_and_unit_test(built: Built) -> None:
    result = built.incremental_result
    assert result.ok, result.render()
    kinds = {n.resource_type for n in result.nodes}
    assert {"model", "seed", "test", "unit_test"} <= kinds
    unit_tests = [n for n in result.nodes if n.resource_type == "unit_test"]
    assert len(unit_tests) >= 12 and all(n.status == "pass" for n in unit_tests)
    assert json.loads(result.run_results_path.read_text())["results"]
    assert (
        _("unit_tests") in result.render() and _("FAILED") not in result.render()
    )  # in the reader's language


@pytest.mark.slow
def test_docs_site_lands_in_the_target_dir(built: Built) -> None:
    target = built.settings.dbt_target_dir
    assert built.incremental_result.docs_generated
    for name in ("index.html", "catalog.json", "manifest.json"):
        assert (target / name).stat().st_size > 0, name
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.rolwh.fct_indicator_quarterly" in catalog["nodes"]
    manifest = json.loads((target / "manifest.json").read_text())
    parents = manifest["parent_map"]["model.rolwh.fct_indicator_quarterly"]
    assert parents == ["model.rolwh.int_indicator_values_completed"]  # lineage is in the docs


@pytest.mark.slow
def test_court_referral_figures_match_hand_computation(built: Built) -> None:
    m = built.incremental
    assert q(m, "2024Q1", "ALL", "CR_RECEIVED") == (4.0, None, 4.0)
    assert q(m, "2024Q1", "JJ01", "CR_RECEIVED") == (2.0, None, 2.0)
    assert q(m, "2024Q1", "UNKNOWN", "CR_RECEIVED") == (1.0, None, 1.0)  # 火星村
    # case 2: the later export carries an older 更新时间, so its 调解成功 version of 03-31 wins
    assert q(m, "2024Q1", "ALL", "CR_SUCCESS_RATE") == (2.0, 2.0, 1.0)
    assert q(m, "2024Q1", "ALL", "CR_PENDING_END") == (2.0, None, 2.0)
    # Q2: 31 days (case 3) and a negative duration (case 5) stay in the denominator only
    assert q(m, "2024Q2", "ALL", "CR_TIMELY_RATE") == (0.0, 2.0, 0.0)
    assert q(m, "2024", "ALL", "CR_RECEIVED") == (5.0, None, 5.0)
    assert q(m, "2024", "ALL", "CR_SUCCESS_RATE") == (3.0, 4.0, 0.75)
    assert q(m, "2024", "ALL", "CR_TIMELY_RATE") == (2.0, 4.0, 0.5)
    assert q(m, "2024", "ALL", "CR_PENDING_END") == (1.0, None, 1.0)
    # a configured community without any record: zero count, NULL ratio
    assert q(m, "2024", "JJ15", "CR_RECEIVED") == (0.0, None, 0.0)
    assert q(m, "2024", "JJ15", "CR_SUCCESS_RATE") == (0.0, 0.0, None)


@pytest.mark.slow
def test_other_feeds_match_hand_computation(built: Built) -> None:
    m = built.incremental
    # D3 was voided in its latest version; D2 (西门) resolved after the quarter end
    assert q(m, "2024Q1", "ALL", "DS_REGISTERED") == (2.0, None, 2.0)
    assert q(m, "2024Q1", "JJ03", "DS_REGISTERED") == (1.0, None, 1.0)
    assert q(m, "2024Q1", "ALL", "DS_RESOLUTION_RATE") == (1.0, 2.0, 0.5)
    assert q(m, "2024", "ALL", "DS_RESOLUTION_RATE") == (2.0, 2.0, 1.0)
    assert q(m, "2024Q2", "ALL", "PT_REPEAT_RATE") == (1.0, 2.0, 0.5)
    assert q(m, "2024Q2", "ALL", "PT_TIMELY_NOTICE_RATE") == (0.0, 1.0, 0.0)
    # 23:59:59 on 31 March is Q1; 60 s / 300 s met, 601 s not; 已退回 counts nowhere
    assert q(m, "2024Q1", "JJ01", "DP_EVENTS") == (1.0, None, 1.0)
    assert q(m, "2024Q1", "ALL", "DP_ARRIVE_5MIN_RATE") == (1.0, 1.0, 1.0)
    assert q(m, "2024Q1", "ALL", "DP_HANDLE_10MIN_RATE") == (0.0, 1.0, 0.0)
    assert q(m, "2024Q2", "ALL", "DP_EVENTS") == (2.0, None, 2.0)
    assert q(m, "2024Q2", "UNKNOWN", "DP_EVENTS") == (1.0, None, 1.0)
    assert q(m, "2024Q2", "JJ11", "DP_EVENTS") == (0.0, None, 0.0)
    assert q(m, "2024Q1", "ALL", "TR_MEDIATOR_TRAINING_PT") == (35.0, None, 35.0)  # latest export wins
    assert q(m, "2024", "ALL", "TR_MEDIATOR_TRAINING_PT") == (60.0, None, 60.0)
    assert q(m, "2024Q2", "ALL", "TR_EXAM_PARTICIPATION_RATE")[:2] == (2.0, 3.0)
    assert q(m, "2024Q2", "ALL", "TR_ENFORCEMENT_EXAM_PASSED") == (1.0, None, 1.0)
    assert q(m, "2024Q1", "ALL", "TR_CERT_RATE") == (1.0, 2.0, 0.5)
    assert q(m, "2024", "ALL", "TR_CERT_RATE") == (2.0, 2.0, 1.0)
    # subdistrict-scoped indicators exist for ALL only
    assert ("2024", "JJ01", "TR_CERT_RATE") not in m["fct_indicator_annual"]


@pytest.mark.slow
def test_ledger_figures_match_hand_computation(built: Built) -> None:
    m = built.incremental
    # F1 corrected from 2 to 3 contracts in the Q2 ledger (later 更新时间); F4 voided; street rows
    # (服务对象 = 街道) are UNKNOWN and count in ALL only; 50余 counts 50
    assert q(m, "2024Q1", "ALL", "LA_CONTRACT_REVIEWS") == (3.0, None, 3.0)
    assert q(m, "2024Q1", "UNKNOWN", "LA_CONTRACT_REVIEWS") == (3.0, None, 3.0)
    assert q(m, "2024Q1", "JJ01", "LA_CONTRACT_REVIEWS") == (0.0, None, 0.0)
    assert q(m, "2024Q1", "JJ01", "LA_LEGAL_OPINIONS") == (50.0, None, 50.0)
    assert q(m, "2024Q1", "ALL", "LA_PHONE_CONSULTS") == (10.0, None, 10.0)
    assert q(m, "2024Q2", "JJ03", "LA_PHONE_CONSULTS") == (3.0, None, 3.0)
    assert q(m, "2024", "ALL", "LA_PHONE_CONSULTS") == (13.0, None, 13.0)
    # the roster in force on the period's last day: JJ01 at Q1 end; JJ01 and JJ02 from Q2 on;
    # the denominator is the 15 configured communities
    assert q(m, "2024Q1", "ALL", "LA_VILLAGE_ADVISORS") == (1.0, None, 1.0)
    assert q(m, "2024Q1", "JJ03", "LA_VILLAGE_ADVISORS") == (0.0, None, 0.0)
    assert q(m, "2024Q1", "ALL", "LA_VILLAGE_ADVISOR_RATE") == (1.0, 15.0, pytest.approx(1 / 15))
    assert q(m, "2024Q1", "JJ02", "LA_VILLAGE_ADVISOR_RATE") == (0.0, 1.0, 0.0)
    assert q(m, "2024Q2", "ALL", "LA_VILLAGE_ADVISORS") == (2.0, None, 2.0)
    assert q(m, "2024", "ALL", "LA_VILLAGE_ADVISOR_RATE") == (2.0, 15.0, pytest.approx(2 / 15))
    assert q(m, "2024Q1", "JJ01", "PB_THEME_EVENTS") == (3.0, None, 3.0)
    assert q(m, "2024Q1", "UNKNOWN", "PB_BANNERS") == (200.0, None, 200.0)
    assert q(m, "2024", "ALL", "PB_COURT_VISITS") == (15.0, None, 15.0)
    assert q(m, "2024", "ALL", "PB_LEAFLETS") == (0.0, None, 0.0)
    # as known on 2024-03-31: F1 still 2 contracts, no Q2 roster
    assert q(built.as_of, "2024Q1", "ALL", "LA_CONTRACT_REVIEWS") == (2.0, None, 2.0)
    assert q(built.as_of, "2024Q1", "ALL", "LA_VILLAGE_ADVISORS") == (1.0, None, 1.0)


@pytest.mark.slow
def test_mart_shape_covers_every_quarter_community_and_indicator(built: Built) -> None:
    quarterly = built.incremental["fct_indicator_quarterly"]
    assert {k[0] for k in quarterly} == {"2024Q1", "2024Q2"}
    per_period = sum(1 for k in quarterly if k[0] == "2024Q1")
    # 33 community-scoped x (15 communities + ALL) + 9 subdistrict x ALL
    # + UNKNOWN (9 CR + 4 DP + 5 LA + 5 PB: the street's own ledger rows)
    assert per_period == 33 * 16 + 9 + 23
    annual = built.incremental["fct_indicator_annual"]
    assert {k[0] for k in annual} == {"2024"} and len(annual) == per_period


@pytest.mark.slow
def test_full_refresh_gives_the_incremental_result(built: Built) -> None:
    assert built.full_refresh_result.ok
    assert built.full_refresh == built.incremental
    assert built.incremental["versions"][("stg_court__referral_versions", "", "")][0] == 8


@pytest.mark.slow
def test_incremental_latest_tables_equal_a_full_refresh(built: Built) -> None:
    # D3 was loaded in export A and voided in export B: the incremental run removed it
    for table in LATEST_TABLES:
        assert built.incremental[table] == built.full_refresh[table], table
    disputes = [row[0] for row in built.incremental["stg_petition__disputes"].values()]
    assert sorted(r[0] for r in disputes) == ["D1", "D2"]


@pytest.mark.slow
def test_nightly_build_skips_only_what_cannot_have_changed(built: Built) -> None:
    """Same project, vars and dbt as the last whole build: no seeds, no unit tests, docs reused;
    other vars: a full refresh with everything; back to normal: a full refresh again."""
    s = built.settings
    kinds = lambda r: {n.resource_type for n in r.nodes}  # noqa: E731
    nightly = build(s)  # the last whole build (the fixture's full refresh) left no docs site
    assert "--exclude" in nightly.command and "--full-refresh" not in nightly.command
    assert kinds(nightly) == {"model", "test"} and nightly.docs_generated
    catalog = (s.dbt_target_dir / "catalog.json").stat().st_mtime_ns
    again = build(s)
    assert again.docs_generated and (s.dbt_target_dir / "catalog.json").stat().st_mtime_ns == catalog
    as_of = build(s, dbt_vars={"as_of_date": "2024-03-31"}, docs=False)
    assert "--full-refresh" in as_of.command and {"seed", "unit_test"} <= kinds(as_of)
    back = build(s, docs=False)
    assert "--full-refresh" in back.command and "--exclude" not in back.command
    assert _marts(s) == built.full_refresh


@pytest.mark.slow
def test_as_of_date_recomputes_the_indicators_as_known_then(built: Built) -> None:
    m = built.as_of
    assert {k[0] for k in m["fct_indicator_quarterly"]} == {"2024Q1"}
    assert q(m, "2024Q1", "ALL", "CR_RECEIVED") == (3.0, None, 3.0)
    assert q(m, "2024Q1", "ALL", "CR_SUCCESS_RATE") == (1.0, 1.0, 1.0)
    assert q(m, "2024Q1", "ALL", "CR_PENDING_END") == (2.0, None, 2.0)
    assert q(m, "2024Q1", "ALL", "TR_MEDIATOR_TRAINING_PT") == (30.0, None, 30.0)
    assert q(m, "2024Q1", "ALL", "DS_REGISTERED") == (2.0, None, 2.0)  # D1 and D3 (not yet voided)
    assert q(m, "2024Q1", "JJ03", "DS_REGISTERED") == (0.0, None, 0.0)
    assert q(m, "2024Q1", "ALL", "DP_EVENTS") == (0.0, None, 0.0)


@pytest.mark.slow
def test_indicator_rows_and_print_read_the_marts(built: Built) -> None:
    from rolwh.serving.indicators import indicator_rows, print_indicators

    rows = {r["indicator_code"]: r for r in indicator_rows(built.settings, 2024)}
    assert len(rows) == 42
    assert rows["CR_SUCCESS_RATE"]["value"] == pytest.approx(0.75)
    quarter_rows = indicator_rows(built.settings, 2024, quarter=1, community="JJ15")
    assert {r["indicator_code"] for r in quarter_rows} == {
        code for code, r in rows.items() if r["scope"] == "community"
    }
    out = io.StringIO()
    assert print_indicators(built.settings, 2024, out=out) == 0
    text = out.getvalue()
    assert "诉前调解成功率" in text and "75.00%" in text and "33.33%" in text
    out = io.StringIO()
    assert print_indicators(built.settings, 2024, quarter=2, community="JJ15", out=out) == 0
    assert "—" in out.getvalue()  # zero denominators print as —


@pytest.mark.slow
def test_failing_build_raises_with_the_failing_node(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from rolwh.core.warehouse import connect, ensure_schema

    monkeypatch.setenv("ROLWH_LANG", "en")  # the English message ids are asserted

    con = connect(settings)
    ensure_schema(con)
    insert_rows(
        con,
        "court_referrals",
        [
            {
                "case_no": "X1",
                "referred_date": D("2024-01-01"),
                "mediation_status": "未知状态",
                "mediation_mode": "线下调解",
            }
        ],
        file_name="bad_20240331.xlsx",
        export_date="2024-03-31",
        load_id="L9",
    )
    con.close()
    with pytest.raises(DbtBuildError) as info:
        build(settings, select="stg_court__referral_versions", docs=False)
    message = str(info.value)
    assert "FAILED" in message and "accepted_values_stg_court__referral_versions_mediation_status" in message
    assert info.value.result is not None and not info.value.result.ok


def test_build_refuses_a_warehouse_held_by_another_process(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    monkeypatch.setenv("ROLWH_LANG", "en")  # the English message ids are asserted

    from rolwh.core.errors import WarehouseBusy

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(30)",
            str(settings.warehouse_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusy, match="another process holds"):
            build(settings, docs=False)
    finally:
        holder.kill()
        holder.wait()
