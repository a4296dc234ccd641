"""Fill-in templates (台账填报模板): one xlsx workbook per feed, generated from the contract.

``rolwh template FEED --out FILE.xlsx`` writes it. A clerk keeps the ledger in the workbook and
delivers it as it is; ingest reads it like any export of the feed:

* sheet 1, the data sheet: the contract's headers exactly as spelled, in a protected (locked) header
  row; every cell below it is unlocked, typed by column: drop-down lists for coded columns and the
  community column (names from the dbt seed ``communities.csv``, the one community list), date and
  date-time cells with a date check, whole numbers (≥ the contract's minimum) for INT columns,
  numbers for DECIMAL columns, text format for keys, ID and phone numbers (digits kept as typed);
* sheet 2, 「填写说明」: per column its meaning, whether it is required, the allowed values and,
  for personal data, that it is pseudonymised or dropped at ingest — all derived from the contract;
* a hidden sheet with the drop-down lists (ingest never reads hidden sheets).

Nothing here is specific to one feed: a feed added to ``FEEDS`` gets its template for free.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from rolwh.core.contracts import FEEDS_BY_NAME, Column, Feed, Kind, RequiredWhen
from rolwh.core.errors import ConfigError
from rolwh.core.i18n import _
from rolwh.demo_data.communities import communities

#: Last zero-based row index of an xlsx sheet: validations and formats cover the whole column.
LAST_ROW = 1_048_575
#: Dates a date cell accepts (the contract has no date bounds; this only catches typing slips).
FIRST_DATE = dt.date(1990, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)
#: Bounds of a whole-number cell when the contract gives none (a 32-bit INTEGER of the raw layer).
INT_BOUNDS = (-(2**31), 2**31 - 1)
#: Excel limits a sheet name to 31 characters.
SHEET_NAME_MAX = 31

_NUMBER_FORMATS = {
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
    Kind.DECIMAL: "#,##0.00",
    Kind.INT: "0",
}
_TEXT_FORMAT = "@"


def write_feed_template(name: str, out: Path) -> Path:
    """The template of the feed called ``name`` at ``out``; ConfigError (exit 2) for an unknown feed."""
    if name not in FEEDS_BY_NAME:
        raise ConfigError(
            _("unknown feed {name}; the contract knows: {feeds}").format(
                name=name, feeds=", ".join(FEEDS_BY_NAME)
            )
        )
    if out.suffix.lower() != ".xlsx":
        raise ConfigError(_("the template is an .xlsx workbook: name the --out file *.xlsx"))
    return write_template(FEEDS_BY_NAME[name], out)


def community_names() -> tuple[str, ...]:
    """The community names a community cell offers (the dbt seed, in its order)."""
    return tuple(c.name_zh for c in communities())


def write_template(feed: Feed, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out))
    data = wb.add_worksheet(feed.title_zh[:SHEET_NAME_MAX])
    guide = wb.add_worksheet(_("Instructions"))
    lists = wb.add_worksheet(_("Lists"))
    _write_data_sheet(wb, data, lists, feed)
    _write_guide(wb, guide, feed)
    lists.hide()
    data.activate()
    wb.close()
    return out


def _write_data_sheet(wb: Workbook, ws: Worksheet, lists: Worksheet, feed: Feed) -> None:
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "locked": True})
    required = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "locked": True})
    list_column = 0
    for c, col in enumerate(feed.columns):
        cell = wb.add_format({"locked": False, "num_format": _NUMBER_FORMATS.get(col.kind, _TEXT_FORMAT)})
        ws.set_column(c, c, max(12, 2 * len(col.header) + 2), cell)
        ws.write_string(0, c, col.header, required if col.required else header)
        values = _allowed_values(col)
        if values:
            lists.write_column(0, list_column, values)
            letter = xl_col_to_name(list_column)
            source = f"='{lists.name}'!${letter}$1:${letter}${len(values)}"
            ws.data_validation(1, c, LAST_ROW, c, {**_list_check(), "source": source})
            list_column += 1
        else:
            check = _unique_check(c) if feed.key == (col.name,) else _cell_check(col)
            if check:
                ws.data_validation(1, c, LAST_ROW, c, check)
    ws.freeze_panes(1, 0)
    ws.protect(
        "",
        {
            "format_columns": True,
            "format_rows": True,
            "insert_rows": True,
            "delete_rows": True,
            "sort": True,
            "autofilter": True,
        },
    )


def _allowed_values(col: Column) -> tuple[str, ...]:
    if col.kind is Kind.CODE:
        return col.codes
    if col.kind is Kind.COMMUNITY:
        return community_names()
    return ()


def _list_check() -> dict[str, object]:
    return {
        "validate": "list",
        "error_title": _("Not in the list"),
        "error_message": _("Choose a value from the drop-down list (see the instructions sheet)."),
    }


def _unique_check(c: int) -> dict[str, object]:
    """The record number typed once only in its column."""
    letter = xl_col_to_name(c)
    return {
        "validate": "custom",
        "value": f"=COUNTIF(${letter}:${letter},{letter}2)=1",
        "error_title": _("Number already used"),
        "error_message": _("Each record has its own number: this one is already in the column."),
    }


def _cell_check(col: Column) -> dict[str, object] | None:
    """The data validation of a column without a list, or None (free text)."""
    match col.kind:
        case Kind.DATE | Kind.DATETIME:
            return {
                "validate": "date",
                "criteria": "between",
                "minimum": FIRST_DATE,
                "maximum": LAST_DATE,
                "error_title": _("Not a date"),
                "error_message": _date_rule(col.kind),
            }
        case Kind.INT | Kind.DECIMAL:
            low = INT_BOUNDS[0] if col.min_value is None else col.min_value
            high = INT_BOUNDS[1] if col.max_value is None else col.max_value
            return {
                "validate": "integer" if col.kind is Kind.INT else "decimal",
                "criteria": "between",
                "minimum": int(low) if col.kind is Kind.INT else low,
                "maximum": int(high) if col.kind is Kind.INT else high,
                "error_title": _("Not an allowed number"),
                "error_message": _rule_of_number(col),
            }
    return None


def _date_rule(kind: Kind) -> str:
    if kind is Kind.DATETIME:
        return _("Type a date and time such as {example}.").format(example="2024-03-05 14:30")
    return _("Type a date such as {example}.").format(example="2024-03-05")


def template_file_name(feed: Feed) -> str:
    """A file name the contract takes for a filled template: the feed's example, as .xlsx."""
    return Path(feed.example_file_name or f"{feed.title_zh}_20240331.xlsx").with_suffix(".xlsx").name


def _write_guide(wb: Workbook, ws: Worksheet, feed: Feed) -> None:
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    ws.write_string(0, 0, _("{title}: fill-in template").format(title=feed.title_zh), title)
    notes = [
        _("Keep one record per row on the first sheet; do not rename, move or delete its headers."),
        _("Deliver the workbook as it is into the landing folder {folder}/.").format(folder=feed.name),
        _("The file name must hold the export date as 8 digits (YYYYMMDD), e.g. {example}.").format(
            example=template_file_name(feed)
        ),
        _("Columns with an orange header are required."),
    ]
    if feed.snapshot:
        notes.append(_("Each delivery is the whole list as of its export date."))
    for r, note in enumerate(notes, start=1):
        ws.write_string(r, 0, note)
    top = len(notes) + 2
    labels = (_("Column"), _("Meaning"), _("Required?"), _("Allowed values and rules"), _("Personal data"))
    for c, (label, width) in enumerate(zip(labels, (18, 36, 24, 48, 30), strict=True)):
        ws.write_string(top, c, label, head)
        ws.set_column(c, c, width)
    for r, col in enumerate(feed.columns, start=top + 1):
        row = (col.header, _meaning(feed, col), _requirement(feed, col), _rules(col), _personal(col))
        for c, text in enumerate(row):
            ws.write_string(r, c, text, cell)


def _meaning(feed: Feed, col: Column) -> str:
    if col.name in feed.key and col.kind is Kind.KEY:
        return _("Record number: one number per record; keep it when the record is corrected")
    match col.kind:
        case Kind.DATE:
            return _("Date")
        case Kind.DATETIME:
            return _("Date and time")
        case Kind.DECIMAL:
            return _("Amount or number")
        case Kind.INT:
            return _("Whole number")
        case Kind.CODE:
            return _("Category, chosen from the drop-down list")
        case Kind.COMMUNITY:
            return _("Community or village the record belongs to")
        case Kind.GRID:
            return _("Grid: the community's name followed by the grid number")
        case Kind.PII_NAME:
            return _("Name of a person")
        case Kind.PII_ID:
            return _("Resident ID number (18 characters)")
        case Kind.PII_ID_LIST:
            return _("Resident ID numbers, several joined by 、")
        case Kind.PII_PHONE:
            return _("Phone number")
        case Kind.PII_STAFF:
            return _("Staff number")
    return _("Text")


def _requirement(feed: Feed, col: Column) -> str:
    if col.required:
        return _("Required")
    if col.required_when is not None:
        return _conditional(feed, col.required_when)
    return _("Optional")


def _conditional(feed: Feed, rule: RequiredWhen) -> str:
    values = "、".join(rule.values)
    header = feed.column(rule.column).header
    if rule.negate:
        return _("Required unless {column} is {values}").format(column=header, values=values)
    return _("Required when {column} is {values}").format(column=header, values=values)


def _rules(col: Column) -> str:
    parts: list[str] = []
    if col.kind is Kind.CODE:
        parts.append(_("Choose one of: {values}").format(values="、".join(col.codes)))
    elif col.kind is Kind.COMMUNITY:
        parts.append(_("Choose a community from the drop-down list"))
    elif col.kind in (Kind.DATE, Kind.DATETIME):
        parts.append(_date_rule(col.kind))
    elif col.kind in (Kind.INT, Kind.DECIMAL):
        parts.append(_rule_of_number(col))
    if col.blank_default is not None:
        parts.append(_("A blank cell stands for {value}").format(value=col.blank_default))
    return "；".join(parts)


def _rule_of_number(col: Column) -> str:
    kind = _("A whole number") if col.kind is Kind.INT else _("A number")
    if col.min_value is not None and col.max_value is not None:
        return _("{kind} from {low} to {high}").format(
            kind=kind, low=_num(col.min_value), high=_num(col.max_value)
        )
    if col.min_value is not None:
        return _("{kind} of at least {low}").format(kind=kind, low=_num(col.min_value))
    return kind


def _num(value: float) -> str:
    return f"{value:g}"


def _personal(col: Column) -> str:
    return _("Personal data: pseudonymised automatically at ingest") if col.is_pii else ""
