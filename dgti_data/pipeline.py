"""One raw file through every stage: read → normalise → validate → report.

The CLI and the Prefect flows both call this, so there is one pipeline, not two.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dgti_data.datasets import Catalog, Dataset
from dgti_data.errors import UnusableInputError
from dgti_data.normalise import normalise
from dgti_data.normalise.headers import header_key
from dgti_data.read import read_table
from dgti_data.report import build_summary, write_html, write_json
from dgti_data.validate import ValidationResult, validate


@dataclass
class FileOutcome:
    source: Path
    dataset: Dataset
    result: ValidationResult
    summary: dict[str, Any]
    out_dir: Path
    json_report: Path
    html_report: Path

    @property
    def exit_code(self) -> int:
        return 0 if self.result.valid else 1


def detect_dataset(path: Path, headers: list[str], catalog: Catalog) -> Dataset:
    """By file name first (``<dataset>*.csv``), else by the most headers recognised."""
    for name in sorted(catalog.names(), key=len, reverse=True):
        if path.name.startswith(name):
            return catalog.get(name)
    cleaned = {header_key(h) for h in headers}
    best, score = None, 0
    for name in catalog.names():
        ds = catalog.get(name)
        known = {header_key(h) for f in ds.fields for h in (*f.source_headers, f.name)}
        hits = len(cleaned & known)
        if hits > score:
            best, score = ds, hits
    if best is None or score < max(3, len(headers) // 2):
        raise UnusableInputError(
            path, "cannot tell which dataset this file is: name it <dataset>*.csv or pass --dataset"
        )
    return best


def output_dir_for(source: Path, out_root: Path) -> Path:
    """One folder per raw file, named after the whole file name so x.csv and x.xlsx never collide."""
    return out_root / source.name.replace(".", "-")


def process_file(
    source: Path, catalog: Catalog, out_root: Path, dataset_name: str | None = None,
    encoding: str | None = None,
) -> FileOutcome:
    """Raises ``UnusableInputError`` for files that cannot be read; data problems go in the report."""
    raw = read_table(source, encoding=encoding)
    dataset = catalog.get(dataset_name) if dataset_name else detect_dataset(source, raw.headers, catalog)
    table = normalise(raw, dataset)
    out_dir = output_dir_for(source, out_root)
    result = validate(table, dataset, catalog, out_dir)
    summary = build_summary(table, result)
    json_report = write_json(out_dir / "report.json", result.report, summary)
    html_report = write_html(out_dir / "report.html", [summary])
    return FileOutcome(source, dataset, result, summary, out_dir, json_report, html_report)
