"""The community list the demo spreads records over (the dbt seed), and how clerks spell them."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from functools import cache

from rolwh.core.settings import DBT_PROJECT_DIR

SEED_FILE = DBT_PROJECT_DIR / "seeds" / "communities.csv"
UNKNOWN = "UNKNOWN"
#: Spellings no community matches (the pipeline files them under UNKNOWN).
UNMATCHABLE = ("几江街道办事处", "江津区鼎山街道", "外地", "滨江新城小区", "不详")


@dataclass(frozen=True)
class Community:
    code: str
    name_zh: str
    kind: str  # 社区 | 村
    aliases: tuple[str, ...]

    @property
    def bare(self) -> str:
        """The name without its 社区/村."""
        return self.name_zh.removesuffix(self.kind)


@cache
def communities() -> tuple[Community, ...]:
    with SEED_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(
        Community(
            r["community_code"], r["name_zh"], r["kind"], tuple(a for a in r["aliases"].split("|") if a)
        )
        for r in rows
    )


def by_code(code: str) -> Community:
    return next(c for c in communities() if c.code == code)


def pick(rng: random.Random, unknown_share: float = 0.015) -> str:
    """A community code (weighted: town communities busier than villages) or UNKNOWN."""
    if rng.random() < unknown_share:
        return UNKNOWN
    items = communities()
    weights = [3 if c.kind == "社区" else 1.5 for c in items]
    return rng.choices(items, weights)[0].code


def spell(rng: random.Random, code: str) -> str:
    """How a clerk writes the community: prefixes, suffixes, aliases, full-width spaces."""
    if code == UNKNOWN:
        return rng.choice(UNMATCHABLE)
    c = by_code(code)
    r = rng.random()
    if r < 0.55:
        text = c.name_zh
    elif r < 0.7:
        text = c.bare
    elif r < 0.8:
        text = c.bare + ("居民委员会" if c.kind == "社区" else "村民委员会")
    elif r < 0.88:
        text = c.bare + ("居委会" if c.kind == "社区" else "村委会")
    elif r < 0.94:
        text = (
            rng.choice(("重庆市江津区几江街道", "江津区", "几江街道", "重庆市 江津区 几江街道 ")) + c.name_zh
        )
    else:
        text = c.name_zh[:1] + "\u3000" + c.name_zh[1:]
    return text


def grid(rng: random.Random, code: str, number: int) -> str:
    """A grid name such as 东门社区第3网格 or 长冲村2网格."""
    if code == UNKNOWN:
        return rng.choice(("滨江新城第1网格", "临时网格", "鼎山第2网格"))
    c = by_code(code)
    base = c.name_zh if rng.random() < 0.85 else c.bare
    return f"{base}第{number}网格" if rng.random() < 0.6 else f"{base}{number}网格"
