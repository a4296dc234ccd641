"""Publishing: a new checkpointed serving version swapped in atomically, readers never disturbed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.serving.publish import PublishError, cleanup, current_version, publish, versions_dir
from rolwh.serving.query import open_reader, reader_path
from tests.serving.marts_fixture import build_working_marts

CR_RECEIVED_SQL = (
    "select value from marts.fct_indicator_annual "
    "where year = 2024 and community_code = 'ALL' and indicator_code = 'CR_RECEIVED'"
)


def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('marts', 'audit')"
    ).fetchall()
    return {r[0] for r in rows}


def test_publish_copies_every_mart_and_audit_relation_into_a_checkpointed_version(working: Settings) -> None:
    src = duckdb.connect(str(working.warehouse_path), read_only=True)
    expected = {name: src.execute(f"select count(*) from {name}").fetchone()[0] for name in _relations(src)}
    src.close()

    result = publish(working)

    assert set(result.tables) == set(expected) and "marts.rpt_quarterly_scorecard" in expected
    assert result.tables == expected
    assert result.serving_path == working.serving_dir / "rolwh.duckdb"
    assert result.serving_path.is_symlink()
    assert result.serving_path.resolve() == result.version_path.resolve()
    assert not Path(str(result.version_path) + ".wal").exists()
    con = duckdb.connect(str(result.serving_path), read_only=True)
    try:
        assert _relations(con) == set(expected)
        (tags,) = con.execute(
            "select tags from duckdb_databases() where database_name = current_database()"
        ).fetchone()
        assert tags["storage_version"].startswith("v1.4")
        assert con.execute("select version from serving.publication").fetchone()[0] == result.version
        # the view was materialised as a table: it must not depend on the working file
        (kind,) = con.execute(
            "select table_type from information_schema.tables where table_name = 'rpt_quarterly_scorecard'"
        ).fetchone()
        assert kind == "BASE TABLE"
    finally:
        con.close()
    for name, rows in expected.items():
        files = list((working.serving_dir / "parquet" / name).glob("*.parquet"))
        assert files, name
        assert (
            duckdb.connect().execute("select count(*) from read_parquet(?)", [str(files[0])]).fetchone()[0]
            == rows
        )
    said = _("published {version}: {tables} tables, {rows} rows in {seconds:.1f}s").split("{")[0]
    assert result.render().startswith(said + result.version)  # in the reader's language


def test_publish_reads_through_the_writers_own_connection(working: Settings) -> None:
    writer = duckdb.connect(str(working.warehouse_path))  # the single writer, still open
    try:
        result = publish(working, writer)
        writer.execute("select 1")  # the writer's connection is left usable
    finally:
        writer.close()
    con = open_reader(working)
    try:
        assert con.execute(CR_RECEIVED_SQL).fetchone()[0] == 476
    finally:
        con.close()
    assert result.tables["marts.fct_indicator_annual"] > 0


def test_publish_without_marts_fails_and_leaves_nothing_current(settings: Settings) -> None:
    from rolwh.core.warehouse import connect, ensure_schema

    con = connect(settings)
    ensure_schema(con)
    con.close()
    with pytest.raises(PublishError, match="工作数据仓库中没有集市表"):
        publish(settings)
    assert current_version(settings) is None
    assert list(versions_dir(settings).iterdir()) == []
    assert reader_path(settings) == settings.warehouse_path


READER_LOOP = textwrap.dedent(
    """
    import json, sys, time
    import duckdb
    from rolwh.serving.query import reader_path
    serving, stop = sys.argv[1], sys.argv[2]
    import pathlib
    seen, errors, n = [], [], 0
    while not pathlib.Path(stop).exists():
        try:
            con = duckdb.connect(serving, read_only=True)
            a = con.execute("select value from marts.fct_indicator_annual where year = 2024 "
                            "and community_code = 'ALL' and indicator_code = 'CR_RECEIVED'").fetchone()[0]
            q = con.execute("select sum(numerator) from marts.fct_indicator_quarterly where year = 2024 "
                            "and community_code = 'ALL' and indicator_code = 'CR_RECEIVED'").fetchone()[0]
            con.close()
            if a != q:
                errors.append(f"inconsistent: annual {a} vs quarters {q}")
            if not seen or seen[-1] != a:
                seen.append(a)
            n += 1
        except Exception as exc:
            errors.append(repr(exc))
        time.sleep(0.005)
    print(json.dumps({"seen": seen, "errors": errors, "queries": n}))
    """
)


def test_held_reader_keeps_its_version_while_publish_runs_twice(working: Settings, tmp_path: Path) -> None:
    publish(working)
    held = open_reader(working)
    assert held.execute(CR_RECEIVED_SQL).fetchone()[0] == 476
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    loop = subprocess.Popen(
        [sys.executable, "-c", READER_LOOP, str(working.serving_dir / "rolwh.duckdb"), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        time.sleep(1.0)  # the loop is reading version 1
        for revision in (1, 2):
            build_working_marts(working, revision=revision)
            started = time.monotonic()
            publish(working)
            assert time.monotonic() - started < 30  # never waits for the readers
            # the held connection still answers, from the old consistent version
            assert held.execute(CR_RECEIVED_SQL).fetchone()[0] == 476
            assert (
                held.execute(
                    "select sum(numerator) from marts.fct_indicator_quarterly where year = 2024 "
                    "and community_code = 'ALL' and indicator_code = 'CR_RECEIVED'"
                ).fetchone()[0]
                == 476
            )
            fresh = open_reader(working)
            try:
                assert fresh.execute(CR_RECEIVED_SQL).fetchone()[0] == 476 + revision
            finally:
                fresh.close()
            time.sleep(0.5)
    finally:
        stop.touch()
        out, err = loop.communicate(timeout=60)
        held.close()
    assert loop.returncode == 0, err
    report = json.loads(out)
    assert report["errors"] == []
    assert report["queries"] > 10
    assert report["seen"] == [476, 477, 478]  # every version seen, in order, never a torn one


def test_superseded_versions_are_removed_after_the_grace_period_never_the_current(working: Settings) -> None:
    first = publish(working).version
    second = publish(working).version
    third = publish(working)
    assert {first, second, third.version} <= {d.name for d in versions_dir(working).iterdir()}
    assert third.removed == ()  # within the default 24 h grace
    now = datetime.now(UTC)
    assert cleanup(working, now=now + timedelta(hours=23)) == []
    removed = cleanup(working, now=now + timedelta(hours=25))
    assert sorted(removed) == sorted([first, second])
    assert [d.name for d in versions_dir(working).iterdir()] == [third.version]
    # the current version survives even a zero grace period, and still answers
    no_grace = replace(working, serving_grace_hours=0)
    assert cleanup(no_grace, now=now + timedelta(days=365)) == []
    con = open_reader(no_grace)
    try:
        assert con.execute(CR_RECEIVED_SQL).fetchone()[0] == 476
    finally:
        con.close()


def test_publish_cleans_up_with_the_configured_grace(working: Settings) -> None:
    no_grace = replace(working, serving_grace_hours=0)
    old = publish(no_grace).version
    result = publish(no_grace)
    assert result.removed == (old,)
    assert current_version(no_grace) == result.version


def test_reader_path_resolves_to_the_current_serving_version(published: Settings) -> None:
    path = reader_path(published)
    assert path.parent.name == current_version(published)
    assert path.name == "rolwh.duckdb" and not path.is_symlink()
    con = open_reader(published)
    try:
        with pytest.raises(duckdb.Error):
            con.execute("create table marts.scratch as select 1 as x")
    finally:
        con.close()
