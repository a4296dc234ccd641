"""The report draft as a Word file (``draft.docx``) in 公文 style (GB/T 9704 layout).

A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; body 仿宋_GB2312 三号 (16 pt) with a
fixed line spacing of 28 pt and a first-line indent of two characters; title 方正小标宋简体 二号 (22 pt),
centred; 一级标题 (「一、」) 黑体, 二级标题 (「（一）」) 楷体_GB2312, 三级 (「1.」) 仿宋 bold. Word falls
back to 宋体/仿宋/楷体 where a GB2312 font is not installed. The appendix 「附：指标口径」 lists every
figure with its definition, numerator and denominator, and where the figures came from (the release
with its checksum, or the live snapshot with its publication time), then a table of the figures that
have a target (目标, 红黄绿 状态, 同比) when the data has ``marts.fct_indicator_status``. A draft from live data carries
「数据未冻结，仅供参考」 under the title and in the page header.

The text arrives full-width already (:func:`rolwh.report.draft.draft_context` passes everything
through :func:`rolwh.report.punctuation.fullwidth`); the literal text here is written full-width.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.text.paragraph import Paragraph

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(12)  # 小四: tables fit the type area
LINE_SPACING = Pt(28)
MARGINS_MM = {"top_margin": 37, "bottom_margin": 35, "left_margin": 28, "right_margin": 26}
PROVISIONAL_COLOUR = RGBColor(0xB8, 0x43, 0x3F)


def write_docx(ctx: dict[str, Any], path: Path) -> Path:
    """Write the draft of :func:`rolwh.report.draft.draft_context` ``ctx`` to ``path`` (atomically)."""

    doc = Document()
    _page(doc)
    _styles(doc)
    _title(doc, str(ctx["title"]))
    if ctx["provisional"]:
        _provisional(doc, str(ctx["provisional"]))
    _body(doc, f"数据来源：{ctx['source'].label}。文中数字的口径与出处见文末附：指标口径。")
    for section in ctx["sections"]:
        _heading(doc, str(section["title"]), HEADING1_FONT)
        for p in section["paragraphs"]:
            if p["heading"]:
                _heading(doc, p["heading"], HEADING2_FONT)
            _body(doc, "".join(s.text for s in p["segments"]))
    _appendix(doc, ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    doc.save(str(tmp))
    tmp.replace(path)
    return path


def _page(doc: DocumentObject) -> None:
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        for name, mm in MARGINS_MM.items():
            setattr(section, name, Mm(mm))


def _font(run_or_style: Any, name: str, size: Pt, bold: bool = False) -> None:
    """Set the font of a run or style for Latin and East Asian text alike."""
    font = run_or_style.font
    font.name, font.size, font.bold = name, size, bold
    r_pr = run_or_style.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _styles(doc: DocumentObject) -> None:
    normal: Any = doc.styles["Normal"]
    _font(normal, BODY_FONT, BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_SPACING
    fmt.space_before = fmt.space_after = Pt(0)


def _paragraph(doc: DocumentObject, text: str, font: str, size: Pt, *, bold: bool = False) -> Paragraph:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(size.pt * 2)
    _font(paragraph.add_run(text), font, size, bold)
    return paragraph


def _title(doc: DocumentObject, text: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing = Pt(36)
    paragraph.paragraph_format.space_after = LINE_SPACING
    _font(paragraph.add_run(text), TITLE_FONT, TITLE_SIZE)


def _provisional(doc: DocumentObject, text: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(f"「{text}」")
    _font(run, HEADING1_FONT, BODY_SIZE, bold=True)
    run.font.color.rgb = PROVISIONAL_COLOUR
    for section in doc.sections:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(header.add_run(text), HEADING1_FONT, Pt(10.5))


def _heading(doc: DocumentObject, text: str, font: str) -> None:
    _paragraph(doc, text, font, BODY_SIZE)


def _body(doc: DocumentObject, text: str) -> None:
    _paragraph(doc, text, BODY_FONT, BODY_SIZE)


def _appendix(doc: DocumentObject, ctx: dict[str, Any]) -> None:
    doc.add_page_break()
    _heading(doc, "附：指标口径", HEADING1_FONT)
    _body(doc, f"数据出处：{ctx['source'].trace}。")
    for n, figure in enumerate(ctx["figures"], start=1):
        entry = figure.entry
        _paragraph(doc, f"{n}.{entry.name_zh}（{entry.code}）", BODY_FONT, BODY_SIZE, bold=True)
        text = f"数值：{figure.value}。口径：{entry.definition_zh.rstrip('。')}。"
        if entry.unit == "ratio":
            text += f"分子：{figure.numerator}；分母：{figure.denominator}。"
        _body(doc, text)
    if ctx["targeted"]:
        _targets_table(doc, ctx["targeted"])


def _targets_table(doc: DocumentObject, figures: list[Any]) -> None:
    """指标目标完成情况: each figure with a target, its value, target, status (红黄绿) and 同比."""
    _heading(doc, "指标目标完成情况", HEADING2_FONT)
    header = ("指标", "数值", "目标", "状态", "同比")
    rows = [header, *((f.entry.name_zh, f.value, f.target, f.status, f.yoy or "—") for f in figures)]
    table = doc.add_table(rows=len(rows), cols=len(header))
    table.style = "Table Grid"
    for n, (row, texts) in enumerate(zip(table.rows, rows, strict=True)):
        for cell, text in zip(row.cells, texts, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.first_line_indent = Pt(0)
            paragraph.paragraph_format.line_spacing = Pt(20)
            _font(paragraph.add_run(text), BODY_FONT, TABLE_SIZE, bold=n == 0)
