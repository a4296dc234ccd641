"""Full-width punctuation for Chinese text (公文): ，；：？！（）and 。 after a Chinese character.

ASCII stays only inside numbers and codes: a mark between two ASCII letters or digits is kept
(``1,234``, ``08:00:00``, ``28.26%``, ``JJ01``), and ``.`` becomes ``。`` only right after a Chinese
character. Every draft writer (Markdown, HTML, Word) gets its text through :func:`fullwidth`.
"""

from __future__ import annotations

_MARKS = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_PARENS = {"(": "（", ")": "）"}


def is_cjk(char: str) -> bool:
    """A Chinese character or full-width punctuation (CJK blocks and the full-width forms)."""
    code = ord(char)
    return 0x3000 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


def _ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def fullwidth(text: str) -> str:
    """``text`` with its ASCII punctuation made full-width, numbers and codes left intact.

    ``"（一）"`` for ``"(一)"``; ``"476件，办结"`` for ``"476件,办结"``; ``"1,234"`` and ``"08:00"``
    unchanged; ``"率28.26%; 按"`` becomes ``"率28.26%；按"``; ``"率28.26%;"`` becomes ``"率28.26%；"``; ``"年."`` becomes ``"年。"``.
    """

    out: list[str] = []
    skip_space = False  # a full-width mark carries its own spacing: drop one ASCII space after it
    for i, char in enumerate(text):
        before = text[i - 1] if i > 0 else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if skip_space and char == " ":
            skip_space = False
            continue
        skip_space = False
        if char in _MARKS and not (_ascii_alnum(before) and _ascii_alnum(after)):
            out.append(_MARKS[char])
            skip_space = True
        elif char in _PARENS:
            out.append(_PARENS[char])
        elif char == "." and before and is_cjk(before):
            out.append("。")
        else:
            out.append(char)
    return "".join(out)
