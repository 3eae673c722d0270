"""Report stage: what a data steward reads (JSON, HTML) and what Prefect shows (artifacts)."""

from dgti_data.report.files import render_html, write_html, write_json, write_quality
from dgti_data.report.history import FileCounts, OfficeCounts, office_counts
from dgti_data.report.markdown import error_rows, summary_markdown
from dgti_data.report.summary import Summary, build_summary

__all__ = [
    "FileCounts", "OfficeCounts", "Summary", "build_summary", "error_rows", "office_counts", "render_html",
    "summary_markdown", "write_html", "write_json", "write_quality",
]
