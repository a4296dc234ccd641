"""The demo's ground truth: every record of one block, in all its versions, before any file is written.

A block is the whole subdistrict for 2024-01 to 2025-03. Block 0 at scale 1 reproduces the 2024
report figures (:mod:`rolwh.demo_data.targets`); block ``b`` is an independent copy with distinct
keys, people and ID numbers. Each feed draws from its own random stream ``(seed, block, feed)``,
so a feed can be regenerated alone, block by block, without holding the others.

One module per feed family: :mod:`.court` (court referrals), :mod:`.grievances` (disputes and
petitions), :mod:`.command_centre` (dispatch events), :mod:`.training` (study sessions, exams, the
officer roster), :mod:`.ledgers` (the hand-kept legal advisor and publicity ledgers); :mod:`.records` holds what they share. A new feed adds its generator to a family
module (or a new one) and to ``GENERATORS``.
"""

from __future__ import annotations

from collections.abc import Callable

from rolwh.demo_data.truth.command_centre import dispatch_events
from rolwh.demo_data.truth.court import court_referrals
from rolwh.demo_data.truth.grievances import disputes, petitions
from rolwh.demo_data.truth.ledgers import legal_advisor_services, publicity_activities, village_legal_advisors
from rolwh.demo_data.truth.records import FeedBlock
from rolwh.demo_data.truth.training import enforcement_officers, exam_results, study_sessions

GENERATORS: dict[str, Callable[[int, int], FeedBlock]] = {
    "court_referrals": court_referrals,
    "petitions": petitions,
    "disputes": disputes,
    "dispatch_events": dispatch_events,
    "study_sessions": study_sessions,
    "exam_results": exam_results,
    "enforcement_officers": enforcement_officers,
    "legal_advisor_services": legal_advisor_services,
    "village_legal_advisors": village_legal_advisors,
    "publicity_activities": publicity_activities,
}


def block(seed: int, block_no: int) -> dict[str, FeedBlock]:
    """Every feed's truth for one block (the oracle's view; the writer goes feed by feed)."""
    return {name: gen(seed, block_no) for name, gen in GENERATORS.items()}
