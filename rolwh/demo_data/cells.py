"""Turns a truth value into the cell a source system writes: every date, number and ID spelling."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from rolwh.core.contracts import Column, Kind
from rolwh.demo_data import communities

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_EXCEL_EPOCH = date(1899, 12, 30)

DATE_STYLES = ("iso", "slash", "dot", "zh", "compact")
#: Styles only an xlsx can hold.
XLSX_DATE_STYLES = ("cell", "serial")


@dataclass(frozen=True)
class Raw:
    """A cell written verbatim (junk rows: impossible dates, unknown codes)."""

    text: str


@dataclass(frozen=True)
class Approx:
    """A quantity a clerk writes approximately in a hand-kept ledger: 约N or N余. The pipeline takes
    N and flags the cell, so the truth's value is ``number``."""

    number: int
    mark: str  # 约 | 余

    def __int__(self) -> int:
        return self.number

    @property
    def text(self) -> str:
        return f"约{self.number}" if self.mark == "约" else f"{self.number}余"


@dataclass(frozen=True)
class Grid:
    community: str
    number: int


def fullwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


def excel_serial(d: date) -> int:
    return (d - _EXCEL_EPOCH).days


def date_text(d: date, style: str) -> str:
    match style:
        case "slash":
            return f"{d.year}/{d.month}/{d.day}"
        case "dot":
            return f"{d.year}.{d.month}.{d.day}"
        case "zh":
            return f"{d.year}年{d.month}月{d.day}日"
        case "compact":
            return f"{d:%Y%m%d}"
        case _:
            return f"{d:%Y-%m-%d}"


@dataclass
class CellStyle:
    """The habits of one export file; each cell may still stray from them."""

    rng: random.Random
    xlsx: bool
    date_style: str = "iso"
    fullwidth_keys: bool = False  # court case numbers with （） instead of ()
    stray: float = 0.08  # share of cells written in another style

    def _date_style(self) -> str:
        if self.rng.random() >= self.stray:
            return self.date_style
        styles = DATE_STYLES + (XLSX_DATE_STYLES if self.xlsx else ())
        return self.rng.choice(styles)

    def date(self, d: date) -> object:
        style = self._date_style()
        if style == "cell":
            return d
        if style == "serial":
            return excel_serial(d)
        text = date_text(d, style)
        return fullwidth(text) if self.rng.random() < 0.02 else text

    def datetime(self, t: datetime) -> object:
        style = self._date_style()
        if style in ("cell", "serial"):
            return t
        # HH:MM only where it loses nothing: the truth must survive the round trip
        clock = f"{t:%H:%M}" if t.second == 0 and self.rng.random() < 0.7 else f"{t:%H:%M:%S}"
        return f"{date_text(t.date(), style)} {clock}"

    def amount(self, value: Decimal) -> object:
        r = self.rng.random()
        if self.xlsx and r < 0.4:
            return float(value)
        if r < 0.7:
            return f"{value:,.2f}"
        if r < 0.95:
            return f"{value:.0f}" if value == value.to_integral() else f"{value}"
        return fullwidth(f"{value:.2f}")

    def key(self, value: str) -> str:
        if self.fullwidth_keys:
            return value.replace("(", "（").replace(")", "）")
        return value

    def cell(self, col: Column, value: object) -> object:
        """The cell written for ``value`` of column ``col`` (None = empty cell)."""
        if value is None:
            return None
        if isinstance(value, Raw | Approx):
            return value.text
        match col.kind:
            case Kind.DATE:
                assert isinstance(value, date)
                return self.date(value)
            case Kind.DATETIME:
                assert isinstance(value, datetime)
                return self.datetime(value)
            case Kind.DECIMAL:
                return self.amount(value) if isinstance(value, Decimal) else value
            case Kind.INT:
                return value if self.xlsx and self.rng.random() < 0.7 else str(value)
            case Kind.KEY:
                return self.key(str(value))
            case Kind.COMMUNITY:
                return communities.spell(self.rng, str(value))
            case Kind.GRID:
                assert isinstance(value, Grid)
                return communities.grid(self.rng, value.community, value.number)
            case Kind.PII_ID_LIST | Kind.PII_NAME if isinstance(value, tuple):
                return self.rng.choice(("、", "，", "、", ",")).join(value)
            case Kind.PII_PHONE:
                return value
            case Kind.CODE | Kind.TEXT:
                text = str(value)
                return f" {text}" if self.rng.random() < 0.01 else text
            case _:
                return value


def to_text(cell: object) -> str:
    """A cell as a CSV field."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return f"{cell:%Y-%m-%d %H:%M:%S}"
    if isinstance(cell, date):
        return f"{cell:%Y-%m-%d}"
    if isinstance(cell, float):
        return f"{cell:.2f}"
    return str(cell)


__all__ = ["Approx", "CellStyle", "Grid", "Raw", "excel_serial", "fullwidth", "to_text"]
