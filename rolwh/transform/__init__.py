"""Layer 1: the dbt build (selection, fingerprint, runner); depends on rolwh.core only."""
