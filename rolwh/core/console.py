"""Printing untrusted text: every value and file name rolwh prints goes through :func:`safe` (or
:func:`plain` where no rich markup is interpreted).

A cell or a delivered file name can hold rich markup (``[bold red]x[/]``, or a stray ``[/]`` that
makes rich raise) and terminal control sequences (``ESC [2J`` clears the screen, ``CR`` rewrites a
line, bidi controls reorder what is shown). The rule, one for the whole project:

- C0 controls except ``\\n`` and ``\\t`` (so ``ESC`` and ``CR`` too), ``DEL``, C1 controls
  (U+0080-U+009F, ``CSI`` among them), bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E,
  U+2066-U+2069) and the line/paragraph separators U+2028, U+2029 are shown as their escape
  (``\\x1b``, ``\\u202e``): visible, inert, and the name stays recognisable. An escape sequence is
  inert once its ``ESC`` (or ``CSI``) is.
- then, for text printed through rich, markup is escaped (``\\[bold]``), so it prints literally.
- JSON output keeps the exact text: :func:`json_inert` writes those characters as ``\\uXXXX``
  (``json`` already does so for C0 controls).
"""

from __future__ import annotations

import re

from rich.markup import escape

_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(value: object) -> str:
    """``value`` as text with every control character shown as its escape (output without markup)."""
    return _CONTROLS.sub(_escape_char, str(value))


def safe(value: object) -> str:
    """``value`` as inert text for rich: controls shown as escapes, markup escaped."""
    return escape(plain(value))


def json_inert(text: str) -> str:
    """JSON text with the characters above written as ``\\uXXXX`` escapes (the same JSON value)."""
    return _CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def fit(text: object, width: int, align: str = "<") -> str:
    """``text`` padded to ``width`` terminal cells (a Chinese character takes two), for plain
    column layouts whose headers are translated; ``align`` ``<`` (left) or ``>`` (right)."""
    from rich.cells import cell_len  # lazy: only fixed-width listings need it

    s = str(text)
    gap = " " * max(width - cell_len(s), 0)
    return gap + s if align == ">" else s + gap
