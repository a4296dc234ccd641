"""Set-wise parsing and validation in DuckDB SQL: value macros and the per-file parse query.

The query text holds only our own identifiers (positional grid columns ``c0..cN``, contract names)
and contract literals (codes, reasons); no names or values from files ever enter SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

from rolwh.core.contracts import (
    FOOTER_PREFIXES,
    FREE_TEXT_KINDS,
    FREE_TEXT_PII_GUARD,
    ID_LIST_SEPARATORS,
    ID_MASK,
    INVISIBLE_CHARACTERS,
    PHONE_MASK,
    Column,
    Feed,
    Kind,
    RequiredWhen,
)
from rolwh.core.i18n import N_, _
from rolwh.core.sql import literal as q

GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK = "10X98765432"
#: Excel serial numbers accepted as dates: 1950-01-01 .. 2099-12-31 (anything else is not a date here).
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 18264, 73050

#: Why a row is skipped (not data, not rejected): the parse's codes, shown translated (``_(code)``).
SKIP_BLANK, SKIP_KEY_BLANK, SKIP_FOOTER, SKIP_DUPLICATE = (
    N_("blank row"),
    N_("key cell blank"),
    N_("footer row"),
    N_("duplicate row"),
)

#: 约N or N余 (white space allowed between mark and number); the number is group 1 or group 2.
APPROX_PATTERN = r"约\s*(\d{1,9})|(\d{1,9})\s*余"
DATE_FORMATS = N_("YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日, YYYYMMDD or an Excel date")


def _gb_sum(n: str) -> str:
    """The GB 11643 weighted digit sum of the 17 leading digits of ``n``, unrolled (no lambda: fast)."""
    return " + ".join(f"cast(substr({n}, {i + 1}, 1) as bigint) * {w}" for i, w in enumerate(GB11643_WEIGHTS))


_DATE_RE = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?)?$"
)
_HMS = r"\d{1,2}:\d{1,2}:\d{1,2}"
_HM = r"\d{1,2}:\d{1,2}"
_YMD = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # after the dash rewrite below: %Y-%m-%d
_DASHED = "replace(replace(s, '/', '-'), '.', '-')"
_YMD_ZH = r"\d{4}年\d{1,2}月\d{1,2}日"
#: (shape, text to parse, strptime format) of the usual date-time texts (see rolwh_ts), most
#: frequent first. Each shape is a strict subset of _DATE_RE (or of rolwh_dash8's input) whose
#: rewrite keeps the same digit groups, so the format reads the same fields.
_FAST_TS: tuple[tuple[str, str, str], ...] = (
    (rf"{_YMD} {_HMS}", _DASHED, "%Y-%m-%d %H:%M:%S"),
    (rf"\d{{8}} {_HMS}", "s", "%Y%m%d %H:%M:%S"),
    (rf"{_YMD_ZH} {_HMS}", "s", "%Y年%m月%d日 %H:%M:%S"),
    (rf"{_YMD} {_HM}", _DASHED, "%Y-%m-%d %H:%M"),
    (rf"\d{{8}} {_HM}", "s", "%Y%m%d %H:%M"),
    (rf"{_YMD_ZH} {_HM}", "s", "%Y年%m月%d日 %H:%M"),
    (_YMD, _DASHED, "%Y-%m-%d"),
)


def _fast_ts_branches() -> str:
    return "\n            ".join(
        f"when regexp_full_match(s, '{shape}') then try_strptime({text}, '{fmt}')"
        for shape, text, fmt in _FAST_TS
    )


MACROS: tuple[str, ...] = (
    # 'YYYYMMDD[ time]' -> 'YYYY-MM-DD[ time]'
    r"""create or replace temp macro rolwh_dash8(s) as
        regexp_replace(s, '^(\d{4})(\d{2})(\d{2})(\s|T|$)', '\1-\2-\3\4')""",
    # Excel serial number (days since 1899-12-30, fraction = time of day) -> TIMESTAMP
    f"""create or replace temp macro rolwh_serial(s) as
        case when regexp_full_match(s, '\\d{{1,5}}(\\.\\d+)?')
              and try_cast(s as double) between {EXCEL_SERIAL_MIN} and {EXCEL_SERIAL_MAX}
             then timestamp '1899-12-30 00:00:00'
                  + to_seconds(cast(round(try_cast(s as double) * 86400) as bigint))
        end""",
    # any contract date or datetime text -> TIMESTAMP, NULL when it is not one (2024-02-30 is not).
    # The usual shapes (Y-M-D, Y/M/D, Y.M.D, YYYYMMDD, Y年M月D日; HH:MM:SS, HH:MM or none) take
    # a fast path: one simple match and one strptime of the shape's own format, instead of the
    # serial check, two regexp_replace (~0.4 us a value) and up to three formats (a failing
    # strptime costs ~10x a succeeding one). Same result: the general path rewrites such text to
    # Y-M-D H:M[:S] from the same digit groups and parses it with the equivalent format.
    f"""create or replace temp macro rolwh_ts(s) as
        case
            {_fast_ts_branches()}
            else coalesce(
                rolwh_serial(s),
                try_strptime(
                    regexp_replace(rolwh_dash8(s), '{_DATE_RE}', '\\1-\\2-\\3 \\4:\\5:\\6'),
                    ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:', '%Y-%m-%d ::']
                )
            )
        end""",
    r"""create or replace temp macro rolwh_dec(s) as
        case when regexp_full_match(s, '[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?')
             then try_cast(replace(s, ',', '') as decimal(18, 2)) end""",
    r"""create or replace temp macro rolwh_int(s) as
        case when regexp_full_match(s, '[+-]?\d{1,9}(\.0+)?')
             then try_cast(split_part(s, '.', 1) as integer) end""",
    # an approximate whole number of a hand-kept ledger: 约N or N余 (rolwh.core.contracts docstring)
    rf"""create or replace temp macro rolwh_approx_mark(s) as regexp_full_match(s, '{APPROX_PATTERN}')""",
    rf"""create or replace temp macro rolwh_approx_int(s) as
        case when rolwh_approx_mark(s) then rolwh_int(regexp_replace(s, '^(?:{APPROX_PATTERN})$', '\1\2'))
             else rolwh_int(s) end""",
    r"""create or replace temp macro rolwh_nospace(s) as nullif(regexp_replace(s, '\s+', '', 'g'), '')""",
    # ID number: upper case, no spaces; masked (contains *) = missing
    r"""create or replace temp macro rolwh_id_norm(s) as
        case when not contains(s, '*') then upper(rolwh_nospace(s)) end""",
    f"""create or replace temp macro rolwh_id_valid(n) as
        case when n is null then null
             when regexp_full_match(n, '\\d{{15}}') then true
             when regexp_full_match(n, '\\d{{17}}[0-9X]') then
                 substr('{GB11643_CHECK}', 1 + ({_gb_sum("n")}) % 11, 1) = substr(n, 18, 1)
             else false end""",
    # phone: digits only, +86 / 0086 dropped, masked = missing
    r"""create or replace temp macro rolwh_phone_digits(s) as
        case when not contains(s, '*') then nullif(regexp_replace(s, '[^0-9]', '', 'g'), '') end""",
    r"""create or replace temp macro rolwh_phone_norm(s) as
        case when length(rolwh_phone_digits(s)) = 13 and starts_with(rolwh_phone_digits(s), '86')
                  then substr(rolwh_phone_digits(s), 3)
             when length(rolwh_phone_digits(s)) = 15 and starts_with(rolwh_phone_digits(s), '0086')
                  then substr(rolwh_phone_digits(s), 5)
             else rolwh_phone_digits(s) end""",
    f"""create or replace temp macro rolwh_id_list(s) as
        nullif(list_filter(list_transform(string_split_regex(s, '[{ID_LIST_SEPARATORS}]'),
                                          lambda x: rolwh_id_norm(x)),
                           lambda x: x is not null), [])""",
    # THE invisible-character rule (rolwh.core.contracts docstring): BOM, zero-width and bidi controls
    # removed from a cell, then trimmed; nothing left = NULL
    f"""create or replace temp macro rolwh_visible(s) as
        nullif(trim(regexp_replace(s, '{INVISIBLE_CHARACTERS}', '', 'g')), '')""",
    # personal data in free text: a maximal digit run (an ID may end in X) that is a resident ID
    # with a valid check character, or a mainland mobile number (optionally after 86), is masked
    r"""create or replace temp macro rolwh_pii_run(r) as
        (length(r) = 18 and coalesce(rolwh_id_valid(upper(r)), false))
        or regexp_full_match(r, '(86)?1[3-9][0-9]{9}')""",
    f"""create or replace temp macro rolwh_mask_free_text(s) as
        case when regexp_matches(s, '{FREE_TEXT_PII_GUARD}')
             then list_reduce(
                 list_filter(regexp_extract_all(s, '[0-9]+[Xx]?'), lambda r: rolwh_pii_run(r)),
                 lambda acc, r: replace(acc, r, case when length(r) = 18 then {q(ID_MASK)} else {q(PHONE_MASK)} end),
                 s)
             else s end""",
)


def expected_text(col: Column) -> str:
    """What a valid cell of ``col`` looks like, for rejection reasons (in the reader's language)."""
    match col.kind:
        case Kind.DATE:
            return _("a date ({formats})").format(formats=_(DATE_FORMATS))
        case Kind.DATETIME:
            return _("a date and time ({formats}, optionally followed by HH:MM or HH:MM:SS)").format(
                formats=_(DATE_FORMATS)
            )
        case Kind.DECIMAL:
            return _("a number such as 12000 or 12,000.00")
        case Kind.INT if col.approximate:
            return _("a whole number, or 约N / N余 for an approximate one")
        case Kind.INT:
            return _("a whole number")
        case Kind.CODE:
            return _("one of {codes}").format(codes="|".join(col.codes))
        case _:
            return _("a value")


@dataclass(frozen=True)
class GridScan:
    """Which grid columns hold what the cleaning rules act on (``ingest.grid.scan_grid``), so the
    parse applies a rule only where it can change something (smaller, faster queries)."""

    invisible: frozenset[int]  # an invisible character (rolwh_visible)
    digit_runs: frozenset[int]  # FREE_TEXT_PII_GUARD: a possible ID or mobile number (rolwh_mask_free_text)


@dataclass(frozen=True)
class ColumnSql:
    """SQL of one contract column: its source cell, parsed value(s) and error expression."""

    column: Column
    position: int | None  # grid column index, None when the file lacks this (optional) column


def _visible(cs: ColumnSql, scan: GridScan | None) -> str:
    """The column's cell with invisible characters removed (the one rule: ``rolwh_visible``), where
    ``scan`` (None: every column) says its grid column holds any."""
    if cs.position is None:
        return "cast(null as varchar)"
    if scan is not None and cs.position not in scan.invisible:
        return f"c{cs.position}"
    return f"rolwh_visible(c{cs.position})"


def _source(cs: ColumnSql, v: str) -> str:
    """The value the parse reads: the visible text ``v`` of the cell, or the blank default."""
    if cs.position is not None and cs.column.blank_default is not None:
        return f"coalesce({v}, {q(cs.column.blank_default)})"
    return v


def _parsed(col: Column, s: str, mask: bool = True) -> str:
    """The single parsed value of a non-list column (for PII: the normalised clear value); free
    text is masked unless ``mask`` is off (its cells hold no digit run long enough)."""
    match col.kind:
        case Kind.KEY | Kind.PII_STAFF:
            return f"rolwh_nospace({s})" if col.kind is Kind.KEY else f"rolwh_id_norm({s})"
        case Kind.DATE:
            return f"cast(rolwh_ts({s}) as date)"
        case Kind.DATETIME:
            return f"rolwh_ts({s})"
        case Kind.DECIMAL:
            return f"rolwh_dec({s})"
        case Kind.INT if col.approximate:
            return f"rolwh_approx_int({s})"
        case Kind.INT:
            return f"rolwh_int({s})"
        case Kind.CODE:
            codes = ", ".join(q(c) for c in col.codes)
            return f"case when {s} in ({codes}) then {s} end"
        case Kind.PII_ID:
            return f"rolwh_id_norm({s})"
        case Kind.PII_PHONE:
            return f"rolwh_phone_norm({s})"
        case Kind.PII_ID_LIST:
            return f"rolwh_id_list({s})"
        case kind if kind in FREE_TEXT_KINDS and mask:
            return f"rolwh_mask_free_text({s})"
        case _:
            return s


def _outputs(col: Column, p: str, s: str) -> list[tuple[str, str]]:
    """(raw column name, expression over the parsed value ``p`` or its source ``s``) for the raw layer."""
    match col.kind:
        case Kind.INT if col.approximate:
            return [
                (col.name, p),
                (f"{col.name}_is_approx", f"case when {p} is not null then rolwh_approx_mark({s}) end"),
            ]
        case Kind.PII_NAME:
            return []
        case Kind.PII_ID:
            return [(f"{col.name}_pid", f"rolwh_hmac({p})"), (f"{col.name}_valid", f"rolwh_id_valid({p})")]
        case Kind.PII_PHONE | Kind.PII_STAFF:
            return [(f"{col.name}_pid", f"rolwh_hmac({p})")]
        case Kind.PII_ID_LIST:
            return [
                (f"{col.name}_pids", f"list_transform({p}, lambda x: rolwh_hmac(x))"),
                (
                    f"{col.name}_invalid_count",
                    f"cast(len(list_filter({p}, lambda x: not rolwh_id_valid(x))) as integer)",
                ),
            ]
        case _:
            return [(col.name, p)]


def _error(feed: Feed, cs: ColumnSql, s: str, p: str, parsed_of: dict[str, str]) -> str:
    """CASE expression: the rejection reason of this cell, or NULL (in the reader's language: the
    audit stores reasons as shown)."""
    col = cs.column
    missing = f"{p} is null" if col.is_pii else f"{s} is null"
    whens: list[str] = []
    if col.required:
        reason = (
            _("required value missing")
            if cs.position is not None
            else _("required value missing (column absent)")
        )
        whens.append(f"when {missing} then {q(reason)}")
    if col.required_when is not None:
        rw = col.required_when
        decider = parsed_of[rw.column]
        vals = ", ".join(q(v) for v in rw.values)
        cond = f"{decider} not in ({vals})" if rw.negate else f"{decider} in ({vals})"
        whens.append(
            f"when {missing} and {decider} is not null and {cond} then {q(_required_when(feed, rw))}"
        )
    if col.kind in (Kind.DATE, Kind.DATETIME, Kind.DECIMAL, Kind.INT, Kind.CODE):
        expected = _("expected {what}").format(what=expected_text(col))
        whens.append(f"when {s} is not null and {p} is null then {q(expected)}")
    if col.min_value is not None or col.max_value is not None:
        lo, hi = col.min_value, col.max_value
        conds, parts = [], []
        if lo is not None:
            conds.append(f"{p} < {lo!r}")
            parts.append(f">= {lo:g}")
        if hi is not None:
            conds.append(f"{p} > {hi!r}")
            parts.append(f"<= {hi:g}")
        bounds = _(" and ").join(parts)
        whens.append(
            f"when {' or '.join(conds)} then {q(_('out of range: expected {bounds}').format(bounds=bounds))}"
        )
    if not whens:
        return "cast(null as varchar)"
    return "case " + " ".join(whens) + " end"


def _required_when(feed: Feed, rw: RequiredWhen) -> str:
    """The reason of a cell required by another column's value ("required when 调解方式 = 1|2")."""
    text = (
        _("required value missing: required unless {header} = {values}")
        if rw.negate
        else _("required value missing: required when {header} = {values}")
    )
    return text.format(header=feed.column(rw.column).header, values="|".join(rw.values))


@dataclass(frozen=True)
class ParsePlan:
    """The parse query of one file and the names it produces."""

    sql: str  # select over the grid view: _row_number, _skip_reason, outputs, e_<name>, flags
    outputs: tuple[str, ...]  # raw column names produced (contract part of the raw table)
    errors: tuple[tuple[str, str], ...]  # (error column, contract header)
    #: (flag column, contract header): the row's cell held invisible characters (removed)
    cleaned: tuple[tuple[str, str], ...] = ()
    #: (flag column, contract header, output column): the row's free-text cell had personal data masked
    masked: tuple[tuple[str, str, str], ...] = ()
    #: (flag column, contract header): the row's quantity was written approximately (约N / N余)
    approximate: tuple[tuple[str, str], ...] = ()


def free_text_positions(feed: Feed, positions: dict[str, int]) -> list[int]:
    """Grid columns of ``feed``'s free-text columns (FREE_TEXT_KINDS) in a file."""
    return [i for name, i in positions.items() if feed.column(name).kind in FREE_TEXT_KINDS]


def key_column(feed: Feed) -> Column:
    """The (first) key column of ``feed`` as the export names it (``person_pid`` -> ``person``)."""
    name = feed.key[0]
    for c in feed.columns:
        if c.name == name or f"{c.name}_pid" == name:
            return c
    raise KeyError(name)


def build_parse_sql(
    feed: Feed,
    positions: dict[str, int],
    width: int,
    grid: str,
    header_row: int,
    scan: GridScan | None = None,
) -> ParsePlan:
    """The parse/validate query for a file whose header row is ``header_row`` (grid row number).

    ``positions`` maps contract column names to grid column indexes; ``width`` is the grid's
    column count; ``grid`` the name of the registered grid view (our own identifier); ``scan``
    which grid columns the cleaning rules can change (None: every column).
    """
    cells = [f"c{i}" for i in range(width)]
    cols = [ColumnSql(c, positions.get(c.name)) for c in feed.columns]
    key = key_column(feed)
    kcell = f"c{positions[key.name]}"
    footer = " or ".join(f"starts_with({kcell}, {q(p)})" for p in FOOTER_PREFIXES)
    blank = " and ".join(f"{c} is null" for c in cells) or "true"
    parsed_of = {cs.column.name: f"p_{cs.column.name}" for cs in cols}
    read = [cs for cs in cols if cs.position is not None and cs.column.kind is not Kind.PII_NAME]
    dirty = [cs for cs in read if scan is None or cs.position in scan.invisible]
    free = [
        cs
        for cs in read
        if cs.column.kind in FREE_TEXT_KINDS and (scan is None or cs.position in scan.digit_runs)
    ]
    masks = {cs.column.name for cs in free}
    # visible cells, sources, then parsed values in three CTEs, under our own names
    # v_<name> / s_<name> / p_<name>
    vis = ", ".join(f"{_visible(cs, scan)} as v_{cs.column.name}" for cs in cols)
    src = ", ".join(f"{_source(cs, f'v_{cs.column.name}')} as s_{cs.column.name}" for cs in cols)
    prs = ", ".join(
        f"{_parsed(cs.column, f's_{cs.column.name}', cs.column.name in masks)} as p_{cs.column.name}"
        for cs in cols
    )
    # flags of what the parse changed in a cell: invisible characters removed, personal data masked
    cleaned = [(f"_inv_{cs.column.name}", cs.column.header) for cs in dirty]
    masked = [(f"_pii_{cs.column.name}", cs.column.header, cs.column.name) for cs in free]
    flags = [f"c{cs.position} is distinct from v_{cs.column.name}" for cs in dirty]
    flags += [f"p_{cs.column.name} is distinct from s_{cs.column.name}" for cs in free]
    approx = [cs for cs in read if cs.column.approximate]
    approximate = [(f"_apx_{cs.column.name}", cs.column.header) for cs in approx]
    flags += [f"coalesce(rolwh_approx_mark(s_{cs.column.name}), false)" for cs in approx]
    names = [flag for flag, *_ in cleaned + masked + approximate]
    flag_sql = "".join(f", {expr} as {name}" for expr, name in zip(flags, names, strict=True))
    carried = "".join(f"c{cs.position}, v_{cs.column.name}, " for cs in dirty)
    outputs: list[tuple[str, str]] = []
    errors: list[tuple[str, str, str]] = []
    for cs in cols:
        n = cs.column.name
        outputs.extend(_outputs(cs.column, f"p_{n}", f"s_{n}"))
        errors.append((f"e_{n}", cs.column.header, _error(feed, cs, f"s_{n}", f"p_{n}", parsed_of)))
    partition = ", ".join(cells)
    # Duplicate rows (identical in every cell): the exact window runs only over rows whose hash
    # of all cells is shared (identical rows share it; other rows are first copies). A window
    # over every row sorts them by all cells: ~2x the cost of the hash grouping and join.
    sql = f"""
with rows_after_header as (
    select *, hash({partition}) as _h from {grid} where _row_number > {int(header_row)}
),
repeated as (
    select _h from rows_after_header group by _h having count(*) > 1
),
copies as (
    select _row_number, row_number() over (partition by {partition} order by _row_number) as _copy
    from rows_after_header semi join repeated using (_h)
),
classified as (
    select r.*,
        case when {blank} then {q(SKIP_BLANK)}
             when {kcell} is null then {q(SKIP_KEY_BLANK)}
             when {footer} then {q(SKIP_FOOTER)}
        end as _skip_reason,
        coalesce(copies._copy, 1) as _copy
    from rows_after_header r left join copies using (_row_number)
),
visible as (
    select *,
        coalesce(_skip_reason, case when _copy > 1 then {q(SKIP_DUPLICATE)} end) as _skip,
        {vis}
    from classified
),
data_rows as (
    select _row_number, _skip as _skip_reason, {carried}{src} from visible
),
parsed as (
    select *, {prs} from data_rows
)
select _row_number, _skip_reason,
    {", ".join(f"{expr} as {name}" for name, expr in outputs)},
    {", ".join(f"case when _skip_reason is null then {expr} end as {name}" for name, _, expr in errors)}
    {flag_sql}
from parsed
"""
    return ParsePlan(
        sql=sql,
        outputs=tuple(name for name, _ in outputs),
        errors=tuple((name, header) for name, header, _ in errors),
        cleaned=tuple(cleaned),
        masked=tuple(masked),
        approximate=tuple(approximate),
    )
