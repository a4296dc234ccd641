"""Ingest: new export files from the landing area into the raw and audit layers of DuckDB."""

from ingest.report import FileResult, IngestReport
from ingest.runner import ingest_feed, run_ingest

__all__ = ["FileResult", "IngestReport", "ingest_feed", "run_ingest"]
