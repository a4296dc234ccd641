"""--scale K: K independent copies of the subdistrict with distinct keys, streamed into the same exports."""

from __future__ import annotations

from pathlib import Path

from rolwh.core.contracts import feed
from rolwh.demo_data import truth
from rolwh.demo_data.exports import write_feed
from rolwh.demo_data.targets import TARGETS_2024
from rolwh.demo_data.truth.court import court_referrals
from rolwh.demo_data.truth.training import staff
from tests.demo_data.conftest import SEED
from tests.demo_data.readback import parse_file


def test_blocks_have_distinct_keys_and_people() -> None:
    for name, gen in truth.GENERATORS.items():
        a, b = gen(SEED, 0), gen(SEED, 1)
        keys_a, keys_b = {r.key for r in a.records}, {r.key for r in b.records}
        assert len(keys_a) == len(a.records) and not keys_a & keys_b, name
        assert 0.85 < len(b.records) / len(a.records) < 1.15, name
    s0, s1 = staff(SEED, 0), staff(SEED, 1)
    assert not {s.number for s in s0} & {s.number for s in s1}
    assert not {s.id_number for s in s0} & {s.id_number for s in s1}


def _keys_in_files(name: str, folder: Path, files: dict) -> set:
    f = feed(name)
    return {
        tuple(r[k.removesuffix("_pid")] for k in f.key) + ((d,) if f.snapshot else ())
        for d, e in files.items()
        for r in parse_file(f, e.path)
    }


def test_scale_two_doubles_the_records_with_distinct_keys(tmp_path: Path) -> None:
    for name in ("court_referrals", "enforcement_officers", "study_sessions"):
        keys = {}
        for k in (1, 2):
            folder = tmp_path / f"{name}{k}"
            folder.mkdir()
            files, _, _ = write_feed(feed(name), folder, SEED, k)
            keys[k] = _keys_in_files(name, folder, files)
        gen = truth.GENERATORS[name]
        expected = len(gen(SEED, 0).records) + len(gen(SEED, 1).records)
        assert len(keys[2]) == expected and keys[1] < keys[2], name
        if name != "court_referrals":  # fixed calendars: exactly twice the records
            assert len(keys[2]) == 2 * len(keys[1]), name


def test_every_block_carries_the_2024_court_figures() -> None:
    for b in (0, 1, 2):
        cases = [r.latest for r in court_referrals(SEED, b).records]
        assert sum(c["referred_date"].year == 2024 for c in cases) == TARGETS_2024["CR_RECEIVED"]
