"""The draft as Word (draft.docx), read back with python-docx: every figure of the draft, full-width
punctuation, the 口径 appendix with each figure's source, 公文 fonts and page margins; and the Markdown
and HTML drafts with the same punctuation."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import docx
import duckdb
from docx.oxml.ns import qn
from docx.shared import Pt

from rolwh.core.settings import Settings
from rolwh.report import write_report
from rolwh.report.draft import PROVISIONAL, draft_context
from tests.serving.test_draft import _freeze_like
from tests.serving.test_draft_punctuation import ASCII_IN_CHINESE


def _drafts(settings: Settings) -> dict[str, Path]:
    return {p.name: p for p in write_report(settings, 2024, draft=True)}


def _docx_text(path: Path) -> tuple[list[str], str]:
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    header = "\n".join(p.text for s in document.sections for p in s.header.paragraphs)
    return paragraphs, header


def test_docx_holds_every_figure_fullwidth_punctuation_and_the_appendix(published: Settings) -> None:
    paths = _drafts(published)
    ctx = draft_context(published, 2024)
    paragraphs, header = _docx_text(paths["draft.docx"])
    text = "\n".join(paragraphs)

    # every sentence of the draft, figures included, as the Markdown has it (figures without links)
    for p in ctx["paragraphs"]:
        sentence = "".join(s.text for s in p["segments"])
        assert sentence in paragraphs
        assert p["heading"] in paragraphs
    figures = [(s.code, s.text) for p in ctx["paragraphs"] for s in p["segments"] if s.code]
    assert len(figures) >= 25
    assert "调解成功130件，调解成功率28.26%；" in text
    assert "化解率100%；" in text

    # full-width punctuation: no ASCII comma, semicolon, colon or parenthesis next to Chinese
    offending = [p for p in paragraphs if ASCII_IN_CHINESE.search(p)]
    assert not offending, offending
    assert "（一）坚持诉源治理，推动诉前调解提质增效" in paragraphs
    assert text.count("，") > 30 and "," not in text.replace("1,", "")

    # the 口径 appendix: each figure's indicator, definition, value and (for ratios) numerator/denominator
    appendix = paragraphs[paragraphs.index("附：指标口径") :]
    appendix_text = "\n".join(appendix)
    for code, value in figures:
        entry = ctx["source"].glossary[code]
        assert f"{entry.name_zh}（{code}）" in appendix_text
        assert f"数值：{value}。口径：{entry.definition_zh.rstrip('。')}。" in appendix_text
    assert "分子：130；分母：460。" in appendix_text  # CR_SUCCESS_RATE
    assert re.search(r"1\.受理委托诉前调解案件数（CR_RECEIVED）", appendix_text)
    # where the figures came from: the live snapshot and its publication time
    assert re.search(
        r"数据出处：实时快照（发布版本 \S+，发布于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC）。", appendix_text
    )
    # not frozen: marked under the title and in the page header
    assert f"「{PROVISIONAL}」" in paragraphs[:3]
    assert PROVISIONAL in header


def test_docx_is_laid_out_as_an_official_document(published: Settings) -> None:
    document = docx.Document(str(_drafts(published)["draft.docx"]))
    section = document.sections[0]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm, 1) for m in margins if m is not None] == [37, 35, 28, 26]  # stored in twips
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing == Pt(28)

    def east_asia(paragraph: docx.text.paragraph.Paragraph) -> str:
        fonts = paragraph.runs[0].element.rPr.find(qn("w:rFonts"))
        return str(fonts.get(qn("w:eastAsia")))

    by_text = {p.text: p for p in document.paragraphs}
    title = document.paragraphs[0]
    assert title.text == "2024年度法治政府建设工作情况报告"
    assert east_asia(title) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    assert east_asia(by_text["一、工作情况及成效"]) == "黑体"
    assert east_asia(by_text["（三）依法规范办理信访事项"]) == "楷体_GB2312"
    body = next(p for p in document.paragraphs if p.text.startswith("受理信访件"))
    assert east_asia(body) == "仿宋_GB2312" and body.runs[0].font.size == Pt(16)


def test_docx_of_a_frozen_release_names_version_and_checksum(published: Settings) -> None:
    folder = _freeze_like(published, 2024, "v1", revision=10)
    checksum = (folder / "manifest.sha256").read_text(encoding="utf-8").split()[0]
    paragraphs, header = _docx_text(_drafts(published)["draft.docx"])
    text = "\n".join(paragraphs)
    assert PROVISIONAL not in text and PROVISIONAL not in header
    assert (
        f"2024年度冻结版本 v1，冻结于 2025-01-20T08:00:00+00:00，清单文件（manifest.json）SHA-256校验值 {checksum}"
        in text
    )
    assert "接收江津区法院委托诉前调解案件486件" in text  # 476 + 10: the release, not the live marts


def test_markdown_and_html_drafts_use_fullwidth_punctuation(published: Settings) -> None:
    paths = _drafts(published)
    md = paths["draft.md"].read_text(encoding="utf-8")
    # Markdown syntax (links to the glossary, anchors, table pipes, code) is not prose
    prose = re.sub(r"\]\(#ind-[A-Z0-9_]+\)|<a id=\"ind-[A-Z0-9_]+\"></a>|`[A-Z0-9_]+`|[\[|]", " ", md)
    assert not ASCII_IN_CHINESE.search(prose), ASCII_IN_CHINESE.findall(prose)
    assert "**（一）坚持诉源治理，推动诉前调解提质增效**" in md
    assert "## 附：指标口径" in md
    page = paths["draft.html"].read_text(encoding="utf-8")
    body = page[page.index("<body>") :]
    shown = html_lib.unescape(re.sub(r"<[^>]+>", " ", body))
    assert not ASCII_IN_CHINESE.search(shown), ASCII_IN_CHINESE.findall(shown)
    assert "<h3>（一）坚持诉源治理，推动诉前调解提质增效</h3>" in page
    assert md.count("，") > 30 and page.count("，") > 30


def test_drafts_show_each_figure_against_its_target(published: Settings) -> None:
    """The fixture's marts.fct_indicator_status is built over the shipped targets (targets/2024.csv)."""
    con = duckdb.connect(str(published.warehouse_path), read_only=True)
    try:
        statuses = dict(
            con.execute(
                "select indicator_code, status_zh from marts.fct_indicator_status where year = 2024 "
                "and period_grain = 'year' and community_code = 'ALL' and status <> 'no_target'"
            ).fetchall()
        )
    finally:
        con.close()
    ctx = draft_context(published, 2024)
    expected = [f for f in ctx["figures"] if f.entry.code in statuses]
    assert {f.entry.code for f in ctx["targeted"]} == {f.entry.code for f in expected}
    assert len(expected) >= 10 and {"绿", "黄"} <= set(statuses.values())

    paths = _drafts(published)
    md = paths["draft.md"].read_text(encoding="utf-8")
    assert "### 指标目标完成情况" in md
    for f in expected:
        assert f"| {f.entry.name_zh} | {f.value} | {f.target} | {statuses[f.entry.code]} |" in md
    assert "| 诉前调解成功率 | 28.26% | 绿：≥35%；黄：≥25% | 黄 | — |" in md  # no 2023: no 同比
    repeat = next(f for f in expected if f.entry.code == "PT_REPEAT_RATE")
    assert repeat.target == "绿：≤5%；黄：≤10%"  # lower is better
    assert "线上调解占比 | 34.57%" not in md.split("### 指标目标完成情况")[1]  # no target: not listed
    assert "未设目标" not in md
    page = paths["draft.html"].read_text(encoding="utf-8")
    assert '<tr data-code="CR_SUCCESS_RATE"><td>诉前调解成功率</td><td>28.26%</td>' in page
    table = docx.Document(str(paths["draft.docx"])).tables[-1]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["指标", "数值", "目标", "状态", "同比"]
    assert ["诉前调解成功率", "28.26%", "绿：≥35%；黄：≥25%", "黄", "—"] in rows
    assert len(rows) == len(expected) + 1
