"""Benchmarks of rolwh against the limit (DuckDB read_csv, calamine) and pandas: ``python -m bench``."""
