"""The frames the gate hands GX: read through Arrow with DuckDB's .df() dtypes, times in nanoseconds."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from expectations.checks import read_frame
from expectations.gate import nanosecond_times

SQL = """
select * from (values
    (1::integer, true, 12000.50::decimal(18, 2), date '2024-03-05', timestamp '2024-03-05 10:15:00', 'a'),
    (null, null, null, null, null, null)
) t(n, flag, amount, day, moment, text)
"""


def test_read_frame_keeps_the_dtypes_of_duckdb_df() -> None:
    con = duckdb.connect()
    con.execute("select 1").fetchone()  # an open result on the connection does not get in the way
    frame = read_frame(con, SQL)
    reference = con.execute(SQL).df()
    for column in ("n", "flag", "amount"):
        assert frame[column].dtype == reference[column].dtype, column
    assert frame["amount"].tolist()[0] == 12000.5 and pd.isna(frame["amount"].tolist()[1])
    assert pd.api.types.is_datetime64_dtype(frame["day"]) and pd.api.types.is_datetime64_dtype(
        frame["moment"]
    )
    assert frame["text"].tolist()[0] == "a" and pd.isna(frame["text"].tolist()[1])
    assert read_frame(con, "select ? as x", [7])["x"].tolist() == [7]


def test_times_become_nanoseconds_and_out_of_range_ones_stay_out_of_range() -> None:
    frame = (
        duckdb.connect()
        .execute(
            "select * from (values (date '2024-03-05'), (date '0001-01-01'), (date '9999-12-31'), (null)) t(d)"
        )
        .df()
    )
    out = nanosecond_times(frame)
    assert out["d"].dtype == "datetime64[ns]"
    values = out["d"].tolist()
    assert values[0] == pd.Timestamp(dt.date(2024, 3, 5))
    assert values[1] < pd.Timestamp("1950-01-01") and values[2] > pd.Timestamp("2100-01-01")
    assert pd.isna(values[3])
    assert frame["d"].dtype != "datetime64[ns]"  # the caller's frame is left as it was
