"""HMAC pseudonyms: the SQL macro matches Python's hmac for any key length and text."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from ingest.pseudonymize import hmac_hex, hmac_macro_sql


@pytest.mark.parametrize("key", [b"k" * 32, b"x" * 64, b"long-key" * 20])
@pytest.mark.parametrize("value", ["11010519491231002X", "13800138000", "人员编号Ａ001", ""])
def test_sql_hmac_matches_python_hmac(key, value):
    con = duckdb.connect()
    con.execute(hmac_macro_sql(key))
    assert con.execute("select rolwh_hmac(?)", [value]).fetchone()[0] == hmac_hex(key, value)


def test_hmac_hex_is_rfc2104_hmac_sha256():
    assert hmac_hex(b"key", "v") == hmac.new(b"key", b"v", hashlib.sha256).hexdigest()


def test_the_hmac_macro_is_temporary_so_the_key_never_reaches_the_database_file(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute(hmac_macro_sql(b"s" * 40))
    con.close()
    con = duckdb.connect(str(path))
    assert (
        con.execute("select count(*) from duckdb_functions() where function_name = 'rolwh_hmac'").fetchone()[
            0
        ]
        == 0
    )
