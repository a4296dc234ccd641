"""The hand-kept ledgers' personal values (咨询人, 联系电话, 执业证号) never reach the warehouse: the
demo ledgers are ingested and every text column of the working warehouse is scanned for them
(the whole pipeline, with all feeds, is scanned by test_pii_everywhere)."""

from __future__ import annotations

import duckdb

from ingest import run_ingest
from rolwh.core.contracts import feed
from rolwh.core.settings import Settings
from rolwh.demo_data.exports import LEDGER_FEEDS, write_feed
from tests.support.pii import collect_pii, scan_duckdb

#: The personal columns of the ledgers, by kind, that the demo fills.
LEDGER_PII_KINDS = {"pii_name", "pii_phone", "pii_staff"}


def test_no_personal_value_of_the_ledgers_reaches_the_warehouse(settings: Settings) -> None:
    for name in LEDGER_FEEDS:
        folder = settings.landing / name
        folder.mkdir(parents=True, exist_ok=True)
        write_feed(feed(name), folder, seed=2024, scale=1)
    found = collect_pii(settings.landing)
    assert set(found.by_kind) >= LEDGER_PII_KINDS, found.by_kind.keys()  # names, phones, licence numbers
    needles = found.needles()
    assert len(needles) > 30
    run_ingest(settings, progress=False)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        loaded = [con.execute(f"select count(*) from raw.{name}").fetchone()[0] for name in LEDGER_FEEDS]
    finally:
        con.close()
    assert min(loaded) > 10, loaded
    assert scan_duckdb(settings.warehouse_path, needles) == []
