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
}

#: The counts and the ratios apart, typed (the generators draw counts, and scale one by a ratio).
COUNTS_2024: dict[str, int] = {k: v for k, v in TARGETS_2024.items() if isinstance(v, int)}
RATIOS_2024: dict[str, Fraction] = {k: v for k, v in TARGETS_2024.items() if isinstance(v, Fraction)}

#: Mediator-training sessions of 2024: attendees per session (sum = TR_MEDIATOR_TRAINING_PT).
MEDIATOR_TRAINING_2024: tuple[int, ...] = (45, 38, 52, 40, 55)
assert sum(MEDIATOR_TRAINING_2024) == COUNTS_2024["TR_MEDIATOR_TRAINING_PT"]
