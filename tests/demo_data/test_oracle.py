"""The demo's truth, and the files read back, reproduce the 2024 report figures."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rolwh.core.contracts import feed
from rolwh.demo_data import truth
from rolwh.demo_data.communities import communities
from rolwh.demo_data.targets import TARGETS_2024
from rolwh.demo_data.truth.records import FeedBlock
from tests.demo_data import oracle
from tests.demo_data.conftest import SEED
from tests.demo_data.readback import export_date, parse_file


def _truth_latest(fb: FeedBlock, has_updated_at: bool = True) -> list[dict]:
    rows = []
    for rec in fb.records:
        for order, v in enumerate(rec.versions):
            t = v.values.get("updated_at") if has_updated_at else None
            rows.append((rec.key, (t, max(v.exports), order), v.values))
    return list(oracle.latest(rows).values())


def test_truth_reproduces_every_2024_report_figure() -> None:
    b = truth.block(SEED, 0)
    roster: dict = defaultdict(list)
    for rec in b["enforcement_officers"].records:
        roster[rec.key[0]].append(rec.latest)
    advisors: dict = defaultdict(list)
    for rec in b["village_legal_advisors"].records:
        advisors[rec.key[0]].append(rec.latest)
    figures = {
        **oracle.ledgers(
            _truth_latest(b["legal_advisor_services"]),
            advisors,
            _truth_latest(b["publicity_activities"]),
            len(communities()),
        ),
        **oracle.court(_truth_latest(b["court_referrals"])),
        **oracle.disputes(_truth_latest(b["disputes"])),
        **oracle.training(
            _truth_latest(b["study_sessions"], False), _truth_latest(b["exam_results"], False), roster
        ),
    }
    assert figures == TARGETS_2024


def test_truth_has_voided_records_outside_the_figures() -> None:
    b = truth.block(SEED, 0)
    voided = [r for r in b["disputes"].records if r.latest["record_status"] == "作废"]
    assert len(voided) >= 20
    assert any(
        r.latest["resolution_status"] == "已化解" and r.latest["registered_date"].year == 2024 for r in voided
    )
    assert any(r.latest["record_status"] == "作废" for r in b["petitions"].records)


def _read_latest(landing: Path, name: str) -> list[dict]:
    f = feed(name)
    rows = []
    for path in sorted((landing / name).iterdir()):
        parsed = parse_file(f, path)
        if parsed is None:
            continue
        for order, r in enumerate(parsed):
            key = tuple(r[k] for k in f.key)
            rows.append((key, (r.get("updated_at"), export_date(path), path.name, order), r))
    return list(oracle.latest(rows).values())


def test_files_read_back_give_the_report_figures(landing: Path) -> None:
    court = oracle.court(_read_latest(landing, "court_referrals"))
    disputes = oracle.disputes(_read_latest(landing, "disputes"))
    roster: dict = defaultdict(list)
    f = feed("enforcement_officers")
    for path in sorted((landing / "enforcement_officers").iterdir()):
        roster[export_date(path)].extend(parse_file(f, path) or [])
    sessions = _read_latest(landing, "study_sessions")
    exams_f = feed("exam_results")
    exams = [r for p in sorted((landing / "exam_results").iterdir()) for r in parse_file(exams_f, p) or []]
    training = oracle.training(sessions, exams, roster)
    advisors: dict = defaultdict(list)
    f = feed("village_legal_advisors")
    for path in sorted((landing / "village_legal_advisors").iterdir()):
        advisors[export_date(path)].extend(parse_file(f, path) or [])
    ledgers = oracle.ledgers(
        _read_latest(landing, "legal_advisor_services"),
        advisors,
        _read_latest(landing, "publicity_activities"),
        len(communities()),
    )
    got = {**court, **disputes, **training, **ledgers}
    assert got == TARGETS_2024
