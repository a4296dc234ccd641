"""Personal data and the key in every position of every feed, in headerless and broken files, and
a symbolic link to the key file: after the real `rolwh run` (ingest, build, gate, publish) no value
is in any artefact: the working warehouse, the serving DuckDB file, its Parquet copies, the
quarantine reason notes, logs, or the console.

The delivered files themselves (landing area, quarantined originals) hold the values by design and
are not scanned; the notes beside the originals are.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from rolwh.core.contracts import FEEDS
from rolwh.core.settings import Settings
from tests.conftest import TEST_KEY
from tests.ingest.conftest import VALID_ID, VALID_ID_2, write_csv, write_xlsx
from tests.reliability.conftest import OLD_MONTHS, rolwh, small_landing
from tests.reliability.test_pii_everywhere import scan_artefacts
from tests.support.pii import scan_files

pytestmark = pytest.mark.slow

NAMES = ("龚翀翀", "蔺璎璎")
PHONES = ("13987654321", "15812345670")
PASSWD = "root:x:0:0:root:/root:/bin/bash"
#: every value, rotated through every column position of every row
VALUES = (NAMES[0], VALID_ID, PHONES[0], TEST_KEY, PASSWD, NAMES[1], VALID_ID_2, PHONES[1])
NEEDLES = {*NAMES, *PHONES, VALID_ID, VALID_ID_2, TEST_KEY, TEST_KEY.encode().hex(), "root:x:0:0"}
NOTE = ".reason.txt"


def pii_grid(width: int) -> list[list[str]]:
    """len(VALUES) rows of ``width`` cells: each value once in every column position."""
    return [[VALUES[(r + c) % len(VALUES)] for c in range(width)] for r in range(len(VALUES))]


def hostile_files(settings: Settings, tmp_path: Path) -> list[str]:
    """Headerless, header-plus-garbage and mixed-line-end files of every feed; a symlink to the key
    file and a FIFO. Returns the delivered names."""
    names = []
    for f in FEEDS:
        folder = settings.landing / f.name
        folder.mkdir(parents=True, exist_ok=True)
        grid = pii_grid(len(f.columns) + 2)
        header = [c.header for c in f.columns] + list(VALUES[:2])  # unknown header cells: values
        mixed = "\r\n".join(",".join(r) for r in grid[:3]) + "\r" + "\n".join(",".join(r) for r in grid[3:])
        base = folder / f.name
        write_csv(Path(f"{base}_20240115_headerless.csv"), grid)
        write_xlsx(Path(f"{base}_20240116_headerless.xlsx"), grid)
        write_csv(Path(f"{base}_20240117_garbage_rows.csv"), [header, *grid])
        write_xlsx(Path(f"{base}_20240118_garbage_rows.xlsx"), [header, *grid])
        Path(f"{base}_20240119_mixed_line_ends.csv").write_text(mixed + "\n", encoding="utf-8")
        names += [p.name for p in folder.iterdir() if p.name.startswith(f"{f.name}_2024011")]
    key_file = tmp_path / "secrets" / "pseudonym.key"
    key_file.parent.mkdir()
    key_file.write_text(TEST_KEY + "\n")
    os.chmod(key_file, 0o600)
    (settings.landing / "petitions" / "petitions_20240120_key.csv").symlink_to(key_file)
    (settings.landing / "disputes" / "disputes_20240121_passwd.csv").symlink_to("/etc/passwd")
    os.mkfifo(settings.landing / "court_referrals" / "court_referrals_20240122_fifo.csv")
    names += [
        "petitions_20240120_key.csv",
        "disputes_20240121_passwd.csv",
        "court_referrals_20240122_fifo.csv",
    ]
    return names


def artefacts(home: Path) -> list[Path]:
    """Every file rolwh wrote under the home: all but the landing area and quarantined originals."""
    out = []
    for p in home.rglob("*"):
        if p.is_symlink() or not p.is_file() or "landing" in p.relative_to(home).parts:
            continue
        if "quarantine" in p.relative_to(home).parts and not (
            p.name.endswith(NOTE) and os.path.lexists(p.with_name(p.name[: -len(NOTE)]))
        ):
            continue  # a quarantined original, as delivered
        out.append(p)
    return out


def test_no_value_of_a_hostile_file_reaches_any_artefact(
    settings: Settings, tmp_path: Path, demo_landing: Path
) -> None:
    assert small_landing(demo_landing, settings.landing, OLD_MONTHS)
    hostile = hostile_files(settings, tmp_path)
    assert len(hostile) == 5 * len(FEEDS) + 3

    proc = rolwh(settings, "run", "--quiet", timeout=1500)
    # 5: published, needs attention (the hostile files are quarantined)
    assert proc.returncode == 5, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        status = dict(
            con.execute(
                "select file_name, status from audit.file_loads where file_name in (select unnest(?::varchar[]))",
                [hostile],
            ).fetchall()
        )
        loaded = con.execute("select count(*) from audit.file_loads where status = 'loaded'").fetchone()[0]
    finally:
        con.close()
    assert status == {n: "quarantined" for n in hostile}
    assert loaded > 10  # the demo months were loaded and published beside them

    files = artefacts(settings.home)
    kinds = {p.suffix for p in files}
    assert {".duckdb", ".parquet", ".txt"} <= kinds, kinds
    assert sum(p.name.endswith(NOTE) for p in files) >= len(hostile)
    assert any("serving" in p.parts and p.suffix == ".duckdb" for p in files)

    hits = scan_artefacts(files, NEEDLES)
    hits += scan_files([p for p in files if p.suffix == ".duckdb"], NEEDLES)  # the key would be plain bytes
    hits += [f"console: {n}" for n in NEEDLES if n in proc.stdout + proc.stderr]
    assert hits == [], hits[:40]
