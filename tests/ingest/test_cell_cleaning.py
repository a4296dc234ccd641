"""Invisible characters and personal data in free text (issue 12, points 5 and 12), through ingest
on real csv files: one rule removes BOM / zero-width / bidi characters from every parsed cell before
keys are compared and ID numbers are pseudonymised; ID and mobile numbers typed into free-text
columns never reach the raw layer; the audit notice counts both, naming rows and columns only."""

from __future__ import annotations

import csv
from pathlib import Path

from ingest import run_ingest
from rolwh.core.contracts import FEEDS, FREE_TEXT_KINDS, ID_MASK, PHONE_MASK, Column, Feed, Kind
from rolwh.core.settings import Settings
from tests.ingest.conftest import PHONE, VALID_ID, VALID_ID_2, landing

BOM, ZWSP, ZWJ, WJ, RLO, LRI = "\ufeff", "\u200b", "\u200d", "\u2060", "\u202e", "\u2066"
#: personal data a clerk types into free text: a valid ID (check character X), a mobile number
FREE_TEXT_ID, FREE_TEXT_PHONE = "11010519491231002X", "13912345678"
FREE_TEXT = f"来电人身份证{FREE_TEXT_ID},手机{FREE_TEXT_PHONE}"


def valid_cell(col: Column, n: int) -> str:
    """A value of ``col`` that the contract accepts (row ``n``)."""
    match col.kind:
        case Kind.KEY | Kind.PII_STAFF:
            return f"K{n:04d}"
        case Kind.DATE:
            return "2024-01-15"
        case Kind.DATETIME:
            return "2024-01-15 10:00:00"
        case Kind.DECIMAL | Kind.INT:
            return "3"
        case Kind.CODE:
            return col.codes[0]
        case Kind.PII_NAME:
            return "张三"
        case Kind.PII_ID | Kind.PII_ID_LIST:
            return VALID_ID_2
        case Kind.PII_PHONE:
            return PHONE
        case Kind.GRID:
            return "东门社区3网格"
        case _:
            return "东门社区"


def write_feed_csv(path: Path, f: Feed, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([c.header for c in f.columns])
        for n, over in enumerate(rows, start=1):
            w.writerow([over.get(c.name, valid_cell(c, n)) for c in f.columns])
    return path


def audit(con, name: str) -> tuple:
    return con.execute(
        "select status, rows_loaded, rows_rejected, notices from audit.file_loads where file_name = ?", [name]
    ).fetchone()


def every_text(con, schemas: tuple[str, ...] = ("raw", "audit")) -> list[str]:
    """Every non-NULL value of every column of every table in ``schemas``, as text."""
    out = []
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables where table_schema in "
        f"({', '.join('?' for _ in schemas)})",
        list(schemas),
    ).fetchall()
    for schema, table in tables:
        for row in con.execute(f'select * from "{schema}"."{table}"').fetchall():
            out += [str(v) for v in row if v is not None]
    return out


# -- point 5: invisible characters ----------------------------------------------------------------
def test_invisible_characters_before_keys_and_in_ids_give_one_record_and_one_pseudonym(
    settings: Settings, con_reader
) -> None:
    f = next(f for f in FEEDS if f.name == "petitions")
    keys = ["XF2024001", "XF2024002", "XF2024003", "XF2024004"]
    plain = [{"petition_no": k, "petitioner_id": VALID_ID} for k in keys]
    write_feed_csv(landing(settings, "petitions", "信访事项导出_20240131.csv"), f, plain)
    dirty = [
        {"petition_no": BOM + keys[0], "petitioner_id": ZWSP + VALID_ID},
        {"petition_no": ZWSP + keys[1], "petitioner_id": VALID_ID[:6] + ZWJ + VALID_ID[6:]},
        {
            "petition_no": keys[2] + WJ,
            "petitioner_id": RLO + VALID_ID + LRI,
            "petitioner_phone": PHONE + ZWSP,
        },
        {"petition_no": keys[3], "petitioner_id": VALID_ID, "handling_status": "办理中" + ZWSP},
    ]
    write_feed_csv(landing(settings, "petitions", "信访事项导出_20240229.csv"), f, dirty)
    run_ingest(settings, progress=False)
    con = con_reader()
    assert audit(con, "信访事项导出_20240229.csv")[:3] == ("loaded", 4, 0)
    # the re-delivered 4 petitions are the same 4 records, of the same one person
    assert con.execute("select count(distinct petition_no), count(*) from raw.petitions").fetchone() == (4, 8)
    assert con.execute("select count(distinct petitioner_id_pid) from raw.petitions").fetchone() == (1,)
    assert con.execute("select bool_and(petitioner_id_valid) from raw.petitions").fetchone() == (True,)
    assert con.execute("select count(distinct petitioner_phone_pid) from raw.petitions").fetchone() == (1,)
    notices = audit(con, "信访事项导出_20240229.csv")[3]
    assert (
        "invisible characters removed from 8 cells (rows 2, 3, 4, 5; columns 信访件编号, 证件号码, 联系电话, 办理状态)"
        in notices
    )
    assert audit(con, "信访事项导出_20240131.csv")[3] is None  # a clean file has no such notice


def test_invisible_characters_in_header_cells_still_match_the_contract(
    settings: Settings, con_reader
) -> None:
    path = landing(settings, "dispatch_events", "指挥中心事件_20240131.csv")
    f = next(f for f in FEEDS if f.name == "dispatch_events")
    write_feed_csv(path, f, [{}, {}])
    text = path.read_text(encoding="utf-8").replace("事件编号", BOM + "事件" + ZWSP + "编号", 1)
    path.write_text(text, encoding="utf-8")
    run_ingest(settings, progress=False)
    assert audit(con_reader(), "指挥中心事件_20240131.csv")[:2] == ("loaded", 2)


# -- point 12: personal data in free text ---------------------------------------------------------
def test_id_and_mobile_numbers_in_every_free_text_column_of_every_feed_never_reach_raw(
    settings: Settings, con_reader
) -> None:
    expected = {}
    for f in FEEDS:
        free = [c for c in f.columns if c.kind in FREE_TEXT_KINDS]
        rows = [{c.name: valid_cell(c, n) + FREE_TEXT for c in free} for n in (1, 2)]
        rows[1] |= {c.name: f"{ZWSP}{FREE_TEXT_ID[:9]}{ZWJ}{FREE_TEXT_ID[9:]}" for c in free[:1]}
        name = f"{f.title_zh}_20240131.csv"
        write_feed_csv(landing(settings, f.name, name), f, rows)
        expected[name] = (f, free)
    run_ingest(settings, progress=False)
    con = con_reader()
    for name, (f, free) in expected.items():
        status, loaded, _, notices = audit(con, name)
        assert (status, loaded) == ("loaded", 2), (name, notices)
        ids, phones = 2 * len(free), 2 * len(free) - 1  # row 2's first column holds only a split ID
        headers = ", ".join(c.header for c in free)
        assert (
            f"personal data masked in free text: {ids} ID numbers, {phones} mobile number"
            f"{'' if phones == 1 else 's'} in {2 * len(free)} cells (rows 2, 3; columns {headers})"
        ) in notices, (name, notices)
        for c in free:
            values = [
                v for (v,) in con.execute(f"select {c.name} from {f.table} order by _row_number").fetchall()
            ]
            assert values[0] == valid_cell(c, 1) + f"来电人身份证{ID_MASK},手机{PHONE_MASK}", (f.name, c.name)
    values = every_text(con)
    assert values
    for needle in (FREE_TEXT_ID, FREE_TEXT_PHONE, FREE_TEXT_ID[:17]):
        assert not [v for v in values if needle in v], needle


def test_numbers_that_are_not_an_id_or_a_mobile_number_stay(settings: Settings, con_reader) -> None:
    f = next(f for f in FEEDS if f.name == "study_sessions")
    kept = [
        "账号622202123456789012345",  # a longer digit run
        "旧证110105194912310021",  # 18 digits, wrong check character
        "座机02361234567",  # 11 digits, not a mobile number
        "编号213800138000",  # a mobile number inside a longer run
    ]
    rows = [{"topic": text} for text in kept]
    write_feed_csv(landing(settings, "study_sessions", "学法活动_20240131.csv"), f, rows)
    run_ingest(settings, progress=False)
    con = con_reader()
    status, loaded, _, notices = audit(con, "学法活动_20240131.csv")
    assert (status, loaded, notices) == ("loaded", 4, None)
    assert [
        v for (v,) in con.execute("select topic from raw.study_sessions order by session_no").fetchall()
    ] == kept
