"""The demo landing area: every feed, several exports, same bytes for the same seed, every kind of dirt."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest

from rolwh.core.contracts import FEEDS, feed, normalise_header
from rolwh.demo_data import generate
from rolwh.demo_data.people import is_valid_id
from tests.demo_data.conftest import SEED
from tests.demo_data.readback import parse_file, read_rows


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _cells(landing: Path, name: str) -> list[list[object]]:
    rows = []
    for p in sorted((landing / name).iterdir()):
        if p.suffix in (".xlsx", ".csv") and parse_file(feed(name), p) is not None:
            rows.extend(read_rows(p))
    return rows


def _texts(landing: Path, name: str) -> list[str]:
    return [c for r in _cells(landing, name) for c in r if isinstance(c, str)]


def test_same_seed_gives_byte_identical_files(landing: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", seed=SEED, scale=1)
    assert _digest(tmp_path / "again") == _digest(landing)


def test_other_seed_gives_other_files(tmp_path: Path, landing: Path) -> None:
    from rolwh.demo_data.exports import write_feed

    (tmp_path / "s").mkdir()
    write_feed(feed("study_sessions"), tmp_path / "s", SEED + 1, 1)
    other = {p.name: p.read_bytes() for p in (tmp_path / "s").iterdir()}
    assert any(other[n] != (landing / "study_sessions" / n).read_bytes() for n in other)


@pytest.mark.parametrize("name", [f.name for f in FEEDS])
def test_every_feed_has_several_dated_exports(landing: Path, name: str) -> None:
    names = [p.name for p in (landing / name).iterdir() if re.search(r"_\d{8}\.(xlsx|csv)$", p.name)]
    assert len(names) >= 5
    prefix = feed(name).example_file_name.rsplit("_", 1)[0]
    assert all(n.startswith(prefix) for n in names)


def test_formats_and_encodings_follow_the_contract(landing: Path) -> None:
    dispatch = next((landing / "dispatch_events").glob("*.csv")).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        dispatch.decode("utf-8")
    assert "事件编号" in dispatch.decode("gb18030")
    exam = next((landing / "exam_results").glob("*.csv")).read_bytes()
    assert exam.startswith(b"\xef\xbb\xbf")
    suffixes = {p.suffix for p in (landing / "petitions").glob("*_????????.*")}
    assert {".csv", ".xlsx"} <= suffixes


def test_headers_title_rows_and_footers_are_dirty(landing: Path) -> None:
    raw_headers = set()
    first_cells = []
    for p in sorted((landing / "court_referrals").glob("*_????????.xlsx")):
        rows = read_rows(p)
        first_cells.append(str(rows[0][0]))
        raw_headers.update(str(c) for r in rows[:3] for c in r)
        first_cells.extend(str(r[0]) for r in rows[-4:] if r)
    assert any(h == "标的金额（元）" for h in raw_headers)
    assert any("\n" in h for h in raw_headers) and any(re.search(r"\S[ \u3000]+\S", h) for h in raw_headers)
    assert any(
        c.startswith("诉前调解案件导出(截至") or c.startswith("委托诉前调解案件导出(截至")
        for c in first_cells
    )
    assert any(c.startswith("合计") for c in first_cells) and any(c.startswith("制表人") for c in first_cells)
    assert any(c.startswith("备注") for c in first_cells)
    assert "承办法院" in raw_headers  # schema drift: an unknown extra column


def test_every_date_format_occurs(landing: Path) -> None:
    cells = [c for name in ("court_referrals", "disputes") for r in _cells(landing, name) for c in r]
    texts = [c for c in cells if isinstance(c, str)]
    patterns = {
        "iso": r"^2024-\d\d-\d\d$",
        "slash": r"^202\d/\d{1,2}/\d{1,2}$",
        "dot": r"^202\d\.\d{1,2}\.\d{1,2}$",
        "zh": r"^202\d年\d{1,2}月\d{1,2}日$",
        "compact": r"^202\d[01]\d[0-3]\d$",
        "fullwidth": r"^２０２",
        "hh:mm": r" \d\d:\d\d$",
        "hh:mm:ss": r" \d\d:\d\d:\d\d$",
        "thousands": r"^\d{1,3}(,\d{3})+\.\d\d$",
    }
    for label, pattern in patterns.items():
        assert any(re.search(pattern, t) for t in texts), label
    assert any(isinstance(c, date | datetime) for c in cells)  # real Excel date cells
    serials = [c for r in _cells(landing, "court_referrals") for c in r[1:2] if isinstance(c, int | float)]
    assert serials and all(40000 < s < 50000 for s in serials)  # serial numbers as numbers


def test_communities_grids_ids_and_phones_are_spelled_every_way(landing: Path) -> None:
    texts = _texts(landing, "disputes") + _texts(landing, "court_referrals")
    for marker in ("居民委员会", "居委会", "村民委员会", "村委会", "重庆市", "\u3000", "几江街道办事处"):
        assert any(marker in t for t in texts), marker
    grids = _texts(landing, "dispatch_events")
    assert any(re.fullmatch(r".+社区第\d网格", g) for g in grids) and any(
        re.fullmatch(r".+村\d网格", g) for g in grids
    )
    ids = [t for t in texts if re.fullmatch(r"\d{14}[\dxX]{1,4}", t)]
    assert any(t.endswith("x") for t in ids) and any(len(t) == 15 for t in ids)
    assert any(len(t) == 18 and not is_valid_id(t) for t in ids)
    assert sum(is_valid_id(t) for t in ids) > 0.9 * len(ids)
    assert any(re.fullmatch(r"1\d\d\*{4}\d{4}", t) for t in texts) and any(t.startswith("+86") for t in texts)
    assert any("、" in t and re.search(r"\d{17}", t) for t in texts)
    assert any("，" in t and re.search(r"\d{17}", t) for t in texts)


def test_case_numbers_are_full_width_in_one_export_and_half_width_in_another(landing: Path) -> None:
    keys: dict[str, set[str]] = {}
    for p in sorted((landing / "court_referrals").glob("*_????????.xlsx")):
        for r in read_rows(p):
            if r and isinstance(r[0], str) and "民诉前调" in r[0]:
                keys.setdefault(unicodedata.normalize("NFKC", r[0]), set()).add(r[0])
    assert any(len(spellings) == 2 for spellings in keys.values())


def test_duplicates_blank_rows_versions_and_voids(landing: Path) -> None:
    dup = blank = False
    for p in sorted((landing / "disputes").glob("*_????????.xlsx")):
        rows = [tuple(map(str, r)) for r in read_rows(p)]
        data = [r for r in rows if r[0].startswith("JF")]
        dup |= len(set(data)) < len(data)
        blank |= any(all(c.strip() == "" for c in r) for r in rows)
    assert dup and blank
    assert (landing / "disputes" / "矛盾纠纷台账_20240630(1).xlsx").read_bytes() == (
        landing / "disputes" / "矛盾纠纷台账_20240630.xlsx"
    ).read_bytes()
    states: dict[str, set[str]] = {}
    d = feed("disputes")
    for p in sorted((landing / "disputes").glob("*_????????.xlsx")):
        for r in parse_file(d, p) or []:
            states.setdefault(r["dispute_no"], set()).add(r["resolution_status"])
    assert sum(s == {"化解中", "已化解"} for s in states.values()) > 100
    texts = _texts(landing, "disputes")
    assert "作废" in texts and "未化解" in texts
    assert "已退回" in _texts(landing, "dispatch_events")


def test_broken_files_are_quarantined_and_rejects_stay_under_a_fifth(landing: Path) -> None:
    broken = {
        "court_referrals": "诉前调解案件导出_最新.xlsx",
        "petitions": "信访事项导出_20240415.csv",
        "disputes": "矛盾纠纷台账_20240715.xlsx",
        "study_sessions": "学法活动_20240630_补报.xlsx",
    }
    for name, file in broken.items():
        assert parse_file(feed(name), landing / name / file) is None, file
    assert (landing / "petitions" / "信访事项导出_20240531.xls").exists()
    assert (landing / "disputes" / "矛盾纠纷台账_20240815.txt").exists()
    rejected = 0
    for f in FEEDS:
        for p in sorted((landing / f.name).glob("*_????????.*")):
            if p.suffix in (".xlsx", ".csv") and p not in {landing / n / b for n, b in broken.items()}:
                assert parse_file(f, p) is not None, p.name  # stays under 20 % rejected
                rows = read_rows(p)
                rejected += sum(
                    1 for r in rows if r and str(r[0]).startswith(("JF2024090", "JF2025090", "SJ2024090"))
                )
    assert rejected >= 6


def test_headers_come_from_the_contract(landing: Path) -> None:
    for f in FEEDS:
        p = sorted((landing / f.name).glob("*_????????.*"))[0]
        rows = read_rows(p)
        headers = next(
            r
            for r in rows
            if "".join(map(str, r)).count("") and set(f.required_headers) <= {normalise_header(c) for c in r}
        )
        assert [normalise_header(c) for c in headers[: len(f.columns)]] == [c.header for c in f.columns]
