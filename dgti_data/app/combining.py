"""After every file of a drop folder is validated: one dataset per kind, from all its files.

``validate_folder`` (and the Prefect flow, after its per-file tasks) calls ``combine_folder`` with
the run's ``FileReport`` list. For each dataset that declares how its files combine, the files in
the drop folder *now* are its submissions: the union is made, anonymised as one table and checked
(``combine.dataset``), its bundle written to ``<results>/<dataset>.dataset/``, and each file's
report rewritten with what becomes of its rows once combined. A file removed from the drop folder
no longer contributes: the folder is the set of submissions.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from dgti_data.anonymise.leakgate import gate_document
from dgti_data.combine import combine_rule
from dgti_data.combine.dataset import CombinedDataset, Member, combine_dataset, valid_rows_path
from dgti_data.combine.report import write_dataset_html
from dgti_data.datasets import Catalog
from dgti_data.publish.bundle import MANIFEST, PublicationBundle
from dgti_data.report import write_html

if TYPE_CHECKING:  # folder.py calls this module
    from dgti_data.app.folder import FileReport
    from dgti_data.app.ledger import Ledger

# Rewrites files' reports with their parts of the union: ``tell_files`` or a parallel equivalent.
TellAll = Callable[[list[tuple["FileReport", dict[str, Any]]]], list["FileReport"]]

NOT_JOINING = {
    "invalid": ("ไฟล์มีแถวที่ไม่ถูกต้องและนโยบายของชุดข้อมูลให้ระงับทั้งไฟล์",
                "it has invalid rows and the dataset's policy blocks such a file: fix and resend"),
    "blocked": ("พบข้อมูลส่วนบุคคลหลังการปกปิด", "personal data remained after anonymisation: fix and resend"),
    "empty": ("ไม่มีแถวข้อมูล", "it has no data rows"),
}


def _member(report: FileReport, dataset: str) -> Member:
    assert report.summary is not None and report.out_dir is not None
    rows = valid_rows_path(report.out_dir, dataset)
    try:
        received = report.source.stat().st_mtime
    except OSError:  # gone since it was read: ordered as the oldest, by name
        received = 0.0
    joins = report.summary.publishable and rows.is_file()
    th, en = NOT_JOINING.get(report.status, ("", f"status {report.status}"))
    return Member(report.source.name, received, rows if joins else None,
                  "" if joins else f"{th} / {en}", report.summary.quarantined_rows,
                  report.out_dir / f"{dataset}.quarantine.csv")


def combine_folder(
    reports: list[FileReport], catalog: Catalog, out_root: Path, *, key: SecretStr | None, k: int,
    ledger: Ledger | None = None, fresh: Collection[Path] | None = None, tell: TellAll | None = None,
) -> tuple[list[FileReport], list[CombinedDataset]]:
    """The files' reports (those that joined a dataset now say what became of their rows) and one
    ``CombinedDataset`` per dataset combined in this run: with a ``ledger``, a dataset none of
    whose files changed keeps its union and its files' reports as they are. ``fresh``: the files
    read in this run (all, when not given); a dataset with one of them is always combined, since
    a file read again has its reports to finish (its HTML report is drawn here). ``tell``: how the
    files' reports are rewritten with their parts (``tell_files``, one after the other, unless the
    caller spreads them over workers: thousands of reports)."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(reports):
        if r.summary is not None and r.out_dir is not None and r.bundle is None:
            name = r.summary.dataset["name"]
            if combine_rule(catalog.get(name)) is not None:
                groups.setdefault(name, []).append(i)
    out = list(reports)
    combined = []
    inputs = {}
    for name, indices in sorted(groups.items()):
        if ledger is not None:
            inputs[name] = ledger.union_inputs(name, [reports[i] for i in indices])
            read_now = fresh is None or any(reports[i].source in fresh for i in indices)
            if not read_now and ledger.union_unchanged(name, inputs[name], out_root):
                continue
        dataset = catalog.get(name)
        rule = combine_rule(dataset)
        assert rule is not None
        members = [_member(reports[i], name) for i in indices]
        done = combine_dataset(dataset, rule, members, catalog, out_root, key=key, k=k)
        _write_bundle(done)
        combined.append(done)
        told = (tell or tell_files)([(reports[i], done.per_file[reports[i].source.name]) for i in indices])
        for i, report in zip(indices, told, strict=True):
            out[i] = report
    if ledger is not None:
        ledger.datasets = inputs
    return out, combined


def _write_bundle(done: CombinedDataset) -> None:
    manifest = done.folder / MANIFEST
    html = write_dataset_html(done)
    if not done.publishable or done.data_csv is None or done.anonymised is None:
        manifest.unlink(missing_ok=True)
        return
    ka = done.anonymised.report.k_anonymity
    warnings = [f"{done.quarantined:,} row(s) quarantined in the files; publishing the valid rows"] \
        if done.quarantined else []
    if ka and ka.rows_suppressed:
        warnings.append(f"{ka.rows_suppressed:,} rows suppressed for k-anonymity (k={ka.k}) over the union")
    warnings += done.lines()[1:21]
    PublicationBundle(dataset=done.dataset, data_csv=done.data_csv,
                      table_schema=done.anonymised.published_schema, reports=[*done.reports, html],
                      warnings=warnings, rows=len(done.anonymised.frame)).save(done.folder)


def tell_files(items: list[tuple[FileReport, dict[str, Any]]]) -> list[FileReport]:
    """Each file's reports with its part of the combined dataset, in order."""
    return [_tell_file(report, part) for report, part in items]


def _tell_file(report: FileReport, part: dict[str, Any]) -> FileReport:
    """The file's summary and reports with its part of the combined dataset (rewritten only when it
    changed, so an unchanged nightly run does not touch thousands of reports)."""
    assert report.summary is not None and report.out_dir is not None
    gated, _ = gate_document(part)
    summary = dataclasses.replace(report.summary, combined=gated, rows_published=gated["published"])
    path = report.out_dir / "report.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = {}
    if doc.get("dgti") != json.loads(json.dumps(summary.to_dict(), default=str)):
        doc["dgti"] = summary.to_dict()
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
        write_html(report.out_dir / "report.html", [summary])
    return dataclasses.replace(report, summary=summary)
