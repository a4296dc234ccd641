"""Layer 3: immutable yearly releases: freeze, ledger, verify, diff."""
