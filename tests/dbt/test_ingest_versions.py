"""Real files through ingest, a real `dbt build` and publishing, over two nights (issue 12):
invisible characters before keys create no phantom records (point 5), a corrected export
delivered again under the same export date wins by delivery order (point 6), and ID and mobile
numbers typed into free text reach no layer: raw, staging, marts, audit, serving file, Parquet
(point 12)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingest import run_ingest
from rolwh.core.contracts import FEEDS, FREE_TEXT_KINDS, feed
from rolwh.core.i18n import _
from rolwh.core.settings import Settings, load_settings
from rolwh.core.sql import literal
from rolwh.serving.publish import publish
from rolwh.transform.build import build
from tests.ingest.conftest import write_xlsx
from tests.ingest.test_cell_cleaning import (
    FREE_TEXT,
    FREE_TEXT_ID,
    FREE_TEXT_PHONE,
    valid_cell,
    write_feed_csv,
)

pytestmark = pytest.mark.slow

TEST_KEY = "test-key-0123456789abcdef0123456789abcdef"
BOM, ZWSP, WJ = "\ufeff", "\u200b", "\u2060"
PETITIONS = ("XF2024001", "XF2024002", "XF2024003", "XF2024004")
SESSION_HEADER = ["活动编号", "活动日期", "活动类型", "主题", "主讲人", "参加人数", "组织科室"]


def petitions(keys: list[str], updated: str, category: str = "物业") -> list[dict[str, str]]:
    return [
        {"petition_no": k, "registered_date": "2024-01-10", "updated_at": updated, "issue_category": category}
        for k in keys
    ]


def events(status: str) -> list[dict[str, str]]:
    return [{"event_no": "SJ000001", "handling_status": status, "event_type": "路灯故障" + FREE_TEXT}]


def sessions(path: Path, attendees: int) -> Path:
    row = ["HD001", "2024-03-15", "会前学法", "宪法" + FREE_TEXT, "主讲" + FREE_TEXT, attendees, "司法所"]
    return write_xlsx(path, [SESSION_HEADER, row])


@dataclass
class Nights:
    settings: Settings
    schemas: dict[str, list[tuple]]  # table -> rows, after night 2


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Nights:
    home = tmp_path_factory.mktemp("versions") / "home"
    settings = load_settings(
        {
            "ROLWH_HOME": str(home),
            "ROLWH_LANDING": str(home / "landing"),
            "ROLWH_KEY": TEST_KEY,
            "ROLWH_SETTLE_SECONDS": "0",  # the files are written whole just before the run
        }
    )
    settings.ensure_dirs()
    land = settings.landing
    # night 1: the originals
    write_feed_csv(
        land / "petitions" / "信访事项导出_20240131.csv",
        feed("petitions"),
        petitions(list(PETITIONS), "2024-01-31 10:00:00", category="物业" + FREE_TEXT),
    )
    write_feed_csv(
        land / "dispatch_events" / "指挥中心事件_20240331_b.csv", feed("dispatch_events"), events("处置中")
    )
    sessions(land / "study_sessions" / "学法活动_20240331.xlsx", 20)
    for f in FEEDS:  # personal data in every free-text column of every feed (petitions of 2023)
        free = [c for c in f.columns if c.kind in FREE_TEXT_KINDS]
        rows = [{c.name: valid_cell(c, n) + FREE_TEXT for c in free} for n in (1, 2)]
        if f.name == "petitions":
            rows = [row | {"registered_date": "2023-06-01"} for row in rows]
        write_feed_csv(land / f.name / f"{f.title_zh}_20240115.csv", f, rows)
    run_ingest(settings, progress=False)
    build(settings, docs=False, raise_on_failure=False)
    # night 2: the same petitions with invisible characters before / after their keys; corrections
    # under the same export dates: one named to sort BEFORE the original, one under the same name
    dirty = [BOM + PETITIONS[0], ZWSP + PETITIONS[1], PETITIONS[2] + WJ, PETITIONS[3]]
    write_feed_csv(
        land / "petitions" / "信访事项导出_20240229.csv",
        feed("petitions"),
        petitions(dirty, "2024-02-29 10:00:00"),
    )
    write_feed_csv(
        land / "dispatch_events" / "指挥中心事件_20240331_a.csv", feed("dispatch_events"), events("已办结")
    )
    sessions(land / "study_sessions" / "学法活动_20240331.xlsx", 25)  # overwritten: new content, same name
    run_ingest(settings, progress=False)
    build(settings, docs=False, raise_on_failure=False)
    publish(settings)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'staging', 'intermediate', 'marts', 'audit')"
        ).fetchall()
        schemas = {f"{s}.{t}": con.execute(f'select * from "{s}"."{t}"').fetchall() for s, t in tables}
    finally:
        con.close()
    return Nights(settings, schemas)


def test_invisible_characters_before_keys_create_no_phantom_petitions(nights: Nights) -> None:
    staged = "select count(*) from staging.stg_petition__petitions where petition_id like 'XF%'"
    assert _one(nights, staged) == (4,)
    versions = "select count(*) from staging.stg_petition__petition_versions where petition_id like 'XF%'"
    assert _one(nights, versions) == (8,)


def _one(nights: Nights, sql: str) -> tuple:
    con = duckdb.connect(str(nights.settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def test_a_correction_under_the_same_export_date_wins_by_delivery_order_not_by_name(nights: Nights) -> None:
    # 指挥中心事件_20240331_a.csv sorts before _b.csv, but was delivered a night later
    event = "where event_id = 'SJ000001'"
    got = _one(
        nights, f"select handling_status, _file_name from staging.stg_command_centre__dispatch_events {event}"
    )
    assert got == ("已办结", "指挥中心事件_20240331_a.csv")


def test_a_correction_under_the_same_file_name_wins(nights: Nights) -> None:
    session = "select attendees from staging.stg_training__study_sessions where session_id = 'HD001'"
    assert _one(nights, session) == (25,)
    loads = _one(nights, "select count(*) from audit.file_loads where file_name = '学法活动_20240331.xlsx'")
    assert loads == (2,)


def test_the_petition_figure_counts_the_four_real_petitions(nights: Nights) -> None:
    got = _one(
        nights,
        "select numerator from marts.fct_indicator_annual where period = '2024' and community_code = 'ALL' "
        "and indicator_code = 'PT_RECEIVED'",
    )
    assert got == (4.0,)


def test_free_text_personal_data_is_in_no_layer_and_not_served(nights: Nights) -> None:
    needles = (FREE_TEXT_ID, FREE_TEXT_PHONE, FREE_TEXT_ID[:17])
    # the notice as the run wrote it (in the language of the run: Chinese unless ROLWH_LANG=en)
    said = _("personal data masked in free text: {ids}, {phones} in {cells} ({where})").split("{")[0]
    masked = (
        "select count(*) from audit.file_loads where file_name like '%\\_20240115.csv' escape '\\' "
        f"and status = 'loaded' and contains(notices, {literal(said)})"
    )
    assert _one(nights, masked) == (len(FEEDS),)  # every feed's file with personal data in free text loaded
    values = [str(v) for rows in nights.schemas.values() for row in rows for v in row if v is not None]
    assert any("[身份证号]" in v for v in values)  # the masked free text is there
    assert not [v for v in values if any(n in v for n in needles)]
    serving = nights.settings.serving_dir
    served = [p for p in serving.rglob("*") if p.is_file() and p.suffix in (".duckdb", ".parquet")]
    assert served
    con = duckdb.connect()
    try:
        for path in served:
            if path.suffix == ".parquet":
                rows = con.execute("select * from read_parquet(?)", [str(path)]).fetchall()
                assert not [v for row in rows for v in row if any(n in str(v) for n in needles)], path
            else:
                con.execute(f"attach '{path}' as s (read_only)")
                for schema, table in con.execute(
                    "select schema_name, table_name from duckdb_tables() where database_name = 's'"
                ).fetchall():
                    rows = con.execute(f'select * from s."{schema}"."{table}"').fetchall()
                    assert not [v for row in rows for v in row if any(n in str(v) for n in needles)], table
                con.execute("detach s")
    finally:
        con.close()
