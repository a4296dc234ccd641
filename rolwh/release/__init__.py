"""Layer 3: immutable yearly releases, one module per job: ``store`` (layout, versions, read-only
lock-down), ``write`` (freeze), ``manifest`` (provenance), ``ledger``, ``anchor`` (release key and
HMAC), ``verify`` (verify, anchor, refuse), ``listing``, ``diff`` (revision report), ``frozen``
(what the frozen mart reads)."""
