"""Pages that open offline: find and neutralise references to remote resources in HTML/CSS/JS text.

A government intranet blocks public hosts, so a page rolwh writes must load nothing from the
network: no ``src``/``href``/``action``/``poster`` attribute, CSS ``url()`` or ``@import`` naming
``http://``, ``https://`` or a protocol-relative ``//host``.
"""

from __future__ import annotations

import re

#: a remote reference: group 1 is the URL
REMOTE_REFERENCE = re.compile(
    r"""(?:\b(?:src|href|action|poster|srcset|data)\s*=\s*["']?\s*"""
    r"""|url\(\s*["']?\s*"""
    r"""|@import\s+(?:url\(\s*)?["']?\s*)"""
    r"""((?:https?:)?//[^\s"'()<>]+)""",
    re.IGNORECASE,
)
#: what a remote reference becomes: a blank page, never fetched
OFFLINE_TARGET = "about:blank"


def remote_references(text: str) -> list[str]:
    """The remote URLs ``text`` would load or link (``src``, ``href``, ``url()``, ``@import``)."""
    return [m.group(1) for m in REMOTE_REFERENCE.finditer(text)]


def strip_remote_references(text: str) -> str:
    """``text`` with every remote reference pointing at :data:`OFFLINE_TARGET` instead."""
    return REMOTE_REFERENCE.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + OFFLINE_TARGET, text)
