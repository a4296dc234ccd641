"""Files the pipeline must quarantine, and a duplicate delivery: none carries a record that counts."""

from __future__ import annotations

import csv
import random
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rolwh.core.contracts import feed
from rolwh.core.i18n import N_, _
from rolwh.demo_data.cells import CellStyle, Raw
from rolwh.demo_data.sinks import XlsxSink
from rolwh.demo_data.truth.clock import office_time
from rolwh.demo_data.truth.court import case_values
from rolwh.demo_data.truth.grievances import dispute_values, petition_junk
from rolwh.demo_data.truth.records import Values


@dataclass(frozen=True)
class BrokenFile:
    path: Path  # relative to the landing area
    expected: str  # what ingestion must do and why


def _xlsx(path: Path, feed_name: str, rows: list[Values], drop: str | None = None) -> None:
    f = feed(feed_name)
    cols = [c for c in f.columns if c.name != drop]
    style = CellStyle(random.Random(path.name), xlsx=True)
    sink = XlsxSink(path, len(cols), f.title_zh)
    sink.row([c.header for c in cols])
    for r in rows:
        sink.row([style.cell(c, r.get(c.name)) for c in cols])
    sink.close()


def write_broken(out: Path, seed: int) -> list[BrokenFile]:
    """Write the files to quarantine; their records use keys no real record has."""
    rng = random.Random(f"broken:{seed}")
    made: list[BrokenFile] = []

    def note(path: Path, expected: str) -> None:
        made.append(BrokenFile(path.relative_to(out), expected))

    # 1. no export date in the name
    p = out / "court_referrals" / "诉前调解案件导出_最新.xlsx"
    rows = []
    for j in range(5):
        v = case_values(rng, f"(2024)渝0116民诉前调{800 + j}号", date(2024, 8, 1 + j))
        v["updated_at"] = office_time(rng, date(2024, 8, 2 + j))
        rows.append(v)
    _xlsx(p, "court_referrals", rows)
    note(p, N_("quarantine: no YYYYMMDD export date in the file name"))

    # 2. unsupported suffixes
    p = out / "petitions" / "信访事项导出_20240531.xls"
    _xlsx(
        p,
        "petitions",
        [petition_junk(rng, f"XF2024{8000 + j:05d}", date(2024, 5, 10 + j)) for j in range(3)],
    )
    note(p, N_("quarantine: .xls is not an accepted format"))
    p = out / "disputes" / "矛盾纠纷台账_20240815.txt"
    d = feed("disputes")
    lines = ["\t".join(c.header for c in d.columns)]
    for j in range(3):
        v = dispute_values(rng, f"JF2024{81000 + j:06d}", date(2024, 8, 5 + j))
        lines.append("\t".join("" if v.get(c.name) is None else str(v.get(c.name)) for c in d.columns))
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    note(p, N_("quarantine: .txt is not an accepted format"))

    # 3. a required column missing
    p = out / "disputes" / "矛盾纠纷台账_20240715.xlsx"
    rows = []
    for j in range(6):
        v = dispute_values(rng, f"JF2024{80000 + j:06d}", date(2024, 7, 3 + j))
        v["updated_at"] = office_time(rng, date(2024, 7, 10 + j))
        rows.append(v)
    _xlsx(p, "disputes", rows, drop="dispute_level")
    note(p, N_("quarantine: required column 纠纷等级 missing"))

    # 4. more than 20 % of the rows rejected
    p = out / "petitions" / "信访事项导出_20240415.csv"
    pf = feed("petitions")
    style = CellStyle(random.Random(p.name), xlsx=False)
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([c.header for c in pf.columns])
        for j in range(10):
            v = petition_junk(rng, f"XF2024{8100 + j:05d}", date(2024, 4, 1 + j))
            if j % 5 in (1, 3):  # 4 of 10 rows
                v["registered_date"] = Raw(f"2024-04-{31 + j}")
            w.writerow(["" if (x := style.cell(c, v.get(c.name))) is None else x for c in pf.columns])
    note(p, N_("quarantine: 4 of 10 rows (40 %) rejected, more than 20 %"))

    # 5. a truncated workbook
    p = out / "study_sessions" / "学法活动_20240630_补报.xlsx"
    rows = [
        {
            "session_no": f"HD2024{900 + j:03d}",
            "session_date": date(2024, 6, 3 + j),
            "session_type": "会前学法",
            "topic": "补报",
            "speaker": "某",
            "attendees": 20,
            "organiser": "党政办公室",
        }
        for j in range(4)
    ]
    _xlsx(p, "study_sessions", rows)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    note(p, N_("quarantine: truncated xlsx cannot be read"))
    return made


def write_duplicate_delivery(out: Path) -> BrokenFile:
    """The same disputes export delivered twice under another name."""
    src = out / "disputes" / "矛盾纠纷台账_20240630.xlsx"
    dst = src.with_name("矛盾纠纷台账_20240630(1).xlsx")
    shutil.copyfile(src, dst)
    return BrokenFile(dst.relative_to(out), _("skip: same content (SHA-256) as {file}").format(file=src.name))
