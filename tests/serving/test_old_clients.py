"""The serving file is readable by DuckDB 1.4 clients and by SQLAlchemy + duckdb-engine, read-only."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
import warnings
from pathlib import Path

import pytest

from rolwh.core.settings import Settings
from tests.serving.conftest import ARTIFACTS

REPO = Path(__file__).resolve().parents[2]
UV = REPO / ".venv" / "bin" / "uv"
OLD_CLIENT_VENV = ARTIFACTS / "duckdb14-venv"
MARTS = (
    "fct_indicator_quarterly",
    "fct_indicator_annual",
    "dim_indicator",
    "dim_community",
    "rpt_quarterly_scorecard",
)


def _duckdb14_python() -> Path:
    """A cached venv with DuckDB 1.4 (tests/artifacts, git-ignored); skip loudly when it cannot be built."""
    python = OLD_CLIENT_VENV / "bin" / "python"
    probe = [str(python), "-c", "import duckdb; print(duckdb.__version__)"]
    if python.exists() and subprocess.run(probe, capture_output=True, text=True).stdout.startswith("1.4"):
        return python
    shutil.rmtree(OLD_CLIENT_VENV, ignore_errors=True)
    steps = (
        [str(UV), "venv", "-q", str(OLD_CLIENT_VENV), "--python", "3.11"],
        [str(UV), "pip", "install", "-q", "--python", str(python), "duckdb==1.4.*"],
    )
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            msg = (
                f"SKIPPED LOUDLY: cannot build a DuckDB 1.4 client venv ({' '.join(step)}): "
                f"{done.stderr[-500:]}"
            )
            warnings.warn(msg, stacklevel=2)
            pytest.skip(msg)
    return python


@pytest.mark.slow
def test_serving_file_opens_and_answers_in_a_duckdb_1_4_client(published: Settings) -> None:
    python = _duckdb14_python()
    script = textwrap.dedent(
        """
        import duckdb, json, sys
        con = duckdb.connect(sys.argv[1], read_only=True)
        rate = con.execute(
            "select value from marts.fct_indicator_annual where year = 2024"
            " and community_code = 'ALL' and indicator_code = 'CR_SUCCESS_RATE'"
        ).fetchone()[0]
        n = con.execute("select count(*) from marts.fct_indicator_quarterly").fetchone()[0]
        print(json.dumps({"version": duckdb.__version__, "rate": rate, "rows": n}))
        """
    )
    done = subprocess.run(
        [str(python), "-c", script, str(published.serving_dir / "rolwh.duckdb")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["version"].startswith("1.4")
    assert round(out["rate"], 4) == 0.2826
    assert out["rows"] > 0


def test_sqlalchemy_duckdb_engine_reads_every_mart_read_only(published: Settings) -> None:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    path = published.serving_dir / "rolwh.duckdb"  # the stable path a BI tool is configured with
    engine = sa.create_engine(f"duckdb:///{path}?access_mode=read_only", poolclass=NullPool)
    with engine.connect() as conn:
        listed = set(sa.inspect(conn).get_table_names(schema="marts"))
        assert set(MARTS) <= listed
        for mart in sorted(listed):
            rows = conn.execute(sa.text(f'select count(*) from marts."{mart}"')).scalar_one()
            assert rows > 0, mart
        rate = conn.execute(
            sa.text(
                "select value from marts.fct_indicator_annual "
                "where year = :y and community_code = 'ALL' and indicator_code = 'CR_SUCCESS_RATE'"
            ),
            {"y": 2024},
        ).scalar_one()
        assert round(rate, 4) == 0.2826
        with pytest.raises(sa.exc.DBAPIError, match="read-only"):
            conn.execute(sa.text("create table marts.scratch as select 1 as x"))
    engine.dispose()
