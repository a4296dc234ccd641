"""Keyed pseudonyms (HMAC-SHA256) for personal data: the Python reference and its DuckDB SQL twin."""

from __future__ import annotations

import hashlib
import hmac

BLOCK_SIZE = 64  # SHA-256 block size in bytes
HMAC_MACRO = "rolwh_hmac"


def hmac_hex(key: bytes, value: str) -> str:
    """HMAC-SHA256 of the UTF-8 ``value`` under ``key``, as 64 lower-case hex digits."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _pads(key: bytes) -> tuple[str, str]:
    """(ipad, opad) of ``key`` as hex, per RFC 2104 (long keys are hashed first)."""
    if len(key) > BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK_SIZE, b"\0")
    ipad = bytes(b ^ 0x36 for b in key).hex()
    opad = bytes(b ^ 0x5C for b in key).hex()
    return ipad, opad


def hmac_macro_sql(key: bytes) -> str:
    """DDL of a TEMP macro computing :func:`hmac_hex` in SQL (temp: the key never reaches the file)."""
    ipad, opad = _pads(key)
    return (
        f"create or replace temp macro {HMAC_MACRO}(m) as "
        f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode(m))))"
    )
