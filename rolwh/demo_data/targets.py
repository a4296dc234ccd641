"""The 2024 figures (community ALL) of the subdistrict's annual report: targets of the demo data only.

The pipeline never reads this module; the demo generator shapes its records so that the pipeline,
computing from the files, arrives at these numbers.
"""

from __future__ import annotations

from fractions import Fraction

#: Report year the targets describe.
YEAR = 2024

#: indicator code -> value (counts as int, ratios as exact fractions).
TARGETS_2024: dict[str, int | Fraction] = {
    "CR_RECEIVED": 476,
    "CR_SUCCESS": 130,
    "CR_CONCLUDED": 460,
    "CR_SUCCESS_RATE": Fraction(130, 460),
    "CR_PENDING_END": 16,
    "CR_DATA_REVIEW_SHARE": Fraction(39, 130),
    "DS_MAJOR_SCREENED": 195,
    "DS_REGISTERED": 8050,
    "DS_RESOLVED": 8050,
    "DS_RESOLUTION_RATE": Fraction(1),
    "DS_DOSSIERS": 907,
    "TR_PREMEETING_STUDY": 8,
    "TR_LAW_LECTURES": 2,
    "TR_GROUP_STUDY": 5,
    "TR_EXAM_PARTICIPATION_RATE": Fraction(1),
    "TR_ENFORCEMENT_EXAM_PASSED": 6,
    "TR_CERTIFIED_OFFICERS": 14,
    "TR_CERT_RATE": Fraction(1),
    "TR_MEDIATOR_TRAINING_PT": 230,
    # the hand-kept ledgers (issue 18): the report writes 50余, 30余, 10余, 200余 and 30000余
    "LA_CONTRACT_REVIEWS": 15,
    "LA_LEGAL_OPINIONS": 53,
    "LA_PHONE_CONSULTS": 120,
    "LA_VILLAGE_ADVISORS": 15,
    "LA_VILLAGE_ADVISOR_RATE": Fraction(1),
    "PB_THEME_EVENTS": 34,
    "PB_LECTURES": 12,
    "PB_BANNERS": 215,
    "PB_LEAFLETS": 30450,
    "PB_COURT_VISITS": 60,
}

#: The counts and the ratios apart, typed (the generators draw counts, and scale one by a ratio).
COUNTS_2024: dict[str, int] = {k: v for k, v in TARGETS_2024.items() if isinstance(v, int)}
RATIOS_2024: dict[str, Fraction] = {k: v for k, v in TARGETS_2024.items() if isinstance(v, Fraction)}

#: Mediator-training sessions of 2024: attendees per session (sum = TR_MEDIATOR_TRAINING_PT).
MEDIATOR_TRAINING_2024: tuple[int, ...] = (45, 38, 52, 40, 55)
assert sum(MEDIATOR_TRAINING_2024) == COUNTS_2024["TR_MEDIATOR_TRAINING_PT"]

#: The ledger rows of 2024 (rolwh.demo_data.truth.ledgers): the quantity of each row per figure, and
#: which rows a clerk wrote approximately (约N / N余: the file still says N).
LEDGER_2024: dict = {
    "contract_reviews": (2, 1, 2, 1, 3, 2, 1, 1, 2),
    "legal_opinions": (5, 3, 4, 6, 2, 10, 4, 3, 5, 4, 7),
    "approx_opinion": 10,
    "phone_consults": (8, 11, 9, 10, 12, 7, 10, 13, 9, 11, 10, 10),
    "approx_phone_month": 11,
    "village_advisors": 15,
    "theme_events": (3, 2, 4, 3, 2, 5, 3, 2, 4, 3, 3),
    "lectures": (1, 1, 2, 1, 1, 1, 2, 1, 1, 1),
    "banners": (60, 20, 25, 30, 20, 20, 40),
    "leaflets": (8000, 3000, 5000, 2450, 6000, 6000),
    "court_visits": (15, 12, 18, 15),
    # (activity type, row) -> mark
    "approx_publicity": {("悬挂宣传标语", 0): "余", ("发放宣传资料", 4): "约", ("主题法治宣传活动", 5): "约"},
}
for _code, _key in (
    ("LA_CONTRACT_REVIEWS", "contract_reviews"),
    ("LA_LEGAL_OPINIONS", "legal_opinions"),
    ("LA_PHONE_CONSULTS", "phone_consults"),
    ("PB_THEME_EVENTS", "theme_events"),
    ("PB_LECTURES", "lectures"),
    ("PB_BANNERS", "banners"),
    ("PB_LEAFLETS", "leaflets"),
    ("PB_COURT_VISITS", "court_visits"),
):
    assert sum(LEDGER_2024[_key]) == COUNTS_2024[_code], _code
assert LEDGER_2024["village_advisors"] == COUNTS_2024["LA_VILLAGE_ADVISORS"]
