"""Streaming writers for one export file: xlsx in constant-memory mode, csv in any encoding."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import xlsxwriter

from rolwh.demo_data.cells import to_text

#: Fixed document properties so the same seed gives byte-identical workbooks.
DOC_CREATED = datetime(2025, 4, 1, 8, 0, 0)


class Sink(Protocol):
    def title(self, text: str) -> None: ...
    def row(self, cells: Sequence[object]) -> None: ...
    def close(self) -> None: ...


class XlsxSink:
    """Rows go straight to disk (xlsxwriter ``constant_memory``): any volume in flat memory."""

    def __init__(self, path: Path, width: int, title: str) -> None:

        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.wb.set_properties({"title": title, "author": "export", "company": "", "created": DOC_CREATED})
        self.ws = self.wb.add_worksheet("Sheet1")
        self.width = width
        self.n = 0
        self.f_title = self.wb.add_format({"bold": True, "align": "center"})
        self.f_date = self.wb.add_format({"num_format": "yyyy-mm-dd"})
        self.f_datetime = self.wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})

    def title(self, text: str) -> None:
        self.ws.merge_range(self.n, 0, self.n, max(self.width - 1, 1), text, self.f_title)
        self.n += 1

    def row(self, cells: Sequence[object]) -> None:
        ws, r = self.ws, self.n
        for c, v in enumerate(cells):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif isinstance(v, datetime):
                ws.write_datetime(r, c, v, self.f_datetime)
            elif isinstance(v, date):
                ws.write_datetime(r, c, datetime(v.year, v.month, v.day), self.f_date)
            else:
                ws.write_number(r, c, v)
        self.n += 1

    def close(self) -> None:
        self.wb.close()


class CsvSink:
    def __init__(self, path: Path, encoding: str) -> None:
        self.fh = path.open("w", encoding=encoding, newline="")
        self.w = csv.writer(self.fh, lineterminator="\r\n")
        self.width = 0

    def title(self, text: str) -> None:
        self.w.writerow([text])

    def row(self, cells: Sequence[object]) -> None:
        self.w.writerow([to_text(c) for c in cells])

    def close(self) -> None:
        self.fh.close()
