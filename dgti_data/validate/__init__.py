"""Validate stage: a normalised table against its Table Schema, with frictionless.

Nothing is lost: valid rows go to the dataset's CSV, invalid ones to a quarantine CSV with their
errors, and the report is frictionless's, with row numbers pointing at the raw file and personal
values masked.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import frictionless

from dgti_data.datasets import Catalog, Dataset
from dgti_data.validate.privacy import personal_fields, sanitise_error, show
from dgti_data.validate.result import CellError, ValidationResult

__all__ = ["CellError", "ValidationResult", "validate"]

_CONSTRAINT = re.compile(r'constraint "(\w+)"')
QUARANTINE_NOTICE = (
    "Quarantine files hold raw rows, personal data included, for the data steward only.\n"
    "They stay on the machine that runs the pipeline: never publish, e-mail or upload them.\n"
    "ไฟล์กักกันเก็บแถวข้อมูลดิบ รวมถึงข้อมูลส่วนบุคคล สำหรับผู้ดูแลข้อมูลเท่านั้น ห้ามเผยแพร่หรือส่งออกนอกเครื่อง\n"
)


def _frictionless_validate(catalog: Catalog, dataset: Dataset, csv_path: Path) -> frictionless.Report:
    with frictionless.system.use_context(trusted=True):
        package = frictionless.Package(catalog.root / "datapackage.json")
        resource = package.get_resource(dataset.name)
        resource.path = str(csv_path.resolve())
        resource.format = "csv"
        resource.encoding = "utf-8"
        return resource.validate(limit_errors=10**9)


def _cell_error(err: dict[str, Any], raw_row: int | None, personal: set[str]) -> CellError:
    field = err.get("fieldName") or next(iter(err.get("fieldNames", [])), None)
    match = _CONSTRAINT.search(err.get("note", ""))
    if "cell" in err:
        value = show(err["cell"], field, personal)
    elif err.get("fieldCells"):
        value = ", ".join(str(show(c, field, personal)) for c in err["fieldCells"])
    else:
        value = None
    return CellError(
        row=raw_row,
        field=field,
        type=err["type"],
        constraint=match.group(1) if match and err["type"] == "constraint-error" else None,
        value=value,
        note=err.get("note", ""),
    )


def validate(table: Any, dataset: Dataset, catalog: Catalog, out_dir: Path) -> ValidationResult:
    """Validate a ``NormalisedTable`` and split its rows into valid and quarantined files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    work_csv = out_dir / f"{dataset.name}.normalised.csv"
    table.to_csv(work_csv)
    try:
        report = _frictionless_validate(catalog, dataset, work_csv)
    finally:
        work_csv.unlink(missing_ok=True)
    personal = personal_fields(dataset)
    # Primary-key errors name no field in frictionless: give them the key.
    pk_field = dataset.primary_key[0] if dataset.primary_key else None

    raw_rows: list[int] = list(table.row_numbers)
    errors: list[CellError] = []
    table_errors: list[CellError] = []
    invalid: dict[int, list[CellError]] = {}
    report_dict = report.to_dict()
    for task in report_dict.get("tasks", []):
        task["place"] = Path(str(table.source.path)).name
        sanitised = []
        for err in task.get("errors", []):
            row_number = err.get("rowNumber")
            raw_row = raw_rows[row_number - 2] if row_number and row_number - 2 < len(raw_rows) else None
            if raw_row is not None:
                err["rowNumber"] = raw_row
            clean = sanitise_error(err, dataset, personal)
            sanitised.append(clean)
            cell_error = _cell_error(clean, raw_row, personal)
            if err["type"] == "primary-key" and cell_error.field is None:
                cell_error = CellError(**{**cell_error.to_dict(), "field": pk_field})
            if row_number:
                errors.append(cell_error)
                invalid.setdefault(row_number - 2, []).append(cell_error)
            else:
                table_errors.append(cell_error)
        task["errors"] = sanitised

    for name in getattr(table, "missing_fields", []):
        spec = dataset.field(name)
        if spec.required:
            table_errors.append(
                CellError(None, name, "missing-label", None, None,
                          "a required column is not in the file")
            )

    valid_path = out_dir / f"{dataset.name}.csv"
    quarantine_path = out_dir / f"{dataset.name}.quarantine.csv"
    frame = table.frame
    names = list(dataset.field_names)
    valid_count = 0
    with (
        valid_path.open("w", encoding="utf-8", newline="") as vf,
        quarantine_path.open("w", encoding="utf-8", newline="") as qf,
    ):
        vw = csv.writer(vf, lineterminator="\n")
        qw = csv.writer(qf, lineterminator="\n")
        vw.writerow(names)
        qw.writerow(["_raw_row", "_errors", *names])
        for index, row in enumerate(frame[names].itertuples(index=False, name=None)):
            cells = ["" if v is None else v for v in row]
            if index in invalid:
                reasons = [e.to_dict() for e in invalid[index]]
                qw.writerow([raw_rows[index], json.dumps(reasons, ensure_ascii=False), *cells])
            else:
                vw.writerow(cells)
                valid_count += 1
    (out_dir / "QUARANTINE-README.txt").write_text(QUARANTINE_NOTICE, encoding="utf-8")

    report_dict["valid"] = not errors and not table_errors
    return ValidationResult(
        dataset=dataset,
        source=Path(str(table.source.path)),
        report=report_dict,
        errors=errors,
        table_errors=table_errors,
        rows_read=len(frame),
        valid_rows=valid_count,
        quarantined_rows=len(invalid),
        valid_path=valid_path,
        quarantine_path=quarantine_path,
    )
