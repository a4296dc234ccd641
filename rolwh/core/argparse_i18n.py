"""argparse in the reader's language, and its usage errors as one line (exit 2).

argparse translates its own words ("usage:", "options", "invalid choice" …) with
``gettext.gettext``, bound in its module when first imported; :func:`localise` points those names at
rolwh's catalogue, so ``rolwh --help`` is Chinese by default and English with ``ROLWH_LANG=en``.
The message ids below are argparse's own (Python 3.11), listed here only so that ``make i18n``
extracts them into the catalogue; argparse's errors about its own misuse by a programmer are left out.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from rolwh.core.i18n import N_, _, ngettext

ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("unrecognized arguments: %s"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("unexpected option string: %s"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


def localise() -> None:
    """Route argparse's gettext calls to rolwh's catalogue (read at each call: ROLWH_LANG may change)."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line naming the command and ``--help`` (exit 2),
    instead of the usage block and the error."""

    def error(self, message: str) -> NoReturn:
        line = _("{prog}: {message} (see `{prog} --help`)").format(prog=self.prog, message=message)
        self.exit(2, " ".join(line.split()) + "\n")
