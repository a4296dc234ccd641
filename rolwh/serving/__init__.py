"""Layer 2: publishing to the serving file and reading it (query, status, indicators)."""
