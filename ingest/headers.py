"""Finding the header row of an export and mapping its cells to the contract's columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ingest.quarantine import Quarantine
from rolwh.core.contracts import HEADER_SEARCH_ROWS, Feed, normalise_header
from rolwh.core.i18n import _


@dataclass(frozen=True)
class HeaderMatch:
    """Where the header is and which grid column holds each contract column."""

    row_number: int  # grid row number of the header row
    positions: dict[str, int]  # contract column name -> grid column index
    extra: tuple[int, ...]  # grid column indexes of non-blank header cells the contract does not know (drift)
    absent_optional: tuple[str, ...]  # optional contract headers the file does not have
    duplicated: tuple[str, ...]  # contract headers found more than once (the first one is used)

    def notices(self) -> str | None:
        parts = []
        if self.extra:
            parts.append(
                _("schema drift: {n} unknown column(s) ignored, at column(s) {columns}").format(
                    n=len(self.extra), columns=", ".join(column_letter(i) for i in self.extra)
                )
            )
        if self.absent_optional:
            parts.append(
                _("optional columns absent (stored as NULL): {headers}").format(
                    headers=", ".join(self.absent_optional)
                )
            )
        if self.duplicated:
            parts.append(
                _("columns repeated (the first is used): {headers}").format(
                    headers=", ".join(self.duplicated)
                )
            )
        return _("; ").join(parts) or None


def find_header(feed: Feed, rows: Sequence[tuple[int, Sequence[str | None]]]) -> HeaderMatch:
    """The first of the leading rows holding every required header, else Quarantine naming the
    missing required columns and the shape of the best candidate row (never its cells' text).

    ``rows`` are (row number, cells) of the grid's first rows, in order.
    """
    known = feed.headers
    required = feed.required_headers
    best: tuple[int, int, list[str]] | None = None  # (matches, row number, cells)
    for row_number, cells in list(rows)[:HEADER_SEARCH_ROWS]:
        normalised = [normalise_header(c) for c in cells]
        present = set(normalised)
        hits = sum(h in present for h in required)
        if hits == len(required):
            return _match(feed, row_number, normalised, known)
        if best is None or hits > best[0]:
            best = (hits, row_number, normalised)
    if best is None:
        raise Quarantine(_("no rows: the file has no header row; re-export the file with its header"))
    row_number, cells = best[1], best[2]
    missing = [h for h in required if h not in set(cells)]
    raise Quarantine(
        _(
            "missing required column(s): {missing}; best candidate row {row} of the first {searched} "
            "has {cells} non-blank cell(s), {found}; export the file with every column of the contract, "
            "headed as the contract names them"
        ).format(
            missing=", ".join(missing),
            row=row_number,
            searched=HEADER_SEARCH_ROWS,
            cells=sum(1 for c in cells if c),
            found=_contract_headers_in(cells, known),
        )
    )


def _contract_headers_in(cells: Sequence[str], known: dict) -> str:
    """How many cells are contract headers, named by the contract (never a cell's own text)."""
    names = list(dict.fromkeys(known[c].header for c in cells if c in known))
    if not names:
        return _("{n} of them contract headers").format(n=0)
    return _("{n} of them contract headers ({headers})").format(n=len(names), headers=", ".join(names))


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _match(feed: Feed, row_number: int, cells: list[str], known: dict) -> HeaderMatch:
    positions: dict[str, int] = {}
    extra: list[int] = []
    duplicated: list[str] = []
    for i, cell in enumerate(cells):
        if not cell:
            continue
        col = known.get(cell)
        if col is None:
            extra.append(i)
        elif col.name in positions:
            duplicated.append(col.header)
        else:
            positions[col.name] = i
    absent = tuple(c.header for c in feed.columns if c.name not in positions and not c.required)
    return HeaderMatch(row_number, positions, tuple(extra), absent, tuple(duplicated))
