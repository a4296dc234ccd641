"""Finding the header row of an export and mapping its cells to the contract's columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ingest.quarantine import Quarantine
from rolwh.core.contracts import HEADER_SEARCH_ROWS, Feed, normalise_header


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
                f"schema drift: {len(self.extra)} unknown column(s) ignored, at column(s) "
                + ", ".join(column_letter(i) for i in self.extra)
            )
        if self.absent_optional:
            parts.append("optional columns absent (stored as NULL): " + ", ".join(self.absent_optional))
        if self.duplicated:
            parts.append("columns repeated (the first is used): " + ", ".join(self.duplicated))
        return "; ".join(parts) or None


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
        raise Quarantine("no rows: the file has no header row")
    _, row_number, cells = best
    missing = [h for h in required if h not in set(cells)]
    raise Quarantine(
        f"missing required column(s): {', '.join(missing)}; best candidate row {row_number} of the first "
        f"{HEADER_SEARCH_ROWS} has {sum(1 for c in cells if c)} non-blank cell(s), "
        f"{_contract_headers_in(cells, known)}"
    )


def _contract_headers_in(cells: Sequence[str], known: dict) -> str:
    """How many cells are contract headers, named by the contract (never a cell's own text)."""
    names = list(dict.fromkeys(known[c].header for c in cells if c in known))
    return f"{len(names)} of them contract headers" + (f" ({', '.join(names)})" if names else "")


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
