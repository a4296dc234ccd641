"""Every numeric figure of the 2024 report's section 一, in the report's own words: the demo's draft
(Markdown, HTML and Word) states each one.

The expected figures live here, in the test, never in product code: the draft is written from the
demo's published marts through the configured sentences (rolwh/report/templates/draft_sentences.toml).
"""

from __future__ import annotations

import html
import re

import docx
import pytest

from rolwh.core.settings import Settings
from rolwh.report.draft import write_draft

#: (indicator, the report's phrase): the 19 figures the report published before the ledgers
REPORT_FIGURES = [
    ("CR_RECEIVED", "接收江津区法院委托诉前调解案件476件"),
    ("CR_CONCLUDED", "办结460件"),
    ("CR_SUCCESS", "调解成功130件"),
    ("CR_SUCCESS_RATE", "调解成功率28.26%"),
    ("CR_PENDING_END", "年末尚有未结案件16件"),
    ("CR_DATA_REVIEW_SHARE", "30%的涉诉纠纷调解成功案例通过指挥中心数据研判复盘处置"),
    ("DS_MAJOR_SCREENED", "排查各类较大矛盾纠纷和不稳定因素195次"),
    ("DS_REGISTERED", "矛盾纠纷多元化解各类矛盾纠纷8050件"),
    ("DS_RESOLVED", "化解8050件"),
    ("DS_RESOLUTION_RATE", "化解率100%"),
    ("DS_DOSSIERS", "司法调解制作人民调解案卷907卷"),
    ("TR_PREMEETING_STUDY", "开展会前学法8次"),
    ("TR_LAW_LECTURES", "组织街道领导班子开展法治专题讲座2场"),
    ("TR_GROUP_STUDY", "集中学习《习近平法治思想》等理论学习中心组学法5次"),
    ("TR_EXAM_PARTICIPATION_RATE", "组织网络法治理论考试，参考率达100%"),
    ("TR_ENFORCEMENT_EXAM_PASSED", "6名人员通过行政执法考试"),
    ("TR_CERTIFIED_OFFICERS", "现有行政执法人员14人"),
    ("TR_CERT_RATE", "持证上岗率100%"),
    ("TR_MEDIATOR_TRAINING_PT", "全年轮训人员230人次"),
]

#: the figures of the legal-advisor and publicity ledgers, "N余" where the report rounds
LEDGER_FIGURES = [
    ("LA_CONTRACT_REVIEWS", "法律顾问已为街道审查、修改合同及相关法律文书15份"),
    ("LA_LEGAL_OPINIONS", "出具法律意见50余件"),
    ("LA_PHONE_CONSULTS", "电话法律咨询120人次"),
    ("LA_VILLAGE_ADVISORS", "为15个村居聘请专业律师作为村居法律顾问"),
    ("PB_THEME_EVENTS", "累计组织开展主题法治宣传活动30余次"),
    ("PB_LECTURES", "法治讲座活动10余次"),
    ("PB_BANNERS", "悬挂宣传标语200余条"),
    ("PB_LEAFLETS", "发放各类宣传资料30000余份"),
]

CASES = [pytest.param(code, phrase, id=code) for code, phrase in REPORT_FIGURES + LEDGER_FIGURES]


@pytest.fixture(scope="module")
def draft_texts(demo_published: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The demo's 2024 draft as plain text per format: links and tags taken out, figures kept."""
    out = tmp_path_factory.mktemp("draft")
    paths = {p.name: p for p in write_draft(demo_published, 2024, out)}
    raw = paths["draft.md"].read_text(encoding="utf-8")
    md = re.sub(r"\[([^\]]*)\]\(#ind-[A-Z0-9_]+\)", r"\1", raw)
    page = html.unescape(re.sub(r"<[^>]+>", "", paths["draft.html"].read_text(encoding="utf-8")))
    word = "\n".join(p.text for p in docx.Document(str(paths["draft.docx"])).paragraphs)
    return {"draft.md": md, "draft.html": page, "draft.docx": word, "raw.md": raw}


def test_the_report_figures_are_listed_once() -> None:
    codes = [code for code, _ in REPORT_FIGURES + LEDGER_FIGURES]
    assert len(REPORT_FIGURES) == 19 and len(codes) == len(set(codes))


@pytest.mark.parametrize(("code", "phrase"), CASES)
def test_the_draft_states_the_report_figure(draft_texts: dict[str, str], code: str, phrase: str) -> None:
    missing = [name for name, text in draft_texts.items() if name != "raw.md" and phrase not in text]
    assert not missing, f"{code}: 「{phrase}」 missing from {missing}"


@pytest.mark.parametrize(("code", "phrase"), REPORT_FIGURES + LEDGER_FIGURES)
def test_the_figure_links_to_its_indicator(draft_texts: dict[str, str], code: str, phrase: str) -> None:
    figure = re.search(r"\d[\d.]*%?余?", phrase)
    assert figure
    assert f"[{figure.group()}](#ind-{code})" in draft_texts["raw.md"]
