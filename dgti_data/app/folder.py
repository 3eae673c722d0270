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

from dgti_data.app.combining import TellAll, combine_folder
from dgti_data.app.ledger import STILL_WRITTEN, Ledger, run_fingerprint
from dgti_data.app.outbox import clear_outbox, write_outbox
from dgti_data.app.process import process_file
from dgti_data.combine.dataset import CombinedDataset, valid_rows_path
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

    def brief(self) -> dict[str, Any]:
        """``to_dict`` without the lists a steward reads in the report (errors, changes, headers,
        anonymisation): what a flow returns per file. Prefect walks a flow's return value, and at
        thousands of files the whole summaries cost more than the files' own work."""
        doc = self.to_dict()
        if self.summary is None:
            return doc
        heavy = ("errors", "changes", "headers", "anonymisation", "field_titles", "published_check",
                 "errors_by_field", "warnings")
        brief = {k: v for k, v in doc.items() if k not in heavy}
        return brief | {"warning_count": len(self.summary.warnings)}


def status_of(summary: Summary) -> Status:
    if summary.publishable:
        return "valid" if summary.valid else "partial"
    if summary.rows_read == 0:
        return "empty"
    return "invalid" if not summary.valid else "blocked"


def validate_file(
    path: Path, catalog: Catalog, out_root: Path, *, key: SecretStr | None, k: int,
    dataset_name: str | None = None, encoding: str | None = None, combine: bool = False,
) -> FileReport:
    """One file through every stage; unusable input is a report, not an exception. Configuration
    errors and transient failures still raise: they are the caller's to retry or stop on.

    A file whose size or time changed while it was read is still being written (an upload, a
    copy): nothing of it is used, and the next run reads it whole."""
    before = _stat(path)
    try:
        done = process_file(path, catalog, out_root, dataset_name, encoding, key=key, k=k, combine=combine)
    except UnusableInputError as exc:
        if _stat(path) != before:
            return FileReport(path, "unusable", STILL_WRITTEN)
        return FileReport(path, "unusable", exc.reason)
    if _stat(path) != before:
        (done.out_dir / "publication.json").unlink(missing_ok=True)
        valid_rows_path(done.out_dir, done.dataset.name).unlink(missing_ok=True)
        return FileReport(path, "unusable", STILL_WRITTEN)
    return FileReport(path, status_of(done.summary), summary=done.summary, out_dir=done.out_dir,
                      html_report=done.html_report, bundle=done.bundle, offices=done.offices)


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def failed(path: Path, exc: BaseException) -> FileReport:
    """A file whose processing failed for an operational reason or a bug: one line, kept short."""
    return FileReport(path, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0][:300])


@dataclass
class FolderPlan:
    """A drop folder at the start of a run: files whose report the ledger gives back unchanged, and
    the files to process."""

    files: list[Path]
    reused: dict[Path, FileReport]
    ledger: Ledger | None

    @property
    def todo(self) -> list[Path]:
        return [p for p in self.files if p not in self.reused]


def plan_folder(drop_dir: Path, catalog: Catalog, out_root: Path, *, key: SecretStr | None, k: int,
                incremental: bool = True) -> FolderPlan:
    files = table_files(drop_dir)
    if not incremental:
        return FolderPlan(files, {}, None)
    ledger = Ledger.open(out_root, run_fingerprint(catalog, key, k))
    reused = {p: r for p in files if (r := ledger.reuse(p)) is not None}
    return FolderPlan(files, reused, ledger)


def finish_folder(plan: FolderPlan, done: dict[Path, FileReport], catalog: Catalog, out_root: Path, *,
                  key: SecretStr | None, k: int, tell: TellAll | None = None,
                  ) -> tuple[list[FileReport], list[CombinedDataset]]:
    """Every file's report in folder order, each dataset made of many files combined from them
    (``app.combining``), each office's feedback on its quarantined rows (``app.outbox``), and the
    ledger saved for the next run."""
    reports = [plan.reused.get(p) or done[p] for p in plan.files]
    reports, combined = combine_folder(reports, catalog, out_root, key=key, k=k, ledger=plan.ledger,
                                       fresh=done.keys(), tell=tell)
    for report in reports:
        if report.source in done:  # files read this run: their feedback to the office, anew
            clear_outbox(out_root, report)
            write_outbox(out_root, report, catalog)
    if plan.ledger is not None:
        plan.ledger.record(reports)
        plan.ledger.save()
    return reports, combined


def validate_folder(
    drop_dir: Path, catalog: Catalog, out_root: Path, *, key: SecretStr | None, k: int,
    incremental: bool = True,
) -> list[FileReport]:
    """Every table export in ``drop_dir``, one after the other (the flow runs them as parallel
    tasks), files unchanged since the last run (``app.ledger``) not read again; then each dataset
    made of many files combined from them."""
    plan = plan_folder(drop_dir, catalog, out_root, key=key, k=k, incremental=incremental)
    done = {}
    for path in plan.todo:
        try:
            done[path] = validate_file(path, catalog, out_root, key=key, k=k, combine=True)
        except Exception as exc:  # one file's failure must not lose the other files' work
            done[path] = failed(path, exc)
    return finish_folder(plan, done, catalog, out_root, key=key, k=k)[0]
