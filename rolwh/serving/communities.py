"""``--community``: a community given by code or by name, resolved against the published marts.

``JJ01``, ``jj01``, ``东门社区`` and ``东门`` all name the same community: the text is compared after
NFKC and case folding, first whole (code or name), then as a prefix that must fit exactly one. A
miss or an ambiguity is a usage error (exit 2) that lists the valid codes with their names.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rolwh.core.console import safe
from rolwh.core.errors import UsageError
from rolwh.core.i18n import _

if TYPE_CHECKING:
    import duckdb

#: Every community the marts know: the dimension's rows and any code the facts hold (ALL, UNKNOWN).
_COMMUNITIES_SQL = """
select community_code, max(name_zh) as name_zh
from (
    select community_code, name_zh from marts.dim_community
    union all
    select distinct community_code, null from marts.fct_indicator_annual
)
group by community_code
order by community_code
"""


@dataclass(frozen=True)
class Community:
    code: str
    name: str | None

    def label(self) -> str:
        return f"{self.code} {self.name}" if self.name else self.code


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def communities(con: duckdb.DuckDBPyConnection) -> list[Community]:
    """The communities of the marts ``con`` reads, by code."""
    return [Community(str(code), name) for code, name in con.execute(_COMMUNITIES_SQL).fetchall()]


def match_community(known: list[Community], given: str) -> Community:
    """The one community of ``known`` that ``given`` names (code or name, whole or a unique prefix);
    :class:`UsageError` listing ``known`` otherwise."""
    key = _key(given)
    for whole in (True, False):
        found = [
            c
            for c in known
            if key
            and any(
                (_key(text) == key) if whole else _key(text).startswith(key)
                for text in (c.code, c.name or "")
                if text
            )
        ]
        if len(found) == 1:
            return found[0]
        if len(found) > 1 and whole is False:
            raise UsageError(
                _("--community {given!r} fits more than one: {found}. Valid: {valid}").format(
                    given=safe(given),
                    found=", ".join(c.label() for c in found),
                    valid="; ".join(c.label() for c in known),
                )
            )
    raise UsageError(
        _("--community {given!r} is no known community. Valid: {valid}").format(
            given=safe(given), valid="; ".join(c.label() for c in known)
        )
    )


def resolve_community(con: duckdb.DuckDBPyConnection, given: str) -> Community:
    """The community ``given`` names, among those of the marts ``con`` reads."""
    return match_community(communities(con), given)
