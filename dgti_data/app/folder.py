"""A drop folder of raw exports → one ``FileReport`` per file, whatever became of it.

``read.table_files`` says which files are table exports (``.xls`` and ``.ods`` included, so they
get the read stage's clear refusal instead of being skipped). One file's unusable input, or even a
bug, never loses the other files' work: it becomes that file's report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from dgti_data.app.process import process_file
from dgti_data.datasets import Catalog
from dgti_data.errors import UnusableInputError
from dgti_data.read import table_files
from dgti_data.report import OfficeCounts, Summary

# partial: invalid rows quarantined, the valid ones publishable; blocked: valid, but anonymisation
# checks refused it; empty: no data rows.
Status = Literal["valid", "partial", "invalid", "blocked", "empty", "unusable", "failed"]


@dataclass(frozen=True)
class FileReport:
    """What became of one raw file. ``summary`` is present unless the file was unusable or failed."""

    source: Path
    status: Status
    reason: str = ""
    summary: Summary | None = None
    out_dir: Path | None = None
    html_report: Path | None = None
    bundle: Path | None = None
    offices: dict[str, OfficeCounts] = field(default_factory=dict)  # for the history only

    def to_dict(self) -> dict[str, Any]:
        """The JSON the flows return: the steward summary plus where its files are, or the reason."""
        if self.summary is None:
            doc: dict[str, Any] = {"unusable": True, "file": self.source.name, "reason": self.reason}
            return doc | ({"failed": True} if self.status == "failed" else {})
        return self.summary.to_dict() | {
            "out_dir": str(self.out_dir), "bundle": str(self.bundle) if self.bundle else None,
        }


def status_of(summary: Summary) -> Status:
    if summary.publishable:
        return "valid" if summary.valid else "partial"
    if summary.rows_read == 0:
        return "empty"
    return "invalid" if not summary.valid else "blocked"


def validate_file(
    path: Path, catalog: Catalog, out_root: Path, *, key: SecretStr | None, k: int,
    dataset_name: str | None = None, encoding: str | None = None,
) -> FileReport:
    """One file through every stage; unusable input is a report, not an exception. Configuration
    errors and transient failures still raise: they are the caller's to retry or stop on."""
    try:
        done = process_file(path, catalog, out_root, dataset_name, encoding, key=key, k=k)
    except UnusableInputError as exc:
        return FileReport(path, "unusable", exc.reason)
    return FileReport(path, status_of(done.summary), summary=done.summary, out_dir=done.out_dir,
                      html_report=done.html_report, bundle=done.bundle, offices=done.offices)


def failed(path: Path, exc: BaseException) -> FileReport:
    """A file whose processing failed for an operational reason or a bug: one line, kept short."""
    return FileReport(path, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0][:300])


def validate_folder(
    drop_dir: Path, catalog: Catalog, out_root: Path, *, key: SecretStr | None, k: int,
) -> list[FileReport]:
    """Every table export in ``drop_dir``, one after the other (the flow runs them as parallel tasks)."""
    reports = []
    for path in table_files(drop_dir):
        try:
            reports.append(validate_file(path, catalog, out_root, key=key, k=k))
        except Exception as exc:  # one file's failure must not lose the other files' work
            reports.append(failed(path, exc))
    return reports
