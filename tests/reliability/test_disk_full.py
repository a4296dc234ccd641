"""ROLWH_HOME on a small tmpfs that fills up mid-run: a clear message, the old publication and the
releases intact, and after freeing space the re-run ends as if nothing had happened."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability import crash
from tests.reliability.conftest import copy_home, rolwh
from tests.reliability.crash import Reference

pytestmark = pytest.mark.slow

SIZE = "160m"  # the filler takes all but LEAVE_FREE; after it is deleted the re-run has room
#: Space left free for the run: enough to start, far too little for a new month, dbt and a version.
LEAVE_FREE = 3 * 2**20


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0755", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(
            f"DISK-FULL TEST SKIPPED: cannot mount a {SIZE} tmpfs at {mnt} "
            f"(needs root or CAP_SYS_ADMIN): {proc.stderr.strip() or proc.returncode}"
        )
    try:
        yield mnt
    finally:
        if subprocess.run(["umount", str(mnt)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True, check=False)


def _fill(mnt: Path, leave: int) -> Path:
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize
    filler = mnt / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.posix_fallocate(fd, 0, max(0, free - leave))
    finally:
        os.close(fd)
    return filler


def test_disk_full_mid_run_fails_clearly_and_keeps_publication_and_releases(
    crash_reference: Reference, tmpfs: Path
) -> None:
    ref = crash_reference
    s = copy_home(ref.old.home, tmpfs / "home")
    crash.add_files(ref.delta, s.landing)
    filler = _fill(tmpfs, LEAVE_FREE)

    proc = rolwh(s, "run", "--quiet", ROLWH_LANG="en")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 7, out[-3000:]  # EnvironmentFault
    assert "disk full while writing" in out and "free space" in out, out[-3000:]
    assert "Traceback" not in out, out[-3000:]
    assert crash.serving_state(s) == ref.old_serving  # readers still see the previous publication
    checked = crash.verify(s)
    assert checked.returncode == 0, checked.stdout
    assert crash.release_data(s, "v1") == ref.v1_data

    filler.unlink()  # what the message says: free space and re-run
    crash.ok(rolwh(s, "run", "--quiet"), "re-run after freeing space")
    assert crash.indicator_marts(s) == ref.new_marts
    # the audit's reasons and notices are in the language of the run that wrote them (English for the
    # files of the run above, Chinese in the reference): compare every raw row and each file's outcome
    have, want = crash.raw_and_audit(s), ref.new_raw_audit
    assert {k: v for k, v in have.items() if k.startswith("raw.")} == {
        k: v for k, v in want.items() if k.startswith("raw.")
    }
    assert [r[:4] for r in have["audit.file_loads"]] == [r[:4] for r in want["audit.file_loads"]]
    assert len(have["audit.rejected_rows"]) == len(want["audit.rejected_rows"])
    assert crash.serving_state(s) == ref.new_serving
