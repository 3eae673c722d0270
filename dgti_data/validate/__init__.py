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
_POSITION = re.compile(r'row at position "?(\d+)"?')
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


def _cell_error(err: dict[str, Any], raw_row: int | None, personal: set[str], dataset: Dataset) -> CellError:
    field = err.get("fieldName") or next(iter(err.get("fieldNames", [])), None)
    if field is None and err["type"] == "primary-key" and dataset.primary_key:
        field = dataset.primary_key[0]
    match = _CONSTRAINT.search(err.get("note", ""))
    if "cell" in err:
        value = show(err["cell"], field, personal)
    elif err.get("fieldCells"):
        value = ", ".join(str(show(c, field, personal)) for c in err["fieldCells"])
    elif err.get("cells") and field in dataset.field_names:
        value = err["cells"][dataset.field_names.index(field)]
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
    raw_rows: list[int] = list(table.row_numbers)

    def to_raw(row_number: int | None) -> int | None:
        """Row numbers of the normalised CSV (header = 1) back to the raw file's rows."""
        if row_number and 0 <= row_number - 2 < len(raw_rows):
            return raw_rows[row_number - 2]
        return None

    errors: list[CellError] = []
    table_errors: list[CellError] = []
    invalid: dict[int, list[CellError]] = {}
    report_dict = report.to_dict()
    for task in report_dict.get("tasks", []):
        task["place"] = Path(str(table.source.path)).name
        sanitised = []
        for err in task.get("errors", []):
            row_number = err.get("rowNumber")
            raw_row = to_raw(row_number)
            if raw_row is not None:
                err["rowNumber"] = raw_row
                for key in ("note", "message"):
                    if key in err:
                        err[key] = _POSITION.sub(
                            lambda m: f'row at position "{to_raw(int(m.group(1))) or m.group(1)}"', err[key]
                        )
            clean = sanitise_error(err, dataset, personal)
            sanitised.append(clean)
            cell_error = _cell_error(clean, raw_row, personal, dataset)
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
