"""Full-width punctuation (rolwh.report.punctuation): Chinese text gets ，；：（）。, numbers and codes
keep their ASCII."""

from __future__ import annotations

import re

import pytest

from rolwh.report.punctuation import fullwidth, is_cjk

#: an ASCII comma, semicolon, colon or parenthesis next to a Chinese character
ASCII_IN_CHINESE = re.compile(r"[\u3000-\u9fff\uff00-\uffef][,;:()]|[,;:()][\u3000-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(一)坚持诉源治理", "（一）坚持诉源治理"),
        ("接收476件,办结460件", "接收476件，办结460件"),
        ("调解成功率28.26%;按期办结率", "调解成功率28.26%；按期办结率"),
        ("调解成功率28.26%, 按期", "调解成功率28.26%，按期"),
        ("数据来源: 实时指标(serving)", "数据来源：实时指标（serving）"),
        ("冻结于 2025-01-20T08:00:00+00:00", "冻结于 2025-01-20T08:00:00+00:00"),
        ("共1,234件.", "共1,234件。"),
        ("社区JJ01的数据", "社区JJ01的数据"),
        ("28.26%", "28.26%"),
    ],
)
def test_fullwidth(text: str, expected: str) -> None:
    assert fullwidth(text) == expected


def test_fullwidth_leaves_no_ascii_marks_in_chinese_runs_and_keeps_every_number() -> None:
    text = "2024年,受理信访件12件(其中JJ01社区3件),按期告知率97.5%;群众满意率100%:1,234.5次."
    out = fullwidth(text)
    assert not ASCII_IN_CHINESE.search(out), out
    assert re.findall(r"[A-Z0-9][A-Z0-9.,%]*", out) == re.findall(r"[A-Z0-9][A-Z0-9.,%]*", text.rstrip("."))
    assert fullwidth(out) == out  # idempotent


def test_is_cjk() -> None:
    assert is_cjk("件") and is_cjk("，") and is_cjk("（")
    assert not is_cjk(",") and not is_cjk("a") and not is_cjk("1")
