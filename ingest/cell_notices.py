"""Audit notices of what the parse changed in a file's cells: invisible characters removed, personal
data masked in free text, approximate quantities (约N / N余) taken as their number (rolwh.core.contracts
docstring). Shape only: counts, row numbers and contract headers, never a value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.parse_sql import ParsePlan
from rolwh.core.contracts import ID_MASK, PHONE_MASK
from rolwh.core.i18n import _, ngettext
from rolwh.core.sql import literal as q

if TYPE_CHECKING:
    import duckdb

#: At most this many row numbers are listed in a notice (then "…").
ROWS_LISTED = 10


def cell_notices(con: duckdb.DuckDBPyConnection, parsed: str, plan: ParsePlan) -> list[str]:
    """The notices for the data rows (not skipped) of the parse table ``parsed`` (our own name)."""
    notices: list[str] = []
    kinds = [[flag for flag, *_ in flags] for flags in (plan.cleaned, plan.masked, plan.approximate)]
    # the usual case: no column could change (ParsePlan has no flags), or no cell did
    if not any(kinds) or not any(_any_flag(con, parsed, kinds)):
        return notices
    cleaned = _changed(con, parsed, kinds[0], [])
    if cleaned is not None:
        cells, rows, per_flag, _counts = cleaned
        notices.append(
            ngettext(
                "invisible characters removed from {n} cell ({where})",
                "invisible characters removed from {n} cells ({where})",
                cells,
            ).format(n=cells, where=_where(rows, plan.cleaned, per_flag))
        )
    tokens = [(column, mask) for _, _, column in plan.masked for mask in (ID_MASK, PHONE_MASK)]
    masked = _changed(con, parsed, [flag for flag, _, _ in plan.masked], tokens)
    if masked is not None:
        cells, rows, per_flag, counts = masked
        ids, phones = sum(counts[0::2]), sum(counts[1::2])
        notices.append(
            _("personal data masked in free text: {ids}, {phones} in {cells} ({where})").format(
                ids=ngettext("{n} ID number", "{n} ID numbers", ids).format(n=ids),
                phones=ngettext("{n} mobile number", "{n} mobile numbers", phones).format(n=phones),
                cells=ngettext("{n} cell", "{n} cells", cells).format(n=cells),
                where=_where(rows, plan.masked, per_flag),
            )
        )
    approximate = _changed(con, parsed, kinds[2], [])
    if approximate is not None:
        cells, rows, per_flag, _counts = approximate
        notices.append(
            ngettext(
                "approximate quantities (约N / N余) taken as their number and flagged in {n} cell ({where})",
                "approximate quantities (约N / N余) taken as their number and flagged in {n} cells ({where})",
                cells,
            ).format(n=cells, where=_where(rows, plan.approximate, per_flag))
        )
    return notices


def _any_flag(con: duckdb.DuckDBPyConnection, parsed: str, kinds: list[list[str]]) -> tuple[bool, ...]:
    """For each list of flag columns: whether any data row has one of them set."""
    anys = ", ".join(
        f"coalesce(bool_or({' or '.join(flags)}), false)" if flags else "false" for flags in kinds
    )
    return con.execute(f"select {anys} from {parsed} where _skip_reason is null").fetchone() or ()


def _changed(
    con: duckdb.DuckDBPyConnection, parsed: str, flags: list[str], tokens: list[tuple[str, str]]
) -> tuple[int, list[int], list[int], list[int]] | None:
    """(cells flagged, first row numbers, cells per flag, occurrences per (column, token) in flagged
    cells) over the data rows, or None when no cell is flagged. ``tokens`` pair with the flags
    two by two (ID mask, phone mask per free-text column)."""
    if not flags:
        return None
    any_flag = " or ".join(flags)
    per_flag = ", ".join(f"count(*) filter (where {f})" for f in flags)
    per_token = "".join(
        f", coalesce(sum((length({col}) - length(replace({col}, {q(tok)}, ''))) // length({q(tok)})) "
        f"filter (where {flags[i // 2]}), 0)"
        for i, (col, tok) in enumerate(tokens)
    )
    row = con.execute(
        f"select list(_row_number order by _row_number) filter (where {any_flag})[1:{ROWS_LISTED + 1}], "
        f"{per_flag}{per_token} from {parsed} where _skip_reason is null"
    ).fetchone() or (None,)
    rows, *counts = row
    cells_per_flag, per_token_counts = counts[: len(flags)], [int(c) for c in counts[len(flags) :]]
    if not rows:
        return None
    return sum(cells_per_flag), rows, cells_per_flag, per_token_counts


def _where(rows: list[int], flags: tuple[tuple[str, ...], ...], per_flag: list[int]) -> str:
    listed = ", ".join(str(r) for r in rows[:ROWS_LISTED]) + (", …" if len(rows) > ROWS_LISTED else "")
    headers = ", ".join(flag[1] for flag, n in zip(flags, per_flag, strict=True) if n)
    return _("rows {rows}; columns {headers}").format(rows=listed, headers=headers)
