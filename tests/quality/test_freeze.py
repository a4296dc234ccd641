"""The annual freeze: immutable releases, verify, revisions and the frozen view (real DuckDB, GX)."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from rolwh.core.errors import GateBlocked
from rolwh.core.settings import Settings, load_settings
from tests.quality.dataset import YEAR, build_clean_warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One clean warehouse frozen once (v1), shared by the read-only tests of this module."""
    from rolwh.release.write import freeze

    home = tmp_path_factory.mktemp("frozen") / "home"
    key_file = home.parent / "release-key" / "release.key"
    s = load_settings(
        env={"ROLWH_HOME": str(home), "ROLWH_KEY": "k" * 40, "ROLWH_RELEASE_KEY_FILE": str(key_file)}
    )
    s.ensure_dirs()
    build_clean_warehouse(s.warehouse_path)
    freeze(s, YEAR, who="审计员")
    return s


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_freeze_writes_a_read_only_release_with_a_complete_manifest(frozen: Settings) -> None:
    import duckdb

    folder = frozen.releases_dir / str(YEAR) / "v1"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))

    assert manifest["year"] == YEAR and manifest["version"] == "v1"
    assert manifest["frozen_by"] == "审计员" and manifest["frozen_at"]
    assert len(manifest["git_commit"]) == 40 or manifest["git_commit"] == "unknown"
    assert manifest["gate"]["passed"] is True and manifest["gate"]["mode"] == "freeze"
    listed = {f["path"]: f for f in manifest["files"]}
    for name in ("fct_indicator_annual", "fct_indicator_quarterly", "dim_indicator", "dim_community"):
        assert f"data/{name}.parquet" in listed
    assert listed["data/fct_indicator_quarterly.parquet"]["rows"] == 4 * 17
    assert listed["data/fct_indicator_annual.parquet"]["rows"] == 17
    assert "quality/data_docs/index.html" in listed and "quality/gate.json" in listed
    # every file on disk but the manifest itself is listed, with its real checksum
    on_disk = {p.relative_to(folder).as_posix() for p in _files(folder)} - {
        "manifest.json",
        "manifest.sha256",
        "manifest.hmac",
    }
    assert on_disk == set(listed)
    inputs = manifest["inputs"]
    assert {i["feed"] for i in inputs} >= {"court_referrals", "enforcement_officers"}
    assert all(i["sha256"] and i["export_date"] for i in inputs)
    # the DuckDB file opens read-only with the same rows
    con = duckdb.connect(str(folder / "release.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from marts.fct_indicator_annual").fetchone() == (17,)
        assert con.execute("select distinct year from marts.fct_indicator_quarterly").fetchall() == [(YEAR,)]
    finally:
        con.close()


def test_release_files_and_folders_are_read_only(frozen: Settings) -> None:
    folder = frozen.releases_dir / str(YEAR) / "v1"
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o555 if path.is_dir() else 0o444), f"{path}: {mode:o}"
    assert not list((frozen.releases_dir / str(YEAR)).glob(".*tmp*")), "temporary folder left behind"


def test_verify_catches_a_changed_byte_in_every_release_file(frozen: Settings) -> None:
    from rolwh.release.verify import verify

    folder = frozen.releases_dir / str(YEAR) / "v1"
    assert verify(frozen, YEAR).ok
    for path in _files(folder):
        rel = path.relative_to(folder).as_posix()
        original = path.read_bytes()
        tampered = bytearray(original)
        tampered[len(tampered) // 2] ^= 0x01
        path.chmod(0o644)
        path.write_bytes(bytes(tampered))
        try:
            result = verify(frozen, YEAR, "v1")
            assert not result.ok, rel
            assert any(
                f"changed file {rel}" in p
                or (rel == "manifest.sha256" and "manifest.json" in p)
                or (rel == "manifest.hmac" and "manifest.hmac" in p)
                for p in result.problems
            ), (rel, result.problems)
            assert "FAILED" in result.render()
        finally:
            path.write_bytes(original)
            path.chmod(0o444)
    assert verify(frozen, YEAR).ok


def test_verify_names_missing_and_extra_files(frozen: Settings) -> None:
    from rolwh.release.verify import verify

    folder = frozen.releases_dir / str(YEAR) / "v1"
    target = folder / "data" / "dim_community.parquet"
    data = target.read_bytes()
    (folder / "data").chmod(0o755)
    try:
        target.unlink()
        (folder / "data" / "extra.csv").write_text("x\n")
        result = verify(frozen, YEAR, "v1")
        assert not result.ok
        assert "v1: missing file data/dim_community.parquet" in result.render()
        assert "v1: extra file data/extra.csv (not in the manifest)" in result.render()
    finally:
        (folder / "data" / "extra.csv").unlink(missing_ok=True)
        target.write_bytes(data)
        target.chmod(0o444)
        (folder / "data").chmod(0o555)
    assert verify(frozen, YEAR).ok


def test_second_freeze_needs_a_reason_and_then_makes_v2_keeping_v1(clean_warehouse: Settings) -> None:
    from rolwh.core.errors import FreezeError
    from rolwh.release.listing import render_releases
    from rolwh.release.verify import verify
    from rolwh.release.write import freeze

    first = freeze(clean_warehouse, YEAR)
    v1 = first.path
    before = {p: p.read_bytes() for p in _files(v1)}

    with pytest.raises(FreezeError, match=rf"{YEAR} is already frozen \(v1.*needs a reason"):
        freeze(clean_warehouse, YEAR)
    assert not (v1.parent / "v2").exists()

    second = freeze(clean_warehouse, YEAR, reason="法院补录2024年12月结案", who="lead")

    assert second.version == "v2" and second.path == v1.parent / "v2"
    assert second.manifest["reason"] == "法院补录2024年12月结案"
    assert {p: p.read_bytes() for p in _files(v1)} == before
    result = verify(clean_warehouse, YEAR)
    assert result.ok and result.checked == ["v1", "v2"]
    listing = render_releases(clean_warehouse)
    assert "v1" in listing and "v2" in listing and "法院补录2024年12月结案" in listing and "lead" in listing


def test_freeze_is_refused_when_the_freeze_gate_blocks_and_writes_nothing(
    sql: Callable[..., None], clean_warehouse: Settings
) -> None:
    from rolwh.release.write import freeze

    sql("delete from audit.file_loads where feed = 'petitions' and export_date = date '2024-06-30'")

    with pytest.raises(GateBlocked, match="petitions: gap of 61 days between exports 20240531 and 20240731"):
        freeze(clean_warehouse, YEAR)
    year_dir = clean_warehouse.releases_dir / str(YEAR)
    assert not year_dir.exists() or list(year_dir.iterdir()) == []


def test_late_correction_changes_live_values_and_diff_never_the_release(
    sql: Callable[..., None], clean_warehouse: Settings
) -> None:
    import duckdb

    from rolwh.release.diff import diff_rows, render_diff
    from rolwh.release.frozen import frozen_release_vars
    from rolwh.release.verify import verify
    from rolwh.release.write import freeze
    from rolwh.transform.build import refresh_frozen

    release = freeze(clean_warehouse, YEAR)
    annual = release.path / "data" / "fct_indicator_annual.parquet"
    frozen_bytes = annual.read_bytes()

    # a late correction for 2024 reaches the live marts (the next nightly build)
    sql(
        "update marts.fct_indicator_annual set numerator = numerator + 3, value = value + 3"
        " where indicator_code = 'CR_RECEIVED' and community_code in ('ALL', 'JJ02')"
    )

    rows = {(r["indicator_code"], r["community_code"]): r for r in diff_rows(clean_warehouse, YEAR)}
    changed = rows[("CR_RECEIVED", "ALL")]
    assert changed["status"] == "changed" and changed["change"] == 3
    assert changed["live_value"] == changed["frozen_value"] + 3
    assert rows[("CR_RECEIVED", "JJ02")]["status"] == "changed"
    assert rows[("CR_RECEIVED", "JJ01")]["status"] == "same"
    report = render_diff(clean_warehouse, YEAR)
    assert "2 of 17 values differ" in report and "CR_RECEIVED" in report and "+3" in report
    # the release is untouched
    assert annual.read_bytes() == frozen_bytes
    assert verify(clean_warehouse, YEAR).ok

    # analysts read the frozen figures through the dbt model, with the version
    assert len(frozen_release_vars(clean_warehouse)) == 1
    assert refresh_frozen(clean_warehouse, frozen_release_vars(clean_warehouse))
    con = duckdb.connect(str(clean_warehouse.warehouse_path))
    try:
        frozen_value, version = con.execute(
            "select value, release_version from marts.fct_indicator_annual_frozen"
            " where indicator_code = 'CR_RECEIVED' and community_code = 'ALL'"
        ).fetchone()
        live_value = con.execute(
            "select value from marts.fct_indicator_annual"
            " where indicator_code = 'CR_RECEIVED' and community_code = 'ALL'"
        ).fetchone()[0]
    finally:
        con.close()
    assert version == "v1"
    assert frozen_value == changed["frozen_value"] and live_value == frozen_value + 3


def test_frozen_mart_is_empty_without_releases_and_follows_the_latest_version(
    clean_warehouse: Settings,
) -> None:
    """marts.fct_indicator_annual_frozen is a dbt model: built by dbt from the verified releases,
    rebuilt only when they change."""
    import duckdb

    from rolwh.release.frozen import frozen_release_vars
    from rolwh.release.write import freeze
    from rolwh.transform.build import refresh_frozen

    assert frozen_release_vars(clean_warehouse) == []
    assert refresh_frozen(clean_warehouse, [])
    assert not refresh_frozen(clean_warehouse, [])  # the same releases: dbt does not run again
    con = duckdb.connect(str(clean_warehouse.warehouse_path))
    try:
        assert con.execute("select count(*) from marts.fct_indicator_annual_frozen").fetchone() == (0,)
    finally:
        con.close()
    freeze(clean_warehouse, YEAR)
    freeze(clean_warehouse, YEAR, reason="second")
    assert refresh_frozen(clean_warehouse, frozen_release_vars(clean_warehouse))
    con = duckdb.connect(str(clean_warehouse.warehouse_path))
    try:
        assert con.execute(
            "select distinct release_version from marts.fct_indicator_annual_frozen"
        ).fetchall() == [("v2",)]
        kind = con.execute(
            "select table_type from information_schema.tables"
            " where table_name = 'fct_indicator_annual_frozen'"
        ).fetchone()
    finally:
        con.close()
    assert kind == ("BASE TABLE",)
