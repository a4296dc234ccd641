"""People-facing text in the reader's language: Chinese by default, English with ``ROLWH_LANG=en``.

Every string a person reads (help, status, run summaries, reason files, errors, notifications) is
written in code as an English gettext message id and translated by the catalogue
``rolwh/locale/zh_CN/LC_MESSAGES/rolwh.po``. Use it like this::

    from rolwh.core.i18n import _, ngettext
    print(_("{n} files loaded").format(n=n))

Never pass an f-string to ``_``: the extractor only sees literal strings, and a value inside the
message id would miss the catalogue. The .po file is compiled in memory with Babel when first
needed, so no binary .mo file is kept in git. ``make i18n`` extracts new message ids into the
catalogue; tests/core/test_i18n.py fails on any id the catalogue does not translate.
Engineers' logs stay English (not wrapped in ``_``).
"""

from __future__ import annotations

import functools
import gettext
import io
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "rolwh"
DEFAULT_LANGUAGE = "zh_CN"
#: ROLWH_LANG values that select English; anything else (unset, zh, zh_CN, zh-CN.UTF-8…) is Chinese.
ENGLISH = ("en", "english")


def language() -> str:
    """``zh_CN`` (the default) or ``en``, from ``ROLWH_LANG``; read on every call, so a test or a
    tenant can switch it."""
    value = os.environ.get("ROLWH_LANG", "").strip().lower().replace("-", "_")
    return "en" if value.split("_")[0].split(".")[0] in ENGLISH else DEFAULT_LANGUAGE


def catalogue_path(lang: str = DEFAULT_LANGUAGE) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English: the message ids themselves)."""
    path = catalogue_path(lang)
    if lang == "en" or not path.exists():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo  # lazy: Babel only when Chinese text is asked for
    from babel.messages.pofile import read_po  # lazy: as above

    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    """``message`` (an English message id) in the reader's language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message id for the catalogue without translating it now (module-level constants:
    translate with ``_`` where the text is shown)."""
    return message


def is_english() -> bool:
    return language() == "en"
