"""The export files of each feed and the habits of each: format, title rows, header spellings, footers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rolwh.core.contracts import Column, Feed
from rolwh.demo_data import people
from rolwh.demo_data.calendar import month_ends, quarter_ends
from rolwh.demo_data.cells import DATE_STYLES, CellStyle
from rolwh.demo_data.sinks import CsvSink, Sink, XlsxSink
from rolwh.demo_data.truth import GENERATORS
from rolwh.demo_data.truth.records import Values

#: Exam dates of the demo (the exam export follows 3 days later).
EXAM_EXPORTS = (
    date(2024, 5, 21),
    date(2024, 6, 18),
    date(2024, 9, 24),
    date(2024, 11, 23),
    date(2025, 3, 25),
)
#: Big feeds get duplicate and blank rows sprinkled in.
BUSY_FEEDS = ("court_referrals", "petitions", "disputes", "dispatch_events")
#: Hand-kept ledgers: quarterly xlsx, a merged title row, dates written 2024.3.5, blank rows of the
#: ledger's form left below the data.
LEDGER_FEEDS = ("legal_advisor_services", "village_legal_advisors", "publicity_activities")
LEDGER_BLANK_ROWS = 3
#: An unknown extra column (schema drift) in one court export.
EXTRA_COLUMN = ("court_referrals", date(2024, 5, 31), "承办法院", "江津区人民法院")


def prefix(feed: Feed) -> str:
    """File-name stem of a feed's exports, from the contract's example name."""
    return feed.example_file_name.rsplit("_", 1)[0]


def header_variant(header: str, j: int, i: int) -> str:
    """A clerk's spelling of a contract header: full-width brackets, an embedded newline or spaces."""
    text = header
    if (i + j) % 2 == 0:
        text = text.replace("(", "（").replace(")", "）")
    if len(text) >= 4 and (i + j) % 5 == 0:
        text = text[:2] + "\n" + text[2:]
    elif len(text) >= 3 and (i + j) % 7 == 0:
        text = text[:2] + rng_space(i + j) + text[2:]
    return text


def rng_space(n: int) -> str:
    return (" ", "\u3000", "  ")[n % 3]


@dataclass
class ExportFile:
    """One export file being written: where, in what format, with which habits."""

    feed: Feed
    path: Path
    export_date: date
    index: int
    fmt: str  # xlsx | csv
    encoding: str = "utf-8"
    title_rows: int = 0
    header_variant: bool = False
    footer: bool = True
    columns: tuple[Column, ...] = ()
    extra: tuple[str, str] | None = None
    style: CellStyle = field(init=False)
    sink: Sink | None = None
    data_rows: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"file:{self.path.name}:{self.index}")
        self.columns = self.columns or self.feed.columns
        self.style = CellStyle(
            self.rng,
            xlsx=self.fmt == "xlsx",
            date_style="dot" if self.feed.name in LEDGER_FEEDS else DATE_STYLES[self.index % 5],
            fullwidth_keys=self.feed.name == "court_referrals" and self.export_date.month % 2 == 1,
        )

    def open(self) -> None:
        title = f"{self.feed.title_zh}导出(截至{self.export_date:%Y-%m-%d})"
        width = len(self.columns) + (self.extra is not None)
        if self.fmt == "xlsx":
            self.sink = XlsxSink(self.path, width, title)
        else:
            self.sink = CsvSink(self.path, self.encoding)
        if self.title_rows >= 1:
            self.sink.title(title)
        if self.title_rows >= 2:
            self.sink.title(f"导出时间:{self.export_date:%Y-%m-%d} 23:00  导出人:系统管理员")
        headers = [
            header_variant(c.header, j, self.index) if self.header_variant else c.header
            for j, c in enumerate(self.columns)
        ]
        if self.extra:
            headers.append(self.extra[0])
        self.sink.row(headers)
        if self.index % 4 == 0 and self.feed.name in BUSY_FEEDS:
            self.sink.row([])

    def write(self, values: Values) -> None:
        assert self.sink is not None
        cells = [self.style.cell(c, values.get(c.name)) for c in self.columns]
        if self.extra:
            cells.append(self.extra[1])
        self.sink.row(cells)
        self.data_rows += 1
        if self.feed.name in BUSY_FEEDS:
            r = self.rng.random()
            if r < 0.004:
                self.sink.row(cells)  # exact duplicate row
                self.data_rows += 1
            elif r < 0.008:
                self.sink.row([])  # blank row

    def close(self) -> None:
        assert self.sink is not None
        if self.feed.name in LEDGER_FEEDS:
            for _ in range(LEDGER_BLANK_ROWS):
                self.sink.row([" "] * len(self.columns))  # the form's blank rows, a space here and there
        if self.footer:
            width = len(self.columns)
            if self.index % 2 == 0:
                self.sink.row(["合计", f"共{self.data_rows}条", *[None] * (width - 2)])
            if self.index % 3 == 0:
                self.sink.row([f"制表人:{people.name(self.rng)}"])
            if self.index % 4 == 1:
                self.sink.row([])
                self.sink.row(["备注:本表由系统导出,仅供内部使用"])
        self.sink.close()


def plan(feed: Feed, folder: Path) -> dict[date, ExportFile]:
    """Every regular export of a feed, by export date."""
    stem = prefix(feed)
    name = feed.name
    if name == "enforcement_officers" or name in LEDGER_FEEDS:
        dates = quarter_ends()
    elif name == "exam_results":
        dates = list(EXAM_EXPORTS)
    else:
        dates = month_ends()
    out: dict[date, ExportFile] = {}
    for i, d in enumerate(dates):
        if name in ("dispatch_events", "exam_results") or (name == "petitions" and d.month % 2 == 1):
            fmt, enc = "csv", {"dispatch_events": "gb18030", "exam_results": "utf-8-sig"}.get(name, "utf-8")
        else:
            fmt, enc = "xlsx", "utf-8"
        titles = 0 if name == "exam_results" else 1 if name in LEDGER_FEEDS else (0, 1, 2)[i % 3]
        extra = EXTRA_COLUMN[2:] if (name, d) == EXTRA_COLUMN[:2] else None
        out[d] = ExportFile(
            feed,
            folder / f"{stem}_{d:%Y%m%d}.{fmt}",
            d,
            i,
            fmt,
            enc,
            titles,
            header_variant=i % 2 == 1,
            footer=name != "exam_results",
            extra=extra,
        )
    return out


def write_feed(feed: Feed, folder: Path, seed: int, scale: int) -> tuple[dict[date, ExportFile], int, int]:
    """Write a feed's regular exports block by block; returns the files, truth versions and junk rows."""
    files = plan(feed, folder)
    for f in files.values():
        f.open()
    sort_col = "updated_at" if feed.has_updated_at else feed.columns[1].name
    if feed.name == "dispatch_events":
        sort_col = "reported_at"
    versions = junk = 0
    for b in range(scale):
        fb = GENERATORS[feed.name](seed, b)
        per_file: dict[date, list[Values]] = {d: [] for d in files}
        for rec in fb.records:
            for v in rec.versions:
                for d in v.exports:
                    per_file[d].append(v.values)
                    versions += 1
        for d, values in fb.junk:
            per_file[d].append(values)
            junk += 1
        for d, rows in per_file.items():
            rows.sort(key=lambda r: str(r.get(sort_col)))
            for r in rows:
                files[d].write(r)
        del fb, per_file
    for f in files.values():
        f.close()
    return files, versions, junk
